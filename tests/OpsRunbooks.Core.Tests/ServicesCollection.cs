using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests;

[CollectionDefinition(Name)]
public sealed class ServicesCollection : ICollectionFixture<ServicesFixture>
{
    public const string Name = "services";
}

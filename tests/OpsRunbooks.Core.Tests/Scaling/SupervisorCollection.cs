using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

[CollectionDefinition(Name)]
public sealed class SupervisorCollection : ICollectionFixture<SupervisorFixture>
{
    public const string Name = "supervisor";
}

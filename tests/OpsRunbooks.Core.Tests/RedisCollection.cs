using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests;

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

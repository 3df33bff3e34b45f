namespace OpsRunbooks.Redis;

/// <summary>The stable error ids of Redis servers, for every area that reads one (queues, health, scale targets).</summary>
public static class RedisErrorIds
{
    public const string RedisAddressInvalid = "RedisAddressInvalid";
    public const string RedisAuthenticationFailed = "RedisAuthenticationFailed";
    public const string RedisConnectionFailed = "RedisConnectionFailed";
    public const string RedisConnectionLost = "RedisConnectionLost";
    public const string RedisError = "RedisError";
    public const string RedisTimedOut = "RedisTimedOut";
}

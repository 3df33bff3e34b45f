namespace OpsRunbooks.PostgresOperations;

// Replication and failover ids, kept here until PostgresOperationsErrorIds (branch pgops) is merged; then they move there.
public static class FailoverErrorIds
{
    public const string PromotionNotAStandby = "PromotionNotAStandby";
    public const string PromotionStandbyStale = "PromotionStandbyStale";
    public const string PromotionLagTooHigh = "PromotionLagTooHigh";
    public const string PromotionTimedOut = "PromotionTimedOut";
    public const string PromotionWriteFailed = "PromotionWriteFailed";
}

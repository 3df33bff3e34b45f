using System.Text.Json.Nodes;
using OpsRunbooks.Environments;
using OpsRunbooks.Notifications;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Journal;

public sealed class NotificationTests : IDisposable
{
    private const string SecretPath = "/services/T000/B000/s3cr3t-webhook-path";
    private const string Token = "glsa_test-token-never-shown";
    private readonly TestHttpListener _listener = new();
    private readonly string _urlVariable = "OPSRUNBOOKS_TEST_WEBHOOK_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private readonly string _tokenVariable = "OPSRUNBOOKS_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public NotificationTests()
    {
        Environment.SetEnvironmentVariable(_urlVariable, _listener.Url + SecretPath);
        Environment.SetEnvironmentVariable(_tokenVariable, Token);
    }

    private NotificationChannelSettings Channel(string type, string? url = null, int attempts = 3) => new()
    {
        Name = type.ToLowerInvariant(),
        Type = type,
        Url = new SecretReference(url ?? $"env:{_urlVariable}", "test.psd1", "Journal.Notifications.Url"),
        Token = type == "Slack" ? null : new SecretReference($"env:{_tokenVariable}", "test.psd1", "Journal.Notifications.Token"),
        Tags = ["backup", "postgres"],
        Attempts = attempts,
        RetryDelay = TimeSpan.FromMilliseconds(50),
        Timeout = TimeSpan.FromSeconds(5),
    };

    private static Notification Message(string text = "Backups done") => new(text, NotificationSeverity.Warning, "production", DateTime.UtcNow);

    [Fact]
    public async Task ASlackWebhookGetsTheTextAtItsSecretUrl()
    {
        var delivery = await NotificationSender.SendAsync(Channel("Slack").CreateChannel(), Message(), CancellationToken.None);

        Assert.True(delivery.Delivered);
        var request = Assert.Single(_listener.Requests);
        Assert.Equal(("POST", SecretPath), (request.Method, request.Path));
        Assert.Equal(":warning: Backups done", JsonNode.Parse(request.Body)!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task AGrafanaAnnotationCarriesTagsAndTheBearerToken()
    {
        var delivery = await NotificationSender.SendAsync(Channel("Grafana", _listener.Url).CreateChannel(), Message(), CancellationToken.None);

        Assert.True(delivery.Delivered);
        var request = Assert.Single(_listener.Requests);
        Assert.Equal("/api/annotations", request.Path);
        Assert.Equal("Bearer " + Token, request.Authorization);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal(["backup", "postgres", "warning", "production"], body["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.True(body["time"]!.GetValue<long>() > 1_700_000_000_000);
    }

    [Fact]
    public async Task A503IsRetriedUntilItIsDelivered()
    {
        _listener.Answers.Enqueue(503);
        _listener.Answers.Enqueue(503);

        var delivery = await NotificationSender.SendAsync(Channel("Webhook").CreateChannel(), Message(), CancellationToken.None);

        Assert.True(delivery.Delivered);
        Assert.Equal(3, delivery.Attempts);
        Assert.Equal(3, _listener.Requests.Count);
        Assert.Equal("production", JsonNode.Parse(_listener.Requests.Last().Body)!["environment"]!.GetValue<string>());
    }

    [Fact]
    public async Task RetriesAreBoundedAndAClientErrorIsNotRetried()
    {
        for (var i = 0; i < 5; i++) _listener.Answers.Enqueue(429);
        var exhausted = await NotificationSender.SendAsync(Channel("Webhook", attempts: 2).CreateChannel(), Message(), CancellationToken.None);
        Assert.False(exhausted.Delivered);
        Assert.Equal((2, 429), (exhausted.Attempts, exhausted.StatusCode));

        while (_listener.Answers.TryDequeue(out _)) { }
        _listener.Answers.Enqueue(404);
        var refused = await NotificationSender.SendAsync(Channel("Webhook").CreateChannel(), Message(), CancellationToken.None);
        Assert.False(refused.Delivered);
        Assert.Equal(1, refused.Attempts);
    }

    [Fact]
    [Trait("Category", "Fault")]
    public async Task AListenerThatIsDownIsReportedWithoutThrowingOrShowingTheSecret()
    {
        Environment.SetEnvironmentVariable(_urlVariable, $"http://127.0.0.1:{TestHttpListener.FreePort()}{SecretPath}");

        var delivery = await NotificationSender.SendAsync(Channel("Slack", attempts: 2).CreateChannel(), Message(), CancellationToken.None);

        Assert.False(delivery.Delivered);
        Assert.Equal(2, delivery.Attempts);
        Assert.DoesNotContain("s3cr3t", delivery.ToString() + delivery.Problem);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_urlVariable, null);
        Environment.SetEnvironmentVariable(_tokenVariable, null);
        _listener.Dispose();
    }
}

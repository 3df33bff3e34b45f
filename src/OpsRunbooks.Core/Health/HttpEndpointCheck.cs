using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using OpsRunbooks.Environments;

namespace OpsRunbooks.Health;

/// <summary>
/// What an HTTP health endpoint must do: answer <see cref="ExpectedStatus"/> within <see cref="MaximumLatency"/>, and,
/// when <see cref="JsonProperty"/> is set, have a JSON body whose property (a dotted path: checks.database) is
/// <see cref="ExpectedValue"/>. Defaults from the seeds' morning check: 200, status = healthy, under 500 ms.
/// </summary>
public sealed record HttpEndpointOptions(Uri Uri) : IHealthCheckDefinition
{
    public const int DefaultExpectedStatus = 200;
    public const string DefaultExpectedValue = "healthy";
    public static readonly TimeSpan DefaultMaximumLatency = TimeSpan.FromMilliseconds(500);

    public int ExpectedStatus { get; init; } = DefaultExpectedStatus;
    public string? JsonProperty { get; init; }
    public string ExpectedValue { get; init; } = DefaultExpectedValue;
    public TimeSpan MaximumLatency { get; init; } = DefaultMaximumLatency;
    public TimeSpan? Timeout { get; init; }

    public HealthCheck Create(OpsEnvironment environment) => new HttpEndpointCheck(this);

    public override string ToString() => $"Http {Uri}";
}

public sealed class HttpEndpointCheck(HttpEndpointOptions options) : HealthCheck(HttpEndpointCheckKind.Name, options.Uri.ToString(), options.Timeout)
{
    /// <summary>A health endpoint's body is small; more than this is not read.</summary>
    private const int MaximumBodyBytes = 1024 * 1024;

    /// <summary>One client for every check: connections are pooled per endpoint; each request is bounded by the check's token.</summary>
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    public HttpEndpointOptions Options { get; } = options;

    protected override async Task EvaluateAsync(HealthFindings findings, CancellationToken cancellationToken)
    {
        findings.Threshold("ExpectedStatus", Options.ExpectedStatus);
        if (Options.JsonProperty is not null) findings.Threshold("Expected." + Options.JsonProperty, Options.ExpectedValue);
        findings.Threshold("MaximumLatencyMs", Math.Round(Options.MaximumLatency.TotalMilliseconds));
        findings.Threshold("TimeoutMs", Math.Round(Timeout.TotalMilliseconds));

        var stopwatch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, Options.Uri);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        var latency = stopwatch.Elapsed;
        var status = (int)response.StatusCode;
        findings.Measure("StatusCode", status);
        findings.Measure("LatencyMs", Math.Round(latency.TotalMilliseconds, 1));
        findings.Summary = HealthFindings.Invariant($"HTTP {status} in {Describe(latency)}");

        if (status != Options.ExpectedStatus)
            findings.Unhealthy(HealthFindings.Invariant($"answered HTTP {status} ({response.ReasonPhrase}), expected {Options.ExpectedStatus}"));
        if (Options.JsonProperty is { } property)
            CheckJson(findings, property, body);
        if (latency > Options.MaximumLatency)
            findings.Degraded($"answered in {Describe(latency)}, over the maximum latency of {Describe(Options.MaximumLatency)}");
    }

    private void CheckJson(HealthFindings findings, string property, byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            findings.Unhealthy($"the body is not valid JSON ({e.Message.Split(" Path:")[0].TrimEnd('.')}), so its '{property}' cannot be read: {Excerpt(body)}");
            return;
        }
        using (document)
        {
            var value = Find(document.RootElement, property);
            if (value is null)
            {
                findings.Unhealthy($"the JSON body has no '{property}': {Excerpt(body)}");
                return;
            }
            var text = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString()! : value.Value.GetRawText();
            findings.Measure(property, text);
            if (!string.Equals(text, Options.ExpectedValue, StringComparison.OrdinalIgnoreCase))
                findings.Unhealthy($"'{property}' is '{text}', expected '{Options.ExpectedValue}'");
            else
                findings.Summary += $", {property} '{text}'";
        }
    }

    private static JsonElement? Find(JsonElement root, string path)
    {
        var current = root;
        foreach (var name in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current)) return null;
        }
        return current;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while (buffer.Length < MaximumBodyBytes && (read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            buffer.Write(chunk, 0, read);
        return buffer.ToArray();
    }

    /// <summary>The start of a body, on one line, for a reason.</summary>
    private static string Excerpt(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).ReplaceLineEndings(" ").Trim();
        return text.Length == 0 ? "(empty)" : body.Length > 200 ? text + "..." : text;
    }
}

/// <summary>Http = @( @{ Uri = 'https://api.example.com/health'; ExpectedStatus = 200; JsonProperty = 'status'; ExpectedValue = 'healthy'; MaximumLatency = '00:00:00.500'; Timeout = '00:00:10' } )</summary>
public sealed class HttpEndpointCheckKind : HealthCheckKind
{
    public const string Name = "Http";

    public override string Key => Name;

    public override IReadOnlyCollection<string> Keys { get; } = ["Uri", "ExpectedStatus", "JsonProperty", "ExpectedValue", "MaximumLatency", "Timeout"];

    public override IHealthCheckDefinition Read(SettingsTable entry)
    {
        var text = entry.RequiredText("Uri");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw entry.Invalid("Uri", $"'{text}' is not an http:// or https:// address");
        return new HttpEndpointOptions(uri)
        {
            ExpectedStatus = entry.WholeNumber("ExpectedStatus", 100, 599, "an HTTP status code") ?? HttpEndpointOptions.DefaultExpectedStatus,
            JsonProperty = entry.Text("JsonProperty"),
            ExpectedValue = entry.Text("ExpectedValue") ?? HttpEndpointOptions.DefaultExpectedValue,
            MaximumLatency = Duration(entry, "MaximumLatency") ?? HttpEndpointOptions.DefaultMaximumLatency,
            Timeout = Duration(entry, "Timeout"),
        };
    }
}

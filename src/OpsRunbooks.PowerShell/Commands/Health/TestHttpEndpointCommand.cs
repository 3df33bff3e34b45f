using System.Management.Automation;
using OpsRunbooks.Health;

namespace OpsRunbooks.PowerShell.Commands.Health;

/// <summary>Checks that an HTTP health endpoint answers the expected status, body value and latency.</summary>
[Cmdlet(VerbsDiagnostic.Test, "HttpEndpoint")]
[OutputType(typeof(HealthCheckResult))]
public sealed class TestHttpEndpointCommand : HealthCommand
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public Uri[] Uri { get; set; } = [];

    [Parameter]
    [ValidateRange(100, 599)]
    public int ExpectedStatus { get; set; } = HttpEndpointOptions.DefaultExpectedStatus;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JsonProperty { get; set; }

    [Parameter]
    [ValidateNotNull]
    public string ExpectedValue { get; set; } = HttpEndpointOptions.DefaultExpectedValue;

    [Parameter]
    public TimeSpan MaximumLatency { get; set; } = HttpEndpointOptions.DefaultMaximumLatency;

    protected override void ProcessRecord()
    {
        foreach (var uri in Uri)
        {
            WriteCheck(() => new HttpEndpointCheck(new HttpEndpointOptions(uri)
            {
                ExpectedStatus = ExpectedStatus,
                JsonProperty = JsonProperty,
                ExpectedValue = ExpectedValue,
                MaximumLatency = MaximumLatency,
                Timeout = Timeout,
            }));
        }
    }
}

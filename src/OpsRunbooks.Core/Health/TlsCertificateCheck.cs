using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using OpsRunbooks.Environments;

namespace OpsRunbooks.Health;

/// <summary>
/// What a TLS endpoint's certificate must be: valid for more than <see cref="WarningDays"/> (Degraded within it,
/// Unhealthy within <see cref="CriticalDays"/> or once expired), issued by a trusted chain and for the host name.
/// <see cref="CertificateAuthority"/> adds a root to trust (an internal CA) beside the system's.
/// </summary>
public sealed record TlsCertificateOptions(string HostName) : IHealthCheckDefinition
{
    public const int DefaultPort = 443;
    public const int DefaultWarningDays = 30;
    public const int DefaultCriticalDays = 7;

    public int Port { get; init; } = DefaultPort;
    public int WarningDays { get; init; } = DefaultWarningDays;
    public int CriticalDays { get; init; } = DefaultCriticalDays;

    /// <summary>A PEM or DER file of a root certificate to trust for this endpoint, or null for the system's roots alone.</summary>
    public string? CertificateAuthority { get; init; }

    public TimeSpan? Timeout { get; init; }

    public HealthCheck Create(OpsEnvironment environment) => new TlsCertificateCheck(this);

    public override string ToString() => $"Tls {HostName}:{Port}";
}

public sealed class TlsCertificateCheck : HealthCheck
{
    public TlsCertificateCheck(TlsCertificateOptions options) : base(TlsCertificateCheckKind.Name, $"{options.HostName}:{options.Port}", options.Timeout)
    {
        Options = options;
        if (options.CriticalDays < 0 || options.WarningDays < options.CriticalDays)
            throw new OpsException(HealthErrorIds.HealthThresholdInvalid, FailureKind.InvalidArgument,
                $"WarningDays ({options.WarningDays}) must be at least CriticalDays ({options.CriticalDays}), and both 0 or more.", Target);
    }

    public TlsCertificateOptions Options { get; }

    protected override async Task EvaluateAsync(HealthFindings findings, CancellationToken cancellationToken)
    {
        findings.Threshold("WarningDays", Options.WarningDays);
        findings.Threshold("CriticalDays", Options.CriticalDays);
        if (Options.CertificateAuthority is not null) findings.Threshold("CertificateAuthority", Options.CertificateAuthority);

        using var client = new TcpClient();
        await client.ConnectAsync(Options.HostName, Options.Port, cancellationToken).ConfigureAwait(false);
        X509Certificate2? certificate = null;
        var errors = SslPolicyErrors.None;
        // The callback records what it sees and accepts everything: this check reports a bad certificate, it does not refuse it.
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = Options.HostName,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, presented, _, policyErrors) =>
            {
                certificate = presented is null ? null : new X509Certificate2(presented);
                errors = policyErrors;
                return true;
            },
        }, cancellationToken).ConfigureAwait(false);

        if (certificate is null)
        {
            findings.Unhealthy("the server presented no certificate");
            return;
        }
        using (certificate)
            Evaluate(findings, certificate, errors, DateTime.UtcNow);
    }

    private void Evaluate(HealthFindings findings, X509Certificate2 certificate, SslPolicyErrors errors, DateTime now)
    {
        var daysLeft = (certificate.NotAfter.ToUniversalTime() - now).TotalDays;
        var chainProblem = (errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0 ? ChainProblem(certificate) : null;
        var nameMatches = (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
        findings.Measure("Subject", certificate.Subject);
        findings.Measure("Issuer", certificate.Issuer);
        findings.Measure("NotAfter", certificate.NotAfter.ToUniversalTime().ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        findings.Measure("DaysToExpiry", Math.Round(daysLeft, 1));
        findings.Measure("ChainValid", chainProblem is null);
        findings.Measure("NameMatches", nameMatches);
        findings.Measure("Thumbprint", certificate.Thumbprint);
        findings.Summary = HealthFindings.Invariant($"valid for {daysLeft:0} more days, until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}");

        if (daysLeft <= 0)
            findings.Unhealthy(HealthFindings.Invariant($"the certificate expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"));
        else if (daysLeft < Options.WarningDays)
            findings.Add(daysLeft < Options.CriticalDays ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                HealthFindings.Invariant($"the certificate expires in {daysLeft:0.#} days ({certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}), within {(daysLeft < Options.CriticalDays ? Options.CriticalDays : Options.WarningDays)} days: renew it"));
        if (certificate.NotBefore.ToUniversalTime() > now)
            findings.Unhealthy(HealthFindings.Invariant($"the certificate is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"));
        if (!nameMatches)
            findings.Unhealthy($"the certificate is not for '{Options.HostName}': it names {Names(certificate)}");
        if (chainProblem is not null)
            findings.Unhealthy($"the certificate chain is not trusted: {chainProblem}");
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            findings.Unhealthy("the server's certificate is not available");
    }

    /// <summary>
    /// Why the chain fails, after trying the configured CertificateAuthority as a root (the system's roots failed already);
    /// null when that root makes it valid. An expiry is left out: it is reported on its own.
    /// </summary>
    private string? ChainProblem(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        if (Options.CertificateAuthority is { } authorityPath)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(LoadAuthority(authorityPath));
        }
        if (chain.Build(certificate)) return null;
        var problems = chain.ChainStatus.Select(s => s.StatusInformation.Trim().TrimEnd('.')).Where(s => s.Length > 0).Distinct().ToArray();
        return problems.Length == 0 ? "it does not lead to a trusted root" : string.Join(", ", problems);
    }

    private static X509Certificate2Collection LoadAuthority(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            if (File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal)) authorities.ImportFromPemFile(path);
            else authorities.Add(new X509Certificate2(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new OpsException(HealthErrorIds.HealthThresholdInvalid, FailureKind.InvalidArgument,
                $"The certificate authority '{path}' cannot be read: {e.Message}. Give a PEM or DER file of a root certificate.", path, e);
        }
        return authorities;
    }

    private static string Names(X509Certificate2 certificate)
    {
        var dns = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToArray();
        return dns.Length > 0 ? string.Join(", ", dns) : certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
    }
}

/// <summary>Tls = @( @{ HostName = 'api.example.com'; Port = 443; WarningDays = 30; CriticalDays = 7; CertificateAuthority = 'internal-ca.pem'; Timeout = '00:00:10' } )</summary>
public sealed class TlsCertificateCheckKind : HealthCheckKind
{
    public const string Name = "Tls";

    public override string Key => Name;

    public override IReadOnlyCollection<string> Keys { get; } = ["HostName", "Port", "WarningDays", "CriticalDays", "CertificateAuthority", "Timeout"];

    public override IHealthCheckDefinition Read(SettingsTable entry) => new TlsCertificateOptions(entry.RequiredText("HostName"))
    {
        Port = entry.WholeNumber("Port", 1, 65535, "a TCP port") ?? TlsCertificateOptions.DefaultPort,
        WarningDays = entry.WholeNumber("WarningDays", 0, 3650) ?? TlsCertificateOptions.DefaultWarningDays,
        CriticalDays = entry.WholeNumber("CriticalDays", 0, 3650) ?? TlsCertificateOptions.DefaultCriticalDays,
        CertificateAuthority = entry.FilePath("CertificateAuthority"),
        Timeout = Duration(entry, "Timeout"),
    };
}

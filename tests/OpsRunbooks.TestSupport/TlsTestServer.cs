using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpsRunbooks.TestSupport;

/// <summary>
/// A TLS listener on 127.0.0.1 that presents one certificate, completes the handshake and closes; with
/// <see cref="CreateAuthority"/> and <see cref="CreateCertificate"/> to make a test certificate authority and
/// certificates that expire when a test needs them to.
/// </summary>
public sealed class TlsTestServer : LoopbackTcpServer
{
    private readonly X509Certificate2 _certificate;

    public TlsTestServer(X509Certificate2 certificate)
    {
        _certificate = certificate;
        Start();
    }

    /// <summary>A root certificate authority, valid for a year, with its key.</summary>
    public static X509Certificate2 CreateAuthority(string name = "OpsRunbooks Test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>A server certificate for <paramref name="dnsName"/>, issued by <paramref name="authority"/> (or self-signed), expiring at <paramref name="notAfter"/>.</summary>
    public static X509Certificate2 CreateCertificate(string dnsName, DateTimeOffset notAfter, X509Certificate2? authority = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        using var issued = authority is null
            ? request.CreateSelfSigned(notBefore, notAfter)
            : request.Create(authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(8)).CopyWithPrivateKey(key);
        // A round trip through PKCS#12 gives a certificate whose key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Writes a certificate as PEM, as -CertificateAuthority reads it.</summary>
    public static void WritePem(X509Certificate2 certificate, string path) => File.WriteAllText(path, certificate.ExportCertificatePem());

    protected override async Task ServeAsync(TcpClient client)
    {
        await using var tls = new SslStream(client.GetStream());
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, limit.Token);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _certificate.Dispose();
    }
}

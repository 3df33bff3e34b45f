using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace OpsRunbooks.Scaling.Targets.Supervisor;

/// <summary>
/// The XML-RPC client of supervisord's interface (http://supervisord.org/api.html): method calls over HTTP POST, to
/// inet_http_server or unix_http_server, with basic authentication when the server asks for it. Values map to
/// string, int, bool, double, List&lt;object?&gt; and Dictionary&lt;string, object?&gt;; a fault becomes a
/// <see cref="SupervisorFault"/> carrying supervisord's code (BAD_NAME = 10, NOT_RUNNING = 70, ...).
/// </summary>
internal sealed class SupervisorXmlRpc : IDisposable
{
    /// <summary>Every call answers at once or defers a short time (we never ask it to wait for a process).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _display;

    public SupervisorXmlRpc(SupervisorTargetSettings settings)
    {
        SupervisorTargetSettings.TryParseUrl(settings.Url, out var parsed);
        _endpoint = parsed.Endpoint;
        _display = settings.Url;
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30), ConnectTimeout = RequestTimeout };
        if (parsed.SocketPath is { } socketPath)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (settings.User is { } user && settings.Password is { } password)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password.Resolve()}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
    }

    public async Task<object?> CallAsync(string method, CancellationToken cancellationToken, params object[] parameters)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            using var content = new StringContent(MethodCall(method, parameters), Encoding.UTF8, "text/xml");
            response = await _http.PostAsync(_endpoint, content, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SocketException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OpsException(ScalingErrorIds.ScaleTargetUnreachable, FailureKind.ConnectionFailed,
                $"supervisord at {_display} did not answer {method} ({(e is OperationCanceledException ? $"no answer within {RequestTimeout.TotalSeconds:0} s" : e.Message)}); " +
                "check that it runs and that its inet_http_server or unix_http_server is enabled.", _display, e);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                throw new OpsException(ScalingErrorIds.ScaleTargetRefused, FailureKind.AuthenticationFailed,
                    $"supervisord at {_display} refused the login; check the target's User and Password.", _display);
            if (!response.IsSuccessStatusCode)
                throw new OpsException(ScalingErrorIds.ScaleTargetRefused, FailureKind.OperationFailed,
                    $"supervisord at {_display} answered {method} with HTTP {(int)response.StatusCode} {response.ReasonPhrase}; is the Url its XML-RPC endpoint (/RPC2)?", _display);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            return ParseResponse(method, body);
        }
    }

    internal static string MethodCall(string method, object[] parameters)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = false }))
        {
            xml.WriteStartElement("methodCall");
            xml.WriteElementString("methodName", method);
            xml.WriteStartElement("params");
            foreach (var parameter in parameters)
            {
                xml.WriteStartElement("param");
                xml.WriteStartElement("value");
                switch (parameter)
                {
                    case string s: xml.WriteElementString("string", s); break;
                    case int i: xml.WriteElementString("int", i.ToString(CultureInfo.InvariantCulture)); break;
                    case bool b: xml.WriteElementString("boolean", b ? "1" : "0"); break;
                    default: throw new ArgumentException($"XML-RPC parameter of type {parameter.GetType().Name} is not supported.");
                }
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        return text.ToString();
    }

    internal object? ParseResponse(string method, string body)
    {
        XElement root;
        try
        {
            root = XDocument.Parse(body).Root ?? throw new XmlException("empty document");
        }
        catch (XmlException e)
        {
            throw new OpsException(ScalingErrorIds.ScaleTargetRefused, FailureKind.InvalidData,
                $"supervisord at {_display} answered {method} with something that is not XML-RPC ({e.Message}).", _display, e);
        }
        if (root.Element("fault")?.Element("value") is { } fault)
        {
            var values = Value(fault) as Dictionary<string, object?> ?? [];
            var code = values.GetValueOrDefault("faultCode") as int? ?? 0;
            throw new SupervisorFault(code, values.GetValueOrDefault("faultString") as string ?? "", method);
        }
        return root.Element("params")?.Element("param")?.Element("value") is { } value ? Value(value) : null;
    }

    private static object? Value(XElement value)
    {
        var typed = value.Elements().FirstOrDefault();
        if (typed is null) return value.Value;
        return typed.Name.LocalName switch
        {
            "string" => typed.Value,
            "int" or "i4" => int.Parse(typed.Value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            "boolean" => typed.Value.Trim() == "1",
            "double" => double.Parse(typed.Value.Trim(), CultureInfo.InvariantCulture),
            "nil" => null,
            "array" => typed.Element("data")?.Elements("value").Select(Value).ToList() ?? [],
            "struct" => typed.Elements("member").ToDictionary(
                m => m.Element("name")?.Value ?? "", m => m.Element("value") is { } v ? Value(v) : null, StringComparer.Ordinal),
            _ => typed.Value,
        };
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A fault supervisord answered: its code (Faults in supervisor/xmlrpc.py) and text, such as "BAD_NAME: worker".</summary>
internal sealed class SupervisorFault(int code, string text, string method) : Exception($"supervisord answered {method} with fault {code}: {text}")
{
    public const int BadName = 10;
    public const int NoFile = 20;
    public const int NotExecutable = 21;
    public const int Failed = 30;
    public const int SpawnError = 50;
    public const int AlreadyStarted = 60;
    public const int NotRunning = 70;

    public int Code { get; } = code;
    public string Text { get; } = text;
}

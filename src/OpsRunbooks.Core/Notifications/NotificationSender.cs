using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OpsRunbooks.Notifications;

/// <summary>
/// Sends notifications to channels, each within its Timeout per attempt, retrying a transient failure (a 5xx
/// or 429 answer, a timeout, a refused or broken connection) up to its Attempts with a doubling RetryDelay
/// (or the server's Retry-After, up to 30 seconds). Never throws for a failed delivery: it is reported back,
/// for the caller to warn about, so a notification can never fail the runbook that sent it.
/// </summary>
public static class NotificationSender
{
    private static readonly TimeSpan LongestRetryAfter = TimeSpan.FromSeconds(30);

    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AllowAutoRedirect = false,
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    public static async Task<NotificationDelivery> SendAsync(INotificationChannel channel, Notification notification, CancellationToken cancellationToken)
    {
        var settings = channel.Settings;
        string? problem = null;
        int? status = null;
        for (var attempt = 1; attempt <= settings.Attempts; attempt++)
        {
            TimeSpan? retryAfter = null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            try
            {
                using var request = channel.CreateRequest(notification);
                using var response = await Client.SendAsync(request, timeout.Token).ConfigureAwait(false);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                    return new NotificationDelivery(settings.Name, settings.Type, true, attempt, status, null);
                problem = $"the server answered {status} {response.ReasonPhrase}";
                if (!IsTransient(response.StatusCode))
                    return new NotificationDelivery(settings.Name, settings.Type, false, attempt, status, problem);
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"no answer within {settings.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} seconds";
            }
            catch (HttpRequestException e)
            {
                // The message of an HttpRequestException names host and port, never the URL's path or query.
                problem = e.InnerException is SocketException socket ? socket.Message : e.Message;
            }
            catch (OpsException e)
            {
                // A reference that cannot be resolved (a variable not set) is not worth retrying.
                return new NotificationDelivery(settings.Name, settings.Type, false, attempt, null, e.Message);
            }
            if (attempt < settings.Attempts)
            {
                var wait = retryAfter is { } asked && asked > TimeSpan.Zero
                    ? (asked < LongestRetryAfter ? asked : LongestRetryAfter)
                    : settings.RetryDelay * Math.Pow(2, attempt - 1);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        return new NotificationDelivery(settings.Name, settings.Type, false, settings.Attempts, status, problem);
    }

    private static bool IsTransient(HttpStatusCode status) => (int)status >= 500 || status == HttpStatusCode.TooManyRequests
        || status == HttpStatusCode.RequestTimeout;
}

using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace OpsRunbooks.Storage.S3;

/// <summary>
/// Retries one S3 request on transient failures with doubling pauses. The SDK's own retries are turned
/// off so that this is the only place that decides, and the attempts are counted in the error.
/// </summary>
internal sealed class S3Retry(S3StoreOptions options)
{
    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var delay = options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await request(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken) && attempt < options.MaxAttempts)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
            catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException or TimeoutException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw Translate(what, e, attempt);
            }
        }
    }

    public Task RunAsync(string what, Func<CancellationToken, Task> request, CancellationToken cancellationToken) =>
        RunAsync<bool>(what, async token =>
        {
            await request(token).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        AmazonServiceException { ErrorCode: "NotImplemented" } => false,
        AmazonServiceException service => (int)service.StatusCode >= 500 || service.StatusCode == (HttpStatusCode)429
            || service.ErrorCode is "SlowDown" or "Throttling" or "ThrottlingException" or "RequestTimeout" or "InternalError"
            || service.InnerException is HttpRequestException or IOException or SocketException,
        AmazonClientException client => client.InnerException is HttpRequestException or IOException or SocketException or TimeoutException,
        HttpRequestException or IOException or SocketException or TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private OpsException Translate(string what, Exception e, int attempts)
    {
        var tries = attempts == 1 ? "" : $" after {attempts} attempts";
        return e switch
        {
            AmazonServiceException { StatusCode: HttpStatusCode.Forbidden } or AmazonServiceException { ErrorCode: "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" } =>
                new OpsException("S3AccessDenied", FailureKind.AuthenticationFailed,
                    $"{what} was refused: {e.Message}. Check the access key and secret, and the permissions on bucket '{options.Bucket}'.", options.Bucket, e),
            AmazonServiceException { ErrorCode: "NotImplemented" or "MethodNotAllowed" } =>
                new OpsException(StorageErrorIds.StoreOperationUnsupported, FailureKind.NotImplemented,
                    $"{what}: the server{At} does not implement it ({e.Message}). Use an S3 server that does, or do it with the server's own tools.", options.Bucket, e),
            AmazonServiceException { ErrorCode: "PreconditionFailed" or "ConditionalRequestConflict" } =>
                new OpsException(StorageErrorIds.StoreObjectExists, FailureKind.ResourceExists,
                    $"{what} was refused: an object of that name exists already, and nothing is written over one. Run the backup again: it gets a new id.", options.Bucket, e),
            AmazonServiceException { ErrorCode: "NoSuchBucket" } =>
                new OpsException("S3BucketNotFound", FailureKind.NotFound, $"The bucket '{options.Bucket}' does not exist{At}.", options.Bucket, e),
            AmazonServiceException { StatusCode: HttpStatusCode.NotFound } =>
                new OpsException(StorageErrorIds.BackupObjectNotFound, FailureKind.NotFound, $"{what}: no such object.", options.Bucket, e),
            _ => new OpsException("S3RequestFailed", FailureKind.ConnectionFailed, $"{what} failed{tries}: {Describe(e)}", options.Bucket, e),
        };
    }

    private string At => options.Endpoint is null ? "" : $" at {options.Endpoint}";

    private static string Describe(Exception e) =>
        e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;
}

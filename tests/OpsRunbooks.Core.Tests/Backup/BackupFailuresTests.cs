using System.Net.Sockets;
using Npgsql;
using OpsRunbooks.Backup;
using OpsRunbooks.Postgres;
using Xunit;

namespace OpsRunbooks.Core.Tests.Backup;

/// <summary>I/O and network failures nobody described on the way get stable ids and categories, never a .NET type name.</summary>
public sealed class BackupFailuresTests
{
    public static TheoryData<Exception, string, FailureKind> Failures() => new()
    {
        { new IOException("No space left on device"), BackupErrorIds.BackupIOFailed, FailureKind.ResourceUnavailable },
        { new UnauthorizedAccessException("Access to the path '/backups' is denied."), BackupErrorIds.BackupIOFailed, FailureKind.ResourceUnavailable },
        { new SocketException((int)SocketError.ConnectionReset), BackupErrorIds.BackupNetworkFailed, FailureKind.ConnectionFailed },
        { new TimeoutException("The operation has timed out."), BackupErrorIds.BackupNetworkFailed, FailureKind.ConnectionFailed },
        { new NpgsqlException("Exception while reading from stream", new IOException("Connection reset")), PostgresErrorIds.ConnectionLost, FailureKind.ConnectionFailed },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void AnUnexpectedFailureGetsAStableIdThatSaysWhatToDo(Exception failure, string errorId, FailureKind kind)
    {
        var described = BackupFailures.Describe(failure);
        Assert.NotNull(described);
        Assert.Equal((errorId, kind), (described.ErrorId, described.Kind));
        Assert.Same(failure, described.InnerException);
        Assert.Contains((failure.InnerException ?? failure).Message, described.Message);
        Assert.DoesNotContain("Exception", described.ErrorId);
    }

    [Fact]
    public void ADefectIsLeftToSurfaceAsItIs() => Assert.Null(BackupFailures.Describe(new ArgumentNullException("name")));
}

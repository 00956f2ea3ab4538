using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nattt.Platform.Linux;

/// <summary>Which <see cref="IUdpBatchSocket"/> to use.</summary>
public enum UdpBatchMode
{
    /// <summary>recvmmsg/sendmmsg (with UDP GSO and GRO where the kernel has them) where the platform has them, else plain. The
    /// environment variable <c>NATTT_UDP_BATCHING</c> (<c>plain</c>, <c>batched</c> or <c>batched-no-gso</c>)
    /// overrides it, to compare or to work around.</summary>
    Auto,
    /// <summary>recvmmsg/sendmmsg, with UDP GSO and GRO where the kernel has them; an exception where they are
    /// missing.</summary>
    Batched,
    /// <summary>recvmmsg/sendmmsg without UDP GSO or GRO; an exception where they are missing.</summary>
    BatchedNoOffload,
    /// <summary>One datagram per system call.</summary>
    Plain,
}

/// <summary>Picks the batch socket at run time: the kernel and libc are asked, not assumed.</summary>
public static partial class UdpBatchSockets
{
    public const string EnvironmentVariable = "NATTT_UDP_BATCHING";

    /// <summary>
    /// Wraps a bound UDP socket (which the result then owns) in the best batch socket this platform allows.
    /// </summary>
    public static IUdpBatchSocket Create(Socket socket, TimeSpan receiveTimeout, UdpBatchMode mode = UdpBatchMode.Auto,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        logger ??= NullLogger.Instance;
        if (mode == UdpBatchMode.Auto)
            mode = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant() switch
            {
                "plain" => UdpBatchMode.Plain,
                "batched" => UdpBatchMode.Batched,
                "batched-no-gso" => UdpBatchMode.BatchedNoOffload,
                _ => UdpBatchMode.Auto,
            };
        if (mode == UdpBatchMode.Plain)
        {
            LogChosen(logger, "plain", "asked for");
            return new PlainUdpSocket(socket, receiveTimeout);
        }
        var reason = ProbeBatching(socket);
        if (reason is null)
        {
            var offload = mode != UdpBatchMode.BatchedNoOffload;
            var batched = new RecvmmsgUdpSocket(socket, receiveTimeout, offload, offload);
            LogChosen(logger, batched.Kind, "supported");
            return batched;
        }
        if (mode != UdpBatchMode.Auto) throw new PlatformNotSupportedException("UDP batching unavailable: " + reason);
        LogChosen(logger, "plain", reason);
        return new PlainUdpSocket(socket, receiveTimeout);
    }

    /// <summary>Null when recvmmsg/sendmmsg work on <paramref name="socket"/>, else why not. Sends nothing: a
    /// sendmmsg of zero messages only tells whether the call exists and is allowed (seccomp may forbid it).</summary>
    public static unsafe string? ProbeBatching(Socket socket)
    {
        if (!LinuxSocketCalls.LayoutsApply) return "not 64-bit Linux";
        var added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            var result = LinuxSocketCalls.SendMMsg((int)socket.SafeHandle.DangerousGetHandle(), null, 0, 0);
            return result >= 0 ? null : $"sendmmsg: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
        }
        catch (EntryPointNotFoundException e)
        {
            return "libc lacks sendmmsg: " + e.Message;
        }
        catch (DllNotFoundException e)
        {
            return "no libc: " + e.Message;
        }
        finally
        {
            if (added) socket.SafeHandle.DangerousRelease();
        }
    }

    [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "UDP batching: {Kind} ({Reason})")]
    private static partial void LogChosen(ILogger logger, string kind, string reason);
}

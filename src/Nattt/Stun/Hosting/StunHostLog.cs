using System.Net;
using Microsoft.Extensions.Logging;
using Nattt.Stun.Server;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Hosting;

/// <summary>Source-generated log lines of the STUN hosts (stable event IDs 5100-5199).</summary>
public static partial class StunHostLog
{
    [LoggerMessage(5100, LogLevel.Information, "STUN server listening on {Transport} {EndPoint} ({Role})")]
    public static partial void Listening(ILogger logger, string transport, IPEndPoint endPoint, string role);

    [LoggerMessage(5101, LogLevel.Warning, "Dropped input from {Remote}: {Reason} {Error} ({Suppressed} similar lines suppressed since the last one)")]
    public static partial void Dropped(ILogger logger, IPEndPoint remote, StunServerDropReason reason, StunError error, long suppressed);

    [LoggerMessage(5102, LogLevel.Debug, "Receive on {EndPoint} failed and was ignored: {Error}")]
    public static partial void ReceiveError(ILogger logger, IPEndPoint endPoint, string error);

    [LoggerMessage(5103, LogLevel.Warning, "Send from {From} to {To} failed: {Error}")]
    public static partial void SendError(ILogger logger, IPEndPoint from, IPEndPoint to, string error);

    [LoggerMessage(5104, LogLevel.Information, "Connection from {Remote} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, IPEndPoint remote, string reason);

    [LoggerMessage(5105, LogLevel.Warning, "Connection refused from {Remote}: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, IPEndPoint remote, string reason);

    [LoggerMessage(5106, LogLevel.Information, "STUN counters: {Counters}")]
    public static partial void Counters(ILogger logger, string counters);
}

/// <summary>
/// Rate limit for log lines about bad input from the network: at most <see cref="LinesPerWindow"/> lines per
/// window, the rest counted and reported with the next line let through. Counters stay exact regardless.
/// Thread-safe: <c>_lock</c> guards the window state.
/// </summary>
public sealed class StunDropLogLimiter(TimeProvider time, int linesPerWindow = 10, TimeSpan? window = null)
{
    private readonly object _lock = new();
    private readonly TimeSpan _window = window ?? TimeSpan.FromSeconds(10);
    private long _windowStart = long.MinValue;
    private int _linesInWindow;
    private long _suppressed;

    public int LinesPerWindow { get; } = linesPerWindow;

    /// <summary>True if a line may be logged now; <paramref name="suppressed"/> is how many were held back before it.</summary>
    public bool TryAcquire(out long suppressed)
    {
        long now = time.GetTimestamp();
        lock (_lock)
        {
            if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= _window)
            {
                _windowStart = now;
                _linesInWindow = 0;
            }
            if (_linesInWindow < LinesPerWindow)
            {
                _linesInWindow++;
                suppressed = _suppressed;
                _suppressed = 0;
                return true;
            }
            _suppressed++;
            suppressed = 0;
            return false;
        }
    }
}

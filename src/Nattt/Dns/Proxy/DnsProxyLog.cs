using Microsoft.Extensions.Logging;

namespace Nattt.Dns.Proxy;

/// <summary>The proxy's log lines, source-generated, with stable event IDs (3000-3099).</summary>
internal static partial class DnsProxyLog
{
    [LoggerMessage(3000, LogLevel.Information, "dns proxy ready on {Listen} (udp, tcp); upstreams {Upstreams}; NAT RR type {Type}")]
    public static partial void Ready(ILogger logger, string listen, string upstreams, ushort type);

    [LoggerMessage(3001, LogLevel.Information, "dns proxy stopped; counters {Counters}")]
    public static partial void Stopped(ILogger logger, string counters);

    [LoggerMessage(3002, LogLevel.Information, "dns mapped {Name} -> {StandIn} via {Path} (ttl {Ttl} s, from {Source})")]
    public static partial void Mapped(ILogger logger, string name, string standIn, string path, uint ttl, string source);

    [LoggerMessage(3003, LogLevel.Warning, "dns dropped: {Reason} from {Peer} ({Suppressed} more suppressed since the last line)")]
    public static partial void Dropped(ILogger logger, string reason, string peer, long suppressed);

    [LoggerMessage(3004, LogLevel.Warning, "dns: invalid NAT RR at {Name}: {Error}")]
    public static partial void InvalidNatRecord(ILogger logger, string name, string error);

    [LoggerMessage(3005, LogLevel.Warning, "dns: stand-in pool exhausted; {Name} answered as upstream said")]
    public static partial void PoolExhausted(ILogger logger, string name);

    [LoggerMessage(3006, LogLevel.Information, "dns counters {Counters}")]
    public static partial void Counters(ILogger logger, string counters);

    [LoggerMessage(3008, LogLevel.Warning, "dns upstream {Server} failed: {Error} ({Suppressed} more suppressed since the last line)")]
    public static partial void UpstreamError(ILogger logger, string server, string error, long suppressed);

    [LoggerMessage(3007, LogLevel.Warning, "dns receive loop error on {Transport}: {Message}")]
    public static partial void ReceiveError(ILogger logger, string transport, string message);
}

/// <summary>
/// Lets one line per kind through per interval and counts the rest, so that a flood of bad packets cannot flood the
/// log; the counters in <see cref="DnsProxyCounters"/> stay exact. Thread-safe (the lock guards the slots).
/// </summary>
internal sealed class DnsLogLimiter(TimeProvider time, TimeSpan interval)
{
    private readonly object _lock = new(); // guards _slots
    private readonly Dictionary<string, (long LastTicks, long Suppressed)> _slots = [];

    /// <summary>True when a line may be written now; <paramref name="suppressed"/> is how many were not since.</summary>
    public bool TryEnter(string kind, out long suppressed)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (_slots.TryGetValue(kind, out var slot) && time.GetElapsedTime(slot.LastTicks, now) < interval)
            {
                _slots[kind] = (slot.LastTicks, slot.Suppressed + 1);
                suppressed = 0;
                return false;
            }
            suppressed = slot.Suppressed;
            _slots[kind] = (now, 0);
            return true;
        }
    }
}

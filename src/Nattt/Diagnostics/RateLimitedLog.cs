using Microsoft.Extensions.Logging;

namespace Nattt.Diagnostics;

/// <summary>
/// Logs a line per kind of event at most once per interval, with the number of events suppressed since the last
/// line, so that a flood of bad packets cannot flood the log. The counters stay exact; only the lines are limited.
/// Thread-safe (lock per instance guards the slots).
/// </summary>
public sealed class RateLimitedLog(ILogger logger, TimeProvider time, TimeSpan interval)
{
    private readonly object _lock = new(); // guards _slots
    private readonly Dictionary<string, (long LastTicks, long Suppressed)> _slots = [];

    public void Warn(string kind, string message)
    {
        long suppressed;
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (_slots.TryGetValue(kind, out var slot) && time.GetElapsedTime(slot.LastTicks, now) < interval)
            {
                _slots[kind] = (slot.LastTicks, slot.Suppressed + 1);
                return;
            }
            suppressed = slot.Suppressed;
            _slots[kind] = (now, 0);
        }
        if (suppressed > 0)
            logger.LogWarning("{Kind}: {Message} ({Suppressed} more since the last report)", kind, message, suppressed);
        else
            logger.LogWarning("{Kind}: {Message}", kind, message);
    }
}

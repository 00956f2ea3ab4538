namespace Nattt.Turn.Server;

/// <summary>
/// Lets at most <c>perSecond</c> log lines through per second, so that a flood of bad packets cannot flood the log
/// (the counters still count every one). Not thread-safe: one per serial loop.
/// </summary>
internal sealed class LogLimiter(TimeProvider time, int perSecond = 10)
{
    private long _windowStart = long.MinValue;
    private int _count;

    public bool Allow()
    {
        long now = time.GetTimestamp();
        if (now - _windowStart >= time.TimestampFrequency)
        {
            _windowStart = now;
            _count = 0;
        }
        return ++_count <= perSecond;
    }
}

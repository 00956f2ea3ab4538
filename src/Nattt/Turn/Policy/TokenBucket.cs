namespace Nattt.Turn.Policy;

/// <summary>
/// A byte-rate limit: the bucket fills at <see cref="RatePerSecond"/> up to one second's worth (the burst) and each
/// packet takes its size out. Time comes from the caller (the engine's clock) in timestamp ticks of
/// <see cref="TimeProvider"/>. A rate of 0 means unlimited. Not thread-safe (owned by the engine's serial loop).
/// </summary>
public sealed class TokenBucket
{
    private readonly long _frequency;
    private double _tokens;
    private long _last;

    public TokenBucket(long ratePerSecond, long nowTimestamp, long timestampFrequency)
    {
        RatePerSecond = ratePerSecond;
        _frequency = timestampFrequency;
        _tokens = ratePerSecond;
        _last = nowTimestamp;
    }

    public long RatePerSecond { get; }

    /// <summary>Takes <paramref name="bytes"/> if the bucket holds them; false means drop the packet.</summary>
    public bool TryTake(int bytes, long nowTimestamp)
    {
        if (RatePerSecond <= 0) return true;
        long elapsed = nowTimestamp - _last;
        if (elapsed > 0)
        {
            _tokens = Math.Min(RatePerSecond, _tokens + (double)elapsed * RatePerSecond / _frequency);
            _last = nowTimestamp;
        }
        if (_tokens < bytes) return false;
        _tokens -= bytes;
        return true;
    }
}

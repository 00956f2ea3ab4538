namespace Nattt.Packets;

/// <summary>
/// Always-on drop counters, one per <see cref="PacketDropReason"/>. Thread-safe: <see cref="Increment"/> is one
/// interlocked add on a slot of a fixed array (no lock, no allocation); a snapshot reads each slot atomically, though not
/// all slots at the same instant.
/// </summary>
public sealed class PacketDropCounters
{
    private static readonly PacketDropReason[] AllReasons = Enum.GetValues<PacketDropReason>();
    private readonly long[] _counts = new long[MaxReason() + 1];

    /// <summary>Counts one drop. <see cref="PacketDropReason.None"/> and unknown values are ignored (not a drop).</summary>
    public void Increment(PacketDropReason reason)
    {
        var index = (int)reason;
        if (index <= 0 || index >= _counts.Length) return;
        Interlocked.Increment(ref _counts[index]);
    }

    /// <summary>The current count for one reason.</summary>
    public long this[PacketDropReason reason]
    {
        get
        {
            var index = (int)reason;
            return index <= 0 || index >= _counts.Length ? 0 : Interlocked.Read(ref _counts[index]);
        }
    }

    /// <summary>The sum over all reasons.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            for (var i = 1; i < _counts.Length; i++) total += Interlocked.Read(ref _counts[i]);
            return total;
        }
    }

    /// <summary>Reason to count, in enum order, for status output. Allocates; not for the packet path.</summary>
    /// <param name="includeZero">Also list reasons never seen (stable keys for JSON). Defaults to false.</param>
    public IReadOnlyList<KeyValuePair<PacketDropReason, long>> Snapshot(bool includeZero = false)
    {
        var result = new List<KeyValuePair<PacketDropReason, long>>(AllReasons.Length);
        foreach (var reason in AllReasons)
        {
            if (reason == PacketDropReason.None) continue;
            var count = this[reason];
            if (count != 0 || includeZero) result.Add(new(reason, count));
        }
        return result;
    }

    private static int MaxReason()
    {
        var max = 0;
        foreach (var reason in AllReasons) max = Math.Max(max, (int)reason);
        return max;
    }
}

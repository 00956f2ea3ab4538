using Nattt.Tunnel;

namespace Nattt.Dns.Proxy;

/// <summary>Where a NAT path came from.</summary>
public enum NatPathSource { None, NatRecord, Emulation }

/// <summary>A name's NAT path (or the fact that it has none) and until when that holds.</summary>
public sealed record NatPathEntry(TunnelPath? Path, NatPathSource Source, long ExpiresTicks);

/// <summary>
/// Remembers NAT path lookups per name (lower-case presentation form) until their TTL, so that repeated queries for a
/// synthesised name are answered without upstream round trips, and names without a path are not looked up again at
/// every query. Bounded: when full, expired entries go first, then the ones closest to expiry. Sans-I/O: takes the
/// time from the <see cref="TimeProvider"/>. Thread-safe: one lock guards the dictionary.
/// </summary>
public sealed class NatPathCache(TimeProvider time, int capacity)
{
    private readonly object _lock = new(); // guards _entries
    private readonly Dictionary<string, NatPathEntry> _entries = new(StringComparer.Ordinal);

    public int Count { get { lock (_lock) return _entries.Count; } }

    /// <summary>The live entry for <paramref name="name"/> and its remaining lifetime.</summary>
    public bool TryGet(string name, out NatPathEntry entry, out TimeSpan remaining)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (_entries.TryGetValue(name, out entry!) && entry.ExpiresTicks > now)
            {
                remaining = time.GetElapsedTime(now, entry.ExpiresTicks);
                return true;
            }
            if (entry is not null) _entries.Remove(name);
            remaining = TimeSpan.Zero;
            entry = null!;
            return false;
        }
    }

    public void Set(string name, TunnelPath? path, NatPathSource source, TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero) return;
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (_entries.Count >= capacity && !_entries.ContainsKey(name)) MakeRoom(now);
            _entries[name] = new NatPathEntry(path, source, now + (long)(lifetime.TotalSeconds * time.TimestampFrequency));
        }
    }

    private void MakeRoom(long now)
    {
        foreach (var key in _entries.Where(e => e.Value.ExpiresTicks <= now).Select(e => e.Key).ToList()) _entries.Remove(key);
        if (_entries.Count < capacity) return;
        // Still full of live entries: drop the tenth closest to expiry (amortises the sort).
        foreach (var key in _entries.OrderBy(e => e.Value.ExpiresTicks).Take(Math.Max(1, capacity / 10)).Select(e => e.Key).ToList())
            _entries.Remove(key);
    }
}

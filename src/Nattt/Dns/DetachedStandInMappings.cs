using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Nattt.Tunnel;

namespace Nattt.Dns;

/// <summary>
/// Stand-in addresses without a data plane: allocates from a pool (198.18.0.0/15 by default, the range fake-IP
/// systems use: RFC 2544 benchmarking space, never routed on the Internet) and remembers path, name and expiry, but
/// installs nothing. For <c>nattt dns proxy</c> run on its own (to try a zone with dig) and for tests. IPv4 only:
/// AAAA for NATTT names then gets NODATA. Thread-safe: one lock guards the tables.
/// </summary>
public sealed class DetachedStandInMappings : IStandInMappings
{
    private readonly object _lock = new(); // guards the dictionaries and _next
    private readonly Dictionary<TunnelPath, (IPAddress StandIn, string Name, long ValidUntil)> _byPath = [];
    private readonly Dictionary<IPAddress, (TunnelPath Path, string Name)> _byStandIn = [];
    private readonly TimeProvider _time;
    private readonly uint _base;
    private readonly uint _size;
    private uint _next = 1;

    public DetachedStandInMappings(IPNetwork pool, TimeProvider time)
    {
        if (pool.BaseAddress.AddressFamily != AddressFamily.InterNetwork || pool.PrefixLength > 30)
            throw new ArgumentException("the stand-in pool must be an IPv4 prefix of length 30 or shorter", nameof(pool));
        _time = time;
        _base = BinaryPrimitives.ReadUInt32BigEndian(pool.BaseAddress.GetAddressBytes());
        _size = 1u << (32 - pool.PrefixLength);
        Pool = pool;
    }

    public IPNetwork Pool { get; }

    public int Count { get { lock (_lock) return _byPath.Count; } }

    public IPAddress? MapOrRefresh(TunnelPath path, string name, AddressFamily family, TimeSpan validFor)
    {
        if (family != AddressFamily.InterNetwork) return null;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var until = now + (long)(validFor.TotalSeconds * _time.TimestampFrequency);
            if (_byPath.TryGetValue(path, out var m))
            {
                _byPath[path] = (m.StandIn, m.Name, Math.Max(m.ValidUntil, until));
                return m.StandIn;
            }
            // Expiry walks the whole table: do it every 1024 allocations (amortised O(1)), and when the pool is full.
            if (_byPath.Count % 1024 == 1023 || (uint)_byPath.Count >= _size - 2) ExpireLocked(now);
            for (uint tries = 0; tries < _size - 2; tries++)
            {
                var offset = _next;
                _next = _next + 1 >= _size - 1 ? 1 : _next + 1; // never the network or broadcast address
                var bytes = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(bytes, _base + offset);
                var candidate = new IPAddress(bytes);
                if (_byStandIn.ContainsKey(candidate)) continue;
                _byStandIn[candidate] = (path, name);
                _byPath[path] = (candidate, name, until);
                return candidate;
            }
            return null;
        }
    }

    public bool TryGetName(IPAddress standIn, out string name)
    {
        lock (_lock)
        {
            if (_byStandIn.TryGetValue(standIn, out var m)) { name = m.Name; return true; }
        }
        name = "";
        return false;
    }

    private void ExpireLocked(long now)
    {
        foreach (var (path, m) in _byPath.Where(e => e.Value.ValidUntil < now).ToList())
        {
            _byPath.Remove(path);
            _byStandIn.Remove(m.StandIn);
        }
    }
}

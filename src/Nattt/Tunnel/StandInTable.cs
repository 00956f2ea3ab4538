using System.Net;
using System.Net.Sockets;
using Nattt.Packets;

namespace Nattt.Tunnel;

/// <summary>
/// The client's stand-in addresses: a pool (198.18.0.0/15 by default, see docs/encapsulation.md for why), the client's
/// own inner address (the pool's first host), and the mappings stand-in ⇄ tunnel path, looked up both ways.
/// Thread-safe: one lock guards the dictionaries and the mappings' mutable fields.
/// </summary>
public sealed class StandInTable : IStandInMappings
{
    private readonly object _lock = new(); // guards everything below
    private readonly Dictionary<IpAddressValue, StandInMapping> _byStandIn = [];
    private readonly Dictionary<TunnelPath, StandInMapping> _byPath = [];
    private readonly Dictionary<(IpAddressValue Hop0, ushort Port, IpAddressValue Destination), List<StandInMapping>> _byReply = [];
    private readonly Dictionary<(IpAddressValue, ushort), int> _firstHops = []; // first hop -> mappings through it
    private readonly TimeProvider _time;
    private readonly uint _poolBase;
    private readonly uint _poolSize;
    private uint _nextOffset = 2;
    private readonly ulong _pool6High, _pool6Low, _pool6Size;
    private ulong _nextOffset6 = 2;

    /// <summary>The default IPv6 stand-in pool: a ULA /64 (RFC 4193) whose Global ID spells "natt" (6e 61 74 74).
    /// See docs/encapsulation.md section 7 for why.</summary>
    public static readonly IPNetwork DefaultPool6 = IPNetwork.Parse("fd6e:6174:7474::/64");

    public StandInTable(IPNetwork pool, TimeProvider time, TimeSpan idleTimeout, IPNetwork? pool6 = null)
    {
        if (pool.BaseAddress.AddressFamily != AddressFamily.InterNetwork || pool.PrefixLength > 30)
            throw new ArgumentException("the stand-in pool must be an IPv4 prefix of length 30 or shorter", nameof(pool));
        var p6 = pool6 ?? DefaultPool6;
        if (p6.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6 || p6.PrefixLength is < 64 or > 120)
            throw new ArgumentException("the IPv6 stand-in pool must be an IPv6 prefix of length 64 to 120", nameof(pool6));
        Pool = pool;
        Pool6 = p6;
        _time = time;
        IdleTimeout = idleTimeout;
        _poolBase = ToUInt(pool.BaseAddress);
        _poolSize = 1u << (32 - pool.PrefixLength);
        OwnAddress = IpAddressValue.FromIPAddress(FromUInt(_poolBase + 1));
        var base6 = IpAddressValue.FromIPAddress(p6.BaseAddress);
        _pool6High = base6.High;
        _pool6Low = base6.Low;
        _pool6Size = p6.PrefixLength == 64 ? ulong.MaxValue : 1UL << (128 - p6.PrefixLength);
        OwnAddress6 = IpAddressValue.FromIPv6(_pool6High, _pool6Low + 1);
    }

    public IPNetwork Pool { get; }
    /// <summary>The IPv6 stand-in pool (AAAA answers, IPv6 destinations).</summary>
    public IPNetwork Pool6 { get; }
    public TimeSpan IdleTimeout { get; }
    /// <summary>The client's own inner source address (the pool's first host, assigned to the TUN device).</summary>
    public IpAddressValue OwnAddress { get; }
    /// <summary>The client's own inner IPv6 source address (the IPv6 pool's first host, on the TUN device too).</summary>
    public IpAddressValue OwnAddress6 { get; }

    /// <summary>The client's own inner address of <paramref name="address"/>'s family.</summary>
    public IpAddressValue OwnAddressLike(IpAddressValue address) => address.IsIPv4 ? OwnAddress : OwnAddress6;

    public bool IsOwnAddress(IpAddressValue address) => address.Equals(OwnAddress) || address.Equals(OwnAddress6);

    /// <summary>Adds a mapping from configuration (never expires). A null <paramref name="standIn"/> takes the next free one.</summary>
    public StandInMapping AddStatic(TunnelPath path, string name, IPAddress? standIn)
    {
        lock (_lock)
        {
            if (_byPath.ContainsKey(path)) throw new ArgumentException($"the path {path} is mapped twice");
            IpAddressValue address;
            var v6 = path.Destination.AddressFamily == AddressFamily.InterNetworkV6;
            if (standIn is not null)
            {
                if ((standIn.AddressFamily == AddressFamily.InterNetworkV6) != v6)
                    throw new ArgumentException($"{standIn} is not of the family of the destination {path.Destination}");
                if (v6 ? !IsUsable6(standIn)
                       : !Pool.Contains(standIn) || ToUInt(standIn) - _poolBase < 2 || ToUInt(standIn) - _poolBase >= _poolSize - 1)
                    throw new ArgumentException($"{standIn} is not a usable address of the stand-in pool {(v6 ? Pool6 : Pool)}");
                address = IpAddressValue.FromIPAddress(standIn);
                if (_byStandIn.ContainsKey(address)) throw new ArgumentException($"{standIn} is mapped twice");
            }
            else if (!(v6 ? TryAllocate6(out address) : TryAllocate(out address)))
                throw new ArgumentException($"the stand-in pool {(v6 ? Pool6 : Pool)} is exhausted");
            return Add(address, path, name, isStatic: true, validFor: TimeSpan.Zero);
        }
    }

    public IPAddress? MapOrRefresh(TunnelPath path, string name, AddressFamily family, TimeSpan validFor)
    {
        // A stand-in has the destination's family: the client translates addresses, not families (AAAA of an IPv4
        // destination, or A of an IPv6 one, gets NODATA).
        if (family != path.Destination.AddressFamily || family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            return null;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_byPath.TryGetValue(path, out var existing))
            {
                var until = now + (long)(validFor.TotalSeconds * _time.TimestampFrequency);
                if (until > existing.ValidUntilTicks) existing.ValidUntilTicks = until;
                return existing.StandIn.ToIPAddress();
            }
            IpAddressValue address;
            if (!(family == AddressFamily.InterNetworkV6 ? TryAllocate6(out address) : TryAllocate(out address))) return null;
            return Add(address, path, name, isStatic: false, validFor).StandIn.ToIPAddress();
        }
    }

    public bool TryGetName(IPAddress standIn, out string name)
    {
        lock (_lock)
        {
            if (_byStandIn.TryGetValue(IpAddressValue.FromIPAddress(standIn), out var m)) { name = m.Name; return true; }
        }
        name = "";
        return false;
    }

    /// <summary>The mapping for a packet's destination (from the application), counting its use.</summary>
    public StandInMapping? FindByStandIn(IpAddressValue standIn, int bytes)
    {
        lock (_lock)
        {
            if (!_byStandIn.TryGetValue(standIn, out var m)) return null;
            m.LastUsedTicks = _time.GetTimestamp();
            m.PacketsOut++;
            m.BytesOut += bytes;
            return m;
        }
    }

    /// <summary>The mapping a tunnelled reply belongs to: its first hop (the outer source), its inner source (the
    /// destination host) and the intermediate hops it came through (<paramref name="middleHops"/>, outermost first).</summary>
    public StandInMapping? FindByReply(IpAddressValue hop0, ushort hop0Port, IpAddressValue source,
        ReadOnlySpan<IpAddressValue> middleHops, ReadOnlySpan<ushort> middlePorts, int bytes)
    {
        lock (_lock)
        {
            if (!_byReply.TryGetValue((hop0, hop0Port, source), out var list)) return null;
            foreach (var m in list)
            {
                if (m.HopAddresses.Length != middleHops.Length + 1) continue;
                var match = true;
                for (var i = 0; i < middleHops.Length && match; i++)
                    match = m.HopAddresses[i + 1].Equals(middleHops[i]) && m.HopPorts[i + 1] == middlePorts[i];
                if (!match) continue;
                m.LastUsedTicks = _time.GetTimestamp();
                m.PacketsIn++;
                m.BytesIn += bytes;
                return m;
            }
            return null;
        }
    }

    /// <summary>True when some mapping's first hop is this endpoint (tunnel packets from elsewhere are dropped).</summary>
    public bool IsKnownPeer(IpAddressValue address, ushort port)
    {
        lock (_lock) return _firstHops.ContainsKey((address, port));
    }

    /// <summary>The first hops of all mappings used within the idle timeout (keepalives go to them).</summary>
    public IReadOnlyList<(IpAddressValue Address, ushort Port)> ActiveFirstHops()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var idle = (long)(IdleTimeout.TotalSeconds * _time.TimestampFrequency);
            return _byStandIn.Values.Where(m => now - m.LastUsedTicks < idle && m.LastUsedTicks != 0)
                .Select(m => (m.HopAddresses[0], m.HopPorts[0])).Distinct().ToList();
        }
    }

    /// <summary>Removes dynamic mappings whose DNS validity has passed and that have been idle for the idle timeout.</summary>
    public int Expire()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var idle = (long)(IdleTimeout.TotalSeconds * _time.TimestampFrequency);
            var gone = _byStandIn.Values.Where(m => !m.Static && now > m.ValidUntilTicks &&
                                                    now - Math.Max(m.LastUsedTicks, m.CreatedTicks) > idle).ToList();
            foreach (var m in gone) Remove(m);
            return gone.Count;
        }
    }

    public IReadOnlyList<StandInSnapshot> Snapshot()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            double S(long t) => Math.Round((double)t / _time.TimestampFrequency, 1);
            return _byStandIn.Values.OrderBy(m => m.StandIn.ToString(), StringComparer.Ordinal).Select(m => new StandInSnapshot(
                m.Name, m.StandIn.ToString(), m.Path.ToString(), m.Path.Hops.Select(h => h.ToString()).ToList(),
                m.Path.Destination.ToString(), m.Static, S(now - m.CreatedTicks),
                m.LastUsedTicks == 0 ? S(now - m.CreatedTicks) : S(now - m.LastUsedTicks),
                m.Static ? null : Math.Max(0, S(m.ValidUntilTicks - now)),
                m.PacketsOut, m.BytesOut, m.PacketsIn, m.BytesIn)).ToList();
        }
    }

    private bool TryAllocate(out IpAddressValue address)
    {
        // Offsets 0 (network), 1 (our own address) and the last (broadcast) are never handed out.
        for (uint tries = 0; tries < _poolSize; tries++)
        {
            var offset = _nextOffset;
            _nextOffset = _nextOffset + 1 >= _poolSize - 1 ? 2 : _nextOffset + 1;
            var candidate = IpAddressValue.FromIPAddress(FromUInt(_poolBase + offset));
            if (!_byStandIn.ContainsKey(candidate)) { address = candidate; return true; }
        }
        address = default;
        return false;
    }

    private bool TryAllocate6(out IpAddressValue address)
    {
        // Offsets 0 (subnet-router anycast) and 1 (our own address) are never handed out; a /64 is never exhausted
        // in practice, so the search is bounded by the table's size, not the pool's.
        for (var tries = 0; tries <= _byStandIn.Count; tries++)
        {
            var offset = _nextOffset6;
            _nextOffset6 = _nextOffset6 + 1 >= _pool6Size ? 2 : _nextOffset6 + 1;
            var candidate = IpAddressValue.FromIPv6(_pool6High, _pool6Low + offset);
            if (!_byStandIn.ContainsKey(candidate)) { address = candidate; return true; }
        }
        address = default;
        return false;
    }

    private bool IsUsable6(IPAddress standIn)
    {
        if (!Pool6.Contains(standIn)) return false;
        var v = IpAddressValue.FromIPAddress(standIn);
        return v.High != _pool6High || v.Low - _pool6Low >= 2;
    }

    private StandInMapping Add(IpAddressValue address, TunnelPath path, string name, bool isStatic, TimeSpan validFor)
    {
        var now = _time.GetTimestamp();
        var m = new StandInMapping
        {
            StandIn = address,
            Path = path,
            Name = name,
            HopAddresses = path.Hops.Select(h => IpAddressValue.FromIPAddress(h.Address)).ToArray(),
            HopPorts = path.Hops.Select(h => (ushort)h.Port).ToArray(),
            Destination = IpAddressValue.FromIPAddress(path.Destination),
            Static = isStatic,
            CreatedTicks = now,
            ValidUntilTicks = now + (long)(validFor.TotalSeconds * _time.TimestampFrequency),
        };
        _byStandIn.Add(address, m);
        _byPath.Add(path, m);
        var key = (m.HopAddresses[0], m.HopPorts[0], m.Destination);
        if (!_byReply.TryGetValue(key, out var list)) _byReply[key] = list = [];
        list.Add(m);
        _firstHops[(m.HopAddresses[0], m.HopPorts[0])] = _firstHops.GetValueOrDefault((m.HopAddresses[0], m.HopPorts[0])) + 1;
        return m;
    }

    private void Remove(StandInMapping m)
    {
        _byStandIn.Remove(m.StandIn);
        _byPath.Remove(m.Path);
        var key = (m.HopAddresses[0], m.HopPorts[0], m.Destination);
        if (_byReply.TryGetValue(key, out var list))
        {
            list.Remove(m);
            if (list.Count == 0) _byReply.Remove(key);
        }
        var hop = (m.HopAddresses[0], m.HopPorts[0]);
        if (_firstHops.TryGetValue(hop, out var n) && n > 1) _firstHops[hop] = n - 1;
        else _firstHops.Remove(hop);
    }

    private static uint ToUInt(IPAddress a)
    {
        Span<byte> b = stackalloc byte[4];
        a.TryWriteBytes(b, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    private static IPAddress FromUInt(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return new IPAddress(b);
    }
}

using Nattt.Packets;

namespace Nattt.Tunnel;

/// <summary>Limits and timeouts of a box's flow table.</summary>
public sealed record BoxFlowLimits
{
    /// <summary>Most flows in total. Defaults to 65536.</summary>
    public int MaxFlows { get; init; } = 65536;
    /// <summary>Most flows per outer source address (a client, or a legacy NAT with its clients). Defaults to 4096.</summary>
    public int MaxFlowsPerSource { get; init; } = 4096;
    /// <summary>Idle timeout of a TCP flow. Defaults to 7440 s (RFC 5382 REQ-5: at least 2 h 4 min).</summary>
    public TimeSpan TcpIdle { get; init; } = TimeSpan.FromSeconds(7440);
    /// <summary>Idle timeout of a TCP flow after FIN or RST. Defaults to 10 s.</summary>
    public TimeSpan TcpClosingIdle { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Idle timeout of a UDP flow. Defaults to 300 s (RFC 4787 REQ-5 recommends 5 min).</summary>
    public TimeSpan UdpIdle { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>Idle timeout of an ICMP echo flow. Defaults to 60 s.</summary>
    public TimeSpan IcmpIdle { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The box's NAPT table, keyed both ways: by (outer source endpoint, inner tuple) for packets from the tunnel, and by
/// the reply tuple for packets from the private network. Sans-I/O: time is passed in as ticks of the engine's
/// <see cref="TimeProvider"/>. Not thread-safe: <see cref="BoxEngine"/> holds its lock around every call.
/// </summary>
public sealed class BoxFlowTable(BoxFlowLimits limits)
{
    private readonly record struct InboundKey(IpAddressValue OuterAddress, ushort OuterPort, FlowTuple Inner);

    private readonly Dictionary<InboundKey, BoxFlow> _byInbound = [];
    private readonly Dictionary<FlowTuple, BoxFlow> _byLanReply = [];
    private readonly Dictionary<IpAddressValue, int> _perSource = [];
    private ushort _nextPort = (ushort)Random.Shared.Next(1024, 65535);

    public BoxFlowLimits Limits { get; } = limits;
    public int Count => _byInbound.Count;
    public IEnumerable<BoxFlow> Flows => _byInbound.Values;

    public bool TryGetInbound(IpAddressValue outerAddress, ushort outerPort, in FlowTuple inner, out BoxFlow flow) =>
        _byInbound.TryGetValue(new InboundKey(outerAddress, outerPort, inner), out flow!);

    public bool TryGetByLanReply(in FlowTuple reply, out BoxFlow flow) => _byLanReply.TryGetValue(reply, out flow!);

    /// <summary>Creates a flow, choosing the translated source port: the client's own port when it is free for this
    /// destination (so that port-preserving stays port-preserving), else the next free one. Returns a drop reason
    /// when a limit says no; existing flows are never evicted to make room.</summary>
    public TunnelDropReason TryCreate(IpAddressValue outerAddress, ushort outerPort, in FlowTuple inner, long nowTicks, out BoxFlow? flow)
    {
        flow = null;
        if (_byInbound.Count >= Limits.MaxFlows) return TunnelDropReason.TableFull;
        _perSource.TryGetValue(outerAddress, out var fromSource);
        if (fromSource >= Limits.MaxFlowsPerSource) return TunnelDropReason.SourceLimit;
        var translated = TranslatedSource(outerAddress, inner.Source.IsIPv4);

        var port = inner.SourcePort;
        if (port == 0 || _byLanReply.ContainsKey(ReplyTuple(inner, translated, port)))
        {
            var found = false;
            for (var i = 0; i < 64512 && !found; i++)
            {
                port = _nextPort;
                _nextPort = _nextPort >= 65535 ? (ushort)1024 : (ushort)(_nextPort + 1);
                found = !_byLanReply.ContainsKey(ReplyTuple(inner, translated, port));
            }
            if (!found) return TunnelDropReason.PortsExhausted;
        }
        flow = new BoxFlow
        {
            OuterAddress = outerAddress,
            OuterPort = outerPort,
            Inner = inner,
            TranslatedAddress = translated,
            TranslatedPort = port,
            CreatedTicks = nowTicks,
            LastSeenTicks = nowTicks,
        };
        _byInbound.Add(new InboundKey(outerAddress, outerPort, inner), flow);
        _byLanReply.Add(flow.LanReplyTuple, flow);
        _perSource[outerAddress] = fromSource + 1;
        return TunnelDropReason.None;
    }

    /// <summary>RFC 7600's IPv4 dummy address: the translated source of IPv4 inner packets that came over IPv6.</summary>
    public static readonly IpAddressValue IPv4FromIPv6Source = IpAddressValue.FromIPv4(0xC0000008); // 192.0.0.8

    /// <summary>
    /// The inner source a new flow gets: the outer source address when the families agree (figure 2). An IPv6 inner
    /// packet that came over IPv4 gets the outer address inside the RFC 6052 well-known prefix (64:ff9b::a.b.c.d), so
    /// the destination still sees who it is; an IPv4 one that came over IPv6 gets 192.0.0.8 (RFC 7600), since 128 bits
    /// do not fit in 32: the NAPT's ports keep those clients apart. Either way the reply reaches the box only if the
    /// box is the network's gateway or masquerades (--source-nat self).
    /// </summary>
    public static IpAddressValue TranslatedSource(IpAddressValue outer, bool innerIsIPv4) =>
        outer.IsIPv4 == innerIsIPv4 ? outer
        : innerIsIPv4 ? IPv4FromIPv6Source
        : IpAddressValue.FromIPv6(0x0064_ff9b_0000_0000UL, outer.Low & 0xFFFF_FFFFUL);

    /// <summary>The tuple a reply from the private network carries. For ICMP echo the identifier is the "port" on
    /// both sides, so a translated identifier appears as source and destination port of the reply.</summary>
    internal static FlowTuple ReplyTuple(in FlowTuple inner, IpAddressValue address, ushort port) =>
        new(inner.Protocol, inner.Destination, IsIcmp(inner.Protocol) ? port : inner.DestinationPort, address, port);

    internal static bool IsIcmp(IpProtocol p) => p is IpProtocol.Icmp or IpProtocol.IcmpV6;

    /// <summary>Removes flows idle longer than their protocol's timeout; returns how many.</summary>
    public int ExpireIdle(long nowTicks, long ticksPerSecond)
    {
        List<BoxFlow>? expired = null;
        foreach (var f in _byInbound.Values)
        {
            var idle = IdleTimeout(f);
            if (nowTicks - f.LastSeenTicks > (long)(idle.TotalSeconds * ticksPerSecond)) (expired ??= []).Add(f);
        }
        if (expired is null) return 0;
        foreach (var f in expired) Remove(f);
        return expired.Count;
    }

    private TimeSpan IdleTimeout(BoxFlow f) => f.Inner.Protocol switch
    {
        IpProtocol.Tcp => f.Closing ? Limits.TcpClosingIdle : Limits.TcpIdle,
        IpProtocol.Udp => Limits.UdpIdle,
        _ => Limits.IcmpIdle,
    };

    private void Remove(BoxFlow f)
    {
        _byInbound.Remove(new InboundKey(f.OuterAddress, f.OuterPort, f.Inner));
        _byLanReply.Remove(f.LanReplyTuple);
        if (_perSource.TryGetValue(f.OuterAddress, out var n))
        {
            if (n <= 1) _perSource.Remove(f.OuterAddress);
            else _perSource[f.OuterAddress] = n - 1;
        }
    }
}

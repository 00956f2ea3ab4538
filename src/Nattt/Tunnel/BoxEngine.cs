using Nattt.Packets;

namespace Nattt.Tunnel;

/// <summary>What to do with a packet after the engine has seen (and possibly rewritten) it.</summary>
public enum TunnelVerdict
{
    /// <summary>Send it on: to the private network (from the tunnel) or into the tunnel (from the private network).</summary>
    Forward,
    /// <summary>Dropped; the reason was counted.</summary>
    Drop,
    /// <summary>A keepalive (empty tunnel payload): nothing to forward.</summary>
    Keepalive,
}

/// <summary>
/// The NATTT box's data plane, sans-I/O (figures 1 and 2 of the NATTT paper). From the tunnel it takes the UDP payload
/// (a whole inner IP packet) and its outer source, checks the exposure policy for new flows, rewrites the inner source
/// to the outer source address with a per-flow port (a real NAPT, so clients behind one legacy NAT never collide), and
/// hands the packet back for the private network. From the private network (the TUN device that policy routing sends
/// the replies to) it restores the client's inner destination and names the outer endpoint to tunnel it to.
/// Thread-safe: one lock guards the flow table; the receive loops of the socket and of the TUN device share it.
/// </summary>
public sealed class BoxEngine(ExposurePolicy policy, BoxFlowLimits limits, TimeProvider time)
{
    private readonly object _lock = new(); // guards _flows
    private readonly BoxFlowTable _flows = new(limits);

    public TunnelCounters Counters { get; } = new();
    public ExposurePolicy Policy { get; } = policy;
    public int FlowCount { get { lock (_lock) return _flows.Count; } }

    /// <summary>The largest inner packet the box carries either way (its TUN MTU: what fits one IPv4 level in a
    /// 1500-byte path). The MSS of TCP SYNs in both directions is clamped to it minus the IP and TCP headers, so that
    /// neither end sends segments the tunnel would have to fragment (RFC 4459). 0 disables clamping.</summary>
    public int MaxInnerPacket { get; init; }

    /// <summary>Handles a tunnel payload from <paramref name="outerAddress"/>:<paramref name="outerPort"/>. On
    /// <see cref="TunnelVerdict.Forward"/> the first <paramref name="length"/> bytes of <paramref name="payload"/> are
    /// the rewritten packet to inject into the private network.</summary>
    public TunnelVerdict FromTunnel(Span<byte> payload, IpAddressValue outerAddress, ushort outerPort, out int length,
        out TunnelDropReason reason)
    {
        length = 0;
        reason = TunnelDropReason.None;
        if (payload.IsEmpty)
        {
            Counters.Keepalive();
            return TunnelVerdict.Keepalive;
        }
        Counters.TunnelIn(payload.Length);
        var parse = IpPacket.TryParse(payload, out var packet);
        if (parse != PacketDropReason.None)
        {
            Counters.Malformed(parse);
            reason = TunnelDropReason.Malformed;
            return TunnelVerdict.Drop;
        }
        if (packet.IsIcmpError) return Drop(TunnelDropReason.Unsupported, out reason);
        var tuple = packet.Tuple;
        var now = time.GetTimestamp();
        IpAddressValue translatedAddress;
        ushort translatedPort;
        lock (_lock)
        {
            if (!_flows.TryGetInbound(outerAddress, outerPort, tuple, out var flow))
            {
                if (!MayOpenFlow(ref packet, tuple)) return Drop(TunnelDropReason.NotPublished, out reason);
                var created = _flows.TryCreate(outerAddress, outerPort, tuple, now, out var newFlow);
                if (created != TunnelDropReason.None) return Drop(created, out reason);
                flow = newFlow!;
                Counters.FlowCreated();
            }
            flow.LastSeenTicks = now;
            flow.PacketsIn++;
            flow.BytesIn += packet.Bytes.Length;
            if (tuple.Protocol == IpProtocol.Tcp && IsFinOrRst(ref packet)) flow.Closing = true;
            translatedAddress = flow.TranslatedAddress;
            translatedPort = flow.TranslatedPort;
        }
        if (!translatedAddress.Equals(tuple.Source)) packet.SetSource(translatedAddress);
        if (translatedPort != tuple.SourcePort) packet.SetSourcePort(translatedPort);
        ClampMss(ref packet);
        length = packet.Bytes.Length;
        return TunnelVerdict.Forward;
    }

    /// <summary>Handles a packet from the private network (read from the box's TUN device). On
    /// <see cref="TunnelVerdict.Forward"/> the packet was rewritten in place and is to be sent as the payload of a
    /// tunnel datagram to <paramref name="outerAddress"/>:<paramref name="outerPort"/>.</summary>
    public TunnelVerdict FromLan(Span<byte> buffer, out IpAddressValue outerAddress, out ushort outerPort, out int length,
        out TunnelDropReason reason)
    {
        outerAddress = default;
        outerPort = 0;
        length = 0;
        reason = TunnelDropReason.None;
        var parse = IpPacket.TryParse(buffer, out var packet);
        if (parse != PacketDropReason.None)
        {
            Counters.Malformed(parse);
            reason = TunnelDropReason.Malformed;
            return TunnelVerdict.Drop;
        }
        if (packet.IsIcmpError) return ErrorFromLan(ref packet, out outerAddress, out outerPort, out length, out reason);
        var tuple = packet.Tuple;
        FlowTuple inner;
        lock (_lock)
        {
            if (!_flows.TryGetByLanReply(tuple, out var flow)) return Drop(TunnelDropReason.NoFlow, out reason);
            flow.LastSeenTicks = time.GetTimestamp();
            flow.PacketsOut++;
            flow.BytesOut += packet.Bytes.Length;
            if (tuple.Protocol == IpProtocol.Tcp && IsFinOrRst(ref packet)) flow.Closing = true;
            inner = flow.Inner;
            outerAddress = flow.OuterAddress;
            outerPort = flow.OuterPort;
        }
        if (!tuple.Destination.Equals(inner.Source)) packet.SetDestination(inner.Source);
        if (tuple.DestinationPort != inner.SourcePort) packet.SetDestinationPort(inner.SourcePort);
        ClampMss(ref packet);
        length = packet.Bytes.Length;
        Counters.TunnelOut(length);
        return TunnelVerdict.Forward;
    }

    /// <summary>
    /// An ICMP error from the private network (port unreachable, TTL exceeded, fragmentation needed...) about a packet
    /// the box forwarded: its quote is that packet as translated (source = translated client). The flow is found by
    /// the quote's tuple reversed (what a reply would carry); the quote's source and the error's destination go back to
    /// the client's inner address and port, so the client sees an error about the packet it sent. The MTU of
    /// "fragmentation needed" stays: the quoted packet is the client's innermost packet, whose size the box kept.
    /// </summary>
    private TunnelVerdict ErrorFromLan(ref IpPacket packet, out IpAddressValue outerAddress, out ushort outerPort,
        out int length, out TunnelDropReason reason)
    {
        outerAddress = default;
        outerPort = 0;
        length = 0;
        var embeddedParse = packet.TryGetEmbedded(out var quoted);
        if (embeddedParse != PacketDropReason.None)
        {
            Counters.Malformed(embeddedParse);
            return Drop(TunnelDropReason.Malformed, out reason);
        }
        var quotedTuple = quoted.Tuple;
        if (!packet.Destination.Equals(quotedTuple.Source)) return Drop(TunnelDropReason.NoFlow, out reason);
        FlowTuple inner;
        lock (_lock)
        {
            if (!_flows.TryGetByLanReply(quotedTuple.Reverse(), out var flow)) return Drop(TunnelDropReason.NoFlow, out reason);
            flow.LastSeenTicks = time.GetTimestamp();
            flow.PacketsOut++;
            flow.BytesOut += packet.Bytes.Length;
            inner = flow.Inner;
            outerAddress = flow.OuterAddress;
            outerPort = flow.OuterPort;
        }
        if (!quotedTuple.Source.Equals(inner.Source)) quoted.SetSource(inner.Source);
        if (quotedTuple.SourcePort != inner.SourcePort) quoted.SetSourcePort(inner.SourcePort);
        if (!packet.Destination.Equals(inner.Source)) packet.SetDestination(inner.Source);
        length = packet.Bytes.Length;
        Counters.IcmpErrorRelayed();
        Counters.TunnelOut(length);
        reason = TunnelDropReason.None;
        return TunnelVerdict.Forward;
    }

    /// <summary>Removes idle flows; call every few seconds. Returns how many expired.</summary>
    public int ExpireIdle()
    {
        int n;
        lock (_lock) n = _flows.ExpireIdle(time.GetTimestamp(), time.TimestampFrequency);
        if (n > 0) Counters.FlowsExpired(n);
        return n;
    }

    public IReadOnlyList<BoxFlowSnapshot> SnapshotFlows()
    {
        var now = time.GetTimestamp();
        double Seconds(long ticks) => (double)ticks / time.TimestampFrequency;
        lock (_lock)
        {
            return _flows.Flows.Select(f => new BoxFlowSnapshot(
                Outer: Endpoint(f.OuterAddress, f.OuterPort),
                Protocol: f.Inner.Protocol.ToString().ToLowerInvariant(),
                InnerSource: Endpoint(f.Inner.Source, f.Inner.SourcePort),
                Destination: Endpoint(f.Inner.Destination, f.Inner.DestinationPort),
                TranslatedSource: Endpoint(f.TranslatedAddress, f.TranslatedPort),
                AgeSeconds: Math.Round(Seconds(now - f.CreatedTicks), 1),
                IdleSeconds: Math.Round(Seconds(now - f.LastSeenTicks), 1),
                f.PacketsIn, f.BytesIn, f.PacketsOut, f.BytesOut)).ToList();
        }
    }

    internal static string Endpoint(IpAddressValue a, ushort port) => a.IsIPv4 ? $"{a}:{port}" : $"[{a}]:{port}";

    private TunnelVerdict Drop(TunnelDropReason why, out TunnelDropReason reason)
    {
        Counters.Drop(why);
        reason = why;
        return TunnelVerdict.Drop;
    }

    /// <summary>A new flow needs a published destination; for ICMP only an echo request opens one.</summary>
    private bool MayOpenFlow(ref IpPacket packet, in FlowTuple tuple)
    {
        if (BoxFlowTable.IsIcmp(tuple.Protocol))
        {
            var type = packet.Bytes[packet.TransportOffset];
            if (type != (tuple.Protocol == IpProtocol.Icmp ? 8 : 128)) return false;
        }
        return Policy.Allows(tuple.Destination.ToIPAddress(), tuple.Protocol, tuple.DestinationPort);
    }

    private void ClampMss(ref IpPacket packet)
    {
        if (MaxInnerPacket > 0 && packet.Protocol == IpProtocol.Tcp)
            packet.TryClampTcpMss((ushort)(MaxInnerPacket - (packet.IsIPv4 ? 40 : 60)));
    }

    private static bool IsFinOrRst(ref IpPacket packet)
    {
        var flagsOffset = packet.TransportOffset + 13;
        return flagsOffset < packet.Bytes.Length && (packet.Bytes[flagsOffset] & 0x05) != 0;
    }
}

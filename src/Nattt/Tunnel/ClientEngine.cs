using Nattt.Packets;

namespace Nattt.Tunnel;

/// <summary>
/// The client daemon's data plane (natttd), sans-I/O. From the application (the TUN device the stand-in pool is routed
/// to) it takes a packet to a stand-in address, rewrites the destination to the host's private address, wraps one
/// IP/UDP level per inner hop, and names the first hop to send the result to. From the tunnel it unwraps the levels,
/// checks that they came through the mapping's hops, and rewrites the source back to the stand-in.
/// Thread-safe: the state lives in the <see cref="StandInTable"/>, which locks.
/// </summary>
public sealed class ClientEngine(StandInTable table, int tunMtu)
{
    public StandInTable Table { get; } = table;
    public TunnelCounters Counters { get; } = new();

    /// <summary>The client socket's local port: the source port of the nested levels it writes.</summary>
    public ushort LocalPort { get; set; }

    /// <summary>Headroom a caller leaves before each packet it reads from TUN, enough for every nesting level.</summary>
    public const int Headroom = Encapsulation.MaxDepth * Encapsulation.IPv6LayerOverhead;

    /// <summary>Handles a packet from an application, at <paramref name="buffer"/>[<paramref name="offset"/>..]. On
    /// <see cref="TunnelVerdict.Forward"/>, <paramref name="buffer"/>[<paramref name="start"/>..+<paramref name="length"/>]
    /// is the payload to send to <paramref name="hop"/>:<paramref name="hopPort"/>.</summary>
    public TunnelVerdict FromApplication(Span<byte> buffer, int offset, int packetLength, out int start, out int length,
        out IpAddressValue hop, out ushort hopPort, out TunnelDropReason reason)
    {
        start = offset;
        length = 0;
        hop = default;
        hopPort = 0;
        var parse = IpPacket.TryParse(buffer.Slice(offset, packetLength), out var packet);
        if (parse != PacketDropReason.None)
        {
            Counters.Malformed(parse);
            return Drop(TunnelDropReason.Malformed, out reason);
        }
        var mapping = Table.FindByStandIn(packet.Destination, packet.Bytes.Length);
        if (mapping is null) return Drop(TunnelDropReason.NoMapping, out reason);
        if (mapping.Destination.IsIPv4 != packet.Destination.IsIPv4) return Drop(TunnelDropReason.FamilyMismatch, out reason);
        packet.SetDestination(mapping.Destination);
        var levels = mapping.HopAddresses.Length - 1;
        var overhead = 0;
        for (var i = levels; i >= 1; i--) overhead += Encapsulation.LayerOverhead(mapping.HopAddresses[i]);
        if (packet.Protocol == IpProtocol.Tcp)
            packet.TryClampTcpMss((ushort)Math.Max(536, tunMtu - (packet.IsIPv4 ? 40 : 60) - overhead));
        length = packet.Bytes.Length;
        if (start < overhead || length + overhead > ushort.MaxValue) return Drop(TunnelDropReason.TooBig, out reason);
        for (var i = levels; i >= 1; i--)
        {
            // Each level has the hop's family, whatever the family of the packet inside it.
            var hopAddress = mapping.HopAddresses[i];
            var own = Table.OwnAddressLike(hopAddress);
            if (hopAddress.IsIPv4)
                Encapsulation.WriteIPv4UdpLayer(buffer, start, length, own, LocalPort, hopAddress, mapping.HopPorts[i]);
            else
                Encapsulation.WriteIPv6UdpLayer(buffer, start, length, own, LocalPort, hopAddress, mapping.HopPorts[i]);
            var added = Encapsulation.LayerOverhead(hopAddress);
            start -= added;
            length += added;
        }
        hop = mapping.HopAddresses[0];
        hopPort = mapping.HopPorts[0];
        Counters.TunnelOut(length);
        reason = TunnelDropReason.None;
        return TunnelVerdict.Forward;
    }

    /// <summary>Handles a tunnel payload from <paramref name="source"/>:<paramref name="sourcePort"/>. On
    /// <see cref="TunnelVerdict.Forward"/>, <paramref name="payload"/>[<paramref name="start"/>..+<paramref name="length"/>]
    /// is the packet to write to the TUN device.</summary>
    public TunnelVerdict FromTunnel(Span<byte> payload, IpAddressValue source, ushort sourcePort, out int start, out int length,
        out TunnelDropReason reason)
    {
        start = 0;
        length = 0;
        if (payload.IsEmpty)
        {
            Counters.Keepalive();
            reason = TunnelDropReason.None;
            return TunnelVerdict.Keepalive;
        }
        Counters.TunnelIn(payload.Length);
        if (!Table.IsKnownPeer(source, sourcePort)) return Drop(TunnelDropReason.UnknownPeer, out reason);
        Span<IpAddressValue> middle = stackalloc IpAddressValue[Encapsulation.MaxDepth];
        Span<ushort> middlePorts = stackalloc ushort[Encapsulation.MaxDepth];
        var found = Resolve(payload, 0, source, sourcePort, middle, middlePorts, out var mapping, out start, out length, out var parse);
        if (!found)
        {
            if (parse != PacketDropReason.None)
            {
                Counters.Malformed(parse);
                return Drop(TunnelDropReason.Malformed, out reason);
            }
            return Drop(TunnelDropReason.NoFlow, out reason);
        }
        IpPacket.TryParse(payload.Slice(start, length), out var inner);
        if (inner.IsIcmpError)
        {
            // An error about a packet the application sent to the stand-in (Resolve checked the quote): the quote's
            // destination goes back to the stand-in, and so does the error's source when the destination host itself
            // sent it. A router inside the box's network keeps its own address, as traceroute through a VPN shows it.
            inner.TryGetEmbedded(out var quoted);
            quoted.SetDestination(mapping!.StandIn);
            if (inner.Source.Equals(mapping.Destination)) inner.SetSource(mapping.StandIn);
            Counters.IcmpErrorRelayed();
        }
        else inner.SetSource(mapping!.StandIn);
        reason = TunnelDropReason.None;
        return TunnelVerdict.Forward;
    }

    /// <summary>Finds the deepest level that belongs to a mapping: a UDP level whose payload resolves is a nesting
    /// level (checked first, so a host that is also a hop is told apart), else this level is the packet itself.</summary>
    private bool Resolve(Span<byte> level, int depth, IpAddressValue hop0, ushort hop0Port, Span<IpAddressValue> middle,
        Span<ushort> middlePorts, out StandInMapping? mapping, out int start, out int length, out PacketDropReason parse)
    {
        mapping = null;
        start = 0;
        length = 0;
        parse = IpPacket.TryParse(level, out var packet);
        if (parse != PacketDropReason.None) return false;
        if (!Table.IsOwnAddress(packet.Destination)) return false;
        if (packet.Protocol == IpProtocol.Udp && depth + 1 < Encapsulation.MaxDepth && !packet.IsIcmpError)
        {
            var payloadOffset = packet.TransportOffset + 8;
            if (packet.Bytes.Length - payloadOffset >= 20)
            {
                middle[depth] = packet.Source;
                middlePorts[depth] = packet.SourcePort;
                if (Resolve(packet.Bytes[payloadOffset..], depth + 1, hop0, hop0Port, middle, middlePorts,
                        out mapping, out start, out length, out _))
                {
                    start += payloadOffset;
                    return true;
                }
            }
        }
        var replySource = packet.Source;
        if (packet.IsIcmpError)
        {
            // An ICMP error belongs to the mapping of the packet it quotes, which the client sent from its own address.
            parse = packet.TryGetEmbedded(out var quoted);
            if (parse != PacketDropReason.None) return false;
            if (!Table.IsOwnAddress(quoted.Source)) return false;
            replySource = quoted.Destination;
        }
        mapping = Table.FindByReply(hop0, hop0Port, replySource, middle[..depth], middlePorts[..depth], packet.Bytes.Length);
        if (mapping is null) return false;
        length = packet.Bytes.Length;
        return true;
    }

    private TunnelVerdict Drop(TunnelDropReason why, out TunnelDropReason reason)
    {
        Counters.Drop(why);
        reason = why;
        return TunnelVerdict.Drop;
    }
}

using System.Buffers.Binary;

namespace Nattt.Packets;

// ICMP errors: the quoted packet (RFC 792, RFC 4443 2.4(c)) and the MTU of "fragmentation needed" (RFC 1191) and
// "packet too big" (RFC 8201).
public ref partial struct IpPacket
{
    /// <summary>
    /// For an ICMP error (<see cref="IsIcmpError"/>), a view of the packet it quotes, which starts 8 bytes into the ICMP
    /// message and may be cut short (at least its IP header and the first 8 transport bytes are required). The view
    /// reads and rewrites addresses and ports like any packet; its mutators also update this packet's ICMP checksum, so
    /// after <c>embedded.SetSource(..)</c> the whole outer packet stays valid. Note that the quoted packet travels in
    /// the opposite direction: an error about A->B arrives from B's side and quotes A as the source.
    /// A transport checksum beyond the quote is not updated (it is not there); one cut in half by the quote keeps its
    /// one quoted byte unchanged (the new value cannot be computed without the other byte). Real quotes are header + 8
    /// bytes (RFC 792) or up to 576/1280 bytes in all (RFC 1812, RFC 4443), so neither cuts a checksum in half.
    /// Not supported: RFC 4884 extension objects after the quote (they would be taken as part of the quote).
    /// </summary>
    /// <returns><see cref="PacketDropReason.NotIcmpError"/>, <see cref="PacketDropReason.NestedIcmpError"/> (this is
    /// already a quoted view), <see cref="PacketDropReason.BadEmbeddedPacket"/> (quote unusable or of the other IP
    /// family), or None.</returns>
    public readonly PacketDropReason TryGetEmbedded(out IpPacket embedded)
    {
        embedded = default;
        if (IsEmbedded) return PacketDropReason.NestedIcmpError;
        if (!IsIcmpError) return PacketDropReason.NotIcmpError;
        var quoted = _bytes[(TransportOffset + 8)..];
        var outerChecksum = _bytes.Slice(TransportOffset + 2, 2);
        if (Parse(quoted, outerChecksum, out var inner) != PacketDropReason.None || inner.Version != Version)
            return PacketDropReason.BadEmbeddedPacket;
        embedded = inner;
        return PacketDropReason.None;
    }

    /// <summary>
    /// Whether a router may answer this packet with an ICMP error (RFC 1812 4.3.2.7, RFC 4443 2.4(e)): not an ICMP
    /// error itself, not a quoted view, not from an unspecified, loopback or multicast source, not to a multicast or
    /// (IPv4) limited broadcast destination. Non-first fragments never parse, so they never qualify. (Subnet broadcasts
    /// are not known here; the caller knows its subnets.) Packet-too-big is also allowed to multicast destinations
    /// by RFC 4443, which this check does not model: it errs on the side of silence.
    /// </summary>
    public readonly bool MayAnswerWithIcmpError
    {
        get
        {
            if (IsEmbedded || IsIcmpError) return false;
            var source = Source;
            var destination = Destination;
            if (IsIPv4)
            {
                var s = (uint)source.Low;
                var d = (uint)destination.Low;
                return s != 0 && s >> 24 != 127 && s >> 28 != 0xE && s != 0xFFFFFFFF
                       && d >> 28 != 0xE && d != 0xFFFFFFFF;
            }
            return !(source.High == 0 && source.Low is 0 or 1) && source.High >> 56 != 0xFF && destination.High >> 56 != 0xFF;
        }
    }

    /// <summary>The MTU of an ICMPv4 "fragmentation needed" (type 3 code 4, 16-bit next-hop MTU; 0 from routers older
    /// than RFC 1191) or an ICMPv6 "packet too big" (type 2, 32-bit MTU).</summary>
    public readonly bool TryGetIcmpMtu(out uint mtu)
    {
        mtu = 0;
        switch (MtuFieldKind)
        {
            case 4: mtu = BinaryPrimitives.ReadUInt16BigEndian(_bytes[(TransportOffset + 6)..]); return true;
            case 6: mtu = BinaryPrimitives.ReadUInt32BigEndian(_bytes[(TransportOffset + 4)..]); return true;
            default: return false;
        }
    }

    /// <summary>Rewrites the MTU of "fragmentation needed" / "packet too big" (a tunnel lowers it by its overhead before
    /// relaying the error), updating the ICMP checksum.</summary>
    /// <returns>False, changing nothing, for other packets or an ICMPv4 MTU above 65535.</returns>
    public readonly bool TrySetIcmpMtu(uint mtu)
    {
        var kind = MtuFieldKind;
        if (kind == 0 || (kind == 4 && mtu > ushort.MaxValue)) return false;
        // Both forms end at transport byte 8: ICMPv4 has the unused word at 4..5 and the MTU at 6..7.
        var field = _bytes.Slice(TransportOffset + 4, 4);
        var oldHigh = BinaryPrimitives.ReadUInt16BigEndian(field);
        var oldLow = BinaryPrimitives.ReadUInt16BigEndian(field[2..]);
        if (kind == 4) BinaryPrimitives.WriteUInt16BigEndian(field[2..], (ushort)mtu);
        else BinaryPrimitives.WriteUInt32BigEndian(field, mtu);
        var delta = InternetChecksum.Delta(oldHigh, BinaryPrimitives.ReadUInt16BigEndian(field))
                    + InternetChecksum.Delta(oldLow, BinaryPrimitives.ReadUInt16BigEndian(field[2..]));
        var outerDelta = delta;
        AdjustChecksum(TransportOffset + 2, delta, isUdp: false, ref outerDelta);
        ApplyOuterDelta(outerDelta);
        return true;
    }

    // 4: ICMPv4 fragmentation needed; 6: ICMPv6 packet too big; 0: neither.
    private readonly int MtuFieldKind => Protocol switch
    {
        IpProtocol.Icmp when _bytes[TransportOffset] == IcmpTypes.DestinationUnreachable
                             && _bytes[TransportOffset + 1] == IcmpTypes.FragmentationNeededCode => 4,
        IpProtocol.IcmpV6 when _bytes[TransportOffset] == IcmpTypes.V6PacketTooBig => 6,
        _ => 0,
    };
}

using System.Buffers.Binary;

namespace Nattt.Packets;

// In-place rewriting with RFC 1624 incremental checksum updates. Every mutator computes the one's-complement delta
// of the bytes it changes (~old + new per 16-bit word), applies it to each checksum that covers those bytes, and, for a
// packet quoted in an ICMP error, also to the outer ICMP checksum (which covers the quoted bytes, including the inner
// checksum fields that changed). Quoted packets start 8 bytes into the ICMP message, so their 16-bit words line up with
// the outer message's words.
public ref partial struct IpPacket
{
    /// <summary>Rewrites the source address; updates the IPv4 header checksum and the TCP/UDP/ICMPv6 checksum (their
    /// pseudo-header holds the address). UDP with checksum 0 (not computed) keeps 0.</summary>
    /// <exception cref="ArgumentException">The address is of the other family (a caller bug).</exception>
    public readonly void SetSource(IpAddressValue address) => SetAddress(IsIPv4 ? 12 : 8, address);

    /// <summary>Rewrites the destination address; checksums as for <see cref="SetSource"/>.</summary>
    /// <exception cref="ArgumentException">The address is of the other family (a caller bug).</exception>
    public readonly void SetDestination(IpAddressValue address) => SetAddress(IsIPv4 ? 16 : 24, address);

    /// <summary>Rewrites the TCP/UDP source port, or the identifier of an ICMP echo (with the ICMP checksum).</summary>
    /// <returns>False, changing nothing, when the packet has no port (ICMP other than echo).</returns>
    public readonly bool SetSourcePort(ushort port) => SetPort(PortOffset(source: true), port);

    /// <summary>Rewrites the TCP/UDP destination port, or the identifier of an ICMP echo (the same field as the source
    /// "port": echo has one identifier).</summary>
    /// <returns>False, changing nothing, when the packet has no port (ICMP other than echo).</returns>
    public readonly bool SetDestinationPort(ushort port) => SetPort(PortOffset(source: false), port);

    /// <summary>
    /// Decrements the IPv4 TTL (updating the header checksum) or the IPv6 hop limit, as a router forwarding the packet.
    /// </summary>
    /// <returns>False, changing nothing, when the hop limit is 0 or 1: the packet must not be forwarded (count it as
    /// <see cref="PacketDropReason.HopLimitExceeded"/>, optionally answer with ICMP time exceeded).</returns>
    public readonly bool DecrementHopLimit()
    {
        // The word holding the hop limit: IPv4 TTL|Protocol at 8, IPv6 NextHeader|HopLimit at 6.
        var wordOffset = IsIPv4 ? 8 : 6;
        if (HopLimit <= 1) return false;
        var oldWord = BinaryPrimitives.ReadUInt16BigEndian(_bytes[wordOffset..]);
        if (IsIPv4) _bytes[8]--;
        else _bytes[7]--;
        var delta = InternetChecksum.Delta(oldWord, BinaryPrimitives.ReadUInt16BigEndian(_bytes[wordOffset..]));
        var outerDelta = delta;
        if (IsIPv4) AdjustChecksum(10, delta, isUdp: false, ref outerDelta);
        ApplyOuterDelta(outerDelta);
        return true;
    }

    private readonly void SetAddress(int offset, IpAddressValue address)
    {
        if (address.IsIPv4 != IsIPv4)
            throw new ArgumentException($"an IPv{Version} packet needs an IPv{Version} address", nameof(address));
        var field = _bytes.Slice(offset, address.Length);
        var delta = InternetChecksum.Delta(IpAddressValue.ReadFrom(field), address);
        address.WriteTo(field);
        var outerDelta = delta;
        if (IsIPv4) AdjustChecksum(10, delta, isUdp: false, ref outerDelta);
        if (Protocol != IpProtocol.Icmp) AdjustChecksum(TransportChecksumOffset, delta, Protocol == IpProtocol.Udp, ref outerDelta);
        ApplyOuterDelta(outerDelta);
    }

    private readonly bool SetPort(int offset, ushort port)
    {
        if (offset < 0) return false;
        var oldPort = BinaryPrimitives.ReadUInt16BigEndian(_bytes[offset..]);
        BinaryPrimitives.WriteUInt16BigEndian(_bytes[offset..], port);
        var delta = InternetChecksum.Delta(oldPort, port);
        var outerDelta = delta;
        AdjustChecksum(TransportChecksumOffset, delta, Protocol == IpProtocol.Udp, ref outerDelta);
        ApplyOuterDelta(outerDelta);
        return true;
    }

    private readonly int TransportChecksumOffset => TransportOffset + Protocol switch
    {
        IpProtocol.Tcp => 16,
        IpProtocol.Udp => 6,
        _ => 2,
    };

    // Applies delta to the checksum at offset, and adds that field's own change to outerDelta. A quoted packet may end
    // before the field (a TCP checksum beyond the 8 quoted bytes): then there is nothing to update. UDP checksum 0 means
    // "not computed" (IPv4; IPv6 tunnels per RFC 6935) and stays 0; a computed UDP checksum of 0 is sent as 0xFFFF.
    private readonly void AdjustChecksum(int offset, uint delta, bool isUdp, ref uint outerDelta)
    {
        if (offset + 2 > _bytes.Length) return;
        var field = _bytes.Slice(offset, 2);
        var oldChecksum = BinaryPrimitives.ReadUInt16BigEndian(field);
        if (isUdp && oldChecksum == 0) return;
        var newChecksum = InternetChecksum.Update(oldChecksum, delta);
        if (isUdp && newChecksum == 0) newChecksum = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(field, newChecksum);
        // Eqn. 3 cannot tell a sum of +0 (all data zero) from -0 (0xFFFF). Only ICMPv4 has no pseudo-header to make
        // the data non-zero: an echo reply with identifier, sequence and payload all zero needs 0xFFFF, not 0.
        if (newChecksum == 0 && Protocol == IpProtocol.Icmp && offset == TransportOffset + 2 && !IsEmbedded
            && !IsFirstFragment && InternetChecksum.Sum(Transport) == 0)
        {
            newChecksum = 0xFFFF;
            BinaryPrimitives.WriteUInt16BigEndian(field, newChecksum);
        }
        outerDelta += InternetChecksum.Delta(oldChecksum, newChecksum);
    }

    // The deltas are computed relative to the quoted packet's start, which is 8 bytes (an even offset) into the ICMP
    // message, so they hold unchanged for the outer checksum.
    private readonly void ApplyOuterDelta(uint outerDelta)
    {
        if (_outerChecksum.IsEmpty) return;
        var old = BinaryPrimitives.ReadUInt16BigEndian(_outerChecksum);
        BinaryPrimitives.WriteUInt16BigEndian(_outerChecksum, InternetChecksum.Update(old, InternetChecksum.Fold(outerDelta)));
    }

    // A 16-bit field at an odd offset (a TCP option after a single NOP) straddles two checksum words: its high byte is
    // the low byte of one word and its low byte the high byte of the next, so it adds its byte-swapped value to the sum.
    private static uint FieldDelta(int offset, ushort oldValue, ushort newValue) => (offset & 1) == 0
        ? InternetChecksum.Delta(oldValue, newValue)
        : InternetChecksum.Delta(BinaryPrimitives.ReverseEndianness(oldValue), BinaryPrimitives.ReverseEndianness(newValue));
}

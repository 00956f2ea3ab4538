using System.Buffers.Binary;

namespace Nattt.Packets;

/// <summary>
/// Writes IP, UDP, TCP and ICMP headers and whole packets with correct checksums, for tests and for the tunnel (which
/// writes the outer or nested IP+UDP headers in front of an inner packet already in the buffer). The address family of
/// a packet is that of its source address. Every method returns the bytes written. Allocation-free and thread-safe
/// (pure); misuse (a buffer too small, mixed families, odd TCP options) throws <see cref="ArgumentException"/>.
/// </summary>
public static class PacketBuilder
{
    public const int IPv4HeaderLength = 20;
    public const int IPv6HeaderLength = 40;
    public const int UdpHeaderLength = 8;
    public const int TcpHeaderLength = 20;
    public const int IcmpHeaderLength = 8;

    /// <summary>Writes a 20-byte IPv4 header (no options) with its checksum for <paramref name="payloadLength"/>
    /// bytes of payload.</summary>
    public static int WriteIPv4Header(Span<byte> buffer, IpAddressValue source, IpAddressValue destination,
        IpProtocol protocol, int payloadLength, byte ttl = 64, ushort id = 0, bool dontFragment = true)
    {
        if (!source.IsIPv4 || !destination.IsIPv4) throw new ArgumentException("IPv4 header needs IPv4 addresses");
        if ((uint)payloadLength > ushort.MaxValue - IPv4HeaderLength) throw new ArgumentOutOfRangeException(nameof(payloadLength));
        var header = Ensure(buffer, IPv4HeaderLength);
        header[0] = 0x45;
        header[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(IPv4HeaderLength + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        header[8] = ttl;
        header[9] = (byte)protocol;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
        source.WriteTo(header[12..]);
        destination.WriteTo(header[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
        return IPv4HeaderLength;
    }

    /// <summary>Writes a 40-byte IPv6 header (no extension headers) for <paramref name="payloadLength"/> bytes of
    /// payload.</summary>
    public static int WriteIPv6Header(Span<byte> buffer, IpAddressValue source, IpAddressValue destination,
        IpProtocol protocol, int payloadLength, byte hopLimit = 64, uint flowLabel = 0, byte trafficClass = 0)
    {
        if (!source.IsIPv6 || !destination.IsIPv6) throw new ArgumentException("IPv6 header needs IPv6 addresses");
        if ((uint)payloadLength > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(payloadLength));
        var header = Ensure(buffer, IPv6HeaderLength);
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x60000000u | (uint)trafficClass << 20 | (flowLabel & 0xFFFFF));
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)payloadLength);
        header[6] = (byte)protocol;
        header[7] = hopLimit;
        source.WriteTo(header[8..]);
        destination.WriteTo(header[24..]);
        return IPv6HeaderLength;
    }

    /// <summary>Writes the IPv4 or IPv6 header (by the source's family) with default TTL/hop limit.</summary>
    public static int WriteIpHeader(Span<byte> buffer, IpAddressValue source, IpAddressValue destination,
        IpProtocol protocol, int payloadLength, byte hopLimit = 64) => source.IsIPv4
        ? WriteIPv4Header(buffer, source, destination, protocol, payloadLength, hopLimit)
        : WriteIPv6Header(buffer, source, destination, protocol, payloadLength, hopLimit);

    /// <summary>The IP header length for the family of <paramref name="address"/> (20 or 40).</summary>
    public static int IpHeaderLength(IpAddressValue address) => address.IsIPv4 ? IPv4HeaderLength : IPv6HeaderLength;

    /// <summary>
    /// Writes the 8-byte UDP header at the start of <paramref name="datagram"/>, whose next
    /// <paramref name="payloadLength"/> bytes already hold the payload, and the checksum over the whole datagram and
    /// the pseudo-header. <paramref name="computeChecksum"/> false writes 0 ("not computed"; IPv4 only, and IPv6
    /// tunnels per RFC 6935).
    /// </summary>
    public static int WriteUdpHeader(Span<byte> datagram, IpAddressValue source, ushort sourcePort,
        IpAddressValue destination, ushort destinationPort, int payloadLength, bool computeChecksum = true)
    {
        var length = UdpHeaderLength + payloadLength;
        if (payloadLength < 0 || length > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(payloadLength));
        var udp = Ensure(datagram, length);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
        if (computeChecksum)
        {
            var checksum = InternetChecksum.Compute(udp,
                InternetChecksum.PseudoHeaderSum(source, destination, IpProtocol.Udp, length));
            BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        }
        return UdpHeaderLength;
    }

    /// <summary>A whole IPv4 or IPv6 UDP packet.</summary>
    public static int BuildUdp(Span<byte> buffer, IpAddressValue source, ushort sourcePort,
        IpAddressValue destination, ushort destinationPort, ReadOnlySpan<byte> payload, byte hopLimit = 64)
    {
        var ipLength = IpHeaderLength(source);
        var total = Ensure(buffer, ipLength + UdpHeaderLength + payload.Length);
        payload.CopyTo(total[(ipLength + UdpHeaderLength)..]);
        WriteUdpHeader(total[ipLength..], source, sourcePort, destination, destinationPort, payload.Length);
        WriteIpHeader(total, source, destination, IpProtocol.Udp, UdpHeaderLength + payload.Length, hopLimit);
        return total.Length;
    }

    /// <summary>A whole IPv4 or IPv6 TCP segment. <paramref name="options"/> must be a multiple of 4 bytes (pad with
    /// NOP or End of Option List) and at most 40.</summary>
    public static int BuildTcp(Span<byte> buffer, IpAddressValue source, ushort sourcePort,
        IpAddressValue destination, ushort destinationPort, TcpFlags flags, uint sequence, uint acknowledgment,
        ReadOnlySpan<byte> payload = default, ReadOnlySpan<byte> options = default, ushort window = 65535,
        byte hopLimit = 64)
    {
        if (options.Length % 4 != 0 || options.Length > 40)
            throw new ArgumentException("TCP options must be a multiple of 4 bytes, at most 40", nameof(options));
        var ipLength = IpHeaderLength(source);
        var tcpHeaderLength = TcpHeaderLength + options.Length;
        var tcpLength = tcpHeaderLength + payload.Length;
        var total = Ensure(buffer, ipLength + tcpLength);
        var tcp = total[ipLength..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], acknowledgment);
        tcp[12] = (byte)(tcpHeaderLength / 4 << 4);
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[16..], 0); // checksum and urgent pointer
        options.CopyTo(tcp[TcpHeaderLength..]);
        payload.CopyTo(tcp[tcpHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..],
            InternetChecksum.Compute(tcp, InternetChecksum.PseudoHeaderSum(source, destination, IpProtocol.Tcp, tcpLength)));
        WriteIpHeader(total, source, destination, IpProtocol.Tcp, tcpLength, hopLimit);
        return total.Length;
    }

    /// <summary>A whole ICMP (IPv4) or ICMPv6 (IPv6) echo request or reply.</summary>
    public static int BuildIcmpEcho(Span<byte> buffer, IpAddressValue source, IpAddressValue destination,
        ushort identifier, ushort sequence, bool isReply, ReadOnlySpan<byte> payload = default, byte hopLimit = 64)
    {
        var type = source.IsIPv4
            ? isReply ? IcmpTypes.EchoReply : IcmpTypes.EchoRequest
            : isReply ? IcmpTypes.V6EchoReply : IcmpTypes.V6EchoRequest;
        return BuildIcmp(buffer, source, destination, type, 0, (uint)identifier << 16 | sequence, payload, hopLimit);
    }

    /// <summary>
    /// A whole ICMP/ICMPv6 message: type, code, the 32-bit "rest of header" (echo identifier and sequence, MTU of
    /// packet-too-big, next-hop MTU in the low 16 bits of fragmentation-needed, pointer of parameter problem) and the
    /// body, e.g. the quoted packet of an error.
    /// </summary>
    public static int BuildIcmp(Span<byte> buffer, IpAddressValue source, IpAddressValue destination, byte type,
        byte code, uint restOfHeader, ReadOnlySpan<byte> body, byte hopLimit = 64)
    {
        var ipLength = IpHeaderLength(source);
        var icmpLength = IcmpHeaderLength + body.Length;
        var total = Ensure(buffer, ipLength + icmpLength);
        var icmp = total[ipLength..];
        var protocol = source.IsIPv4 ? IpProtocol.Icmp : IpProtocol.IcmpV6;
        icmp[0] = type;
        icmp[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], restOfHeader);
        body.CopyTo(icmp[IcmpHeaderLength..]);
        var pseudo = source.IsIPv4 ? 0 : InternetChecksum.PseudoHeaderSum(source, destination, protocol, icmpLength);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp, pseudo));
        WriteIpHeader(total, source, destination, protocol, icmpLength, hopLimit);
        return total.Length;
    }

    /// <summary>Most bytes of an ICMPv4 error: RFC 1812 4.3.2.3, "not exceed 576 bytes".</summary>
    public const int MaxIcmpV4ErrorLength = 576;

    /// <summary>Most bytes of an ICMPv6 error: RFC 4443 2.4(c), "not exceed the minimum IPv6 MTU" (1280).</summary>
    public const int MaxIcmpV6ErrorLength = 1280;

    /// <summary>
    /// An ICMP error about <paramref name="offendingPacket"/>, from <paramref name="source"/> (the router or tunnel
    /// end reporting it) back to the offending packet's source, quoting as much of it as fits in 576 (IPv4) or 1280
    /// (IPv6) bytes. Check <see cref="IpPacket.MayAnswerWithIcmpError"/> first: this method does not.
    /// </summary>
    /// <param name="offendingPacket">Exactly the packet (e.g. <see cref="IpPacket.Bytes"/>), of the family of
    /// <paramref name="source"/>.</param>
    /// <param name="restOfHeader">Bytes 4 to 7 of the ICMP header: the MTU for fragmentation needed / packet too big,
    /// the pointer of parameter problem, otherwise 0.</param>
    public static int BuildIcmpError(Span<byte> buffer, IpAddressValue source, ReadOnlySpan<byte> offendingPacket,
        byte type, byte code, uint restOfHeader = 0, byte hopLimit = 64)
    {
        var ipLength = IpHeaderLength(source);
        if (offendingPacket.Length < ipLength || offendingPacket[0] >> 4 != (source.IsIPv4 ? 4 : 6))
            throw new ArgumentException("the offending packet must be an IP packet of the source's family", nameof(offendingPacket));
        var destination = IpAddressValue.ReadFrom(source.IsIPv4 ? offendingPacket.Slice(12, 4) : offendingPacket.Slice(8, 16));
        var maxLength = source.IsIPv4 ? MaxIcmpV4ErrorLength : MaxIcmpV6ErrorLength;
        var quote = offendingPacket[..Math.Min(offendingPacket.Length, maxLength - ipLength - IcmpHeaderLength)];
        return BuildIcmp(buffer, source, destination, type, code, restOfHeader, quote, hopLimit);
    }

    /// <summary>ICMPv4 "fragmentation needed and DF set" (type 3 code 4, RFC 1191) or ICMPv6 "packet too big" (type 2,
    /// RFC 8201) telling the offending packet's source to use <paramref name="mtu"/>: what a tunnel sends when a packet
    /// does not fit once encapsulated.</summary>
    public static int BuildPacketTooBig(Span<byte> buffer, IpAddressValue source, ReadOnlySpan<byte> offendingPacket,
        int mtu, byte hopLimit = 64)
    {
        if (mtu < 68 || (source.IsIPv4 && mtu > ushort.MaxValue)) throw new ArgumentOutOfRangeException(nameof(mtu));
        return source.IsIPv4
            ? BuildIcmpError(buffer, source, offendingPacket, IcmpTypes.DestinationUnreachable,
                IcmpTypes.FragmentationNeededCode, (uint)mtu, hopLimit)
            : BuildIcmpError(buffer, source, offendingPacket, IcmpTypes.V6PacketTooBig, 0, (uint)mtu, hopLimit);
    }

    /// <summary>ICMPv4 "time exceeded in transit" (type 11 code 0) or ICMPv6 "hop limit exceeded" (type 3 code 0), for
    /// a packet whose <see cref="IpPacket.DecrementHopLimit"/> returned false.</summary>
    public static int BuildTimeExceeded(Span<byte> buffer, IpAddressValue source, ReadOnlySpan<byte> offendingPacket,
        byte hopLimit = 64) => BuildIcmpError(buffer, source, offendingPacket,
        source.IsIPv4 ? IcmpTypes.TimeExceeded : IcmpTypes.V6TimeExceeded, 0, 0, hopLimit);

    /// <summary>The 4-byte TCP MSS option (kind 2, length 4), for <see cref="BuildTcp"/>'s options.</summary>
    public static int WriteMssOption(Span<byte> buffer, ushort mss)
    {
        var option = Ensure(buffer, 4);
        option[0] = 2;
        option[1] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(option[2..], mss);
        return 4;
    }

    private static Span<byte> Ensure(Span<byte> buffer, int length) => buffer.Length >= length
        ? buffer[..length]
        : throw new ArgumentException($"buffer of {buffer.Length} bytes, {length} needed", nameof(buffer));
}

using System.Buffers.Binary;

namespace Nattt.Packets;

// Parsing: IPv4 (RFC 791), IPv6 with extension headers (RFC 8200 section 4), and the transport header checks.
// docs/packets.md has the table of what is rejected and why.
public ref partial struct IpPacket
{
    /// <summary>
    /// Parses the IP packet at the start of <paramref name="buffer"/>. The buffer may be longer than the packet: the
    /// IPv4 Total Length or IPv6 Payload Length decides where it ends; a shorter buffer is
    /// <see cref="PacketDropReason.Truncated"/>. The IPv4 header checksum is verified. On any reason other than
    /// <see cref="PacketDropReason.None"/>, <paramref name="packet"/> is default and must not be used.
    /// </summary>
    public static PacketDropReason TryParse(Span<byte> buffer, out IpPacket packet) =>
        Parse(buffer, default, out packet);

    // outerChecksum non-empty means: a packet quoted in an ICMP error. It may be cut short after its transport
    // header's first 8 bytes, and its IPv4 header checksum is not verified (its sender's problem, not ours).
    private static PacketDropReason Parse(Span<byte> buffer, Span<byte> outerChecksum, out IpPacket packet)
    {
        packet = default;
        if (buffer.IsEmpty) return PacketDropReason.Truncated;
        return (buffer[0] >> 4) switch
        {
            4 => ParseIPv4(buffer, outerChecksum, out packet),
            6 => ParseIPv6(buffer, outerChecksum, out packet),
            _ => PacketDropReason.UnsupportedVersion,
        };
    }

    private static PacketDropReason ParseIPv4(Span<byte> buffer, Span<byte> outerChecksum, out IpPacket packet)
    {
        packet = default;
        var embedded = !outerChecksum.IsEmpty;
        if (buffer.Length < 20) return PacketDropReason.Truncated;
        var headerLength = (buffer[0] & 0x0F) * 4;
        if (headerLength < 20) return PacketDropReason.BadHeaderLength;
        if (headerLength > buffer.Length) return PacketDropReason.Truncated;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (totalLength < headerLength) return PacketDropReason.LengthMismatch;
        var truncated = totalLength > buffer.Length;
        if (truncated && !embedded) return PacketDropReason.Truncated;
        if (!embedded && InternetChecksum.Sum(buffer[..headerLength]) != 0xFFFF) return PacketDropReason.BadHeaderChecksum;

        var fragment = BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]);
        if ((fragment & 0x1FFF) != 0) return PacketDropReason.NonFirstFragment;
        var moreFragments = (fragment & 0x2000) != 0;

        var protocol = (IpProtocol)buffer[9];
        if (protocol is not (IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Icmp)) return PacketDropReason.UnsupportedProtocol;

        var bytes = truncated ? buffer : buffer[..totalLength];
        var reason = CheckTransport(bytes, headerLength, protocol, partial: embedded || moreFragments);
        if (reason != PacketDropReason.None) return reason;
        packet = new IpPacket(bytes, 4, protocol, headerLength, moreFragments, truncated, outerChecksum);
        return PacketDropReason.None;
    }

    private static PacketDropReason ParseIPv6(Span<byte> buffer, Span<byte> outerChecksum, out IpPacket packet)
    {
        packet = default;
        var embedded = !outerChecksum.IsEmpty;
        if (buffer.Length < 40) return PacketDropReason.Truncated;
        var totalLength = 40 + BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]);
        var truncated = totalLength > buffer.Length;
        if (truncated && !embedded) return PacketDropReason.Truncated;
        var bytes = truncated ? buffer : buffer[..totalLength];

        var next = buffer[6];
        var offset = 40;
        var moreFragments = false;
        for (var count = 0; ; count++)
        {
            if (next is (byte)IpProtocol.Tcp or (byte)IpProtocol.Udp or (byte)IpProtocol.IcmpV6) break;
            if (count == MaxExtensionHeaders) return PacketDropReason.BadExtensionHeader;
            switch (next)
            {
                case ExtensionHeaders.HopByHop when offset != 40:
                    return PacketDropReason.BadExtensionHeader;
                case ExtensionHeaders.Fragment:
                    if (offset + 8 > bytes.Length) return PacketDropReason.BadExtensionHeader;
                    var fragment = BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 2)..]);
                    if ((fragment & 0xFFF8) != 0) return PacketDropReason.NonFirstFragment;
                    moreFragments = (fragment & 1) != 0;
                    next = bytes[offset];
                    offset += 8;
                    continue;
                case ExtensionHeaders.Routing:
                    if (offset + 4 > bytes.Length) return PacketDropReason.BadExtensionHeader;
                    if (bytes[offset + 3] != 0) return PacketDropReason.UnsupportedExtensionHeader;
                    break;
                case ExtensionHeaders.HopByHop or ExtensionHeaders.DestinationOptions:
                    break;
                default:
                    return PacketDropReason.UnsupportedProtocol;
            }
            if (offset + 2 > bytes.Length) return PacketDropReason.BadExtensionHeader;
            var length = (bytes[offset + 1] + 1) * 8;
            if (offset + length > bytes.Length) return PacketDropReason.BadExtensionHeader;
            next = bytes[offset];
            offset += length;
        }

        var protocol = (IpProtocol)next;
        var reason = CheckTransport(bytes, offset, protocol, partial: embedded || moreFragments);
        if (reason != PacketDropReason.None) return reason;
        packet = new IpPacket(bytes, 6, protocol, offset, moreFragments, truncated, outerChecksum);
        return PacketDropReason.None;
    }

    // partial: the packet may hold less than the whole transport segment (a quoted packet or a first fragment), so
    // only the first 8 bytes (ports, UDP length and checksum, ICMP type to identifier) are required.
    private static PacketDropReason CheckTransport(Span<byte> bytes, int offset, IpProtocol protocol, bool partial)
    {
        var remaining = bytes.Length - offset;
        if (remaining < 8) return PacketDropReason.BadTransportHeader;
        switch (protocol)
        {
            case IpProtocol.Tcp when !partial:
                if (remaining < 20) return PacketDropReason.BadTransportHeader;
                var dataOffset = (bytes[offset + 12] >> 4) * 4;
                if (dataOffset < 20 || dataOffset > remaining) return PacketDropReason.BadTransportHeader;
                break;
            case IpProtocol.Udp:
                int udpLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 4)..]);
                // A UDP length below the IP payload (trailing padding) is accepted as the kernel does; above it is not.
                if (udpLength < 8 || (!partial && udpLength > remaining)) return PacketDropReason.BadTransportHeader;
                break;
        }
        return PacketDropReason.None;
    }

    private static class ExtensionHeaders
    {
        public const byte HopByHop = 0;
        public const byte Routing = 43;
        public const byte Fragment = 44;
        public const byte DestinationOptions = 60;
    }
}

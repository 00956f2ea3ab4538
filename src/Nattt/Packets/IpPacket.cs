using System.Buffers.Binary;

namespace Nattt.Packets;

/// <summary>
/// A parsed IPv4 or IPv6 packet carrying TCP, UDP, ICMP or ICMPv6: a view over the caller's buffer (no copy) that
/// reads the header fields and rewrites addresses, ports, the TCP MSS and the hop limit in place, keeping every checksum
/// correct by RFC 1624 incremental updates (see IpPacket.Rewrite.cs). The view of a packet quoted inside an ICMP error
/// (<see cref="TryGetEmbedded"/>) also keeps the outer ICMP checksum correct when rewritten.
/// Not thread-safe (it is a view over one buffer); parse and rewrite never allocate and never throw on bad input.
/// </summary>
public ref partial struct IpPacket
{
    /// <summary>Most IPv6 extension headers followed before giving up (a chain is normally 0 to 2 long).</summary>
    public const int MaxExtensionHeaders = 8;

    private readonly Span<byte> _bytes;

    // Only for the view of a packet quoted in an ICMP error: the 2-byte checksum field of that ICMP message, which
    // covers the quoted bytes. Empty otherwise.
    private readonly Span<byte> _outerChecksum;

    private IpPacket(Span<byte> bytes, int version, IpProtocol protocol, int transportOffset, bool isFirstFragment,
        bool isTruncated, Span<byte> outerChecksum)
    {
        _bytes = bytes;
        Version = version;
        Protocol = protocol;
        TransportOffset = transportOffset;
        IsFirstFragment = isFirstFragment;
        IsTruncated = isTruncated;
        _outerChecksum = outerChecksum;
    }

    /// <summary>Exactly the packet: the buffer cut to the IP length (for a quoted packet: to what was quoted).</summary>
    public readonly Span<byte> Bytes => _bytes;

    /// <summary>4 or 6.</summary>
    public int Version { get; }

    /// <summary>The transport protocol (for IPv6 after the extension headers).</summary>
    public IpProtocol Protocol { get; }

    /// <summary>Offset of the TCP/UDP/ICMP header in <see cref="Bytes"/>.</summary>
    public int TransportOffset { get; }

    /// <summary>The first fragment of a fragmented datagram (More Fragments set, offset 0). Its transport checksum
    /// covers the whole datagram; incremental updates stay correct, but it cannot be verified from this fragment.</summary>
    public bool IsFirstFragment { get; }

    /// <summary>Only for a quoted packet: fewer bytes are present than its header announces.</summary>
    public bool IsTruncated { get; }

    /// <summary>This is the view of a packet quoted inside an ICMP error.</summary>
    public readonly bool IsEmbedded => !_outerChecksum.IsEmpty;

    public readonly bool IsIPv4 => Version == 4;

    /// <summary>The transport header and payload.</summary>
    public readonly Span<byte> Transport => _bytes[TransportOffset..];

    /// <summary>
    /// The transport payload: after the TCP header (data offset), the 8-byte UDP header (up to the UDP Length, so
    /// link padding is excluded), or the 8-byte ICMP header (for an error: the quoted packet). For a tunnel datagram
    /// this is the inner packet, ready for another <see cref="TryParse"/>. Empty when a quote ends before it.
    /// </summary>
    public readonly Span<byte> Payload
    {
        get
        {
            var start = TransportOffset + 8;
            var end = _bytes.Length;
            if (Protocol == IpProtocol.Tcp)
            {
                if (TransportOffset + 12 >= end) return default;
                start = TransportOffset + (_bytes[TransportOffset + 12] >> 4) * 4;
            }
            else if (Protocol == IpProtocol.Udp)
            {
                end = Math.Min(end, TransportOffset + BinaryPrimitives.ReadUInt16BigEndian(_bytes[(TransportOffset + 4)..]));
            }
            return start < end ? _bytes[start..end] : default;
        }
    }

    public readonly IpAddressValue Source =>
        IpAddressValue.ReadFrom(IsIPv4 ? _bytes.Slice(12, 4) : _bytes.Slice(8, 16));

    public readonly IpAddressValue Destination =>
        IpAddressValue.ReadFrom(IsIPv4 ? _bytes.Slice(16, 4) : _bytes.Slice(24, 16));

    /// <summary>IPv4 TTL or IPv6 Hop Limit.</summary>
    public readonly byte HopLimit => IsIPv4 ? _bytes[8] : _bytes[7];

    /// <summary>TCP/UDP source port; the identifier for ICMP echo request/reply; 0 for other ICMP.</summary>
    public readonly ushort SourcePort => ReadU16(PortOffset(source: true));

    /// <summary>TCP/UDP destination port; the identifier for ICMP echo request/reply; 0 for other ICMP.</summary>
    public readonly ushort DestinationPort => ReadU16(PortOffset(source: false));

    public readonly FlowTuple Tuple => new(Protocol, Source, SourcePort, Destination, DestinationPort);

    /// <summary>ICMP/ICMPv6 type, or 0 for TCP/UDP.</summary>
    public readonly byte IcmpType => IsIcmp ? _bytes[TransportOffset] : (byte)0;

    /// <summary>ICMP/ICMPv6 code, or 0 for TCP/UDP.</summary>
    public readonly byte IcmpCode => IsIcmp ? _bytes[TransportOffset + 1] : (byte)0;

    /// <summary>ICMP echo request or reply (types 8/0; ICMPv6 128/129): the identifier acts as both ports.</summary>
    public readonly bool IsIcmpEcho => Protocol switch
    {
        IpProtocol.Icmp => _bytes[TransportOffset] is IcmpTypes.EchoReply or IcmpTypes.EchoRequest,
        IpProtocol.IcmpV6 => _bytes[TransportOffset] is IcmpTypes.V6EchoRequest or IcmpTypes.V6EchoReply,
        _ => false,
    };

    /// <summary>An ICMP error quoting the packet that caused it: ICMPv4 destination unreachable, time exceeded,
    /// parameter problem; ICMPv6 types 1 to 4.</summary>
    public readonly bool IsIcmpError => Protocol switch
    {
        IpProtocol.Icmp => _bytes[TransportOffset] is IcmpTypes.DestinationUnreachable or IcmpTypes.TimeExceeded
            or IcmpTypes.ParameterProblem,
        IpProtocol.IcmpV6 => _bytes[TransportOffset] is >= 1 and <= 4,
        _ => false,
    };

    /// <summary>TCP flags, or <see cref="TcpFlags.None"/> for other protocols (and a quote too short to hold them).</summary>
    public readonly TcpFlags TcpFlags => Protocol == IpProtocol.Tcp && TransportOffset + 13 < _bytes.Length
        ? (TcpFlags)_bytes[TransportOffset + 13]
        : TcpFlags.None;

    private readonly bool IsIcmp => Protocol is IpProtocol.Icmp or IpProtocol.IcmpV6;

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

    private readonly int PortOffset(bool source) => Protocol switch
    {
        IpProtocol.Tcp or IpProtocol.Udp => TransportOffset + (source ? 0 : 2),
        _ => IsIcmpEcho ? TransportOffset + 4 : -1,
    };

    private readonly ushort ReadU16(int offset) =>
        offset < 0 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(_bytes[offset..]);

    private static class ExtensionHeaders
    {
        public const byte HopByHop = 0;
        public const byte Routing = 43;
        public const byte Fragment = 44;
        public const byte DestinationOptions = 60;
    }
}

/// <summary>ICMP and ICMPv6 message types the packet layer acts on (RFC 792, RFC 4443).</summary>
public static class IcmpTypes
{
    public const byte EchoReply = 0;
    public const byte DestinationUnreachable = 3;
    public const byte EchoRequest = 8;
    public const byte TimeExceeded = 11;
    public const byte ParameterProblem = 12;

    /// <summary>ICMPv4 destination unreachable code 4: fragmentation needed and DF set (RFC 1191).</summary>
    public const byte FragmentationNeededCode = 4;

    public const byte V6DestinationUnreachable = 1;
    public const byte V6PacketTooBig = 2;
    public const byte V6TimeExceeded = 3;
    public const byte V6ParameterProblem = 4;
    public const byte V6EchoRequest = 128;
    public const byte V6EchoReply = 129;
}

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

    private readonly int PortOffset(bool source) => Protocol switch
    {
        IpProtocol.Tcp or IpProtocol.Udp => TransportOffset + (source ? 0 : 2),
        _ => IsIcmpEcho ? TransportOffset + 4 : -1,
    };

    private readonly ushort ReadU16(int offset) =>
        offset < 0 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(_bytes[offset..]);
}

using System.Buffers.Binary;
using Nattt.Packets;

namespace Nattt.Tunnel;

/// <summary>
/// The NATTT encapsulation (docs/encapsulation.md): the payload of a tunnel UDP datagram is one whole IP packet; for
/// nested boxes that packet is itself an IP/UDP datagram to the next box's tunnel port, and so on. An empty payload is
/// a keepalive. Constants fixed by the format are here; choices of the implementation are in the options classes.
/// </summary>
public static class Encapsulation
{
    /// <summary>The well-known tunnel port of the NATTT paper.</summary>
    public const int DefaultPort = 100;

    /// <summary>Bytes one IPv4 nesting level adds (IPv4 header without options + UDP header).</summary>
    public const int IPv4LayerOverhead = 20 + 8;

    /// <summary>Bytes one IPv6 nesting level adds (IPv6 header without extension headers + UDP header).</summary>
    public const int IPv6LayerOverhead = 40 + 8;

    /// <summary>Most nesting levels a client builds or unwraps (outermost hop included).</summary>
    public const int MaxDepth = 8;

    /// <summary>
    /// Writes an IPv4 + UDP header for one nesting level into the <see cref="IPv4LayerOverhead"/> bytes before
    /// <paramref name="start"/>, around the <paramref name="length"/> bytes of the packet at <paramref name="start"/>.
    /// The UDP checksum is 0 (permitted over IPv4; the inner packet carries its own) and DF is clear, so that a
    /// nested network with a smaller MTU fragments the level rather than dropping it.
    /// </summary>
    public static void WriteIPv4UdpLayer(Span<byte> buffer, int start, int length, IpAddressValue source, ushort sourcePort,
        IpAddressValue destination, ushort destinationPort)
    {
        var ip = buffer.Slice(start - IPv4LayerOverhead, 20);
        var udp = buffer.Slice(start - 8, 8);
        var total = length + IPv4LayerOverhead;
        ip[0] = 0x45;
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 0); // identification; DF clear means the kernel may fragment
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0);
        ip[8] = 64;
        ip[9] = (byte)IpProtocol.Udp;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        source.WriteTo(ip.Slice(12, 4));
        destination.WriteTo(ip.Slice(16, 4));
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip));
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(length + 8));
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
    }

    /// <summary>
    /// Writes an IPv6 + UDP header for one nesting level into the <see cref="IPv6LayerOverhead"/> bytes before
    /// <paramref name="start"/>. IPv6 requires the UDP checksum (RFC 8200 8.1; the zero-checksum exception of RFC 6935
    /// needs the receiver's consent, which a plain box's kernel does not give), so it is computed over the level.
    /// IPv6 routers never fragment: a level too big for a link inside comes back as "packet too big".
    /// </summary>
    public static void WriteIPv6UdpLayer(Span<byte> buffer, int start, int length, IpAddressValue source, ushort sourcePort,
        IpAddressValue destination, ushort destinationPort)
    {
        PacketBuilder.WriteUdpHeader(buffer.Slice(start - 8, 8 + length), source, sourcePort, destination, destinationPort, length);
        PacketBuilder.WriteIPv6Header(buffer.Slice(start - IPv6LayerOverhead, 40), source, destination, IpProtocol.Udp, length + 8);
    }

    /// <summary>Bytes a nesting level to <paramref name="hop"/> adds.</summary>
    public static int LayerOverhead(IpAddressValue hop) => hop.IsIPv4 ? IPv4LayerOverhead : IPv6LayerOverhead;

}

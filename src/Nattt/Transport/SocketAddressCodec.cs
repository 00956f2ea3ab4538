using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Nattt.Packets;

namespace Nattt.Transport;

/// <summary>
/// Reads and writes Linux sockaddr_in / sockaddr_in6 inside a <see cref="SocketAddress"/> without allocating, so that
/// the receive and send loops use <c>ReceiveFrom(Span, SocketFlags, SocketAddress)</c> with no allocation per packet.
/// IPv4-mapped IPv6 addresses (from dual-mode sockets) are read as IPv4.
/// </summary>
public static class SocketAddressCodec
{
    public static SocketAddress NewIPv4() => new(AddressFamily.InterNetwork);
    public static SocketAddress NewIPv6() => new(AddressFamily.InterNetworkV6);

    /// <summary>Reads the address and port of a received datagram's source.</summary>
    public static void Read(SocketAddress address, out IpAddressValue ip, out ushort port)
    {
        var b = address.Buffer.Span;
        port = BinaryPrimitives.ReadUInt16BigEndian(b[2..]);
        if (address.Family == AddressFamily.InterNetwork)
        {
            ip = IpAddressValue.ReadFrom(b.Slice(4, 4));
            return;
        }
        var v6 = b.Slice(8, 16);
        // ::ffff:a.b.c.d from a dual-mode socket is an IPv4 peer.
        if (BinaryPrimitives.ReadUInt64LittleEndian(v6) == 0 && BinaryPrimitives.ReadUInt32BigEndian(v6[8..]) == 0xFFFF)
            ip = IpAddressValue.ReadFrom(v6.Slice(12, 4));
        else
            ip = IpAddressValue.ReadFrom(v6);
    }

    /// <summary>Writes <paramref name="ip"/>:<paramref name="port"/> into <paramref name="address"/> (of the socket's
    /// family; an IPv4 destination on an IPv6 dual-mode socket is written IPv4-mapped).</summary>
    public static void Write(SocketAddress address, IpAddressValue ip, ushort port)
    {
        var b = address.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], port);
        if (address.Family == AddressFamily.InterNetwork)
        {
            if (!ip.IsIPv4) throw new ArgumentException("an IPv6 destination on an IPv4 socket");
            ip.WriteTo(b.Slice(4, 4));
            return;
        }
        var v6 = b.Slice(8, 16);
        if (ip.IsIPv4)
        {
            v6[..10].Clear();
            v6[10] = 0xFF;
            v6[11] = 0xFF;
            ip.WriteTo(v6.Slice(12, 4));
        }
        else ip.WriteTo(v6);
    }

    public static IPEndPoint ToEndPoint(IpAddressValue ip, ushort port) => new(ip.ToIPAddress(), port);
}

using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Nattt.Platform.Linux;

/// <summary>
/// Reads and writes Linux's <c>sockaddr_in</c> and <c>sockaddr_in6</c> over spans, without allocating. The same layout
/// is what the kernel fills in for <c>recvmmsg</c> and what <see cref="System.Net.SocketAddress.Buffer"/> holds on
/// Linux, so both socket implementations share this code.
/// </summary>
/// <remarks>Layouts (linux/in.h, linux/in6.h): the family is a 16-bit host-order integer; the port is in network
/// order; IPv4: address at 4, 16 bytes in all; IPv6: flow info at 4, address at 8, scope id (host order) at 24,
/// 28 bytes in all.</remarks>
internal static class Sockaddr
{
    /// <summary>Linux's AF_INET and AF_INET6 (not .NET's <see cref="AddressFamily"/> values).</summary>
    public const ushort AfInet = 2, AfInet6 = 10;
    public const int IPv4Size = 16, IPv6Size = 28;
    /// <summary>Room for either form; a multiple of 8 so that consecutive slots stay aligned.</summary>
    public const int SlotSize = 32;

    /// <summary>Why a sockaddr could not be read.</summary>
    public enum ReadFailure { None, Truncated, UnsupportedFamily }

    public static ReadFailure TryRead(ReadOnlySpan<byte> sockaddr, out UdpEndpoint endpoint)
    {
        endpoint = default;
        if (sockaddr.Length < 2) return ReadFailure.Truncated;
        var family = MemoryMarshal.Read<ushort>(sockaddr); // host order
        switch (family)
        {
            case AfInet:
                if (sockaddr.Length < 8) return ReadFailure.Truncated;
                endpoint = UdpEndpoint.FromIPv4(sockaddr.Slice(4, 4), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]));
                return ReadFailure.None;
            case AfInet6:
                if (sockaddr.Length < IPv6Size) return ReadFailure.Truncated;
                var scope = MemoryMarshal.Read<uint>(sockaddr[24..]); // host order
                endpoint = UdpEndpoint.FromIPv6(sockaddr.Slice(8, 16), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]), scope);
                return ReadFailure.None;
            default:
                return ReadFailure.UnsupportedFamily;
        }
    }

    /// <summary>
    /// Writes <paramref name="endpoint"/> as the sockaddr a socket of <paramref name="socketFamily"/> takes (an IPv4
    /// endpoint on an IPv6 socket becomes IPv4-mapped) and returns its size, or 0 if the families cannot meet (IPv6
    /// endpoint, IPv4 socket). <paramref name="destination"/> needs <see cref="IPv6Size"/> bytes.
    /// </summary>
    public static int Write(UdpEndpoint endpoint, AddressFamily socketFamily, Span<byte> destination)
    {
        if (socketFamily == AddressFamily.InterNetworkV6) endpoint = endpoint.MappedToIPv6;
        else if (endpoint.IsIPv6) endpoint = endpoint.Unmapped;
        if (endpoint.Family != socketFamily) return 0;
        if (endpoint.IsIPv6)
        {
            destination[..IPv6Size].Clear();
            MemoryMarshal.Write(destination, AfInet6);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], endpoint.Port);
            endpoint.WriteAddress(destination[8..]);
            MemoryMarshal.Write(destination[24..], endpoint.ScopeId);
            return IPv6Size;
        }
        destination[..IPv4Size].Clear();
        MemoryMarshal.Write(destination, AfInet);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], endpoint.Port);
        endpoint.WriteAddress(destination[4..]);
        return IPv4Size;
    }
}

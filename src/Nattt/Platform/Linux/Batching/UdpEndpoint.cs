using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nattt.Platform.Linux;

/// <summary>
/// A UDP endpoint (IPv4 or IPv6 address, port, IPv6 scope) held by value, so that a receive loop can record the
/// source of every datagram without allocating an <see cref="IPEndPoint"/> per packet. Immutable; thread-safe.
/// </summary>
/// <remarks>The address is kept as 16 bytes in network order split into two 64-bit halves; an IPv4 address uses the
/// low 4 bytes of the second half. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-mode socket reports for
/// an IPv4 peer) is kept as IPv6, exactly as the kernel reported it; <see cref="Unmapped"/> turns it into IPv4.</remarks>
public readonly struct UdpEndpoint : IEquatable<UdpEndpoint>
{
    private readonly ulong _high;
    private readonly ulong _low;

    private UdpEndpoint(AddressFamily family, ulong high, ulong low, ushort port, uint scopeId)
    {
        Family = family;
        _high = high;
        _low = low;
        Port = port;
        ScopeId = scopeId;
    }

    /// <summary><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>;
    /// <see cref="AddressFamily.Unspecified"/> for <c>default</c>.</summary>
    public AddressFamily Family { get; }
    public ushort Port { get; }
    /// <summary>The IPv6 scope (interface index) of a link-local address; 0 otherwise.</summary>
    public uint ScopeId { get; }
    public bool IsIPv6 => Family == AddressFamily.InterNetworkV6;
    public bool IsIPv4MappedToIPv6 => IsIPv6 && _high == 0 && (_low >> 32) == 0xffff;

    /// <summary>An IPv4 endpoint from the address in network order (as on the wire).</summary>
    public static UdpEndpoint FromIPv4(ReadOnlySpan<byte> address, ushort port) =>
        new(AddressFamily.InterNetwork, 0, BinaryPrimitives.ReadUInt32BigEndian(address), port, 0);

    /// <summary>An IPv6 endpoint from the 16 address bytes in network order.</summary>
    public static UdpEndpoint FromIPv6(ReadOnlySpan<byte> address, ushort port, uint scopeId = 0) =>
        new(AddressFamily.InterNetworkV6, BinaryPrimitives.ReadUInt64BigEndian(address),
            BinaryPrimitives.ReadUInt64BigEndian(address[8..]), port, scopeId);

    /// <summary>Converts from an <see cref="IPEndPoint"/> (set-up paths, tests; not per packet).</summary>
    public static UdpEndpoint FromIPEndPoint(IPEndPoint endPoint)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!endPoint.Address.TryWriteBytes(bytes, out var written))
            throw new ArgumentException("address does not fit 16 bytes", nameof(endPoint));
        return written == 4
            ? FromIPv4(bytes[..4], (ushort)endPoint.Port)
            : FromIPv6(bytes, (ushort)endPoint.Port, (uint)endPoint.Address.ScopeId);
    }

    /// <summary>An IPv4-mapped IPv6 endpoint as IPv4; any other endpoint unchanged.</summary>
    public UdpEndpoint Unmapped => IsIPv4MappedToIPv6
        ? new UdpEndpoint(AddressFamily.InterNetwork, 0, _low & 0xffff_ffff, Port, 0)
        : this;

    /// <summary>An IPv4 endpoint as IPv4-mapped IPv6 (for a dual-mode IPv6 socket); IPv6 unchanged.</summary>
    public UdpEndpoint MappedToIPv6 => Family == AddressFamily.InterNetwork
        ? new UdpEndpoint(AddressFamily.InterNetworkV6, 0, 0xffff_0000_0000UL | _low, Port, 0)
        : this;

    /// <summary>Writes the address in network order (4 or 16 bytes) and returns its length.</summary>
    public int WriteAddress(Span<byte> destination)
    {
        if (Family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        return 16;
    }

    /// <summary>Allocates an <see cref="IPEndPoint"/> (logs, tests, set-up; not per packet).</summary>
    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        var length = WriteAddress(bytes);
        var address = length == 4 ? new IPAddress(bytes[..4]) : new IPAddress(bytes, ScopeId);
        return new IPEndPoint(address, Port);
    }

    public bool Equals(UdpEndpoint other) => Family == other.Family && _high == other._high && _low == other._low &&
                                             Port == other.Port && ScopeId == other.ScopeId;
    public override bool Equals(object? obj) => obj is UdpEndpoint other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Family, _high, _low, Port, ScopeId);
    public static bool operator ==(UdpEndpoint left, UdpEndpoint right) => left.Equals(right);
    public static bool operator !=(UdpEndpoint left, UdpEndpoint right) => !left.Equals(right);
    public override string ToString() => Family == AddressFamily.Unspecified ? "(none)" : ToIPEndPoint().ToString();
}

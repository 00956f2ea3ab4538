using System.Buffers.Binary;
using System.Net;

namespace Nattt.Packets;

/// <summary>
/// An IPv4 or IPv6 address held by value (two ulongs and a family flag), so the packet path can read, compare, hash and
/// write addresses without allocating an <see cref="IPAddress"/>. The ulongs hold the address in network order read as
/// big-endian numbers: IPv4 in the low 32 bits of <see cref="Low"/>. The family is part of the value: 192.0.2.1 and
/// ::ffff:192.0.2.1 are different. <c>default</c> is IPv4 0.0.0.0. Immutable; thread-safe.
/// </summary>
public readonly struct IpAddressValue : IEquatable<IpAddressValue>
{
    private readonly ulong _high;
    private readonly ulong _low;
    private readonly bool _isIPv6;

    private IpAddressValue(ulong high, ulong low, bool isIPv6)
    {
        _high = high;
        _low = low;
        _isIPv6 = isIPv6;
    }

    public bool IsIPv4 => !_isIPv6;
    public bool IsIPv6 => _isIPv6;

    /// <summary>4 for IPv4, 16 for IPv6: the bytes <see cref="WriteTo"/> writes.</summary>
    public int Length => _isIPv6 ? 16 : 4;

    /// <summary>The first 8 bytes of an IPv6 address as a big-endian number; 0 for IPv4.</summary>
    public ulong High => _high;

    /// <summary>The last 8 bytes of an IPv6 address, or the IPv4 address in the low 32 bits, as big-endian numbers.</summary>
    public ulong Low => _low;

    public static IpAddressValue FromIPv4(uint address) => new(0, address, false);

    public static IpAddressValue FromIPv6(ulong high, ulong low) => new(high, low, true);

    /// <summary>Reads an address of 4 (IPv4) or 16 (IPv6) bytes in network order.</summary>
    /// <exception cref="ArgumentException">Any other length (a caller bug, not bad input).</exception>
    public static IpAddressValue ReadFrom(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 => new(0, BinaryPrimitives.ReadUInt32BigEndian(bytes), false),
        16 => new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), true),
        _ => throw new ArgumentException("an IP address is 4 or 16 bytes", nameof(bytes)),
    };

    /// <summary>Writes the <see cref="Length"/> bytes of the address in network order.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Length"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Length) throw new ArgumentException("destination too short", nameof(destination));
        if (_isIPv6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
        }
    }

    public static IpAddressValue FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
            throw new ArgumentException("not an IPv4 or IPv6 address", nameof(address));
        return ReadFrom(bytes[..written]);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteTo(bytes);
        return new IPAddress(bytes[..Length]);
    }

    /// <summary>Parses the textual form of an IPv4 or IPv6 address (convenience for configuration and tests).</summary>
    public static IpAddressValue Parse(string text) => FromIPAddress(IPAddress.Parse(text));

    public bool Equals(IpAddressValue other) =>
        _low == other._low && _high == other._high && _isIPv6 == other._isIPv6;

    public override bool Equals(object? obj) => obj is IpAddressValue other && Equals(other);

    public static bool operator ==(IpAddressValue left, IpAddressValue right) => left.Equals(right);
    public static bool operator !=(IpAddressValue left, IpAddressValue right) => !left.Equals(right);

    /// <summary>All 129 bits through <see cref="HashCode"/> (xxHash32, seeded per process), so flow tables keyed on
    /// addresses chosen by the network resist hash flooding. Allocation-free.</summary>
    public override int GetHashCode() => HashCode.Combine(_high, _low, _isIPv6);

    public override string ToString() => ToIPAddress().ToString();
}

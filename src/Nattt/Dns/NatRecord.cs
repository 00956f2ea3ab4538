using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Nattt.Tunnel;

namespace Nattt.Dns;

/// <summary>
/// The NAT resource record (docs/nat-rr.md): the tunnel path to a host behind (nested) NATs. Two RDATA forms:
/// <list type="bullet">
/// <item>the one-hop IPv4 form of the 2010 NAT3D prototype, exactly 10 octets: hop IPv4 (4), hop UDP port (2),
/// destination IPv4 (4);</item>
/// <item>the extended form: VERSION (1) = 1, HOP-COUNT (1), then per hop FAMILY (1) ADDRESS (4|16) PORT (2), then the
/// destination's FAMILY (1) ADDRESS (4|16). Its length is at least 14, so it is never taken for the 10-octet form.</item>
/// </list>
/// Writers use the 10-octet form whenever the path fits it (one IPv4 hop, IPv4 destination). Thread-safe (static, pure).
/// </summary>
public static class NatRecord
{
    /// <summary>The prototype's type code (private use range, RFC 6895 3.1). Configurable everywhere it is used.</summary>
    public const ushort DefaultType = 65324;
    /// <summary>The NATTT well-known tunnel port of the paper, used when a presentation hop omits its port.</summary>
    public const int DefaultPort = 100;
    public const int LegacyLength = 10;
    public const byte ExtendedVersion = 1;
    public const int MaxHops = 8;
    public const byte FamilyIPv4 = 1; // IANA address family numbers, as in APL (RFC 3123)
    public const byte FamilyIPv6 = 2;
    private const int MinExtendedLength = 2 + (1 + 4 + 2) + (1 + 4);

    /// <summary>Parses RDATA into a path. Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> rdata, out TunnelPath? path, out NatRecordError error)
    {
        path = null;
        if (rdata.Length == LegacyLength)
        {
            var hop = new IPAddress(rdata[..4]);
            var port = BinaryPrimitives.ReadUInt16BigEndian(rdata[4..]);
            var destination = new IPAddress(rdata[6..10]);
            if (port == 0) { error = NatRecordError.ZeroPort; return false; }
            if (!IsUsable(hop) || !IsUsable(destination)) { error = NatRecordError.UnusableAddress; return false; }
            path = new TunnelPath([new IPEndPoint(hop, port)], destination);
            error = NatRecordError.None;
            return true;
        }
        if (rdata.Length < MinExtendedLength) { error = NatRecordError.TooShort; return false; }
        if (rdata[0] != ExtendedVersion) { error = NatRecordError.UnsupportedVersion; return false; }
        int count = rdata[1];
        if (count == 0) { error = NatRecordError.NoHops; return false; }
        if (count > MaxHops) { error = NatRecordError.TooManyHops; return false; }
        var hops = new IPEndPoint[count];
        var position = 2;
        for (var i = 0; i < count; i++)
        {
            if (!TryReadAddress(rdata, ref position, out var address, out error)) return false;
            if (position + 2 > rdata.Length) { error = NatRecordError.Truncated; return false; }
            var port = BinaryPrimitives.ReadUInt16BigEndian(rdata[position..]);
            position += 2;
            if (port == 0) { error = NatRecordError.ZeroPort; return false; }
            hops[i] = new IPEndPoint(address, port);
        }
        if (!TryReadAddress(rdata, ref position, out var dest, out error)) return false;
        if (position != rdata.Length) { error = NatRecordError.TrailingOctets; return false; }
        path = new TunnelPath(hops, dest);
        error = NatRecordError.None;
        return true;
    }

    private static bool TryReadAddress(ReadOnlySpan<byte> rdata, ref int position, out IPAddress address, out NatRecordError error)
    {
        address = IPAddress.None;
        if (position >= rdata.Length) { error = NatRecordError.Truncated; return false; }
        var length = rdata[position] switch { FamilyIPv4 => 4, FamilyIPv6 => 16, _ => 0 };
        if (length == 0) { error = NatRecordError.UnknownFamily; return false; }
        if (position + 1 + length > rdata.Length) { error = NatRecordError.Truncated; return false; }
        address = new IPAddress(rdata.Slice(position + 1, length));
        position += 1 + length;
        if (!IsUsable(address)) { error = NatRecordError.UnusableAddress; return false; }
        error = NatRecordError.None;
        return true;
    }

    /// <summary>Addresses a record may name: not unspecified, not multicast, not the limited broadcast.</summary>
    public static bool IsUsable(IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast)) return false;
        if (address.AddressFamily == AddressFamily.InterNetworkV6) return !address.IsIPv6Multicast;
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return b[0] is < 224 or > 239;
    }

    /// <summary>Whether <paramref name="path"/> is written in the prototype's 10-octet form.</summary>
    public static bool FitsLegacyForm(TunnelPath path) =>
        path.Hops.Count == 1 && path.Hops[0].AddressFamily == AddressFamily.InterNetwork
        && path.Destination.AddressFamily == AddressFamily.InterNetwork;

    /// <summary>The RDATA length of <paramref name="path"/>.</summary>
    public static int GetLength(TunnelPath path) =>
        FitsLegacyForm(path) ? LegacyLength : 2 + path.Hops.Sum(h => 1 + AddressLength(h.Address) + 2) + 1 + AddressLength(path.Destination);

    private static int AddressLength(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;

    /// <summary>Writes the RDATA of <paramref name="path"/>; throws <see cref="ArgumentException"/> for a path that no
    /// record can carry (more than 8 hops, port 0, unusable addresses): that is misuse, not network input.</summary>
    public static int Write(TunnelPath path, Span<byte> destination)
    {
        Validate(path);
        var length = GetLength(path);
        if (destination.Length < length) throw new ArgumentException("destination too small", nameof(destination));
        if (FitsLegacyForm(path))
        {
            path.Hops[0].Address.TryWriteBytes(destination, out _);
            BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)path.Hops[0].Port);
            path.Destination.TryWriteBytes(destination[6..], out _);
            return LegacyLength;
        }
        destination[0] = ExtendedVersion;
        destination[1] = (byte)path.Hops.Count;
        var position = 2;
        foreach (var hop in path.Hops)
        {
            position += WriteAddress(hop.Address, destination[position..]);
            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)hop.Port);
            position += 2;
        }
        position += WriteAddress(path.Destination, destination[position..]);
        return position;
    }

    public static byte[] ToRdata(TunnelPath path)
    {
        var bytes = new byte[GetLength(path)];
        Write(path, bytes);
        return bytes;
    }

    private static int WriteAddress(IPAddress address, Span<byte> destination)
    {
        destination[0] = address.AddressFamily == AddressFamily.InterNetwork ? FamilyIPv4 : FamilyIPv6;
        address.TryWriteBytes(destination[1..], out var n);
        return 1 + n;
    }

    public static void Validate(TunnelPath path)
    {
        if (path.Hops.Count > MaxHops) throw new ArgumentException($"a NAT RR holds at most {MaxHops} hops");
        foreach (var hop in path.Hops)
        {
            if (hop.Port is <= 0 or > 65535) throw new ArgumentException($"hop {hop}: the port must be 1-65535");
            if (!IsUsable(hop.Address)) throw new ArgumentException($"hop {hop}: unusable address");
        }
        if (!IsUsable(path.Destination)) throw new ArgumentException($"destination {path.Destination}: unusable address");
    }
}

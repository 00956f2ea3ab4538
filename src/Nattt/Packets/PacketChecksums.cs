using System.Buffers.Binary;

namespace Nattt.Packets;

/// <summary>
/// The reference the incremental updates are checked against: full recomputation and verification of the IPv4 header
/// checksum and the TCP/UDP/ICMP/ICMPv6 checksum, deliberately written apart from <see cref="IpPacket"/> and
/// <see cref="InternetChecksum"/> (its own header walk and a plain word-by-word sum), so a bug in the fast path does
/// not hide itself. For an ICMP error it also covers the quoted packet: the quoted IPv4 header checksum, and the quoted
/// transport checksum when the quote is complete. Fragments: only the IPv4 header (the transport checksum covers bytes
/// that are not there). Meant for tests and diagnostics, not the packet path. Thread-safe (pure).
/// </summary>
public static class PacketChecksums
{
    /// <summary>Recomputes every checksum of a well-formed packet in place. UDP checksum 0 ("not computed") stays 0,
    /// a computed 0 is written as 0xFFFF.</summary>
    /// <exception cref="ArgumentException">The packet cannot be walked (the reference is for well-formed packets).</exception>
    public static void RecomputeAll(Span<byte> packet)
    {
        if (!Layout.TryRead(packet, out var layout)) throw new ArgumentException("not a well-formed packet", nameof(packet));
        var bytes = packet[..Math.Min(layout.TotalLength, packet.Length)];
        if (layout.Version == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(bytes[10..], (ushort)~PlainSum(bytes[..layout.HeaderLength], 0));
        }
        if (layout.IsFragment || layout.TotalLength > packet.Length) return;
        var transport = bytes[layout.TransportOffset..];
        if (layout.QuotedOffset > 0) RecomputeQuoted(transport[layout.QuotedOffset..]);
        var checksumOffset = layout.ChecksumOffset;
        if (checksumOffset + 2 > transport.Length) return;
        var isUdp = layout.Protocol == (byte)IpProtocol.Udp;
        if (isUdp && BinaryPrimitives.ReadUInt16BigEndian(transport[checksumOffset..]) == 0) return;
        BinaryPrimitives.WriteUInt16BigEndian(transport[checksumOffset..], 0);
        var checksum = (ushort)~PlainSum(transport, PseudoHeader(bytes, layout, transport.Length));
        if (isUdp && checksum == 0) checksum = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(transport[checksumOffset..], checksum);
    }

    /// <summary>True when every checksum that can be checked verifies (see the class summary). UDP over IPv4 with
    /// checksum 0 is valid; over IPv6 it is not (RFC 8200 8.1). False for anything that cannot be walked.</summary>
    public static bool AreValid(ReadOnlySpan<byte> packet)
    {
        if (!Layout.TryRead(packet, out var layout) || layout.TotalLength > packet.Length) return false;
        var bytes = packet[..layout.TotalLength];
        if (layout.Version == 4 && PlainSum(bytes[..layout.HeaderLength], 0) != 0xFFFF) return false;
        if (layout.IsFragment) return true;
        var transport = bytes[layout.TransportOffset..];
        if (layout.ChecksumOffset + 2 > transport.Length) return false;
        if (layout.Protocol == (byte)IpProtocol.Udp && layout.Version == 4
            && BinaryPrimitives.ReadUInt16BigEndian(transport[layout.ChecksumOffset..]) == 0)
            return true;
        if (PlainSum(transport, PseudoHeader(bytes, layout, transport.Length)) != 0xFFFF) return false;
        return layout.QuotedOffset == 0 || QuotedIsValid(transport[layout.QuotedOffset..]);
    }

    private static void RecomputeQuoted(Span<byte> quoted)
    {
        if (!Layout.TryRead(quoted, out var inner)) return;
        if (inner.TotalLength <= quoted.Length)
        {
            RecomputeAll(quoted[..inner.TotalLength]);
        }
        else if (inner.Version == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(quoted[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(quoted[10..], (ushort)~PlainSum(quoted[..inner.HeaderLength], 0));
        }
    }

    private static bool QuotedIsValid(ReadOnlySpan<byte> quoted)
    {
        if (!Layout.TryRead(quoted, out var inner)) return true; // nothing checkable
        if (inner.TotalLength <= quoted.Length) return AreValid(quoted[..inner.TotalLength]);
        return inner.Version != 4 || PlainSum(quoted[..inner.HeaderLength], 0) == 0xFFFF;
    }

    private static uint PseudoHeader(ReadOnlySpan<byte> ip, Layout layout, int transportLength)
    {
        if (layout.Protocol == (byte)IpProtocol.Icmp) return 0;
        var addresses = layout.Version == 4 ? ip.Slice(12, 8) : ip.Slice(8, 32);
        return PlainSum(addresses, (uint)(layout.Protocol + (transportLength >> 16) + (transportLength & 0xFFFF)));
    }

    /// <summary>The plainest one's-complement sum: big-endian words one at a time, folded at the end.</summary>
    private static uint PlainSum(ReadOnlySpan<byte> data, uint initial)
    {
        ulong sum = initial;
        for (var i = 0; i < data.Length; i += 2)
            sum += (uint)(data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0));
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (uint)sum;
    }

    private readonly record struct Layout(int Version, int HeaderLength, int TotalLength, int TransportOffset,
        byte Protocol, bool IsFragment, int ChecksumOffset, int QuotedOffset)
    {
        // Tolerates a buffer shorter than TotalLength (a quoted packet); callers check.
        public static bool TryRead(ReadOnlySpan<byte> p, out Layout layout)
        {
            layout = default;
            if (p.Length < 20) return false;
            int version = p[0] >> 4, headerLength, totalLength, offset;
            byte protocol;
            var fragment = false;
            if (version == 4)
            {
                headerLength = (p[0] & 15) * 4;
                totalLength = p[2] << 8 | p[3];
                protocol = p[9];
                fragment = (p[6] & 0x3F) != 0 || p[7] != 0;
                offset = headerLength;
                if (headerLength < 20 || headerLength > p.Length) return false;
            }
            else if (version == 6)
            {
                if (p.Length < 40) return false;
                headerLength = 40;
                totalLength = 40 + (p[4] << 8 | p[5]);
                protocol = p[6];
                offset = 40;
                while (protocol is 0 or 43 or 44 or 60)
                {
                    if (offset + 8 > p.Length) return false;
                    // An atomic fragment (offset 0, M clear, RFC 6946) is a whole datagram.
                    if (protocol == 44) fragment |= ((p[offset + 2] << 8 | p[offset + 3]) & 0xFFF9) != 0; // offset or M
                    var length = protocol == 44 ? 8 : (p[offset + 1] + 1) * 8;
                    protocol = p[offset];
                    offset += length;
                }
            }
            else
            {
                return false;
            }
            if (offset + 8 > p.Length) return false;
            var checksumOffset = protocol switch { 6 => 16, 17 => 6, 1 or 58 => 2, _ => -1 };
            if (checksumOffset < 0) return false;
            var type = p[offset];
            var isError = protocol == 1 ? type is 3 or 11 or 12 : protocol == 58 && type is >= 1 and <= 4;
            layout = new Layout(version, headerLength, totalLength, offset, protocol, fragment, checksumOffset,
                isError ? 8 : 0);
            return true;
        }
    }
}

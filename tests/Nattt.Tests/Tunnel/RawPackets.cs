using System.Buffers.Binary;
using System.Net;

namespace Nattt.Tests.Tunnel;

/// <summary>
/// IPv4 packets built by hand with full checksums, independent of the library's packet layer, so that the tunnel
/// engines' tests check the rewritten bytes against an implementation that shares no code with them.
/// </summary>
internal static class RawPackets
{
    public static byte[] Tcp(string src, ushort sport, string dst, ushort dport, byte flags = 0x18, int payload = 16, ushort? mss = null)
    {
        var options = mss is null ? 0 : 4;
        var l4 = new byte[20 + options + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), 1000);
        l4[12] = (byte)((5 + options / 4) << 4);
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 65535);
        if (mss is not null) { l4[20] = 2; l4[21] = 4; BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(22), mss.Value); }
        for (var i = 20 + options; i < l4.Length; i++) l4[i] = (byte)i;
        return Ip(src, dst, 6, l4, checksumAt: 16);
    }

    public static byte[] Udp(string src, ushort sport, string dst, ushort dport, byte[] payload)
    {
        var l4 = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        payload.CopyTo(l4, 8);
        return Ip(src, dst, 17, l4, checksumAt: 6);
    }

    public static byte[] Echo(string src, string dst, ushort id, bool reply = false)
    {
        var l4 = new byte[8 + 32];
        l4[0] = reply ? (byte)0 : (byte)8;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(6), 1);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), Fold(Sum(l4)));
        return Ip(src, dst, 1, l4, checksumAt: null);
    }

    private static byte[] Ip(string src, string dst, byte proto, byte[] l4, int? checksumAt)
    {
        var p = new byte[20 + l4.Length];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        p[6] = 0x40; // DF
        p[8] = 64;
        p[9] = proto;
        IPAddress.Parse(src).TryWriteBytes(p.AsSpan(12), out _);
        IPAddress.Parse(dst).TryWriteBytes(p.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), Fold(Sum(p.AsSpan(0, 20))));
        l4.CopyTo(p, 20);
        if (checksumAt is int at) BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(20 + at), TransportChecksum(p));
        return p;
    }

    /// <summary>True when the IPv4 header checksum and the transport checksum (TCP, UDP unless 0, ICMP) verify.</summary>
    public static bool ChecksumsValid(ReadOnlySpan<byte> p)
    {
        var ihl = (p[0] & 0xF) * 4;
        if (Fold(Sum(p[..ihl])) != 0) return false;
        var l4 = p[ihl..BinaryPrimitives.ReadUInt16BigEndian(p[2..])];
        return p[9] switch
        {
            1 => Fold(Sum(l4)) == 0,
            6 => Fold(Sum(l4, PseudoSum(p, l4.Length))) == 0,
            17 => BinaryPrimitives.ReadUInt16BigEndian(l4[6..]) == 0 || Fold(Sum(l4, PseudoSum(p, l4.Length))) == 0,
            _ => true,
        };
    }

    private static ushort TransportChecksum(byte[] p)
    {
        var l4 = p.AsSpan(20);
        var c = Fold(Sum(l4, PseudoSum(p, l4.Length)));
        return p[9] == 17 && c == 0 ? (ushort)0xFFFF : c;
    }

    private static uint PseudoSum(ReadOnlySpan<byte> p, int l4Length) =>
        Sum(p.Slice(12, 8)) + p[9] + (uint)l4Length;

    private static uint Sum(ReadOnlySpan<byte> b, uint sum = 0)
    {
        for (var i = 0; i + 1 < b.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(b[i..]);
        if ((b.Length & 1) == 1) sum += (uint)b[^1] << 8;
        return sum;
    }

    private static ushort Fold(uint sum)
    {
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static string Source(ReadOnlySpan<byte> p) => new IPAddress(p.Slice(12, 4)).ToString();
    public static string Destination(ReadOnlySpan<byte> p) => new IPAddress(p.Slice(16, 4)).ToString();
    public static ushort SourcePort(ReadOnlySpan<byte> p) => BinaryPrimitives.ReadUInt16BigEndian(p[((p[0] & 0xF) * 4)..]);
    public static ushort DestinationPort(ReadOnlySpan<byte> p) => BinaryPrimitives.ReadUInt16BigEndian(p[((p[0] & 0xF) * 4 + 2)..]);
    public static ushort EchoId(ReadOnlySpan<byte> p) => BinaryPrimitives.ReadUInt16BigEndian(p[((p[0] & 0xF) * 4 + 4)..]);
}

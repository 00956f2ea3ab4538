using System.Buffers.Binary;
using Nattt.Packets;

namespace Nattt.Tests.Packets;

/// <summary>Valid packets of every supported shape, built by <see cref="PacketBuilder"/> or by hand, for sweeps.</summary>
internal static class SamplePackets
{
    public static readonly IpAddressValue ClientV4 = IpAddressValue.Parse("192.0.2.10");
    public static readonly IpAddressValue ServerV4 = IpAddressValue.Parse("198.51.100.20");
    public static readonly IpAddressValue RouterV4 = IpAddressValue.Parse("203.0.113.1");
    public static readonly IpAddressValue ClientV6 = IpAddressValue.Parse("2001:db8::10");
    public static readonly IpAddressValue ServerV6 = IpAddressValue.Parse("2001:db8:1::20");
    public static readonly IpAddressValue RouterV6 = IpAddressValue.Parse("2001:db8:ff::1");

    public static byte[] Payload(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Udp(bool v6, int payloadLength = 33) => Build(buffer => PacketBuilder.BuildUdp(buffer,
        v6 ? ClientV6 : ClientV4, 40000, v6 ? ServerV6 : ServerV4, 53, Payload(payloadLength)));

    public static byte[] Tcp(bool v6, TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh, int payloadLength = 41,
        byte[]? options = null) => Build(buffer => PacketBuilder.BuildTcp(buffer, v6 ? ClientV6 : ClientV4, 40001,
        v6 ? ServerV6 : ServerV4, 443, flags, 0x01020304, 0x0A0B0C0D, Payload(payloadLength), options));

    /// <summary>A SYN with the options a Linux client sends: MSS, SACK permitted, timestamps, NOP, window scale.</summary>
    public static byte[] Syn(bool v6, ushort mss = 1460) => Tcp(v6, TcpFlags.Syn, 0, SynOptions(mss));

    public static byte[] SynOptions(ushort mss)
    {
        var options = new byte[20];
        PacketBuilder.WriteMssOption(options, mss);
        options[4] = 4; options[5] = 2; // SACK permitted
        options[6] = 8; options[7] = 10; // timestamps, 8 bytes of values
        options[16] = 1; // NOP
        options[17] = 3; options[18] = 3; options[19] = 7; // window scale 7
        return options;
    }

    public static byte[] Echo(bool v6, bool reply = false, int payloadLength = 56) => Build(buffer =>
        PacketBuilder.BuildIcmpEcho(buffer, v6 ? ClientV6 : ClientV4, v6 ? ServerV6 : ServerV4, 0x1234, 7, reply,
            Payload(payloadLength)));

    /// <summary>An ICMP error from a router back to the sender of <paramref name="original"/>, quoting its first
    /// <paramref name="quoteLength"/> bytes (all of it when null). IPv4: destination unreachable / fragmentation
    /// needed, MTU 1400; IPv6: packet too big, MTU 1380.</summary>
    public static byte[] IcmpError(byte[] original, int? quoteLength = null)
    {
        var v6 = original[0] >> 4 == 6;
        var quote = original.AsSpan(0, quoteLength ?? original.Length).ToArray();
        var sender = IpAddressValue.ReadFrom(v6 ? original.AsSpan(8, 16) : original.AsSpan(12, 4));
        return Build(buffer => v6
            ? PacketBuilder.BuildIcmp(buffer, RouterV6, sender, IcmpTypes.V6PacketTooBig, 0, 1380, quote)
            : PacketBuilder.BuildIcmp(buffer, RouterV4, sender, IcmpTypes.DestinationUnreachable,
                IcmpTypes.FragmentationNeededCode, 1400, quote));
    }

    /// <summary>IPv6 UDP behind hop-by-hop (PadN), destination options (PadN) and a fragment header (first
    /// fragment, More Fragments clear: an atomic fragment).</summary>
    public static byte[] UdpV6WithExtensionHeaders()
    {
        var plain = Udp(v6: true);
        var udp = plain.AsSpan(40);
        var packet = new byte[40 + 8 + 8 + 8 + udp.Length];
        plain.AsSpan(0, 40).CopyTo(packet);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        packet[6] = 0; // hop-by-hop
        packet[40] = 60; packet[41] = 0; packet[42] = 1; packet[43] = 4; // next: dest opts; PadN of 4
        packet[48] = 44; packet[49] = 0; packet[50] = 1; packet[51] = 4; // next: fragment; PadN of 4
        packet[56] = 17; // fragment header: next UDP, offset 0, M clear, identification 0x11223344
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(60), 0x11223344);
        udp.CopyTo(packet.AsSpan(64));
        return packet;
    }

    /// <summary>IPv4 UDP with a 4-byte option (IHL 6: NOP NOP NOP EOL).</summary>
    public static byte[] UdpV4WithOptions()
    {
        var plain = Udp(v6: false);
        var packet = new byte[plain.Length + 4];
        plain.AsSpan(0, 20).CopyTo(packet);
        packet[0] = 0x46;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[20] = 1; packet[21] = 1; packet[22] = 1; packet[23] = 0;
        plain.AsSpan(20).CopyTo(packet.AsSpan(24));
        PacketChecksums.RecomputeAll(packet);
        return packet;
    }

    /// <summary>Recomputes only the IPv4 header checksum (for packets the reference cannot walk).</summary>
    public static void FixIPv4HeaderChecksum(byte[] packet)
    {
        var headerLength = (packet[0] & 15) * 4;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), InternetChecksum.Compute(packet.AsSpan(0, headerLength)));
    }

    /// <summary>Every shape, named for test output.</summary>
    public static IEnumerable<(string Name, byte[] Packet)> All()
    {
        foreach (var v6 in new[] { false, true })
        {
            var family = v6 ? "IPv6" : "IPv4";
            yield return ($"{family} UDP", Udp(v6));
            yield return ($"{family} UDP empty", Udp(v6, 0));
            yield return ($"{family} TCP", Tcp(v6));
            yield return ($"{family} TCP SYN", Syn(v6));
            yield return ($"{family} echo request", Echo(v6));
            yield return ($"{family} echo reply", Echo(v6, reply: true, payloadLength: 0));
            yield return ($"{family} ICMP error quoting UDP", IcmpError(Udp(v6)));
            yield return ($"{family} ICMP error quoting TCP, 8 bytes", IcmpError(Tcp(v6), (v6 ? 40 : 20) + 8));
        }
        yield return ("IPv6 UDP with extension headers", UdpV6WithExtensionHeaders());
        yield return ("IPv4 UDP with options", UdpV4WithOptions());
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in All()) data.Add(name);
        return data;
    }

    public static byte[] ByName(string name) => All().First(p => p.Name == name).Packet;

    private static byte[] Build(Func<byte[], int> build)
    {
        var buffer = new byte[2048];
        return buffer.AsSpan(0, build(buffer)).ToArray();
    }
}

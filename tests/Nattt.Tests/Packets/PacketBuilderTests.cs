using System.Buffers.Binary;
using Nattt.Packets;
using static Nattt.Tests.Packets.SamplePackets;

namespace Nattt.Tests.Packets;

public class PacketBuilderTests
{
    private static readonly IpAddressValue BoxV4 = IpAddressValue.Parse("203.0.113.7");
    private static readonly IpAddressValue InnerBoxV4 = IpAddressValue.Parse("10.1.0.1");
    private static readonly IpAddressValue BoxV6 = IpAddressValue.Parse("2001:db8:7::1");

    // Wraps the packet at buffer[start..start+length] in UDP (port 100) and IP, written in front of it, as the tunnel
    // does with headroom. Returns the new start.
    private static int Encapsulate(byte[] buffer, int start, int length, IpAddressValue source, IpAddressValue destination,
        bool checksum = true)
    {
        var ipLength = PacketBuilder.IpHeaderLength(source);
        var udpStart = start - PacketBuilder.UdpHeaderLength;
        PacketBuilder.WriteUdpHeader(buffer.AsSpan(udpStart), source, 40100, destination, 100, length, checksum);
        var ipStart = udpStart - ipLength;
        PacketBuilder.WriteIpHeader(buffer.AsSpan(ipStart), source, destination, IpProtocol.Udp,
            PacketBuilder.UdpHeaderLength + length);
        return ipStart;
    }

    [Fact]
    public void WriteHeaders_NestedEncapsulation_EachLayerParsesToTheNextAndVerifies()
    {
        var inner = Tcp(v6: false);
        var buffer = new byte[4096];
        const int headroom = 200;
        inner.CopyTo(buffer, headroom);
        var start = Encapsulate(buffer, headroom, inner.Length, ClientV4, InnerBoxV4);
        start = Encapsulate(buffer, start, headroom + inner.Length - start, ClientV6, BoxV6);
        var outer = buffer.AsSpan(start, headroom + inner.Length - start);

        Assert.True(PacketChecksums.AreValid(outer));
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(outer, out var layer1));
        Assert.Equal(new FlowTuple(IpProtocol.Udp, ClientV6, 40100, BoxV6, 100), layer1.Tuple);
        Assert.True(PacketChecksums.AreValid(layer1.Payload));
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(layer1.Payload, out var layer2));
        Assert.Equal(new FlowTuple(IpProtocol.Udp, ClientV4, 40100, InnerBoxV4, 100), layer2.Tuple);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(layer2.Payload, out var original));
        Assert.True(original.Bytes.SequenceEqual(inner));
        Assert.True(original.Payload.SequenceEqual(Payload(41)));
    }

    [Fact]
    public void WriteUdpHeader_NoChecksumOverIPv4_ZeroAndValid()
    {
        var inner = Udp(v6: false);
        var buffer = new byte[1024];
        inner.CopyTo(buffer, 100);
        var start = Encapsulate(buffer, 100, inner.Length, ClientV4, BoxV4, checksum: false);
        var outer = buffer.AsSpan(start, 100 + inner.Length - start).ToArray();
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(outer.AsSpan(26)));
        Assert.True(PacketChecksums.AreValid(outer));
    }

    [Fact]
    public void Payload_UdpLengthShorterThanIpPayload_ExcludesPadding()
    {
        var bytes = Udp(v6: false, payloadLength: 10);
        var padded = new byte[bytes.Length + 6];
        bytes.CopyTo(padded, 0);
        BinaryPrimitives.WriteUInt16BigEndian(padded.AsSpan(2), (ushort)padded.Length);
        FixIPv4HeaderChecksum(padded);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(padded, out var packet));
        Assert.True(packet.Payload.SequenceEqual(Payload(10)));
    }

    [Fact]
    public void Payload_IcmpError_IsTheQuote()
    {
        var original = Udp(v6: true);
        IpPacket.TryParse(IcmpError(original), out var packet);
        Assert.True(packet.Payload.SequenceEqual(original));
    }

    [Fact]
    public void BuildIPv4_Fields_AsAsked()
    {
        var buffer = new byte[64];
        PacketBuilder.WriteIPv4Header(buffer, ClientV4, ServerV4, IpProtocol.Udp, 8, ttl: 9, id: 0xABCD, dontFragment: false);
        Assert.Equal(0xABCD, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(4)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(6)));
        Assert.Equal(9, buffer[8]);
        Assert.Equal(28, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)));
        Assert.Equal(0u, InternetChecksum.Compute(buffer.AsSpan(0, 20)));
    }

    [Fact]
    public void Build_BufferTooSmallOrMixedFamilies_Throws()
    {
        Assert.Throws<ArgumentException>(() => PacketBuilder.BuildUdp(new byte[27], ClientV4, 1, ServerV4, 2, []));
        Assert.Throws<ArgumentException>(() => PacketBuilder.BuildUdp(new byte[100], ClientV4, 1, ServerV6, 2, []));
        Assert.Throws<ArgumentException>(() =>
            PacketBuilder.BuildTcp(new byte[100], ClientV4, 1, ServerV4, 2, TcpFlags.Syn, 0, 0, options: new byte[3]));
    }

    [Fact]
    public void AreValid_CorruptedPayloadByte_FalseUntilRecomputed()
    {
        foreach (var (name, packet) in All())
        {
            var bytes = packet.ToArray();
            bytes[^1] ^= 0x20;
            Assert.False(PacketChecksums.AreValid(bytes), name);
            PacketChecksums.RecomputeAll(bytes);
            Assert.True(PacketChecksums.AreValid(bytes), name);
        }
    }
}

public class IcmpErrorBuilderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BuildPacketTooBig_LargePacket_QuoteCappedAndValid(bool v6)
    {
        var offending = SamplePackets.Udp(v6, payloadLength: 1400);
        var router = v6 ? SamplePackets.RouterV6 : SamplePackets.RouterV4;
        var buffer = new byte[2048];
        var length = PacketBuilder.BuildPacketTooBig(buffer, router, offending, 1300);
        var error = buffer.AsSpan(0, length).ToArray();

        Assert.Equal(v6 ? PacketBuilder.MaxIcmpV6ErrorLength : PacketBuilder.MaxIcmpV4ErrorLength, length);
        Assert.True(PacketChecksums.AreValid(error));
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(error, out var packet));
        Assert.Equal(router, packet.Source);
        Assert.Equal(v6 ? SamplePackets.ClientV6 : SamplePackets.ClientV4, packet.Destination);
        Assert.True(packet.TryGetIcmpMtu(out var mtu));
        Assert.Equal(1300u, mtu);
        Assert.Equal(PacketDropReason.None, packet.TryGetEmbedded(out var quoted));
        Assert.True(quoted.IsTruncated);
        Assert.True(quoted.Bytes.SequenceEqual(offending.AsSpan(0, quoted.Bytes.Length)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BuildTimeExceeded_SmallPacket_QuotesAll(bool v6)
    {
        var offending = SamplePackets.Tcp(v6);
        var buffer = new byte[2048];
        var length = PacketBuilder.BuildTimeExceeded(buffer, v6 ? SamplePackets.RouterV6 : SamplePackets.RouterV4, offending);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(buffer.AsSpan(0, length), out var packet));
        Assert.True(packet.IsIcmpError);
        Assert.Equal(v6 ? IcmpTypes.V6TimeExceeded : IcmpTypes.TimeExceeded, packet.IcmpType);
        Assert.Equal(PacketDropReason.None, packet.TryGetEmbedded(out var quoted));
        Assert.False(quoted.IsTruncated);
        Assert.True(PacketChecksums.AreValid(buffer.AsSpan(0, length)));
    }

    [Theory]
    [InlineData("192.0.2.1", "198.51.100.1", true)]
    [InlineData("0.0.0.0", "198.51.100.1", false)]
    [InlineData("127.0.0.1", "198.51.100.1", false)]
    [InlineData("192.0.2.1", "224.0.0.251", false)]
    [InlineData("192.0.2.1", "255.255.255.255", false)]
    [InlineData("2001:db8::1", "2001:db8::2", true)]
    [InlineData("::", "2001:db8::2", false)]
    [InlineData("::1", "2001:db8::2", false)]
    [InlineData("2001:db8::1", "ff02::fb", false)]
    public void MayAnswerWithIcmpError_ByAddresses(string source, string destination, bool expected)
    {
        var buffer = new byte[128];
        var length = PacketBuilder.BuildUdp(buffer, IpAddressValue.Parse(source), 1, IpAddressValue.Parse(destination), 2, []);
        IpPacket.TryParse(buffer.AsSpan(0, length), out var packet);
        Assert.Equal(expected, packet.MayAnswerWithIcmpError);
    }

    [Fact]
    public void MayAnswerWithIcmpError_IcmpError_False()
    {
        IpPacket.TryParse(SamplePackets.IcmpError(SamplePackets.Udp(false)), out var packet);
        Assert.False(packet.MayAnswerWithIcmpError);
    }
}

using System.Buffers.Binary;
using Nattt.Packets;
using static Nattt.Tests.Packets.SamplePackets;

namespace Nattt.Tests.Packets;

public class IpPacketParseTests
{
    [Fact]
    public void TryParse_IPv4Udp_ReadsEveryField()
    {
        var bytes = Udp(v6: false);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(bytes, out var packet));
        Assert.Equal(4, packet.Version);
        Assert.Equal(IpProtocol.Udp, packet.Protocol);
        Assert.Equal(20, packet.TransportOffset);
        Assert.Equal(ClientV4, packet.Source);
        Assert.Equal(ServerV4, packet.Destination);
        Assert.Equal(40000, packet.SourcePort);
        Assert.Equal(53, packet.DestinationPort);
        Assert.Equal(64, packet.HopLimit);
        Assert.False(packet.IsIcmpError);
        Assert.Equal(new FlowTuple(IpProtocol.Udp, ClientV4, 40000, ServerV4, 53), packet.Tuple);
        Assert.Equal(bytes.Length, packet.Bytes.Length);
    }

    [Fact]
    public void TryParse_IPv6Tcp_ReadsEveryField()
    {
        var bytes = Tcp(v6: true);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(bytes, out var packet));
        Assert.Equal(6, packet.Version);
        Assert.Equal(IpProtocol.Tcp, packet.Protocol);
        Assert.Equal(40, packet.TransportOffset);
        Assert.Equal(new FlowTuple(IpProtocol.Tcp, ClientV6, 40001, ServerV6, 443), packet.Tuple);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh, packet.TcpFlags);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void TryParse_IcmpEcho_BothPortsAreTheIdentifier(bool v6, bool reply)
    {
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(Echo(v6, reply), out var packet));
        Assert.Equal(v6 ? IpProtocol.IcmpV6 : IpProtocol.Icmp, packet.Protocol);
        Assert.True(packet.IsIcmpEcho);
        Assert.Equal(0x1234, packet.SourcePort);
        Assert.Equal(0x1234, packet.DestinationPort);
        Assert.False(packet.IsIcmpError);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryParse_IcmpError_PortsZeroAndEmbeddedReadable(bool v6)
    {
        var original = Udp(v6);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(IcmpError(original), out var packet));
        Assert.True(packet.IsIcmpError);
        Assert.Equal(0, packet.SourcePort);
        Assert.Equal(0, packet.DestinationPort);
        Assert.Equal(PacketDropReason.None, packet.TryGetEmbedded(out var embedded));
        Assert.True(embedded.IsEmbedded);
        Assert.False(embedded.IsTruncated);
        Assert.Equal(new FlowTuple(IpProtocol.Udp, v6 ? ClientV6 : ClientV4, 40000, v6 ? ServerV6 : ServerV4, 53),
            embedded.Tuple);
        Assert.True(packet.TryGetIcmpMtu(out var mtu));
        Assert.Equal(v6 ? 1380u : 1400u, mtu);
        Assert.Equal(PacketDropReason.NestedIcmpError, embedded.TryGetEmbedded(out _));
    }

    [Fact]
    public void TryGetEmbedded_NotAnError_NotIcmpError()
    {
        IpPacket.TryParse(Echo(v6: false), out var packet);
        Assert.Equal(PacketDropReason.NotIcmpError, packet.TryGetEmbedded(out _));
        Assert.False(packet.TryGetIcmpMtu(out _));
    }

    [Fact]
    public void TryParse_IPv6ExtensionHeaders_SkippedToUdp()
    {
        var bytes = UdpV6WithExtensionHeaders();
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(bytes, out var packet));
        Assert.Equal(IpProtocol.Udp, packet.Protocol);
        Assert.Equal(64, packet.TransportOffset);
        Assert.Equal(40000, packet.SourcePort);
        Assert.False(packet.IsFirstFragment);
        Assert.True(PacketChecksums.AreValid(bytes));
    }

    [Fact]
    public void TryParse_IPv4Options_TransportAfterOptions()
    {
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(UdpV4WithOptions(), out var packet));
        Assert.Equal(24, packet.TransportOffset);
        Assert.Equal(53, packet.DestinationPort);
    }

    [Theory]
    [MemberData(nameof(SamplePackets.Names), MemberType = typeof(SamplePackets))]
    public void TryParse_EveryTruncatedPrefix_Truncated(string name)
    {
        var bytes = ByName(name);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(bytes, out _));
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsSpan(0, length).ToArray();
            Assert.Equal(PacketDropReason.Truncated, IpPacket.TryParse(prefix, out _));
        }
    }

    [Theory]
    [MemberData(nameof(SamplePackets.Names), MemberType = typeof(SamplePackets))]
    public void TryParse_TrailingBytes_PacketCutToIpLength(string name)
    {
        var bytes = ByName(name);
        var longer = new byte[bytes.Length + 17];
        bytes.CopyTo(longer, 0);
        longer.AsSpan(bytes.Length).Fill(0xEE);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(longer, out var packet));
        Assert.True(packet.Bytes.SequenceEqual(bytes));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryGetEmbedded_EveryQuoteLength_RejectedBelowHeaderPlus8(bool v6)
    {
        var original = Tcp(v6, payloadLength: 30);
        var minimum = (v6 ? 40 : 20) + 8;
        for (var quote = 0; quote <= original.Length; quote++)
        {
            var error = IcmpError(original, quote);
            Assert.Equal(PacketDropReason.None, IpPacket.TryParse(error, out var packet));
            var reason = packet.TryGetEmbedded(out var embedded);
            if (quote < minimum)
            {
                Assert.Equal(PacketDropReason.BadEmbeddedPacket, reason);
                continue;
            }
            Assert.Equal(PacketDropReason.None, reason);
            Assert.Equal(quote, embedded.Bytes.Length);
            Assert.Equal(quote < original.Length, embedded.IsTruncated);
            Assert.Equal(40001, embedded.SourcePort);
            Assert.Equal(443, embedded.DestinationPort);
        }
    }

    [Fact]
    public void TryGetEmbedded_OtherFamilyQuoted_BadEmbeddedPacket()
    {
        var quote = Udp(v6: true);
        var buffer = new byte[2048];
        var length = PacketBuilder.BuildIcmp(buffer, RouterV4, ClientV4, IcmpTypes.TimeExceeded, 0, 0, quote);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(buffer.AsSpan(0, length), out var packet));
        Assert.Equal(PacketDropReason.BadEmbeddedPacket, packet.TryGetEmbedded(out _));
    }

    [Fact]
    public void TryParse_UnsupportedVersion_Rejected()
    {
        var bytes = Udp(v6: false);
        bytes[0] = 0x55;
        Assert.Equal(PacketDropReason.UnsupportedVersion, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_IhlBelowFive_BadHeaderLength()
    {
        var bytes = Udp(v6: false);
        bytes[0] = 0x44;
        Assert.Equal(PacketDropReason.BadHeaderLength, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_TotalLengthBelowHeader_LengthMismatch()
    {
        var bytes = Udp(v6: false);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), 19);
        Assert.Equal(PacketDropReason.LengthMismatch, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_BadIPv4HeaderChecksum_Rejected()
    {
        var bytes = Udp(v6: false);
        bytes[10] ^= 0x01;
        Assert.Equal(PacketDropReason.BadHeaderChecksum, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_IPv4NonFirstFragment_Rejected()
    {
        var bytes = Udp(v6: false);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), 0x0010); // offset 16 * 8 bytes
        PacketChecksums.RecomputeAll(bytes);
        Assert.Equal(PacketDropReason.NonFirstFragment, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_IPv4FirstFragment_AcceptedAsFirstFragment()
    {
        var bytes = Udp(v6: false);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), 0x2000); // MF, offset 0
        PacketChecksums.RecomputeAll(bytes);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(bytes, out var packet));
        Assert.True(packet.IsFirstFragment);
    }

    [Fact]
    public void TryParse_IPv6NonFirstFragment_Rejected()
    {
        var bytes = UdpV6WithExtensionHeaders();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(58), 0x0008); // offset 1
        Assert.Equal(PacketDropReason.NonFirstFragment, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_IPv6HopByHopNotFirst_BadExtensionHeader()
    {
        var bytes = UdpV6WithExtensionHeaders();
        bytes[40] = 0; // the destination options header now announces a hop-by-hop header after it
        Assert.Equal(PacketDropReason.BadExtensionHeader, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_IPv6ExtensionHeaderOverrunsPacket_BadExtensionHeader()
    {
        var bytes = UdpV6WithExtensionHeaders();
        bytes[41] = 200; // hop-by-hop claims 1608 bytes
        Assert.Equal(PacketDropReason.BadExtensionHeader, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_IPv6RoutingHeaderWithSegmentsLeft_UnsupportedExtensionHeader()
    {
        var bytes = UdpV6WithExtensionHeaders();
        bytes[6] = 43; // the first header is now a routing header: type 1, segments left 4
        Assert.Equal(PacketDropReason.UnsupportedExtensionHeader, IpPacket.TryParse(bytes, out _));
    }

    [Theory]
    [InlineData(false, 47)] // GRE
    [InlineData(false, 58)] // ICMPv6 in IPv4
    [InlineData(true, 1)] // ICMP in IPv6
    [InlineData(true, 50)] // ESP
    [InlineData(true, 59)] // No Next Header
    public void TryParse_OtherProtocol_UnsupportedProtocol(bool v6, byte protocol)
    {
        var bytes = Udp(v6);
        bytes[v6 ? 6 : 9] = protocol;
        if (!v6) FixIPv4HeaderChecksum(bytes);
        Assert.Equal(PacketDropReason.UnsupportedProtocol, IpPacket.TryParse(bytes, out _));
    }

    [Theory]
    [InlineData(false, 7)]
    [InlineData(false, 200)]
    [InlineData(true, 7)]
    [InlineData(true, 200)]
    public void TryParse_BadUdpLength_BadTransportHeader(bool v6, int udpLength)
    {
        var bytes = Udp(v6);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan((v6 ? 40 : 20) + 4), (ushort)udpLength);
        Assert.Equal(PacketDropReason.BadTransportHeader, IpPacket.TryParse(bytes, out _));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(15)]
    public void TryParse_BadTcpDataOffset_BadTransportHeader(int dataOffsetWords)
    {
        var bytes = Tcp(v6: false, payloadLength: 0);
        bytes[20 + 12] = (byte)(dataOffsetWords << 4);
        Assert.Equal(PacketDropReason.BadTransportHeader, IpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_IPv4TotalLengthCutsTransport_BadTransportHeader()
    {
        var bytes = Tcp(v6: false, payloadLength: 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), 30); // TCP header needs 20 bytes, 10 left
        PacketChecksums.RecomputeAll(bytes.AsSpan(0, 30));
        Assert.Equal(PacketDropReason.BadTransportHeader, IpPacket.TryParse(bytes, out _));
    }
}

using System.Buffers.Binary;
using Nattt.Packets;
using static Nattt.Tests.Packets.SamplePackets;

namespace Nattt.Tests.Packets;

public class IpPacketRewriteTests
{
    private static readonly IpAddressValue OtherV4 = IpAddressValue.Parse("198.51.100.77");
    private static readonly IpAddressValue OtherV6 = IpAddressValue.Parse("2001:db8:77::1:fffe");

    /// <summary>The incremental result must verify and equal a full recomputation of the same bytes.</summary>
    internal static void AssertChecksumsMatchFullRecomputation(byte[] packet)
    {
        Assert.True(PacketChecksums.AreValid(packet), "checksums invalid after the incremental update");
        var recomputed = packet.ToArray();
        PacketChecksums.RecomputeAll(recomputed);
        Assert.Equal(Convert.ToHexString(recomputed), Convert.ToHexString(packet));
    }

    [Theory]
    [MemberData(nameof(SamplePackets.Names), MemberType = typeof(SamplePackets))]
    public void SetSourceAndDestination_AnyPacket_ChecksumsMatchAndRewriteBackRestoresBytes(string name)
    {
        var original = ByName(name);
        var bytes = original.ToArray();
        IpPacket.TryParse(bytes, out var packet);
        var (source, destination) = (packet.Source, packet.Destination);
        var other = packet.IsIPv4 ? OtherV4 : OtherV6;

        packet.SetSource(other);
        Assert.Equal(other, packet.Source);
        AssertChecksumsMatchFullRecomputation(bytes);
        packet.SetDestination(other);
        Assert.Equal(other, packet.Destination);
        AssertChecksumsMatchFullRecomputation(bytes);

        packet.SetSource(source);
        packet.SetDestination(destination);
        Assert.Equal(Convert.ToHexString(original), Convert.ToHexString(bytes));
    }

    [Theory]
    [MemberData(nameof(SamplePackets.Names), MemberType = typeof(SamplePackets))]
    public void SetPorts_AnyPacket_ChecksumsMatchAndRewriteBackRestoresBytes(string name)
    {
        var original = ByName(name);
        var bytes = original.ToArray();
        IpPacket.TryParse(bytes, out var packet);
        var hasPorts = packet.Protocol is IpProtocol.Tcp or IpProtocol.Udp || packet.IsIcmpEcho;
        var (sourcePort, destinationPort) = (packet.SourcePort, packet.DestinationPort);

        Assert.Equal(hasPorts, packet.SetSourcePort(61000));
        AssertChecksumsMatchFullRecomputation(bytes);
        Assert.Equal(hasPorts, packet.SetDestinationPort(1));
        AssertChecksumsMatchFullRecomputation(bytes);
        if (hasPorts && !packet.IsIcmpEcho)
        {
            Assert.Equal(61000, packet.SourcePort);
            Assert.Equal(1, packet.DestinationPort);
        }

        packet.SetSourcePort(sourcePort);
        packet.SetDestinationPort(destinationPort);
        Assert.Equal(Convert.ToHexString(original), Convert.ToHexString(bytes));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SetSourcePort_IcmpEcho_RewritesIdentifierAndChecksum(bool v6)
    {
        var bytes = Echo(v6);
        IpPacket.TryParse(bytes, out var packet);
        Assert.True(packet.SetSourcePort(0xBEEF));
        Assert.Equal(0xBEEF, packet.SourcePort);
        Assert.Equal(0xBEEF, packet.DestinationPort);
        Assert.Equal(0xBEEF, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(packet.TransportOffset + 4)));
        AssertChecksumsMatchFullRecomputation(bytes);
    }

    [Fact]
    public void SetSourcePort_IcmpV4EchoReplyAllZero_ChecksumIsFFFF()
    {
        // The one case RFC 1624 eqn. 3 alone gets wrong: every covered word becomes zero.
        var buffer = new byte[64];
        var length = PacketBuilder.BuildIcmpEcho(buffer, ClientV4, ServerV4, 5, 0, isReply: true);
        var bytes = buffer.AsSpan(0, length).ToArray();
        IpPacket.TryParse(bytes, out var packet);
        packet.SetSourcePort(0);
        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(22)));
        AssertChecksumsMatchFullRecomputation(bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SetSource_UdpChecksumZero_StaysZero(bool v6)
    {
        var bytes = Udp(v6);
        var checksumOffset = (v6 ? 40 : 20) + 6;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(checksumOffset), 0);
        IpPacket.TryParse(bytes, out var packet);
        packet.SetSource(v6 ? OtherV6 : OtherV4);
        packet.SetSourcePort(9);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(checksumOffset)));
        if (!v6) AssertChecksumsMatchFullRecomputation(bytes);
    }

    [Fact]
    public void SetSourcePort_UdpResultZero_WrittenAsFFFF()
    {
        // Find a source port for which the computed UDP checksum is 0, then reach it incrementally.
        var bytes = Udp(v6: false);
        IpPacket.TryParse(bytes, out var packet);
        var checksum = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(26));
        var port = packet.SourcePort;
        // Sum(data) = ~checksum; the checksum becomes 0 when the sum is 0xFFFF: raise the port by the checksum value.
        var target = (ushort)InternetChecksum.Fold((ulong)port + checksum);
        packet.SetSourcePort(target);
        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(26)));
        AssertChecksumsMatchFullRecomputation(bytes);
    }

    [Fact]
    public void SetSource_OtherFamily_Throws()
    {
        var bytes = Udp(v6: false);
        IpPacket.TryParse(bytes, out var packet);
        var threw = false;
        try { packet.SetSource(OtherV6); }
        catch (ArgumentException) { threw = true; }
        Assert.True(threw);
    }

    [Theory]
    [InlineData(false, (ushort)1460, (ushort)1380, true)]
    [InlineData(true, (ushort)1440, (ushort)1360, true)]
    [InlineData(false, (ushort)1200, (ushort)1380, false)]
    public void TryClampTcpMss_Syn_ClampsAboveLimitOnly(bool v6, ushort mss, ushort limit, bool clamped)
    {
        var bytes = Syn(v6, mss);
        IpPacket.TryParse(bytes, out var packet);
        Assert.Equal(clamped, packet.TryClampTcpMss(limit));
        var optionOffset = packet.TransportOffset + 20 + 2;
        Assert.Equal(clamped ? limit : mss, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(optionOffset)));
        AssertChecksumsMatchFullRecomputation(bytes);
    }

    [Fact]
    public void TryClampTcpMss_OptionAtOddOffset_ChecksumStillCorrect()
    {
        // NOP, MSS, NOP NOP NOP: the MSS value sits at an odd offset and straddles two checksum words.
        var options = new byte[] { 1, 2, 4, 0x05, 0xB4, 1, 1, 1 };
        var bytes = Tcp(v6: false, TcpFlags.Syn | TcpFlags.Ack, 0, options);
        IpPacket.TryParse(bytes, out var packet);
        Assert.True(packet.TryClampTcpMss(1300));
        Assert.Equal(1300, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(20 + 20 + 3)));
        AssertChecksumsMatchFullRecomputation(bytes);
    }

    [Fact]
    public void TryClampTcpMss_NotSyn_Unchanged()
    {
        var bytes = Tcp(v6: false, TcpFlags.Ack, 0, SynOptions(1460));
        var original = bytes.ToArray();
        IpPacket.TryParse(bytes, out var packet);
        Assert.False(packet.TryClampTcpMss(1000));
        Assert.Equal(original, bytes);
    }

    [Fact]
    public void TryClampTcpMss_MalformedOptionLength_Unchanged()
    {
        var options = new byte[] { 8, 0, 2, 4, 0x05, 0xB4, 0, 0 }; // length 0 before the MSS option
        var bytes = Tcp(v6: false, TcpFlags.Syn, 0, options);
        var original = bytes.ToArray();
        IpPacket.TryParse(bytes, out var packet);
        Assert.False(packet.TryClampTcpMss(1000));
        Assert.Equal(original, bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DecrementHopLimit_Forwardable_DecrementsAndKeepsChecksums(bool v6)
    {
        var bytes = Tcp(v6);
        IpPacket.TryParse(bytes, out var packet);
        Assert.True(packet.DecrementHopLimit());
        Assert.Equal(63, packet.HopLimit);
        AssertChecksumsMatchFullRecomputation(bytes);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public void DecrementHopLimit_AtOne_FalseAndUnchanged(bool v6, byte hopLimit)
    {
        var buffer = new byte[128];
        var length = PacketBuilder.BuildUdp(buffer, v6 ? ClientV6 : ClientV4, 1, v6 ? ServerV6 : ServerV4, 2, [], hopLimit);
        var bytes = buffer.AsSpan(0, length).ToArray();
        var original = bytes.ToArray();
        IpPacket.TryParse(bytes, out var packet);
        Assert.False(packet.DecrementHopLimit());
        Assert.Equal(original, bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrySetIcmpMtu_FragNeededOrTooBig_RewritesMtuAndChecksum(bool v6)
    {
        var bytes = IcmpError(Udp(v6));
        IpPacket.TryParse(bytes, out var packet);
        Assert.True(packet.TrySetIcmpMtu(1280));
        Assert.True(packet.TryGetIcmpMtu(out var mtu));
        Assert.Equal(1280u, mtu);
        AssertChecksumsMatchFullRecomputation(bytes);
    }

    [Fact]
    public void TrySetIcmpMtu_NotMtuMessage_False()
    {
        var bytes = Echo(v6: false);
        IpPacket.TryParse(bytes, out var packet);
        Assert.False(packet.TrySetIcmpMtu(1280));
    }
}

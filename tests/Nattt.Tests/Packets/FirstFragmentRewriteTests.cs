using Nattt.Packets;

namespace Nattt.Tests.Packets;

public class FirstFragmentRewriteTests
{
    // A first fragment carries the transport checksum of the whole datagram. To check the incremental update, mark a
    // whole packet as a first fragment (so nothing can be recomputed from it), rewrite it, then clear the mark: the
    // checksum must verify over the datagram.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SetSourceAndPort_FirstFragment_DatagramChecksumStillValid(bool v6)
    {
        var bytes = v6 ? SamplePackets.UdpV6WithExtensionHeaders() : SamplePackets.Udp(v6: false);
        if (v6) bytes[59] |= 1; // M flag in the fragment header
        else
        {
            bytes[6] |= 0x20; // MF
            SamplePackets.FixIPv4HeaderChecksum(bytes);
        }
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(bytes, out var packet));
        Assert.True(packet.IsFirstFragment);
        packet.SetSource(v6 ? SamplePackets.RouterV6 : SamplePackets.RouterV4);
        packet.SetSourcePort(7777);

        if (v6) bytes[59] &= 0xFE;
        else
        {
            bytes[6] &= 0xDF;
            SamplePackets.FixIPv4HeaderChecksum(bytes);
        }
        IpPacketRewriteTests.AssertChecksumsMatchFullRecomputation(bytes);
    }
}

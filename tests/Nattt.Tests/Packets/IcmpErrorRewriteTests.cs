using Nattt.Packets;
using static Nattt.Tests.Packets.SamplePackets;

namespace Nattt.Tests.Packets;

/// <summary>
/// A NAT relaying an ICMP error rewrites the quoted packet as well as the outer one. The expected result is built
/// independently: rewrite the original packet (full, top level), then quote it in a fresh error; the incrementally
/// rewritten error must equal it byte for byte, including the quoted transport checksum when only 8 bytes were quoted.
/// </summary>
public class IcmpErrorRewriteTests
{
    private static readonly IpAddressValue PublicV4 = IpAddressValue.Parse("203.0.113.50");
    private static readonly IpAddressValue PublicV6 = IpAddressValue.Parse("2001:db8:50::5");

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var v6 in new[] { false, true })
        foreach (var kind in new[] { "udp", "tcp", "echo" })
        foreach (var quote in new[] { 8, 16, -1 }) // transport bytes quoted; -1 all
            data.Add($"{(v6 ? "v6" : "v4")}-{kind}", quote);
        return data;
    }

    private static byte[] Original(string name) => name switch
    {
        "v4-udp" => Udp(false), "v6-udp" => Udp(true),
        "v4-tcp" => Tcp(false), "v6-tcp" => Tcp(true),
        "v4-echo" => Echo(false), _ => Echo(true),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmbeddedRewrite_SourceAndPort_OuterStaysValidAndEqualsFreshQuote(string name, int transportQuoted)
    {
        var original = Original(name);
        var v6 = name.StartsWith("v6");
        var quoteLength = transportQuoted < 0 ? original.Length : (v6 ? 40 : 20) + transportQuoted;
        var newSource = v6 ? PublicV6 : PublicV4;

        var error = IcmpError(original, quoteLength);
        Assert.Equal(PacketDropReason.None, IpPacket.TryParse(error, out var outer));
        Assert.Equal(PacketDropReason.None, outer.TryGetEmbedded(out var embedded));
        embedded.SetSource(newSource);
        embedded.SetSourcePort(3333);
        outer.SetDestination(newSource);
        IpPacketRewriteTests.AssertChecksumsMatchFullRecomputation(error);

        var rewritten = original.ToArray();
        IpPacket.TryParse(rewritten, out var top);
        top.SetSource(newSource);
        top.SetSourcePort(3333);
        var expected = IcmpError(rewritten, quoteLength);
        IpPacket.TryParse(expected, out var expectedOuter);
        expectedOuter.SetDestination(newSource);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(error));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmbeddedRewrite_DestinationAndPortThenBack_RestoresBytes(string name, int transportQuoted)
    {
        var original = Original(name);
        var v6 = name.StartsWith("v6");
        var quoteLength = transportQuoted < 0 ? original.Length : (v6 ? 40 : 20) + transportQuoted;
        var error = IcmpError(original, quoteLength);
        var pristine = error.ToArray();

        IpPacket.TryParse(error, out var outer);
        outer.TryGetEmbedded(out var embedded);
        var (destination, port) = (embedded.Destination, embedded.DestinationPort);
        embedded.SetDestination(v6 ? PublicV6 : PublicV4);
        embedded.SetDestinationPort(4444);
        Assert.True(PacketChecksums.AreValid(error));

        embedded.SetDestination(destination);
        embedded.SetDestinationPort(port);
        Assert.Equal(Convert.ToHexString(pristine), Convert.ToHexString(error));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmbeddedDecrementHopLimit_OuterStaysValid(bool v6)
    {
        var error = IcmpError(Udp(v6), (v6 ? 40 : 20) + 8);
        IpPacket.TryParse(error, out var outer);
        outer.TryGetEmbedded(out var embedded);
        Assert.True(embedded.DecrementHopLimit());
        Assert.Equal(63, embedded.HopLimit);
        IpPacketRewriteTests.AssertChecksumsMatchFullRecomputation(error);
    }

    [Fact]
    public void EmbeddedTryClampTcpMss_FullyQuotedSyn_OuterStaysValid()
    {
        var error = IcmpError(Syn(v6: false));
        IpPacket.TryParse(error, out var outer);
        outer.TryGetEmbedded(out var embedded);
        Assert.True(embedded.TryClampTcpMss(1000));
        IpPacketRewriteTests.AssertChecksumsMatchFullRecomputation(error);
    }

    [Theory]
    [InlineData(64 + 8)] // three extension headers, then the UDP header
    [InlineData(-1)]
    public void EmbeddedRewrite_QuoteWithExtensionHeaders_EqualsFreshQuote(int quoteLength)
    {
        var original = UdpV6WithExtensionHeaders();
        var quote = quoteLength < 0 ? original.Length : quoteLength;
        var error = IcmpError(original, quote);
        IpPacket.TryParse(error, out var outer);
        Assert.Equal(PacketDropReason.None, outer.TryGetEmbedded(out var embedded));
        Assert.Equal(64, embedded.TransportOffset);
        embedded.SetSource(PublicV6);
        embedded.SetSourcePort(5555);
        outer.SetDestination(PublicV6); // a fresh error about the rewritten packet goes to its (new) source
        IpPacketRewriteTests.AssertChecksumsMatchFullRecomputation(error);

        var rewritten = original.ToArray();
        IpPacket.TryParse(rewritten, out var top);
        top.SetSource(PublicV6);
        top.SetSourcePort(5555);
        Assert.Equal(Convert.ToHexString(IcmpError(rewritten, quote)), Convert.ToHexString(error));
    }
}

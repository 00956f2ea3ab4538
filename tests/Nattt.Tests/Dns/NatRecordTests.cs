using System.Net;
using CsCheck;
using Nattt.Dns;
using Nattt.Tunnel;

namespace Nattt.Tests.Dns;

public sealed class NatRecordTests
{
    private static TunnelPath Path(string dest, params string[] hops) =>
        new(hops.Select(h => NatRecordText.TryParseHop(h, out var e) ? e : throw new FormatException(h)).ToArray(), IPAddress.Parse(dest));

    [Fact]
    public void TryParse_PrototypeTenOctets_GivesOneHopPath()
    {
        var rdata = Convert.FromHexString("c63364071f90ac140014");
        Assert.True(NatRecord.TryParse(rdata, out var path, out var error), error.ToString());
        Assert.Equal(Path("172.20.0.20", "198.51.100.7:8080"), path);
    }

    [Fact]
    public void Write_OneHopIPv4_UsesPrototypeForm()
    {
        var rdata = NatRecord.ToRdata(Path("172.20.0.20", "198.51.100.7:8080"));
        Assert.Equal("c63364071f90ac140014", Convert.ToHexString(rdata).ToLowerInvariant());
    }

    [Fact]
    public void Write_TwoHopsWithIPv6_UsesExtendedFormNeverTenOctets()
    {
        var path = Path("fd00::5", "203.0.113.1:100", "[2001:db8::7]:4000");
        var rdata = NatRecord.ToRdata(path);
        Assert.Equal(45, rdata.Length);
        Assert.Equal(NatRecord.ExtendedVersion, rdata[0]);
        Assert.Equal(2, rdata[1]);
        Assert.True(NatRecord.TryParse(rdata, out var back, out _));
        Assert.Equal(path, back);
    }

    [Fact]
    public void TryParse_ExtendedOneHopIPv4_IsAccepted()
    {
        // A writer that always uses the extended form is still understood (section 3.4).
        var rdata = Convert.FromHexString("010101c6336407" + "1f90" + "01ac140014");
        Assert.True(NatRecord.TryParse(rdata, out var path, out _));
        Assert.Equal(Path("172.20.0.20", "198.51.100.7:8080"), path);
    }

    [Theory]
    [InlineData("", NatRecordError.TooShort)]
    [InlineData("c6336407", NatRecordError.TooShort)]
    [InlineData("c63364070000ac140014", NatRecordError.ZeroPort)]
    [InlineData("000000001f90ac140014", NatRecordError.UnusableAddress)]
    [InlineData("e00000011f90ac140014", NatRecordError.UnusableAddress)]
    [InlineData("020101c63364071f9001ac140014", NatRecordError.UnsupportedVersion)]
    [InlineData("010001c63364071f9001ac140014", NatRecordError.NoHops)]
    [InlineData("010901c63364071f9001ac140014", NatRecordError.TooManyHops)]
    [InlineData("010103c63364071f9001ac140014", NatRecordError.UnknownFamily)]
    [InlineData("010101c63364071f9001ac14001400", NatRecordError.TrailingOctets)]
    [InlineData("010101c63364071f9002ac14001400", NatRecordError.Truncated)]
    [InlineData("010201c63364071f9001ac140014", NatRecordError.Truncated)]
    public void TryParse_BadRdata_GivesReason(string hex, NatRecordError expected)
    {
        Assert.False(NatRecord.TryParse(Convert.FromHexString(hex), out var path, out var error));
        Assert.Null(path);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_EveryTruncatedPrefixOfExtended_FailsWithoutThrowing()
    {
        var rdata = NatRecord.ToRdata(Path("fd00::5", "203.0.113.1:100", "[2001:db8::7]:4000", "10.9.0.1:5"));
        // Length 10 is skipped: any 10 octets are read as the prototype form (RDLENGTH, not content, selects the form,
        // and DNS never cuts an RDATA short without the whole message failing to parse).
        for (var n = 0; n < rdata.Length; n++)
            if (n != NatRecord.LegacyLength) Assert.False(NatRecord.TryParse(rdata.AsSpan(0, n), out _, out _), $"prefix {n} accepted");
    }

    private static readonly Gen<IPAddress> GenV4 = Gen.Byte.Array[4].Select(b => new IPAddress(b)).Where(NatRecord.IsUsable);
    private static readonly Gen<IPAddress> GenV6 = Gen.Byte.Array[16].Select(b => new IPAddress(b)).Where(NatRecord.IsUsable);
    private static readonly Gen<IPAddress> GenAddress = Gen.OneOf(GenV4, GenV6);
    private static readonly Gen<TunnelPath> GenPath =
        Gen.Select(Gen.Select(GenAddress, Gen.Int[1, 65535]).Array[1, NatRecord.MaxHops], GenAddress,
            (hops, dest) => new TunnelPath(hops.Select(h => new IPEndPoint(h.Item1, h.Item2)).ToArray(), dest));

    [Fact]
    public void WriteThenParse_AnyPath_RoundTripsAndLengthIsTenOnlyForLegacy()
    {
        GenPath.Sample(path =>
        {
            var rdata = NatRecord.ToRdata(path);
            Assert.Equal(NatRecord.FitsLegacyForm(path), rdata.Length == NatRecord.LegacyLength);
            Assert.True(NatRecord.TryParse(rdata, out var back, out var error), error.ToString());
            Assert.Equal(path, back);
        });
    }

    [Fact]
    public void FormatGenericThenHex_AnyPath_LengthMatchesAndGroupsAreWholeOctets()
    {
        GenPath.Sample(path =>
        {
            var text = NatRecordText.FormatGeneric(path).Split(' ');
            Assert.Equal("\\#", text[0]);
            var hex = string.Concat(text[2..]);
            Assert.All(text[2..], g => Assert.True(g.Length % 2 == 0, g));
            Assert.Equal(int.Parse(text[1]), hex.Length / 2);
            Assert.Equal(NatRecord.ToRdata(path), Convert.FromHexString(hex));
        });
    }

    [Fact]
    public void FormatNativeThenParse_AnyPath_RoundTrips()
    {
        GenPath.Sample(path =>
        {
            Assert.True(NatRecordText.TryParseNative(NatRecordText.FormatNative(path), out var back, out var error), error.ToString());
            Assert.Equal(path, back);
        });
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 200].Sample(bytes => { NatRecord.TryParse(bytes, out _, out _); });
    }

    [Fact]
    public void ZoneLines_PrototypeExample_MatchFactsFile()
    {
        var lines = NatRecordZoneLines.Format("b.example.test", Path("172.20.0.20", "198.51.100.7:8080"), 300);
        Assert.Contains("b.example.test. 300 IN TYPE65324 \\# 10 c6336407 1f90 ac140014", lines);
        Assert.Contains("; b.example.test. 300 IN NAT 198.51.100.7:8080 172.20.0.20", lines);
        Assert.Contains("nattt-dest.b.example.test. 300 IN A 172.20.0.20", lines);
        Assert.Contains("nattt-hop1.b.example.test. 300 IN A 198.51.100.7", lines);
        Assert.Contains("nattt-port1.b.example.test. 300 IN A 127.0.31.144", lines);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(8080)]
    [InlineData(65535)]
    public void EncodePortThenDecode_RoundTrips(int port)
    {
        Assert.True(NatRecordEmulation.TryDecodePort(NatRecordEmulation.EncodePort(port), out var back));
        Assert.Equal(port, back);
    }

    [Theory]
    [InlineData("127.0.0.0")]
    [InlineData("127.1.0.5")]
    [InlineData("10.0.0.5")]
    public void TryDecodePort_NotAPortRecord_IsRefused(string address) =>
        Assert.False(NatRecordEmulation.TryDecodePort(IPAddress.Parse(address), out _));
}

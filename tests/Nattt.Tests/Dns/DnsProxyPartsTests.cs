using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nattt.Dns;
using Nattt.Dns.Capture;
using Nattt.Dns.Proxy;
using Nattt.Dns.Wire;
using Nattt.Tunnel;

namespace Nattt.Tests.Dns;

public sealed class DnsAnswerMatcherTests
{
    private static readonly IPEndPoint Server = new(IPAddress.Parse("192.0.2.53"), 53);
    private static readonly byte[] Query = WithId(NatPathResolver.BuildQuery(DnsName.ParseText("b.example.test"), 1), 0x4242);

    private static byte[] WithId(byte[] message, ushort id)
    {
        DnsHeader.WriteId(message, id);
        return message;
    }

    private static byte[] Answer(string name = "b.example.test", ushort type = 1, ushort id = 0x4242, bool qr = true)
    {
        var buffer = new byte[300];
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        w.TryWriteQuestion(DnsName.ParseText(name), type, 1);
        w.TryWriteAddressRecord(1, DnsName.ParseText(name), IPAddress.Parse("192.0.2.1"), 60);
        return buffer[..w.Finish(id, qr ? DnsHeader.QrBit : (ushort)0)];
    }

    [Fact]
    public void Check_MatchingAnswer_Accepted() => Assert.Equal(DnsDropReason.None, DnsAnswerMatcher.Check(Query, Answer(), Server, Server));

    [Fact]
    public void Check_QuestionInOtherCase_Accepted() =>
        Assert.Equal(DnsDropReason.None, DnsAnswerMatcher.Check(Query, Answer("B.Example.TEST"), Server, Server));

    [Fact]
    public void Check_WrongAddress_Refused() =>
        Assert.Equal(DnsDropReason.WrongSource, DnsAnswerMatcher.Check(Query, Answer(), Server, new IPEndPoint(IPAddress.Parse("192.0.2.54"), 53)));

    [Fact]
    public void Check_WrongPort_Refused() =>
        Assert.Equal(DnsDropReason.WrongSource, DnsAnswerMatcher.Check(Query, Answer(), Server, new IPEndPoint(Server.Address, 5353)));

    [Fact]
    public void Check_WrongId_Refused() => Assert.Equal(DnsDropReason.WrongId, DnsAnswerMatcher.Check(Query, Answer(id: 0x4243), Server, Server));

    [Fact]
    public void Check_WrongName_Refused() => Assert.Equal(DnsDropReason.WrongQuestion, DnsAnswerMatcher.Check(Query, Answer("c.example.test"), Server, Server));

    [Fact]
    public void Check_WrongType_Refused() => Assert.Equal(DnsDropReason.WrongQuestion, DnsAnswerMatcher.Check(Query, Answer(type: 28), Server, Server));

    [Fact]
    public void Check_QueryInsteadOfAnswer_Refused() => Assert.Equal(DnsDropReason.NotAQuery, DnsAnswerMatcher.Check(Query, Answer(qr: false), Server, Server));

    [Fact]
    public void Check_EveryTruncatedPrefix_Refused()
    {
        var answer = Answer();
        for (var n = 0; n < 12 + 20; n++) // up to the end of the question
            Assert.NotEqual(DnsDropReason.None, DnsAnswerMatcher.Check(Query, answer[..n], Server, Server));
    }
}

public sealed class ResolvConfTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nattt-resolv-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Parse_NameserversCommentsAndSelf_GivesOthersOnPort53()
    {
        var servers = ResolvConf.Parse("# c\nsearch example.test\nnameserver 192.0.2.53\nnameserver 127.0.0.153\nnameserver fe80::1%eth0\nnameserver 2001:db8::53 # x\n",
            new IPEndPoint(IPAddress.Parse("127.0.0.153"), 53));
        Assert.Equal(["192.0.2.53:53", "[2001:db8::53]:53"], servers.Select(s => s.ToString()));
    }

    [Fact]
    public void InstallThenUninstall_RegularFile_RestoresExactly()
    {
        var path = Path.Combine(_dir, "resolv.conf");
        const string original = "search example.test\noptions edns0\nnameserver 192.0.2.53\n";
        File.WriteAllText(path, original);
        var capture = new ResolvConfCapture(path);
        var upstreams = capture.Install(IPAddress.Parse("127.0.0.153"), false);
        Assert.Equal("192.0.2.53:53", upstreams.Single().ToString());
        var written = File.ReadAllText(path);
        Assert.Contains("nameserver 127.0.0.153", written);
        Assert.Contains("search example.test", written);
        Assert.DoesNotContain("192.0.2.53", written);
        capture.Uninstall();
        Assert.Equal(original, File.ReadAllText(path));
        Assert.False(File.Exists(capture.BackupPath));
    }

    [Fact]
    public void Install_AfterCrash_RestoresBackupFirst()
    {
        var path = Path.Combine(_dir, "resolv.conf");
        File.WriteAllText(path, "nameserver 192.0.2.53\n");
        new ResolvConfCapture(path).Install(IPAddress.Parse("127.0.0.153"), false); // "crash": no uninstall
        var upstreams = new ResolvConfCapture(path).Install(IPAddress.Parse("127.0.0.153"), false);
        Assert.Equal("192.0.2.53:53", upstreams.Single().ToString()); // not our own address
        new ResolvConfCapture(path).Uninstall();
        Assert.Equal("nameserver 192.0.2.53\n", File.ReadAllText(path));
    }

    [Fact]
    public void Install_SystemdResolvedStubSymlink_RefusedUnlessForcedThenRestoredAsSymlink()
    {
        var stubDir = Directory.CreateDirectory(Path.Combine(_dir, "run/systemd/resolve")).FullName;
        var stub = Path.Combine(stubDir, "stub-resolv.conf");
        File.WriteAllText(stub, "nameserver 127.0.0.53\n");
        var path = Path.Combine(_dir, "resolv.conf");
        File.CreateSymbolicLink(path, stub);
        var capture = new ResolvConfCapture(path);
        Assert.True(capture.IsSystemdResolvedStub());
        Assert.Throws<InvalidOperationException>(() => capture.Install(IPAddress.Parse("127.0.0.153"), false));
        Assert.Equal(stub, new FileInfo(path).LinkTarget);
        capture.Install(IPAddress.Parse("127.0.0.153"), true);
        Assert.Null(new FileInfo(path).LinkTarget);
        capture.Uninstall();
        Assert.Equal(stub, new FileInfo(path).LinkTarget);
        Assert.Equal("nameserver 127.0.0.53\n", File.ReadAllText(stub));
    }

    [Fact]
    public void Uninstall_FileReplacedByAdmin_KeepsTheirs()
    {
        var path = Path.Combine(_dir, "resolv.conf");
        File.WriteAllText(path, "nameserver 192.0.2.53\n");
        var capture = new ResolvConfCapture(path);
        capture.Install(IPAddress.Parse("127.0.0.153"), false);
        File.WriteAllText(path, "nameserver 192.0.2.99\n");
        capture.Uninstall();
        Assert.Equal("nameserver 192.0.2.99\n", File.ReadAllText(path));
        Assert.False(File.Exists(capture.BackupPath));
    }
}

public sealed class NatPathCacheTests
{
    [Fact]
    public void Set_BeyondCapacity_StaysBoundedAndKeepsNewest()
    {
        var time = new FakeTimeProvider();
        var cache = new NatPathCache(time, 100);
        for (var i = 0; i < 1000; i++) cache.Set($"n{i}.", null, NatPathSource.None, TimeSpan.FromSeconds(10 + i));
        Assert.True(cache.Count <= 100);
        Assert.True(cache.TryGet("n999.", out _, out _));
    }

    [Fact]
    public void TryGet_AfterLifetime_Misses()
    {
        var time = new FakeTimeProvider();
        var cache = new NatPathCache(time, 10);
        cache.Set("a.", null, NatPathSource.None, TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(cache.TryGet("a.", out _, out _));
    }
}

public sealed class ReverseNameTests
{
    [Theory]
    [InlineData("198.18.0.2")]
    [InlineData("2001:db8::1")]
    public void ToNameThenParse_RoundTrips(string address)
    {
        Assert.True(ReverseName.TryParse(DnsName.ParseText(ReverseName.ToName(IPAddress.Parse(address))), out var back));
        Assert.Equal(IPAddress.Parse(address), back);
    }

    [Theory]
    [InlineData("1.2.3.in-addr.arpa")]
    [InlineData("256.2.3.4.in-addr.arpa")]
    [InlineData("b.example.test")]
    public void TryParse_NotAnAddress_False(string name) => Assert.False(ReverseName.TryParse(DnsName.ParseText(name), out _));
}

public sealed class DetachedStandInMappingsTests
{
    [Fact]
    public void MapOrRefresh_SamePathTwice_SameAddressAndPtrName()
    {
        var m = new DetachedStandInMappings(IPNetwork.Parse("198.18.0.0/15"), new FakeTimeProvider());
        var path = new TunnelPath([new IPEndPoint(IPAddress.Parse("203.0.113.1"), 100)], IPAddress.Parse("10.0.0.5"));
        var a = m.MapOrRefresh(path, "b.example.test", System.Net.Sockets.AddressFamily.InterNetwork, TimeSpan.FromSeconds(60));
        var b = m.MapOrRefresh(path, "b.example.test", System.Net.Sockets.AddressFamily.InterNetwork, TimeSpan.FromSeconds(60));
        Assert.Equal(IPAddress.Parse("198.18.0.1"), a);
        Assert.Equal(a, b);
        Assert.True(m.TryGetName(a!, out var name));
        Assert.Equal("b.example.test", name);
        Assert.Null(m.MapOrRefresh(path, "b.example.test", System.Net.Sockets.AddressFamily.InterNetworkV6, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void MapOrRefresh_PoolOfTwo_ExhaustsThenReusesAfterExpiry()
    {
        var time = new FakeTimeProvider();
        var m = new DetachedStandInMappings(IPNetwork.Parse("198.18.0.0/30"), time);
        TunnelPath P(int i) => new([new IPEndPoint(IPAddress.Parse("203.0.113.1"), 100)], IPAddress.Parse($"10.0.0.{i}"));
        var v4 = System.Net.Sockets.AddressFamily.InterNetwork;
        Assert.NotNull(m.MapOrRefresh(P(1), "a", v4, TimeSpan.FromSeconds(10)));
        Assert.NotNull(m.MapOrRefresh(P(2), "b", v4, TimeSpan.FromSeconds(10)));
        Assert.Null(m.MapOrRefresh(P(3), "c", v4, TimeSpan.FromSeconds(10)));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.NotNull(m.MapOrRefresh(P(3), "c", v4, TimeSpan.FromSeconds(10)));
    }
}

using System.Net;
using Nattt.Dns;
using Nattt.IntegrationTests.Dns;
using Nattt.Lab;
using Nattt.Lab.Worlds;
using Nattt.Tunnel;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// natttd with nothing configured but its DNS proxy, reaching servers behind two and three levels of NAT through the
/// extended (multi-hop) NAT RR served by BIND:
/// <code>
///   a1 ── x (home NAT) ── "Internet" ──┬── y (box) ── t (box) ──┬── b1 10.1.0.7  (n2.example.test, 2 hops)
///                                      │                         └── u (box) ── b 10.2.0.2 (n3.example.test, 3 hops)
///                                      └── ns 203.0.113.53 (BIND 9)
/// </code>
/// (full drawing: <see cref="NestedWorld.Drawing"/>)
/// </summary>
public sealed class DnsNestedTests : WorldScenario
{
    private readonly NestedWorld _world;

    public DnsNestedTests(ITestOutputHelper output) : base(output, "dns-nested", NestedWorld.Drawing) => _world = NestedWorld.Build(Net);

    private static string Zone()
    {
        static IPEndPoint Hop(string a) => new(IPAddress.Parse(a), 100);
        var n2 = new TunnelPath([Hop(NestedWorld.YPublic), Hop(NestedWorld.TAddress)], IPAddress.Parse(NestedWorld.Depth2Server));
        var n3 = new TunnelPath([Hop(NestedWorld.YPublic), Hop(NestedWorld.TAddress), Hop(NestedWorld.UAddress)],
            IPAddress.Parse(NestedWorld.Depth3Server));
        return "$TTL 60\n@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 30\n@ IN NS ns.example.test.\n" +
               "ns IN A 203.0.113.53\n" + NatRecordZoneLines.Format("n2.example.test", n2, 60) +
               NatRecordZoneLines.Format("n3.example.test", n3, 60);
    }

    [Fact]
    public void CurlByName_TwoAndThreeLevelsOfNat_ThroughExtendedNatRecords()
    {
        var ns = Net.AddHost("ns");
        Net.Attach(ns, "eth0", "203.0.113.53/24", _world.Inet);
        using var bind = new BindServer(ns, "203.0.113.53", "example.test", Zone());
        var site = Files.CreateSubdirectory("site");
        File.WriteAllText(Path.Combine(site.FullName, "index.html"), "hello from depth 3\n");
        var site2 = Files.CreateSubdirectory("site2");
        File.WriteAllText(Path.Combine(site2.FullName, "index.html"), "hello from depth 2\n");
        using var web3 = _world.B.Start("python3", "-m", "http.server", "80", "--bind", NestedWorld.Depth3Server, "--directory", site.FullName);
        using var web2 = _world.B1.Start("python3", "-m", "http.server", "80", "--bind", NestedWorld.Depth2Server, "--directory", site2.FullName);
        StartBox(_world.U, [], $"{NestedWorld.Depth3Server}:tcp/80");
        StartBox(_world.T, [], $"{NestedWorld.UAddress}:udp/100", $"{NestedWorld.Depth2Server}:tcp/80");
        StartBox(_world.Y, [], $"{NestedWorld.TAddress}:udp/100");
        NatttProgram.StartDaemon(_world.A1, "client", "--control-socket", SocketPath("a1"),
            "--dns-listen", "127.0.0.153:53", "--dns-upstream", "203.0.113.53");
        _world.A1.SetResolvConf("nameserver 127.0.0.153\n");
        WaitForListener(_world.B, 80);
        WaitForListener(_world.B1, 80);

        Assert.StartsWith("198.18.", _world.A1.Exec("dig", "+short", "+time=3", "n3.example.test", "A").StandardOutput.Trim());
        var three = _world.A1.Exec("curl", ["-sS", "-m", "15", "http://n3.example.test/"]);
        Assert.True(three.Succeeded, three.StandardError);
        Assert.Equal("hello from depth 3\n", three.StandardOutput);
        var two = _world.A1.Exec("curl", ["-sS", "-m", "15", "http://n2.example.test/"]);
        Assert.True(two.Succeeded, two.StandardError);
        Assert.Equal("hello from depth 2\n", two.StandardOutput);
    }
}

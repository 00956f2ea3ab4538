using System.Net;
using Nattt.Dns;
using Nattt.IntegrationTests.Dns;
using Nattt.Lab;
using Nattt.Lab.Worlds;
using Nattt.Tunnel;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// The whole of natttd (figure 4): nothing configured on the client but its DNS proxy. BIND serves the zone
/// example.test with a NAT RR (RFC 3597 form) for b, the A-record emulation for e, and an ordinary A record for www;
/// unmodified dig and curl on a1 (behind two legacy NATs) use the proxy as their resolver.
/// <code>
///   a1 ── x1 ── x ── "Internet" 203.0.113.0/24 ──┬── y: nattt box ── b 10.0.0.2 (web)
///                                                ├── ns 203.0.113.53 (BIND 9, authoritative for example.test)
///                                                └── www 203.0.113.80 (an ordinary public web server)
/// </code>
/// (full drawing: <see cref="NatttWorld.Drawing"/>)
/// </summary>
public sealed class DnsEndToEndTests(ITestOutputHelper output) : TunnelScenario(output, "dns-end-to-end", secondHome: false)
{
    private static string Zone()
    {
        var path = new TunnelPath([IPEndPoint.Parse("203.0.113.1:100")], IPAddress.Parse("10.0.0.2"));
        var emulated = NatRecordZoneLines.Format("e.example.test", path, 60).Split('\n')
            .Where(l => !l.Contains("TYPE65324") && !l.TrimStart().StartsWith(';'));
        return $"""
            $TTL 60
            @   IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 30
            @   IN NS  ns.example.test.
            ns  IN A   203.0.113.53
            www IN A   203.0.113.80
            {NatRecordZoneLines.Format("b.example.test", path, 60)}
            {string.Join('\n', emulated)}
            """.Replace("\n            ", "\n") + "\n";
    }

    [Fact]
    public void CurlByName_NatRecordAndEmulation_ReachServerThroughTunnel_OrdinaryNamesUntouched()
    {
        var ns = Net.AddHost("ns");
        Net.Attach(ns, "eth0", "203.0.113.53/24", World.Inet);
        var www = Net.AddHost("www");
        Net.Attach(www, "eth0", "203.0.113.80/24", World.Inet);
        using var bind = new BindServer(ns, "203.0.113.53", "example.test", Zone());

        var site = Files.CreateSubdirectory("site");
        File.WriteAllText(Path.Combine(site.FullName, "index.html"), "private B behind the NATTT box\n");
        var pub = Files.CreateSubdirectory("pub");
        File.WriteAllText(Path.Combine(pub.FullName, "index.html"), "public www\n");
        using var web = World.B.Start("python3", "-m", "http.server", "80", "--bind", "10.0.0.2", "--directory", site.FullName);
        using var wwwServer = www.Start("python3", "-m", "http.server", "80", "--bind", "203.0.113.80", "--directory", pub.FullName);
        StartBox("--publish", "10.0.0.2:tcp/80");
        NatttProgram.StartDaemon(World.A1, "client", "--control-socket", SocketPath("a1"),
            "--dns-listen", "127.0.0.153:53", "--dns-upstream", "203.0.113.53");
        World.A1.SetResolvConf("nameserver 127.0.0.153\n");
        WaitForListener(World.B, 80);
        WaitForListener(www, 80);

        var b = World.A1.Exec("dig", "+short", "+time=3", "b.example.test", "A").StandardOutput.Trim();
        Assert.StartsWith("198.18.", b);
        var e = World.A1.Exec("dig", "+short", "+time=3", "e.example.test", "A").StandardOutput.Trim();
        Assert.Equal(b, e); // the emulated name describes the same path: the same stand-in
        Assert.Equal("203.0.113.80", World.A1.Exec("dig", "+short", "+time=3", "www.example.test", "A").StandardOutput.Trim());
        var ptr = World.A1.Exec("dig", "+short", "+time=3", "-x", b).StandardOutput.Trim();
        Assert.Equal("b.example.test.", ptr);

        var viaName = World.A1.Exec("curl", ["-sS", "-m", "10", "http://b.example.test/"]);
        Assert.True(viaName.Succeeded, viaName.StandardError);
        Assert.Equal("private B behind the NATTT box\n", viaName.StandardOutput);
        var viaEmulation = World.A1.Exec("curl", ["-sS", "-m", "10", "http://e.example.test/"]);
        Assert.Equal("private B behind the NATTT box\n", viaEmulation.StandardOutput);

        var before = Status("a1");
        var plain = World.A1.Exec("curl", ["-sS", "-m", "10", "http://www.example.test/"]);
        Assert.Equal("public www\n", plain.StandardOutput);
        var after = Status("a1");
        // The ordinary name's traffic went past the daemon: its tunnel counters did not move.
        Assert.Equal(Counter(before, "tunnel_packets_out"), Counter(after, "tunnel_packets_out"));
        var mapping = Assert.Single(after.GetProperty("mappings").EnumerateArray());
        Assert.Equal("b.example.test", mapping.GetProperty("name").GetString().TrimEnd('.'));
        Assert.Equal(b, mapping.GetProperty("stand_in").GetString());
        Assert.True(after.GetProperty("extra").GetProperty("dns_counters").GetProperty("synthesized").GetInt64() >= 2);
    }
}

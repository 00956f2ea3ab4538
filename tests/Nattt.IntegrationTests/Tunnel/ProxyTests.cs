using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// Figure 5 of the NATTT paper: a NATTT proxy t on an ordinary host behind a gateway y; b's default route is y.
/// <code>
///   a ──┐                        y (legacy NAT forwarding udp/100 to t, or a NATTT box) ──┬── t 10.0.0.5 (proxy)
///       ├── "Internet" ──────────┘                                                       └── b 10.0.0.2 (server)
///   a1 ── x (home NAT) ┘
/// </code>
/// (full drawing: <see cref="ProxyWorld.Drawing"/>)
/// </summary>
public sealed class ProxyTests(ITestOutputHelper output) : WorldScenario(output, "figure-5-proxy", ProxyWorld.Drawing)
{
    private const string StandIn = "198.18.0.40";

    [Fact]
    public void Figure5_ProxyBehindLegacyNat_TcpUdpPingAndServerSeesProxy()
    {
        var world = ProxyWorld.Build(Net, gatewayIsBox: false);
        StartBox(world.T, ["--source-nat", "self"], $"{ProxyWorld.ServerAddress}:any");
        StartClient(world.A1, $"p={ProxyWorld.YPublic}:100,{ProxyWorld.ServerAddress}@{StandIn}");
        Exchange(world.A1, world.B, StandIn);
        var file = MakeFile("bulk", 5);
        Assert.Equal(Sha256(file), Download(world.A1, world.B, StandIn, file, 5002));

        using var who = world.B.Start("socat", "-u", "TCP-LISTEN:5003,reuseaddr", "SYSTEM:echo peer=$SOCAT_PEERADDR >&2");
        WaitForListener(world.B, 5003);
        world.A1.Exec("socat", ["-u", "-", $"TCP:{StandIn}:5003,connect-timeout=5"], stdin: "x\n").EnsureSuccess();
        Assert.True(who.WaitForOutput("peer=", TimeSpan.FromSeconds(5)), who.Output);
        Assert.Contains($"peer={ProxyWorld.ProxyAddress}", who.Output); // the proxy's own address: replies come back to it
    }

    [Fact]
    public void Figure5_ProxyWithoutSourceNat_RepliesAreLost()
    {
        // Shows why proxy mode exists: with the client's address as source, b answers through y, outside the tunnel
        // (y's conntrack sees an invalid packet and even forwards it unchanged, from 10.0.0.2), so the client's
        // application never gets an answer from the stand-in.
        var world = ProxyWorld.Build(Net, gatewayIsBox: false);
        StartBox(world.T, [], $"{ProxyWorld.ServerAddress}:any");
        StartClient(world.A, $"p={ProxyWorld.YPublic}:100,{ProxyWorld.ServerAddress}@{StandIn}");
        using var echo = world.B.Start("socat", "-T", "10", "UDP-LISTEN:7,fork,reuseaddr", "PIPE");
        WaitForListener(world.B, 7, "u");
        var r = world.A.Exec("socat", ["-T", "2", "-", $"UDP:{StandIn}:7"], TimeSpan.FromSeconds(10), stdin: "lost\n");
        Assert.Equal("", r.StandardOutput);
        var status = Nattt.Diagnostics.ControlServer.QueryAsync(SocketPath("t"), "status", TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        Assert.Contains("\"flows_created\": 1", status); // the request did go through the proxy
    }

    [Fact]
    public void Figure5_IPv6Proxy_V6InV6_TcpUdpPing()
    {
        var world = ProxyWorld.Build(Net, gatewayIsBox: false);
        StartBox(world.T, ["--source-nat", "self", "--listen", "[::]:100"], $"[{ProxyWorld.ServerAddress6}]:any");
        StartClient(world.A, $"p6=[{ProxyWorld.YPublic6}]:100,{ProxyWorld.ServerAddress6}@fd6e:6174:7474::40");
        Exchange(world.A, world.B, "fd6e:6174:7474::40");
    }

    [Fact]
    public void Figure5_ProxyNestedUnderGatewayBox_TcpUdpPing()
    {
        var world = ProxyWorld.Build(Net, gatewayIsBox: true);
        StartBox(world.T, ["--source-nat", "self"], $"{ProxyWorld.ServerAddress}:any");
        StartBox(world.Y, [], $"{ProxyWorld.ProxyAddress}:udp/100");
        StartClient(world.A1, $"p={ProxyWorld.YPublic}:100,{ProxyWorld.ProxyAddress}:100,{ProxyWorld.ServerAddress}@{StandIn}");
        Exchange(world.A1, world.B, StandIn);
    }
}

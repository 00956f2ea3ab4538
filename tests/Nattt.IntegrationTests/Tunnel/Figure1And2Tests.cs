using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// Figures 1 and 2 of the NATTT paper with the kernel's own NAT:
/// <code>
///   a (public) ─┐                         ┌─ y: nattt box ── b 10.0.0.2
///               ├── "Internet" 203.0.113/24
///   a1 ── x1 ── x ┘ (two legacy masquerading NATs)
/// </code>
/// (full drawing: <see cref="NatttWorld.Drawing"/>)
/// </summary>
public sealed class Figure1And2Tests(ITestOutputHelper output) : TunnelScenario(output, "figures-1-and-2", secondHome: false)
{
    [Fact]
    public void Figure1_PublicClient_TcpUdpPingThroughTunnel()
    {
        StartBox();
        StartClient(World.A);
        using var echo = StartUdpEcho();
        WaitForListener(World.B, 7, "u");

        var file = MakeFile("up", 20);
        Assert.Equal(Sha256(file), UploadAndHashOnServer(World.A, file, 5001));

        // The other direction: b sends 20 MB to a.
        using (var sender = World.B.Start("socat", "-u", $"OPEN:{file}", "TCP-LISTEN:5002,reuseaddr"))
        {
            WaitForListener(World.B, 5002);
            var down = Path.Combine(Files.FullName, "down");
            var r = World.A.Exec("socat", ["-u", $"TCP:{StandIn}:5002,connect-timeout=5", $"CREATE:{down}"], TimeSpan.FromSeconds(60));
            Assert.True(r.Succeeded, r.StandardError);
            Assert.Equal(Sha256(file), Sha256(down));
        }

        Assert.Equal("hello through the tunnel\n", UdpEcho(World.A, "hello through the tunnel\n"));
        var ping = World.A.Exec("ping", ["-c", "3", "-W", "2", StandIn]);
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);

        var box = Status("box");
        Assert.True(Counter(box, "flows_created") >= 4);
        // a is public: the box kept its source address.
        Assert.Contains(box.GetProperty("flows").EnumerateArray(), f => f.GetProperty("translated_source").GetString()!.StartsWith("203.0.113.10:"));
        var client = Status("a");
        Assert.True(client.GetProperty("mappings")[0].GetProperty("packets_in").GetInt64() > 1000);
    }

    [Fact]
    public void Figure2_ClientBehindLegacyNats_ServerSeesNatPublicAddress()
    {
        StartBox();
        StartClient(World.A1);
        using var echo = StartUdpEcho();
        WaitForListener(World.B, 7, "u");

        var file = MakeFile("up", 20);
        Assert.Equal(Sha256(file), UploadAndHashOnServer(World.A1, file, 5001));

        using (var who = World.B.Start("socat", "-u", "TCP-LISTEN:5003,reuseaddr", "SYSTEM:echo peer=$SOCAT_PEERADDR >&2"))
        {
            WaitForListener(World.B, 5003);
            World.A1.Exec("socat", ["-u", "-", $"TCP:{StandIn}:5003,connect-timeout=5"], stdin: "x\n").EnsureSuccess();
            Assert.True(who.WaitForOutput("peer=", TimeSpan.FromSeconds(5)), who.Output);
            Assert.Contains($"peer={NatttWorld.CarrierPublic}", who.Output); // the inner source became the outer source
        }

        Assert.Equal("behind two NATs\n", UdpEcho(World.A1, "behind two NATs\n"));
        var ping = World.A1.Exec("ping", ["-c", "3", "-W", "2", StandIn]);
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
    }

    [Fact]
    public void Status_Cli_ListsFlowsInWordsAndJson()
    {
        StartBox();
        StartClient(World.A);
        var ping = World.A.Exec("ping", ["-c", "1", "-W", "2", StandIn]);
        Assert.True(ping.Succeeded, ping.StandardOutput);
        var text = Nattt.Lab.NatttProgram.Run(World.Y, "status", "--box", "--socket", SocketPath("box"));
        Assert.True(text.Succeeded, text.StandardError);
        Assert.Contains("flows: 1", text.StandardOutput);
        Assert.Contains("icmp", text.StandardOutput);
        Assert.Contains("from 203.0.113.10:", text.StandardOutput);
        var json = Nattt.Lab.NatttProgram.Run(World.A, "status", "--json", "--socket", SocketPath("a"));
        Assert.Contains("\"stand_in\": \"198.18.0.10\"", json.StandardOutput);
    }
}

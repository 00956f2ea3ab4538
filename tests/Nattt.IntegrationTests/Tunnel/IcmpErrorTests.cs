using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// ICMP errors from inside nested networks reach the client's applications translated, and path MTU discovery works
/// through the tunnel. The nested world of figure 3 with a 1280-byte innermost link:
/// <code>
///   a ── "Internet" ── y (box) ── t (box) ──┬── b1 10.1.0.7 (depth 2)
///                                           └── u (box) ══1280══ b 10.2.0.2 (depth 3)
/// </code>
/// (full drawing: <see cref="NestedWorld.Drawing"/>)
/// </summary>
public sealed class IcmpErrorTests : WorldScenario
{
    private const string StandIn2 = "198.18.0.20";
    private const string StandIn3 = "198.18.0.30";
    private readonly NestedWorld _world;

    public IcmpErrorTests(ITestOutputHelper output) : base(output, "icmp-errors-nested", NestedWorld.Drawing) =>
        _world = NestedWorld.Build(Net, innermostMtu: 1280);

    [Fact]
    public void UdpToClosedPortAtDepth2_ApplicationSeesConnectionRefused()
    {
        StartAll();
        // Three datagrams a second apart, so that one ICMP error lost on a loaded machine does not decide the test.
        var r = _world.A.Sh($"(for i in 1 2 3; do echo anyone?; sleep 1; done; sleep 3) | socat -T 5 - UDP:{StandIn2}:9",
            TimeSpan.FromSeconds(20));
        Assert.False(r.Succeeded, r.StandardOutput);
        Assert.Contains("Connection refused", r.StandardError);
        Assert.True(Counter("t", "icmp_errors_relayed") >= 1);
    }

    [Fact]
    public void PingWithDfTooBigForInnermostLink_GetsFragmentationNeededWithItsMtu()
    {
        StartAll();
        var ping = _world.A.Exec("ping", ["-M", "do", "-s", "1300", "-c", "3", "-i", "0.3", "-W", "2", StandIn3]);
        Output.WriteLine(ping.StandardOutput + ping.StandardError);
        Assert.Matches(@"mtu ?= ?1280", ping.StandardOutput + ping.StandardError);
        // The path MTU was learnt for the stand-in; a ping that fits goes through.
        var fits = _world.A.Exec("ping", ["-M", "do", "-s", "1200", "-c", "2", "-W", "2", StandIn3]);
        Assert.True(fits.Succeeded, fits.StandardOutput + fits.StandardError);
    }

    [Fact]
    public void BulkTcpBothWaysThroughDepth3WithSmallerInnermostLink_Completes()
    {
        // b's own MSS (1240) keeps this one within 1280 bytes; the ping test above shows the relayed PMTU.
        StartAll();
        var file = MakeFile("up", 10);
        Assert.Equal(Sha256(file), UploadAndHash(_world.A, _world.B, StandIn3, file, 5001));
        Assert.Equal(Sha256(file), Download(_world.A, _world.B, StandIn3, file, 5002));
    }

    [Fact]
    public void TracerouteToDepth3_ShowsInnermostBoxThenTheStandIn()
    {
        StartAll();
        var r = _world.A.Exec("traceroute", ["-n", "-q", "1", "-w", "2", "-m", "6", StandIn3], TimeSpan.FromSeconds(60));
        Output.WriteLine(r.StandardOutput + r.StandardError);
        Assert.True(r.Succeeded, r.StandardError);
        var hops = r.StandardOutput.Split('\n').Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToList();
        // y and t forward the levels that carry the probe like any UDP flow (their TTL is the client's, not the probe's);
        // the probe itself first meets a router at u, which injects it, then b (shown as the stand-in).
        Assert.Equal(["10.1.0.5", StandIn3], hops);
    }

    private long Counter(string who, string name)
    {
        var json = Nattt.Diagnostics.ControlServer.QueryAsync(SocketPath(who), "status", TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        Output.WriteLine($"status of {who}: {json}");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("counters").TryGetProperty(name, out var v) ? v.GetInt64() : 0;
    }

    private void StartAll()
    {
        StartBox(_world.U, [], $"{NestedWorld.Depth3Server}:any");
        StartBox(_world.T, [], $"{NestedWorld.UAddress}:udp/100", $"{NestedWorld.Depth2Server}:any");
        StartBox(_world.Y, [], $"{NestedWorld.TAddress}:udp/100");
        StartClient(_world.A, NestedWorld.Depth2Map(StandIn2), NestedWorld.Depth3Map(StandIn3));
    }
}

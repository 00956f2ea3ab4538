using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// IPv6 outer and inner addresses through a box listening on [::]:100:
/// <code>
///   a 203.0.113.10 / 2001:db8:1::10 ── "Internet" ── y (box, [::]:100) ── b 10.0.0.2 / fd00:10::2
/// </code>
/// (full drawing: <see cref="DualStackWorld.Drawing"/>)
/// </summary>
public sealed class IPv6Tests : WorldScenario
{
    private const string StandIn6 = "fd6e:6174:7474::10";
    private const string StandIn4 = "198.18.0.10";
    private readonly DualStackWorld _world;

    public IPv6Tests(ITestOutputHelper output) : base(output, "ipv6", DualStackWorld.Drawing) =>
        _world = DualStackWorld.Build(Net);

    [Fact]
    public void V6InV6_TcpUdpPing()
    {
        Start($"v6=[{DualStackWorld.YPublic6}]:100,{DualStackWorld.Server6}@{StandIn6}");
        Exchange(_world.A, _world.B, StandIn6);
        Assert.Equal("2001:db8:1::10", PeerSeenByServer(StandIn6)); // the inner source became the client's outer address
    }

    [Fact]
    public void V4InV6_TcpUdpPing()
    {
        Start($"v4=[{DualStackWorld.YPublic6}]:100,{DualStackWorld.Server4}@{StandIn4}");
        Exchange(_world.A, _world.B, StandIn4);
        Assert.Equal("192.0.0.8", PeerSeenByServer(StandIn4)); // RFC 7600: no room for 128 bits in 32
    }

    [Fact]
    public void V6InV4_TcpUdpPing()
    {
        Start($"v6={DualStackWorld.YPublic4}:100,{DualStackWorld.Server6}@{StandIn6}");
        Exchange(_world.A, _world.B, StandIn6);
        Assert.Equal("64:ff9b::cb00:710a", PeerSeenByServer(StandIn6)); // RFC 6052 prefix + 203.0.113.10
    }

    [Fact]
    public void V6InV6_UdpToClosedPort_ApplicationSeesConnectionRefused()
    {
        // b's ICMPv6 port unreachable quotes the translated client; the box and the client translate it back.
        Start($"v6=[{DualStackWorld.YPublic6}]:100,{DualStackWorld.Server6}@{StandIn6}");
        // Three datagrams a second apart, so that one ICMPv6 error lost on a loaded machine does not decide the test.
        var r = _world.A.Sh($"(for i in 1 2 3; do echo anyone?; sleep 1; done; sleep 3) | socat -T 5 - 'UDP:[{StandIn6}]:9'",
            TimeSpan.FromSeconds(20));
        Assert.False(r.Succeeded, r.StandardOutput);
        Assert.Contains("Connection refused", r.StandardError);
    }

    private void Start(string map)
    {
        StartBox(_world.Y, ["--listen", "[::]:100"], $"{DualStackWorld.Server4}:any", $"[{DualStackWorld.Server6}]:any");
        StartClient(_world.A, map);
    }

    private string PeerSeenByServer(string standIn)
    {
        using var who = _world.B.Start("socat", "-u", "TCP6-LISTEN:5003,reuseaddr,ipv6only=0", "SYSTEM:echo peer=$SOCAT_PEERADDR >&2");
        WaitForListener(_world.B, 5003);
        _world.A.Exec("socat", ["-u", "-", $"TCP:{Socat(standIn)}:5003,connect-timeout=5"], stdin: "x\n").EnsureSuccess();
        Assert.True(who.WaitForOutput("]", TimeSpan.FromSeconds(5)), who.Output);
        // socat prints the peer of its dual-stack socket in full IPv6 form, IPv4 peers as mapped addresses.
        var text = who.Output[(who.Output.IndexOf("peer=[", StringComparison.Ordinal) + 6)..];
        var peer = System.Net.IPAddress.Parse(text[..text.IndexOf(']')]);
        return (peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer).ToString();
    }
}

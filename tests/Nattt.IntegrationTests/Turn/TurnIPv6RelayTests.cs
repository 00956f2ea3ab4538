using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Turn;

/// <summary>RFC 6156: an IPv4 client behind a NAT asks for an IPv6 relay (REQUESTED-ADDRESS-FAMILY) and reaches an
/// IPv6 peer; IPv6 loopback and ULA peers are refused.</summary>
public sealed class TurnIPv6RelayTests(ITestOutputHelper output) : NamespaceTest(output, "turn-ipv6-relay", TurnLab.Drawing)
{
    [Fact]
    public void NatttTurn_IPv6RelayFromIPv4Client_EchoesComeBack()
    {
        var world = TurnLab.Build(Net);
        using var server = TurnLab.StartNatttServer(world.Turn, "--user", $"{TurnLab.User}:{TurnLab.Password}");
        var r = world.Client.Exec(TurnLab.Nattt, ["turn", TurnLab.Server, "-u", TurnLab.User, "-w", TurnLab.Password, "--ipv6-relay",
            "--peer", $"[{TurnLab.PeerAddress6}]:3480", "-n", "10"], TimeSpan.FromSeconds(30));
        Output.WriteLine(r.StandardOutput + r.StandardError);
        Output.WriteLine(server.Output);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"allocated relay [{TurnLab.Server6}]:", r.StandardOutput);
        Assert.Contains("received 10, lost 0", r.StandardOutput);
    }

    [Theory]
    [InlineData("[::1]:3480", "loopback")]
    [InlineData("[fd00::5]:3480", "unique_local")]
    [InlineData("[fe80::1]:3480", "link_local")]
    public void NatttTurn_IPv6RelayToNonGlobalPeer_IsRefused403(string peer, string reason)
    {
        var world = TurnLab.Build(Net);
        using var server = TurnLab.StartNatttServer(world.Turn, "--user", $"{TurnLab.User}:{TurnLab.Password}");
        var r = world.Client.Exec(TurnLab.Nattt, ["turn", TurnLab.Server, "-u", TurnLab.User, "-w", TurnLab.Password, "--ipv6-relay",
            "--peer", peer, "-n", "3"], TimeSpan.FromSeconds(30));
        Output.WriteLine(r.StandardOutput + r.StandardError);
        Assert.Contains("refused: 403", r.StandardOutput);
        Assert.Equal(1, TurnLab.Metric(world.Turn, $"nattt_turn_peer_denied_total{{reason=\"{reason}\"}}"));
    }
}

using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Turn;

/// <summary>
/// A relay to the server's loopback, its private network or the metadata address is refused with 403 and counted
/// in the metrics, while the same peers answer when the operator allows them (so the refusal is the policy, not
/// an unreachable peer).
/// </summary>
public sealed class TurnPeerPolicyTests(ITestOutputHelper output) : NamespaceTest(output, "turn-peer-policy", TurnLab.Drawing)
{
    [Fact]
    public void RelayToLoopbackPrivateOrMetadata_IsRefused403AndCounted()
    {
        var world = TurnLab.Build(Net);
        using var server = TurnLab.StartNatttServer(world.Turn, "--user", $"{TurnLab.User}:{TurnLab.Password}");
        foreach (var (peer, mode) in new[] { ("127.0.0.1:3480", ""), ("10.9.0.2:3480", "--send-indications"), ("169.254.169.254:3480", "") })
        {
            string[] args = [TurnLab.Server, "-u", TurnLab.User, "-w", TurnLab.Password, "--peer", peer, "-n", "3", "--timeout", "10"];
            if (mode.Length > 0) args = [.. args, mode];
            var r = world.Client.Exec(TurnLab.Nattt, ["turn", .. args], TimeSpan.FromSeconds(20));
            Output.WriteLine(r.StandardOutput + r.StandardError);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("refused: 403", r.StandardOutput);
        }
        Output.WriteLine(server.Output);
        Assert.Equal(1, TurnLab.Metric(world.Turn, "nattt_turn_peer_denied_total{reason=\"loopback\"}"));
        Assert.Equal(1, TurnLab.Metric(world.Turn, "nattt_turn_peer_denied_total{reason=\"private\"}"));
        Assert.Equal(1, TurnLab.Metric(world.Turn, "nattt_turn_peer_denied_total{reason=\"link_local\"}"));
        Assert.Equal(3, TurnLab.Metric(world.Turn, "nattt_turn_error_responses_total{code=\"403\"}"));
        Assert.Equal(0, TurnLab.Metric(world.Turn, "nattt_turn_relayed_packets_total{direction=\"to_peer\"}"));
    }

    [Fact]
    public void RelayToPrivateAndMetadata_WhenOperatorAllowsThem_Works()
    {
        var world = TurnLab.Build(Net);
        using var server = TurnLab.StartNatttServer(world.Turn, "--user", $"{TurnLab.User}:{TurnLab.Password}",
            "--allowed-peer-ip", "10.9.0.0/24", "--allowed-peer-ip", "169.254.169.254");
        foreach (var peer in new[] { "10.9.0.2:3480", "169.254.169.254:3480" })
        {
            var r = world.Client.Exec(TurnLab.Nattt, ["turn", TurnLab.Server, "-u", TurnLab.User, "-w", TurnLab.Password, "--peer", peer, "-n", "5"],
                TimeSpan.FromSeconds(20));
            Output.WriteLine(r.StandardOutput + r.StandardError);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("received 5", r.StandardOutput);
        }
    }

    [Fact]
    public void OperatorDeniedRange_IsRefused403()
    {
        var world = TurnLab.Build(Net);
        using var server = TurnLab.StartNatttServer(world.Turn, "--user", $"{TurnLab.User}:{TurnLab.Password}",
            "--denied-peer-ip", "203.0.113.16-203.0.113.31");
        var r = world.Client.Exec(TurnLab.Nattt, ["turn", TurnLab.Server, "-u", TurnLab.User, "-w", TurnLab.Password, "--peer", $"{TurnLab.PeerAddress}:3480", "-n", "3"],
            TimeSpan.FromSeconds(20));
        Output.WriteLine(r.StandardOutput + r.StandardError);
        Assert.Contains("refused: 403", r.StandardOutput);
        Assert.Equal(1, TurnLab.Metric(world.Turn, "nattt_turn_peer_denied_total{reason=\"operator_denied\"}"));
    }
}

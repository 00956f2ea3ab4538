using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Turn;

/// <summary>coturn's clients (turnutils_uclient, turnutils_stunclient) against `nattt turn-server`, the client
/// behind the kernel's masquerade.</summary>
public sealed class TurnServerInteropTests(ITestOutputHelper output) : NamespaceTest(output, "turn-server-interop", TurnLab.Drawing)
{
    [Theory]
    [InlineData("udp", "long-term")]
    [InlineData("tcp", "long-term")]
    [InlineData("udp", "shared-secret")]
    [InlineData("tcp", "shared-secret")]
    public void Uclient_AgainstNatttTurnServer_RelaysEveryPacket(string transport, string auth)
    {
        var world = TurnLab.Build(Net);
        string[] serverAuth = auth == "long-term"
            ? ["--user", $"{TurnLab.User}:{TurnLab.Password}"]
            : ["--use-auth-secret", "--static-auth-secret", TurnLab.Secret];
        using var server = TurnLab.StartNatttServer(world.Turn, serverAuth);
        string[] clientAuth = auth == "long-term" ? ["-u", TurnLab.User, "-w", TurnLab.Password] : ["-u", TurnLab.User, "-W", TurnLab.Secret];
        string[] transportFlag = transport == "tcp" ? ["-t"] : [];
        var (sent, received, lost, text) = TurnLab.Uclient(world.Client,
            [.. transportFlag, .. clientAuth, "-e", TurnLab.PeerAddress, "-r", "3480", "-n", "100", "-m", "4", "-l", "170", "-c", "-z", "5"]);
        Output.WriteLine(text);
        Output.WriteLine(server.Output);
        Assert.Equal(400, sent);
        Assert.Equal(0, lost);
        Assert.Equal(400, received);
        Assert.True(TurnLab.Metric(world.Turn, "nattt_turn_relayed_packets_total{direction=\"to_client\"}") >= 400);
        Assert.True(TurnLab.Metric(world.Turn, "nattt_turn_allocations_created_total") >= 4);
    }

    [Fact]
    public void Uclient_SendIndicationsAndDontFragment_RelaysEveryPacket()
    {
        var world = TurnLab.Build(Net);
        using var server = TurnLab.StartNatttServer(world.Turn, "--user", $"{TurnLab.User}:{TurnLab.Password}");
        var (sent, received, lost, text) = TurnLab.Uclient(world.Client,
            "-s", "-g", "-u", TurnLab.User, "-w", TurnLab.Password, "-e", TurnLab.PeerAddress, "-n", "50", "-m", "2", "-l", "500", "-c", "-z", "5");
        Output.WriteLine(text);
        Assert.Equal(100, sent);
        Assert.Equal(0, lost);
        Assert.Equal(100, received);
    }

    [Fact]
    public void Uclient_WrongPassword_IsRefusedAndCounted()
    {
        var world = TurnLab.Build(Net);
        using var server = TurnLab.StartNatttServer(world.Turn, "--user", $"{TurnLab.User}:{TurnLab.Password}");
        var (_, received, _, text) = TurnLab.Uclient(world.Client, "-u", TurnLab.User, "-w", "not-the-password", "-e", TurnLab.PeerAddress, "-n", "5", "-c");
        Output.WriteLine(text);
        Assert.Equal(0, received);
        Assert.Equal(0, TurnLab.Metric(world.Turn, "nattt_turn_allocations_created_total"));
        Assert.True(TurnLab.Metric(world.Turn, "nattt_turn_auth_failures_total{reason=\"bad_integrity\"}") >= 1);
    }

    [Fact]
    public void Stunclient_AgainstNatttTurnServer_SeesTheNatAddress()
    {
        var world = TurnLab.Build(Net);
        using var server = TurnLab.StartNatttServer(world.Turn, "--user", $"{TurnLab.User}:{TurnLab.Password}");
        var r = world.Client.Exec("timeout", ["10", "turnutils_stunclient", TurnLab.Server], TimeSpan.FromSeconds(15));
        var text = r.StandardOutput + r.StandardError;
        Output.WriteLine(text);
        Assert.Contains($"UDP reflexive addr: {TurnLab.NatPublic}:", text);
    }
}

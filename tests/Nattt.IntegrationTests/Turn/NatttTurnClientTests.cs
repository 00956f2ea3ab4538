using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Turn;

/// <summary>`nattt turn` (our TURN client) against coturn's turnserver and against `nattt turn-server`, over UDP,
/// TCP and TLS, from behind the kernel's masquerade.</summary>
public sealed class NatttTurnClientTests(ITestOutputHelper output) : NamespaceTest(output, "turn-client", TurnLab.Drawing)
{
    [Theory]
    [InlineData("udp", false)]
    [InlineData("tcp", false)]
    [InlineData("tls", false)]
    [InlineData("udp", true)]
    public void NatttTurn_AgainstCoturn_EchoesComeBack(string transport, bool sendIndications)
    {
        var world = TurnLab.Build(Net);
        var dir = Directory.CreateTempSubdirectory("nattt-coturn-");
        try
        {
            var (cert, key) = MakeCertificate(dir.FullName);
            using var coturn = world.Turn.Start("turnserver", "-n", "--listening-ip", TurnLab.Server, "--relay-ip", TurnLab.Server,
                "--listening-port", "3478", "--tls-listening-port", "5349", "--cert", cert, "--pkey", key,
                "--userdb", Path.Combine(dir.FullName, "turndb"), "--pidfile", Path.Combine(dir.FullName, "turn.pid"),
                "--lt-cred-mech", "--user", $"{TurnLab.User}:{TurnLab.Password}", "--realm", "coturn.test",
                "--no-dtls", "--no-cli", "--log-file", "stdout", "--simple-log");
            Thread.Sleep(1500);
            string[] args = ["turn", TurnLab.Server, "-u", TurnLab.User, "-w", TurnLab.Password, "--peer", $"{TurnLab.PeerAddress}:3480",
                "-n", "20", "-t", transport, "--insecure"];
            if (sendIndications) args = [.. args, "--send-indications"];
            var r = world.Client.Exec(TurnLab.Nattt, args, TimeSpan.FromSeconds(30));
            Output.WriteLine(r.StandardOutput + r.StandardError);
            Output.WriteLine(coturn.Output);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains($"mapped address {TurnLab.NatPublic}:", r.StandardOutput);
            Assert.Contains($"allocated relay {TurnLab.Server}:", r.StandardOutput);
            Assert.Contains("received 20, lost 0", r.StandardOutput);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void NatttTurn_AgainstCoturn_WrongPassword_Reports401()
    {
        var world = TurnLab.Build(Net);
        var dir = Directory.CreateTempSubdirectory("nattt-coturn-");
        try
        {
            using var coturn = world.Turn.Start("turnserver", "-n", "--listening-ip", TurnLab.Server, "--relay-ip", TurnLab.Server,
                "--userdb", Path.Combine(dir.FullName, "turndb"), "--pidfile", Path.Combine(dir.FullName, "turn.pid"),
                "--lt-cred-mech", "--user", $"{TurnLab.User}:{TurnLab.Password}", "--realm", "coturn.test",
                "--no-tls", "--no-dtls", "--no-cli", "--log-file", "stdout");
            Thread.Sleep(1500);
            var r = world.Client.Exec(TurnLab.Nattt, ["turn", TurnLab.Server, "-u", TurnLab.User, "-w", "wrong"], TimeSpan.FromSeconds(30));
            Output.WriteLine(r.StandardOutput + r.StandardError);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("allocate refused: 401", r.StandardOutput);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    [InlineData("tls")]
    public void NatttTurn_AgainstNatttTurnServer_SharedSecret_EchoesComeBack(string transport)
    {
        var world = TurnLab.Build(Net);
        var dir = Directory.CreateTempSubdirectory("nattt-turn-tls-");
        try
        {
            var (cert, key) = MakeCertificate(dir.FullName);
            using var server = TurnLab.StartNatttServer(world.Turn, "--use-auth-secret", "--static-auth-secret", TurnLab.Secret,
                "--cert", cert, "--pkey", key, "--tls-listening-port", "443");
            string[] args = ["turn", TurnLab.Server, "-u", "carol", "-W", TurnLab.Secret, "--peer", $"{TurnLab.PeerAddress}:3480", "-n", "20", "-t", transport, "--insecure"];
            if (transport == "tls") args[1] = $"{TurnLab.Server}:443";
            var r = world.Client.Exec(TurnLab.Nattt, args, TimeSpan.FromSeconds(30));
            Output.WriteLine(r.StandardOutput + r.StandardError);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("received 20, lost 0", r.StandardOutput);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void NatttTurnServer_CoturnConfigFile_StartsAndReportsIgnoredOptions()
    {
        var world = TurnLab.Build(Net);
        var dir = Directory.CreateTempSubdirectory("nattt-turnconf-");
        try
        {
            var users = Path.Combine(dir.FullName, "users");
            File.WriteAllLines(users, [$"{TurnLab.User}:{TurnLab.Password}"]);
            var conf = Path.Combine(dir.FullName, "turnserver.conf");
            File.WriteAllLines(conf, [
                "# a coturn configuration", $"listening-ip={TurnLab.Server}", $"relay-ip={TurnLab.Server}", "listening-port=3478",
                "lt-cred-mech", "realm=conf.test", $"userdb={users}", "min-port=40000", "max-port=40100", "no-tls", "no-dtls",
                "fingerprint", "cli-password=qwerty", "user-quota=1"]);
            using var server = world.Turn.Start(TurnLab.Nattt, "turn-server", "-c", conf, "--allow-documentation-peers");
            Assert.True(server.WaitForOutput("turn-server ready", TimeSpan.FromSeconds(20)), server.Output);
            Assert.Contains("cli-password (not supported by nattt)", server.Output);
            Assert.Contains("no-dtls", server.Output);
            var r = world.Client.Exec(TurnLab.Nattt, ["turn", TurnLab.Server, "-u", TurnLab.User, "-w", TurnLab.Password, "--peer", $"{TurnLab.PeerAddress}:3480", "-n", "5"],
                TimeSpan.FromSeconds(30));
            Output.WriteLine(r.StandardOutput + r.StandardError);
            Assert.Equal(0, r.ExitCode);
            Assert.Matches(@"allocated relay 203\.0\.113\.10:40(0\d\d|100) ", r.StandardOutput);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (string Cert, string Key) MakeCertificate(string dir)
    {
        string cert = Path.Combine(dir, "cert.pem"), key = Path.Combine(dir, "key.pem");
        Shell.Run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", key, "-out", cert,
            "-days", "1", "-nodes", "-subj", "/CN=turn.test"]).EnsureSuccess();
        return (cert, key);
    }
}

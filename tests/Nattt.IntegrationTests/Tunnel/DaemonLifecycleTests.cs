using Nattt.Lab;
using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// The daemons as an operator meets them: a crash leaves TUN devices, rules and tables that the next start clears;
/// a clean stop removes everything; bad options and missing forwarding give one clear line; --help shows defaults.
/// <code>
///   a 203.0.113.10 ── "Internet" ── y: nattt box ── b 10.0.0.2
/// </code>
/// (full drawing: <see cref="NatttWorld.Drawing"/>)
/// </summary>
public sealed class DaemonLifecycleTests(ITestOutputHelper output) : TunnelScenario(output, "daemon-lifecycle", secondHome: false)
{
    private static bool Has(LabHost host, params string[] ipArgs) => host.Exec("ip", ipArgs).StandardOutput.Trim().Length > 0;

    [Fact]
    public void Box_KilledThenRestarted_ClearsLeftoversAndWorks_CleanStopRemovesAll()
    {
        var box = StartBox();
        StartClient(World.A);
        Assert.True(World.A.Exec("ping", ["-c", "1", "-W", "2", StandIn]).Succeeded);
        Native(box.Pid, 9); // a crash: nothing cleaned up
        box.Stop();
        // The kernel removes a TUN device with its last file descriptor; the rule and the nft table stay behind.
        Assert.True(Has(World.Y, "rule", "show", "fwmark", "0x6e74"), "a killed box leaves its ip rule");
        Assert.Contains("nattt_box", World.Y.Exec("nft", "list", "tables").StandardOutput);

        var again = StartBox();
        Assert.True(World.A.Exec("ping", ["-c", "1", "-W", "2", StandIn]).Succeeded);
        Assert.Equal(1, World.Y.Exec("ip", "rule", "show", "fwmark", "0x6e74").StandardOutput.Trim().Split('\n').Length);

        Assert.Equal(0, again.Stop(TimeSpan.FromSeconds(10)));
        Assert.False(Has(World.Y, "link", "show", "nattt-box"), "a clean stop removes the TUN device");
        Assert.False(Has(World.Y, "rule", "show", "fwmark", "0x6e74"), "a clean stop removes the ip rule");
        Assert.False(Has(World.Y, "route", "show", "table", "28276"), "a clean stop removes the route table");
        Assert.DoesNotContain("nattt_box", World.Y.Exec("nft", "list", "tables").StandardOutput);
        Assert.False(File.Exists(SocketPath("box")));
    }

    [Fact]
    public void Box_ConfigFile_IsReadAndFlagsWin()
    {
        var config = Path.Combine(Files.FullName, "box.json");
        File.WriteAllText(config, """{ "publish": ["10.0.0.2:icmp"], "max-flows-per-source": 1, "udp-idle": 42 }""");
        NatttProgram.StartDaemon(World.Y, "box", "--control-socket", SocketPath("box"), "--config", config, "--max-flows-per-source", "3");
        StartClient(World.A);
        Assert.True(World.A.Exec("ping", ["-c", "1", "-W", "2", StandIn]).Succeeded, "the file's --publish applies");
        var status = Status("box");
        Assert.Equal(["10.0.0.2:icmp"], status.GetProperty("published").EnumerateArray().Select(p => p.GetString()).ToArray());
        Assert.Equal(3, status.GetProperty("limits").GetProperty("max_flows_per_source").GetInt64()); // the flag won

        File.WriteAllText(config, """{ "publish": "10.0.0.2", "nonsense": 1 }""");
        var bad = NatttProgram.Run(World.Y, "box", "--config", config);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("box.json", Assert.Single(bad.StandardError.Trim().Split('\n')));
    }

    [Fact]
    public void Client_CleanStop_RemovesTunAndRoute()
    {
        StartBox();
        var client = StartClient(World.A);
        Assert.True(Has(World.A, "route", "show", "198.18.0.0/15"));
        Assert.Equal(0, client.Stop(TimeSpan.FromSeconds(10)));
        Assert.False(Has(World.A, "link", "show", "nattt0"));
        Assert.False(Has(World.A, "route", "show", "198.18.0.0/15"));
    }

    [Theory]
    [InlineData("box --publish 10.0.0.2:tcp", "box: --publish")]
    [InlineData("box --listen nowhere", "box: --listen")]
    [InlineData("client --map 203.0.113.1", "client: --map")]
    [InlineData("client --no-dns --pool 10.0.0.0/31", "client: --pool")]
    public void BadOption_OneLineErrorAndExitCode2(string args, string expected)
    {
        var r = NatttProgram.Run(World.Y, args.Split(' '));
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.StandardError.Trim().Split('\n'));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", r.StandardError); // no stack trace
    }

    [Fact]
    public void Box_ForwardingOff_RefusesWithOneLine()
    {
        World.B.Sysctl("net.ipv4.ip_forward", "0");
        var r = NatttProgram.Run(World.B, "box", "--control-socket", SocketPath("b-box"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("ip_forward", Assert.Single(r.StandardError.Trim().Split('\n')));
    }

    [Theory]
    [InlineData("box")]
    [InlineData("client")]
    [InlineData("status")]
    public void Help_EveryOptionStatesItsDefault(string command)
    {
        var r = NatttProgram.Run(World.A, command, "--help");
        Assert.Equal(0, r.ExitCode);
        var options = r.StandardOutput.Split('\n').SkipWhile(l => !l.StartsWith("Options:")).Skip(1)
            .Where(l => l.TrimStart().StartsWith("--") && !l.Contains("--help") && !l.Contains("-?")).ToList();
        Assert.NotEmpty(options);
        // Descriptions wrap; join each option with its continuation lines before looking for "Defaults to".
        var text = r.StandardOutput;
        foreach (var o in options)
        {
            var name = o.Trim().Split(' ', ',')[0];
            var start = text.IndexOf(o, StringComparison.Ordinal);
            var next = text.IndexOf("\n  -", start + o.Length, StringComparison.Ordinal);
            var block = text[start..(next < 0 ? text.Length : next)];
            Assert.True(block.Contains("Defaults to", StringComparison.Ordinal), $"{command} {name}: no default stated in '{block.Trim()}'");
        }
    }

    private static void Native(int pid, int signal) => Shell.Run("kill", $"-{signal}", $"{pid}");
}

using System.Text.RegularExpressions;
using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Stun;

/// <summary>`nattt stun-server` as a daemon: hostile input is counted exactly, logged at a bounded rate, never
/// stops it; SIGTERM stops it cleanly with its counters.</summary>
public sealed class StunServerHostTests(ITestOutputHelper output) : NamespaceTest(output, "stun-server-host", StunLab.Drawing)
{
    [Fact]
    public void StunServer_GarbageFlood_CountedRateLimitedStillAnswersAndStopsCleanly()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        using var stunServer = StunLab.StartNatttServer(server);
        // 50 datagrams that are not STUN (first byte 'x'), from 50 source ports.
        var flood = client.Sh($"for i in $(seq 1 50); do printf 'xxxxxxxxxxxxxxxxxxxxxxxx' | socat -u - UDP:{StunLab.ServerPrimary}:3478; done",
            TimeSpan.FromSeconds(60));
        Assert.True(flood.Succeeded, flood.StandardError);
        var report = StunLab.RunNatttStun(client, $"{StunLab.ServerPrimary}:3478", Output, "--no-hairpin");
        Assert.StartsWith(StunLab.NatPublic + ":", report.GetProperty("mappedAddress").GetString());

        Assert.Equal(0, stunServer.Stop(TimeSpan.FromSeconds(10)));
        var log = stunServer.Output;
        Output.WriteLine(log);
        int droppedLines = Regex.Matches(log, "Dropped input from").Count;
        Assert.InRange(droppedLines, 1, 10);
        Assert.Contains("dropped_Malformed=50", log);
        Assert.Contains("malformed_HeaderNotStun=50", log);
    }

    [Fact]
    public void StunServer_TcpStreamThatIsNotStun_ClosedAndCounted()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        using var stunServer = StunLab.StartNatttServer(server);
        // A TLS record on the plain TCP port: its first byte (0x16) is neither STUN (0..3) nor ChannelData (64..79).
        var r = client.Sh($"printf '\\026\\003\\001\\000\\005hello' | timeout 10 socat -t 5 - TCP:{StunLab.ServerPrimary}:3478; echo exit=$?",
            TimeSpan.FromSeconds(20));
        Output.WriteLine(r.StandardOutput + r.StandardError);
        Assert.Contains("exit=0", r.StandardOutput); // the server closed the connection (socat did not time out)
        Assert.Equal(0, stunServer.Stop(TimeSpan.FromSeconds(10)));
        Output.WriteLine(stunServer.Output);
        Assert.Contains("not a STUN stream: FrameNotStunOrChannelData", stunServer.Output);
        Assert.Contains("malformed_FrameNotStunOrChannelData=1", stunServer.Output);
    }
}

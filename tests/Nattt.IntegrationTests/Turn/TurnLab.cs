using System.Globalization;
using System.Text.RegularExpressions;
using Nattt.Lab;

namespace Nattt.IntegrationTests.Turn;

/// <summary>
/// The TURN scenarios' world: a client behind a kernel NAT, a TURN server and an echo peer on the "public"
/// network, and behind the TURN server a private network with an echo peer at 10.9.0.2 and one posing as the
/// cloud metadata service at 169.254.169.254 (the targets a relay must refuse).
/// </summary>
internal static partial class TurnLab
{
    public const string Drawing = """
          client ------- [ x: NAT ] ------- [ sw ] ------- turn ------- inside
        10.1.0.2/24   lan0 10.1.0.1            |      203.0.113.10    10.9.0.2/24
                      wan0 203.0.113.1         |      lan0 10.9.0.1   169.254.169.254/16
                                             peer     lan0 169.254.0.1     (turn also 2001:db8:1::10/64)
                                       203.0.113.20, 2001:db8:1::20 (turnutils_peer :3480 on both)
          inside runs turnutils_peer on 10.9.0.2:3480 and 169.254.169.254:3480; turn runs one on 127.0.0.1:3480
        """;

    public const string Server = "203.0.113.10";
    public const string PeerAddress = "203.0.113.20";
    public const string NatPublic = "203.0.113.1";
    public const string Server6 = "2001:db8:1::10";
    public const string PeerAddress6 = "2001:db8:1::20";
    public const string User = "alice";
    public const string Password = "wonder-land";
    public const string Secret = "north-wind-secret";

    public static string Nattt => Path.Combine(AppContext.BaseDirectory, "nattt");

    public sealed record World(LabHost Client, LabHost Nat, LabHost Turn, LabHost Peer, LabHost Inside);

    public static World Build(LabNetwork net)
    {
        var client = net.AddHost("client");
        var nat = net.AddHost("x");
        var sw = net.AddSwitch("sw");
        var turn = net.AddHost("turn");
        var peer = net.AddHost("peer");
        var inside = net.AddHost("inside");
        net.Link(client, "eth0", "10.1.0.2/24", nat, "lan0", "10.1.0.1/24");
        net.Attach(nat, "wan0", "203.0.113.1/24", sw);
        net.Attach(turn, "eth0", "203.0.113.10/24,2001:db8:1::10/64", sw);
        net.Attach(peer, "eth0", "203.0.113.20/24,2001:db8:1::20/64", sw);
        net.Link(turn, "lan0", "10.9.0.1/24,169.254.0.1/16", inside, "eth0", "10.9.0.2/24,169.254.169.254/16");
        client.DefaultRoute("10.1.0.1");
        inside.DefaultRoute("10.9.0.1");
        nat.MakeNatRouter("wan0", NatMapping.PortPreserving);
        peer.Start("turnutils_peer", "-L", PeerAddress, "-p", "3480");
        peer.Start("turnutils_peer", "-L", PeerAddress6, "-p", "3480");
        inside.Start("turnutils_peer", "-L", "10.9.0.2", "-p", "3480");
        inside.Start("turnutils_peer", "-L", "169.254.169.254", "-p", "3480");
        turn.Start("turnutils_peer", "-L", "127.0.0.1", "-p", "3480");
        return new World(client, nat, turn, peer, inside);
    }

    /// <summary>Starts `nattt turn-server` on the turn host and waits for its ready line.</summary>
    public static LabProcess StartNatttServer(LabHost turn, params string[] extra)
    {
        string[] args = ["turn-server", "--listening-ip", Server, "--relay-ip", Server, "--relay-ip", Server6, "--realm", "nattt.test",
            "--allow-documentation-peers", "--prometheus", "--log-level", "Debug", .. extra];
        var process = turn.Start(Nattt, args);
        if (!process.WaitForOutput("turn-server ready", TimeSpan.FromSeconds(20)))
            throw new InvalidOperationException("nattt turn-server did not start: " + process.Output);
        return process;
    }

    /// <summary>Runs coturn's turnutils_uclient from the client host and returns (sent, received, lost, output).</summary>
    public static (int Sent, int Received, int Lost, string Output) Uclient(LabHost client, params string[] args)
    {
        var r = client.Exec("timeout", ["60", "turnutils_uclient", .. args, Server], TimeSpan.FromSeconds(70));
        var text = r.StandardOutput + r.StandardError;
        // It exits 0 even with 100 % loss: the numbers are in its summary lines.
        // Progress lines carry running totals; the last one is the final count.
        var lost = LostRegex().Matches(text).LastOrDefault();
        var totals = TotalsRegex().Matches(text).LastOrDefault();
        if (lost is null || totals is null) return (0, 0, -1, text);
        return (Int(totals.Groups[1].Value), Int(totals.Groups[2].Value), Int(lost.Groups[1].Value), text);
    }

    /// <summary>The value of one Prometheus series, read on the turn host.</summary>
    public static long Metric(LabHost turn, string series, int port = 9641)
    {
        var r = turn.Exec("curl", "-s", "--max-time", "5", $"http://127.0.0.1:{port}/metrics").EnsureSuccess();
        foreach (var line in r.StandardOutput.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return long.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"no series {series} in:\n{r.StandardOutput}");
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Total lost packets (\d+)")]
    private static partial Regex LostRegex();

    [GeneratedRegex(@"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)")]
    private static partial Regex TotalsRegex();
}

using System.Text.Json;
using Nattt.Lab;

namespace Nattt.IntegrationTests.Stun;

/// <summary>
/// The STUN scenarios' shared topology and helpers. The "internet" is 203.0.113.0/24; the STUN server holds two
/// addresses there (RFC 5780 needs two IPs).
/// </summary>
internal static class StunLab
{
    public const string Drawing = """
          client ------------------ [ nat: kernel NAT ] ------------------ stun server
        10.1.0.2/24          lan0 10.1.0.1    wan0 203.0.113.1          203.0.113.10 (primary)
                                                                        203.0.113.11 (alternate)
        """;

    public const string ServerPrimary = "203.0.113.10";
    public const string ServerAlternate = "203.0.113.11";
    public const string NatPublic = "203.0.113.1";

    /// <summary>The nattt executable built next to the tests.</summary>
    public static string Nattt => Path.Combine(AppContext.BaseDirectory, "nattt");

    public static (LabHost Client, LabHost Nat, LabHost Server) Build(LabNetwork net, NatMapping mapping)
    {
        var client = net.AddHost("client");
        var nat = net.AddHost("nat");
        var server = net.AddHost("server");
        net.Link(client, "eth0", "10.1.0.2/24", nat, "lan0", "10.1.0.1/24");
        net.Link(nat, "wan0", "203.0.113.1/24", server, "eth0", $"{ServerPrimary}/24,{ServerAlternate}/24");
        client.DefaultRoute("10.1.0.1");
        nat.MakeNatRouter("wan0", mapping);
        return (client, nat, server);
    }

    /// <summary>Starts `nattt stun-server` with both addresses and waits until all its UDP sockets are bound.</summary>
    public static LabProcess StartNatttServer(LabHost server, params string[] extra)
    {
        var process = server.Start(Nattt, ["stun-server", "--listen", $"{ServerPrimary}:3478", "--alternate-ip", ServerAlternate, "--stats-interval", "0", .. extra], null);
        if (!process.WaitForOutput($"listening on tcp {ServerAlternate}:3479", TimeSpan.FromSeconds(20)))
            throw new InvalidOperationException("nattt stun-server did not start: " + process.Output);
        return process;
    }

    /// <summary>Runs `nattt stun --json` on the client and parses its output.</summary>
    public static JsonElement RunNatttStun(LabHost client, string server, TextWriter log, params string[] extra)
    {
        var r = client.Exec(Nattt, ["stun", server, "--json", "--rto", "200", .. extra], TimeSpan.FromSeconds(120));
        log.WriteLine(r.StandardOutput);
        log.WriteLine(r.StandardError);
        Assert.True(r.Succeeded, $"nattt stun failed: {r.StandardOutput} {r.StandardError}");
        return JsonDocument.Parse(r.StandardOutput).RootElement.Clone();
    }
}

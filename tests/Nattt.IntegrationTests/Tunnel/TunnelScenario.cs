using System.Text.Json;
using Nattt.Diagnostics;
using Nattt.Lab;
using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// Shared set-up of the NATTT scenarios: the world of figures 1 and 2 (see <see cref="NatttWorld.Drawing"/>), a box on
/// y, and helpers for transfers with checksums, UDP echo, ping and the daemons' status.
/// </summary>
public abstract class TunnelScenario : NamespaceTest
{
    protected const string StandIn = "198.18.0.10";
    protected const string UnpublishedStandIn = "198.18.0.11";
    protected readonly NatttWorld World;
    protected readonly DirectoryInfo Files;

    protected TunnelScenario(ITestOutputHelper output, string scenario, bool secondHome = true)
        : base(output, scenario, NatttWorld.Drawing)
    {
        World = NatttWorld.Build(Net, secondHome);
        Files = Directory.CreateTempSubdirectory($"nattt-{Net.RunId}-");
    }

    protected string SocketPath(string who) => $"/run/nattt/test-{Net.RunId}-{who}.sock";

    protected LabProcess StartBox(params string[] extra) =>
        NatttProgram.StartDaemon(World.Y, ["box", "--control-socket", SocketPath("box"),
            "--publish", "10.0.0.2:tcp/5000-5010", "--publish", "10.0.0.2:udp/7", "--publish", "10.0.0.2:icmp", .. extra]);

    protected LabProcess StartClient(LabHost host, params string[] extra) =>
        NatttProgram.StartDaemon(host, ["client", "--no-dns", "--control-socket", SocketPath(host.Name),
            "--map", $"b=203.0.113.1:100,10.0.0.2@{StandIn}", "--map", $"b2=203.0.113.1:100,10.0.0.3@{UnpublishedStandIn}", .. extra]);

    protected JsonElement Status(string who)
    {
        var json = ControlServer.QueryAsync(SocketPath(who), "status", TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        Output.WriteLine($"status of {who}: {json}");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    protected static long Counter(JsonElement status, string name) =>
        status.GetProperty("counters").TryGetProperty(name, out var v) ? v.GetInt64() : 0;

    protected string MakeFile(string name, int megabytes)
    {
        var path = Path.Combine(Files.FullName, name);
        var data = new byte[megabytes << 20];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(path, data);
        return path;
    }

    protected static string Sha256(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Uploads <paramref name="file"/> from <paramref name="client"/> to a one-shot receiver on b through the
    /// stand-in; returns the SHA-256 that b computed of what it received.</summary>
    protected string UploadAndHashOnServer(LabHost client, string file, int port, int? sourcePort = null)
    {
        using var server = World.B.Start("socat", "-u", $"TCP-LISTEN:{port},reuseaddr", "SYSTEM:sha256sum >&2");
        WaitForListener(World.B, port);
        var source = sourcePort is null ? "" : $",sourceport={sourcePort}";
        var r = client.Exec("socat", ["-u", $"OPEN:{file}", $"TCP:{StandIn}:{port},connect-timeout=5{source}"], TimeSpan.FromSeconds(60));
        Assert.True(r.Succeeded, $"upload failed: {r.StandardError}");
        Assert.True(server.WaitForOutput("  -", TimeSpan.FromSeconds(30)), $"server did not finish: {server.Output}");
        return server.Output.Split(' ')[0].Trim().ToUpperInvariant();
    }

    /// <summary>Sends <paramref name="file"/> through a server on b that answers with the SHA-256 of what it got,
    /// over one connection (a "hash echo"), returning the answer as the client saw it.</summary>
    protected CommandResult HashEcho(LabHost client, string file, int port, int sourcePort) =>
        client.Exec("/bin/sh", ["-c", $"socat -t 20 - TCP:{StandIn}:{port},connect-timeout=5,sourceport={sourcePort} < {file}"],
            TimeSpan.FromSeconds(60));

    protected static void WaitForListener(LabHost host, int port, string proto = "t")
    {
        for (var i = 0; i < 50; i++)
        {
            if (host.Exec("ss", $"-{proto}lnH", $"sport = :{port}").StandardOutput.Trim().Length > 0) return;
            Thread.Sleep(100);
        }
        throw new LabException($"nothing listens on {port} in {host.Name}");
    }

    /// <summary>Sends one datagram from <paramref name="client"/> to the echo server and returns what came back.</summary>
    protected static string UdpEcho(LabHost client, string text, int? sourcePort = null, string destination = StandIn, int waitSeconds = 3)
    {
        var source = sourcePort is null ? "" : $",sourceport={sourcePort},reuseaddr";
        var r = client.Exec("socat", ["-T", $"{waitSeconds}", "-", $"UDP:{destination}:7{source}"], TimeSpan.FromSeconds(10), stdin: text);
        return r.StandardOutput;
    }

    /// <summary>A UDP echo server on b port 7: one socket answering each datagram to its source. Not socat's
    /// UDP-LISTEN with fork, which hands the listening socket to a child connected to the first peer, so that a
    /// second peer's datagram arriving before that connect is echoed to the first peer (batched sockets in the box
    /// deliver two clients' datagrams back to back and made that race near-certain). Exits after 30 s idle.</summary>
    protected LabProcess StartUdpEcho() => World.B.Start("/usr/bin/python3", "-c", """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', 7))
        s.settimeout(30)
        try:
            while True:
                data, peer = s.recvfrom(65535)
                s.sendto(data, peer)
        except socket.timeout:
            pass
        """);

    public override void Dispose()
    {
        try { Files.Delete(recursive: true); }
        finally { base.Dispose(); }
    }
}

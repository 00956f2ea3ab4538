using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// Shared steps of the scenarios on worlds other than figures 1 and 2 (nested boxes, proxies): start boxes and
/// clients, transfer with checksums, UDP echo and ping through a stand-in address.
/// </summary>
public abstract class WorldScenario(ITestOutputHelper output, string scenario, string drawing)
    : NamespaceTest(output, scenario, drawing)
{
    protected readonly DirectoryInfo Files = Directory.CreateTempSubdirectory("nattt-world-");

    protected string SocketPath(string who) => $"/run/nattt/test-{Net.RunId}-{who}.sock";

    /// <summary>Starts <c>nattt box</c> on <paramref name="host"/> publishing each of <paramref name="published"/>,
    /// with <paramref name="extra"/> options before them.</summary>
    protected LabProcess StartBox(LabHost host, string[] extra, params string[] published)
    {
        var args = new List<string> { "box", "--control-socket", SocketPath(host.Name) };
        args.AddRange(extra);
        foreach (var p in published) args.AddRange(["--publish", p]);
        return NatttProgram.StartDaemon(host, [.. args]);
    }

    protected LabProcess StartClient(LabHost host, params string[] maps)
    {
        var args = new List<string> { "client", "--no-dns", "--control-socket", SocketPath(host.Name) };
        foreach (var m in maps) args.AddRange(["--map", m]);
        return NatttProgram.StartDaemon(host, [.. args]);
    }

    /// <summary>A 20 MB upload checked by SHA-256 on the server, a UDP echo and three pings, all through
    /// <paramref name="standIn"/> (IPv4 or IPv6; the servers listen on both).</summary>
    protected void Exchange(LabHost client, LabHost server, string standIn)
    {
        using var echo = server.Start("socat", "-T", "10", "UDP6-LISTEN:7,fork,reuseaddr,ipv6only=0", "PIPE");
        WaitForListener(server, 7, "u");
        var file = MakeFile("up", 20);
        Assert.Equal(Sha256(file), UploadAndHash(client, server, standIn, file, 5001));
        // socat's fork of the echo server can take seconds on a loaded 2-core machine: wait up to 8 s for the answer.
        var r = client.Exec("socat", ["-T", "8", "-", $"UDP:{Socat(standIn)}:7"], TimeSpan.FromSeconds(15), stdin: "through the tunnel\n");
        Assert.Equal("through the tunnel\n", r.StandardOutput);
        var ping = client.Exec("ping", ["-c", "3", "-W", "2", standIn]);
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
    }

    /// <summary>b sends <paramref name="file"/> to the client through the stand-in; returns the SHA-256 of what arrived.</summary>
    protected string Download(LabHost client, LabHost server, string standIn, string file, int port)
    {
        using var sender = server.Start("socat", "-u", $"OPEN:{file}", $"TCP6-LISTEN:{port},reuseaddr,ipv6only=0");
        WaitForListener(server, port);
        var down = Path.Combine(Files.FullName, "down");
        var r = client.Exec("socat", ["-u", $"TCP:{Socat(standIn)}:{port},connect-timeout=5", $"CREATE:{down}"], TimeSpan.FromSeconds(90));
        Assert.True(r.Succeeded, r.StandardError);
        return Sha256(down);
    }

    protected string UploadAndHash(LabHost client, LabHost server, string standIn, string file, int port)
    {
        using var receiver = server.Start("socat", "-u", $"TCP6-LISTEN:{port},reuseaddr,ipv6only=0", "SYSTEM:sha256sum >&2");
        WaitForListener(server, port);
        var r = client.Exec("socat", ["-u", $"OPEN:{file}", $"TCP:{Socat(standIn)}:{port},connect-timeout=5"], TimeSpan.FromSeconds(90));
        Assert.True(r.Succeeded, $"upload failed: {r.StandardError}");
        Assert.True(receiver.WaitForOutput("  -", TimeSpan.FromSeconds(30)), $"server did not finish: {receiver.Output}");
        return receiver.Output.Split(' ')[0].Trim().ToUpperInvariant();
    }

    /// <summary>An address as socat's TCP:/UDP: addresses take it (IPv6 in brackets).</summary>
    protected static string Socat(string address) => address.Contains(':') ? $"[{address}]" : address;

    protected string MakeFile(string name, int megabytes)
    {
        var path = Path.Combine(Files.FullName, name);
        var data = new byte[megabytes << 20];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(path, data);
        return path;
    }

    protected static string Sha256(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    protected static void WaitForListener(LabHost host, int port, string proto = "t")
    {
        for (var i = 0; i < 50; i++)
        {
            if (host.Exec("ss", $"-{proto}lnH", $"sport = :{port}").StandardOutput.Trim().Length > 0) return;
            Thread.Sleep(100);
        }
        throw new LabException($"nothing listens on {port} in {host.Name}");
    }

    public override void Dispose()
    {
        try { Files.Delete(recursive: true); }
        finally { base.Dispose(); }
    }
}

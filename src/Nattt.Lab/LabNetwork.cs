using System.Security.Cryptography;

namespace Nattt.Lab;

/// <summary>
/// A topology of network namespaces built for one scenario and torn down by <see cref="Dispose"/>, also when the
/// scenario fails or the process is interrupted (Ctrl-C, SIGTERM).
/// </summary>
/// <remarks>
/// Every namespace is named <c>nattt-RUNID-HOST</c>, RUNID being random per network, so two runs side by side never
/// collide. Links are created directly inside the namespaces (<c>ip -n A link add ... netns B</c>), so no interface
/// ever exists in the root namespace, and the root namespace's routing and firewall are never touched.
/// Not thread-safe: build the topology from one thread; the hosts' Exec/Start may then be used from any thread.
/// </remarks>
public sealed class LabNetwork : IDisposable
{
    private static readonly List<LabNetwork> Live = []; // guarded by itself; networks to tear down on interruption
    private readonly List<LabHost> _hosts = [];
    private readonly TextWriter _log;
    private bool _disposed;

    static LabNetwork()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAllLive();
        Console.CancelKeyPress += (_, _) => DisposeAllLive();
    }

    private LabNetwork(string scenario, string drawing, TextWriter log)
    {
        RunId = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        Scenario = scenario;
        Drawing = drawing;
        _log = log;
        lock (Live) Live.Add(this);
    }

    /// <summary>Random per network; part of every namespace name.</summary>
    public string RunId { get; }
    public string Prefix => $"nattt-{RunId}-";
    public string Scenario { get; }
    public string Drawing { get; }
    public IReadOnlyList<LabHost> Hosts => _hosts;

    /// <summary>Starts a scenario: checks privileges and tools, and writes the drawn topology to the log.</summary>
    public static LabNetwork Create(string scenario, string drawing, TextWriter? log = null)
    {
        Preflight.EnsureReady();
        var net = new LabNetwork(scenario, drawing, log ?? TextWriter.Null);
        net.Log($"scenario {scenario} (run {net.RunId})");
        foreach (var line in drawing.Trim('\n').Split('\n')) net.Log("  " + line);
        return net;
    }

    internal void Log(string line) { lock (_log) _log.WriteLine(line); }

    /// <summary>Adds a host: a network namespace with loopback up and forwarding off.</summary>
    public LabHost AddHost(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var host = new LabHost(this, name, Prefix + name);
        Shell.Run("ip", "netns", "add", host.Namespace).EnsureSuccess();
        _hosts.Add(host); // registered before anything else can fail, so Dispose removes it
        host.Ip("link", "set", "lo", "up");
        host.Sysctl("net.ipv6.conf.all.accept_dad", "0");
        host.Sysctl("net.ipv6.conf.default.accept_dad", "0");
        return host;
    }

    /// <summary>Adds a switch: a namespace holding one bridge <c>br0</c> that hosts attach to.</summary>
    public LabHost AddSwitch(string name)
    {
        var sw = AddHost(name);
        sw.Ip("link", "add", "br0", "type", "bridge");
        sw.Ip("link", "set", "br0", "up");
        return sw;
    }

    /// <summary>Links two hosts with a veth pair and gives each end an address (CIDR) if one is given.</summary>
    public void Link(LabHost a, string aInterface, string? aCidr, LabHost b, string bInterface, string? bCidr, int mtu = 1500)
    {
        a.Ip("link", "add", aInterface, "mtu", $"{mtu}", "type", "veth", "peer", "name", bInterface, "mtu", $"{mtu}",
            "netns", b.Namespace);
        a.UpWithAddress(aInterface, aCidr);
        b.UpWithAddress(bInterface, bCidr);
        Log($"link {a.Name}:{aInterface} {aCidr ?? ""} <-> {b.Name}:{bInterface} {bCidr ?? ""} (mtu {mtu})");
    }

    /// <summary>Attaches a host to a switch made by <see cref="AddSwitch"/>.</summary>
    public void Attach(LabHost host, string hostInterface, string? cidr, LabHost @switch, int mtu = 1500)
    {
        var port = $"p{@switch.PortCount++}";
        Link(@switch, port, null, host, hostInterface, cidr, mtu);
        @switch.Ip("link", "set", port, "master", "br0");
    }

    /// <summary>Kills every process the lab started (by PID), removes its namespaces, and returns what leaked.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Live) Live.Remove(this);
        // Every step runs for every host even if one fails, so that one failure never leaks the rest.
        var errors = new List<Exception>();
        foreach (var step in new Action<LabHost>[] { h => h.StopProcesses(), h => h.KillStragglers(),
                     h => Shell.Run("ip", "netns", "del", h.Namespace).EnsureSuccess(), h => h.RemoveNetnsEtc() })
            foreach (var host in _hosts)
            {
                try { step(host); }
                catch (Exception e) when (e is LabException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    errors.Add(e);
                }
            }
        Log($"scenario {Scenario} torn down");
        if (errors.Count > 0) throw new AggregateException("lab teardown had errors", errors);
    }

    /// <summary>What of this network still exists: namespaces, root-namespace interfaces, or processes it started.
    /// Empty after a clean <see cref="Dispose"/>; the test fixture fails a test that leaks.</summary>
    public IReadOnlyList<string> FindLeaks()
    {
        var leaks = new List<string>();
        var netns = Shell.Run("ip", "netns", "list").StandardOutput;
        leaks.AddRange(netns.Split('\n').Where(l => l.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(l => "namespace " + l.Split(' ')[0]));
        leaks.AddRange(_hosts.Where(h => Directory.Exists(Path.Combine("/etc/netns", h.Namespace))).Select(h => "/etc/netns/" + h.Namespace));
        var links = Shell.Run("ip", "-o", "link", "show").StandardOutput;
        leaks.AddRange(links.Split('\n').Where(l => l.Contains(RunId, StringComparison.Ordinal))
            .Select(l => "root interface " + l.Trim()));
        foreach (var host in _hosts)
            leaks.AddRange(host.StartedPids.Where(Native.IsAlive).Select(pid => $"process {pid} started in {host.Name}"));
        return leaks;
    }

    private static void DisposeAllLive()
    {
        LabNetwork[] live;
        lock (Live) live = [.. Live];
        foreach (var net in live) net.Dispose();
    }
}

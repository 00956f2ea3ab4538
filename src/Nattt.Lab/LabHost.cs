using System.Diagnostics;

namespace Nattt.Lab;

/// <summary>One host of a <see cref="LabNetwork"/>: a network namespace. Exec and Start are thread-safe.</summary>
public sealed class LabHost
{
    private readonly LabNetwork _network;
    private readonly List<LabProcess> _processes = []; // guarded by itself

    internal LabHost(LabNetwork network, string name, string ns)
    {
        _network = network;
        Name = name;
        Namespace = ns;
    }

    public string Name { get; }
    /// <summary>The namespace's name under /run/netns.</summary>
    public string Namespace { get; }
    internal int PortCount { get; set; }

    internal IEnumerable<int> StartedPids { get { lock (_processes) return _processes.Select(p => p.Pid).ToArray(); } }

    /// <summary>Runs a program inside the namespace to completion.</summary>
    public CommandResult Exec(string file, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null) =>
        Shell.Run("ip", new[] { "netns", "exec", Namespace, file }.Concat(args), timeout, stdin);

    public CommandResult Exec(string file, params string[] args) => Exec(file, (IEnumerable<string>)args);

    /// <summary>Runs a shell script inside the namespace.</summary>
    public CommandResult Sh(string script, TimeSpan? timeout = null) => Exec("/bin/sh", ["-c", script], timeout);

    /// <summary>Runs <c>ip ARGS</c> in the namespace and throws if it fails (topology set-up).</summary>
    public void Ip(params string[] args) => Shell.Run("ip", new[] { "-n", Namespace }.Concat(args)).EnsureSuccess();

    public void Sysctl(string key, string value) => Exec("sysctl", "-q", "-w", $"{key}={value}").EnsureSuccess();

    /// <summary>Loads an nftables ruleset (nft -f syntax) into the namespace.</summary>
    public void Nft(string ruleset)
    {
        var r = Exec("nft", ["-f", "-"], stdin: ruleset);
        if (!r.Succeeded) throw new LabException($"nft in {Name} failed: {r.StandardError.Trim()}\n{ruleset}");
    }

    /// <summary>Starts a program in the background inside the namespace; the lab stops it at teardown.</summary>
    public LabProcess Start(string file, params string[] args) => Start(file, (IEnumerable<string>)args, null);

    public LabProcess Start(string file, IEnumerable<string> args, IDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // so that programs reading stdin see EOF rather than the test's terminal
            UseShellExecute = false,
        };
        // `ip netns exec` execs the program, so the PID we hold is the program's own.
        foreach (var a in new[] { "netns", "exec", Namespace, file }.Concat(args)) psi.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = Process.Start(psi) ?? throw new LabException($"could not start {file} in {Name}");
        process.StandardInput.Close();
        var lp = new LabProcess($"{Name}:{Path.GetFileName(file)}", process);
        lock (_processes) _processes.Add(lp);
        _network.Log($"started {lp.Name} pid {lp.Pid}");
        return lp;
    }

    internal void UpWithAddress(string ifName, string? cidr)
    {
        if (cidr is not null)
            foreach (var c in cidr.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Ip("addr", "add", c, "dev", ifName);
        Ip("link", "set", ifName, "up");
    }

    /// <summary>Gives programs run in this namespace their own /etc/resolv.conf: <c>ip netns exec</c> bind-mounts
    /// /etc/netns/NAMESPACE/resolv.conf over it. The file is removed with the namespace.</summary>
    public void SetResolvConf(string text)
    {
        var dir = Path.Combine("/etc/netns", Namespace);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "resolv.conf"), text);
    }

    internal void RemoveNetnsEtc()
    {
        var dir = Path.Combine("/etc/netns", Namespace);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public void AddRoute(string destination, string via) => Ip("route", "add", destination, "via", via);

    public void DefaultRoute(string via) =>
        Ip(via.Contains(':') ? "-6" : "-4", "route", "add", "default", "via", via);

    /// <summary>Turns the host into a router (IPv4 and IPv6 forwarding on).</summary>
    public void EnableForwarding()
    {
        Sysctl("net.ipv4.ip_forward", "1");
        Sysctl("net.ipv6.conf.all.forwarding", "1");
    }

    internal void StopProcesses()
    {
        LabProcess[] ps;
        lock (_processes) ps = [.. _processes];
        foreach (var p in ps.Reverse()) p.Dispose();
    }

    /// <summary>Processes still inside the namespace were started by processes of ours (daemons' children): they
    /// live in a namespace this run created, so they are ours to kill before the namespace goes.</summary>
    internal void KillStragglers()
    {
        var pids = Shell.Run("ip", "netns", "pids", Namespace).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(s => int.TryParse(s.Trim(), out var p) ? p : 0)
            .Where(p => p > 0).ToArray();
        foreach (var pid in pids)
        {
            _network.Log($"killing straggler pid {pid} left in {Name}");
            Native.Kill(pid, Native.SIGKILL);
        }
    }
}

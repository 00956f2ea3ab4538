using Nattt.Lab;

namespace Nattt.IntegrationTests.Dns;

/// <summary>Runs the <c>nattt</c> built beside the tests inside a lab host.</summary>
public static class NatttDaemon
{
    public static (string File, string[] Prefix) Locate()
    {
        var dir = AppContext.BaseDirectory;
        var dll = Path.Combine(dir, "nattt.dll");
        if (File.Exists(dll)) return ("dotnet", [dll]);
        throw new LabException($"nattt is not built next to {dir} (build the solution first)");
    }

    /// <summary>Starts <c>nattt ARGS</c> and waits for its "ready" log line.</summary>
    public static LabProcess Start(LabHost host, params string[] args)
    {
        var (file, prefix) = Locate();
        var p = host.Start(file, prefix.Concat(args), new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" });
        if (!p.WaitForOutput("ready", TimeSpan.FromSeconds(30)))
            throw new LabException($"nattt {string.Join(' ', args)} on {host.Name} did not become ready:\n{p.Output}");
        return p;
    }

    /// <summary>Stops the proxy (SIGTERM) and returns the counters of its last "counters" line.</summary>
    public static Dictionary<string, long> StopAndReadCounters(LabProcess proxy)
    {
        proxy.Stop(TimeSpan.FromSeconds(10));
        Assert.True(proxy.WaitForOutput("dns proxy stopped", TimeSpan.FromSeconds(5)), proxy.Output);
        var line = proxy.Output.Split('\n').Last(l => l.Contains("dns proxy stopped", StringComparison.Ordinal));
        return line[(line.IndexOf("counters ", StringComparison.Ordinal) + 9)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=')).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => long.Parse(kv[1]));
    }
}

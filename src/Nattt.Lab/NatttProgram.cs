namespace Nattt.Lab;

/// <summary>Finds the `nattt` executable built beside the running program (tests and the demo run it in namespaces).</summary>
public static class NatttProgram
{
    /// <summary>The file to execute and the arguments that precede nattt's own (the apphost, or dotnet + nattt.dll).</summary>
    public static (string File, string[] Prefix) Locate()
    {
        var dir = AppContext.BaseDirectory;
        var apphost = Path.Combine(dir, "nattt");
        if (File.Exists(apphost)) return (apphost, []);
        var dll = Path.Combine(dir, "nattt.dll");
        if (File.Exists(dll)) return ("dotnet", [dll]);
        throw new LabException($"nattt is not built next to {dir} (build the solution first)");
    }

    /// <summary>Starts <c>nattt ARGS</c> on <paramref name="host"/> and waits for its "ready" log line.</summary>
    public static LabProcess StartDaemon(LabHost host, params string[] args)
    {
        var (file, prefix) = Locate();
        var p = host.Start(file, prefix.Concat(args), new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" });
        if (!p.WaitForOutput("ready", TimeSpan.FromSeconds(20)))
            throw new LabException($"nattt {args.FirstOrDefault()} on {host.Name} did not become ready:\n{p.Output}");
        return p;
    }

    /// <summary>Runs <c>nattt ARGS</c> on <paramref name="host"/> to completion.</summary>
    public static CommandResult Run(LabHost host, params string[] args)
    {
        var (file, prefix) = Locate();
        return host.Exec(file, prefix.Concat(args), TimeSpan.FromSeconds(30));
    }
}

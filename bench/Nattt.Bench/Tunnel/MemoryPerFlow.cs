using Nattt.Tunnel;

namespace Nattt.Bench.Tunnel;

/// <summary>
/// Managed heap per live flow: GC heap after a full collection with N flows open, minus the heap with the empty engine,
/// divided by N; and the process's RSS delta (VmRSS) over the same step. Counts the flow objects and both dictionaries' entries and buckets (which grow in powers, so small N
/// shows the rounding). Run: dotnet run -c Release --project bench/Nattt.Bench -- memory-per-flow.
/// </summary>
internal static class MemoryPerFlow
{
    public static void Print(TextWriter output)
    {
        output.WriteLine("| Table | Live flows | Heap delta (bytes) | Heap bytes per flow | RSS delta (bytes) | RSS bytes per flow |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var n in new[] { 1, 1_000, 100_000 })
        {
            var before = Heap();
            var rssBefore = Rss();
            var engine = TunnelWorkloads.NewBox(n);
            TunnelWorkloads.OpenBoxFlows(engine, n); // the returned replies are garbage before the next measurement
            var after = Heap();
            var rss = Rss() - rssBefore;
            output.WriteLine($"| box flows (BoxFlowTable) | {engine.FlowCount:N0} | {after - before:N0} | {(after - before) / (double)n:N0} | {rss:N0} | {rss / (double)n:N0} |");
            GC.KeepAlive(engine);
        }
        foreach (var n in new[] { 1, 1_000, 100_000 })
        {
            var before = Heap();
            var rssBefore = Rss();
            var (engine, mappings) = TunnelWorkloads.NewClient(n);
            mappings = null!;
            var after = Heap();
            var rss = Rss() - rssBefore;
            output.WriteLine($"| client mappings (StandInTable) | {n:N0} | {after - before:N0} | {(after - before) / (double)n:N0} | {rss:N0} | {rss / (double)n:N0} |");
            GC.KeepAlive(engine);
        }
    }

    /// <summary>The process's resident set (VmRSS of /proc/self/status), in bytes. After a compacting collection;
    /// the GC keeps freed segments mapped for a while, so RSS deltas are upper bounds and can be coarse.</summary>
    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
        return 0;
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

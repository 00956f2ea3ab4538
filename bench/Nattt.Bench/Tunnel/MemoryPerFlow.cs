using Nattt.Tunnel;

namespace Nattt.Bench.Tunnel;

/// <summary>
/// Managed heap per live flow: GC heap after a full collection with N flows open, minus the heap with the empty engine,
/// divided by N. Counts the flow objects and both dictionaries' entries and buckets (which grow in powers, so small N
/// shows the rounding). Run: dotnet run -c Release --project bench/Nattt.Bench -- memory-per-flow.
/// </summary>
internal static class MemoryPerFlow
{
    public static void Print(TextWriter output)
    {
        output.WriteLine("| Table | Live flows | Heap delta (bytes) | Bytes per flow |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var n in new[] { 1, 1_000, 100_000 })
        {
            var before = Heap();
            var engine = TunnelWorkloads.NewBox(n);
            TunnelWorkloads.OpenBoxFlows(engine, n); // the returned replies are garbage before the next measurement
            var after = Heap();
            output.WriteLine($"| box flows (BoxFlowTable) | {engine.FlowCount:N0} | {after - before:N0} | {(after - before) / (double)n:N0} |");
            GC.KeepAlive(engine);
        }
        foreach (var n in new[] { 1, 1_000, 100_000 })
        {
            var before = Heap();
            var (engine, mappings) = TunnelWorkloads.NewClient(n);
            mappings = null!;
            var after = Heap();
            output.WriteLine($"| client mappings (StandInTable) | {n:N0} | {after - before:N0} | {(after - before) / (double)n:N0} |");
            GC.KeepAlive(engine);
        }
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

using BenchmarkDotNet.Running;

namespace Nattt.Bench;

/// <summary>Code-path benchmarks. Run: dotnet run -c Release --project bench/Nattt.Bench -- --filter '*'.
/// Results land in BenchmarkDotNet.Artifacts/; bench/run-*.sh copy them to bench/results/.
/// <c>memory-per-flow</c> as the only argument prints the flow tables' heap per live flow instead.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["memory-per-flow"])
        {
            Tunnel.MemoryPerFlow.Print(Console.Out);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}

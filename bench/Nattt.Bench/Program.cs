using BenchmarkDotNet.Running;

namespace Nattt.Bench;

/// <summary>Code-path benchmarks. Run: dotnet run -c Release --project bench/Nattt.Bench -- --filter '*'.
/// Results land in BenchmarkDotNet.Artifacts/; bench/run-codepaths.sh copies them to bench/results/.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}

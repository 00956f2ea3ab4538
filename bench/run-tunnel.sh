#!/usr/bin/env bash
# Runs the tunnel engines' code-path benchmarks (bench/Nattt.Bench/Tunnel) and the flow tables' memory per live flow,
# and writes bench/results/tunnel-codepaths.md. Short job by default (a few minutes, bounded by BenchmarkDotNet's
# fixed warmup and iteration counts); pass other BenchmarkDotNet arguments to override, e.g. --job medium.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--job short)
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT
dotnet build bench/Nattt.Bench -c Release -nologo -v q -clp:ErrorsOnly
bin=bench/Nattt.Bench/bin/Release/net10.0/Nattt.Bench.dll
memory=$(timeout 300 dotnet "$bin" memory-per-flow)
timeout 1800 dotnet "$bin" --filter '*BoxEngineBenchmarks*' '*ClientEngineBenchmarks*' --exporters github \
  --artifacts "$artifacts" "${args[@]}"
{
  echo "# Tunnel engine code-path benchmarks"
  echo
  echo "Produced by \`bench/run-tunnel.sh ${args[*]}\` on $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)."
  echo "Machine: $(nproc) cores shared with other jobs, so absolute numbers are noisy; compare rows of one run."
  echo "Packets are IPv4 UDP with a 64-byte payload (92 bytes). Each call moves to the next flow (or mapping) of the"
  echo "table, and first copies that flow's packet into a work buffer, because the engines rewrite in place."
  echo "The Allocated column is BenchmarkDotNet's memory diagnoser: bytes allocated per call in steady state."
  echo
  for f in "$artifacts"/results/*BoxEngineBenchmarks-report-github.md "$artifacts"/results/*ClientEngineBenchmarks-report-github.md; do
    echo "## $(basename "$f" -report-github.md | sed 's/.*\.//')"
    echo
    cat "$f"
    echo
  done
  echo "## Memory per live flow"
  echo
  echo "\`dotnet Nattt.Bench.dll memory-per-flow\`: GC heap after a forced full collection with N flows open through"
  echo "BoxEngine.FromTunnel (box) or N static mappings (client), minus the heap before, divided by N; and the process's"
  echo "RSS (VmRSS) delta over the same step. Measured in-process on the engine, not on a running daemon. Dictionaries"
  echo "grow by doubling, so the per-flow figure steps; the RSS of the 1-flow rows is mostly JIT and runtime start-up,"
  echo "and the GC keeps freed segments mapped, so RSS deltas are upper bounds."
  echo
  echo "$memory"
} > bench/results/tunnel-codepaths.md
echo "wrote bench/results/tunnel-codepaths.md"

#!/usr/bin/env bash
# Runs the packet-layer code-path benchmarks (bench/Nattt.Bench/Packets) and writes bench/results/packets.md.
# Short job by default (a few minutes); pass other BenchmarkDotNet arguments to override, e.g. --job medium.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--job short)
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT
dotnet run -c Release --project bench/Nattt.Bench -- --filter '*PacketBenchmarks*' --exporters github \
  --artifacts "$artifacts" "${args[@]}"
report=$(find "$artifacts/results" -name '*PacketBenchmarks-report-github.md' | head -1)
{
  echo "# Packet layer benchmarks"
  echo
  echo "Produced by \`bench/run-packets.sh ${args[*]}\` on $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)."
  echo "Machine: $(nproc) cores shared with other jobs, so absolute numbers are noisy; compare rows of one run."
  echo "Each incremental row has its peer beside it: full recomputation, and a word-by-word checksum loop."
  echo "Packets are 1500-byte TCP segments; the rewrite benchmarks include the parse."
  echo
  cat "$report"
} > bench/results/packets.md
echo "wrote bench/results/packets.md"

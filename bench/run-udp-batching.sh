#!/usr/bin/env bash
# Runs the UDP batching benchmark (bench/Nattt.Bench/Platform/UdpBatchingBenchmarks.cs: plain vs recvmmsg/sendmmsg,
# datagrams per second and bytes allocated, over loopback) inside a network namespace of its own, and writes
# bench/results/udp-batching.md. Root. Bounded: BenchmarkDotNet's job is 1 launch, 3 warm-up and 10 measured
# iterations per case (about two minutes with its build). Removes its namespace on exit, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run-udp-batching.sh: needs root (a network namespace)" >&2; exit 1; }

RUN=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
NS="nattt-bench-$RUN-udp"
ARTIFACTS=$(mktemp -d "/tmp/nattt-bench-$RUN.XXXX")
PID=""
cleanup() {
  set +e
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done  # BenchmarkDotNet's children
  ip netns del "$NS" 2>/dev/null
  rm -rf "$ARTIFACTS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/Nattt.Bench -c Release -nologo -v q -clp:ErrorsOnly
ip netns exec "$NS" dotnet bench/Nattt.Bench/bin/Release/net10.0/Nattt.Bench.dll --filter '*UdpBatching*' \
  --exporters github --artifacts "$ARTIFACTS" >"$ARTIFACTS/run.log" 2>&1 &
PID=$!
wait "$PID" || { tail -40 "$ARTIFACTS/run.log"; exit 1; }
PID=""

report=$(ls "$ARTIFACTS"/results/*UdpBatching*-report-github.md)
OUT=bench/results/udp-batching.md
mkdir -p bench/results
{
  echo "# UDP batching: plain vs recvmmsg/sendmmsg, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Written by \`bench/run-udp-batching.sh\` from BenchmarkDotNet (bench/Nattt.Bench/Platform/UdpBatchingBenchmarks.cs),"
  echo "in a network namespace of its own, over loopback, IPv4. One operation = one datagram sent and received on one"
  echo "thread, in batches of 32 (Plain: 32 sendto + 32 recvfrom; BatchedNoOffload: 1 sendmmsg + 1 recvmmsg; Batched:"
  echo "the same with UDP GSO and GRO: the 32 datagrams leave as one segmented message, arrive as one coalesced message"
  echo "and are split back into 32 slots). Machine: $(nproc)"
  echo "CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other jobs: compare rows"
  echo "of one run)."
  echo
  echo "## Datagrams per second (1 s / Mean)"
  echo
  echo "| Mode | Payload (bytes) | ns per datagram | datagrams/s | allocated per datagram |"
  echo "|---|---:|---:|---:|---:|"
  python3 - "$report" <<'PY'
import re, sys
rows = [l.replace("**", "") for l in open(sys.argv[1]) if l.startswith("|")]
head = [c.strip() for c in rows[0].strip("|\n").split("|")]
def unit_ns(s):
    m = re.match(r"([\d.,]+)\s*(\w+)", s.replace(",", ""))
    v, u = float(m.group(1)), m.group(2)
    return v * {"ns": 1, "us": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}[u]
for l in rows[2:]:
    c = dict(zip(head, [x.strip() for x in l.strip("|\n").split("|")]))
    ns = unit_ns(c["Mean"])
    alloc = c.get("Allocated", "?")
    print(f"| {c['Mode']} | {c['PayloadSize']} | {ns:.0f} | {1e9/ns:,.0f} | {'0 B' if alloc == '-' else alloc} |")
PY
  echo
  echo "## BenchmarkDotNet's report"
  echo
  cat "$report"
} >"$OUT"
cat "$OUT"

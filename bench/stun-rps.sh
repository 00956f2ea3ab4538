#!/usr/bin/env bash
# Binding requests per second: `nattt stun-server` vs coturn's turnserver, same machine, same load generator
# (`nattt stun-load`, a hidden subcommand), one after the other, in two network namespaces joined by a veth pair.
#
#   [ client ns: nattt stun-load ] 198.51.100.2 ---- veth ---- 198.51.100.1 [ server ns: nattt | coturn ]
#
# Bounded: DURATION seconds per server (default 10). Cleans up on exit (namespaces, the processes it started).
# Usage: sudo bench/stun-rps.sh [DURATION] [SOCKETS] [WINDOW]   -> bench/results/stun.md
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}; SOCKETS=${2:-16}; WINDOW=${3:-8}
NATTT=src/Nattt.Cli/bin/Release/net10.0/nattt
[ -x "$NATTT" ] || dotnet build src/Nattt.Cli -c Release -nologo -v q -clp:ErrorsOnly
command -v turnserver >/dev/null || { echo "coturn is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

SRV=nattt-bench-srv-$$; CLI=nattt-bench-cli-$$; TMP=$(mktemp -d); PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  ip netns del "$SRV" 2>/dev/null || true; ip netns del "$CLI" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ip netns add "$SRV"; ip netns add "$CLI"
ip link add nb-s$$ netns "$SRV" type veth peer name nb-c$$ netns "$CLI"
ip -n "$SRV" addr add 198.51.100.1/24 dev nb-s$$; ip -n "$SRV" link set nb-s$$ up; ip -n "$SRV" link set lo up
ip -n "$CLI" addr add 198.51.100.2/24 dev nb-c$$; ip -n "$CLI" link set nb-c$$ up; ip -n "$CLI" link set lo up

load() { ip netns exec "$CLI" "$NATTT" stun-load 198.51.100.1:3478 --duration "$DURATION" --sockets "$SOCKETS" --window "$WINDOW"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo "?"; }
# CPU time (user + system) of a process in milliseconds, from /proc/PID/stat (fields 14 and 15, in clock ticks).
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$1/stat"; }

ip netns exec "$SRV" "$NATTT" stun-server --listen 198.51.100.1:3478 --no-tcp --stats-interval 0 --log-level Warning >"$TMP/nattt.log" 2>&1 &
NPID=$!; PIDS+=("$NPID"); sleep 2
NATTT_CPU0=$(cpu_ms "$NPID"); NATTT_RESULT=$(load); NATTT_RSS=$(rss_kb "$NPID"); NATTT_CPU=$(( $(cpu_ms "$NPID") - NATTT_CPU0 ))
kill "$NPID"; wait "$NPID" 2>/dev/null || true

ip netns exec "$SRV" turnserver -n --listening-ip 198.51.100.1 --listening-port 3478 --stun-only --no-tls --no-dtls --no-cli \
  --userdb "$TMP/turndb" --pidfile "$TMP/turn.pid" --log-file stdout >"$TMP/coturn.log" 2>&1 &
CPID=$!; PIDS+=("$CPID"); sleep 2
COTURN_CPU0=$(cpu_ms "$CPID"); COTURN_RESULT=$(load); COTURN_RSS=$(rss_kb "$CPID"); COTURN_CPU=$(( $(cpu_ms "$CPID") - COTURN_CPU0 ))
kill "$CPID"; wait "$CPID" 2>/dev/null || true

rps() { sed -n 's/.*responses_per_second=\([0-9]*\).*/\1/p' <<<"$1"; }
received() { sed -n 's/.*received=\([0-9]*\).*/\1/p' <<<"$1"; }
# Server CPU microseconds per response: the fair measure when the shared cores also run the load generator.
us_per() { awk -v cpu="$1" -v n="$(received "$2")" 'BEGIN { if (n > 0) printf "%.1f", cpu * 1000 / n; else print "?" }'; }
mkdir -p bench/results
{
  echo "# STUN Binding requests per second"
  echo
  echo "Run by \`bench/stun-rps.sh $DURATION $SOCKETS $WINDOW\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r)."
  echo "Load: \`nattt stun-load\`, $SOCKETS UDP sockets x $WINDOW outstanding requests, $DURATION s per server, over a veth pair"
  echo "between two network namespaces. Load generator and server share the machine's cores, so absolute numbers are"
  echo "low; the comparison is what counts. Servers: \`nattt stun-server --no-tcp\` (one port) and coturn"
  echo "$(turnserver --version 2>/dev/null | head -1) with \`--stun-only\`."
  echo
  echo "With 2 cores the load generator competes with the server, so responses/s is partly the generator's limit; the"
  echo "server's own CPU time per response (from /proc/PID/stat over the run) is the fairer comparison."
  echo
  echo "| server | responses/s | server CPU (ms) | CPU us per response | RSS after run (KiB) | load generator's line |"
  echo "|---|---:|---:|---:|---:|---|"
  echo "| nattt stun-server | $(rps "$NATTT_RESULT") | $NATTT_CPU | $(us_per "$NATTT_CPU" "$NATTT_RESULT") | $NATTT_RSS | \`$NATTT_RESULT\` |"
  echo "| coturn turnserver | $(rps "$COTURN_RESULT") | $COTURN_CPU | $(us_per "$COTURN_CPU" "$COTURN_RESULT") | $COTURN_RSS | \`$COTURN_RESULT\` |"
} > bench/results/stun.md
cat bench/results/stun.md

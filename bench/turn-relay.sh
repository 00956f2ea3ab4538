#!/usr/bin/env bash
# TURN relay throughput and memory: `nattt turn-server` vs coturn's turnserver, same machine, same load generator
# (`nattt turn-load`, a hidden subcommand), one after the other, in three network namespaces:
#
#   [ cli: nattt turn-load ] 203.0.113.2 --veth-- 203.0.113.10 [ srv: nattt | coturn ] 198.51.100.10 --veth-- 198.51.100.20 [ peer: turnutils_peer ]
#
# 1. relay: ALLOCS allocations, each bound to a channel to the echo peer, WINDOW packets in flight each, SIZE-byte
#    payloads, DURATION seconds per server. Every echo crosses the relay twice (client->peer, peer->client).
# 2. memory: 10,000 allocations held; (RSS with them - RSS before) / 10,000 = bytes per allocation.
# Bounded in time; cleans up on exit (namespaces, the processes it started, by PID).
# Usage: sudo bench/turn-relay.sh [DURATION] [ALLOCS] [WINDOW] [SIZE] [MEMORY_ALLOCS]   -> bench/results/turn.md
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}; ALLOCS=${2:-4}; WINDOW=${3:-32}; SIZE=${4:-1000}; MEMN=${5:-10000}
NATTT=src/Nattt.Cli/bin/Release/net10.0/nattt
[ -x "$NATTT" ] || dotnet build src/Nattt.Cli -c Release -nologo -v q -clp:ErrorsOnly
command -v turnserver >/dev/null || { echo "coturn is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"  # 10,000 allocations need 10,000 sockets in the server and in the load generator

SRV=nattt-tb-srv-$$; CLI=nattt-tb-cli-$$; PEER=nattt-tb-peer-$$; TMP=$(mktemp -d); PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for n in "$SRV" "$CLI" "$PEER"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
for n in "$SRV" "$CLI" "$PEER"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add tb-s$$ netns "$SRV" type veth peer name tb-c$$ netns "$CLI"
ip link add tb-sp$$ netns "$SRV" type veth peer name tb-p$$ netns "$PEER"
ip -n "$SRV" addr add 203.0.113.10/24 dev tb-s$$; ip -n "$SRV" link set tb-s$$ up
ip -n "$SRV" addr add 198.51.100.10/24 dev tb-sp$$; ip -n "$SRV" link set tb-sp$$ up
ip -n "$CLI" addr add 203.0.113.2/24 dev tb-c$$; ip -n "$CLI" link set tb-c$$ up
ip -n "$PEER" addr add 198.51.100.20/24 dev tb-p$$; ip -n "$PEER" link set tb-p$$ up
ip netns exec "$PEER" turnutils_peer -L 198.51.100.20 -p 3480 >/dev/null 2>&1 &
PIDS+=($!)

SERVER=203.0.113.10:3478
relay() { timeout $((DURATION + 30)) ip netns exec "$CLI" "$NATTT" turn-load "$SERVER" -u bench -w bench-pass --mode relay \
  --peer 198.51.100.20:3480 --allocations "$ALLOCS" --window "$WINDOW" --size "$SIZE" --duration "$DURATION"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo "?"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$1/stat"; }
# Memory: RSS before, then with MEMN allocations held (read while turn-load holds them), delta / MEMN.
memory() {
  local pid=$1 name=$2 before after line out="$TMP/alloc-$2.out"
  before=$(rss_kb "$pid")
  rm -f "$out"; : >"$out"
  ip netns exec "$CLI" "$NATTT" turn-load "$SERVER" -u bench -w bench-pass --mode allocate --allocations "$MEMN" --hold 8 >>"$out" 2>&1 &
  local lpid=$!; PIDS+=("$lpid")
  for _ in $(seq 1 600); do grep -aq "^allocated" "$out" && break; sleep 0.5; done
  sleep 2
  after=$(rss_kb "$pid"); line=$(grep -a "^allocated" "$out" || echo "allocation run did not finish")
  wait "$lpid" 2>/dev/null || true
  grep -av "^allocated" "$out" | sort | uniq -c | head -3 | sed 's/^/  load generator: /' >&2 || true
  echo "$before $after $line"
}
# Divides by the allocations that succeeded (the load generator's "allocated N" line), not by the number asked for.
per_alloc() { awk -v b="$1" -v a="$2" -v n="$3" 'BEGIN { if (n > 0) printf "%.0f", (a - b) * 1024 / n; else print "?" }'; }

run_server() { # name round, then the command; fills RESULT_<name><round>, CPU_<name><round>, and MEM_<name> in round 1
  local name=$1 round=$2; shift 2
  "$@" >"$TMP/$name.log" 2>&1 &
  local pid=$!; PIDS+=("$pid"); sleep 2
  relay >/dev/null 2>&1 || true   # warm-up (JIT, caches): not measured
  local cpu0; cpu0=$(cpu_ms "$pid")
  printf -v "RESULT_$name$round" '%s' "$(relay)"
  printf -v "CPU_$name$round" '%s' "$(( $(cpu_ms "$pid") - cpu0 ))"
  if [ "$round" = 1 ]; then sleep 1; printf -v "MEM_$name" '%s' "$(memory "$pid" "$name")"; fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
# Arrays, not functions: the PID of "$@" & must be the server itself (ip netns exec execs it) so that kill reaches it.
NATTT_SERVER=(ip netns exec "$SRV" "$NATTT" turn-server --listening-ip 203.0.113.10 --relay-ip 198.51.100.10
  --user bench:bench-pass --realm bench --allow-documentation-peers --total-quota 0 --user-quota 0 --no-tcp --log-level Warning)
COTURN_SERVER=(ip netns exec "$SRV" turnserver -n --listening-ip 203.0.113.10 --relay-ip 198.51.100.10 --listening-port 3478
  --lt-cred-mech --user bench:bench-pass --realm bench --no-tls --no-dtls --no-tcp --no-cli --userdb "$TMP/turndb"
  --pidfile "$TMP/turn.pid" --log-file /dev/null --total-quota 0 --user-quota 0)
# Alternating rounds, so that a burst of load from other programs on the machine does not favour one server.
for round in 1 2; do
  run_server nattt "$round" "${NATTT_SERVER[@]}"
  run_server coturn "$round" "${COTURN_SERVER[@]}"
done

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
us_per() { awk -v cpu="$1" -v n="$(field echoed "$2")" 'BEGIN { if (n > 0) printf "%.1f", cpu * 1000 / (2 * n); else print "?" }'; }
row() { # name round label
  local r c; r=$(eval echo "\$RESULT_$1$2"); c=$(eval echo "\$CPU_$1$2")
  echo "| $3 | $2 | $(field relayed_packets_per_second "$r") | $(field relayed_mbit_per_second "$r") | $c | $(us_per "$c" "$r") | \`$r\` |"
}
memrow() { # name label
  local m; m=$(eval echo "\$MEM_$1")
  set -- "$2" $m
  local label=$1 before=$2 after=$3; shift 3
  local made; made=$(sed -n 's/^allocated \([0-9]*\).*/\1/p' <<<"$*")
  echo "| $label | $before | $after | ${made:-0} | $(per_alloc "$before" "$after" "${made:-0}") | \`$*\` |"
}
mkdir -p bench/results
{
  echo "# TURN relay: packets per second, Mbit/s, memory per allocation"
  echo
  echo "Run by \`bench/turn-relay.sh $DURATION $ALLOCS $WINDOW $SIZE $MEMN\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r)."
  echo "Load: \`nattt turn-load\` (hidden subcommand), $ALLOCS UDP allocations each bound to a channel to coturn's"
  echo "\`turnutils_peer\` echo peer, $WINDOW packets of $SIZE bytes in flight per allocation, $DURATION s per server after a"
  echo "warm-up run; a relayed packet is one ChannelData crossing the relay in either direction (2 per echo)."
  echo "Memory: RSS of the server before and while \`turn-load --mode allocate\` holds $MEMN allocations (one UDP socket"
  echo "each on both sides). Load generator, echo peer and server share the machine's cores: absolute numbers are low,"
  echo "the comparison is what counts. Servers: \`nattt turn-server --no-tcp\` and coturn"
  echo "$(turnserver --version 2>/dev/null | head -1) (\`--no-tcp --no-tls --no-dtls\`, its default thread count), both on UDP."
  echo
  echo "## Relayed packets"
  echo
  echo "| server | round | relayed packets/s | relayed Mbit/s | server CPU (ms) | server CPU us per relayed packet | load generator's line |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for round in 1 2; do row nattt $round "nattt turn-server"; row coturn $round "coturn turnserver"; done
  echo
  echo "## Memory per allocation"
  echo
  echo "| server | RSS before (KiB) | RSS with the allocations (KiB) | allocations made | bytes per allocation | load generator's line |"
  echo "|---|---:|---:|---:|---:|---|"
  memrow nattt "nattt turn-server"
  memrow coturn "coturn turnserver"
} > bench/results/turn.md
cat bench/results/turn.md

#!/usr/bin/env bash
# The data-path benchmark of issue 7: TCP throughput (iperf3, 1 and 4 streams), ping RTT and 64-byte UDP packets per
# second from an external host A to a server B behind one NAT box (depth 1) and behind two nested NAT boxes (depth 2),
# side by side in the same run on the same topology through:
#   kernel      the kernel's direct NAT path: plain nft DNAT port forwards (Y, and T at depth 2) to B
#   openvpn     OpenVPN (Debian's) without cipher or auth, p2p mode, tunnel A-Y (and, nested inside it, A-T)
#   wireguard-go userspace WireGuard (Debian's wireguard-go + wg), tunnel A-Y (and, nested inside it, A-T)
#   nattt       `nattt client` on A and `nattt box` on Y (and T), when NATTT_BIN has them (see nattt_rows below)
#
# Topology (one world per depth, built afresh, every link a veth with MTU 1500):
#
#   depth 1:  A ------------------- [ Y: NAT box ] ------------------- B
#          203.0.113.2/24    wan0 203.0.113.1  lan0 10.1.0.1      10.1.0.2/24
#
#   depth 2:  A ------------------- [ Y: NAT box ] ------------------- [ T: NAT box ] ---------------- B
#          203.0.113.2/24    wan0 203.0.113.1  lan0 10.1.0.1   wan0 10.1.0.2  lan0 10.2.0.1     10.2.0.2/24
#
# Y and T are home-router-like kernel NATs (nftables masquerade out of wan0, unsolicited inbound dropped except port
# forwards and the tunnel ports they serve). At depth 2 the userspace tunnels are nested as nattt's hops are: an outer
# tunnel A-Y, and inside it an inner tunnel A-T, so every packet is encapsulated twice, as in NATTT's figure 3.
#
# Usage (root):  bench/datapath/run.sh [--depths "1 2"] [--seconds 5] [--repeat 3] [--out bench/results]
#   Every cell is measured --repeat times and shown as "median (min-max)": this machine is shared and noisy.
#   NATTT_BIN=path/to/nattt  the nattt executable (default: the Release build of src/Nattt.Cli if present).
#   KEEP_LOGS=1              keep the daemons' logs (the run's temp directory) for inspection.
# Writes bench/results/datapath-YYYYMMDD.md and a copy bench/results/datapath-latest.md.
# Safety: every namespace is named nattt-bench-RUN-*, RUN random per run; only TEST-NET (203.0.113.0/24) and private
# addresses inside those namespaces are used; the root namespace's routes and firewall are never touched; everything
# this run created is removed on exit (also on failure or Ctrl-C); only processes it started are killed, by PID.
set -euo pipefail
cd "$(dirname "$0")/../.."

DEPTHS="1 2"
SECONDS_PER_RUN=5
REPEAT=3
OUT_DIR=bench/results
while [ $# -gt 0 ]; do
  case "$1" in
    --depths) DEPTHS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    --out) OUT_DIR="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (network namespaces, nftables, TUN)" >&2; exit 1; }
for tool in ip nft iperf3 ping python3 timeout; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (run scripts/setup.sh)" >&2; exit 1; }
done
DEFAULT_NATTT=src/Nattt.Cli/bin/Release/net10.0/nattt
NATTT_BIN="${NATTT_BIN:-$( [ -x "$DEFAULT_NATTT" ] && echo "$PWD/$DEFAULT_NATTT" || echo "")}"

RUN=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
PREFIX="nattt-bench-$RUN-"
WORK=$(mktemp -d "/tmp/nattt-bench-$RUN.XXXX")
PIDS=()          # every process this run started (by PID), killed at cleanup
ROWS=()          # result rows: depth|path|tcp1|tcp4|rtt|udp|note

log() { echo "[bench $RUN] $*" >&2; }

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.3
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$PREFIX"); do
    # Anything still inside a namespace of this run was started by this run (daemons' children).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns"
  done
  rm -f /var/run/wireguard/*"$RUN"*.sock 2>/dev/null
  if [ "${KEEP_LOGS:-0}" = 1 ]; then log "daemon logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns() { echo "$PREFIX$1"; }
nsx() { local n="$1"; shift; ip netns exec "$(ns "$n")" "$@"; }

# Starts a program in namespace $1 in the background; logs to $WORK/$2.log; records its PID.
start_bg() {
  local n="$1" name="$2"; shift 2
  ip netns exec "$(ns "$n")" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=("$!")
}

add_host() {
  ip netns add "$(ns "$1")"
  nsx "$1" ip link set lo up
}

link() { # link HOST_A IF_A CIDR_A HOST_B IF_B CIDR_B
  ip -n "$(ns "$1")" link add "$2" mtu 1500 type veth peer name "$5" mtu 1500 netns "$(ns "$4")"
  ip -n "$(ns "$1")" addr add "$3" dev "$2"; ip -n "$(ns "$1")" link set "$2" up
  ip -n "$(ns "$4")" addr add "$6" dev "$5"; ip -n "$(ns "$4")" link set "$5" up
}

# A home-router NAT on host $1: masquerade out of wan0, unsolicited inbound dropped (to the LAN unless port-forwarded,
# to the router itself unless one of the served UDP ports $2), as the lab's KernelNat.MakeNatRouter does.
nat_router() {
  local h="$1" served="$2"
  nsx "$h" sysctl -q -w net.ipv4.ip_forward=1
  nsx "$h" nft -f - <<EOF
table inet bench_nat {
  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }
  chain postrouting { type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" masquerade
  }
  chain forward_filter { type filter hook forward priority filter; policy accept;
    iifname "wan0" ct state new ct status & dnat == 0 drop
  }
  chain input_filter { type filter hook input priority filter; policy accept;
    iifname "wan0" ct state established,related accept
    iifname "wan0" udp dport { $served } accept
    iifname "wan0" meta l4proto icmp accept
    iifname "wan0" ct state new drop
  }
}
EOF
}

# The kernel's direct path: TCP and UDP 5201 (iperf3) and ICMP echo arriving on wan0 of $1 are forwarded to $2.
port_forward() {
  nsx "$1" nft add rule inet bench_nat prerouting iifname wan0 tcp dport 5201 dnat ip to "$2"
  nsx "$1" nft add rule inet bench_nat prerouting iifname wan0 udp dport 5201 dnat ip to "$2"
  nsx "$1" nft add rule inet bench_nat prerouting iifname wan0 icmp type echo-request dnat ip to "$2"
}

build_world() { # build_world DEPTH; sets TARGET_ADDR (B) and KERNEL_ADDR (what A uses for the kernel path)
  local depth="$1"
  add_host A; add_host Y; add_host B
  link A eth0 203.0.113.2/24 Y wan0 203.0.113.1/24
  nat_router Y "100, 51820, 1194"
  if [ "$depth" = 1 ]; then
    link Y lan0 10.1.0.1/24 B eth0 10.1.0.2/24
    nsx B ip route add default via 10.1.0.1
    port_forward Y 10.1.0.2
    TARGET_ADDR=10.1.0.2
  else
    add_host T
    link Y lan0 10.1.0.1/24 T wan0 10.1.0.2/24
    link T lan0 10.2.0.1/24 B eth0 10.2.0.2/24
    nsx T ip route add default via 10.1.0.1
    nsx B ip route add default via 10.2.0.1
    nat_router T "100, 51821, 1195"
    port_forward Y 10.1.0.2
    port_forward T 10.2.0.2
    TARGET_ADDR=10.2.0.2
  fi
  KERNEL_ADDR=203.0.113.1
  start_bg B iperf3-server iperf3 -s -p 5201
  wait_for "iperf3 server on B" nsx B sh -c 'ss -ltn | grep -q ":5201 "'
}

teardown_world() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  for n in A Y T B; do
    ip netns list | grep -q "^$(ns $n)\b" || continue
    for pid in $(ip netns pids "$(ns $n)"); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$(ns $n)"
  done
  PIDS=()
}

wait_for() { # wait_for WHAT CMD...: polls for at most 10 s
  local what="$1"; shift
  for _ in $(seq 1 50); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "timed out waiting for $what"; return 1
}

# measure DEPTH PATH ADDR [NOTE]: iperf3 1 and 4 streams, then 50 pings, from A to ADDR. Adds one row.
measure() {
  local depth="$1" path="$2" addr="$3" note="${4:-}" tcp1 tcp4 rtt udp
  if ! nsx A timeout 5 ping -c 3 -i 0.2 -W 1 -q "$addr" >/dev/null 2>&1; then
    log "$path: no ping through the path to $addr"
    ROWS+=("$depth|$path|-|-|-|-|path did not come up${note:+ ($note)}"); return
  fi
  tcp1=$(repeat_median iperf_mbit "$addr" 1)
  tcp4=$(repeat_median iperf_mbit "$addr" 4)
  rtt=$(repeat_median ping_avg_ms "$addr")
  udp=$(repeat_median iperf_udp_kpps "$addr")
  log "depth $depth $path: tcp1 $tcp1 Mbit/s, tcp4 $tcp4 Mbit/s, rtt $rtt ms, udp64 $udp kpps"
  ROWS+=("$depth|$path|$tcp1|$tcp4|$rtt|$udp|$note")
}

ping_avg_ms() { # ping_avg_ms ADDR: the average RTT of 50 pings at 0.01 s, or "-"
  local out
  out=$(nsx A timeout 20 ping -c 50 -i 0.01 -q "$1" 2>/dev/null | awk -F'/' '/^rtt|^round-trip/ {printf "%.3f", $5}' || true)
  echo "${out:--}"
}

# repeat_median CMD ARGS...: runs CMD $REPEAT times; prints "median (min-max)", or the one value, or "-".
repeat_median() {
  local values=() v
  for _ in $(seq 1 "$REPEAT"); do v=$("$@"); [ "$v" != "-" ] && values+=("$v"); done
  [ ${#values[@]} -gt 0 ] || { echo "-"; return; }
  printf '%s\n' "${values[@]}" | sort -g | awk '{a[NR]=$1} END {
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    if (NR == 1) print a[1]; else if (a[1] ~ /\./) printf "%.3f (%s-%s)\n", m, a[1], a[NR]; else printf "%d (%s-%s)\n", m, a[1], a[NR] }'
}

# iperf_udp_kpps ADDR: thousands of 64-byte UDP datagrams per second that reached B (sent as fast as iperf3 can, one
# stream): the packets-per-second measure of issue 7.
iperf_udp_kpps() {
  local json
  json=$(nsx A timeout $((SECONDS_PER_RUN + 20)) iperf3 -c "$1" -p 5201 -u -l 64 -b 0 -t "$SECONDS_PER_RUN" -J 2>/dev/null) \
    || { echo "-"; return; }
  python3 -c 'import json,sys; s=json.load(sys.stdin)["end"]["sum"]; print("%.0f" % ((s["packets"]-s["lost_packets"])/s["seconds"]/1e3))' \
    <<<"$json" 2>/dev/null || echo "-"
}

iperf_mbit() { # iperf_mbit ADDR STREAMS: the receiver's rate in Mbit/s, or "-"
  local json
  json=$(nsx A timeout $((SECONDS_PER_RUN + 20)) iperf3 -c "$1" -p 5201 -t "$SECONDS_PER_RUN" -P "$2" -J 2>/dev/null) \
    || { echo "-"; return; }
  python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"]/1e6))' \
    <<<"$json" 2>/dev/null || echo "-"
}

# --- (a) the kernel's direct NAT path -------------------------------------------------------------------------------
kernel_rows() { measure "$1" "kernel NAT (nft DNAT port forward$( [ "$1" = 2 ] && echo 's on Y and T'))" "$KERNEL_ADDR"; }

# --- (b) OpenVPN without a cipher -------------------------------------------------------------------------------------
# p2p mode without TLS and without a static key: OpenVPN 2.6 then carries the data in clear (it says so in its log),
# which is the "no cipher" comparison; --cipher none/--auth none make it explicit. Outer tunnel A-Y on UDP 1194
# (10.98.0.2 <-> 10.98.0.1); at depth 2 an inner tunnel A-T on UDP 1195 (10.98.1.2 <-> 10.98.1.1) runs inside it,
# with --mssfix 1400 so that its datagrams fit the outer tunnel without IP fragmentation.
openvpn_rows() {
  local depth="$1" common=(--dev-type tun --proto udp --cipher none --auth none
                           --verb 3 --ping 10)
  if ! command -v openvpn >/dev/null; then ROWS+=("$depth|openvpn|-|-|-|-|openvpn not installed"); return; fi
  start_bg Y ovpn-y openvpn --dev "ovo${RUN}y" --lport 1194 --ifconfig 10.98.0.1 10.98.0.2 "${common[@]}"
  start_bg A ovpn-a openvpn --dev "ovo${RUN}a" --remote 203.0.113.1 1194 --lport 1194 --ifconfig 10.98.0.2 10.98.0.1 \
    --route 10.1.0.0 255.255.255.0 "${common[@]}"
  local addr="$TARGET_ADDR" note=""
  if ! wait_for "openvpn A-Y" nsx A ping -c 1 -W 1 10.98.0.1; then
    ROWS+=("$depth|openvpn|-|-|-|-|tunnel did not come up: $(tail -n 2 "$WORK/ovpn-a.log" | tr '\n|' '  ')"); stop_started; return
  fi
  if [ "$depth" = 2 ]; then
    start_bg T ovpn-t openvpn --dev "ovi${RUN}t" --lport 1195 --ifconfig 10.98.1.1 10.98.1.2 "${common[@]}"
    start_bg A ovpn-ai openvpn --dev "ovi${RUN}a" --remote 10.1.0.2 1195 --lport 1195 --ifconfig 10.98.1.2 10.98.1.1 \
      --route 10.2.0.0 255.255.255.0 --mssfix 1400 "${common[@]}"
    wait_for "openvpn A-T" nsx A ping -c 1 -W 1 10.98.1.1 || true
    note="nested: A-T inside A-Y"
  fi
  measure "$depth" "openvpn 2.6 (no cipher, no auth)" "$addr" "$note"
  stop_started
}

# --- (c) wireguard-go ---------------------------------------------------------------------------------------------------
# Userspace WireGuard: wireguard-go creates the TUN device, `wg` configures it. Outer tunnel A-Y on UDP 51820
# (10.97.0.2 <-> 10.97.0.1, MTU 1420, wireguard's default); at depth 2 an inner tunnel A-T on UDP 51821
# (10.97.1.2 <-> 10.97.1.1, MTU 1340) inside it.
wg_up() { # wg_up HOST IFNAME ADDR LISTENPORT PEER_PUBKEY PEER_ALLOWED [PEER_ENDPOINT] MTU
  local h="$1" dev="$2" addr="$3" port="$4" peer="$5" allowed="$6" endpoint="$7" mtu="$8"
  start_bg "$h" "wg-$dev" env WG_PROCESS_FOREGROUND=1 WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go -f "$dev"
  wait_for "wireguard-go $dev" test -S "/var/run/wireguard/$dev.sock" || return 1
  nsx "$h" wg set "$dev" listen-port "$port" private-key "$WORK/$h-$dev.key" peer "$peer" allowed-ips "$allowed" \
    ${endpoint:+endpoint "$endpoint"}
  nsx "$h" ip addr add "$addr" dev "$dev"
  nsx "$h" ip link set "$dev" mtu "$mtu" up
}

wg_keys() { # wg_keys HOST DEV: writes a key pair, prints the public key
  (umask 077; wg genkey >"$WORK/$1-$2.key")
  wg pubkey <"$WORK/$1-$2.key"
}

wireguard_rows() {
  local depth="$1"
  if ! command -v wireguard-go >/dev/null || ! command -v wg >/dev/null; then
    ROWS+=("$depth|wireguard-go|-|-|-|-|wireguard-go or wg not installed"); return
  fi
  local ya="wgo${RUN}y" aa="wgo${RUN}a" ti="wgi${RUN}t" ai="wgi${RUN}a" note=""
  local ypub apub
  ypub=$(wg_keys Y "$ya"); apub=$(wg_keys A "$aa")
  if ! wg_up Y "$ya" 10.97.0.1/24 51820 "$apub" 10.97.0.2/32 "" 1420 \
     || ! wg_up A "$aa" 10.97.0.2/24 51820 "$ypub" 10.0.0.0/8 203.0.113.1:51820 1420; then
    ROWS+=("$depth|wireguard-go|-|-|-|-|tunnel did not come up: $(tail -n 2 "$WORK/wg-$aa.log" | tr '\n|' '  ')"); stop_started; return
  fi
  nsx A ip route add 10.1.0.0/24 dev "$aa"
  if [ "$depth" = 2 ]; then
    local tpub aipub
    tpub=$(wg_keys T "$ti"); aipub=$(wg_keys A "$ai")
    wg_up T "$ti" 10.97.1.1/24 51821 "$aipub" 10.97.1.2/32 "" 1340 || true
    wg_up A "$ai" 10.97.1.2/24 51821 "$tpub" 10.2.0.0/24 10.1.0.2:51821 1340 || true
    nsx A ip route add 10.2.0.0/24 dev "$ai"
    note="nested: A-T inside A-Y"
  fi
  measure "$depth" "wireguard-go $(wireguard-go --version 2>/dev/null | awk 'NR==1{print $2}')" "$TARGET_ADDR" "$note"
  stop_started
}

# --- (d) nattt ----------------------------------------------------------------------------------------------------------
# `nattt client` on A, `nattt box` on Y (and T): the same hops as the nested tunnels above, UDP port 100. Written
# against the options of the data plane as planned (box --listen/--publish, client --map HOPS,DEST@STANDIN); when a
# build has no `box`, the row says so. The command lines:
#   depth 1:  Y: nattt box --listen 0.0.0.0:100 --publish 10.1.0.2:tcp/5201 --publish 10.1.0.2:udp/5201 --publish 10.1.0.2:icmp
#             A: nattt client --map bench=203.0.113.1:100,10.1.0.2@198.18.0.10
#   depth 2:  Y: nattt box --listen 0.0.0.0:100 --publish 10.1.0.2:udp/100          (T's tunnel port)
#             T: nattt box --listen 0.0.0.0:100 --publish 10.2.0.2:tcp/5201 --publish 10.2.0.2:udp/5201 --publish 10.2.0.2:icmp
#             A: nattt client --map bench=203.0.113.1:100,10.1.0.2:100,10.2.0.2@198.18.0.10
#   then iperf3 and ping from A to the stand-in 198.18.0.10. Each daemon gets its own control socket (the namespaces
#   share one file system) and must print "ready" within 20 s.
NATTT_STANDIN=198.18.0.10
nattt_start() { # nattt_start HOST NAME ARGS...: starts a nattt daemon, waits for its "ready" line
  local h="$1" name="$2"; shift 2
  start_bg "$h" "$name" env DOTNET_NOLOGO=1 "$NATTT_BIN" "$@" --control-socket "$WORK/$name.sock"
  wait_for "$name ready" grep -q ready "$WORK/$name.log"
}

nattt_rows() {
  local depth="$1"
  # `box --help` alone is not enough: a CLI without the command prints its root help and succeeds.
  if [ -z "$NATTT_BIN" ] || ! "$NATTT_BIN" box --help 2>&1 | grep -q -- --publish \
     || ! "$NATTT_BIN" client --help 2>&1 | grep -q -- --map; then
    ROWS+=("$depth|nattt|-|-|-|-|nattt: not available in this build (NATTT_BIN=${NATTT_BIN:-unset} has no box/client)")
    return
  fi
  local ok=1 map note=""
  if [ "$depth" = 1 ]; then
    nattt_start Y nattt-box-y box --listen 0.0.0.0:100 --publish 10.1.0.2:tcp/5201 --publish 10.1.0.2:udp/5201 --publish 10.1.0.2:icmp || ok=0
    map="bench=203.0.113.1:100,10.1.0.2@$NATTT_STANDIN"
  else
    nattt_start Y nattt-box-y box --listen 0.0.0.0:100 --publish 10.1.0.2:udp/100 || ok=0
    nattt_start T nattt-box-t box --listen 0.0.0.0:100 --publish 10.2.0.2:tcp/5201 --publish 10.2.0.2:udp/5201 --publish 10.2.0.2:icmp || ok=0
    map="bench=203.0.113.1:100,10.1.0.2:100,10.2.0.2@$NATTT_STANDIN"
    note="nested: boxes on Y and T"
  fi
  [ "$ok" = 1 ] && { nattt_start A nattt-client client --map "$map" || ok=0; }
  if [ "$ok" = 1 ]; then
    local version
    version=$("$NATTT_BIN" version 2>/dev/null | head -n 1 || true)
    measure "$depth" "${version:-nattt}" "$NATTT_STANDIN" "$note"
  else
    local why
    why=$(grep -h . "$WORK"/nattt-*.log 2>/dev/null | tail -n 2 | tr '\n|' '  ' | cut -c1-200)
    ROWS+=("$depth|nattt|-|-|-|-|did not come up: $why")
  fi
  stop_started
}

stop_started() { # stops the tunnel daemons of one row (everything but the iperf3 server, which is PIDS[0])
  local keep=("${PIDS[0]}")
  for pid in "${PIDS[@]:1}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:1}"; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  PIDS=("${keep[@]}")
}

# --- the run ------------------------------------------------------------------------------------------------------------
START=$(date -u +%s)
LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)
for depth in $DEPTHS; do
  log "depth $depth: building the world"
  build_world "$depth"
  kernel_rows "$depth"
  openvpn_rows "$depth"
  wireguard_rows "$depth"
  nattt_rows "$depth"
  teardown_world
done
ELAPSED=$(( $(date -u +%s) - START ))

# The goals of issue 7 for this depth, from this run's numbers: at least twice the best userspace tunnel's throughput,
# on the way to half the kernel's, and at most 0.1 ms added RTT.
goal_line() {
  local depth="$1" best1=0 best4=0 k1="-" k4="-"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r d path t1 t4 _ _ _ <<<"$row"
    [ "$d" = "$depth" ] || continue
    t1="${t1%% *}"; t4="${t4%% *}"
    if [[ "$path" == kernel* ]]; then k1="$t1"; k4="$t4"; continue; fi
    [[ "$path" == nattt* ]] && continue
    [ "$t1" != "-" ] && [ "$t1" -gt "$best1" ] && best1="$t1"
    [ "$t4" != "-" ] && [ "$t4" -gt "$best4" ] && best4="$t4"
  done
  echo "Goal for nattt at depth $depth (issue 7): TCP at least $((2 * best1)) Mbit/s with 1 stream and $((2 * best4))" \
       "with 4 (twice the best userspace tunnel), on the way to $( [ "$k1" != "-" ] && echo $((k1 / 2)) || echo "-") and" \
       "$( [ "$k4" != "-" ] && echo $((k4 / 2)) || echo "-") (half the kernel's); added RTT at most 0.1 ms."
}

# --- the results file ---------------------------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
OUT="$OUT_DIR/datapath-$(date -u +%Y%m%d).md"
{
  echo "# Data-path benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Written by \`bench/datapath/run.sh\` (run $RUN, ${ELAPSED}s). A = external host, Y (and T at depth 2) = kernel NAT"
  echo "boxes, B = server; veth links, MTU 1500; iperf3 TCP for ${SECONDS_PER_RUN}s per measurement; RTT = average of 50"
  echo "pings at 0.01 s from A to B. Each cell: median of $REPEAT measurements (min-max). See docs/benchmarks.md for"
  echo "what each row is and the goals of issue 7."
  echo
  echo "## Machine"
  echo
  echo "- nproc: $(nproc), load average at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- kernel: $(uname -r)"
  echo "- CPU: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "- iperf3: $(iperf3 --version 2>&1 | awk 'NR==1{print $2}'), nft: $(nft --version | awk '{print $2}')"
  echo "- openvpn: $(openvpn --version 2>/dev/null | awk 'NR==1{print $2}' || echo none)"
  echo "- wireguard-go: $(wireguard-go --version 2>/dev/null | awk 'NR==1{print $2}' || echo none), wireguard-tools: $(dpkg-query -W -f='${Version}' wireguard-tools 2>/dev/null || echo none)"
  echo "- kernel wireguard module: $(ip netns add "${PREFIX}probe" && ip -n "${PREFIX}probe" link add wgprobe type wireguard 2>/dev/null && echo available || echo "not available (no extra row)"; ip netns del "${PREFIX}probe" 2>/dev/null)"
  echo "- nattt: ${NATTT_BIN:-not built}"
  echo
  for depth in $DEPTHS; do
    echo "## Depth $depth"
    echo
    echo "| path | TCP 1 stream (Mbit/s) | TCP 4 streams (Mbit/s) | ping RTT avg (ms) | added RTT vs kernel (ms) | UDP 64 B received (kpps) | note |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    kernel_rtt=""
    for row in "${ROWS[@]}"; do
      IFS='|' read -r d path t1 t4 rtt udp note <<<"$row"
      [ "$d" = "$depth" ] || continue
      added="-"
      if [[ "$path" == kernel* ]]; then kernel_rtt="$rtt"; added="0"
      elif [ -n "$kernel_rtt" ] && [ "$kernel_rtt" != "-" ] && [ "$rtt" != "-" ]; then
        added=$(awk -v a="${rtt%% *}" -v k="${kernel_rtt%% *}" 'BEGIN{printf "%+.3f", a-k}')
      fi
      echo "| $path | $t1 | $t4 | $rtt | $added | $udp | $note |"
    done
    echo
    goal_line "$depth"
    echo
  done
  echo "Noise: iperf3's client and server, the NAT boxes and the tunnel daemons share this machine's CPUs (and, here,"
  echo "with other jobs); compare rows of one run with each other, not with other machines."
} >"$OUT"
cp "$OUT" "$OUT_DIR/datapath-latest.md"
log "wrote $OUT and $OUT_DIR/datapath-latest.md"
cat "$OUT"

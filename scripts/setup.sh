#!/usr/bin/env bash
# Installs what nattt's demo, tests and benchmarks use on a fresh Debian 12 machine, then builds the solution.
# Idempotent. Needs root (apt-get). Set NATTT_SKIP_APT=1 to skip the package step.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  iproute2 iputils-ping nftables conntrack iperf3 socat curl procps python3 ca-certificates
  dnsutils bind9 bind9-utils coturn stun-client dnsmasq dnsperf traceroute
  openvpn wireguard-go wireguard-tools
  openssl  # certificates for the STUN-over-TLS test
)

if [ "${NATTT_SKIP_APT:-0}" != "1" ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian starts no service on install here, but make sure the ones we drive ourselves are not running.
  for s in named coturn openvpn dnsmasq; do systemctl stop "$s" >/dev/null 2>&1 || true; done
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: installing the .NET 10 SDK from Microsoft's Debian repository"
  apt-get install -y -qq wget gpg >/dev/null
  wget -q https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb -O /tmp/packages-microsoft-prod.deb
  dpkg -i /tmp/packages-microsoft-prod.deb >/dev/null
  apt-get update -qq && apt-get install -y -qq dotnet-sdk-10.0 >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build NatTraversal.slnx -c Release -nologo -v q -clp:ErrorsOnly

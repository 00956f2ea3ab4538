#!/usr/bin/env bash
# Builds nattt and runs the demonstration world (figures 1 and 2 of the NATTT paper) in network namespaces, then
# removes it. Needs root. Everything stays inside namespaces this script creates.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec dotnet src/Nattt.Cli/bin/Release/net10.0/nattt.dll demo "$@"

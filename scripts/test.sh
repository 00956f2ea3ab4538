#!/usr/bin/env bash
# Runs every test: unit tests, then the namespace integration tests (root; real kernel NAT, TUN, real peers).
# Installs what it needs first (scripts/setup.sh). Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
      --logger "console;verbosity=normal" > "$results/$name.log" 2>&1 || status=1
  # The failures with their messages, and the runner's own summary line.
  grep -E -A12 '^\s+Failed [A-Za-z]' "$results/$name.log" | grep -vE '^\s+at (System|Xunit|ReflectionAbstraction)' | head -200
  grep -E '^\s*(Skipped) |^(Passed|Failed)!|Total tests|error [A-Z]+[0-9]+' "$results/$name.log" | head -50
done

# Sum the counters of every TRX file (one per test project).
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None: continue
    total, passed, failed = int(c.get("total", 0)), int(c.get("passed", 0)), int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    p += passed; f += failed; s += total - passed - failed
    print(f"{path.rsplit('/',1)[-1]}: {passed} passed, {failed} failed, {total - passed - failed} skipped")
if not glob.glob(sys.argv[1] + "/*.trx"):
    f += 1  # no results at all: the run itself failed
print(f"{p} passed, {f} failed, {s} skipped")
sys.exit(1 if f else 0)
PY
summary_rc=$?
[ $summary_rc -eq 0 ] || status=1
exit $status

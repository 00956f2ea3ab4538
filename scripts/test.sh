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
      --logger "console;verbosity=normal" 2>&1 | tee "$results/$name.log" | grep -E '^\s*(Failed|Skipped) |^(Passed|Failed)!|error' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
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
print(f"{p} passed, {f} failed, {s} skipped")
PY
summary_rc=$?
[ $summary_rc -eq 0 ] || status=1
exit $status

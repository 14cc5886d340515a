#!/usr/bin/env bash
# Runs every test suite: the engine, the samples' data code (if present) and the ML.NET layer.
#
#   eng/test.sh [extra `dotnet test` arguments, e.g. --filter Name~Lstm]
#
# Exits non-zero if any test fails (a restore or build failure included).
# Environment: CONFIGURATION (default Release).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
configuration="${CONFIGURATION:-Release}"
failed=()
summary_log="$(mktemp)"
trap 'rm -f "$summary_log"' EXIT

run_tests() {  # run_tests PROJECT [dotnet test arguments...]
  local project="$1"; shift
  echo "== $project"
  # Keep the runner's summary lines ("Passed!  - Failed: 0, Passed: 89, Skipped: 0, ...") for the total below.
  if ! dotnet test "$project" -c "$configuration" "$@" 2>&1 | tee -a "$summary_log"; then
    failed+=("$project")
  fi
}

run_tests tests/Microsoft.ML.Recurrent.Core.Tests "$@"
if [[ -d tests/Microsoft.ML.Recurrent.Samples.Tests ]]; then
  run_tests tests/Microsoft.ML.Recurrent.Samples.Tests "$@"
fi

# The ML.NET layer's tests run on every machine: Microsoft.ML comes from NuGet like every other package, and a
# restore failure is a test failure.
run_tests tests/Microsoft.ML.Recurrent.Tests "$@"

# One plain closing line with the totals over every suite.
awk '/(Passed|Failed)! +- +Failed:/ { gsub(/,/, ""); f += $4; p += $6; s += $8 }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$summary_log"

if (( ${#failed[@]} > 0 )); then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "All test suites passed."

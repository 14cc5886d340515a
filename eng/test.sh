#!/usr/bin/env bash
# Runs every test suite: the engine, the samples' data code (if present) and the ML.NET layer.
#
#   eng/test.sh [extra `dotnet test` arguments, e.g. --filter Name~Lstm]
#
# The ML.NET layer needs ML.NET 5.0: the folder in $MLNET_PATH (a folder of ML.NET assemblies, see README:
# Offline ML.NET) if it has Microsoft.ML.Core.dll, else the Microsoft.ML 5.0.0 package from the NuGet feed.
# With neither, its tests are skipped and one line says so. Exits non-zero if any test fails.
# Environment: CONFIGURATION (default Release), MLNET_PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
configuration="${CONFIGURATION:-Release}"
failed=()
summary_log="$(mktemp)"
restore_log="$(mktemp)"
trap 'rm -f "$summary_log" "$restore_log"' EXIT

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

mlnet_tests=tests/Microsoft.ML.Recurrent.Tests
if [[ -n "${MLNET_PATH:-}" && -f "${MLNET_PATH}/Microsoft.ML.Core.dll" ]]; then
  mlnet_dir="$(cd "$MLNET_PATH" && pwd)"
  echo "ML.NET layer: using ML.NET assemblies from $mlnet_dir"
  run_tests "$mlnet_tests" "-p:MLNetPath=$mlnet_dir" "$@"
else
  if [[ -n "${MLNET_PATH:-}" ]]; then
    echo "ML.NET layer: MLNET_PATH=$MLNET_PATH has no Microsoft.ML.Core.dll; trying NuGet instead." >&2
  fi
  if env -u MLNET_PATH dotnet restore "$mlnet_tests" >"$restore_log" 2>&1; then
    echo "ML.NET layer: using Microsoft.ML 5.0.0 from NuGet"
    MLNET_PATH= run_tests "$mlnet_tests" "$@"
  elif grep -Eq "NU110[1-3].*Microsoft\.ML\b" "$restore_log"; then
    echo "ML.NET layer tests SKIPPED: Microsoft.ML 5.0.0 is not on the NuGet feed and MLNET_PATH is not set (see README: Offline ML.NET)"
  else
    cat "$restore_log" >&2
    echo "ML.NET layer: restoring $mlnet_tests failed for another reason than a missing Microsoft.ML package (see above)." >&2
    failed+=("$mlnet_tests (restore)")
  fi
fi

# One plain closing line with the totals over every suite.
awk '/(Passed|Failed)! +- +Failed:/ { gsub(/,/, ""); f += $4; p += $6; s += $8 }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$summary_log"

if (( ${#failed[@]} > 0 )); then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "All test suites passed."

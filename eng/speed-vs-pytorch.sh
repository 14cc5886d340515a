#!/usr/bin/env bash
# Side-by-side speed of this engine and PyTorch on this machine, in one invocation.
#
#   eng/speed-vs-pytorch.sh [--seconds S] [--rounds R] [--no-write]
#
# - Installs Debian python3-torch and libopenblas0-pthread if missing (without OpenBLAS torch silently runs a slow
#   reference BLAS) and runs /usr/bin/python3.
# - Builds the engine's benchmark project in Release and runs its `speed` mode (JSON lines).
# - Runs eng/speed/torch_speed.py with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in that command alone, so
#   OpenBLAS picks its best kernel for this CPU (AVX-512 where available); the table names the kernel it used and a
#   torch.mm-vs-float64 check guards its correctness.
# - Also times PyTorch's batch-1 inference under the machine's own OPENBLAS_* settings, when it has any, and prints
#   it beside the table; the inference ratios take the faster of the two settings.
# - Alternates the two engines for R rounds (default 2) and keeps the best of each measurement: other processes on the
#   machine only ever make a number worse.
# - Prints the ratio table and writes it to docs/performance.md between <!-- speed-table:start --> and
#   <!-- speed-table:end --> (and to README.md if it has those markers), unless --no-write.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/machine-meta.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/torch-deps.sh"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=3
rounds=2
write=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --no-write) write=0; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

python=/usr/bin/python3
ensure_torch_deps

echo "Building the engine (Release)..." >&2
dotnet build "$root/benchmarks/Microsoft.ML.Recurrent.Benchmarks/Microsoft.ML.Recurrent.Benchmarks.csproj" -c Release -v q -nologo >&2
ours_dll="$root/benchmarks/Microsoft.ML.Recurrent.Benchmarks/bin/Release/net10.0/Microsoft.ML.Recurrent.Benchmarks.dll"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
    echo "Round $r/$rounds: ours..." >&2
    dotnet "$ours_dll" speed --threads 1,2 --seconds "$seconds" | tee -a "$work/ours.jsonl" >&2
    echo "Round $r/$rounds: PyTorch..." >&2
    # One process per thread count, with OpenBLAS's own pool pinned too: torch.set_num_threads alone does not always
    # shrink a pool OpenBLAS already grew, which let "1 thread" GEMMs run on both cores.
    for t in 1 2; do
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t" OMP_NUM_THREADS="$t" \
            "$python" "$root/eng/speed/torch_speed.py" --threads "$t" --seconds "$seconds" | tee -a "$work/torch.jsonl" >&2
    done
    # Batch-1 inference once more under this machine's own OpenBLAS settings, if it has any (earlier published
    # figures were taken that way). The inference ratios take the faster of the two settings.
    if [[ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]]; then
        for t in 1 2; do
            OPENBLAS_NUM_THREADS="$t" OMP_NUM_THREADS="$t" "$python" "$root/eng/speed/torch_speed.py" --threads "$t" \
                --seconds "$seconds" --only infer --setting machine | tee -a "$work/torch.jsonl" >&2
        done
    fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

write_machine_meta "$python" "$work/meta.json" "$load_before" "$load_after" "$rounds"
"$python" "$root/eng/speed/report.py" "$work/ours.jsonl" "$work/torch.jsonl" "$work/meta.json" > "$work/table.md"

echo
cat "$work/table.md"

if [[ $write -eq 1 ]]; then
    for file in "$root/docs/performance.md" "$root/README.md"; do
        [[ -f "$file" ]] || continue
        grep -q '<!-- speed-table:start -->' "$file" && grep -q '<!-- speed-table:end -->' "$file" || continue
        "$python" - "$file" "$work/table.md" <<'EOF'
import re, sys
path, table = sys.argv[1], open(sys.argv[2]).read().strip()
text = open(path).read()
start, end = "<!-- speed-table:start -->", "<!-- speed-table:end -->"
new = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda m: f"{start}\n{table}\n{end}", text, count=1, flags=re.S)
open(path, "w").write(new)
EOF
        echo "Updated the speed table in ${file#$root/}." >&2
    done
fi

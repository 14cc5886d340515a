#!/usr/bin/env bash
# Side-by-side speed of this engine and the peers a .NET user would pick, in one invocation: TorchSharp-cpu (libtorch
# 2.10), ONNX Runtime, and Debian's PyTorch 1.13; writes docs/peers.md (issue #14).
#
#   eng/speed-vs-peers.sh [--seconds S] [--rounds R] [--no-write] [--raw FILE]
#
# - Installs Debian python3-torch and libopenblas0-pthread if missing (as eng/speed-vs-pytorch.sh does).
# - Builds, Release: the engine's benchmark program (its `speed` mode: training and batch-1 for ours) and the harnesses in
#   benchmarks/Peers: OursSpeed (64 sequences in one call; exports the shared weights), TorchSharpSpeed and
#   OnnxRuntimeSpeed, whose NuGet packages restore here on demand (TorchSharp-cpu is ~1 GB); none is part of eng/test.sh.
# - Marks GLIBCXX_3.4.32 weak in the build output's copy of TorchSharp's glue library (Debian 12's libstdc++ lacks that
#   version; nothing calls its one symbol): see benchmarks/Peers/TorchSharpSpeed/weaken_version_need.py. The NuGet
#   package cache is never modified.
# - Exports one LSTM and one GRU (seq28) from our engine: weights and RecurrentModel.ExportOnnx files. PyTorch 1.13
#   loads the weights, checks it computes our probabilities and writes its own ONNX export; ONNX Runtime runs both
#   files (the faster counts); TorchSharp loads the same weights. Every peer reports its difference from our output.
# - Runs R rounds (default 3), each engine in turn at 1 and 2 threads, one process per engine and thread count; keeps
#   the best round of every number: other processes on the machine only ever make a number worse.
# - Prints the result and writes docs/peers.md (whole file, generated), unless --no-write; --raw keeps every engine's
#   JSON lines (all rounds) in FILE.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/machine-meta.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/torch-deps.sh"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="$root/benchmarks/Peers"
seconds=3
rounds=3
write=1
raw=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --no-write) write=0; shift ;;
        --raw) raw="$2"; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

python=/usr/bin/python3
ensure_torch_deps

build() {
    echo "Building ${1#$root/} (Release)..." >&2
    dotnet build "$1" -c Release -v q -nologo >&2
}
build "$root/benchmarks/Microsoft.ML.Recurrent.Benchmarks/Microsoft.ML.Recurrent.Benchmarks.csproj"
build "$peers/OursSpeed/OursSpeed.csproj"
build "$peers/OnnxRuntimeSpeed/OnnxRuntimeSpeed.csproj"
build "$peers/TorchSharpSpeed/TorchSharpSpeed.csproj"
ours_dll="$root/benchmarks/Microsoft.ML.Recurrent.Benchmarks/bin/Release/net10.0/Microsoft.ML.Recurrent.Benchmarks.dll"
ours64_dll="$peers/OursSpeed/bin/Release/net10.0/OursSpeed.dll"
ort_dll="$peers/OnnxRuntimeSpeed/bin/Release/net10.0/OnnxRuntimeSpeed.dll"
ts_out="$peers/TorchSharpSpeed/bin/Release/net10.0"
# The build copies the native libraries out of the package cache on every (re)build, so this runs after each one.
"$python" "$peers/TorchSharpSpeed/weaken_version_need.py" "$ts_out/runtimes/linux-x64/native/libLibTorchSharp.so" GLIBCXX_3.4.32 >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
models="$work/models"
echo "Exporting the shared weights and the ONNX models..." >&2
dotnet "$ours64_dll" export --out "$models"
results="$work/results.jsonl"
# torch.onnx prints pages of warnings about RNN export; show them only if the export fails.
if ! "$python" "$peers/export_onnx.py" "$models" > "$work/export.jsonl" 2> "$work/export.log"; then
    cat "$work/export.log" >&2
    exit 1
fi
tee -a "$results" < "$work/export.jsonl" >&2
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
    echo "Round $r/$rounds: ours..." >&2
    dotnet "$ours_dll" speed --threads 1,2 --seconds "$seconds" --only train,infer,transform,sgemm,peak,floor,kernels | tee -a "$results" >&2
    dotnet "$ours64_dll" speed --threads 1,2 --seconds "$seconds" | tee -a "$results" >&2
    for t in 1 2; do
        echo "Round $r/$rounds: TorchSharp, $t thread(s)..." >&2
        # libtorch's huge-page allocator: its fastest setting on this machine (issue #14).
        THP_MEM_ALLOC_ENABLE=1 OMP_NUM_THREADS="$t" MKL_NUM_THREADS="$t" \
            dotnet "$ts_out/TorchSharpSpeed.dll" speed --models "$models" --threads "$t" --seconds "$seconds" | tee -a "$results" >&2
    done
    for t in 1 2; do
        echo "Round $r/$rounds: ONNX Runtime, $t intra-op thread(s)..." >&2
        dotnet "$ort_dll" speed --models "$models" --threads "$t" --seconds "$seconds" | tee -a "$results" >&2
    done
    for t in 1 2; do
        echo "Round $r/$rounds: PyTorch 1.13, $t thread(s)..." >&2
        # As eng/speed-vs-pytorch.sh: OpenBLAS picks its own kernel, its pool pinned to the thread count.
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t" OMP_NUM_THREADS="$t" \
            "$python" "$root/eng/speed/torch_speed.py" --threads "$t" --seconds "$seconds" --only train,infer | tee -a "$results" >&2
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t" OMP_NUM_THREADS="$t" \
            "$python" "$peers/torch_infer64.py" "$models" --threads "$t" --seconds "$seconds" | tee -a "$results" >&2
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

write_machine_meta "$python" "$work/meta.json" "$load_before" "$load_after" "$rounds" "$seconds"
[[ -n "$raw" ]] && cp "$results" "$raw"
"$python" "$peers/peers_report.py" "$results" "$work/meta.json" > "$work/peers.md"

echo
cat "$work/peers.md"
if [[ $write -eq 1 ]]; then
    cp "$work/peers.md" "$root/docs/peers.md"
    echo "Wrote docs/peers.md." >&2
fi

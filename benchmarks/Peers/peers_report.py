#!/usr/bin/python3
"""docs/peers.md from the JSON lines of eng/speed-vs-peers.sh.

  peers_report.py RESULTS.jsonl META.json > peers.md

RESULTS holds every engine's lines ("engine": ours, torchsharp, onnxruntime, torch, onnx-export), each measurement
once per round; the best round counts (highest throughput, lowest median latency): other processes on a shared machine
only ever make a number worse.
"""
import json, sys

PEERS = [("torchsharp", "TorchSharp"), ("onnxruntime", "ONNX Runtime"), ("torch", "PyTorch 1.13")]
ENGINES = PEERS + [("ours", "Ours")]
CONFIGS = {"seq28": "T=28, I=28, H=128, B=64", "text200": "T=200, E=64, V=20k, H=128, B=32"}


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def best_row(rows, lower, stat="value", **match):
    vals = [r for r in rows if r.get("setting", "best") == "best" and stat in r and all(r.get(k) == v for k, v in match.items())]
    return (min if lower else max)(vals, key=lambda r: r[stat]) if vals else None


def best(rows, lower, stat="value", **match):
    r = best_row(rows, lower, stat, **match)
    return r[stat] if r else None


GRAPH_MARK = {"ours": "ᵒ", "torch": "ᵖ"}  # which ONNX file ONNX Runtime ran fastest


def fmt(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def verdict(ratio, target):
    """✅ with the ratio, or ❌ with the ratio and how far it is from the target (the factor still missing)."""
    if ratio is None:
        return "– (not measured)"
    if ratio >= target:
        return f"✅ {ratio:.2f}×"
    return f"❌ {ratio:.2f}× — {target / ratio:.2f}× short of {target:g}×"


# Shapes of the configurations (eng/speed/torch_speed.py, benchmarks Workloads.cs): steps, input width, hidden.
SHAPES = {"seq28": (28, 28, 128), "text200": (200, 64, 128)}
GATES = {"lstm": 4, "gru": 3}


def train_flops(cell, cfg):
    """Matrix-product FLOPs one training sequence needs in any engine: forward [x h]·Wᵀ, the weight gradient (same
    size), dL/dh through W_hh every step, and dL/dx through W_ih where the input has a gradient (the embedding)."""
    t, i, h = SHAPES[cfg]
    gh = GATES[cell] * h
    forward = 2 * t * (i + h) * gh
    return forward + forward + 2 * t * h * gh + (2 * t * i * gh if cfg == "text200" else 0)


def infer_flops(cell, cfg="seq28"):
    t, i, h = SHAPES[cfg]
    return 2 * t * (i + h) * GATES[cell] * h


def int8_bound(rows, p, vnni2):
    """A missed 64-sequence target against the int8 ceiling: the fp32 gate kernels' own time comes first."""
    for cell in ("lstm", "gru"):
        v = {(e, t): best(rows, True, engine=e, kind="infer64", cell=cell, config="seq28", threads=t)
             for e, _ in ENGINES for t in (1, 2)}
        peers = [x for (e, t), x in v.items() if e != "ours" and x]
        ours = [x for (e, t), x in v.items() if e == "ours" and x]
        kernel = best(rows, True, engine="ours", kind="kernel", name=f"{cell}-forward")
        int8 = [x for x in (best(rows, True, engine="ours", kind="infer64_int8", cell=cell, config="seq28", threads=t) for t in (1, 2)) if x]
        if not peers or not ours or min(ours) <= min(peers) / 2 or not kernel or not vnni2:
            continue
        t, _, _ = SHAPES["seq28"]
        need_us = min(peers) / 2
        gates_us = 64 * t * kernel / 1e3 / 2   # every row of every step, split perfectly over both cores
        ops = 64 * infer_flops(cell)
        left = need_us - gates_us
        p("")
        p(f"**{cell.upper()}, 64 sequences, in int8.** The opt-in int8 mode multiplies in 8-bit integers, but the gate "
          f"activations stay fp32: {kernel:.0f} ns a row of 128 units on one core (`speed --only kernels`, {cell} forward), "
          f"so the 64 × {t} rows take {gates_us:.0f} µs of the {need_us:.0f} µs budget even split perfectly over both cores. "
          + (f"The products (input projection included, {ops / 1e6:.0f} M operations) would then need "
             f"{ops / left / 1e3:,.0f} GOP/s in the {left:.0f} µs left: **{ops / left / 1e3 / vnni2:.0%}** of the two cores' "
             f"int8 ceiling ({vnni2:,.0f} GOP/s), with nothing else (quantizing h, the head, memory) counted."
             if left > 0 else "Nothing is left for the products.")
          + (f" Ours in int8 now: {min(int8):,.0f} µs." if int8 else ""))


def roofline(rows, p):
    """What limits the missed targets, from the same run's ceilings (`speed --only peak,floor,sgemm`)."""
    peak = lambda what, t: best(rows, False, engine="ours", kind="peak", what=what, threads=t)
    fma1, fma2 = peak("fp32-fma-512", 1), peak("fp32-fma-512", 2)
    vnni1, vnni2 = peak("int8-vpdpbusd-256", 1), peak("int8-vpdpbusd-256", 2)
    if not fma1 or not fma2:
        return
    sgemm = [r["value"] for r in rows if r["engine"] == "ours" and r["kind"] == "sgemm" and r.get("shape", "").startswith(("step-", "xproj-", "dWhh-", "dx-"))]
    p("## What limits the missed targets")
    p("")
    p(f"Ceilings measured in the same run (`speed --only peak`: register-only loops, no memory): fp32 fused multiply-add, "
      f"512-bit, **{fma1:,.0f} GFLOP/s on one core, {fma2:,.0f} on both**" + (f"; int8 `vpdpbusd` (256-bit `AvxVnni`, the "
      f"widest .NET 10 exposes here) {vnni1:,.0f} / {vnni2:,.0f} GOP/s" if vnni1 and vnni2 else "") + "."
      + (f" Our SGEMM at the engine's training shapes reaches {min(sgemm):,.0f}–{max(sgemm):,.0f} GFLOP/s on one core "
         f"({min(sgemm) / fma1:.0%}–{max(sgemm) / fma1:.0%} of that ceiling; the `sgemm` lines)." if sgemm else ""))
    f1 = {c: best(rows, True, engine="ours", kind="floor", what="gemv1", cell=c) for c in ("lstm", "gru")}
    f2 = {c: best(rows, True, engine="ours", kind="floor", what="gemv2", cell=c) for c in ("lstm", "gru")}
    rt = best(rows, True, engine="ours", kind="floor", what="roundtrip")
    if all(f1.values()) and all(f2.values()) and rt:
        p("")
        p(f"Batch 1 (`speed --only floor`): the 28 recurrent products h·W_hhᵀ of one sequence alone take {f1['lstm']:.1f} µs "
          f"(LSTM) and {f1['gru']:.1f} µs (GRU) on one core — every step streams all of W_hhᵀ from L2 for one multiply-add "
          f"per weight, so they are bound by loads, not arithmetic — and {f2['lstm']:.1f} / {f2['gru']:.1f} µs split over "
          f"both cores with one spin barrier a step; a cross-core round trip took {rt:,.0f} ns in this run (it depends on "
          "where the hypervisor places the two vCPUs: 100–800 ns seen on this machine).")
    p("")
    p("Each workload's matrix-product FLOPs are fixed by its shapes (any engine does them; the gate arithmetic, "
      "the embedding and the optimizer come on top): per training sequence 2·T·(I+H)·GH forward, as much again for "
      "the weight gradient, 2·T·H·GH for dL/dh and, with an embedding, 2·T·I·GH for dL/dx (GH = 4H for the LSTM); per "
      "scored sequence the forward part. A target's rate times those FLOPs is the arithmetic rate it needs:")
    p("")
    p("| Missed target | Needs | FLOP per sequence | Arithmetic rate needed | Ceiling | Needed ÷ ceiling | Ours now |")
    p("|---|---|---:|---:|---:|---:|---:|")
    any_row = False
    for cfg in ("seq28", "text200"):
        for cell in ("lstm", "gru"):
            v = {(e, t): best(rows, False, engine=e, kind="train", cell=cell, config=cfg, threads=t)
                 for e in ("torchsharp", "torch", "ours") for t in (1, 2)}
            peers = [x for (e, t), x in v.items() if e != "ours" and x]
            peers1 = [x for (e, t), x in v.items() if e != "ours" and t == 1 and x]
            ours = [x for (e, t), x in v.items() if e == "ours" and x]
            f = train_flops(cell, cfg)
            name = f"training {cell.upper()} {CONFIGS[cfg]}"
            if peers and ours and max(ours) < 2 * max(peers):
                need = 2 * max(peers)
                p(f"| {name}, ≥ 2× best peer | {need:,.0f} seq/s | {f / 1e6:.1f} M | {need * f / 1e9:,.0f} GFLOP/s "
                  f"| {fma2:,.0f} (2 cores) | **{need * f / 1e9 / fma2:.0%}** | {max(ours) * f / 1e9:,.0f} GFLOP/s ({max(ours) * f / 1e9 / fma2:.0%}) |")
                any_row = True
            if peers1 and v[("ours", 1)] and v[("ours", 1)] < 1.5 * max(peers1):
                need = 1.5 * max(peers1)
                p(f"| {name}, per core ≥ 1.5× | {need:,.0f} seq/s | {f / 1e6:.1f} M | {need * f / 1e9:,.0f} GFLOP/s "
                  f"| {fma1:,.0f} (1 core) | **{need * f / 1e9 / fma1:.0%}** | {v[('ours', 1)] * f / 1e9:,.0f} GFLOP/s ({v[('ours', 1)] * f / 1e9 / fma1:.0%}) |")
                any_row = True
    for cell in ("lstm", "gru"):
        v = {(e, t): best(rows, True, engine=e, kind="infer64", cell=cell, config="seq28", threads=t)
             for e, _ in ENGINES for t in (1, 2)}
        peers = [x for (e, t), x in v.items() if e != "ours" and x]
        ours = [x for (e, t), x in v.items() if e == "ours" and x]
        if peers and ours and min(ours) > min(peers) / 2:
            need_us = min(peers) / 2
            f = 64 * infer_flops(cell)
            p(f"| inference {cell.upper()} 64 sequences, ≥ 2× best peer | ≤ {need_us:,.0f} µs a call | {infer_flops(cell) / 1e6:.1f} M "
              f"| {f / need_us / 1e3:,.0f} GFLOP/s | {fma2:,.0f} (2 cores) | **{f / need_us / 1e3 / fma2:.0%}** "
              f"| {f / min(ours) / 1e3:,.0f} GFLOP/s ({f / min(ours) / 1e3 / fma2:.0%}) |")
            any_row = True
    if not any_row:
        p("| (none: every training and batched-scoring target met) | | | | | | |")
    p("")
    p("Needed ÷ ceiling above 100% cannot be reached in fp32 on this machine by any engine; above the SGEMM's own "
      "fraction of the ceiling it cannot be reached with the products as separate GEMMs and the gate arithmetic on top.")
    int8_bound(rows, p, vnni2)
    floor1 = {c: best(rows, True, engine="ours", kind="floor", what="gemv1", cell=c) for c in ("lstm", "gru")}
    floor2 = {c: best(rows, True, engine="ours", kind="floor", what="gemv2", cell=c) for c in ("lstm", "gru")}
    trip = best(rows, True, engine="ours", kind="floor", what="roundtrip")
    for cell in ("lstm", "gru"):
        ort = [best(rows, True, engine="onnxruntime", kind="infer1", cell=cell, config="seq28", threads=t) for t in (1, 2)]
        ort = [x for x in ort if x]
        ours = [best(rows, True, engine="ours", kind="infer1", cell=cell, config="seq28", threads=t) for t in (1, 2)]
        ours = min([x for x in ours if x], default=None)
        if not ort or not ours or ours * 1.5 <= min(ort) or not floor1[cell]:
            continue
        need = min(ort) / 1.5
        p("")
        p(f"**Batch-1 {cell.upper()} in fp32** needs ≤ {need:.1f} µs a sequence (1.5× ONNX Runtime's {min(ort):.1f} µs). The 28 "
          f"recurrent products h·W_hhᵀ alone, nothing else, take {floor1[cell]:.1f} µs on one core (`floor` gemv1: every step "
          f"streams all of W_hhᵀ, {GATES[cell] * 128 * 128 * 4 // 1024} KB, from L2 — one multiply-add per weight loaded, so "
          f"bound by loads, not arithmetic)"
          + (f", and {floor2[cell]:.1f} µs split over both cores with one barrier a step (`floor` gemv2; a cross-core round "
             f"trip took {trip:,.0f} ns in this run)" if floor2[cell] else "")
          + f". Ours takes {ours:.1f} µs at best with the gates, input projection and head. On one core the fp32 target is "
          f"below what loading the weights costs; splitting the sequence over both cores (2t) is the fp32 lever, and "
          f"reduced-precision weights (fewer bytes a step) the other.")
    p("")


def main():
    rows, meta = load(sys.argv[1]), json.load(open(sys.argv[2]))
    info = lambda engine: next((r for r in rows if r["engine"] == engine and r["kind"] == "info"), {})
    ours_i, ts_i, ort_i, torch_i = info("ours"), info("torchsharp"), info("onnxruntime"), info("torch")
    out = []
    p = out.append
    p("# Speed against the peers a .NET user would pick")
    p("")
    p("<!-- Generated by eng/speed-vs-peers.sh; edit that script or benchmarks/Peers/peers_report.py, not this file. -->")
    p("")
    p(f"Measured {meta['date']} on **{meta['cpu']}**, {meta['cores']} logical CPUs ({meta['isa']}); load average "
      f"{meta['load_before']} before / {meta['load_after']} after; best of {meta['rounds']} interleaved round(s), "
      f"{meta['seconds']} s per measurement. The machine is shared: read the ratios, not the absolute figures.")
    p("")
    p("| Engine | Version | Settings |")
    p("|---|---|---|")
    p(f"| Ours | .NET {ours_i.get('runtime')} | `TrainingOptions.NumberOfThreads` = 1, 2; AVX-512 {'on' if ours_i.get('avx512') else 'off'} |")
    p(f"| TorchSharp | TorchSharp-cpu {ts_i.get('torchsharp')} (libtorch 2.10.0, MKL, oneDNN) | `torch.set_num_threads(1/2)`, "
      f"one interop thread, `THP_MEM_ALLOC_ENABLE={ts_i.get('THP_MEM_ALLOC_ENABLE') or 'unset'}`, oneDNN on (libtorch's default: "
      "LSTM runs oneDNN's RNN primitive), inference under `torch.inference_mode()` |")
    p(f"| ONNX Runtime | Microsoft.ML.OnnxRuntime {ort_i.get('onnxruntime')} (CPU) | intra-op threads 1/2, one inter-op thread, "
      "sequential, all graph optimizations; input and output bound to preallocated buffers |")
    p(f"| PyTorch | Debian python3-torch {torch_i.get('torch')} on {torch_i.get('openblas_config', 'unknown BLAS')}, kernel "
      f"{torch_i.get('openblas_core')} | `torch.set_num_threads(1/2)` with `OPENBLAS_NUM_THREADS` alike (eng/speed/torch_speed.py) |")
    p("")
    p("Same configurations as eng/speed-vs-pytorch.sh: `nn.LSTM`/`nn.GRU` (batch-first, one layer) + `Linear` head on the "
      "last hidden state (+ `Embedding` for text), cross-entropy, Adam lr 1e-3, gradient clipping at 5. Inference scores one "
      "model (the same weights in every engine, probabilities after softmax): OursSpeed exports them, PyTorch 1.13 loads "
      "them (and exports them to ONNX as well), TorchSharp loads them by name, ONNX Runtime runs the ONNX files.")
    p("")

    def cell_row(kind, cell, cfg, lower, stat="value"):
        vals = {}
        for engine, _ in ENGINES:
            for t in (1, 2):
                vals[(engine, t)] = best(rows, lower, stat, engine=engine, kind=kind, cell=cell, config=cfg, threads=t)
        return vals

    # Training
    p("## Training, sequences/s (higher is better)")
    p("")
    p("| Workload | TorchSharp 1t | TorchSharp 2t | PyTorch 1t | PyTorch 2t | Ours 1t | Ours 2t | Ours best ÷ best peer (target ≥ 2×) | Per core: ours 1t ÷ best peer 1t (target ≥ 1.5×) | Ours 2t ÷ 1t (target ≥ 1.8×) |")
    p("|---|---:|---:|---:|---:|---:|---:|---|---|---|")
    verdicts = []
    for cfg in ("seq28", "text200"):
        for cell in ("lstm", "gru"):
            v = cell_row("train", cell, cfg, False)
            peers = [(v[(e, t)], e, t) for e in ("torchsharp", "torch") for t in (1, 2) if v[(e, t)] is not None]
            ours = [x for x in (v[("ours", 1)], v[("ours", 2)]) if x is not None]
            bp = max(peers) if peers else None
            ratio = max(ours) / bp[0] if ours and bp else None
            peers1 = [x for x in (v[("torchsharp", 1)], v[("torch", 1)]) if x is not None]
            per_core = v[("ours", 1)] / max(peers1) if v[("ours", 1)] and peers1 else None
            name = f"{cell.upper()} {CONFIGS[cfg]}"
            scaling = v[("ours", 2)] / v[("ours", 1)] if v[("ours", 1)] and v[("ours", 2)] else None
            verdicts += [(f"training {name}", ratio, 2), (f"training per core {name}", per_core, 1.5),
                         (f"training 2 threads ÷ 1 {name}", scaling, 1.8)]
            p(f"| {name} | " + " | ".join(fmt(v[(e, t)]) for e in ("torchsharp", "torch", "ours") for t in (1, 2))
              + f" | {verdict(ratio, 2)}" + (f" (best peer: {dict(PEERS)[bp[1]]} {bp[2]}t)" if bp else "")
              + f" | {verdict(per_core, 1.5)} | {verdict(scaling, 1.8)} |")
    p("")

    # Inference
    def inference_table(stat, counts):
        p("| Workload | TorchSharp 1t | TorchSharp 2t | ONNX Runtime 1t | ONNX Runtime 2t | PyTorch 1t | PyTorch 2t | Ours 1t | Ours 2t | Target | Result |")
        p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        # "_int8" rows: ours with PredictorOptions.Precision = Int8 (opt-in) against the peers' fp32 numbers of the same workload.
        for kind, label in (("infer1", "batch 1, T=28"), ("infer64", "64 sequences in one call, T=28"),
                            ("infer1_int8", "batch 1, T=28, **Ours int8** (opt-in)"), ("infer64_int8", "64 sequences, T=28, **Ours int8** (opt-in)")):
            base = kind.removesuffix("_int8")
            for cell in ("lstm", "gru"):
                v = cell_row(base, cell, "seq28", True, stat)
                v.update({("ours", t): best(rows, True, stat, engine="ours", kind=kind, cell=cell, config="seq28", threads=t) for t in (1, 2)})
                ours = [x for x in (v[("ours", 1)], v[("ours", 2)]) if x is not None]
                ob = min(ours) if ours else None
                if base == "infer1":
                    ort = [x for x in (v[("onnxruntime", 1)], v[("onnxruntime", 2)]) if x is not None]
                    ratio = min(ort) / ob if ort and ob else None
                    target = 2 if kind.endswith("_int8") else 1.5
                    what = f"≥ {target:g}× ONNX Runtime"
                else:
                    peers = [v[(e, t)] for e, _ in PEERS for t in (1, 2) if v[(e, t)] is not None]
                    ratio = min(peers) / ob if peers and ob else None
                    target, what = 2, "≥ 2× the best peer"
                name = f"{cell.upper()} {label}"
                if kind == "infer64_int8":
                    what = "(no target; fp32's for reference)"
                elif counts:
                    verdicts.append((f"inference {name.replace('**', '')}", ratio, target))

                def show(e, t):
                    if e == "ours" and t == 2 and kind == "infer1_int8":
                        return "(= 1t)"
                    r = best_row(rows, True, stat, engine=e, kind=kind if e == "ours" else base, cell=cell, config="seq28", threads=t)
                    return fmt(r and r[stat], 1) + (GRAPH_MARK.get(r.get("graph"), "") if r else "")
                result = (f"{ratio:.2f}× the best peer" if ratio else "– (not measured)") if kind == "infer64_int8" else verdict(ratio, target)
                p(f"| {name} | " + " | ".join(show(e, t) for e, _ in ENGINES for t in (1, 2)) + f" | {what} | {result} |")
        p("")

    p("## Inference, µs (median; lower is better)")
    p("")
    inference_table("value", True)
    p("ONNX Runtime runs two ONNX files of the same weights, and each cell shows the faster: ᵒ our "
      "`RecurrentModel.ExportOnnx` (opset 17, inputs `features` and `lengths`), ᵖ PyTorch 1.13's `torch.onnx.export` "
      "(opset 14, input `x`).")
    p("")
    p("**Ours int8** rows: the same model scored by a predictor with `PredictorOptions.Precision = InferencePrecision.Int8` "
      "(opt-in: the recurrent products h·W_hhᵀ in 8-bit integers with AVX-VNNI, the rest in fp32; probabilities within a "
      "tested bound of fp32, see docs/performance.md \"Reduced precision\"); the peers' columns repeat their fp32 numbers. "
      "The issue's target for the mode is batch 1 ≥ 2× ONNX Runtime.")
    p("")
    p("Ours at batch 1 with 2 threads (fp32): `PredictorOptions.SingleSequenceThreads = 2`, each layer's hidden units split "
      "between the calling thread and a spinning helper that meet once a step (bit-identical to 1 thread; it needs the "
      "second core idle and close: see the cross-core round trip below); int8 batch 1 runs on the calling thread. Ours with 64 sequences: one "
      "call on a predictor with 1 or 2 threads (`PredictorOptions.NumberOfThreads`: fixed 32-row blocks, the same results "
      "on any thread count), as the peers' one call of 64 with 1 or 2 intra-op threads. Ratios compare each side at its "
      "faster thread count.")
    p("")
    p("The same calls' 10th-percentile latency, µs: less sensitive to other processes on a shared machine (one call in "
      "ten has to run undisturbed). For reference only; the targets count the medians above.")
    p("")
    inference_table("p10", False)
    tf = {t: best(rows, False, engine="ours", kind="transform", cell="lstm", config="seq28", threads=t) for t in (1, 2)}
    if tf[1] and tf[2]:
        scaling = tf[2] / tf[1]
        verdicts.append(("ML.NET Transform 2 threads ÷ 1", scaling, 1.8))
        p("ML.NET `Transform` of the seq28 LSTM over 10,000 rows of 28 × 28 floats, read through a cursor "
          "(`speed --only transform`; `transformer.WithNumberOfThreads(n)`): "
          f"{tf[1]:,.0f} rows/s on 1 thread, {tf[2]:,.0f} on 2 — {verdict(scaling, 1.8)} (target ≥ 1.8×).")
        p("")
    # Allocation: the smallest of the rounds per measurement (a stray runtime allocation may land in one window),
    # then the largest over measurements.
    alloc = {}
    for r in rows:
        if r["engine"] == "ours":
            for key in ("alloc_bytes_per_step", "alloc_bytes_per_call"):
                if key in r:
                    k = (r["kind"], r.get("cell"), r.get("config"), r.get("threads"), key)
                    alloc[k] = min(alloc.get(k, float("inf")), r[key])
    if alloc:
        train_a = max((v for k, v in alloc.items() if k[4] == "alloc_bytes_per_step"), default=None)
        pred_a = max((v for k, v in alloc.items() if k[4] == "alloc_bytes_per_call"), default=None)
        ok = (train_a or 0) < 1 and (pred_a or 0) < 1
        verdicts.append(("zero steady-state allocation", 1.0 if ok else 0.0, 1.0))
        p(f"Steady-state allocation (process-wide, `GC.GetTotalAllocatedBytes`): training steps {fmt(train_a, 2)} B a step, "
          f"predictions {fmt(pred_a, 2)} B a call at most over the measured configurations — {'✅ zero' if ok else '❌ not zero'}.")
        p("")
    checks = [r for r in rows if r["kind"] == "check"]
    worst = {}
    for r in checks:
        worst[r["engine"]] = max(worst.get(r["engine"], 0.0), r["max_abs_diff_vs_ours"])
    names = dict(ENGINES + [("onnx-export", "PyTorch (before ONNX export)")])
    p("Same model everywhere: largest difference from our probabilities over the 64 test sequences — "
      + ", ".join(f"{names.get(e, e)} {d:.1e}" for e, d in sorted(worst.items())) + ".")
    p("")
    met = [v for v in verdicts if v[1] is not None and v[1] >= v[2]]
    missed = [v for v in verdicts if v not in met]
    p(f"**Targets met: {len(met)} of {len(verdicts)}.**" + ("" if not missed else " Missed (ratio, factor still missing): "
      + "; ".join(f"{n} {r:.2f}× ({t / r:.2f}× short of {t:g}×)" if r else f"{n} (not met)" for n, r, t in missed) + "."))
    p("")
    roofline(rows, p)
    p("## How it is measured")
    p("")
    p("`eng/speed-vs-peers.sh [--seconds S] [--rounds R] [--no-write] [--raw FILE]` builds the harnesses in benchmarks/Peers (restored on "
      "demand; not part of eng/test.sh), exports the shared weights and ONNX files, then runs R rounds, each engine in turn "
      "(ours, TorchSharp, ONNX Runtime, PyTorch), one process per engine and thread count, and keeps the best round of each "
      "number. Ours: the `speed` mode of benchmarks/Microsoft.ML.Recurrent.Benchmarks (training, batch 1) and "
      "benchmarks/Peers/OursSpeed (64 in one call). Training: best steady-state window of seq/s; latency: median of calls "
      "(batch 1 timed in groups of 10 calls).")
    p("")
    p("**TorchSharp on Debian 12.** TorchSharp 0.107's glue library `libLibTorchSharp.so` lists `GLIBCXX_3.4.32` (GCC 13) "
      "among its version needs, for one symbol, `std::ios_base_library_init`, which GCC 13's `<iostream>` references and "
      "nothing calls (the library has no relocation against it). Debian 12's libstdc++ stops at `GLIBCXX_3.4.30`, so the "
      "loader refuses the library and `torch` fails to initialize. The script marks that one version need weak "
      "(`VER_FLG_WEAK`, benchmarks/Peers/TorchSharpSpeed/weaken_version_need.py, which refuses if any relocation binds a "
      "symbol of that version) in the copy in the harness's build output, after every build; the NuGet package cache is "
      "never touched. Preloading a newer libstdc++ was not an option: the Debian 12 suites configured here (bookworm, "
      "bookworm-updates, bookworm-security) carry only libstdc++6 12.2.")
    print("\n".join(out))


if __name__ == "__main__":
    main()

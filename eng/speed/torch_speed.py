#!/usr/bin/python3
"""PyTorch side of eng/speed-vs-pytorch.sh: the same configurations as `Microsoft.ML.Recurrent.Benchmarks speed`.

Prints one JSON object per line:
  {"engine":"torch","kind":"train","cell":"lstm","config":"seq28","threads":1,"value":..., "unit":"seq/s", ...}
  {"engine":"torch","kind":"infer1",...,"unit":"us"}   median latency of one sequence (batch 1)
  {"engine":"torch","kind":"sgemm","shape":"MxNxK...","threads":1,"value":...,"unit":"GFLOP/s"}
  {"engine":"torch","kind":"info",...}                  versions, BLAS core, correctness check

Training = nn.LSTM/nn.GRU (batch_first) + Linear head on the last hidden state, cross-entropy, Adam lr 1e-3,
clip_grad_norm 5; sequences/s = batch * steps / seconds over steady-state steps (after warm-up).
"""
import argparse, ctypes, json, os, sys, time

import numpy as np
import torch
import torch.nn as nn


SETTING = "best"


def emit(**kv):
    kv.setdefault("engine", "torch")
    kv.setdefault("setting", SETTING)
    print(json.dumps(kv), flush=True)


def blas_info():
    """Which BLAS torch runs on, and which OpenBLAS kernel it picked (reads the loaded libraries)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if "blas" in p and p.endswith(tuple(".so" + s for s in ("", ".0", ".3"))):
                libs.add(p)
    core, config = None, None
    for p in sorted(libs):
        try:
            lib = ctypes.CDLL(p)
            if hasattr(lib, "openblas_get_corename"):
                lib.openblas_get_corename.restype = ctypes.c_char_p
                lib.openblas_get_config.restype = ctypes.c_char_p
                core = lib.openblas_get_corename().decode()
                config = lib.openblas_get_config().decode()
                break
        except OSError:
            pass
    return sorted(libs), core, config


def check_mm():
    """torch.mm vs numpy float64 on a few shapes: guards against a BLAS kernel that computes garbage."""
    worst = 0.0
    g = torch.Generator().manual_seed(0)
    for (m, n, k) in [(32, 512, 128), (1024, 1024, 1024), (7, 13, 300), (896, 512, 28)]:
        a = torch.randn(m, k, generator=g)
        b = torch.randn(k, n, generator=g)
        ref = a.double().numpy() @ b.double().numpy()
        got = torch.mm(a, b).double().numpy()
        err = np.abs(got - ref).max() / (np.abs(ref).max() + 1e-30)
        worst = max(worst, float(err))
    return worst


class Net(nn.Module):
    def __init__(self, cell, inp, hidden, classes, vocab=0):
        super().__init__()
        self.emb = nn.Embedding(vocab, inp) if vocab else None
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(inp, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        if self.emb is not None:
            x = self.emb(x)
        _, h = self.rnn(x)
        if isinstance(h, tuple):
            h = h[0]
        return self.head(h[-1])


CONFIGS = {
    # name: (T, input, hidden, batch, vocab, classes)
    "seq28": (28, 28, 128, 64, 0, 10),
    "text200": (200, 64, 128, 32, 20000, 2),
}


def bench_train(cell, cfg, threads, seconds):
    T, I, H, B, V, C = CONFIGS[cfg]
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    net = Net(cell, I, H, C, V)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    nb = 8  # a few distinct batches, cycled
    if V:
        xs = [torch.randint(2, V, (B, T)) for _ in range(nb)]
    else:
        xs = [torch.randn(B, T, I) for _ in range(nb)]
    ys = [torch.randint(0, C, (B,)) for _ in range(nb)]

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = lossf(net(xs[i % nb]), ys[i % nb])
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()

    for i in range(5):
        step(i)
    # Steady state: repeat short timed windows, keep the best (least disturbed by other processes).
    best = 0.0
    rates = []
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end or len(rates) < 3:
        n, t0 = 0, time.perf_counter()
        while True:
            step(i); i += 1; n += 1
            dt = time.perf_counter() - t0
            if dt > seconds / 5 and n >= 3:
                break
        rates.append(B * n / dt)
    rates.sort()
    emit(kind="train", cell=cell, config=cfg, threads=threads, value=rates[-1], median=rates[len(rates) // 2],
         min=rates[0], unit="seq/s", batch=B, steps=T)


def bench_infer1(cell, threads, seconds):
    T, I, H, B, V, C = CONFIGS["seq28"]
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    net = Net(cell, I, H, C).eval()
    x = torch.randn(1, T, I)
    times = []
    with torch.no_grad():
        for _ in range(50):
            net(x)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end or len(times) < 200:
            t0 = time.perf_counter_ns()
            p = torch.softmax(net(x), dim=1)
            times.append((time.perf_counter_ns() - t0) / 1000.0)
    times.sort()
    emit(kind="infer1", cell=cell, config="seq28", threads=threads, value=times[len(times) // 2],
         p10=times[len(times) // 10], p90=times[9 * len(times) // 10], unit="us")


# (name, m, n, k, transA, transB): the engine's GEMMs (per shard of 32 rows) plus a big square reference.
SGEMM_SHAPES = [
    ("step h*WhhT (LSTM)", 32, 512, 128, False, False),
    ("step dG*Whh (LSTM)", 32, 128, 512, False, False),
    ("x-proj T*B x 4H (seq28)", 896, 512, 28, False, True),
    ("x-proj T*B x 4H (text200)", 3200, 512, 64, False, True),
    ("dWhh = dG^T h (seq28)", 512, 128, 896, True, False),
    ("dx = dG Wih (text200)", 3200, 64, 512, False, False),
    ("square 1024", 1024, 1024, 1024, False, False),
]


def bench_sgemm(threads, seconds):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(1)
    for (name, m, n, k, ta, tb) in SGEMM_SHAPES:
        a = torch.randn(k, m, generator=g).t() if ta else torch.randn(m, k, generator=g)
        b = torch.randn(n, k, generator=g).t() if tb else torch.randn(k, n, generator=g)
        c = torch.empty(m, n)
        flops = 2.0 * m * n * k
        reps = max(1, int(2e8 / flops))
        for _ in range(3):
            torch.mm(a, b, out=c)
        best = float("inf")
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            for _ in range(reps):
                torch.mm(a, b, out=c)
            best = min(best, (time.perf_counter() - t0) / reps)
        emit(kind="sgemm", shape=name, m=m, n=n, k=k, transA=ta, transB=tb, threads=threads,
             value=flops / best / 1e9, unit="GFLOP/s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--seconds", type=float, default=3.0, help="timed seconds per measurement")
    ap.add_argument("--only", default="", help="comma list of: train,infer,sgemm")
    ap.add_argument("--setting", default="best",
                    help="label of the OpenBLAS environment this process runs under (best: OPENBLAS_CORETYPE unset; machine: as set here)")
    args = ap.parse_args()
    global SETTING
    SETTING = args.setting
    threads = [int(t) for t in args.threads.split(",")]
    only = set(args.only.split(",")) if args.only else {"train", "infer", "sgemm"}

    libs, core, config = blas_info()
    emit(kind="info", torch=torch.__version__, numpy=np.__version__, python=sys.version.split()[0],
         blas_libs=libs, openblas_core=core, openblas_config=config,
         OPENBLAS_CORETYPE=os.environ.get("OPENBLAS_CORETYPE"), OPENBLAS_L2_SIZE=os.environ.get("OPENBLAS_L2_SIZE"),
         mm_max_rel_err=check_mm())
    for t in threads:
        if "sgemm" in only:
            bench_sgemm(t, args.seconds / 3)
        if "infer" in only:
            for cell in ("lstm", "gru"):
                bench_infer1(cell, t, args.seconds)
        if "train" in only:
            for cfg in ("seq28", "text200"):
                for cell in ("lstm", "gru"):
                    bench_train(cell, cfg, t, args.seconds)


if __name__ == "__main__":
    main()

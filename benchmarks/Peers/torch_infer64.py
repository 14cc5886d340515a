#!/usr/bin/python3
"""PyTorch 1.13 scoring 64 sequences in one call, for eng/speed-vs-peers.sh (torch_speed.py times batch 1 and training).

  torch_infer64.py DIR --threads N [--seconds S]

The seq28 LSTM and GRU with the weights OursSpeed exported to DIR (loaded as export_onnx.py does), softmax of the head,
under torch.inference_mode. JSON lines: {"engine":"torch","kind":"infer64",...,"value": median µs} and the largest
difference from our probabilities on DIR/input64.f32 ({"kind":"check"}).
"""
import argparse, json, os, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_onnx import load, Scorer, T, I, B, C  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x = torch.from_numpy(np.fromfile(os.path.join(args.dir, "input64.f32"), dtype="<f4").reshape(B, T, I))
    for cell in ("lstm", "gru"):
        scorer = Scorer(load(cell, args.dir)).eval()
        ours = np.fromfile(os.path.join(args.dir, f"{cell}.probs64.f32"), dtype="<f4").reshape(B, C)
        with torch.inference_mode():
            diff = float(np.abs(scorer(x).numpy() - ours).max())
            print(json.dumps({"engine": "torch", "setting": "best", "kind": "check", "cell": cell, "threads": args.threads,
                              "max_abs_diff_vs_ours": diff}), flush=True)
            for _ in range(50):
                scorer(x)
            times = []
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end or len(times) < 100:
                t0 = time.perf_counter_ns()
                scorer(x)
                times.append((time.perf_counter_ns() - t0) / 1000.0)
        times.sort()
        print(json.dumps({"engine": "torch", "setting": "best", "kind": "infer64", "cell": cell, "config": "seq28",
                          "threads": args.threads, "value": times[len(times) // 2], "p10": times[len(times) // 10],
                          "p90": times[9 * len(times) // 10], "unit": "us"}), flush=True)


if __name__ == "__main__":
    main()

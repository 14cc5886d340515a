#!/usr/bin/python3
"""PyTorch's ONNX export of the weights OursSpeed exported, for the ONNX Runtime side of eng/speed-vs-peers.sh.

  export_onnx.py DIR      reads DIR/{lstm,gru}.weights.f32 + .tensors.json, writes DIR/{lstm,gru}.torch.onnx

ONNX Runtime runs both this graph and our own export (DIR/{cell}.onnx, RecurrentModel.ExportOnnx) and the faster counts.
The network is eng/speed/torch_speed.py's Net (nn.LSTM/nn.GRU, batch_first, Linear head on the last hidden state)
with our weights copied in by name (our tensor names and layouts are PyTorch's), then softmax, as our predictor
returns probabilities. Exported by Debian's PyTorch 1.13 (torch.onnx, opset 14): input "x" [batch, 28, 28], output
"probs" [batch, 10], batch dynamic. Before writing, the PyTorch model's probabilities on DIR/input64.f32 are checked
against ours (DIR/{cell}.probs64.f32), so the file holds the model we score.
"""
import json, os, sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eng", "speed"))
from torch_speed import Net, CONFIGS  # noqa: E402

T, I, H, B, V, C = CONFIGS["seq28"]


def load(cell, directory):
    """torch_speed's Net for `cell` holding the exported weights (names: weight_ih_l0 -> rnn.weight_ih_l0, head.* as is)."""
    net = Net(cell, I, H, C).eval()
    flat = np.fromfile(os.path.join(directory, f"{cell}.weights.f32"), dtype="<f4")
    tensors = json.load(open(os.path.join(directory, f"{cell}.tensors.json")))
    state = {}
    for t in tensors:
        n = int(np.prod(t["shape"]))
        key = t["name"] if t["name"].startswith("head.") else "rnn." + t["name"]
        state[key] = torch.from_numpy(flat[t["offset"]:t["offset"] + n].reshape(t["shape"]).copy())
    net.load_state_dict(state, strict=True)
    return net


class Scorer(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def main():
    directory = sys.argv[1]
    x = torch.from_numpy(np.fromfile(os.path.join(directory, "input64.f32"), dtype="<f4").reshape(B, T, I))
    for cell in ("lstm", "gru"):
        scorer = Scorer(load(cell, directory)).eval()
        ours = np.fromfile(os.path.join(directory, f"{cell}.probs64.f32"), dtype="<f4").reshape(B, C)
        with torch.no_grad():
            diff = float(np.abs(scorer(x).numpy() - ours).max())
        if diff > 1e-4:
            sys.exit(f"{cell}: PyTorch with our weights differs from our probabilities by {diff:g}; not exporting")
        torch.onnx.export(scorer, x[:1], os.path.join(directory, f"{cell}.torch.onnx"), input_names=["x"], output_names=["probs"],
                          dynamic_axes={"x": {0: "batch"}, "probs": {0: "batch"}}, opset_version=14)
        print(json.dumps({"engine": "onnx-export", "kind": "check", "cell": cell, "exporter": f"torch {torch.__version__}",
                          "max_abs_diff_vs_ours": diff}), flush=True)


if __name__ == "__main__":
    main()

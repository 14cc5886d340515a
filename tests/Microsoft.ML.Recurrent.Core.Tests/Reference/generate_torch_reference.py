#!/usr/bin/env python3
"""Generates torch_reference.json: PyTorch reference cases for the C# recurrent engine.

Each case builds an RNN / LSTM / GRU (batch_first, bias=True, zero initial state),
optionally preceded by an nn.Embedding(padding_idx=0), runs it over a padded batch of
variable-length sequences via pack_padded_sequence(enforce_sorted=False), pools the
top layer's output sequence over time ("last" / "mean" / "max"), applies a Linear head
and a loss (cross entropy, or BCE-with-logits when num_classes == 1), and records
weights, inputs, intermediate outputs, loss and gradients.

Parameters and inputs are drawn as float32 and then converted to float64; all
computation is done in float64, so the references are (nearly) exact-math values for
float32-representable parameters.

Run via eng/generate-torch-reference.sh (uses /usr/bin/python3 with Debian python3-torch).
The output is deterministic: running twice gives a byte-identical file.
"""

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

GENERATOR = "tests/Microsoft.ML.Recurrent.Core.Tests/Reference/generate_torch_reference.py"
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.json")

WEIGHT_RANGE = 0.5  # weights ~ U(-0.5, 0.5), drawn in float32

CASES = [
    dict(name="rnn_tanh_1layer", cell="rnn_tanh", input_size=5, hidden_size=7, num_layers=1,
         bidirectional=False, batch=4, max_len=6, lengths=[6, 3, 5, 1], pooling="last", num_classes=3),
    dict(name="rnn_relu_1layer", cell="rnn_relu", input_size=5, hidden_size=7, num_layers=1,
         bidirectional=False, batch=4, max_len=6, lengths=[6, 3, 5, 1], pooling="mean", num_classes=3),
    dict(name="lstm_1layer", cell="lstm", input_size=5, hidden_size=7, num_layers=1,
         bidirectional=False, batch=4, max_len=6, lengths=[6, 3, 5, 1], pooling="last", num_classes=3),
    dict(name="lstm_2layer_bidir_mean", cell="lstm", input_size=11, hidden_size=17, num_layers=2,
         bidirectional=True, batch=3, max_len=9, lengths=[4, 9, 7], pooling="mean", num_classes=4),
    dict(name="lstm_bidir_max_binary", cell="lstm", input_size=6, hidden_size=19, num_layers=1,
         bidirectional=True, batch=5, max_len=7, lengths=[7, 2, 5, 7, 3], pooling="max", num_classes=1),
    dict(name="gru_1layer", cell="gru", input_size=5, hidden_size=7, num_layers=1,
         bidirectional=False, batch=4, max_len=6, lengths=[6, 3, 5, 1], pooling="last", num_classes=3),
    dict(name="gru_2layer_bidir_last", cell="gru", input_size=11, hidden_size=17, num_layers=2,
         bidirectional=True, batch=3, max_len=9, lengths=[4, 9, 7], pooling="last", num_classes=4),
    dict(name="rnn_tanh_2layer_bidir_max", cell="rnn_tanh", input_size=9, hidden_size=16, num_layers=2,
         bidirectional=True, batch=3, max_len=5, lengths=[5, 2, 4], pooling="max", num_classes=2),
    dict(name="lstm_embedding_last", cell="lstm", vocab_size=23, input_size=8, hidden_size=12, num_layers=1,
         bidirectional=False, batch=4, max_len=8, lengths=[8, 5, 2, 7], pooling="last", num_classes=3),
    dict(name="gru_embedding_bidir_mean", cell="gru", vocab_size=23, input_size=8, hidden_size=12, num_layers=1,
         bidirectional=True, batch=4, max_len=8, lengths=[8, 5, 2, 7], pooling="mean", num_classes=1),
    # Regression heads (num_classes = number of outputs; targets ~ N(0, 1), i.e. already standardised).
    dict(name="lstm_regression_mse_2out", cell="lstm", input_size=5, hidden_size=7, num_layers=1,
         bidirectional=False, batch=4, max_len=6, lengths=[6, 3, 5, 1], pooling="last", num_classes=2,
         task="regression", loss="mse"),
    dict(name="gru_regression_huber_bidir_mean", cell="gru", input_size=6, hidden_size=9, num_layers=2,
         bidirectional=True, batch=3, max_len=7, lengths=[4, 7, 6], pooling="mean", num_classes=3,
         task="regression", loss="huber", huber_delta=0.5),
    dict(name="rnn_tanh_regression_l1_embedding_max", cell="rnn_tanh", vocab_size=17, input_size=5, hidden_size=8, num_layers=1,
         bidirectional=False, batch=4, max_len=7, lengths=[7, 2, 5, 6], pooling="max", num_classes=1,
         task="regression", loss="l1"),
]

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def flat_floats(t):
    return [float(v) for v in t.detach().double().contiguous().reshape(-1).tolist()]


def flat_ints(t):
    return [int(v) for v in t.detach().contiguous().reshape(-1).tolist()]


def uniform_f32(shape, gen_range=WEIGHT_RANGE):
    return (torch.rand(shape, dtype=torch.float32) * 2.0 - 1.0) * gen_range


def make_rnn(cell, I, H, L, bidir):
    kw = dict(input_size=I, hidden_size=H, num_layers=L, bias=True, batch_first=True, bidirectional=bidir)
    if cell == "rnn_tanh":
        return nn.RNN(nonlinearity="tanh", **kw)
    if cell == "rnn_relu":
        return nn.RNN(nonlinearity="relu", **kw)
    if cell == "lstm":
        return nn.LSTM(**kw)
    if cell == "gru":
        return nn.GRU(**kw)
    raise ValueError(cell)


def run_case(index, spec):
    torch.manual_seed(1000 + index)
    cell = spec["cell"]
    I, H, L = spec["input_size"], spec["hidden_size"], spec["num_layers"]
    bidir = spec["bidirectional"]
    dirs = 2 if bidir else 1
    B, T = spec["batch"], spec["max_len"]
    lengths = list(spec["lengths"])
    C = spec["num_classes"]
    D = H * dirs
    pooling = spec["pooling"]
    tokens_mode = "vocab_size" in spec
    G = GATES[cell]

    assert len(lengths) == B and max(lengths) == T and min(lengths) >= 1
    assert lengths != sorted(lengths, reverse=True), "lengths must be unsorted"

    # ---- draw everything in float32 (fixed order), then convert to float64 ----
    rnn = make_rnn(cell, I, H, L, bidir)
    head = nn.Linear(D, C)
    emb = nn.Embedding(spec["vocab_size"], I, padding_idx=0) if tokens_mode else None

    params = {}  # name -> Parameter (float64 after conversion); insertion order = JSON order
    with torch.no_grad():
        if tokens_mode:
            w = uniform_f32((spec["vocab_size"], I))
            w[0].zero_()
            emb.weight.copy_(w)
        for name, p in rnn.named_parameters():
            assert p.shape[0] == G * H
            p.copy_(uniform_f32(p.shape))
        head.weight.copy_(uniform_f32(head.weight.shape))
        head.bias.copy_(uniform_f32(head.bias.shape))

    mask = torch.zeros(B, T, dtype=torch.bool)
    for b, n in enumerate(lengths):
        mask[b, :n] = True

    if tokens_mode:
        V = spec["vocab_size"]
        tokens = torch.randint(1, V, (B, T), dtype=torch.int64)
        tokens[~mask] = 0
        x_f32 = None
    else:
        x_f32 = torch.randn(B, T, I, dtype=torch.float32)
        x_f32[~mask] = 0.0

    regression = spec.get("task") == "regression"
    if regression:
        labels = torch.randn(B, C, dtype=torch.float32).double()  # targets [B, K]
    elif C >= 2:
        labels = torch.randint(0, C, (B,), dtype=torch.int64)
    else:
        labels = torch.randint(0, 2, (B,), dtype=torch.int64)
    loss_spec = (spec["loss"], spec.get("huber_delta", 1.0)) if regression else None

    rnn = rnn.double()
    head = head.double()
    if tokens_mode:
        emb = emb.double()
        params["embedding.weight"] = emb.weight
    for name, p in rnn.named_parameters():
        params[name] = p
    params["head.weight"] = head.weight
    params["head.bias"] = head.bias

    # Sanity: all parameters are exactly float32-representable.
    for name, p in params.items():
        assert torch.equal(p.detach().float().double(), p.detach()), name

    # ---- forward (float64) ----
    if tokens_mode:
        x = emb(tokens)
    else:
        x = x_f32.double().requires_grad_(True)

    lengths_t = torch.tensor(lengths, dtype=torch.int64)
    packed = pack_padded_sequence(x, lengths_t, batch_first=True, enforce_sorted=False)
    packed_out, state = rnn(packed)
    out, out_lens = pad_packed_sequence(packed_out, batch_first=True, total_length=T)
    assert out.shape == (B, T, D)
    assert out_lens.tolist() == lengths
    if cell == "lstm":
        h_n, c_n = state
    else:
        h_n, c_n = state, None
    assert h_n.shape == (L * dirs, B, H)

    pooled, logits, loss = head_and_loss(out, h_n, mask, lengths_t, pooling, L, dirs, H, head, labels, C, loss_spec)
    assert pooled.shape == (B, D)

    loss.backward()

    # ---- independent checks ----
    # padded output positions are zero
    assert torch.all(out.detach()[~mask] == 0.0)
    # h_n of the forward direction == output at step len-1; reverse direction == output at step 0
    out_d = out.detach()
    for b, n in enumerate(lengths):
        top = h_n.detach().view(L, dirs, B, H)[L - 1]
        assert torch.equal(top[0, b], out_d[b, n - 1, :H])
        if bidir:
            assert torch.equal(top[1, b], out_d[b, 0, H:])
    if pooling == "last":
        for b, n in enumerate(lengths):
            assert torch.equal(pooled.detach()[b, :H], out_d[b, n - 1, :H])
            if bidir:
                assert torch.equal(pooled.detach()[b, H:], out_d[b, 0, H:])
    # Independent step-by-step reimplementation of forward and backward (plain loops, no
    # packing, autograd through elementary ops); values and gradients must agree.
    names = list(params.keys())
    x_m = F.embedding(tokens, emb.weight, padding_idx=0) if tokens_mode else x
    ref_out, ref_h, ref_c = manual_forward(cell, params, x_m, lengths, L, dirs, H)
    assert (ref_out.detach() - out_d).abs().max() <= 1e-12
    assert (ref_h.detach() - h_n.detach()).abs().max() <= 1e-12
    if c_n is not None:
        assert (ref_c.detach() - c_n.detach()).abs().max() <= 1e-12
    _, _, ref_loss = head_and_loss(ref_out, ref_h, mask, lengths_t, pooling, L, dirs, H, head, labels, C, loss_spec)
    assert abs(ref_loss.item() - loss.item()) <= 1e-12
    wrt = [params[k] for k in names] + ([] if tokens_mode else [x])
    ref_grads = torch.autograd.grad(ref_loss, wrt)
    for k, g in zip(names + ([] if tokens_mode else ["input"]), ref_grads):
        actual = x.grad if k == "input" else params[k].grad
        err = (g - actual).abs().max().item()
        assert err <= 1e-12, (spec["name"], k, err)
    # Gradient checks
    if tokens_mode:
        assert torch.all(emb.weight.grad[0] == 0.0), "padding row must get no gradient"
    else:
        assert torch.all(x.grad[~mask] == 0.0), "padded input positions must get zero gradient"
    for name, p in params.items():
        assert p.grad is not None, name
        assert p.grad.shape == p.shape

    # ---- serialize ----
    case = {
        "name": spec["name"],
        "cell": cell,
        "input_size": I,
        "hidden_size": H,
        "num_layers": L,
        "bidirectional": bidir,
        "batch": B,
        "max_len": T,
        "lengths": lengths,
        "pooling": pooling,
        "num_classes": C,
    }
    if regression:
        case["task"] = "regression"
        case["regression_loss"] = loss_spec[0]
        case["huber_delta"] = loss_spec[1]
        case["targets"] = flat_floats(labels)
    else:
        case["labels"] = flat_ints(labels)
    if tokens_mode:
        case["vocab_size"] = spec["vocab_size"]
        case["tokens"] = flat_ints(tokens)
    else:
        case["input"] = flat_floats(x_f32)
    case["params"] = {k: flat_floats(p) for k, p in params.items()}
    case["shapes"] = {k: list(p.shape) for k, p in params.items()}
    case["outputs"] = flat_floats(out)
    case["h_n"] = flat_floats(h_n)
    if c_n is not None:
        case["c_n"] = flat_floats(c_n)
    case["pooled"] = flat_floats(pooled)
    case["logits"] = flat_floats(logits)
    case["loss"] = float(loss.item())
    grads = {k: flat_floats(p.grad) for k, p in params.items()}
    if not tokens_mode:
        grads["input"] = flat_floats(x.grad)
    case["grads"] = grads
    return case


def manual_forward(cell, params, x, lengths, L, dirs, H):
    """Plain per-sequence loop implementation (no packing), differentiable; independent check."""
    B, T, _ = x.shape
    zeros_h = torch.zeros(H, dtype=torch.float64)
    out_rows = []
    h_fin = [[None] * B for _ in range(L * dirs)]
    c_fin = [[None] * B for _ in range(L * dirs)]
    for b, n in enumerate(lengths):
        layer_in = [x[b, t] for t in range(n)]
        for l in range(L):
            outs = []
            for d in range(dirs):
                sfx = f"_l{l}" + ("_reverse" if d == 1 else "")
                w_ih = params["weight_ih" + sfx]
                w_hh = params["weight_hh" + sfx]
                b_ih = params["bias_ih" + sfx]
                b_hh = params["bias_hh" + sfx]
                h = zeros_h
                c = zeros_h
                seq = [None] * n
                steps = range(n) if d == 0 else range(n - 1, -1, -1)
                for t in steps:
                    gi = torch.mv(w_ih, layer_in[t]) + b_ih
                    gh = torch.mv(w_hh, h) + b_hh
                    if cell == "rnn_tanh":
                        h = torch.tanh(gi + gh)
                    elif cell == "rnn_relu":
                        h = torch.relu(gi + gh)
                    elif cell == "lstm":
                        g = gi + gh
                        i_g = torch.sigmoid(g[0:H])
                        f_g = torch.sigmoid(g[H:2 * H])
                        g_g = torch.tanh(g[2 * H:3 * H])
                        o_g = torch.sigmoid(g[3 * H:4 * H])
                        c = f_g * c + i_g * g_g
                        h = o_g * torch.tanh(c)
                    elif cell == "gru":
                        r = torch.sigmoid(gi[0:H] + gh[0:H])
                        z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
                        cand = torch.tanh(gi[2 * H:3 * H] + r * gh[2 * H:3 * H])
                        h = (1 - z) * cand + z * h
                    seq[t] = h
                outs.append(seq)
                h_fin[l * dirs + d][b] = h
                c_fin[l * dirs + d][b] = c
            layer_in = [torch.cat([outs[d][t] for d in range(dirs)]) for t in range(n)]
        pad = [torch.zeros(H * dirs, dtype=torch.float64)] * (T - n)
        out_rows.append(torch.stack(layer_in + pad))
    out_all = torch.stack(out_rows)
    h_all = torch.stack([torch.stack(r) for r in h_fin])
    c_all = torch.stack([torch.stack(r) for r in c_fin])
    return out_all, h_all, c_all


def head_and_loss(out, h_n, mask, lengths_t, pooling, L, dirs, H, head, labels, C, loss_spec):
    B = out.shape[0]
    if pooling == "last":
        top = h_n.view(L, dirs, B, H)[L - 1]  # [dirs, B, H]: fwd final state, reverse final state
        pooled = torch.cat([top[d] for d in range(dirs)], dim=1)
    elif pooling == "mean":
        pooled = (out * mask.unsqueeze(-1).double()).sum(dim=1) / lengths_t.double().unsqueeze(-1)
    elif pooling == "max":
        neg_inf = torch.full_like(out, float("-inf"))
        pooled = torch.where(mask.unsqueeze(-1), out, neg_inf).max(dim=1).values
    else:
        raise ValueError(pooling)
    logits = head(pooled)
    if loss_spec is not None:  # regression: labels are the targets [B, K]
        kind, delta = loss_spec
        if kind == "mse":
            loss = F.mse_loss(logits, labels)
        elif kind == "huber":
            loss = F.huber_loss(logits, labels, delta=delta)
        elif kind == "l1":
            loss = F.l1_loss(logits, labels)
        else:
            raise ValueError(kind)
    elif C >= 2:
        loss = F.cross_entropy(logits, labels)
    else:
        loss = F.binary_cross_entropy_with_logits(logits[:, 0], labels.double())
    return pooled, logits, loss


def main():
    torch.set_num_threads(1)  # deterministic reductions
    torch.set_default_dtype(torch.float32)
    cases = [run_case(i, spec) for i, spec in enumerate(CASES)]
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names)
    doc = {
        "generator": GENERATOR,
        "torch_version": torch.__version__,
        "cases": cases,
    }
    text = json.dumps(doc, indent=None, separators=(",", ":"), allow_nan=False)
    # json.dumps uses float.__repr__ (shortest round-trip repr) for floats.
    with open(OUT_PATH, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {OUT_PATH}: {len(cases)} cases, {len(text) + 1} bytes, torch {torch.__version__}")


if __name__ == "__main__":
    sys.exit(main())

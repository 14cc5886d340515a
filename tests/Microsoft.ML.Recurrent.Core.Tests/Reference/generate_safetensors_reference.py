#!/usr/bin/env python3
"""Writes safetensors/<case>.safetensors: the PyTorch state_dict of every case in torch_reference.json, as a user's
model would hold it (modules `embedding`, `lstm`/`gru`/`rnn`, and a head named `fc` or `classifier`).

For each case it builds the module a PyTorch user writes (nn.Embedding(padding_idx=0) + nn.LSTM/GRU/RNN with
batch_first=True + nn.Linear), loads the case's weights with load_state_dict(strict=True), checks in float32 that the
module's forward gives the case's logits (so the file is the case's network), and saves module.state_dict() in the
safetensors format. The `safetensors` Python package is not in Debian, so the format (8-byte little-endian header
length, JSON header with dtype/shape/data_offsets per tensor and `__metadata__`, padded with spaces to 8 bytes, then
the raw little-endian tensors) is written here directly, in the same layout `safetensors.torch.save_file` produces.

Run: /usr/bin/python3 tests/Microsoft.ML.Recurrent.Core.Tests/Reference/generate_safetensors_reference.py
Deterministic: byte-identical output on every run.
"""

import json
import os
import struct

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "safetensors")


class SequenceClassifier(nn.Module):
    def __init__(self, case, head_name):
        super().__init__()
        cell = case["cell"]
        I, H, L, bidir = case["input_size"], case["hidden_size"], case["num_layers"], case["bidirectional"]
        D = H * (2 if bidir else 1)
        kw = dict(input_size=I, hidden_size=H, num_layers=L, batch_first=True, bidirectional=bidir)
        self.tokens = "vocab_size" in case
        if self.tokens:
            self.embedding = nn.Embedding(case["vocab_size"], I, padding_idx=0)
        self.rnn_name = {"lstm": "lstm", "gru": "gru"}.get(cell, "rnn")
        if cell.startswith("rnn"):
            rnn = nn.RNN(nonlinearity=cell[4:], **kw)
        else:
            rnn = nn.LSTM(**kw) if cell == "lstm" else nn.GRU(**kw)
        setattr(self, self.rnn_name, rnn)
        self.head_name = head_name
        setattr(self, head_name, nn.Linear(D, case["num_classes"]))
        self.pooling, self.L, self.dirs, self.H = case["pooling"], L, (2 if bidir else 1), H

    def forward(self, x, lengths):
        if self.tokens:
            x = self.embedding(x)
        T = x.shape[1]
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, state = getattr(self, self.rnn_name)(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        h_n = state[0] if isinstance(state, tuple) else state
        mask = (torch.arange(T)[None, :] < lengths[:, None]).unsqueeze(-1)
        if self.pooling == "last":
            top = h_n.view(self.L, self.dirs, -1, self.H)[-1]
            pooled = torch.cat(list(top), dim=-1)
        elif self.pooling == "mean":
            pooled = (out * mask).sum(1) / lengths[:, None].to(out.dtype)
        else:
            pooled = out.masked_fill(~mask, float("-inf")).max(1).values
        return getattr(self, self.head_name)(pooled)


def save_safetensors(path, state_dict, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(state_dict):
        t = state_dict[name].detach().to(torch.float32).contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    with open(os.path.join(HERE, "torch_reference.json")) as f:
        cases = json.load(f)["cases"]
    os.makedirs(OUT_DIR, exist_ok=True)
    for index, case in enumerate(cases):
        head_name = "fc" if index % 2 == 0 else "classifier"
        model = SequenceClassifier(case, head_name).eval()
        state = {}
        for name, values in case["params"].items():
            shape = case["shapes"][name]
            tensor = torch.tensor(values, dtype=torch.float32).reshape(shape)
            if name.startswith("head."):
                key = head_name + name[4:]
            elif name.startswith("embedding."):
                key = name
            else:
                key = model.rnn_name + "." + name
            state[key] = tensor
        model.load_state_dict(state, strict=True)
        B, T = case["batch"], case["max_len"]
        lengths = torch.tensor(case["lengths"], dtype=torch.int64)
        if "tokens" in case:
            x = torch.tensor(case["tokens"], dtype=torch.int64).reshape(B, T)
        else:
            x = torch.tensor(case["input"], dtype=torch.float32).reshape(B, T, case["input_size"])
        with torch.no_grad():
            logits = model(x, lengths)
        expected = torch.tensor(case["logits"], dtype=torch.float64).reshape(logits.shape)
        err = (logits.double() - expected).abs().max().item()
        assert err <= 1e-5, (case["name"], err)
        save_safetensors(os.path.join(OUT_DIR, case["name"] + ".safetensors"), model.state_dict(), {"format": "pt"})
        print(f"{case['name']}: head '{head_name}', float32 forward within {err:.1e} of the reference logits")


if __name__ == "__main__":
    main()

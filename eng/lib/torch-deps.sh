# Shared by eng/speed-vs-pytorch.sh and eng/speed-vs-peers.sh: Debian's PyTorch 1.13 and the OpenBLAS it needs.
#
#   ensure_torch_deps
#
# Installs python3-torch and libopenblas0-pthread with apt-get if either is missing (without OpenBLAS, torch silently
# falls back to a slow reference BLAS); runs apt-get update only if the first install attempt fails.
ensure_torch_deps() {
  if dpkg -s python3-torch >/dev/null 2>&1 && dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
    return 0
  fi
  echo "Installing python3-torch and libopenblas0-pthread..." >&2
  local sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  if ! $sudo_cmd apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread >&2; then
    $sudo_cmd apt-get update >&2
    $sudo_cmd apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread >&2
  fi
}

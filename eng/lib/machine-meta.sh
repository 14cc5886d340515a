# Shared by eng/speed-vs-pytorch.sh and eng/speed-vs-peers.sh: the machine header of a speed report.
#
#   write_machine_meta PYTHON FILE LOAD_BEFORE LOAD_AFTER ROUNDS [SECONDS]
#
# Writes FILE as JSON: date (UTC), CPU model/family/model number, cores, widest vector ISA, load averages before and
# after the run, rounds and (if given) seconds per measurement.
write_machine_meta() {
  local python="$1" file="$2" load_before="$3" load_after="$4" rounds="$5" seconds="${6:-}"
  local cpu family model isa="AVX2"
  cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  family="$(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
  model="$(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
  grep -qw avx512f /proc/cpuinfo && isa="AVX-512"
  "$python" - "$file" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$cpu (family $family, model $model)" "$(nproc)" "$isa" \
      "$load_before" "$load_after" "$rounds" "$seconds" <<'PY'
import json, sys
a = sys.argv[1:]
meta = {"date": a[1], "cpu": a[2], "cores": int(a[3]), "isa": a[4], "load_before": a[5], "load_after": a[6],
        "rounds": json.loads(a[7])}
if a[8]:
    meta["seconds"] = json.loads(a[8])
json.dump(meta, open(a[0], "w"))
PY
}

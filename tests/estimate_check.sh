#!/bin/sh
# How good is `phasesweep estimate`? Estimates a sweep, runs it on NP ranks (default 2), and
# prints the estimate's expected core-hours next to the real ones: the CPU time of every
# process of the sweep (user + system; it does not grow when other jobs share the cores) and
# the sum of the tasks' wall seconds (which does). Not part of `make check` (minutes).
#   sh tests/estimate_check.sh 40 -3:0:12 0:2.8:12 [more sweep options]
set -eu
[ $# -ge 3 ] || { echo "usage: $0 D GS GW [sweep options]" >&2; exit 2; }
D=$1 GS=$2 GW=$3
shift 3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PYTHON=${PYTHON:-/usr/bin/python3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bin/phasesweep estimate --d "$D" --gs "$GS" --gw "$GW" "$@" >"$dir/estimate.txt"
grep -E '^(calibration|pilot|expected):' "$dir/estimate.txt"
"$PYTHON" - "$dir" "${NP:-2}" "$D" "$GS" "$GW" "$@" <<'PY'
import re, resource, subprocess, sys
import h5py
work, np_, D, GS, GW, *rest = sys.argv[1:]
out = f"{work}/sweep.h5"
subprocess.run(["mpirun", "--oversubscribe", "-n", np_, "bin/phasesweep", "sweep", "--d", D,
                "--gs", GS, "--gw", GW, "--out", out, *rest], check=True, capture_output=True)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (ru.ru_utime + ru.ru_stime) / 3600
with h5py.File(out, "r") as f:
    task = f["/results/seconds"][:].sum() / 3600
    n = f["/results/n_iter"][:]
    frac = n.mean() / f.attrs["max_iter"]
est = open(f"{work}/estimate.txt").read()
expected = float(re.search(r"^expected: ([0-9.e+-]+) core-hours", est, re.M).group(1))
m = re.search(r"; ([0-9]+)% of max-iter on average", est)
print(f"real: {cpu:.4g} core-hours of CPU, {task:.4g} of task wall seconds; "
      f"mean n_iter {n.mean():.1f} ({100 * frac:.0f}% of max-iter)")
print(f"error of the expected figure: {100 * (expected / cpu - 1):+.0f}% against the CPU time, "
      f"{100 * (expected / task - 1):+.0f}% against the task seconds"
      + (f"; iterations {int(m.group(1)) - 100 * frac:+.0f} points" if m else ""))
PY

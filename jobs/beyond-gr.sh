#!/bin/sh
# Beyond the paper, layer imbalance (--gr): the (gamma_s, gamma_r) diagram of
# jobs/beyond-gr.ini (one sweep file per gamma_r) and the distance-against-width sweeps of
# jobs/beyond-gr-width.ini, then a table of the mean ln max GD-vs-theory distance per
# (gamma_r, gamma_w) and of the four metrics per (gamma_r, gamma_s). From the repository root:
#   sh jobs/beyond-gr.sh                     # NP=2 ranks; OUTDIR=results/beyond-gr
#   GRS= sh jobs/beyond-gr.sh                # the distance against the width only
# Running it again resumes unfinished files and keeps complete ones (--resume).
set -eu

NP=${NP:-2}
OUTDIR=${OUTDIR:-results/beyond-gr}
GRS=${GRS--0.6 -0.4 -0.2 0 0.2 0.4 0.6}     # gr = -0.6:0.6:7
WIDTH_GRS=${WIDTH_GRS-0 0.3 0.6}
PHASESWEEP=${PHASESWEEP:-bin/phasesweep}
MPIRUN=${MPIRUN:-mpirun}
PYTHON=${PYTHON:-/usr/bin/python3}

cd "$(dirname "$0")/.."
mkdir -p "$OUTDIR"

# sweep CONFIG GR OUT: a new file, or --resume of an existing one
sweep() {
    resume=""
    [ -e "$3" ] && resume=--resume
    $MPIRUN -n "$NP" "$PHASESWEEP" sweep --config "$1" --gr "$2" --out "$3" $resume ||
        { echo "beyond-gr: the sweep of $3 failed; to start over: rm $3" >&2; exit 1; }
}

for gr in $GRS; do sweep jobs/beyond-gr.ini "$gr" "$OUTDIR/gr$gr.h5"; done
for gr in $WIDTH_GRS; do sweep jobs/beyond-gr-width.ini "$gr" "$OUTDIR/width-gr$gr.h5"; done

"$PYTHON" - "$OUTDIR" $GRS -- $WIDTH_GRS <<'PY'
import sys
import h5py
import numpy as np

outdir, rest = sys.argv[1], sys.argv[2:]
grs, wgrs = rest[:rest.index("--")], rest[rest.index("--") + 1:]
print("ln max distance (mean over replicas) against gamma_w, d = 20, gamma_s = -1.8")
for gr in wgrs:
    with h5py.File(f"{outdir}/width-gr{gr}.h5", "r") as f:
        gw, ld = f["gamma_w"][()], f["log_distance"][()]
        m = np.nanmean(ld.reshape(ld.shape[0], ld.shape[1], -1)[0], axis=-1)
    print(f"  gr {float(gr):+.1f}: " + "  ".join(f"{g:.1f}:{v:.2f}" for g, v in zip(gw, m)))
if not grs:
    sys.exit(0)
print("metrics (mean over replicas) against gamma_s, d = 50, gamma_w = 2")
keys = ("min_test_error", "stable_rank", "iterations", "log_distance")
for gr in grs:
    with h5py.File(f"{outdir}/gr{gr}.h5", "r") as f:
        gs = f["gamma_s"][()]
        vals = {k: np.nanmean(f[k][()].reshape(len(gs), -1), axis=-1) for k in keys}
    print(f"  gr {float(gr):+.1f}")
    for k in keys:
        print(f"    {k:15s} " + " ".join(f"{v:7.3f}" for v in vals[k]))
print("  gamma_s        " + " ".join(f"{g:7.2f}" for g in gs))
PY

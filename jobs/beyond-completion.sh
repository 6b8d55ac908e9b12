#!/bin/sh
# A (gs, observed) study of matrix completion: jobs/beyond-completion.ini once per observed
# share P (the command line's --observed and --out win over the file's), then the replica
# mean of the min test error per (P, gs). Run from the repository root.
#   sh jobs/beyond-completion.sh [P ...]          (default: 0.2 0.4 0.6 0.8 1)
set -eu
BIN=${PHASESWEEP:-bin/phasesweep}
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p results
[ $# -gt 0 ] || set -- 0.2 0.4 0.6 0.8 1
files=""
for P in "$@"; do
    out=results/beyond-completion-P$P.h5
    if [ -f "$out" ]; then
        "$BIN" sweep --config jobs/beyond-completion.ini --observed "$P" --out "$out" --resume
    else
        "$BIN" sweep --config jobs/beyond-completion.ini --observed "$P" --out "$out"
    fi
    files="$files $out"
done
"$PYTHON" - $files <<'PY'
import sys
import h5py
import numpy as np
print("observed  " + "  ".join(f"gs={g:+.2f}" for g in
                               h5py.File(sys.argv[1], "r")["gamma_s"][...]))
for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        m = f["min_test_error"][...][:, 0, :].mean(axis=1)
        print(f"{f.attrs['observed']:8.2f}  " + "  ".join(f"{v:8.4f}" for v in m))
PY

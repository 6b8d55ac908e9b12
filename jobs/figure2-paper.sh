#!/bin/sh
# `make figure2-paper`: the paper-size Figure 2 (d = 200, k = 5, c = 50, 750 iterations, theory
# on, 30 x 30 over gamma_s in [-3, 0], gamma_w in [0, 2.8]) on all local cores, timed, then
# its figure. A benchmark, not a test: it prints the wall time, the total number of
# iterations run (sum of n_iter) and iterations per second. Always starts over (--force), so
# the time is that of the whole sweep. Every variable can be overridden, e.g. a quick check:
#   make figure2-paper GS=-3:0:3 GW=0:2.8:3 MAX_ITER=50 OUT=results/fig2-small.h5
set -eu

D=${D:-200}
RANK=${RANK:-5}
GS=${GS:--3:0:30}
GW=${GW:-0:2.8:30}
MAX_ITER=${MAX_ITER:-750}
LR_SCALE=${LR_SCALE:-50}
NP=${NP:-$(nproc)}
OUT=${OUT:-results/figure2-paper.h5}
FIGURE=${FIGURE:-${OUT%.h5}.png}

PHASESWEEP=${PHASESWEEP:-bin/phasesweep}
MPIRUN=${MPIRUN:-mpirun}
PYTHON=${PYTHON:-/usr/bin/python3}

cd "$(dirname "$0")/.."
mkdir -p "$(dirname "$OUT")" "$(dirname "$FIGURE")"

echo "figure2-paper: d=$D gs=$GS gw=$GW max-iter=$MAX_ITER on $NP rank(s)," \
    "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}"
t0=$(date +%s.%N)
"$MPIRUN" -n "$NP" "$PHASESWEEP" sweep --d "$D" --rank "$RANK" --gs "$GS" --gw "$GW" \
    --max-iter "$MAX_ITER" --lr-scale "$LR_SCALE" --out "$OUT" --force
t1=$(date +%s.%N)
"$PYTHON" - "$OUT" "$t0" "$t1" "$NP" <<'PY'
import sys
import h5py
import numpy as np
path, t0, t1, np_ = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
with h5py.File(path, "r") as f:
    done = f["done"][...].astype(bool)  # layout 2: every variable in the root group
    total = int(np.sum(f["n_iter"][...][done]))
    tasks = int(done.sum())
wall = t1 - t0
print(f"figure2-paper: {tasks} tasks, wall {wall:.1f} s on {np_} rank(s), "
      f"{total} iterations, {total / wall:.1f} iterations/s")
PY
"$PYTHON" analysis/figure2.py "$OUT" -o "$FIGURE"
echo "figure2-paper: wrote $FIGURE"

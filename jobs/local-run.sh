#!/bin/sh
# `make run`: a Figure-2-like sweep at modest d on all local cores, then its summary
# (phasesweep info) and results/figure2.png. Every variable below can be overridden from the
# environment or the make command line (make run D=100 NP=4).
#
# Running it again continues an interrupted sweep and leaves a complete one as it is (both
# through --resume), so that Ctrl-C (the sweep closes its file cleanly) loses nothing. The
# engine refuses to resume a file made with other parameters: after changing the variables
# below, remove $OUT (or `make distclean`).
set -eu

D=${D:-100}              # dimension d
RANK=${RANK:-5}          # teacher rank k
GS=${GS:--3:0:22}        # gamma_s grid A:B:N
GW=${GW:-0:2.8:22}       # gamma_w grid A:B:N
REPLICAS=${REPLICAS:-1}
MAX_ITER=${MAX_ITER:-750}
LR_SCALE=${LR_SCALE:-50}
NP=${NP:-$(nproc)}       # MPI ranks
OUT=${OUT:-results/local-sweep.h5}
FIGURE=${FIGURE:-results/figure2.png}

PHASESWEEP=${PHASESWEEP:-bin/phasesweep}
MPIRUN=${MPIRUN:-mpirun}  # may hold several words: "mpirun --bind-to none"
PYTHON=${PYTHON:-/usr/bin/python3}

cd "$(dirname "$0")/.."
mkdir -p "$(dirname "$OUT")" "$(dirname "$FIGURE")"

resume=""
if [ -e "$OUT" ]; then
    resume=--resume
    echo "local-run: continuing $OUT (nothing to do if it is complete)"
fi
$MPIRUN -n "$NP" "$PHASESWEEP" sweep --d "$D" --rank "$RANK" --gs "$GS" --gw "$GW" \
    --replicas "$REPLICAS" --max-iter "$MAX_ITER" --lr-scale "$LR_SCALE" --out "$OUT" $resume ||
    { echo "local-run: the sweep failed; to start over: rm $OUT" >&2; exit 1; }

# Also after an interrupted sweep (info then exits 3): the figure shows what is done.
"$PHASESWEEP" info "$OUT" || true
"$PYTHON" analysis/figure2.py "$OUT" -o "$FIGURE"
echo "local-run: wrote $FIGURE"

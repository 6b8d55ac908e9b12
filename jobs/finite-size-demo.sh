#!/bin/sh
# `make finite-size-demo`: the finite-size study in small, on all local cores: ONE sweep with
# a d axis (d = 25, 50, 100) on one 16 x 16 grid over the published axes, 3 replicas, the
# paper's k = 5, c = 50 and 750 iterations (the stopping rules end most runs far earlier),
# then analysis/finite_size.py reads the one file, draws the overlay and prints the table.
# Every variable below can be overridden (make finite-size-demo NP=4 DS="25 50").
#
# Running it again continues an interrupted sweep and leaves a complete one as it is
# (--resume); after changing the parameters, remove $DIR.
set -eu

DS=${DS:-25 50 100}
RANK=${RANK:-5}
GS=${GS:--3:0:16}
GW=${GW:-0:2.8:16}
REPLICAS=${REPLICAS:-3}
MAX_ITER=${MAX_ITER:-750}
LR_SCALE=${LR_SCALE:-50}
NP=${NP:-$(nproc)}
DIR=${DIR:-results/finite-size-demo}

PHASESWEEP=${PHASESWEEP:-bin/phasesweep}
MPIRUN=${MPIRUN:-mpirun}
PYTHON=${PYTHON:-/usr/bin/python3}

cd "$(dirname "$0")/.."
mkdir -p "$DIR"
out=$DIR/finite-size.h5
resume=""
[ -e "$out" ] && resume=--resume
d_axis=$(echo $DS | tr ' ' ',')
start=$(date +%s)
"$MPIRUN" --oversubscribe -n "$NP" "$PHASESWEEP" sweep --d "$d_axis" --rank "$RANK" \
    --gs "$GS" --gw "$GW" --replicas "$REPLICAS" --max-iter "$MAX_ITER" \
    --lr-scale "$LR_SCALE" --out "$out" $resume ||
    { echo "finite-size-demo: the sweep over d = $d_axis failed; to start over: rm $out" >&2
      exit 1; }
echo "finite-size-demo: the sweep over d = $d_axis took $(($(date +%s) - start)) s wall on $NP ranks"
"$PYTHON" analysis/finite_size.py "$out" -o "$DIR/finite-size.png"

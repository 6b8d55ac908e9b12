#!/bin/sh
# `make bench`, the farm: parallel efficiency = sum of task seconds / (wall x ranks) of a
# 64-task and a 128-task sweep on 2 ranks (target >= 0.9), printed by the sweep's summary line.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=${MPIRUN:-mpirun}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "== sweep efficiency on 2 ranks"
[ -x build/tests/bench_blas ] && build/tests/bench_blas short
for spec in "40 8 1" "100 8 1" "40 8 2"; do
    set -- $spec
    printf 'd=%s, %sx%s grid, %s replica(s): ' "$1" "$2" "$2" "$3"
    "$MPIRUN" -n 2 bin/phasesweep sweep --d "$1" --gs "-2.5:-0.5:$2" --gw "0.5:2.5:$2" \
        --replicas "$3" --out "$dir/b.h5" --force 2>&1 | tail -n 1 | sed 's/^phasesweep: //'
done

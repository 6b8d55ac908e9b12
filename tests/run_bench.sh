#!/bin/sh
# `make bench`: figures printed, never asserted. One BLAS thread per rank, as in a sweep.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1
for b in build/tests/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    case "$b" in
    *_mpi*) mpirun --oversubscribe -n 2 "$b"
            # the group eigensolver and its grid/block, compared in one process
            mpirun --oversubscribe -n 2 "$b" solvers 1024 ;;
    *) "$b" ;;
    esac
done
[ -x tests/bench_sweep.sh ] && sh tests/bench_sweep.sh
exit 0

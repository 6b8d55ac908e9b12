#!/bin/sh
# The whole test suite, as `make check` runs it: the cmocka unit tests (those that call
# MPI_Init under mpirun -n 2), the end-to-end pytest suites (CLI, MPI sweep, analysis, parts/
# merge/install), and the Slurm tests (requeue; arrays and merge; exit 77 = skipped: Slurm
# could not start here). Ends with one line
# "check: P passed, F failed, S skipped" counting suites; exit status 1 if any failed.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
PYTHON=${PYTHON:-/usr/bin/python3}
MPIRUN=${MPIRUN:-mpirun}
pass=0 fail=0 skip=0 failed=""

suite() {
    name=$1
    shift
    echo "== $name"
    "$@"
    rc=$?
    case $rc in
    0) pass=$((pass + 1)) ;;
    77) skip=$((skip + 1)); echo "== $name: skipped" ;;
    *) fail=$((fail + 1)); failed="$failed $name"; echo "== $name: FAILED (exit $rc)" ;;
    esac
}

for bin in build/tests/test_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    if grep -q MPI_Init "tests/$name.c" 2>/dev/null; then
        suite "$name (mpirun -n 2)" "$MPIRUN" --oversubscribe -n 2 "$bin"
    else
        suite "$name" "$bin"
    fi
done
suite pytest "$PYTHON" -m pytest -q -p no:cacheprovider tests/cli tests/mpi tests/python tests/faults tests/hostile tests/cluster tests/readme tests/golden
suite slurm sh tests/slurm/test_slurm_requeue.sh
suite slurm-cluster sh tests/slurm/test_slurm_cluster.sh

[ -n "$failed" ] && echo "failed suites:$failed"
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

#!/bin/sh
# A sweep longer than its Slurm time limit finishes across requeues (jobs/sweep.sbatch), and
# its results equal those of one direct mpirun run, bit for bit (all of /results but seconds).
#
# Starts a private single-node Slurm (munged, slurmctld, slurmd; config, state and logs in a
# temporary directory, free ports) and stops every daemon it started on exit. Prints
# "SKIPPED: <reason>" and exits 77 when Slurm cannot run here (not root, packages missing and
# not installable, daemons not starting, a trivial job not running).
#
# The job gets --time=2 and --signal=B:USR1@60: Slurm checks limits about every 30 s, so the
# signal arrives 30-60 s into each run. The sweep is sized on this machine (one replica is
# timed first) to need about SWEEP_SECONDS (default 75) on 2 ranks alone; the direct run
# shares the 2 cores with the Slurm job, which so takes about twice that, hence 2-4 runs.
# Environment: PYTHON (/usr/bin/python3, with h5py), MPIRUN (mpirun), SWEEP_SECONDS,
# KEEP=1 keeps the temporary directory.
set -u
NAME=slurm-requeue
SWEEP_SECONDS=${SWEEP_SECONDS:-75}
# Small runs of under a second or two each, across the active / lazy boundary.
GRID="d = 80
rank = 3
gs = -2.2:-0.4:5
gw = 0.8:2.4:5
max-iter = 750"
. "$(dirname "$0")/lib.sh"

# ---- the sweep, sized to this machine --------------------------------------------------
cd "$ROOT" || exit 1
printf '[sweep]\n%s\nreplicas = 1\nout = %s\n' "$GRID" "$T/calibration.h5" >"$T/calibration.ini"
t0=$(now_ms)
"$MPIRUN" -n 2 "$PHASESWEEP" sweep --config "$T/calibration.ini" >"$T/calibration.log" 2>&1 ||
    fail "calibration sweep: $(tail -n 3 "$T/calibration.log")"
one=$(($(now_ms) - t0))
replicas=$(((SWEEP_SECONDS * 1000 + one - 1) / one))
[ $replicas -lt 2 ] && replicas=2
[ $replicas -gt 60 ] && replicas=60
say "one replica takes $one ms on 2 ranks: the sweep gets $replicas replicas"
printf '[sweep]\n%s\nreplicas = %d\nout = %s\n' "$GRID" $replicas "$T/slurm.h5" >"$T/sweep.ini"

# ---- through Slurm, and directly at the same time ---------------------------------------
"$MPIRUN" -n 2 "$PHASESWEEP" sweep --config "$T/sweep.ini" --out "$T/direct.h5" \
    >"$T/direct.log" 2>&1 &
DIRECT_PID=$!
# The job picks its launcher itself (jobs/site.sh: srun --mpi=pmix inside Slurm).
JOB=$(env -u MPIRUN sbatch --parsable --job-name=requeue-test --ntasks=2 --time=2 \
    --signal=B:USR1@60 --output="$T/job.log" jobs/sweep.sbatch "$T/sweep.ini") ||
    fail "sbatch jobs/sweep.sbatch"
JOBS=$JOB
say "submitted job $JOB"
deadline=$(($(date +%s) + 3 * SWEEP_SECONDS + 120))
held_since=""
while :; do
    state=$(field "$JOB" JobState)
    case $state in
    COMPLETED) break ;;
    BOOT_FAIL | CANCELLED | DEADLINE | FAILED | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | TIMEOUT)
        fail "job $JOB ended $state" ;;
    esac # else on its way: PENDING, RUNNING, SIGNALING, REQUEUED, COMPLETING, ...
    # Slurm holds a requeued job about two minutes (BeginTime) so that the node can clean
    # up. As the administrator, release it a few seconds later: credentials revoked in the
    # same second as the new start would kill it.
    if [ "$state" = PENDING ] && [ "$(field "$JOB" Reason)" = BeginTime ]; then
        [ -z "$held_since" ] && held_since=$(date +%s)
        if [ $(($(date +%s) - held_since)) -ge 3 ]; then
            scontrol update JobId="$JOB" StartTime=now || fail "cannot release job $JOB"
            held_since=""
        fi
    fi
    [ "$(date +%s)" -gt "$deadline" ] && fail "job $JOB not done in time (state $state)"
    sleep 1
done
restarts=$(field "$JOB" Restarts)
runs=$(grep -c "phasesweep job $JOB run" "$T/job.log")
requeues=$(grep -c "requeueing to continue" "$T/job.log")
say "job $JOB completed after $restarts requeues ($runs runs in its log)"
[ "${restarts:-0}" -ge 1 ] || fail "the sweep finished without a requeue (Restarts=$restarts)"
[ "$runs" -eq $((restarts + 1)) ] && [ "$requeues" -eq "$restarts" ] ||
    fail "the log shows $runs runs and $requeues requeues for Restarts=$restarts"
grep -q "sweep complete" "$T/job.log" || fail "the job's last run did not see a complete file"
[ "$(grep "phasesweep job $JOB run" "$T/job.log" | grep -c "with 'srun --mpi=pmix'")" -eq "$runs" ] ||
    fail "the job did not launch its ranks with srun --mpi=pmix"
# The first run creates the file, every later one continues it.
grep "phasesweep job $JOB run 1 " "$T/job.log" | grep -q -- "--resume" &&
    fail "the first run used --resume"
[ "$(grep "phasesweep job $JOB run" "$T/job.log" | grep -c -- "--resume$")" -eq "$restarts" ] ||
    fail "the requeued runs did not continue with --resume"

wait "$DIRECT_PID" || fail "direct sweep: $(tail -n 3 "$T/direct.log")"
DIRECT_PID=""

if ! "$PYTHON" - "$T/slurm.h5" "$T/direct.h5" <<'EOF'
import sys
import h5py

with h5py.File(sys.argv[1], "r") as a, h5py.File(sys.argv[2], "r") as b:
    assert a["done"][...].all(), "the requeued sweep is not complete"
    # every variable of the root group (layout 2: grids and per-task results)
    assert set(a) == set(b)
    for name in a:
        if name == "seconds":
            continue  # wall time, the one result that may differ
        x, y = a[name], b[name]
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert x[...].tobytes() == y[...].tobytes(), f"/{name} differs"
    assert a.attrs["provenance_sessions"] > 1, "the requeued runs did not close the file"
print("slurm-requeue: every variable (but seconds) bit-identical")
EOF
then
    fail "the requeued sweep differs from the direct one"
fi
say "PASSED"

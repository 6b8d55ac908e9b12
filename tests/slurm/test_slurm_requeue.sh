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
started=$(date +%s)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PHASESWEEP=$ROOT/bin/phasesweep
PYTHON=${PYTHON:-/usr/bin/python3}
MPIRUN=${MPIRUN:-mpirun}
SWEEP_SECONDS=${SWEEP_SECONDS:-75}
# Small runs of under a second or two each, across the active / lazy boundary.
GRID="d = 80
rank = 3
gs = -2.2:-0.4:5
gw = 0.8:2.4:5
max-iter = 750"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

say() { echo "slurm-requeue: $*"; }
skip() { echo "SKIPPED: $*"; exit 77; }
fail() {
    echo "FAILED: $*"
    for log in job.log slurmctld.log slurmd.log; do
        [ -f "$T/$log" ] && { echo "--- tail of $log"; tail -n 25 "$T/$log"; }
    done
    exit 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

[ -x "$PHASESWEEP" ] || skip "$PHASESWEEP is not built (make)"
[ "$(id -u)" = 0 ] || skip "slurmd has to run as root to start jobs"
"$PYTHON" -c 'import h5py' 2>/dev/null || skip "$PYTHON has no h5py"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurmctld slurmd slurm-client munge (Debian)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends slurmctld slurmd slurm-client munge; } >/dev/null 2>&1 ||
        skip "Slurm is not installed and apt-get install slurmctld slurmd slurm-client munge failed"
fi

T=$(mktemp -d /tmp/phasesweep-slurm.XXXXXX)
chmod 755 "$T" # munged wants its socket directory searchable by all
MUNGED_PID="" SLURMCTLD_PID="" SLURMD_PID="" JOB="" DIRECT_PID=""
cleanup() {
    status=$?
    # Jobs first, so that no slurmstepd outlives its slurmd.
    if [ -n "$JOB" ] && [ -n "$SLURMCTLD_PID" ]; then
        scancel "$JOB" 2>/dev/null
        i=0
        while [ $i -lt 20 ] && squeue -h -t PD,R,CG,CF -j "$JOB" 2>/dev/null | grep -q .; do
            sleep 1
            i=$((i + 1))
        done
    fi
    for pid in $DIRECT_PID $SLURMD_PID $SLURMCTLD_PID $MUNGED_PID; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    if [ "${KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
    echo "slurm-requeue: wall time $(($(date +%s) - started)) s"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- the cluster -----------------------------------------------------------------------
head -c 1024 /dev/urandom >"$T/munge.key"
chmod 400 "$T/munge.key"
munged -F --key-file="$T/munge.key" --socket="$T/munge.sock" --pid-file="$T/munged.pid" \
    --log-file="$T/munged.log" --seed-file="$T/munged.seed" >"$T/munged.out" 2>&1 &
MUNGED_PID=$!
i=0
until [ -S "$T/munge.sock" ]; do
    [ $i -ge 20 ] && skip "munged did not start: $(tail -n 3 "$T/munged.out")"
    sleep 0.5
    i=$((i + 1))
done

host=$(hostname -s)
cat >"$T/slurm.conf" <<EOF
ClusterName=phasesweeptest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$T/munge.sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
JobRequeue=1
KillWait=30
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=5 State=UP
EOF
mkdir -p "$T/state" "$T/spool"
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
SLURMCTLD_PID=$!
slurmd -D -f "$SLURM_CONF" -N "$host" >"$T/slurmd.out" 2>&1 &
SLURMD_PID=$!
i=0
until [ "$(sinfo -h -n "$host" -o %t 2>/dev/null)" = idle ]; do
    [ $i -ge 30 ] && skip "Slurm did not come up: $(tail -n 2 "$T/slurmctld.out" "$T/slurmd.out")"
    sleep 1
    i=$((i + 1))
done

# Job state in one word, e.g. RUNNING, and the fields the waits below need.
field() { scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"; }

smoke=$(sbatch --parsable --output=/dev/null --wrap true) || skip "sbatch failed"
i=0
until [ "$(field "$smoke" JobState)" = COMPLETED ]; do
    [ $i -ge 30 ] &&
        skip "a trivial job did not run: $(field "$smoke" JobState) $(field "$smoke" Reason)"
    sleep 1
    i=$((i + 1))
done
say "Slurm is up ($(($(date +%s) - started)) s)"

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
JOB=$(sbatch --parsable --job-name=requeue-test --ntasks=2 --time=2 --signal=B:USR1@60 \
    --output="$T/job.log" jobs/sweep.sbatch "$T/sweep.ini") || fail "sbatch jobs/sweep.sbatch"
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

# tests/slurm/lib.sh: a private single-node Slurm for the Slurm tests, sourced by them after
# they set NAME (their name in messages). Starts munged, slurmctld and slurmd (config, state
# and logs in $T, a temporary directory, free ports) and stops every daemon it started, after
# cancelling the jobs in $JOBS, on exit; skips (exit 77, "SKIPPED: <reason>") when Slurm cannot
# run here. Under CI=true (root, packages installable) every such reason -- not root, not built,
# apt-get install failed, munged/slurmctld/slurmd did not start, sbatch failed, a trivial job did
# not run -- is a failure instead (exit 1, "FAILED: <reason>" on one line, then the daemons' log
# tails). Offers say, skip, fail (with the tails of $LOGS), now_ms, free_port and field JOB
# NAME (one field of scontrol show job). KEEP=1 keeps $T.
started=$(date +%s)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PHASESWEEP=$ROOT/bin/phasesweep
PYTHON=${PYTHON:-/usr/bin/python3}
MPIRUN=${MPIRUN:-mpirun}
LOGS=${LOGS:-job.log}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

say() { echo "$NAME: $*"; }
CI=${CI:-}
skip() {
    why=$(printf '%s' "$*" | tr '\n' ' ') # the reason on one line
    case $CI in
    true | TRUE | True) fail "$why (CI=true: a suite that cannot run is a failure)" ;;
    esac
    echo "SKIPPED: $why"
    exit 77
}
fail() {
    echo "FAILED: $*"
    for log in $LOGS slurmctld.log slurmd.log; do
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
    aptlog=$(mktemp /tmp/phasesweep-apt.XXXXXX)
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends slurmctld slurmd slurm-client munge; } >"$aptlog" 2>&1 || {
        why=$(tail -n 1 "$aptlog")
        rm -f "$aptlog"
        skip "Slurm is not installed and apt-get install slurmctld slurmd slurm-client munge failed: $why"
    }
    rm -f "$aptlog"
fi

T=$(mktemp -d /tmp/phasesweep-slurm.XXXXXX)
chmod 755 "$T" # munged wants its socket directory searchable by all
MUNGED_PID="" SLURMCTLD_PID="" SLURMD_PID="" JOBS="" DIRECT_PID=""
cleanup() {
    status=$?
    # Jobs first, so that no slurmstepd outlives its slurmd.
    if [ -n "$JOBS" ] && [ -n "$SLURMCTLD_PID" ]; then
        for job in $JOBS; do scancel "$job" 2>/dev/null; done
        i=0
        while [ $i -lt 20 ] && squeue -h -t PD,R,CG,CF 2>/dev/null | grep -q .; do
            sleep 1
            i=$((i + 1))
        done
    fi
    for pid in $DIRECT_PID $SLURMD_PID $SLURMCTLD_PID $MUNGED_PID; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    if [ "${KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
    echo "$NAME: wall time $(($(date +%s) - started)) s"
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
# The steps' scratch (e.g. mpi/pmix's spmix_appdir_UID_JOB.STEP) in $T, not /tmp: another
# private cluster on this machine numbers its jobs from 1 too, and the names would collide.
TmpFS=$T/tmp
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
mkdir -p "$T/state" "$T/spool" "$T/tmp"
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

smoke=$(sbatch --parsable --output=/dev/null --wrap true 2>"$T/sbatch.err") ||
    skip "sbatch failed: $(tail -n 1 "$T/sbatch.err")"
i=0
until [ "$(field "$smoke" JobState)" = COMPLETED ]; do
    [ $i -ge 30 ] &&
        skip "a trivial job did not run: $(field "$smoke" JobState) $(field "$smoke" Reason)"
    sleep 1
    i=$((i + 1))
done
say "Slurm is up ($(($(date +%s) - started)) s)"

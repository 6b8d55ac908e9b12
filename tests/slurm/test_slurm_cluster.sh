#!/bin/sh
# Cluster shapes on a private single-node Slurm (tests/slurm/lib.sh), with phasesweep
# installed into a temporary prefix and used from another directory, as a cluster user would:
#  1. the installed jobs/submit-array.sh CONFIG 3 submits an array of 3 parts (srun
#     --mpi=pmix inside each) and a merge job (--dependency=afterok); one element is
#     SIGKILLed mid-way (its batch shell, srun and ranks, as a node crash would) and requeued
#     by the administrator; the merged file equals a direct single sweep bit for bit (every
#     dataset but seconds), and the installed figure script draws it;
#  2. merge jobs refuse (exit 2, one line in the log) a part of another sweep, a duplicate
#     part and an unfinished part.
# Exit 77 ("SKIPPED: ...") when Slurm cannot run here. Environment: PYTHON, MPIRUN (the
# direct reference run), PART_SECONDS (default 10: the size of one part), KEEP=1.
set -u
NAME=slurm-cluster
PART_SECONDS=${PART_SECONDS:-10}
LOGS="merge.log"
GRID="d = 60
rank = 3
gs = -2.2:-0.4:4
gw = 0.8:2.4:4
max-iter = 750"
. "$(dirname "$0")/lib.sh"

# ---- install, and work elsewhere ---------------------------------------------------------
PREFIX=$T/prefix
(cd "$ROOT" && make --no-print-directory install PREFIX="$PREFIX") >"$T/install.log" 2>&1 ||
    fail "make install: $(tail -n 3 "$T/install.log")"
SHARE=$PREFIX/share/phasesweep
W=$T/work
mkdir -p "$W"
cd "$W" || exit 1

# ---- the reference: one direct sweep, sized so that a part takes about PART_SECONDS ------
printf '[sweep]\n%s\nreplicas = 1\nout = calibration.h5\n' "$GRID" >calibration.ini
t0=$(now_ms)
"$MPIRUN" -n 1 "$PREFIX/bin/phasesweep" sweep --config calibration.ini >calibration.log 2>&1 ||
    fail "calibration sweep: $(tail -n 3 calibration.log)"
one=$(($(now_ms) - t0))
replicas=$(((3 * PART_SECONDS * 1000 + one - 1) / one))
[ $replicas -lt 3 ] && replicas=3
[ $replicas -gt 40 ] && replicas=40
say "one replica takes $one ms on 1 rank: the sweep gets $replicas replicas, 3 parts"
printf '[sweep]\n%s\nreplicas = %d\nout = results/sweep.h5\n' "$GRID" $replicas >sweep.ini
"$MPIRUN" -n 2 "$PREFIX/bin/phasesweep" sweep --config sweep.ini --out direct.h5 \
    >direct.log 2>&1 || fail "direct sweep: $(tail -n 3 direct.log)"

# ---- the array and its merge, through the installed submit script ------------------------
# SBATCH_TIMELIMIT (as jobs/site.sh could set) reaches both jobs: the partition allows 5 min
out=$(env -u MPIRUN SBATCH_TIMELIMIT=5 "$SHARE/jobs/submit-array.sh" sweep.ini 3) ||
    fail "submit-array.sh: $out"
say "$out"
ARRAY=$(echo "$out" | sed -n 's/^submitted array job \([0-9]*\) .*/\1/p')
MERGE=$(echo "$out" | sed -n 's/.* merge job \([0-9]*\) .*/\1/p')
[ -n "$ARRAY" ] && [ -n "$MERGE" ] || fail "cannot read the job ids from: $out"
JOBS="$ARRAY $MERGE"
case $(field "$MERGE" Dependency) in
"afterok:${ARRAY}"*) ;;
*) fail "the merge job's dependency is '$(field "$MERGE" Dependency)', not afterok:$ARRAY" ;;
esac

# The element of part 1 (its own job id), once it has done a task or two, dies as on a
# crashing node and Slurm requeues it: its ranks are SIGKILLed mid-task while the batch shell
# and srun are frozen (SIGSTOP, so that the job does not end FAILED first: Slurm never runs a
# job whose afterok dependency failed, even after a requeue), then `scontrol requeue`.
part1=results/sweep.part-1-of-3.h5
deadline=$(($(date +%s) + 120))
until [ -f "$part1" ] && "$PYTHON" - "$part1" <<'EOF'
import os, sys
os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"
import h5py
with h5py.File(sys.argv[1], "r") as f:
    done = f["results/done"] if "results/done" in f else f["done"]
    sys.exit(0 if 2 <= done[...].sum() else 1)
EOF
do
    [ "$(date +%s)" -gt "$deadline" ] && fail "part 1 did not start computing"
    sleep 0.5
done
elem=$(squeue -h -r -j "$ARRAY" -o '%i %A' | sed -n "s/^${ARRAY}_1 //p")
[ -n "$elem" ] || fail "no running element 1 of array $ARRAY"
ranks="" others=""
for dir in /proc/[0-9]*; do
    { tr '\0' '\n' <"$dir/environ" | grep -qx "SLURM_JOB_ID=$elem"; } 2>/dev/null || continue
    if [ "$(cat "$dir/comm" 2>/dev/null)" = phasesweep ]; then
        ranks="$ranks ${dir#/proc/}"
    else
        others="$others ${dir#/proc/}"
    fi
done
[ -n "$ranks" ] && [ -n "$others" ] || fail "job $elem: ranks '$ranks', others '$others'"
# shellcheck disable=SC2086
kill -STOP $others 2>/dev/null
# shellcheck disable=SC2086
kill -KILL $ranks 2>/dev/null
say "job $elem (array ${ARRAY}_1): SIGKILLed its ranks$ranks, froze$others"
scontrol requeue "$elem" || fail "scontrol requeue $elem"
# shellcheck disable=SC2086
kill -CONT $others 2>/dev/null

deadline=$(($(date +%s) + 6 * PART_SECONDS + 180))
held_since=""
while :; do
    state=$(field "$MERGE" JobState)
    case $state in
    COMPLETED) break ;;
    FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY)
        fail "merge job $MERGE ended $state: $(cat logs/phasesweep-merge-"$MERGE".out 2>&1)" ;;
    esac
    # a requeued job is held about two minutes (BeginTime): release it
    if [ "$(field "$elem" JobState)" = PENDING ] && [ "$(field "$elem" Reason)" = BeginTime ]; then
        [ -z "$held_since" ] && held_since=$(date +%s)
        if [ $(($(date +%s) - held_since)) -ge 3 ]; then
            scontrol update JobId="$elem" StartTime=now || fail "cannot release job $elem"
            held_since=""
        fi
    fi
    case $(field "$MERGE" Reason) in DependencyNeverSatisfied | PartitionTimeLimit)
        fail "the merge job cannot start ($(field "$MERGE" Reason)):" \
            "$(squeue -h -r -j "$ARRAY" -t all -o '%i %T' 2>&1)" ;;
    esac
    [ "$(date +%s)" -gt "$deadline" ] && fail "merge job $MERGE not done in time ($state)"
    sleep 1
done
cp "logs/phasesweep-merge-$MERGE.out" "$T/merge.log" 2>/dev/null
log1=$(ls logs/phasesweep-part-"${ARRAY}"_1.out) || fail "no log of element 1"
runs=$(grep -c "phasesweep job $elem run" "$log1")
[ "$runs" -eq 2 ] || fail "element 1 ran $runs times, not 2: $(cat "$log1")"
grep "phasesweep job $elem run 2 " "$log1" | grep -q -- "--part 1/3 .*--resume$" ||
    fail "the requeued element did not resume its part: $(cat "$log1")"
for i in 0 1 2; do
    grep -q "with 'srun --mpi=pmix'" logs/phasesweep-part-"${ARRAY}_$i".out ||
        fail "element $i did not launch with srun --mpi=pmix"
done
grep -q "merged 3 of 3 parts" "$T/merge.log" || fail "merge log: $(cat "$T/merge.log")"

if ! "$PYTHON" - results/sweep.h5 direct.h5 <<'EOF'
import sys
import h5py


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, (o.dtype, o.shape, o[...].tobytes()))
                     if isinstance(o, h5py.Dataset) else None)
    return out


a, b = datasets(sys.argv[1]), datasets(sys.argv[2])
assert set(a) == set(b), set(a) ^ set(b)
names = [n for n in a if not n.endswith("seconds")]
for name in names:
    assert a[name] == b[name], f"/{name} differs"
print(f"slurm-cluster: {len(names)} datasets (all but seconds) bit-identical")
EOF
then
    fail "the merged array differs from the direct sweep"
fi
"$PREFIX/bin/phasesweep-figure2" results/sweep.h5 -o figure2.png >figure.log 2>&1 ||
    fail "installed phasesweep-figure2: $(tail -n 3 figure.log)"
[ -s figure2.png ] || fail "no figure2.png"
say "array of 3 parts + requeued SIGKILLed part + merge job == direct sweep; figure drawn"

# ---- merge jobs that must refuse ---------------------------------------------------------
# Each case: a directory with 3 part files of which one is wrong; the merge job fails with
# exit 2 and says why in one line.
refusal() { # refusal CASE WORDS: submits merge.sbatch in case dir CASE, expects WORDS
    case_dir=$W/$1
    job=$(cd "$case_dir" && env -u MPIRUN sbatch --parsable --time=5 --output="$case_dir/merge.log" \
        "$SHARE/jobs/merge.sbatch" sweep.ini 3) || fail "sbatch merge ($1)"
    JOBS="$JOBS $job"
    i=0
    while case $(field "$job" JobState) in COMPLETED | FAILED | CANCELLED) false ;; *) true ;; esac; do
        [ $i -ge 120 ] && fail "merge job $job ($1) did not end"
        sleep 0.5
        i=$((i + 1))
    done
    [ "$(field "$job" JobState)" = FAILED ] && [ "$(field "$job" ExitCode)" = 2:0 ] ||
        fail "merge job ($1) ended $(field "$job" JobState) $(field "$job" ExitCode)"
    line=$(grep "^phasesweep: " "$case_dir/merge.log")
    [ "$(echo "$line" | wc -l)" -eq 1 ] && echo "$line" | grep -q "$2" ||
        fail "merge job ($1) said: $(cat "$case_dir/merge.log")"
    [ -e "$case_dir/results/sweep.h5" ] && fail "merge job ($1) left results/sweep.h5"
    say "merge refused ($1): $line"
}
for c in other duplicate unfinished; do
    mkdir -p "$W/$c/results"
    cp sweep.ini "$W/$c/"
    cp results/sweep.part-*-of-3.h5 "$W/$c/results/"
done
sed 's/^rank = .*/rank = 2/' sweep.ini >"$W/other/other.ini"
(cd "$W/other" && "$MPIRUN" -n 2 "$PREFIX/bin/phasesweep" sweep --config other.ini --part 2/3 \
    --out results/sweep.part-2-of-3.h5 --force >other.log 2>&1) || fail "the other sweep's part"
cp results/sweep.part-0-of-3.h5 "$W/duplicate/results/sweep.part-2-of-3.h5"
"$PYTHON" - "$W/unfinished/results/sweep.part-2-of-3.h5" <<'EOF' || fail "cannot unfinish part 2"
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    done = f["results/done"] if "results/done" in f else f["done"]
    done[tuple(np.argwhere(done[...])[0])] = 0
EOF
refusal other "of different sweeps: rank=3 "
refusal duplicate "both part 0/3"
refusal unfinished "1 of .* tasks are not done: .*part 2/3) has 1 left (resume it)"
say "PASSED"

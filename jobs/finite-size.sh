#!/bin/sh
# The finite-size study on a Slurm cluster: one jobs/sweep.sbatch job for the one sweep with a
# d axis (jobs/finite-size.ini; it requeues itself until its file is complete), then one job,
# started when it has succeeded, that draws results/finite-size.png and writes
# results/finite-size.csv. From the repo root:
#   sh jobs/finite-size.sh                 # submit
#   DRY_RUN=1 sh jobs/finite-size.sh       # print the sbatch commands only
#
# NTASKS ranks (default 32: the d = 800 tasks dominate the cost). Alternative: the job-array
# route (jobs/submit-array.sh jobs/finite-size.ini N, --part I/N then merge), with the
# analysis job depending on the merge.
set -eu

CONFIG=${CONFIG:-jobs/finite-size.ini}
NTASKS=${NTASKS:-32}
TIME=${TIME:-04:00:00}          # per allocation; sweep.sbatch requeues past it
PYTHON=${PYTHON:-/usr/bin/python3}
FIGURE=${FIGURE:-results/finite-size.png}
FILE=${FILE:-results/finite-size.h5}

cd "$(dirname "$0")/.."
# sbatch, or under DRY_RUN=1 the command on stderr and the stand-in job id $ID.
submit() {
    if [ "${DRY_RUN:-0}" = 1 ]; then
        echo "$*" >&2
        echo "$ID"
    else
        "$@"
    fi
}

[ -r "$CONFIG" ] || { echo "finite-size: $CONFIG: no such config" >&2; exit 2; }
id=$(ID=dry-sweep submit sbatch --parsable --job-name=finite-size-sweep --ntasks="$NTASKS" \
    --time="$TIME" jobs/sweep.sbatch "$CONFIG")
echo "finite-size: the sweep over d on $NTASKS tasks: job $id ($CONFIG)"
id=$(ID=dry-analysis submit sbatch --parsable --job-name=finite-size --ntasks=1 --time=00:30:00 \
    --dependency="afterok:${id%%;*}" --output=finite-size-%j.out \
    --wrap="$PYTHON analysis/finite_size.py $FILE -o $FIGURE")
echo "finite-size: analysis after the sweep: job $id -> $FIGURE"

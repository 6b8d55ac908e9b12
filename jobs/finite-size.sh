#!/bin/sh
# The finite-size study on a Slurm cluster: one jobs/sweep.sbatch job per d (each requeues
# itself until its file is complete), then one job, started when all four have succeeded,
# that draws results/finite-size.png and writes results/finite-size.csv. From the repo root:
#   sh jobs/finite-size.sh                 # submit
#   DRY_RUN=1 sh jobs/finite-size.sh       # print the sbatch commands only
#
# Ranks per d follow the cost (about 8x per doubling of d); override with NTASKS_100 etc.
# Alternative: each INI can go through the job-array route instead of sweep.sbatch
# (jobs/submit-array.sh CONFIG N, --part I/N then merge), with the analysis job depending
# on the merges.
set -eu

DS=${DS:-100 200 400 800}
TIME=${TIME:-04:00:00}          # per allocation; sweep.sbatch requeues past it
PYTHON=${PYTHON:-/usr/bin/python3}
FIGURE=${FIGURE:-results/finite-size.png}

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

for d in $DS; do    # every config first: submit all or nothing
    [ -r "jobs/finite-size-d$d.ini" ] ||
        { echo "finite-size: jobs/finite-size-d$d.ini: no such config (DS=$DS)" >&2; exit 2; }
done

ids=""
files=""
for d in $DS; do
    config=jobs/finite-size-d$d.ini
    eval "ntasks=\${NTASKS_$d:-}"
    if [ -z "$ntasks" ]; then
        case $d in
            100) ntasks=4 ;; 200) ntasks=8 ;; 400) ntasks=16 ;; *) ntasks=32 ;;
        esac
    fi
    id=$(ID=dry-d$d submit sbatch --parsable --job-name="finite-d$d" --ntasks="$ntasks" \
        --time="$TIME" jobs/sweep.sbatch "$config")
    echo "finite-size: d = $d on $ntasks tasks: job $id ($config)"
    ids="$ids:${id%%;*}"
    files="$files results/finite-size-d$d.h5"
done

id=$(ID=dry-analysis submit sbatch --parsable --job-name=finite-size --ntasks=1 --time=00:30:00 \
    --dependency="afterok$ids" --output=finite-size-%j.out \
    --wrap="$PYTHON analysis/finite_size.py$files -o $FIGURE")
echo "finite-size: analysis after all sweeps: job $id -> $FIGURE"

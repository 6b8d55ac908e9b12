#!/bin/sh
# Submits CONFIG's sweep as a Slurm job array of N parts (jobs/sweep-array.sbatch, element I
# computes --part I/N) and a merge job (jobs/merge.sbatch) that starts once every element has
# succeeded (--dependency=afterok), giving the INI's `out` as one sweep would. Run it from the
# directory the INI's paths are relative to; logs go to logs/ there.
#   jobs/submit-array.sh jobs/figure2.ini 8
#   jobs/submit-array.sh jobs/figure2-large.ini 16 --ntasks=16 --time=12:00:00
# Options after N go to the array's sbatch (the merge job is one task). Account, partition
# and modules: jobs/site.sh, sourced here (its SBATCH_* variables reach both sbatch calls).
set -eu
usage="usage: jobs/submit-array.sh CONFIG.ini N [sbatch options for the parts]"
config=${1:?$usage}
n=${2:?$usage}
shift 2
case $n in
'' | *[!0-9]* | 0*) echo "submit-array: N: '$n' is not an integer in [1, 100000]" >&2; exit 2 ;;
esac
[ "$n" -le 100000 ] || { echo "submit-array: N: '$n' is not an integer in [1, 100000]" >&2; exit 2; }
[ -r "$config" ] || { echo "submit-array: cannot read $config" >&2; exit 2; }
PHASESWEEP_JOBS=${PHASESWEEP_JOBS:-$(cd "$(dirname "$0")" && pwd)}
export PHASESWEEP_JOBS # where the jobs find site.sh and sweep.sbatch
. "$PHASESWEEP_JOBS/site.sh"
mkdir -p logs

array=$(sbatch --parsable --array=0-$((n - 1)) "$@" "$PHASESWEEP_JOBS/sweep-array.sbatch" \
    "$config" "$n")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" "$PHASESWEEP_JOBS/merge.sbatch" \
    "$config" "$n")
merge=${merge%%;*}
echo "submitted array job $array ($n parts of $config) and merge job $merge (after all parts)"

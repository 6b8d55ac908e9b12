# jobs/site.sh: the one place for your cluster's set-up. Every job script (sweep.sbatch,
# sweep-array.sbatch, merge.sbatch, figure1.sbatch) sources it at its start, inside the job;
# jobs/submit-array.sh sources it before it calls sbatch. Edit the SITE block below.
#
# Account and partition: sbatch reads them from #SBATCH lines, its command line, or the
# environment variables below (exported here they reach every sbatch that submit-array.sh
# runs; for a plain `sbatch jobs/sweep.sbatch`, export them in your shell or pass
# --account/--partition to sbatch).

# ---- SITE: edit for your cluster ------------------------------------------------------
# export SBATCH_ACCOUNT=myproject SALLOC_ACCOUNT=myproject
# export SBATCH_PARTITION=compute SALLOC_PARTITION=compute
# export SBATCH_TIMELIMIT=04:00:00    # overrides the scripts' --time (sbatch's command line wins)
# module load openmpi hdf5-mpi openblas scalapack     # when the libraries come as modules
# MPIRUN="srun --mpi=pmi2"          # an MPI built for Slurm's PMI-2 (Debian's Open MPI: pmix)
# ---- end of SITE ----------------------------------------------------------------------

# The engine and the analysis; `make install` rewrites these two defaults to the installed
# paths. Relative paths are taken from the directory the job was submitted from.
: "${PHASESWEEP:=bin/phasesweep}"
: "${PHASESWEEP_ANALYSIS:=analysis}"
: "${PYTHON:=/usr/bin/python3}"

# How ranks start. Inside a Slurm allocation: srun with the PMIx plugin, which works with
# Debian 12's Slurm 22.05 (mpi_pmix_v4) and Open MPI 4.1 (built --with-pmix; --mpi=pmi2 and
# --mpi=none abort in MPI_Init there); `srun --mpi=list` shows your plugins. Elsewhere: mpirun. MPIRUN may hold several words (it is split
# on blanks where used), e.g. MPIRUN="mpirun --bind-to none".
if [ -z "${MPIRUN:-}" ]; then
    if [ -n "${SLURM_JOB_ID:-}" ] && command -v srun >/dev/null 2>&1; then
        MPIRUN="srun --mpi=pmix"
    else
        MPIRUN=mpirun
    fi
fi

# BLAS threads per rank (--threads): the job's --cpus-per-task, or THREADS; neither set, the
# engine's --threads default (or the INI's). Since Slurm 22.05 srun does not take the CPUs
# per task from the allocation by itself: SRUN_CPUS_PER_TASK passes them on.
THREADS=${THREADS:-${SLURM_CPUS_PER_TASK:-}}
THREADOPT=${THREADS:+--threads $THREADS}
if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then
    export SRUN_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK
fi

/* sweep: `phasesweep sweep`, the command that owns its output. It refuses bad input up front
 * (--group-size, --max-mem for every run of the grid), takes the one-writer lock (lock.h),
 * creates the sweep file (rank 0 builds it serially) or opens it for --resume (h5io.h),
 * selects the tasks left (tasks.h: --part, the done flags), costs them, runs them on the farm
 * (farm.h) with callbacks that store each result in the file, and closes the file (the
 * provenance end stamps) and the lock. SIGTERM/SIGUSR1 stop it cleanly: the tasks running are
 * aborted and not recorded, the file is closed, and the status is 0. */
#ifndef PS_SWEEP_H
#define PS_SWEEP_H

#include <mpi.h>
#include "cli.h"

/* Collective over comm. Returns the exit status: 0 when the sweep ran (complete or stopped by
 * a signal); a refusal prints its one line (rank 0) and ends every rank with status 2. */
int ps_sweep_main(MPI_Comm comm, const ps_options *o);

#endif

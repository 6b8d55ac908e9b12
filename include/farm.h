/* farm: the sweep. Rank 0 tiles the (gamma_s, gamma_w, replica) grid into tasks and hands them
 * out one at a time, most expensive first; every rank, rank 0 included, computes tasks and
 * writes its results straight into the shared file. The master answers requests from inside
 * its own runs (the run hook), so no rank idles and none spins. SIGTERM/SIGUSR1 stop the hand-
 * out, abort running tasks (they are not recorded), close the file and return 0. */
#ifndef PS_FARM_H
#define PS_FARM_H

#include <mpi.h>
#include "cli.h"

int ps_sweep_main(MPI_Comm comm, const ps_options *o);

#endif

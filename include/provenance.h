/* provenance: where a file came from, as root attributes named provenance_*: phasesweep's
 * version and git commit, the MPI, HDF5, BLAS (OpenBLAS core and config) and LAPACK libraries,
 * the compiler, host, ranks and group size, start and end time (UTC) and wall seconds. */
#ifndef PS_PROVENANCE_H
#define PS_PROVENANCE_H

#include <hdf5.h>
#include <mpi.h>

#include "cli.h"

typedef struct ps_provenance {
    char version[32], git_commit[96], mpi_library[512], hdf5_version[32], blas[512],
        blas_core[64], lapack_version[32], compiler[160], host[256], start_utc[32],
        command_line[4096];
    long long ranks, group_size; /* group size as resolved (auto -> its value) */
    double start_wall;           /* monotonic seconds at the start, rank 0's clock */
} ps_provenance;

/* Notes the start of the process (main, after MPI_Init); without it, the first collect is. */
void ps_provenance_mark_start(void);
/* Collective over comm: rank 0's values on every rank (collective attribute writes need the
 * same bytes everywhere). ranks and group size are MPI_COMM_WORLD's. Before MPI_Init (unit
 * tests) it is local, with ranks = 1. */
void ps_provenance_collect(ps_provenance *pv, MPI_Comm comm, const ps_options *o);
/* Writes every provenance_* attribute; end_utc "" and wall_seconds NaN until finished. */
void ps_provenance_write(hid_t loc, const ps_provenance *pv);
/* Overwrites provenance_end_utc and provenance_wall_seconds (added to the stored value: a
 * resumed sweep's wall time is the sum over its sessions) and counts provenance_sessions.
 * Collective over comm when loc is in a parallel file; rank 0's clock is the one used. */
void ps_provenance_finish(hid_t loc, MPI_Comm comm, const ps_provenance *pv);
/* "" or why loc's attributes that ps_provenance_finish overwrites in place are not of the
 * types it writes (float64 and integer scalars, a 20-byte string); absent ones are fine. */
void ps_provenance_problem(hid_t loc, char *why, size_t len);

#endif

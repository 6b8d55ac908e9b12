/* dist: the ScaLAPACK group engine -- the shared steps (steps.h) on the ScaLAPACK backend
 * (dense_dist.c), the same ps_engine_ops as the local engine, with every
 * d x d matrix and both coordinate factors (m x d) 2D block-cyclic over a BLACS grid laid on
 * a group communicator of P ranks, so one run of large d uses P cores and ~1/P of the memory.
 *
 * Collective contract: every rank of the group creates the engine with the same arguments and
 * then calls every op (measure, gd_step, sc_step, keep_best, best_stable_rank,
 * singular_values, destroy) in the same order -- i.e. every rank runs ps_run_engine in
 * lockstep. Records, the stable rank and the singular values are bitwise identical on all
 * ranks (partial sums gathered and added in rank order), so the loop stops at the same
 * iteration everywhere. ps_run_engine's result is then valid on every rank; one rank (the
 * group's rank 0) should write it. */
#ifndef PS_DIST_H
#define PS_DIST_H

#include <mpi.h>
#include <stdint.h>

#include "dense.h"
#include "engine.h"

#define PS_DIST_NB 64 /* default block size */

/* Every rank passes the FULL teacher and initial coordinates (drawn identically from the
 * counter-based streams). The engine copies its blocks: t may be freed right after this
 * returns; x0's arrays are taken over and freed here (x0->U1 = x0->U2 = NULL on return).
 * nb <= 0 means PS_DIST_NB; the grid is ps_dist_grid_shape(P). group is duplicated, not
 * kept. Ranks must be reachable by MPI (BLACS context on the group, not on MPI_COMM_WORLD). */
ps_engine ps_engine_dist(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                         int trace, int nb);
/* The same on an explicit prow x pcol grid (prow * pcol == group size); for tests. */
ps_engine ps_engine_dist_grid(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                              int trace, int nb, int prow, int pcol);

/* The same with the theory's eigensolver named (eigensolver.h; NULL or "auto": ELPA 1-stage
 * when the build has it and the grid suits it, else pdsyevd). */
ps_engine ps_engine_dist_solver(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                                int trace, int nb, int prow, int pcol, const char *solver);

/* The ScaLAPACK backend of the dense seam (dense.h) on a prow x pcol grid over (a duplicate
 * of) group; nb <= 0 means PS_DIST_NB. Collective over group. */
ps_dense ps_dense_dist(MPI_Comm group, int nb, int prow, int pcol);

/* The grid as square as P allows, prow <= pcol (2 -> 1x2, 6 -> 2x3, 7 -> 1x7).
 * Returns 0, or -1 (and 0x0) when P < 1. */
int ps_dist_grid_shape(int P, int *prow, int *pcol);

#endif

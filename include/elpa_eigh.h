/* elpa_eigh: all eigenpairs of a d x d symmetric matrix stored block-cyclic (block nb) over a
 * BLACS grid, by ELPA's 1-stage solver -- the group engine's default eigensolver when the
 * build found ELPA (PS_HAVE_ELPA), pdsyevd otherwise. ELPA reads BOTH triangles (one triangle
 * gives wrong vectors and no error), destroys a, writes vectors to a separate q (same
 * distribution) and the ascending eigenvalues, replicated, to ev. Collective over the grid's
 * communicator; handles are made once per engine, the solve allocates nothing of ours. */
#ifndef PS_ELPA_EIGH_H
#define PS_ELPA_EIGH_H

#include <mpi.h>

typedef struct ps_elpa ps_elpa;

/* 1 when this build has ELPA. */
int ps_elpa_available(void);
/* NULL (and nothing done) without ELPA; dies with one line when ELPA refuses the set-up. */
ps_elpa *ps_elpa_create(MPI_Comm comm, int ctxt, int d, int nb, int mloc, int nloc, int myrow,
                        int mycol);
void ps_elpa_eigh(ps_elpa *e, double *a, double *ev, double *q);
void ps_elpa_free(ps_elpa *e);

#endif

/* dense_dist (private to src/engine): the ScaLAPACK backend's state and the ScaLAPACK
 * prototypes, for the backend itself and its eigensolvers (eig_pdsyevd.c, eig_elpa.c).
 * Debian's libscalapack-openmpi ships no C header: BLACS' C interface and the Fortran symbols
 * with their hidden character lengths (PBLAS routines are C and have none). */
#ifndef PS_DENSE_DIST_PRIV_H
#define PS_DENSE_DIST_PRIV_H

#include <mpi.h>
#include <stddef.h>

#include "dense.h"

int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ctxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctxt);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc,
            const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdtran_(const int *m, const int *n, const double *alpha, const double *a, const int *ia,
             const int *ja, const int *desca, const double *beta, double *c, const int *ic,
             const int *jc, const int *descc);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *w, double *z, const int *iz,
              const int *jz, const int *descz, double *work, const int *lwork, int *iwork,
              const int *liwork, int *info, size_t, size_t);

/* ScaLAPACK reports through an info argument: < 0 a bad argument, > 0 no convergence. */
#define PS_SCALAPACK(call, info)                                                          \
    do { (info) = 0; call;                                                               \
         if ((info) != 0) ps_fail(PS_EXIT_FAIL, #call, "ScaLAPACK info = %d", (info)); } while (0)

typedef struct ps_dist_state {
    MPI_Comm comm; /* a duplicate of the group */
    int P, nb, sys, ctxt, prow, pcol, myrow, mycol;
    double *sums;           /* P x 8 gathered partial sums */
    ps_mat S;               /* tracing only: the copy pdgesvd destroys */
    double *sv_work;
    int sv_lwork;
} ps_dist_state;

/* Global (0-based) index of local index l: blocks of nb dealt round-robin from process 0. */
static inline int ps_dist_global_index(int l, int nb, int me, int nprocs)
{
    return ((l / nb) * nprocs + me) * nb + l % nb;
}

#endif

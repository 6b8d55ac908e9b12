/* dynamics: the two update rules on local (one-rank) column-major arrays, and the local
 * engine built on them. Both steps allocate nothing: their workspace comes in a ps_sc_work
 * made once per run. */
#ifndef PS_DYNAMICS_H
#define PS_DYNAMICS_H

#include <lapacke.h>
#include "engine.h"

/* GD in coordinates (U1, U2 of m x d; explicit mode is m = w, U1 = W1, U2 = W2^T):
 * U1 <- U1 - eta U2 R, then U2 <- U2 - eta U1 R^T with the updated U1; R = A - Y (d x d). */
void ps_gd_step_reduced(int m, int d, double *U1, double *U2, const double *R, double eta);

/* The symmetric eigensolver of the theory step. Divide and conquer (dsyevd) is the default:
 * faster than MRRR (dsyevr) at every d measured and orthogonal to ~1e-15 instead of ~1e-13
 * (`make bench` prints both); dsyevr stays selectable for that comparison. */
enum ps_eig_solver { PS_EIG_DSYEVD = 0, PS_EIG_DSYEVR = 1 };

/* Workspace of the theory step for one d, queried once from the solver and allocated here:
 * ps_sc_step itself allocates nothing. */
typedef struct ps_sc_work {
    int d;
    enum ps_eig_solver solver;
    double *Q, *H, *K, *T1, *T2, *ev, *work;
    lapack_int *iwork, *isuppz, lwork, liwork;
} ps_sc_work;
void ps_sc_work_alloc(ps_sc_work *w, int d); /* the default solver (dsyevd) */
void ps_sc_work_alloc_solver(ps_sc_work *w, int d, enum ps_eig_solver solver);
/* All eigenpairs of the symmetric H (upper triangle, destroyed): values ascending into w->ev,
 * orthonormal vectors into w->Q (d x d), with w's solver and workspace. */
void ps_sc_eigh(ps_sc_work *w, double *H);
void ps_sc_work_free(ps_sc_work *w);

/* B <- B - eta ((B B^T + c^2 I)^{1/2} G + G (B^T B + c^2 I)^{1/2}), G = B - Y given.
 * One eigendecomposition B^T B = Q S^2 Q^T serves both roots (see dynamics.c). */
void ps_sc_step(int d, double *B, const double *G, double eta, double c, ps_sc_work *w);

#endif

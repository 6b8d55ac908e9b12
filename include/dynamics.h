/* dynamics: the two update rules on local (one-rank) column-major arrays, and the local
 * engine built on them. Both steps allocate nothing: their workspace comes in a ps_sc_work
 * made once per run. */
#ifndef PS_DYNAMICS_H
#define PS_DYNAMICS_H

#include <lapacke.h>
#include "engine.h"

/* GD in coordinates (U1, U2 of m x d; explicit mode is m = w, U1 = W1, U2 = W2^T):
 * U1 <- U1 - eta U2 R, then U2 <- U2 - eta U1 R^T with the updated U1; R = A - Y (d x d). */
void gd_step_reduced(int m, int d, double *U1, double *U2, const double *R, double eta);

/* Workspace of the theory step for one d. */
typedef struct ps_sc_work {
    int d;
    double *Q, *H, *K, *T1, *T2, *ev, *work;
    lapack_int *iwork, *isuppz, lwork, liwork;
} ps_sc_work;
void ps_sc_work_alloc(ps_sc_work *w, int d);
void ps_sc_work_free(ps_sc_work *w);

/* B <- B - eta ((B B^T + c^2 I)^{1/2} G + G (B^T B + c^2 I)^{1/2}), G = B - Y given.
 * One eigendecomposition B^T B = Q S^2 Q^T serves both roots (see dynamics.c). */
void sc_step(int d, double *B, const double *G, double eta, double c, ps_sc_work *w);

#endif

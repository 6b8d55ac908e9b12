/* dynamics: the two update rules on local (one-rank) column-major arrays, and the local
 * engine -- thin wrappers of the steps written once over the dense seam (steps.h) on the
 * local backend (dense.h). Both steps allocate nothing: their workspace comes in a ps_sc_work
 * made once per run. */
#ifndef PS_DYNAMICS_H
#define PS_DYNAMICS_H

#include "engine.h"
#include "steps.h"

/* GD in coordinates (U1, U2 of m x d; explicit mode is m = w, U1 = W1, U2 = W2^T):
 * U1 <- U1 - eta U2 R, then U2 <- U2 - eta U1 R^T with the updated U1; R = A - Y (d x d). */
void ps_gd_step_reduced(int m, int d, double *U1, double *U2, const double *R, double eta);

/* The theory step's workspace for one d on the local backend, with the eigensolver of that
 * registry name (eigensolver.h; NULL or "auto": dsyevd). Not to be copied (it points into
 * itself). */
void ps_sc_work_alloc(ps_sc_work *w, int d); /* the default solver (dsyevd) */
void ps_sc_work_alloc_solver(ps_sc_work *w, int d, const char *solver);
/* All eigenpairs of the symmetric d x d H (upper triangle, destroyed): values ascending into
 * w->ev, orthonormal vectors into w->Q.a, with w's solver and workspace. */
void ps_sc_eigh(ps_sc_work *w, double *H);
void ps_sc_work_free(ps_sc_work *w);

/* B <- B - eta ((B B^T + c^2 I)^{1/2} G + G (B^T B + c^2 I)^{1/2}), G = B - Y given
 * (ps_theory_step on d x d arrays). */
void ps_sc_step(int d, double *B, const double *G, double eta, double c, ps_sc_work *w);

#endif

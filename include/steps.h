/* steps: the dynamics written once over the dense seam (dense.h) -- the measure, the GD step,
 * the theory step, B(0), the best A and its stable rank -- and the engine (engine.h) that
 * any backend becomes with them: ps_engine_local is ps_engine_dense(ps_dense_local(), ...),
 * the group engine ps_engine_dense(ps_dense_dist(...), ...). */
#ifndef PS_STEPS_H
#define PS_STEPS_H

#include "dense.h"
#include "eigensolver.h"
#include "engine.h"

/* GD in coordinates (U1, U2 of m x d): U1 <- U1 - eta U2 R, then U2 <- U2 - eta U1 R^T with
 * the updated U1; R = A - Y (d x d). */
void ps_gd_step(ps_dense *b, int m, int d, ps_mat *U1, ps_mat *U2, const ps_mat *R, double eta);
/* The simultaneous update: U1 <- U1 - eta U2 R and U2 <- U2 - eta U1_old R^T, both from the
 * old factors; U1_old (m x d, the caller's, made once per run) receives the old U1. */
void ps_gd_step_simultaneous(ps_dense *b, int m, int d, ps_mat *U1, ps_mat *U2,
                             const ps_mat *R, double eta, ps_mat *U1_old);

/* The theory step's workspace on one backend for one d, made once per run (the solver's
 * workspace queried and allocated here): ps_theory_step allocates nothing. */
typedef struct ps_sc_work {
    int d;
    ps_dense *b;   /* the backend of the matrices */
    ps_dense own;  /* the local backend of the array-level ps_sc_work_alloc (dynamics.h) */
    const ps_eigensolver *solver;
    void *eig;     /* the solver's workspace */
    ps_mat Q, H, K, T1, T2;
    double *ev, *sh, *sg; /* d each, replicated */
} ps_sc_work;
/* solver: a registry name or NULL/"auto" (ps_eigensolver_pick). */
void ps_theory_work_init(ps_sc_work *w, ps_dense *b, int d, const char *solver);
void ps_theory_work_free(ps_sc_work *w);
/* All eigenpairs of the symmetric H (upper triangle, destroyed): values ascending into w->ev,
 * orthonormal vectors into w->Q, by w's solver. */
void ps_theory_eigh(ps_sc_work *w, ps_mat *H);
/* B <- B - eta ((B B^T + c^2 I)^{1/2} G + G (B^T B + c^2 I)^{1/2}), G = B - Y given. */
void ps_theory_step(ps_sc_work *w, ps_mat *B, const ps_mat *G, double eta, double c);
/* The two-constant step (--gr): B <- B - eta ((B B^T + c2^2 I)^{1/2} G + G (B^T B + c1^2
 * I)^{1/2}), c1 = w sigma1^2 (W1's side), c2 = w sigma2^2 (W2's); at c1 == c2 it is
 * ps_theory_step bit for bit (ps_theory_step is this with c1 = c2 = c). */
void ps_theory_step2(ps_sc_work *w, ps_mat *B, const ps_mat *G, double eta, double c1,
                     double c2);

/* The engine over backend b (taken over: destroyed with the engine). t: the full teacher
 * (a local backend keeps pointers: t must outlive the engine; others copy their blocks); x0's
 * arrays are taken over (x0->U1 = x0->U2 = NULL on return). eigensolver: as above. */
ps_engine ps_engine_dense(ps_dense b, const ps_teacher *t, ps_coords *x0, int theory, int trace,
                          const char *eigensolver);

#endif

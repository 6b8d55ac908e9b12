/* engine: the protocol's seam. One iteration of the protocol is written once (run.c) against
 * these operations; they are written once too (steps.c) over the dense backends of dense.h,
 * which make the local engine (dynamics.c, OpenBLAS/LAPACK on one rank) and the ScaLAPACK
 * group engine (dist.c). An engine owns A = U2^T U1 (GD), B (theory), the
 * residuals and a copy of the best A; its step functions allocate nothing. */
#ifndef PS_ENGINE_H
#define PS_ENGINE_H

#include "init.h"

/* What is recorded at one iteration (errors are ||.||_F^2 / d^2). */
typedef struct ps_record {
    double train, test;       /* of A = W2 W1 */
    double th_train, th_test; /* of B, when the theory runs */
    double distance;          /* ||A - B||_F^2 / d^2 */
} ps_record;

typedef struct ps_engine ps_engine;
typedef struct ps_engine_ops {
    const char *name;
    /* Forms A (and B's residual), fills rec; must precede the steps of the same iteration. */
    void (*measure)(ps_engine *e, ps_record *rec);
    /* U1 <- U1 - eta U2 R, then U2 <- U2 - eta U1 R^T (the updated U1; simultaneous: the
     * old), R = A - Y from measure. */
    void (*gd_step)(ps_engine *e, double eta);
    /* B <- B - eta ((B B^T + c2^2 I)^{1/2} G + G (B^T B + c1^2 I)^{1/2}), G = B - Y
     * (c1 = c2 = c without layer imbalance). */
    void (*sc_step)(ps_engine *e, double eta, double c1, double c2);
    void (*keep_best)(ps_engine *e);          /* remember the current A */
    double (*best_stable_rank)(ps_engine *e); /* ||A_best||_F^2 / ||A_best||_op^2 */
    /* All d singular values of A and of B (descending); for tracing only. */
    void (*singular_values)(ps_engine *e, double *sv_gd, double *sv_th);
    void (*destroy)(ps_engine *e);
    /* The order of the two updates (default sequential); once per run, before the first
     * step: simultaneous makes the one copy of U1 its steps need. NULL: sequential only. */
    void (*set_update)(ps_engine *e, enum ps_update u);
} ps_engine_ops;

struct ps_engine {
    const ps_engine_ops *ops;
    void *state;
};

/* The local engine. Takes ownership of x0's arrays; t must outlive the engine. */
ps_engine ps_engine_local(const ps_teacher *t, ps_coords *x0, int theory, int trace);
/* The same with the theory's eigensolver by registry name (eigensolver.h; NULL or "auto":
 * dsyevd). */
ps_engine ps_engine_local_solver(const ps_teacher *t, ps_coords *x0, int theory, int trace,
                                 const char *eigensolver);

#endif

/* run: one training run at one grid point -- GD and, optionally, the theory dynamics side by
 * side, recorded and stopped by the protocol of docs/PROTOCOL.md -- reduced to its four metrics.
 * The result depends only on the params (and loaded arrays), never on the calling rank. */
#ifndef PS_RUN_H
#define PS_RUN_H

#include <stddef.h>
#include "engine.h"
#include "params.h"

typedef struct ps_result {
    double min_test_error;  /* min_i L_test(A_i) */
    double stable_rank;     /* at the argmin */
    double log_distance;    /* ln max_i ||A_i - B_i||^2 / d^2; NaN without theory */
    double final_train_error;
    double seconds;
    int iterations;         /* argmin (first on ties) */
    int n_iter;             /* GD steps taken */
    enum ps_stop stop;
    int64_t width;
    double sigma2, lr;
} ps_result;

/* Per-iteration series, filled when passed to ps_run; arrays of capacity max_iter
 * (singular values: max_iter x d, row-major; gd_sv == NULL: the series alone, for
 * sweep --curves, and the engine computes no singular values). */
typedef struct ps_trace {
    int n;
    double *gd_train, *gd_test, *th_train, *th_test, *distance;
    double *gd_sv, *th_sv;
} ps_trace;
void ps_trace_alloc(ps_trace *tr, int max_iter, int d);
void ps_trace_alloc_curves(ps_trace *tr, int max_iter); /* the five series, no sv */
void ps_trace_free(ps_trace *tr);

/* Called once per iteration; a nonzero return aborts the run (stop = PS_STOP_ABORTED). */
typedef struct ps_hooks {
    int (*poll)(void *ctx);
    void *ctx;
} ps_hooks;

/* The stopping rules of docs/PROTOCOL.md on the series recorded so far (train[0..i], test[0..i]):
 * returns 1 and sets *why when iteration i ends the run (max_iter aside). */
int ps_should_stop(const ps_params *p, int i, const double *train, const double *test,
                   enum ps_stop *why);

/* Runs the protocol on an engine already set up with A(0) = B(0). */
void ps_run_engine(const ps_params *p, ps_engine *e, double sigma2, int64_t width, double lr,
                   ps_result *res, ps_trace *tr, const ps_hooks *hooks);

/* Where a run's engine comes from: make == NULL is the local engine; otherwise e.g. a
 * ScaLAPACK group's (group.h), built by every rank of the group with the run's params (theory,
 * eigensolver). */
typedef struct ps_engine_maker {
    ps_engine (*make)(void *ctx, const ps_teacher *t, ps_coords *x0, const ps_params *p,
                      int trace);
    void *ctx;
} ps_engine_maker;

/* A run from given initial coordinates (consumed): sigma2 from the params, w from x0, the
 * protocol's learning rate, the maker's engine (NULL: local). */
void ps_run_coords(const ps_params *p, const ps_teacher *t, ps_coords *x0, ps_result *res,
                   ps_trace *tr, const ps_hooks *hooks, const ps_engine_maker *mk);

/* The whole task: teacher given, initial network drawn from the params' key. Returns 0 with
 * *res filled; or, before anything is allocated, PS_EXIT_USAGE with a one-line refusal in msg
 * (len bytes): a width beyond 2^53, an explicit width it cannot index, and with the local
 * engine --max-mem (a group's caller checks it). Never prints or exits. */
int ps_run_task(const ps_params *p, const ps_teacher *t, ps_result *res, ps_trace *tr,
                const ps_hooks *hooks, const ps_engine_maker *mk, char *msg, size_t len);

#endif

/* cost: the one model of what a run costs -- its flops per iteration, its expected number of
 * iterations and the bytes each rank of its group allocates at its peak. Everything that
 * plans by cost reads it: the --max-mem refusal (run.c, group.c), --group-size auto
 * (group.c), the sweep's hand-out order and the --part dealing (tasks.c), the farm's ETA
 * and `estimate`. Pure functions of the description; no allocation, no MPI, no I/O.
 *
 * Flops count the BLAS/LAPACK operations of one iteration as the engines call them (an m x n x k
 * product is 2mnk, a rank-k update of an n x n triangle k n (n + 1), a symmetric
 * eigendecomposition with vectors 14/3 n^3: 4/3 for the tridiagonal reduction, 2 for the
 * back-transformation, 4/3 for divide and conquer without deflation; MRRR 10/3 n^3), plus the
 * elementwise passes (residuals, error sums, the update), per run, not per rank.
 *
 * Bytes are the largest of the run's phases on rank 0 of the group (which holds the largest
 * block-cyclic pieces): drawing the teacher; creating the engine (a group's ranks hold the
 * full coordinates until they have copied their blocks); stepping (coordinates, the d x d
 * matrices, the eigensolver's workspace, the loss series, the trace's records and its SVD
 * workspace when tracing, the five records alone for --curves, PBLAS's panel buffers in a group); the final stable rank. The
 * teacher (A*, Y, in full on every rank) is counted throughout. tests/test_cost.c compares
 * the figure with the bytes a run really allocates. */
#ifndef PS_COST_H
#define PS_COST_H

#include <stdint.h>
#include "params.h"

enum { PS_TRACE_NONE = 0, PS_TRACE_FULL = 1, PS_TRACE_CURVES = 2 };

typedef struct ps_cost_in {
    int d, k;                /* dimension, teacher rank */
    int64_t width;           /* w of the network */
    enum ps_mode mode;       /* reduced: m = min(w, 2d) rows of coordinates; explicit: m = w */
    int theory;              /* the self-consistent dynamics alongside GD */
    int P;                   /* group size: 1 = the local engine, else the ScaLAPACK engine */
    int nb;                  /* a group's block size (<= 0: PS_DIST_NB) */
    const char *eigensolver; /* "dsyevd", "dsyevr" (local), "pdsyevd", "elpa" (group);
                              * NULL: what the engine picks (dsyevd; ELPA when built and the
                              * grid fits, else pdsyevd) */
    int trace;               /* recording every iteration: PS_TRACE_FULL (1, `phasesweep
                              * trace`: records and singular values) or PS_TRACE_CURVES
                              * (`sweep --curves`: the five records only); 0: none */
    int max_iter;            /* the loss series' (and a trace's) length */
    /* expected iterations: lr_scale (1 + (1 - gs - gw)_+ ln d), in [1, max_iter]; max_iter
     * without stopping rules */
    double gs, gw, lr_scale;
    int stop_rules;
    int completion;          /* --problem completion: the d x d mask next to A*, Y */
    int simultaneous;        /* --update simultaneous: one more m x d matrix (the old U1) */
} ps_cost_in;

typedef struct ps_cost {
    int64_t m;               /* rows of the coordinates */
    double flops_gd;         /* one iteration's measure + GD step + stopping bookkeeping */
    double flops_theory;     /* one iteration's theory step (0 without the theory) */
    double flops_trace;      /* one iteration's singular values (0 unless PS_TRACE_FULL) */
    double flops_iter;       /* the sum: one iteration of the whole run (all ranks) */
    double iterations;       /* expected */
    double flops;            /* flops_iter * iterations: the run's expected work */
    double bytes;            /* peak bytes on one rank (rank 0, the largest share) */
    double bytes_full;       /* of which the full teacher and coordinates (P > 1, transient) */
} ps_cost;

/* The model. in->P < 1 counts as 1. */
ps_cost ps_cost_of(const ps_cost_in *in);
/* The description of the run of these params (its width from p->gw) on a group of P. */
ps_cost_in ps_cost_in_params(const ps_params *p, int P, int trace);
/* ps_cost_of(ps_cost_in_params(p, P, trace)). */
ps_cost ps_cost_params(const ps_params *p, int P, int trace);


#endif

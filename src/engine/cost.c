/* cost: the one cost and memory model of a run (flops, iterations, bytes per rank). */
#include "cost.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "dist.h"
#include "eigensolver.h"
#include "elpa_eigh.h"

#define PANEL 256.0 /* PBLAS's panel width: dist.c's pilaenv_ */

/* ScaLAPACK's NUMROC with the source process 0: the rows (columns) of an n-order dimension
 * in blocks of nb that process iproc of nprocs holds. */
static double numroc(int n, int nb, int iproc, int nprocs)
{
    int blocks = n / nb, extra = blocks % nprocs;
    int mine = blocks / nprocs * nb;
    if (iproc < extra) mine += nb;
    else if (iproc == extra) mine += n % nb;
    return mine;
}

/* The registry's figure for the solver a run of this kind uses; a name that cannot serve it
 * (a group's solver on one rank: refused before any run) counts as the kind's auto. */
static double eigensolver_bytes(const char *name, int d, int P, int nb)
{
    double b = ps_eigensolver_bytes(name, d, P, nb);
    return b >= 0 ? b : ps_eigensolver_bytes(NULL, d, P, nb);
}

static const char *default_solver(int d, int P, int nb)
{
    if (P <= 1) return "dsyevd";
    int prow, pcol, blocks = (d + nb - 1) / nb;
    ps_dist_grid_shape(P, &prow, &pcol);
    /* dist.c's elpa_fits: ELPA only when every rank owns a block row and column */
    return ps_elpa_available() && blocks >= prow && blocks >= pcol ? "elpa" : "pdsyevd";
}

/* Workspace bytes of the trace's singular values (dgesdd / pdgesvd without vectors). */
static double svd_bytes(int d, int P, int nb)
{
    double dd = d;
    if (P <= 1) {
        double wq = 0, dummy = 0, s = 0;
        lapack_int iw[8];
        PS_LAPACK(LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', d, d, &dummy, d, &s, NULL, 1, NULL,
                                      1, &wq, -1, iw));
        return 8.0 * wq + sizeof(lapack_int) * 8.0 * dd;
    }
    int prow, pcol;
    ps_dist_grid_shape(P, &prow, &pcol);
    double np = numroc(d, nb, 0, prow), nq = numroc(d, nb, 0, pcol);
    /* pdgesvd's LWORK without vectors: 2 + 6 n + its reduction to bidiagonal form */
    return 8.0 * (2 + 6 * dd + nb * (np + nq + 1) + nq + 2 * dd);
}

static double expected_iterations(const ps_cost_in *in)
{
    if (!in->stop_rules) return in->max_iter;
    /* Lazy side: ~c steps at eta = 1/(c w sigma2). Active side: the small initial network
     * (scale d^(gs+gw)) first has to grow, ~c ln d per unit of 1 - gs - gw. */
    double it = in->lr_scale * (1.0 + fmax(0.0, 1.0 - in->gs - in->gw) * log((double)in->d));
    return fmin(fmax(it, 1.0), (double)in->max_iter);
}

static void flops(const ps_cost_in *in, ps_cost *c)
{
    double d = in->d, m = (double)c->m, d2 = d * d, d3 = d2 * d;
    /* measure: A = U2^T U1 (2 m d^2), R = A - Y, ||R||^2, ||A - A*||^2 (6 d^2); GD: two
     * m x d x d products (4 m d^2); stopping rules and best-so-far bookkeeping: O(1) */
    c->flops_gd = 6.0 * m * d2 + 6.0 * d2 + (in->completion ? 2.0 * d2 : 0.0); /* the mask */
    if (in->theory) {
        /* measure: G = B - Y, ||G||^2, ||B - A*||^2, ||A - B||^2 (9 d^2); step: B^T B (syrk,
         * d^3), the eigendecomposition, the scaled columns (2 d^2), two syrks (2 d^3), two
         * products (4 d^3), two symms (4 d^3), the update (4 d^2) */
        const char *s = in->eigensolver;
        double eig = s && (!strcmp(s, "dsyevr")) ? 10.0 / 3.0 * d3 : 14.0 / 3.0 * d3;
        c->flops_theory = 9.0 * d2 + d3 + eig + 2.0 * d2 + 10.0 * d3 + 4.0 * d2 +
                          (in->completion ? 2.0 * d2 : 0.0);
    }
    /* trace: the singular values of A (and B): 8/3 d^3 each for the bidiagonalisation */
    if (in->trace == PS_TRACE_FULL) c->flops_trace = (in->theory ? 2.0 : 1.0) * (8.0 / 3.0 * d3 + d2);
    c->flops_iter = c->flops_gd + c->flops_theory + c->flops_trace;
}

static double local_bytes(const ps_cost_in *in, const ps_cost *c, double teacher)
{
    double d = in->d, m = (double)c->m, d2 = d * d, k = in->k < in->d ? in->k : in->d;
    double li = sizeof(lapack_int);
    /* ps_op_norm: A^T A, two d-vectors, isuppz */
    double op_norm = 8.0 * (d2 + 2 * d) + li * 2 * d;
    /* drawing the teacher: U, V, A, E next to A*, Y, then ||A*||_op */
    double gen = 8.0 * (2 * d * k + 2 * d2) + teacher + op_norm;
    double n_u = in->simultaneous ? 3 : 2; /* U1, U2 (and the old U1) */
    double run = teacher + 8.0 * (n_u * m * d + 3 * d2 + 2.0 * in->max_iter);
    if (in->theory) /* B, G; Q, H, K, T1, T2, the eigenvalues */
        run += 8.0 * (7 * d2 + d) + eigensolver_bytes(in->eigensolver, in->d, 1, 0);
    if (in->trace == PS_TRACE_FULL) /* the SVD's copy and workspace; the records */
        run += 8.0 * d2 + svd_bytes(in->d, 1, 0) + 8.0 * in->max_iter * (5.0 + 2 * d);
    else if (in->trace == PS_TRACE_CURVES) /* the five records */
        run += 8.0 * in->max_iter * 5.0;
    return fmax(gen, run + op_norm); /* the stable rank of A_best ends the run */
}

static double group_bytes(const ps_cost_in *in, ps_cost *c, double teacher)
{
    int nb = in->nb > 0 ? in->nb : PS_DIST_NB, prow, pcol;
    ps_dist_grid_shape(in->P, &prow, &pcol);
    double d = in->d, m = (double)c->m, k = in->k < in->d ? in->k : in->d;
    double dd_loc = numroc(in->d, nb, 0, prow) * numroc(in->d, nb, 0, pcol);
    double u_loc = numroc((int)c->m, nb, 0, prow) * numroc(in->d, nb, 0, pcol);
    double li = sizeof(lapack_int);
    double op_norm = 8.0 * (d * d + 2 * d) + li * 2 * d;
    double gen = 8.0 * (2 * d * k + 2 * d * d) + teacher + op_norm;
    double full = 8.0 * 2 * m * d; /* every rank's drawn coordinates */
    c->bytes_full = teacher + full;
    double blocks = 8.0 * ((in->simultaneous ? 3 : 2) * u_loc + (in->completion ? 6 : 5) * dd_loc +
                           d + 5.0 * in->P + 2.0 * in->max_iter);
    double create = teacher + full + 8.0 * 2 * u_loc;
    double run = teacher + blocks;
    /* transients on top of the steady state, one at a time: PBLAS's PANEL-wide strips of a
     * product's operands (pdgemm: both sides of the grid; pdsyrk/pdsymm: 2 PANEL d) */
    double np = numroc(in->d, nb, 0, prow), nq = numroc(in->d, nb, 0, pcol);
    double transient = 8.0 * 2 * PANEL * fmax(np + nq, d);
    if (in->theory) {
        const char *s = in->eigensolver ? in->eigensolver : default_solver(in->d, in->P, nb);
        double eig = eigensolver_bytes(s, in->d, in->P, nb);
        run += 8.0 * 7 * dd_loc;
        if (!strcmp(s, "elpa")) transient = fmax(transient, eig); /* per call */
        else run += eig;                                             /* the engine's */
    }
    if (in->trace == PS_TRACE_FULL)
        run += 8.0 * dd_loc + svd_bytes(in->d, in->P, nb) + 8.0 * in->max_iter * (5.0 + 2 * d);
    else if (in->trace == PS_TRACE_CURVES)
        run += 8.0 * in->max_iter * 5.0;
    /* the final stable rank: A^T A's blocks, then pdsyrk's strips or pdsyevr's workspace,
     * which gathers the matrix on a floor(sqrt P)^2 subgrid (measured: 2 d^2 / q^2) */
    double q = floor(sqrt((double)in->P));
    double end = 8.0 * dd_loc + fmax(8.0 * 2 * PANEL * d, 8.0 * (2 * d * d / (q * q) + 10 * d));
    return fmax(gen, fmax(create, run + fmax(transient, end)));
}

ps_cost ps_cost_of(const ps_cost_in *in_)
{
    ps_cost_in in = *in_;
    if (in.P < 1) in.P = 1;
    ps_cost c = {0};
    int64_t w = in.width < 1 ? 1 : in.width;
    c.m = in.mode == PS_MODE_EXPLICIT ? w : ps_reduced_rank(in.d, w);
    flops(&in, &c);
    c.iterations = expected_iterations(&in);
    c.flops = c.flops_iter * c.iterations;
    /* A*, Y (and the completion mask), in full on every rank */
    double teacher = 8.0 * (in.completion ? 3 : 2) * (double)in.d * in.d;
    c.bytes = in.P == 1 ? local_bytes(&in, &c, teacher) : group_bytes(&in, &c, teacher);
    return c;
}

ps_cost_in ps_cost_in_params(const ps_params *p, int P, int trace)
{
    return (ps_cost_in){.d = p->d, .k = p->k, .width = ps_width(p->d, p->gw), .mode = p->mode,
                        .theory = p->theory, .P = P, .trace = trace, .max_iter = p->max_iter,
                        .gs = p->gs, .gw = p->gw, .lr_scale = p->lr_scale,
                        .stop_rules = p->stop_rules,
                        .completion = p->problem == PS_PROBLEM_COMPLETION,
                        .simultaneous = p->update == PS_UPDATE_SIMULTANEOUS};
}

ps_cost ps_cost_params(const ps_params *p, int P, int trace)
{
    ps_cost_in in = ps_cost_in_params(p, P, trace);
    return ps_cost_of(&in);
}

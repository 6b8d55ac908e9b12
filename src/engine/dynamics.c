/* dynamics: the GD step in reduced coordinates, the self-consistent (theory) step, and the
 * local engine that records and steps both on one rank. */
#include "dynamics.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"

void ps_gd_step_reduced(int m, int d, double *U1, double *U2, const double *R, double eta)
{
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, d, d, -eta, U2, m, R, d, 1.0,
                U1, m);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m, d, d, -eta, U1, m, R, d, 1.0, U2, m);
}

static double *dmat(int d, const char *what)
{
    return ps_malloc(sizeof(double) * (size_t)d * d, what);
}

void ps_sc_work_alloc_solver(ps_sc_work *w, int d, enum ps_eig_solver solver)
{
    w->d = d;
    w->solver = solver;
    w->Q = dmat(d, "theory Q");
    w->H = dmat(d, "theory H");
    w->K = dmat(d, "theory K");
    w->T1 = dmat(d, "theory T1");
    w->T2 = dmat(d, "theory T2");
    w->ev = ps_malloc(sizeof(double) * (size_t)d, "theory eigenvalues");
    w->isuppz = NULL;
    double wq;
    lapack_int iq, found;
    if (solver == PS_EIG_DSYEVR) {
        w->isuppz = ps_malloc(sizeof(lapack_int) * 2 * (size_t)d, "dsyevr isuppz");
        PS_LAPACK(LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'A', 'U', d, w->H, d, 0.0, 0.0, 0,
                                      0, 0.0, &found, w->ev, w->Q, d, w->isuppz, &wq, -1, &iq,
                                      -1));
    } else {
        PS_LAPACK(LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', d, w->Q, d, w->ev, &wq, -1,
                                      &iq, -1));
    }
    w->lwork = (lapack_int)wq;
    w->liwork = iq;
    w->work = ps_malloc(sizeof(double) * (size_t)w->lwork, "eigensolver work");
    w->iwork = ps_malloc(sizeof(lapack_int) * (size_t)w->liwork, "eigensolver iwork");
}

void ps_sc_work_alloc(ps_sc_work *w, int d) { ps_sc_work_alloc_solver(w, d, PS_EIG_DSYEVD); }

/* dsyevd overwrites its input with the vectors: H is copied into Q first (d^2 copies, noise
 * next to the d^3 solve), so both solvers leave H as scratch and the vectors in Q. */
void ps_sc_eigh(ps_sc_work *w, double *H)
{
    int d = w->d;
    if (w->solver == PS_EIG_DSYEVR) {
        lapack_int found;
        PS_LAPACK(LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'A', 'U', d, H, d, 0.0, 0.0, 0, 0,
                                      0.0, &found, w->ev, w->Q, d, w->isuppz, w->work, w->lwork,
                                      w->iwork, w->liwork));
        return;
    }
    if (H != w->Q) memcpy(w->Q, H, sizeof(double) * (size_t)d * d);
    PS_LAPACK(LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', d, w->Q, d, w->ev, w->work,
                                  w->lwork, w->iwork, w->liwork));
}

void ps_sc_work_free(ps_sc_work *w)
{
    free(w->Q); free(w->H); free(w->K); free(w->T1); free(w->T2);
    free(w->ev); free(w->work); free(w->iwork); free(w->isuppz);
}

/* With B^T B = Q S^2 Q^T and B = P S Q^T, write sqrt(s^2 + c^2) = c + g(s) where
 * g = s^2 h, h = 1 / (sqrt(s^2 + c^2) + c). Then
 *   (B^T B + c^2)^{1/2} = c I + Q g Q^T = c I + K,
 *   (B B^T + c^2)^{1/2} = c I + P g P^T = c I + B (Q h Q^T) B^T = c I + B H B^T,
 * so one symmetric eigendecomposition replaces the SVD, zero singular values need no care,
 * and the large-c (lazy) case loses nothing to cancellation: the update is
 *   eta (2 c G + B H B^T G + G K). */
void ps_sc_step(int d, double *B, const double *G, double eta, double c, ps_sc_work *w)
{
    size_t n = (size_t)d * d;
    /* B^T B straight into Q: dsyevd then works in place, no copy */
    double *gram = w->solver == PS_EIG_DSYEVD ? w->Q : w->H;
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, d, d, 1.0, B, d, 0.0, gram, d);
    ps_sc_eigh(w, gram);
    for (int j = 0; j < d; j++) {
        double s2 = w->ev[j] > 0.0 ? w->ev[j] : 0.0; /* rounding can make S^2 slightly < 0 */
        double h = 1.0 / (hypot(sqrt(s2), c) + c);
        double sh = sqrt(h), sg = sqrt(s2 * h);
        const double *q = w->Q + (size_t)j * d;
        double *qh = w->T1 + (size_t)j * d, *qg = w->T2 + (size_t)j * d;
        for (int i = 0; i < d; i++) {
            qh[i] = sh * q[i];
            qg[i] = sg * q[i];
        }
    }
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, d, 1.0, w->T1, d, 0.0, w->H, d);
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, d, 1.0, w->T2, d, 0.0, w->K, d);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, d, 1.0, B, d, G, d, 0.0, w->T1, d);
    cblas_dsymm(CblasColMajor, CblasLeft, CblasUpper, d, d, 1.0, w->H, d, w->T1, d, 0.0, w->T2, d);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, B, d, w->T2, d, 0.0,
                w->T1, d);
    cblas_dsymm(CblasColMajor, CblasRight, CblasUpper, d, d, 1.0, w->K, d, G, d, 1.0, w->T1, d);
    for (size_t i = 0; i < n; i++) B[i] -= eta * (2.0 * c * G[i] + w->T1[i]);
}

/* ---- the local engine ---- */

typedef struct local_engine {
    int d, m, theory;
    const double *Astar, *Y;
    ps_coords x;
    double *A, *R, *B, *G, *A_best;
    ps_sc_work sc;
    double *sv_copy, *sv_work; /* tracing only */
    lapack_int *sv_iwork, sv_lwork;
} local_engine;

static void local_measure(ps_engine *e, ps_record *rec)
{
    local_engine *s = e->state;
    int d = s->d;
    size_t n = (size_t)d * d;
    double dd = (double)d * d;
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, s->m, 1.0, s->x.U2, s->m,
                s->x.U1, s->m, 0.0, s->A, d);
    for (size_t i = 0; i < n; i++) s->R[i] = s->A[i] - s->Y[i];
    rec->train = ps_frob2(s->R, n) / dd;
    rec->test = ps_frob2_diff(s->A, s->Astar, n) / dd;
    rec->th_train = rec->th_test = rec->distance = NAN;
    if (!s->theory) return;
    for (size_t i = 0; i < n; i++) s->G[i] = s->B[i] - s->Y[i];
    rec->th_train = ps_frob2(s->G, n) / dd;
    rec->th_test = ps_frob2_diff(s->B, s->Astar, n) / dd;
    rec->distance = ps_frob2_diff(s->A, s->B, n) / dd;
}

static void local_gd_step(ps_engine *e, double eta)
{
    local_engine *s = e->state;
    ps_gd_step_reduced(s->m, s->d, s->x.U1, s->x.U2, s->R, eta);
}

static void local_sc_step(ps_engine *e, double eta, double c)
{
    local_engine *s = e->state;
    ps_sc_step(s->d, s->B, s->G, eta, c, &s->sc);
}

static void local_keep_best(ps_engine *e)
{
    local_engine *s = e->state;
    memcpy(s->A_best, s->A, sizeof(double) * (size_t)s->d * s->d);
}

static double local_best_stable_rank(ps_engine *e)
{
    local_engine *s = e->state;
    return ps_stable_rank(s->A_best, s->d);
}

static void singular_values_of(local_engine *s, const double *M, double *sv)
{
    int d = s->d;
    memcpy(s->sv_copy, M, sizeof(double) * (size_t)d * d);
    PS_LAPACK(LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', d, d, s->sv_copy, d, sv, NULL, 1, NULL,
                                  1, s->sv_work, s->sv_lwork, s->sv_iwork));
}

static void local_singular_values(ps_engine *e, double *sv_gd, double *sv_th)
{
    local_engine *s = e->state;
    singular_values_of(s, s->A, sv_gd);
    if (s->theory) singular_values_of(s, s->B, sv_th);
}

static void local_destroy(ps_engine *e)
{
    local_engine *s = e->state;
    ps_coords_free(&s->x);
    free(s->A); free(s->R); free(s->B); free(s->G); free(s->A_best);
    if (s->theory) ps_sc_work_free(&s->sc);
    free(s->sv_copy); free(s->sv_work); free(s->sv_iwork);
    free(s);
    e->state = NULL;
}

static const ps_engine_ops local_ops = {
    .name = "local",
    .measure = local_measure,
    .gd_step = local_gd_step,
    .sc_step = local_sc_step,
    .keep_best = local_keep_best,
    .best_stable_rank = local_best_stable_rank,
    .singular_values = local_singular_values,
    .destroy = local_destroy,
};

ps_engine ps_engine_local(const ps_teacher *t, ps_coords *x0, int theory, int trace)
{
    int d = t->d;
    local_engine *s = ps_calloc(1, sizeof *s, "local engine");
    s->d = d;
    s->m = x0->m;
    s->theory = theory;
    s->Astar = t->Astar;
    s->Y = t->Y;
    s->x = *x0;
    x0->U1 = x0->U2 = NULL;
    s->A = dmat(d, "A");
    s->R = dmat(d, "R");
    s->A_best = dmat(d, "A_best");
    if (theory) {
        s->B = dmat(d, "B");
        s->G = dmat(d, "G");
        /* B(0) = A(0) */
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, s->m, 1.0, s->x.U2, s->m,
                    s->x.U1, s->m, 0.0, s->B, d);
        ps_sc_work_alloc(&s->sc, d);
    }
    if (trace) {
        double wq;
        s->sv_copy = dmat(d, "SVD copy");
        s->sv_iwork = ps_malloc(sizeof(lapack_int) * 8 * (size_t)d, "dgesdd iwork");
        PS_LAPACK(LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', d, d, s->sv_copy, d, NULL, NULL, 1,
                                      NULL, 1, &wq, -1, s->sv_iwork));
        s->sv_lwork = (lapack_int)wq;
        s->sv_work = ps_malloc(sizeof(double) * (size_t)s->sv_lwork, "dgesdd work");
    }
    return (ps_engine){.ops = &local_ops, .state = s};
}

/* init: teacher and initial coordinates. */
#include "init.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"
#include "rng.h"

static double *alloc_matrix(int64_t rows, int64_t cols, const char *what)
{
    return ps_malloc(sizeof(double) * (size_t)rows * (size_t)cols, what);
}

void ps_teacher_from(ps_teacher *t, int d, int k, const double *Astar, const double *E)
{
    size_t n = (size_t)d * d;
    t->d = d;
    t->k = k;
    t->Astar = alloc_matrix(d, d, "A*");
    t->Y = alloc_matrix(d, d, "Y");
    memcpy(t->Astar, Astar, sizeof(double) * n);
    for (size_t i = 0; i < n; i++) t->Y[i] = Astar[i] + E[i];
    t->astar_op = ps_op_norm(t->Astar, d);
    t->mask = NULL;
    t->observed = 1.0;
}

void ps_teacher_set_mask(ps_teacher *t, const double *mask, double observed)
{
    size_t n = (size_t)t->d * t->d;
    free(t->mask);
    t->mask = alloc_matrix(t->d, t->d, "completion mask");
    memcpy(t->mask, mask, sizeof(double) * n);
    t->observed = observed;
}

void ps_teacher_draw_mask(ps_teacher *t, const ps_params *p)
{
    size_t n = (size_t)t->d * t->d;
    ps_rng r;
    free(t->mask);
    t->mask = alloc_matrix(t->d, t->d, "completion mask");
    ps_rng_init(&r, p->seed, p->replica, 0.0, 0.0, PS_RNG_MASK);
    for (size_t i = 0; i < n; i++) t->mask[i] = ps_rng_uniform(&r) < p->observed ? 1.0 : 0.0;
    t->observed = p->observed;
}

void ps_teacher_generate(ps_teacher *t, const ps_params *p)
{
    int d = p->d, k = p->k;
    double *U = alloc_matrix(d, k, "teacher U"), *V = alloc_matrix(d, k, "teacher V");
    double *A = alloc_matrix(d, d, "A*"), *E = alloc_matrix(d, d, "noise E");
    ps_rng r;
    double std = pow((double)k, -0.25); /* variance 1/sqrt(k) */
    ps_rng_init(&r, p->seed, p->replica, 0.0, 0.0, PS_RNG_TEACHER_U);
    ps_rng_fill_normal(&r, U, (int64_t)d * k, std);
    ps_rng_init(&r, p->seed, p->replica, 0.0, 0.0, PS_RNG_TEACHER_V);
    ps_rng_fill_normal(&r, V, (int64_t)d * k, std);
    ps_rng_init(&r, p->seed, p->replica, 0.0, 0.0, PS_RNG_NOISE);
    ps_rng_fill_normal(&r, E, (int64_t)d * d, p->noise);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, d, d, k, 1.0, U, d, V, d, 0.0, A, d);
    ps_teacher_from(t, d, k, A, E);
    if (p->problem == PS_PROBLEM_COMPLETION) ps_teacher_draw_mask(t, p);
    free(U);
    free(V);
    free(A);
    free(E);
}

void ps_teacher_free(ps_teacher *t)
{
    free(t->Astar);
    free(t->Y);
    free(t->mask);
    t->Astar = t->Y = t->mask = NULL;
}

/* One buffer holds U1 then U2, so the pair is [U1 | U2] = the m x 2d factor itself. */
static void coords_alloc(ps_coords *x, int d, int m, int64_t width)
{
    x->d = d;
    x->m = m;
    x->width = width;
    x->U1 = alloc_matrix((int64_t)m * 2, d, "initial coordinates");
    x->U2 = x->U1 + (size_t)m * d;
}

void ps_bartlett(double *Rm, int n, int64_t w, double sigma2, uint64_t seed, int replica,
                 double gs, double gw)
{
    ps_bartlett_scaled(Rm, n, w, sigma2, sigma2, seed, replica, gs, gw);
}

/* R_Z D for the factor R_Z of a standard Gaussian Z and D = diag(sigma1 I, sigma2 I): Z D is
 * the Gaussian with column-scaled variances, and its thin-QR factor is R_Z D. Column j of R_Z
 * times its sigma: the same draws in the same order as the balanced factor. */
void ps_bartlett_scaled(double *Rm, int n, int64_t w, double var1, double var2, uint64_t seed,
                        int replica, double gs, double gw)
{
    ps_rng r;
    const double sd1 = sqrt(var1), sd2 = sqrt(var2);
    ps_rng_init(&r, seed, replica, gs, gw, PS_RNG_INIT_BARTLETT);
    memset(Rm, 0, sizeof(double) * (size_t)n * n);
    for (int j = 0; j < n; j++) {
        const double sigma = j < n / 2 ? sd1 : sd2;
        for (int i = 0; i < j; i++) Rm[i + (size_t)j * n] = sigma * ps_rng_normal(&r);
        /* row j (0-based) of the factor of a w-row Gaussian: chi with w - j dof */
        Rm[j + (size_t)j * n] = sigma * sqrt(ps_rng_chi2(&r, (double)(w - j)));
    }
}

void ps_coords_draw(ps_coords *x, const ps_params *p, int64_t width, double sigma2)
{
    int d = p->d;
    double v1, v2;
    ps_layer_vars(p, sigma2, &v1, &v2);
    if (p->mode == PS_MODE_EXPLICIT || width < 2 * (int64_t)d) {
        /* M = [W1 | W2^T] entry by entry, column-major: W1 (w x d) first, then W2^T, one
         * stream (at gr = 0 one standard deviation for both) */
        coords_alloc(x, d, (int)width, width);
        ps_rng r;
        ps_rng_init(&r, p->seed, p->replica, p->gs, p->gw, PS_RNG_INIT_DENSE);
        ps_rng_fill_normal(&r, x->U1, width * d, sqrt(v1));
        ps_rng_fill_normal(&r, x->U2, width * d, sqrt(v2));
        return;
    }
    coords_alloc(x, d, 2 * d, width);
    ps_bartlett_scaled(x->U1, 2 * d, width, v1, v2, p->seed, p->replica, p->gs, p->gw);
}

void ps_coords_from_weights(ps_coords *x, int d, int64_t w, const double *W1, const double *W2T,
                            enum ps_mode mode)
{
    size_t wd = (size_t)w * d;
    if (mode == PS_MODE_EXPLICIT) {
        coords_alloc(x, d, (int)w, w);
        memcpy(x->U1, W1, sizeof(double) * wd);
        memcpy(x->U2, W2T, sizeof(double) * wd);
        return;
    }
    /* thin QR of M = [W1 | W2^T]: W1 = Q R[:, :d], W2^T = Q R[:, d:] */
    int n = 2 * d, m = ps_reduced_rank(d, w);
    double *M = alloc_matrix(w, n, "[W1 | W2^T]");
    double *tau = alloc_matrix(1, n, "QR tau");
    memcpy(M, W1, sizeof(double) * wd);
    memcpy(M + wd, W2T, sizeof(double) * wd);
    PS_LAPACK(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)w, n, M, (lapack_int)w, tau));
    coords_alloc(x, d, m, w);
    for (int j = 0; j < n; j++) /* x->U1 is the m x 2d upper-trapezoidal R */
        for (int i = 0; i < m; i++)
            x->U1[i + (size_t)j * m] = i <= j ? M[i + (size_t)j * w] : 0.0;
    free(M);
    free(tau);
}

void ps_coords_free(ps_coords *x)
{
    free(x->U1);
    x->U1 = x->U2 = NULL;
}

/* dynamics: the theory step equals the dense formula with explicit matrix square roots, and GD
 * in reduced coordinates follows the explicit full-width trajectory to rounding. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cblas.h>
#include <lapacke.h>

#include "dynamics.h"
#include "metrics.h"
#include "rng.h"
#include "run.h"

static double *randn(int64_t n, uint64_t seed, double std)
{
    double *x = malloc(sizeof(double) * n);
    ps_rng r;
    ps_rng_init(&r, seed, 99, 0.0, 0.0, PS_RNG_NOISE);
    ps_rng_fill_normal(&r, x, n, std);
    return x;
}

/* (M M^T + c^2 I)^{1/2} (trans = 0) or (M^T M + c^2 I)^{1/2} by an eigendecomposition of the
 * shifted matrix itself. */
static void sqrt_shifted_gram(int d, const double *M, double c, int trans, double *out)
{
    double *S = malloc(sizeof(double) * d * d), *ev = malloc(sizeof(double) * d);
    cblas_dgemm(CblasColMajor, trans ? CblasTrans : CblasNoTrans, trans ? CblasNoTrans : CblasTrans,
                d, d, d, 1.0, M, d, M, d, 0.0, S, d);
    for (int i = 0; i < d; i++) S[i + i * d] += c * c;
    assert_int_equal(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', d, S, d, ev), 0);
    memset(out, 0, sizeof(double) * d * d);
    for (int k = 0; k < d; k++)
        cblas_dger(CblasColMajor, d, d, sqrt(ev[k]), S + k * d, 1, S + k * d, 1, out, d);
    free(S);
    free(ev);
}

static void check_sc_step(int d, double *B, double c, double eta)
{
    double *Y = randn(d * d, 2, 1.0), *G = malloc(sizeof(double) * d * d);
    double *L = malloc(sizeof(double) * d * d), *R = malloc(sizeof(double) * d * d);
    double *expect = malloc(sizeof(double) * d * d);
    for (int i = 0; i < d * d; i++) G[i] = B[i] - Y[i];
    sqrt_shifted_gram(d, B, c, 0, L);
    sqrt_shifted_gram(d, B, c, 1, R);
    memcpy(expect, B, sizeof(double) * d * d);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, -eta, L, d, G, d, 1.0, expect, d);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, -eta, G, d, R, d, 1.0, expect, d);
    ps_sc_work w;
    ps_sc_work_alloc(&w, d);
    sc_step(d, B, G, eta, c, &w);
    double err = sqrt(ps_frob2_diff(expect, B, d * d)), scale = sqrt(ps_frob2(expect, d * d));
    assert_true(err <= 1e-12 * scale);
    ps_sc_work_free(&w);
    free(Y); free(G); free(L); free(R); free(expect);
}

static void test_sc_step_matches_dense_formula(void **state)
{
    const int d = 7;
    const double cs[] = {0.05, 0.7, 3.0, 1e4};
    for (size_t j = 0; j < sizeof cs / sizeof cs[0]; j++) {
        double *B = randn(d * d, 1 + j, 1.0);
        check_sc_step(d, B, cs[j], 0.01 / (1.0 + cs[j]));
        free(B);
    }
}

static void test_sc_step_rank_deficient(void **state)
{
    /* B = u v^T: five zero singular values, where P S^{-1} approaches would break */
    const int d = 6;
    double *u = randn(d, 5, 1.0), *v = randn(d, 6, 1.0), *B = calloc(d * d, sizeof(double));
    cblas_dger(CblasColMajor, d, d, 1.0, u, 1, v, 1, B, d);
    check_sc_step(d, B, 0.3, 0.05);
    memset(B, 0, sizeof(double) * d * d); /* B = 0 */
    check_sc_step(d, B, 0.3, 0.05);
    free(u); free(v); free(B);
}

/* GD with W1, W2 in full (m = w) and in the QR-reduced coordinates: A agrees at every
 * iteration to 1e-9 relative. */
static void check_reduced_follows_explicit(int d, int64_t w, int iters)
{
    double *W1 = randn(w * d, 10, 0.3), *W2T = randn(w * d, 11, 0.3), *Y = randn(d * d, 12, 1.0);
    ps_coords ex, red;
    ps_coords_from_weights(&ex, d, w, W1, W2T, PS_MODE_EXPLICIT);
    ps_coords_from_weights(&red, d, w, W1, W2T, PS_MODE_REDUCED);
    assert_int_equal(ex.m, w);
    assert_int_equal(red.m, w < 2 * d ? w : 2 * d);
    double *Ae = malloc(sizeof(double) * d * d), *Ar = malloc(sizeof(double) * d * d);
    double *R = malloc(sizeof(double) * d * d);
    double eta = 0.1 / (1.0 + 0.09 * (double)w); /* stable: below 2 / (w sigma2) */
    for (int t = 0; t < iters; t++) {
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, ex.m, 1.0, ex.U2, ex.m, ex.U1,
                    ex.m, 0.0, Ae, d);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, red.m, 1.0, red.U2, red.m,
                    red.U1, red.m, 0.0, Ar, d);
        assert_true(ps_frob2(Ae, d * d) > 1e-3); /* a network that neither vanished nor blew up */
        assert_true(ps_frob2_diff(Ae, Ar, d * d) <= 1e-18 * ps_frob2(Ae, d * d));
        for (int i = 0; i < d * d; i++) R[i] = Ae[i] - Y[i];
        gd_step_reduced(ex.m, d, ex.U1, ex.U2, R, eta);
        for (int i = 0; i < d * d; i++) R[i] = Ar[i] - Y[i];
        gd_step_reduced(red.m, d, red.U1, red.U2, R, eta);
    }
    ps_coords_free(&ex);
    ps_coords_free(&red);
    free(W1); free(W2T); free(Y); free(Ae); free(Ar); free(R);
}

static void test_reduced_follows_explicit(void **state)
{
    check_reduced_follows_explicit(5, 300, 200); /* w >> 2d */
    check_reduced_follows_explicit(6, 8, 200);   /* w < 2d */
}

/* The same check through the whole protocol: loaded weights, both modes, per-iteration series. */
static void test_run_reduced_equals_explicit(void **state)
{
    const int d = 6;
    const int64_t w = 400;
    ps_params p;
    ps_params_default(&p);
    p.d = d;
    p.k = 2;
    p.max_iter = 150;
    p.gs = -1.0;
    p.gw = log((double)w) / log((double)d);
    ps_teacher t;
    ps_teacher_generate(&t, &p);
    double sigma2 = 0.02, *W1 = randn(w * d, 20, sqrt(sigma2)), *W2T = randn(w * d, 21, sqrt(sigma2));
    ps_trace tr[2];
    ps_result res[2];
    for (int mode = 0; mode < 2; mode++) {
        ps_coords x;
        ps_coords_from_weights(&x, d, w, W1, W2T, (enum ps_mode)mode);
        ps_engine e = ps_engine_local(&t, &x, 1, 1);
        ps_trace_alloc(&tr[mode], p.max_iter, d);
        double lr = ps_learning_rate(&p, w, sigma2, t.astar_op);
        ps_run_engine(&p, &e, sigma2, w, lr, &res[mode], &tr[mode], NULL);
        e.ops->destroy(&e);
    }
    assert_int_equal(res[0].n_iter, res[1].n_iter);
    assert_int_equal(res[0].iterations, res[1].iterations);
    assert_int_equal(res[0].stop, res[1].stop);
    assert_true(tr[0].n > 10);
    for (int i = 0; i < tr[0].n; i++) {
        assert_true(fabs(tr[0].gd_train[i] - tr[1].gd_train[i]) <= 1e-9 * tr[0].gd_train[i]);
        assert_true(fabs(tr[0].gd_test[i] - tr[1].gd_test[i]) <= 1e-9 * tr[0].gd_test[i]);
        assert_true(fabs(tr[0].th_test[i] - tr[1].th_test[i]) <= 1e-9 * tr[0].th_test[i]);
        for (int j = 0; j < d; j++)
            assert_true(fabs(tr[0].gd_sv[i * d + j] - tr[1].gd_sv[i * d + j]) <=
                        1e-9 * tr[0].gd_sv[i * d]);
    }
    assert_true(fabs(res[0].stable_rank - res[1].stable_rank) <= 1e-9 * res[0].stable_rank);
    ps_trace_free(&tr[0]);
    ps_trace_free(&tr[1]);
    ps_teacher_free(&t);
    free(W1);
    free(W2T);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sc_step_matches_dense_formula),
        cmocka_unit_test(test_sc_step_rank_deficient),
        cmocka_unit_test(test_reduced_follows_explicit),
        cmocka_unit_test(test_run_reduced_equals_explicit),
    };
    return cmocka_run_group_tests_name("dynamics", tests, NULL, NULL);
}

/* init: the Bartlett factor has the moments of the QR factor of a Gaussian matrix, reduced and
 * dense draws give networks of the same law, and the teacher depends on (seed, replica) only. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cblas.h>

#include "init.h"
#include "metrics.h"

static void test_bartlett_moments(void **state)
{
    const int n = 6, draws = 20000;
    const int64_t w = 10;
    const double sigma2 = 0.5;
    double *Rm = malloc(sizeof(double) * n * n);
    double diag2[6] = {0}, off = 0, off2 = 0;
    int n_off = 0;
    for (int t = 0; t < draws; t++) {
        ps_bartlett(Rm, n, w, sigma2, (uint64_t)t, 0, -1.0, 1.0);
        for (int j = 0; j < n; j++) {
            diag2[j] += Rm[j + j * n] * Rm[j + j * n];
            assert_true(Rm[j + j * n] > 0.0);
            for (int i = j + 1; i < n; i++) assert_true(Rm[i + j * n] == 0.0); /* triangular */
            for (int i = 0; i < j; i++) {
                off += Rm[i + j * n];
                off2 += Rm[i + j * n] * Rm[i + j * n];
                n_off++;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        /* E[R_ii^2] = sigma2 (w - i + 1) with 1-based i; the variance is 2 sigma2^2 (w - i + 1) */
        double dof = (double)(w - i), mean = diag2[i] / draws;
        assert_true(fabs(mean - sigma2 * dof) < 5 * sigma2 * sqrt(2 * dof / draws));
    }
    assert_true(fabs(off / n_off) < 5 * sqrt(sigma2 / n_off));
    assert_true(fabs(off2 / n_off - sigma2) < 5 * sigma2 * sqrt(2.0 / n_off));
    free(Rm);
}

/* E ||W2 W1||_F^2 = sigma2^2 w d^2 for i.i.d. N(0, sigma2) weights: the Bartlett coordinates
 * (U1 = first d columns of Rm, U2 = last d) must give the same, and so must the dense draw. */
static double mean_norm_ratio(enum ps_mode mode, int d, int64_t w, double sigma2, int draws)
{
    ps_params p;
    ps_params_default(&p);
    p.d = d;
    p.mode = mode;
    double *A = malloc(sizeof(double) * d * d), s = 0;
    for (int t = 0; t < draws; t++) {
        ps_coords x;
        p.seed = (uint64_t)t;
        ps_coords_draw(&x, &p, w, sigma2);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, x.m, 1.0, x.U2, x.m, x.U1,
                    x.m, 0.0, A, d);
        s += ps_frob2(A, (int64_t)d * d);
        ps_coords_free(&x);
    }
    free(A);
    return s / draws / (sigma2 * sigma2 * (double)w * d * d);
}

static void test_reduced_and_dense_same_law(void **state)
{
    const int d = 3, draws = 6000;
    double r_red = mean_norm_ratio(PS_MODE_REDUCED, d, 40, 0.3, draws);
    double r_exp = mean_norm_ratio(PS_MODE_EXPLICIT, d, 40, 0.3, draws);
    double r_big = mean_norm_ratio(PS_MODE_REDUCED, d, 1000000000000LL, 1e-6, draws);
    /* ||A||^2 / its mean has a relative sd of about 1; 5 standard errors */
    double tol = 5 * 1.5 / sqrt((double)draws);
    assert_true(fabs(r_red - 1.0) < tol);
    assert_true(fabs(r_exp - 1.0) < tol);
    assert_true(fabs(r_big - 1.0) < tol);
}

static void test_coords_shapes(void **state)
{
    ps_params p;
    ps_params_default(&p);
    p.d = 4;
    ps_coords x;
    ps_coords_draw(&x, &p, 5, 1.0); /* w < 2d: dense, m = w */
    assert_int_equal(x.m, 5);
    ps_coords y;
    p.mode = PS_MODE_EXPLICIT;
    ps_coords_draw(&y, &p, 5, 1.0); /* explicit mode draws the very same numbers */
    assert_memory_equal(x.U1, y.U1, sizeof(double) * 2 * 5 * 4);
    ps_coords_free(&x);
    ps_coords_free(&y);
    p.mode = PS_MODE_REDUCED;
    ps_coords_draw(&x, &p, 1000, 1.0);
    assert_int_equal(x.m, 8);
    assert_true(x.U2 == x.U1 + 8 * 4);
    ps_coords_free(&x);
}

static void test_teacher_depends_on_seed_and_replica_only(void **state)
{
    ps_params p;
    ps_params_default(&p);
    p.d = 7;
    p.k = 2;
    ps_teacher a, b, c;
    p.gs = -1;
    p.gw = 1;
    ps_teacher_generate(&a, &p);
    p.gs = -2;
    p.gw = 2.5;
    ps_teacher_generate(&b, &p);
    assert_memory_equal(a.Y, b.Y, sizeof(double) * 49);
    assert_memory_equal(a.Astar, b.Astar, sizeof(double) * 49);
    p.replica = 1;
    ps_teacher_generate(&c, &p);
    assert_memory_not_equal(a.Y, c.Y, sizeof(double) * 49);
    /* rank k, op norm matches the metrics module */
    assert_true(fabs(a.astar_op - ps_op_norm(a.Astar, 7)) <= 1e-14 * a.astar_op);
    double *Ys = malloc(sizeof(double) * 49);
    for (int i = 0; i < 49; i++) Ys[i] = a.Y[i] - a.Astar[i];
    double noise_var = ps_frob2(Ys, 49) / 49; /* E ~ N(0, 1): 49 samples */
    assert_true(noise_var > 0.3 && noise_var < 2.0);
    free(Ys);
    ps_teacher_free(&a);
    ps_teacher_free(&b);
    ps_teacher_free(&c);
}

static void test_qr_reduction_reproduces_network(void **state)
{
    const int d = 3;
    for (int64_t w = 2; w <= 13; w += 11) { /* w < 2d and w >= 2d */
        double *W1 = malloc(sizeof(double) * w * d), *W2T = malloc(sizeof(double) * w * d);
        for (int64_t i = 0; i < w * d; i++) {
            W1[i] = sin(1.0 + (double)i);
            W2T[i] = cos(2.0 + 3.0 * (double)i);
        }
        ps_coords x;
        ps_coords_from_weights(&x, d, w, W1, W2T, PS_MODE_REDUCED);
        assert_int_equal(x.m, w < 2 * d ? w : 2 * d);
        double A[9], Ar[9];
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, (int)w, 1.0, W2T, (int)w, W1,
                    (int)w, 0.0, A, d);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, x.m, 1.0, x.U2, x.m, x.U1,
                    x.m, 0.0, Ar, d);
        assert_true(ps_frob2_diff(A, Ar, 9) <= 1e-26 * ps_frob2(A, 9));
        ps_coords_free(&x);
        free(W1);
        free(W2T);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bartlett_moments),
        cmocka_unit_test(test_reduced_and_dense_same_law),
        cmocka_unit_test(test_coords_shapes),
        cmocka_unit_test(test_teacher_depends_on_seed_and_replica_only),
        cmocka_unit_test(test_qr_reduction_reproduces_network),
    };
    return cmocka_run_group_tests_name("init", tests, NULL, NULL);
}

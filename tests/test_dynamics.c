/* dynamics: the theory step equals the dense formula with explicit matrix square roots; GD
 * equals the SCIENCE.md step written out in plain loops on the full-width W1, W2, and in
 * reduced coordinates follows that full-width trajectory to rounding; the local engine records
 * the errors as written out. */
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
    ps_sc_step(d, B, G, eta, c, &w);
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

/* The two-constant step (--gr): the left root takes c2 (W2's side), the right root c1 (W1's),
 * against explicit square roots; at c1 == c2 it is the one-constant step bit for bit. */
static void check_sc_step2(int d, double *B, double c1, double c2, double eta)
{
    double *Y = randn(d * d, 3, 1.0), *G = malloc(sizeof(double) * d * d);
    double *L = malloc(sizeof(double) * d * d), *R = malloc(sizeof(double) * d * d);
    double *expect = malloc(sizeof(double) * d * d);
    for (int i = 0; i < d * d; i++) G[i] = B[i] - Y[i];
    sqrt_shifted_gram(d, B, c2, 0, L);
    sqrt_shifted_gram(d, B, c1, 1, R);
    memcpy(expect, B, sizeof(double) * d * d);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, -eta, L, d, G, d, 1.0, expect, d);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, -eta, G, d, R, d, 1.0, expect, d);
    ps_sc_work w;
    ps_sc_work_alloc(&w, d);
    ps_mat b = ps_mat_view(B, d, d), g = ps_mat_view(G, d, d);
    ps_theory_step2(&w, &b, &g, eta, c1, c2);
    double err = sqrt(ps_frob2_diff(expect, B, d * d)), scale = sqrt(ps_frob2(expect, d * d));
    assert_true(err <= 1e-12 * scale);
    ps_sc_work_free(&w);
    free(Y); free(G); free(L); free(R); free(expect);
}

static void test_sc_step_two_constants(void **state)
{
    const int d = 7;
    const double cs[][2] = {{0.05, 2.0}, {3.0, 0.4}, {1e4, 10.0}, {0.7, 0.7}};
    for (size_t j = 0; j < sizeof cs / sizeof cs[0]; j++) {
        double *B = randn(d * d, 11 + j, 1.0);
        check_sc_step2(d, B, cs[j][0], cs[j][1], 0.01 / (1.0 + cs[j][0] + cs[j][1]));
        free(B);
    }
    /* c1 == c2: the one-constant step's bits */
    double *B1 = randn(d * d, 21, 1.0), *B2 = malloc(sizeof(double) * d * d);
    double *G = randn(d * d, 22, 1.0);
    memcpy(B2, B1, sizeof(double) * d * d);
    ps_sc_work w;
    ps_sc_work_alloc(&w, d);
    ps_sc_step(d, B1, G, 0.01, 1.3, &w);
    ps_mat b = ps_mat_view(B2, d, d), g = ps_mat_view(G, d, d);
    ps_theory_step2(&w, &b, &g, 0.01, 1.3, 1.3);
    assert_memory_equal(B1, B2, sizeof(double) * d * d);
    ps_sc_work_free(&w);
    free(B1); free(B2); free(G);
}

/* The simultaneous update: both factors stepped from the old ones, as written out with BLAS. */
static void test_gd_step_simultaneous(void **state)
{
    const int m = 9, d = 4;
    const double eta = 0.07;
    double *U1 = randn(m * d, 31, 1.0), *U2 = randn(m * d, 32, 1.0), *R = randn(d * d, 33, 1.0);
    double *e1 = malloc(sizeof(double) * m * d), *e2 = malloc(sizeof(double) * m * d);
    memcpy(e1, U1, sizeof(double) * m * d);
    memcpy(e2, U2, sizeof(double) * m * d);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, d, d, -eta, U2, m, R, d, 1.0, e1, m);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m, d, d, -eta, U1, m, R, d, 1.0, e2, m);
    ps_dense b = ps_dense_local();
    ps_mat u1 = ps_mat_view(U1, m, d), u2 = ps_mat_view(U2, m, d), r = ps_mat_view(R, d, d);
    double *old = malloc(sizeof(double) * m * d);
    ps_mat o = ps_mat_view(old, m, d);
    ps_gd_step_simultaneous(&b, m, d, &u1, &u2, &r, eta, &o);
    assert_memory_equal(U1, e1, sizeof(double) * m * d);
    assert_memory_equal(U2, e2, sizeof(double) * m * d);
    free(U1); free(U2); free(R); free(e1); free(e2); free(old);
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

/* The GD step of SCIENCE.md written out on the full-width weights, plain loops and nothing of
 * the engine: W1 (w x d) and W2 (d x w), column-major, A = W2 W1, R = A - Y,
 *   W1 <- W1 - eta W2^T R,   then   W2 <- W2 - eta R W1^T   with the updated W1.
 * A (d x d) gets the A of the weights before the step. */
static void plain_gd_step(int d, int w, double *W1, double *W2, const double *Y, double eta,
                          double *A)
{
    double *R = malloc(sizeof(double) * d * d), *D = malloc(sizeof(double) * (size_t)w * d);
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
            double a = 0;
            for (int l = 0; l < w; l++) a += W2[i + l * d] * W1[l + j * w];
            A[i + j * d] = a;
            R[i + j * d] = a - Y[i + j * d];
        }
    for (int j = 0; j < d; j++) /* W1 <- W1 - eta W2^T R */
        for (int l = 0; l < w; l++) {
            double g = 0;
            for (int i = 0; i < d; i++) g += W2[i + l * d] * R[i + j * d];
            D[l + j * w] = g;
        }
    for (int i = 0; i < w * d; i++) W1[i] -= eta * D[i];
    for (int l = 0; l < w; l++) /* W2 <- W2 - eta R W1^T, W1 the new one */
        for (int i = 0; i < d; i++) {
            double g = 0;
            for (int j = 0; j < d; j++) g += R[i + j * d] * W1[l + j * w];
            W2[i + l * d] -= eta * g;
        }
    free(R);
    free(D);
}

static double *transpose(const double *M, int rows, int cols)
{
    double *T = malloc(sizeof(double) * rows * cols);
    for (int j = 0; j < cols; j++)
        for (int i = 0; i < rows; i++) T[j + i * cols] = M[i + j * rows];
    return T;
}

/* One step of ps_gd_step_reduced on explicit coordinates (U1 = W1, U2 = W2^T) against the plain
 * loops, entry by entry, for a few steps. */
static void test_gd_step_matches_plain_loops(void **state)
{
    const int d = 4, w = 7;
    double *W1 = randn(w * d, 30, 0.5), *W2T = randn(w * d, 31, 0.5), *Y = randn(d * d, 32, 1.0);
    double *W2 = transpose(W2T, w, d), *A = malloc(sizeof(double) * d * d);
    double *R = malloc(sizeof(double) * d * d);
    double *U1 = malloc(sizeof(double) * w * d), *U2 = malloc(sizeof(double) * w * d);
    memcpy(U1, W1, sizeof(double) * w * d);
    memcpy(U2, W2T, sizeof(double) * w * d);
    const double eta = 0.05;
    for (int t = 0; t < 5; t++) {
        plain_gd_step(d, w, W1, W2, Y, eta, A);
        for (int i = 0; i < d * d; i++) R[i] = A[i] - Y[i];
        ps_gd_step_reduced(w, d, U1, U2, R, eta);
        double *W2Tnow = transpose(W2, d, w);
        for (int i = 0; i < w * d; i++) {
            assert_true(fabs(U1[i] - W1[i]) <= 1e-13 * (1.0 + fabs(W1[i])));
            assert_true(fabs(U2[i] - W2Tnow[i]) <= 1e-13 * (1.0 + fabs(W2Tnow[i])));
        }
        free(W2Tnow);
    }
    free(W1); free(W2T); free(W2); free(Y); free(A); free(R); free(U1); free(U2);
}

/* GD with the full-width W1, W2 (plain loops above) and in the QR-reduced coordinates
 * (ps_gd_step_reduced): A agrees at every iteration to 1e-9 relative. */
static void check_reduced_follows_explicit(int d, int64_t w, int iters)
{
    double *W1 = randn(w * d, 10, 0.3), *W2T = randn(w * d, 11, 0.3), *Y = randn(d * d, 12, 1.0);
    double *W2 = transpose(W2T, (int)w, d);
    ps_coords red;
    ps_coords_from_weights(&red, d, w, W1, W2T, PS_MODE_REDUCED);
    assert_int_equal(red.m, w < 2 * d ? w : 2 * d);
    double *Ae = malloc(sizeof(double) * d * d), *Ar = malloc(sizeof(double) * d * d);
    double *R = malloc(sizeof(double) * d * d);
    double eta = 0.1 / (1.0 + 0.09 * (double)w); /* stable: below 2 / (w sigma2) */
    for (int t = 0; t < iters; t++) {
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, red.m, 1.0, red.U2, red.m,
                    red.U1, red.m, 0.0, Ar, d);
        plain_gd_step(d, (int)w, W1, W2, Y, eta, Ae); /* Ae: the A before this step */
        assert_true(ps_frob2(Ae, d * d) > 1e-3); /* a network that neither vanished nor blew up */
        assert_true(ps_frob2_diff(Ae, Ar, d * d) <= 1e-18 * ps_frob2(Ae, d * d));
        for (int i = 0; i < d * d; i++) R[i] = Ar[i] - Y[i];
        ps_gd_step_reduced(red.m, d, red.U1, red.U2, R, eta);
    }
    ps_coords_free(&red);
    free(W1); free(W2T); free(W2); free(Y); free(Ae); free(Ar); free(R);
}

/* The local engine's records, written out: train ||A - Y||^2 / d^2, test ||A - A*||^2 / d^2,
 * the theory's B(0) = A(0), and after one step of each dynamics the plain GD step's A. */
static void test_local_engine_records(void **state)
{
    const int d = 5, w = 9;
    double *W1 = randn(w * d, 40, 0.4), *W2T = randn(w * d, 41, 0.4);
    double *As = randn(d * d, 42, 1.0), *E = randn(d * d, 43, 0.5);
    double *W2 = transpose(W2T, w, d), *A = malloc(sizeof(double) * d * d);
    ps_teacher t;
    ps_teacher_from(&t, d, 1, As, E);
    ps_coords x;
    ps_coords_from_weights(&x, d, w, W1, W2T, PS_MODE_EXPLICIT);
    ps_engine e = ps_engine_local(&t, &x, 1, 0);
    const double eta = 0.02;
    for (int it = 0; it < 3; it++) {
        ps_record r;
        e.ops->measure(&e, &r);
        plain_gd_step(d, w, W1, W2, t.Y, eta, A); /* A before the step */
        double tr = 0, te = 0;
        for (int i = 0; i < d * d; i++) {
            tr += (A[i] - t.Y[i]) * (A[i] - t.Y[i]);
            te += (A[i] - As[i]) * (A[i] - As[i]);
        }
        tr /= 25.0; /* d^2 */
        te /= 25.0;
        assert_true(fabs(r.train - tr) <= 1e-12 * tr);
        assert_true(fabs(r.test - te) <= 1e-12 * te);
        if (it == 0) { /* B(0) = A(0) */
            assert_true(r.th_train == r.train && r.th_test == r.test);
            assert_true(r.distance == 0.0);
        } else {
            assert_true(r.distance > 0.0);
        }
        e.ops->gd_step(&e, eta);
        e.ops->sc_step(&e, eta, 0.3, 0.3);
    }
    e.ops->destroy(&e);
    ps_teacher_free(&t);
    free(W1); free(W2T); free(W2); free(As); free(E); free(A);
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
        cmocka_unit_test(test_sc_step_two_constants),
        cmocka_unit_test(test_gd_step_simultaneous),
        cmocka_unit_test(test_gd_step_matches_plain_loops),
        cmocka_unit_test(test_reduced_follows_explicit),
        cmocka_unit_test(test_local_engine_records),
        cmocka_unit_test(test_run_reduced_equals_explicit),
    };
    return cmocka_run_group_tests_name("dynamics", tests, NULL, NULL);
}

/* init: the Bartlett factor has the moments of the QR factor of a Gaussian matrix, reduced and
 * dense draws give networks of the same law, the teacher depends on (seed, replica) only, is of
 * rank k with factors of entry std k^-1/4 (entries of A* of variance 1) and noise of variance
 * noise^2, and ps_op_norm gives a hand-made matrix's known largest singular value. */
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

#include "init.h"
#include "metrics.h"
#include "rng.h"

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

/* --gr: W1 entries of variance v1 = d^(gs+gr), W2 of v2 = d^(gs-gr), in either mode (reduced:
 * the Bartlett factor with its halves scaled): ||U1||_F^2 = ||W1||_F^2 has mean w d v1,
 * ||U2||_F^2 mean w d v2, and ||U2^T U1||_F^2 mean v1 v2 w d^2. */
static void check_imbalanced_law(enum ps_mode mode, int64_t w)
{
    const int d = 4, draws = 3000;
    ps_params p;
    ps_params_default(&p);
    p.d = d;
    p.mode = mode;
    p.gs = -0.5;
    p.gr = 0.4;
    const double v1 = pow(d, p.gs + p.gr), v2 = pow(d, p.gs - p.gr);
    double *A = malloc(sizeof(double) * d * d), n1 = 0, n2 = 0, na = 0;
    for (int t = 0; t < draws; t++) {
        ps_coords x;
        p.seed = (uint64_t)t;
        ps_coords_draw(&x, &p, w, ps_sigma2(d, p.gs));
        n1 += ps_frob2(x.U1, (int64_t)x.m * d);
        n2 += ps_frob2(x.U2, (int64_t)x.m * d);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, x.m, 1.0, x.U2, x.m, x.U1,
                    x.m, 0.0, A, d);
        na += ps_frob2(A, (int64_t)d * d);
        ps_coords_free(&x);
    }
    const double wd = (double)w * d, se = sqrt(2.0 / wd / draws);
    assert_true(fabs(n1 / draws / (wd * v1) - 1.0) < 5 * se);
    assert_true(fabs(n2 / draws / (wd * v2) - 1.0) < 5 * se);
    assert_true(fabs(na / draws / (v1 * v2 * wd * d) - 1.0) < 5 * 1.5 / sqrt((double)draws));
    free(A);
}

static void test_imbalanced_layers(void **state)
{
    check_imbalanced_law(PS_MODE_REDUCED, 40);   /* Bartlett, m = 2d */
    check_imbalanced_law(PS_MODE_REDUCED, 6);    /* w < 2d: the dense draw */
    check_imbalanced_law(PS_MODE_EXPLICIT, 40);
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
    ps_teacher_free(&a);
    ps_teacher_free(&b);
    ps_teacher_free(&c);
}


/* All singular values, descending, by LAPACK's SVD (not ps_op_norm's eigenvalue route). */
static void svd_values(const double *A, int d, double *s)
{
    double *c = malloc(sizeof(double) * d * d);
    memcpy(c, A, sizeof(double) * d * d);
    assert_int_equal(LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', d, d, c, d, s, NULL, 1, NULL, 1), 0);
    free(c);
}

/* A* = U V^T with d x k factors: exactly k nonzero singular values, and astar_op the first. */
static void test_teacher_is_rank_k(void **state)
{
    const int ks[] = {1, 2, 5};
    for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++) {
        ps_params p;
        ps_params_default(&p);
        p.d = 30;
        p.k = ks[c];
        p.seed = 7;
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        double s[30];
        svd_values(t.Astar, p.d, s);
        assert_true(s[p.k - 1] > 1e-2 * s[0]); /* k singular values of order sqrt(d) */
        assert_true(s[p.k] <= 1e-12 * s[0]);   /* the others zero to rounding */
        assert_true(fabs(t.astar_op - s[0]) <= 1e-12 * s[0]);
        ps_teacher_free(&t);
    }
}

/* The completion mask: 0/1 entries, each observed with probability P (the share within 4
 * binomial standard deviations), a pure function of (seed, replica, P) that leaves the teacher
 * as denoise draws it; P = 1 observes everything; denoise has none. */
static void test_completion_mask(void **state)
{
    ps_params p;
    ps_params_default(&p);
    p.d = 100;
    p.k = 3;
    p.seed = 11;
    ps_teacher den, a, b, c;
    ps_teacher_generate(&den, &p);
    assert_null(den.mask);
    assert_true(den.observed == 1.0);
    p.problem = PS_PROBLEM_COMPLETION;
    const double shares[] = {0.1, 0.5, 0.9};
    const size_t n = (size_t)p.d * p.d;
    for (size_t s = 0; s < sizeof shares / sizeof shares[0]; s++) {
        p.observed = shares[s];
        p.replica = 0;
        ps_teacher_generate(&a, &p);
        ps_teacher_generate(&b, &p);
        p.replica = 1;
        ps_teacher_generate(&c, &p);
        assert_non_null(a.mask);
        assert_true(a.observed == shares[s]);
        assert_memory_equal(a.mask, b.mask, sizeof(double) * n);
        assert_memory_equal(a.Y, den.Y, sizeof(double) * n);
        assert_memory_equal(a.Astar, den.Astar, sizeof(double) * n);
        double ones = 0, same = 0;
        for (size_t i = 0; i < n; i++) {
            assert_true(a.mask[i] == 0.0 || a.mask[i] == 1.0);
            ones += a.mask[i];
            same += a.mask[i] == c.mask[i];
        }
        double sd = sqrt(n * shares[s] * (1 - shares[s]));
        assert_true(fabs(ones - n * shares[s]) < 4 * sd);
        /* another replica, another (independent) mask: agreement P^2 + (1 - P)^2 */
        double agree = shares[s] * shares[s] + (1 - shares[s]) * (1 - shares[s]);
        assert_true(fabs(same - n * agree) < 4 * sqrt(n * agree * (1 - agree)));
        ps_teacher_free(&a);
        ps_teacher_free(&b);
        ps_teacher_free(&c);
    }
    p.observed = 1.0;
    p.replica = 0;
    ps_teacher_generate(&a, &p);
    for (size_t i = 0; i < n; i++) assert_true(a.mask[i] == 1.0);
    ps_teacher_free(&a);
    ps_teacher_free(&den);
}

/* Householder reflector I - 2 v v^T / (v^T v), written out. */
static void reflector(int d, const double *v, double *H)
{
    double vv = 0;
    for (int i = 0; i < d; i++) vv += v[i] * v[i];
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) H[i + j * d] = (i == j) - 2.0 * v[i] * v[j] / vv;
}

/* A = Q1 diag(sv) Q2^T with orthogonal Q1, Q2 made by hand: its op norm is sv[0], whatever
 * the rotations. Both ps_op_norm and the teacher's astar_op (ps_teacher_from) must give it. */
static void test_op_norm_of_a_hand_made_matrix(void **state)
{
    enum { d = 6 };
    const double sv[d] = {7.0, 3.0, 2.0, 0.5, 0.1, 0.0};
    const double v1[d] = {1, -2, 3, 0.5, -1, 2}, v2[d] = {0.3, 1, 1, -4, 2, -0.5};
    double Q1[d * d], Q2[d * d], A[d * d], E[d * d] = {0};
    reflector(d, v1, Q1);
    reflector(d, v2, Q2);
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
            double a = 0;
            for (int l = 0; l < d; l++) a += Q1[i + l * d] * sv[l] * Q2[j + l * d];
            A[i + j * d] = a;
        }
    assert_true(fabs(ps_op_norm(A, d) - 7.0) <= 1e-13 * 7.0);
    double fro2 = 49.0 + 9.0 + 4.0 + 0.25 + 0.01;
    assert_true(fabs(ps_frob2(A, d * d) - fro2) <= 1e-13 * fro2);
    assert_true(fabs(ps_stable_rank(A, d) - fro2 / 49.0) <= 1e-13);
    ps_teacher t;
    ps_teacher_from(&t, d, 2, A, E);
    assert_true(fabs(t.astar_op - 7.0) <= 1e-13 * 7.0);
    assert_memory_equal(t.Y, A, sizeof A);
    ps_teacher_free(&t);
    /* not symmetric, eigenvalues +-i sqrt(7): singular values 7 and 1 */
    double R[4] = {0, -1, 7, 0};
    assert_true(fabs(ps_op_norm(R, 2) - 7.0) <= 1e-14 * 7.0);
    /* the largest, not the smallest, singular value */
    double D[9] = {0.5, 0, 0, 0, -4.0, 0, 0, 0, 2.0};
    assert_true(fabs(ps_op_norm(D, 3) - 4.0) <= 1e-14 * 4.0);
}

/* The teacher's laws over R replicas at d = 100, k = 5, each bound 6 standard errors wide:
 *  - factor scale: A* is exactly s^2 Zu Zv^T with Zu, Zv the standard normals of the U and V
 *    streams; the least-squares s^2 must be 1/sqrt(k), i.e. the factor std s = k^-1/4 (only the
 *    product of the two factors' scales is identifiable from A*; both have the same law). The
 *    factor entries s Zu (n = d k R) have sample variance k^-1/2 within 6 sqrt(2/n) relative.
 *  - entries of A*: A*_ij = sum_l U_il V_jl has variance k (k^-1/2)^2 = 1. q = ||A*||^2/d^2 has
 *    mean 1 and variance (4d + 2k + 2) / (k d^2) per replica (Gaussian factors: from the 4th
 *    moments of U^T U and V^T V), so the mean over R replicas is 1 within 6 sqrt(that / R).
 *    The mean entry has variance 1/d^2 per replica.
 *  - noise: E = Y - A*, n = d^2 R entries N(0, noise^2): sample variance noise^2 within
 *    6 sqrt(2/n) relative (mean known: 0), sample mean 0 within 6 noise / sqrt(n). */
static void teacher_laws(int d, int k, double noise, int R)
{
    ps_params p;
    ps_params_default(&p);
    p.d = d;
    p.k = k;
    p.noise = noise;
    p.seed = 2024;
    size_t n = (size_t)d * d;
    double *Zu = malloc(sizeof(double) * d * k), *Zv = malloc(sizeof(double) * d * k);
    double *M = malloc(sizeof(double) * n);
    double q = 0, mean_a = 0, f2 = 0, e2 = 0, e1 = 0;
    for (int r = 0; r < R; r++) {
        p.replica = r;
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        ps_rng g;
        ps_rng_init(&g, p.seed, r, 0.0, 0.0, PS_RNG_TEACHER_U);
        ps_rng_fill_normal(&g, Zu, (int64_t)d * k, 1.0);
        ps_rng_init(&g, p.seed, r, 0.0, 0.0, PS_RNG_TEACHER_V);
        ps_rng_fill_normal(&g, Zv, (int64_t)d * k, 1.0);
        for (int j = 0; j < d; j++)
            for (int i = 0; i < d; i++) {
                double m = 0;
                for (int l = 0; l < k; l++) m += Zu[i + l * d] * Zv[j + l * d];
                M[i + j * d] = m;
            }
        double am = 0, mm = 0;
        for (size_t i = 0; i < n; i++) {
            am += t.Astar[i] * M[i];
            mm += M[i] * M[i];
        }
        double s2 = am / mm; /* least-squares scale of A* on Zu Zv^T */
        assert_true(fabs(s2 - 1.0 / sqrt((double)k)) <= 1e-12 / sqrt((double)k));
        for (size_t i = 0; i < n; i++) M[i] *= s2;
        assert_true(ps_frob2_diff(t.Astar, M, n) <= 1e-24 * ps_frob2(t.Astar, n));
        for (int i = 0; i < d * k; i++) f2 += s2 * Zu[i] * Zu[i] + s2 * Zv[i] * Zv[i];
        q += ps_frob2(t.Astar, n) / (double)n;
        double sa = 0;
        for (size_t i = 0; i < n; i++) {
            sa += t.Astar[i];
            double e = t.Y[i] - t.Astar[i];
            e1 += e;
            e2 += e * e;
        }
        mean_a += sa / (double)n;
        ps_teacher_free(&t);
    }
    double nf = 2.0 * d * k * R, ne = (double)n * R;
    double vf = 1.0 / sqrt((double)k);
    assert_true(fabs(f2 / nf - vf) <= 6 * vf * sqrt(2.0 / nf));
    double sq = sqrt((4.0 * d + 2.0 * k + 2.0) / ((double)k * d * d) / R);
    assert_true(fabs(q / R - 1.0) <= 6 * sq);
    assert_true(fabs(mean_a / R) <= 6 * (1.0 / d) / sqrt((double)R));
    double v = noise * noise;
    assert_true(fabs(e2 / ne - v) <= 6 * v * sqrt(2.0 / ne));
    assert_true(fabs(e1 / ne) <= 6 * noise / sqrt(ne));
    free(Zu);
    free(Zv);
    free(M);
}

static void test_teacher_laws(void **state)
{
    teacher_laws(100, 5, 1.0, 40);
    teacher_laws(60, 2, 0.5, 40);
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
        cmocka_unit_test(test_imbalanced_layers),
        cmocka_unit_test(test_teacher_depends_on_seed_and_replica_only),
        cmocka_unit_test(test_qr_reduction_reproduces_network),
        cmocka_unit_test(test_teacher_is_rank_k),
        cmocka_unit_test(test_op_norm_of_a_hand_made_matrix),
        cmocka_unit_test(test_teacher_laws),
        cmocka_unit_test(test_completion_mask),
    };
    return cmocka_run_group_tests_name("init", tests, NULL, NULL);
}

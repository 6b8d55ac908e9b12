/* test_dense: the dense seam (dense.h) -- the ScaLAPACK backend against the local one, op for
 * op, on small matrices (a 1x1 grid, and 1x2 under mpirun -n 2, nb small enough that every
 * rank owns several blocks) -- and every eigensolver of the registry on a matrix of known
 * eigenpairs: eigenvalues, orthogonality of the vectors, residual; then the registry's
 * choices and refusals.
 * mpirun-ranks: 1 2 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <cblas.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "../src/engine/dense_dist.h"
#include "dense.h"
#include "dist.h"
#include "eigensolver.h"
#include "elpa_eigh.h"
#include "steps.h"

enum { NB = 16 };
static int P, rank;

static double *rnd(int rows, int cols, unsigned seed)
{
    double *a = malloc(sizeof(double) * (size_t)rows * cols);
    unsigned long long x = 88172645463325252ull ^ seed;
    for (size_t i = 0; i < (size_t)rows * cols; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        a[i] = (double)(x >> 11) / 9007199254740992.0 * 2.0 - 1.0;
    }
    return a;
}

static ps_dense grid(void) { return ps_dense_dist(MPI_COMM_WORLD, NB, 1, P); }

/* max over the group of |block entry - full entry| */
static double block_diff(const ps_dense *b, const ps_mat *M, const double *full)
{
    const ps_dist_state *s = b->state;
    double e = 0.0, all;
    for (int jl = 0; jl < M->nloc; jl++)
        for (int il = 0; il < M->mloc; il++) {
            int ig = ps_dist_global_index(il, s->nb, s->myrow, s->prow);
            int jg = ps_dist_global_index(jl, s->nb, s->mycol, s->pcol);
            e = fmax(e, fabs(M->a[il + (size_t)jl * M->mloc] - full[ig + (size_t)jg * M->rows]));
        }
    MPI_Allreduce(&e, &all, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return all;
}

/* The whole matrix on every rank, from its blocks. */
static double *gather(const ps_dense *b, const ps_mat *M)
{
    const ps_dist_state *s = b->state;
    size_t n = (size_t)M->rows * M->cols;
    double *part = calloc(n, sizeof(double)), *full = malloc(sizeof(double) * n);
    for (int jl = 0; jl < M->nloc; jl++)
        for (int il = 0; il < M->mloc; il++) {
            int ig = ps_dist_global_index(il, s->nb, s->myrow, s->prow);
            int jg = ps_dist_global_index(jl, s->nb, s->mycol, s->pcol);
            part[ig + (size_t)jg * M->rows] = M->a[il + (size_t)jl * M->mloc];
        }
    MPI_Allreduce(part, full, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    free(part);
    return full;
}

static double maxabs(const double *a, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

/* Every op on both backends from the same inputs: the element-wise ones bit for bit, the
 * products and reductions to rounding. */
static void test_backends_agree(void **state)
{
    const int m = 50, d = 70;
    const size_t dd = (size_t)d * d;
    ps_dense L = ps_dense_local(), D = grid();
    const ps_dense_ops *l = L.ops, *o = D.ops;
    assert_int_equal(l->kind, PS_DENSE_LOCAL);
    assert_int_equal(o->kind, PS_DENSE_DIST);
    double *U1 = rnd(m, d, 1), *U2 = rnd(m, d, 2), *X = rnd(d, d, 3), *Y = rnd(d, d, 4);
    double *C = calloc(dd, sizeof(double)), *S = calloc(dd, sizeof(double));
    double *T = rnd(d, d, 5), *Z = malloc(sizeof(double) * dd);
    ps_mat u1 = ps_mat_view(U1, m, d), u2 = ps_mat_view(U2, m, d), x = ps_mat_view(X, d, d),
           y = ps_mat_view(Y, d, d), c = ps_mat_view(C, d, d), sm = ps_mat_view(S, d, d),
           t = ps_mat_view(T, d, d), z = ps_mat_view(Z, d, d);
    ps_mat U1d, U2d, Xd, Yd, Cd, Sd, Td, Zd;
    o->mat_borrow(&D, &U1d, U1, m, d, "U1");
    o->mat_borrow(&D, &U2d, U2, m, d, "U2");
    o->mat_borrow(&D, &Xd, X, d, d, "X");
    o->mat_borrow(&D, &Yd, Y, d, d, "Y");
    o->mat_borrow(&D, &Td, T, d, d, "T");
    o->mat_init(&D, &Cd, d, d, "C");
    o->mat_init(&D, &Sd, d, d, "S");
    o->mat_init(&D, &Zd, d, d, "Z");
    assert_true(block_diff(&D, &Xd, X) == 0.0); /* the blocks are the matrix */

    l->gemm(&L, 'T', 'N', d, d, m, 1.0, &u2, &u1, 0.0, &c);
    o->gemm(&D, 'T', 'N', d, d, m, 1.0, &U2d, &U1d, 0.0, &Cd);
    assert_true(block_diff(&D, &Cd, C) <= 1e-13 * maxabs(C, dd));
    l->gemm(&L, 'N', 'T', m, d, d, -0.5, &u1, &x, 1.0, &u2);
    o->gemm(&D, 'N', 'T', m, d, d, -0.5, &U1d, &Xd, 1.0, &U2d);
    assert_true(block_diff(&D, &U2d, U2) <= 1e-13 * maxabs(U2, (size_t)m * d));

    l->syrk(&L, 'T', d, m, &u1, &sm); /* upper triangle; the lower stays 0 in both */
    o->syrk(&D, 'T', d, m, &U1d, &Sd);
    assert_true(block_diff(&D, &Sd, S) <= 1e-13 * maxabs(S, dd));
    assert_true(S[1] == 0.0 && S[0] > 0.0);
    l->symm(&L, 'L', d, d, &sm, &x, 0.5, &t);
    o->symm(&D, 'L', d, d, &Sd, &Xd, 0.5, &Td);
    assert_true(block_diff(&D, &Td, T) <= 1e-13 * maxabs(T, dd));
    l->symm(&L, 'R', d, d, &sm, &y, 0.0, &t);
    o->symm(&D, 'R', d, d, &Sd, &Yd, 0.0, &Td);
    assert_true(block_diff(&D, &Td, T) <= 1e-13 * maxabs(T, dd));

    double *sc = malloc(sizeof(double) * d);
    for (int j = 0; j < d; j++) sc[j] = 1.0 + j / 7.0;
    l->scale_cols(&L, &z, &x, sc);
    o->scale_cols(&D, &Zd, &Xd, sc);
    assert_true(block_diff(&D, &Zd, Z) == 0.0);
    assert_true(Z[2 + 3 * d] == sc[3] * X[2 + 3 * d]);
    l->sub(&L, &z, &x, &y);
    o->sub(&D, &Zd, &Xd, &Yd);
    assert_true(block_diff(&D, &Zd, Z) == 0.0);
    assert_true(Z[5] == X[5] - Y[5]);
    /* the completion mask: (s M) o Z, M a 0/1 pattern of this test's own */
    double *Mk = malloc(sizeof(double) * dd), *Z0 = malloc(sizeof(double) * dd);
    for (size_t i = 0; i < dd; i++) Mk[i] = (i * 7 + i / 3) % 5 < 2 ? 1.0 : 0.0;
    memcpy(Z0, Z, sizeof(double) * dd);
    ps_mat mk = ps_mat_view(Mk, d, d), Mkd;
    o->mat_borrow(&D, &Mkd, Mk, d, d, "mask");
    const double inv_p = 1.0 / 0.4;
    l->mask(&L, &z, &mk, inv_p);
    o->mask(&D, &Zd, &Mkd, inv_p);
    assert_true(block_diff(&D, &Zd, Z) == 0.0);
    for (size_t i = 0; i < dd; i++)
        assert_true(Mk[i] == 0.0 ? Z[i] == 0.0 : Z[i] == inv_p * Z0[i]);
    for (size_t i = 0; i < dd; i++) Mk[i] = 1.0; /* a mask of ones with s = 1: the same bits */
    memcpy(Z, Z0, sizeof(double) * dd);
    l->mask(&L, &z, &mk, 1.0);
    assert_memory_equal(Z, Z0, sizeof(double) * dd);
    o->mat_free(&D, &Mkd);
    o->sub(&D, &Zd, &Xd, &Yd);
    free(Mk);
    free(Z0);
    l->sub_comb(&L, &x, 0.25, 3.0, &y, &z);
    o->sub_comb(&D, &Xd, 0.25, 3.0, &Yd, &Zd);
    assert_true(block_diff(&D, &Xd, X) == 0.0);
    l->copy(&L, &z, &x);
    o->copy(&D, &Zd, &Xd);
    assert_true(block_diff(&D, &Zd, X) == 0.0);

    double vl[2] = {l->dist2_part(&L, &x, NULL), l->dist2_part(&L, &x, &y)};
    double vd[2] = {o->dist2_part(&D, &Xd, NULL), o->dist2_part(&D, &Xd, &Yd)};
    l->sums(&L, vl, 2);
    o->sums(&D, vd, 2);
    double ref = 0.0;
    for (size_t i = 0; i < dd; i++) ref += (X[i] - Y[i]) * (X[i] - Y[i]);
    assert_true(vl[1] == ref); /* local: storage order, no reduction */
    for (int k = 0; k < 2; k++) assert_true(fabs(vd[k] - vl[k]) <= 1e-13 * vl[k]);
    if (P == 1) assert_true(vd[0] == vl[0] && vd[1] == vl[1]); /* one piece: same order */

    /* ||diag(1..d)||_op^2 = d^2 */
    double *Dg = calloc(dd, sizeof(double));
    for (int j = 0; j < d; j++) Dg[j + (size_t)j * d] = j + 1.0;
    ps_mat dg = ps_mat_view(Dg, d, d), Dgd;
    o->mat_borrow(&D, &Dgd, Dg, d, d, "diag");
    assert_true(fabs(l->op_norm2(&L, &dg) - (double)d * d) <= 1e-12 * d * d);
    assert_true(fabs(o->op_norm2(&D, &Dgd) - (double)d * d) <= 1e-12 * d * d);

    double *svl = malloc(sizeof(double) * d), *svd = malloc(sizeof(double) * d);
    l->svd_prepare(&L, d);
    o->svd_prepare(&D, d);
    l->singular_values(&L, &c, svl);
    o->singular_values(&D, &Cd, svd);
    for (int j = 0; j < d; j++) assert_true(fabs(svl[j] - svd[j]) <= 1e-12 * svl[0]);
    for (int j = 1; j < d; j++) assert_true(svl[j] <= svl[j - 1]);

    ps_mat *all[] = {&U1d, &U2d, &Xd, &Yd, &Cd, &Sd, &Td, &Zd, &Dgd};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) o->mat_free(&D, all[i]);
    l->destroy(&L);
    o->destroy(&D);
    assert_null(D.state);
    free(U1); free(U2); free(X); free(Y); free(C); free(S); free(T); free(Z); free(sc);
    free(Dg); free(svl); free(svd);
}

/* H = V diag(lambda) V^T, V a product of two Householder reflections, lambda ascending with
 * negative, zero and repeated-gap values. */
static double *known(int d, double *lambda)
{
    double *V = malloc(sizeof(double) * (size_t)d * d), *H = malloc(sizeof(double) * (size_t)d * d);
    double *u = rnd(d, 1, 9), *v = rnd(d, 1, 10), uu = 0, vv = 0;
    for (int i = 0; i < d; i++) uu += u[i] * u[i], vv += v[i] * v[i];
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) V[i + (size_t)j * d] = (i == j) - 2 * u[i] * u[j] / uu;
    double *W = malloc(sizeof(double) * (size_t)d * d); /* V (I - 2 v v^T / vv) */
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int k = 0; k < d; k++) s += V[i + (size_t)k * d] * ((k == j) - 2 * v[k] * v[j] / vv);
            W[i + (size_t)j * d] = s;
        }
    for (int i = 0; i < d; i++) lambda[i] = i - 10.0;
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int k = 0; k < d; k++) s += W[i + (size_t)k * d] * lambda[k] * W[j + (size_t)k * d];
            H[i + (size_t)j * d] = s;
        }
    free(V); free(W); free(u); free(v);
    return H;
}

/* ev ascending = lambda, Q^T Q = I, H Q = Q diag(ev): on every rank, from the full Q. */
static void check_eigenpairs(const char *name, int d, const double *H, const double *lambda,
                             const double *ev, const double *Q)
{
    double e_val = 0, e_orth = 0, e_res = 0;
    for (int i = 0; i < d; i++) e_val = fmax(e_val, fabs(ev[i] - lambda[i]));
    for (int a = 0; a < d; a++)
        for (int c = 0; c < d; c++) {
            double s = 0, r = 0;
            for (int k = 0; k < d; k++) s += Q[k + (size_t)a * d] * Q[k + (size_t)c * d];
            for (int k = 0; k < d; k++) r += H[a + (size_t)k * d] * Q[k + (size_t)c * d];
            e_orth = fmax(e_orth, fabs(s - (a == c)));
            e_res = fmax(e_res, fabs(r - ev[c] * Q[a + (size_t)c * d]));
        }
    if (rank == 0)
        print_message("%-8s d=%d P=%d: |ev - lambda| %.1e, |Q^T Q - I| %.1e, |HQ - Q ev| %.1e\n",
                      name, d, P, e_val, e_orth, e_res);
    assert_true(e_val <= 1e-12 * d);
    assert_true(e_orth <= 1e-12);
    assert_true(e_res <= 1e-11 * d);
}

static void test_every_solver_on_a_known_matrix(void **state)
{
    const int d = 40;
    double lambda[40];
    double *H = known(d, lambda);
    size_t n;
    const ps_eigensolver *const *rows = ps_eigensolver_table(&n);
    assert_true(n >= 4);
    int ran = 0;
    for (size_t i = 0; i < n; i++) {
        const ps_eigensolver *e = rows[i];
        if (e->available && !e->available()) {
            if (rank == 0) print_message("%-8s not in this build\n", e->name);
            continue;
        }
        ps_dense b = e->kind == PS_DENSE_LOCAL ? ps_dense_local() : grid();
        ps_sc_work w;
        ps_theory_work_init(&w, &b, d, e->name);
        assert_ptr_equal(w.solver, e); /* d = 40, nb = 16: every grid of <= 2 fits */
        ps_mat Hin;
        b.ops->mat_borrow(&b, &Hin, H, d, d, "H");
        b.ops->copy(&b, &w.H, &Hin);
        ps_theory_eigh(&w, &w.H);
        double *Q = e->kind == PS_DENSE_LOCAL ? w.Q.a : gather(&b, &w.Q);
        check_eigenpairs(e->name, d, H, lambda, w.ev, Q);
        if (Q != w.Q.a) free(Q);
        b.ops->mat_free(&b, &Hin);
        ps_theory_work_free(&w);
        b.ops->destroy(&b);
        ran++;
    }
    assert_true(ran >= 3);
    free(H);
}

static void test_registry_choices_and_refusals(void **state)
{
    char msg[512];
    assert_int_equal(ps_eigensolver_check(NULL, PS_DENSE_LOCAL, msg, sizeof msg), 0);
    assert_int_equal(ps_eigensolver_check("auto", PS_DENSE_DIST, msg, sizeof msg), 0);
    assert_int_equal(ps_eigensolver_check("dsyevr", PS_DENSE_LOCAL, msg, sizeof msg), 0);
    assert_int_equal(ps_eigensolver_check("pdsyevd", PS_DENSE_DIST, msg, sizeof msg), 0);
    assert_int_equal(ps_eigensolver_check("dsyevr", PS_DENSE_DIST, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "--eigensolver: 'dsyevr'"));
    assert_non_null(strstr(msg, "pdsyevd"));
    assert_int_equal(ps_eigensolver_check("pdsyevd", PS_DENSE_LOCAL, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "auto, dsyevd, dsyevr"));
    assert_int_equal(ps_eigensolver_check("jacobi", PS_DENSE_LOCAL, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "'jacobi' is no eigensolver"));
    int elpa = ps_eigensolver_check("elpa", PS_DENSE_DIST, msg, sizeof msg);
    assert_int_equal(elpa, ps_elpa_available() ? 0 : -1);
    if (elpa) assert_non_null(strstr(msg, "not in this build"));

    /* auto: dsyevd on one rank; the first row of a group that fits */
    ps_dense L = ps_dense_local();
    assert_string_equal(ps_eigensolver_pick("auto", &L, 100)->name, "dsyevd");
    assert_string_equal(ps_eigensolver_pick(NULL, &L, 100)->name, "dsyevd");
    assert_string_equal(ps_eigensolver_pick("dsyevr", &L, 100)->name, "dsyevr");
    ps_dense D = grid();
    assert_string_equal(ps_eigensolver_pick(NULL, &D, 100)->name,
                        ps_elpa_available() ? "elpa" : "pdsyevd");
    /* a grid ELPA cannot take (a rank without a block column) falls back to pdsyevd */
    if (P == 2 && ps_elpa_available())
        assert_string_equal(ps_eigensolver_pick("elpa", &D, NB)->name, "pdsyevd");
    D.ops->destroy(&D);

    /* workspace bytes for the cost model: at least LAPACK's documented minimum; a group's
     * share shrinks with P; a name of the other kind has none */
    const int d = 200;
    assert_true(ps_eigensolver_bytes("dsyevd", d, 1, 0) >= 8.0 * (1 + 6.0 * d + 2.0 * d * d));
    assert_true(ps_eigensolver_bytes("dsyevr", d, 1, 0) >= 8.0 * 26 * d);
    assert_true(ps_eigensolver_bytes("auto", d, 1, 0) == ps_eigensolver_bytes("dsyevd", d, 1, 0));
    assert_true(ps_eigensolver_bytes("pdsyevd", d, 1, 0) == -1.0);
    assert_true(ps_eigensolver_bytes("dsyevr", d, 2, 0) == -1.0);
    double p2 = ps_eigensolver_bytes("pdsyevd", 2048, 2, 0), p4 = ps_eigensolver_bytes("pdsyevd", 2048, 4, 0);
    assert_true(p2 > 8.0 * 2048 * 2048 && p4 < p2);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backends_agree),
        cmocka_unit_test(test_every_solver_on_a_known_matrix),
        cmocka_unit_test(test_registry_choices_and_refusals),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return rc;
}

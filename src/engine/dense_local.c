/* dense_local: the dense seam on one rank -- column-major arrays, OpenBLAS and LAPACK. The
 * calls and loops are those of the local engine before the seam, argument for argument. */
#include "dense.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"

typedef struct local_state {
    double *sv_copy, *sv_work; /* tracing only */
    lapack_int *sv_iwork, sv_lwork;
} local_state;

ps_mat ps_mat_view(double *a, int rows, int cols)
{
    return (ps_mat){.a = a, .rows = rows, .cols = cols, .mloc = rows, .nloc = cols,
                    .ld = rows > 1 ? rows : 1};
}

static size_t len(const ps_mat *M) { return (size_t)M->mloc * M->nloc; }

static void l_mat_init(ps_dense *b, ps_mat *M, int rows, int cols, const char *what)
{
    *M = ps_mat_view(ps_calloc((size_t)rows * cols, sizeof(double), what), rows, cols);
    M->owned = 1;
}

static void l_mat_free(ps_dense *b, ps_mat *M)
{
    if (M->owned) free(M->a);
    M->a = NULL;
    M->owned = 0;
}

static void l_mat_borrow(ps_dense *b, ps_mat *M, const double *full, int rows, int cols,
                         const char *what)
{
    *M = ps_mat_view((double *)full, rows, cols); /* read-only by contract */
}

static void l_mat_take(ps_dense *b, ps_mat *M, double *full, int rows, int cols,
                       const char *what)
{
    *M = ps_mat_view(full, rows, cols);
    M->owned = 1;
}

static void l_copy(ps_dense *b, ps_mat *dst, const ps_mat *src)
{
    memcpy(dst->a, src->a, sizeof(double) * len(src));
}

static CBLAS_TRANSPOSE tr(char t) { return t == 'T' ? CblasTrans : CblasNoTrans; }

static void l_gemm(ps_dense *b, char ta, char tb, int m, int n, int k, double alpha,
                   const ps_mat *A, const ps_mat *B, double beta, ps_mat *C)
{
    cblas_dgemm(CblasColMajor, tr(ta), tr(tb), m, n, k, alpha, A->a, A->ld, B->a, B->ld, beta,
                C->a, C->ld);
}

static void l_syrk(ps_dense *b, char trans, int n, int k, const ps_mat *A, ps_mat *C)
{
    cblas_dsyrk(CblasColMajor, CblasUpper, tr(trans), n, k, 1.0, A->a, A->ld, 0.0, C->a, C->ld);
}

static void l_symm(ps_dense *b, char side, int m, int n, const ps_mat *S, const ps_mat *X,
                   double beta, ps_mat *C)
{
    cblas_dsymm(CblasColMajor, side == 'R' ? CblasRight : CblasLeft, CblasUpper, m, n, 1.0,
                S->a, S->ld, X->a, X->ld, beta, C->a, C->ld);
}

static void l_scale_cols(ps_dense *b, ps_mat *out, const ps_mat *in, const double *s)
{
    for (int j = 0; j < in->nloc; j++) {
        const double *q = in->a + (size_t)j * in->ld;
        double *o = out->a + (size_t)j * out->ld, sj = s[j];
        for (int i = 0; i < in->mloc; i++) o[i] = sj * q[i];
    }
}

static void l_sub(ps_dense *b, ps_mat *out, const ps_mat *X, const ps_mat *Y)
{
    size_t n = len(X);
    for (size_t i = 0; i < n; i++) out->a[i] = X->a[i] - Y->a[i];
}

static void l_mask(ps_dense *b, ps_mat *X, const ps_mat *M, double s)
{
    size_t n = len(X);
    for (size_t i = 0; i < n; i++) X->a[i] = (s * M->a[i]) * X->a[i];
}

static void l_sub_comb(ps_dense *b, ps_mat *X, double a, double c, const ps_mat *Y,
                       const ps_mat *Z)
{
    size_t n = len(X);
    for (size_t i = 0; i < n; i++) X->a[i] -= a * (c * Y->a[i] + Z->a[i]);
}

/* metrics.c's sums, in storage order */
static double l_dist2_part(ps_dense *b, const ps_mat *X, const ps_mat *Y)
{
    return Y ? ps_frob2_diff(X->a, Y->a, (int64_t)len(X)) : ps_frob2(X->a, (int64_t)len(X));
}

static void l_sums(ps_dense *b, double *v, int n) { (void)v; (void)n; }

/* metrics.c's ps_op_norm (dsyevr, top eigenvalue, its square root), squared: the stable
 * rank then has the bits of ps_stable_rank. */
static double l_op_norm2(ps_dense *b, const ps_mat *M)
{
    double op = ps_op_norm(M->a, M->cols);
    return op * op;
}

static void l_svd_prepare(ps_dense *b, int d)
{
    if (!b->state) b->state = ps_calloc(1, sizeof(local_state), "local backend");
    local_state *s = b->state;
    double wq;
    s->sv_copy = ps_malloc(sizeof(double) * (size_t)d * d, "SVD copy");
    s->sv_iwork = ps_malloc(sizeof(lapack_int) * 8 * (size_t)d, "dgesdd iwork");
    PS_LAPACK(LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', d, d, s->sv_copy, d, NULL, NULL, 1,
                                  NULL, 1, &wq, -1, s->sv_iwork));
    s->sv_lwork = (lapack_int)wq;
    s->sv_work = ps_malloc(sizeof(double) * (size_t)s->sv_lwork, "dgesdd work");
}

static void l_singular_values(ps_dense *b, const ps_mat *M, double *sv)
{
    local_state *s = b->state;
    int d = M->cols;
    memcpy(s->sv_copy, M->a, sizeof(double) * (size_t)d * d);
    PS_LAPACK(LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', d, d, s->sv_copy, d, sv, NULL, 1, NULL,
                                  1, s->sv_work, s->sv_lwork, s->sv_iwork));
}

static void l_destroy(ps_dense *b)
{
    local_state *s = b->state;
    if (!s) return;
    free(s->sv_copy); free(s->sv_work); free(s->sv_iwork);
    free(s);
    b->state = NULL;
}

static const ps_dense_ops local_ops = {
    .name = "local",
    .kind = PS_DENSE_LOCAL,
    .mat_init = l_mat_init,
    .mat_free = l_mat_free,
    .mat_borrow = l_mat_borrow,
    .mat_take = l_mat_take,
    .copy = l_copy,
    .gemm = l_gemm,
    .syrk = l_syrk,
    .symm = l_symm,
    .scale_cols = l_scale_cols,
    .sub = l_sub,
    .mask = l_mask,
    .sub_comb = l_sub_comb,
    .dist2_part = l_dist2_part,
    .sums = l_sums,
    .op_norm2 = l_op_norm2,
    .svd_prepare = l_svd_prepare,
    .singular_values = l_singular_values,
    .destroy = l_destroy,
};

/* No state until tracing asks for the SVD's workspace: making one costs nothing. */
ps_dense ps_dense_local(void) { return (ps_dense){.ops = &local_ops, .state = NULL}; }

/* dense_dist: the dense seam on a ScaLAPACK group -- every matrix 2D block-cyclic over a BLACS
 * grid laid on the group, products by PBLAS, sums in rank order. The calls and loops are those
 * of the group engine before the seam, argument for argument. */
#include "dense_dist.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dist.h"

void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja,
             const int *desca, const double *b, const int *ib, const int *jb, const int *descb,
             const double *beta, double *c, const int *ic, const int *jc, const int *descc);
void pdsyrk_(const char *uplo, const char *trans, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja,
             const int *desca, const double *beta, double *c, const int *ic, const int *jc,
             const int *descc);
void pdsymm_(const char *side, const char *uplo, const int *m, const int *n,
             const double *alpha, const double *a, const int *ia, const int *ja,
             const int *desca, const double *b, const int *ib, const int *jb, const int *descb,
             const double *beta, double *c, const int *ic, const int *jc, const int *descc);
void pdsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, const double *vl,
              const double *vu, const int *il, const int *iu, int *m, int *nz, double *w,
              double *z, const int *iz, const int *jz, const int *descz, double *work,
              const int *lwork, int *iwork, const int *liwork, int *info, size_t, size_t,
              size_t);
void pdgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, double *s, double *u,
              const int *iu, const int *ju, const int *descu, double *vt, const int *ivt,
              const int *jvt, const int *descvt, double *work, const int *lwork, int *info,
              size_t, size_t);

static const int ONE = 1; /* every distributed operand starts at global (1, 1) */

/* PBLAS asks this function for the width of the rank-k panels its pdgemm/pdsyrk/pdsymm
 * loop over. The reference version (which ScaLAPACK's documentation invites users to
 * replace; this definition overrides it at link time) says 32, which left a d = 1024 pdgemm
 * on 2 ranks memory-bound at 1.1-1.3x the one-rank dgemm; with 256 each local update is a
 * compute-bound dgemm (1.8x). Blocking only: the products are the same. */
int pilaenv_(const int *ictxt, const char *prec)
{
    (void)ictxt;
    (void)prec;
    return 256;
}

static size_t len(const ps_mat *M) { return (size_t)M->mloc * M->nloc; }

static void d_mat_init(ps_dense *b, ps_mat *M, int rows, int cols, const char *what)
{
    static const int zero = 0;
    ps_dist_state *s = b->state;
    int info;
    memset(M, 0, sizeof *M);
    M->rows = rows;
    M->cols = cols;
    M->mloc = numroc_(&rows, &s->nb, &s->myrow, &zero, &s->prow);
    M->nloc = numroc_(&cols, &s->nb, &s->mycol, &zero, &s->pcol);
    M->ld = M->mloc > 1 ? M->mloc : 1;
    PS_SCALAPACK(descinit_(M->desc, &rows, &cols, &s->nb, &s->nb, &zero, &zero, &s->ctxt, &M->ld,
                           &info), info);
    M->a = ps_calloc((size_t)M->mloc * M->nloc, sizeof(double), what);
    M->owned = 1;
}

static void d_mat_free(ps_dense *b, ps_mat *M)
{
    if (M->owned) free(M->a);
    M->a = NULL;
    M->owned = 0;
}

/* This rank's blocks of a full column-major matrix. */
static void d_mat_borrow(ps_dense *b, ps_mat *M, const double *full, int rows, int cols,
                         const char *what)
{
    ps_dist_state *s = b->state;
    d_mat_init(b, M, rows, cols, what);
    for (int jl = 0; jl < M->nloc; jl++) {
        size_t jg = (size_t)ps_dist_global_index(jl, s->nb, s->mycol, s->pcol);
        for (int il = 0; il < M->mloc; il++) {
            int ig = ps_dist_global_index(il, s->nb, s->myrow, s->prow);
            M->a[il + (size_t)jl * M->mloc] = full[ig + jg * (size_t)rows];
        }
    }
}

static void d_mat_take(ps_dense *b, ps_mat *M, double *full, int rows, int cols,
                       const char *what)
{
    d_mat_borrow(b, M, full, rows, cols, what);
    free(full);
}

static void d_copy(ps_dense *b, ps_mat *dst, const ps_mat *src)
{
    memcpy(dst->a, src->a, sizeof(double) * len(src));
}

static void d_gemm(ps_dense *b, char ta, char tb, int m, int n, int k, double alpha,
                   const ps_mat *A, const ps_mat *B, double beta, ps_mat *C)
{
    pdgemm_(&ta, &tb, &m, &n, &k, &alpha, A->a, &ONE, &ONE, A->desc, B->a, &ONE, &ONE, B->desc,
            &beta, C->a, &ONE, &ONE, C->desc);
}

static void d_syrk(ps_dense *b, char trans, int n, int k, const ps_mat *A, ps_mat *C)
{
    const double one = 1.0, zero = 0.0;
    pdsyrk_("U", &trans, &n, &k, &one, A->a, &ONE, &ONE, A->desc, &zero, C->a, &ONE, &ONE,
            C->desc);
}

static void d_symm(ps_dense *b, char side, int m, int n, const ps_mat *S, const ps_mat *X,
                   double beta, ps_mat *C)
{
    const double one = 1.0;
    pdsymm_(&side, "U", &m, &n, &one, S->a, &ONE, &ONE, S->desc, X->a, &ONE, &ONE, X->desc,
            &beta, C->a, &ONE, &ONE, C->desc);
}

/* the scale of a local column is that of its global index */
static void d_scale_cols(ps_dense *b, ps_mat *out, const ps_mat *in, const double *sc)
{
    ps_dist_state *s = b->state;
    for (int jl = 0; jl < in->nloc; jl++) {
        double sj = sc[ps_dist_global_index(jl, s->nb, s->mycol, s->pcol)];
        size_t off = (size_t)jl * in->mloc;
        for (int i = 0; i < in->mloc; i++) out->a[off + i] = sj * in->a[off + i];
    }
}

static void d_sub(ps_dense *b, ps_mat *out, const ps_mat *X, const ps_mat *Y)
{
    size_t n = len(X);
    for (size_t i = 0; i < n; i++) out->a[i] = X->a[i] - Y->a[i];
}

static void d_mask(ps_dense *b, ps_mat *X, const ps_mat *M, double s)
{
    size_t n = len(X);
    for (size_t i = 0; i < n; i++) X->a[i] = (s * M->a[i]) * X->a[i];
}

static void d_sub_comb(ps_dense *b, ps_mat *X, double a, double c, const ps_mat *Y,
                       const ps_mat *Z)
{
    size_t n = len(X);
    for (size_t i = 0; i < n; i++) X->a[i] -= a * (c * Y->a[i] + Z->a[i]);
}

static double d_dist2_part(ps_dense *b, const ps_mat *X, const ps_mat *Y)
{
    size_t n = len(X);
    double s = 0.0;
    if (!Y) {
        for (size_t i = 0; i < n; i++) s += X->a[i] * X->a[i];
        return s;
    }
    for (size_t i = 0; i < n; i++) {
        double r = X->a[i] - Y->a[i];
        s += r * r;
    }
    return s;
}

/* Adds the ranks' partial sums in rank order: every rank gets the same bits, which an
 * MPI_Allreduce does not promise. */
static void d_sums(ps_dense *b, double *v, int n)
{
    ps_dist_state *s = b->state;
    if (n < 1 || n > 8) ps_fail(PS_EXIT_FAIL, "group sums", "%d values (accepted: 1 to 8)", n);
    PS_MPI(MPI_Allgather(v, n, MPI_DOUBLE, s->sums, n, MPI_DOUBLE, s->comm));
    for (int k = 0; k < n; k++) {
        double t = 0.0;
        for (int r = 0; r < s->P; r++) t += s->sums[r * n + k];
        v[k] = t;
    }
}

/* The top eigenvalue of M^T M without vectors: MRRR (pdsyevr) is the ScaLAPACK driver that
 * computes a subset. It comes out replicated already; taking rank 0's (the others add 0)
 * makes it bitwise the same everywhere. */
static double d_op_norm2(ps_dense *b, const ps_mat *M)
{
    ps_dist_state *s = b->state;
    int d = M->cols, lwork, liwork, iq, found, nz, info;
    const double vl = 0.0, vu = 0.0;
    double wq, top;
    ps_mat G;
    d_mat_init(b, &G, d, d, "A^T A");
    double *ev = ps_malloc(sizeof(double) * (size_t)d, "eigenvalues");
    d_syrk(b, 'T', d, d, M, &G);
    lwork = liwork = -1;
    PS_SCALAPACK(pdsyevr_("N", "I", "U", &d, G.a, &ONE, &ONE, G.desc, &vl, &vu, &d, &d, &found,
                          &nz, ev, G.a, &ONE, &ONE, G.desc, &wq, &lwork, &iq, &liwork, &info,
                          1, 1, 1), info);
    lwork = (int)wq;
    liwork = iq;
    double *work = ps_malloc(sizeof(double) * (size_t)lwork, "pdsyevr work");
    int *iwork = ps_malloc(sizeof(int) * (size_t)liwork, "pdsyevr iwork");
    PS_SCALAPACK(pdsyevr_("N", "I", "U", &d, G.a, &ONE, &ONE, G.desc, &vl, &vu, &d, &d, &found,
                          &nz, ev, G.a, &ONE, &ONE, G.desc, work, &lwork, iwork, &liwork, &info,
                          1, 1, 1), info);
    top = ev[0] > 0.0 ? ev[0] : 0.0;
    if (s->myrow != 0 || s->mycol != 0) top = 0.0;
    d_sums(b, &top, 1);
    free(work); free(iwork); free(ev); free(G.a);
    return top;
}

static void d_svd_prepare(ps_dense *b, int d)
{
    ps_dist_state *s = b->state;
    double wq, sv0;
    int lq = -1, info;
    d_mat_init(b, &s->S, d, d, "SVD copy blocks");
    PS_SCALAPACK(pdgesvd_("N", "N", &d, &d, s->S.a, &ONE, &ONE, s->S.desc, &sv0, NULL, &ONE,
                          &ONE, s->S.desc, NULL, &ONE, &ONE, s->S.desc, &wq, &lq, &info, 1, 1),
                 info);
    s->sv_lwork = (int)wq;
    s->sv_work = ps_malloc(sizeof(double) * (size_t)s->sv_lwork, "pdgesvd work");
}

static void d_singular_values(ps_dense *b, const ps_mat *M, double *sv)
{
    ps_dist_state *s = b->state;
    int info, d = M->cols;
    memcpy(s->S.a, M->a, sizeof(double) * len(M));
    PS_SCALAPACK(pdgesvd_("N", "N", &d, &d, s->S.a, &ONE, &ONE, s->S.desc, sv, NULL, &ONE, &ONE,
                          s->S.desc, NULL, &ONE, &ONE, s->S.desc, s->sv_work, &s->sv_lwork,
                          &info, 1, 1), info);
}

static void d_destroy(ps_dense *b)
{
    ps_dist_state *s = b->state;
    if (!s) return;
    free(s->S.a); free(s->sv_work); free(s->sums);
    Cblacs_gridexit(s->ctxt);
    Cfree_blacs_system_handle(s->sys);
    PS_MPI(MPI_Comm_free(&s->comm));
    free(s);
    b->state = NULL;
}

static const ps_dense_ops dist_ops = {
    .name = "dist",
    .kind = PS_DENSE_DIST,
    .mat_init = d_mat_init,
    .mat_free = d_mat_free,
    .mat_borrow = d_mat_borrow,
    .mat_take = d_mat_take,
    .copy = d_copy,
    .gemm = d_gemm,
    .syrk = d_syrk,
    .symm = d_symm,
    .scale_cols = d_scale_cols,
    .sub = d_sub,
    .mask = d_mask,
    .sub_comb = d_sub_comb,
    .dist2_part = d_dist2_part,
    .sums = d_sums,
    .op_norm2 = d_op_norm2,
    .svd_prepare = d_svd_prepare,
    .singular_values = d_singular_values,
    .destroy = d_destroy,
};

ps_dense ps_dense_dist(MPI_Comm group, int nb, int prow, int pcol)
{
    ps_dist_state *s = ps_calloc(1, sizeof *s, "dist backend");
    s->nb = nb > 0 ? nb : PS_DIST_NB;
    PS_MPI(MPI_Comm_dup(group, &s->comm));
    PS_MPI(MPI_Comm_set_errhandler(s->comm, MPI_ERRORS_RETURN));
    PS_MPI(MPI_Comm_size(s->comm, &s->P));
    if (prow < 1 || pcol < 1 || prow * pcol != s->P)
        ps_fail(PS_EXIT_FAIL, "ps_engine_dist", "a %d x %d grid on a group of %d ranks", prow,
                pcol, s->P);
    s->sums = ps_malloc(sizeof(double) * 8 * (size_t)s->P, "group sums");
    /* the BLACS context lives on (a duplicate of) the group, so groups run independently */
    s->sys = Csys2blacs_handle(s->comm);
    s->ctxt = s->sys;
    Cblacs_gridinit(&s->ctxt, "R", prow, pcol);
    Cblacs_gridinfo(s->ctxt, &s->prow, &s->pcol, &s->myrow, &s->mycol);
    if (s->prow != prow || s->pcol != pcol)
        ps_fail(PS_EXIT_FAIL, "Cblacs_gridinit", "asked for a %d x %d grid, got %d x %d", prow,
                pcol, s->prow, s->pcol);
    return (ps_dense){.ops = &dist_ops, .state = s};
}

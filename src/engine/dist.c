/* dist: the ScaLAPACK group engine. The formulas are those of dynamics.c, step for step; only
 * the storage differs: each rank holds its blocks of U1, U2 (m x d) and of the d x d matrices,
 * and PBLAS/ScaLAPACK do the products and the eigendecomposition over the group's BLACS grid. */
#include "dist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "elpa_eigh.h"

/* Debian's libscalapack-openmpi ships no C header: BLACS' C interface, and the Fortran
 * symbols with their hidden character lengths (PBLAS routines are C and have none). */
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ctxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctxt);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc,
            const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
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
void pdtran_(const int *m, const int *n, const double *alpha, const double *a, const int *ia,
             const int *ja, const int *desca, const double *beta, double *c, const int *ic,
             const int *jc, const int *descc);
void pdsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, const double *vl,
              const double *vu, const int *il, const int *iu, int *m, int *nz, double *w,
              double *z, const int *iz, const int *jz, const int *descz, double *work,
              const int *lwork, int *iwork, const int *liwork, int *info, size_t, size_t,
              size_t);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *w, double *z, const int *iz,
              const int *jz, const int *descz, double *work, const int *lwork, int *iwork,
              const int *liwork, int *info, size_t, size_t);
void pdgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, double *s, double *u,
              const int *iu, const int *ju, const int *descu, double *vt, const int *ivt,
              const int *jvt, const int *descvt, double *work, const int *lwork, int *info,
              size_t, size_t);

/* ScaLAPACK reports through an info argument: < 0 a bad argument, > 0 no convergence. */
#define PS_SCALAPACK(call, info)                                                          \
    do { (info) = 0; call;                                                               \
         if ((info) != 0) ps_fail(PS_EXIT_FAIL, #call, "ScaLAPACK info = %d", (info)); } while (0)

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

/* A block-cyclic matrix: this rank's mloc x nloc piece, leading dimension desc[8]. */
typedef struct dmat {
    double *a;
    int desc[9];
    int mloc, nloc;
} dmat;

typedef struct dist_engine {
    int d, m, nb, theory;
    int sys, ctxt, prow, pcol, myrow, mycol;
    MPI_Comm comm;
    int P;
    dmat U1, U2, A, R, Astar, Y, A_best, B, G;
    dmat Q, H, K, T1, T2; /* theory workspace */
    dmat S;               /* tracing only: the copy pdgesvd destroys */
    double *ev, *work, *sv_work, *sums;
    int *iwork, lwork, liwork, sv_lwork;
    ps_elpa *elpa; /* the theory's eigensolver when ELPA is used, else pdsyevd */
} dist_engine;

static void dmat_init(dist_engine *s, dmat *M, int rows, int cols, const char *what)
{
    static const int zero = 0;
    int info;
    M->mloc = numroc_(&rows, &s->nb, &s->myrow, &zero, &s->prow);
    M->nloc = numroc_(&cols, &s->nb, &s->mycol, &zero, &s->pcol);
    int lld = M->mloc > 1 ? M->mloc : 1;
    PS_SCALAPACK(descinit_(M->desc, &rows, &cols, &s->nb, &s->nb, &zero, &zero, &s->ctxt, &lld,
                           &info), info);
    M->a = ps_calloc((size_t)M->mloc * M->nloc, sizeof(double), what);
}

static size_t dmat_len(const dmat *M) { return (size_t)M->mloc * M->nloc; }

/* Global (0-based) index of local index l: blocks of nb dealt round-robin from process 0. */
static int global_index(int l, int nb, int me, int nprocs)
{
    return ((l / nb) * nprocs + me) * nb + l % nb;
}

/* This rank's blocks of a full column-major matrix. */
static void dmat_scatter(const dist_engine *s, dmat *M, const double *full, int ldfull)
{
    for (int jl = 0; jl < M->nloc; jl++) {
        size_t jg = (size_t)global_index(jl, s->nb, s->mycol, s->pcol);
        for (int il = 0; il < M->mloc; il++) {
            int ig = global_index(il, s->nb, s->myrow, s->prow);
            M->a[il + (size_t)jl * M->mloc] = full[ig + jg * (size_t)ldfull];
        }
    }
}

/* C = alpha op(A) op(B) + beta C, all operands whole matrices. */
static void pgemm(char ta, char tb, int m, int n, int k, double alpha, const dmat *A,
                  const dmat *B, double beta, dmat *C)
{
    pdgemm_(&ta, &tb, &m, &n, &k, &alpha, A->a, &ONE, &ONE, A->desc, B->a, &ONE, &ONE, B->desc,
            &beta, C->a, &ONE, &ONE, C->desc);
}

static void psyrk(char trans, int n, int k, const dmat *A, dmat *C)
{
    const double one = 1.0, zero = 0.0;
    pdsyrk_("U", &trans, &n, &k, &one, A->a, &ONE, &ONE, A->desc, &zero, C->a, &ONE, &ONE,
            C->desc);
}

static void psymm(char side, int m, int n, const dmat *S, const dmat *B, double beta, dmat *C)
{
    const double one = 1.0;
    pdsymm_(&side, "U", &m, &n, &one, S->a, &ONE, &ONE, S->desc, B->a, &ONE, &ONE, B->desc,
            &beta, C->a, &ONE, &ONE, C->desc);
}

/* Adds nsum local partial sums over the group in rank order: every rank gets the same bits,
 * which an MPI_Allreduce does not promise. */
static void group_sums(dist_engine *s, double *loc, int nsum)
{
    PS_MPI(MPI_Allgather(loc, nsum, MPI_DOUBLE, s->sums, nsum, MPI_DOUBLE, s->comm));
    for (int k = 0; k < nsum; k++) {
        double t = 0.0;
        for (int r = 0; r < s->P; r++) t += s->sums[r * nsum + k];
        loc[k] = t;
    }
}

static void dist_measure(ps_engine *e, ps_record *rec)
{
    dist_engine *s = e->state;
    int d = s->d;
    size_t n = dmat_len(&s->A);
    double dd = (double)d * d, loc[5] = {0, 0, 0, 0, 0};
    const double *A = s->A.a, *Y = s->Y.a, *As = s->Astar.a;
    pgemm('T', 'N', d, d, s->m, 1.0, &s->U2, &s->U1, 0.0, &s->A);
    for (size_t i = 0; i < n; i++) {
        double r = A[i] - Y[i], t = A[i] - As[i];
        s->R.a[i] = r;
        loc[0] += r * r;
        loc[1] += t * t;
    }
    if (s->theory) {
        const double *B = s->B.a;
        for (size_t i = 0; i < n; i++) {
            double g = B[i] - Y[i], t = B[i] - As[i], a = A[i] - B[i];
            s->G.a[i] = g;
            loc[2] += g * g;
            loc[3] += t * t;
            loc[4] += a * a;
        }
    }
    group_sums(s, loc, 5);
    rec->train = loc[0] / dd;
    rec->test = loc[1] / dd;
    rec->th_train = rec->th_test = rec->distance = NAN;
    if (!s->theory) return;
    rec->th_train = loc[2] / dd;
    rec->th_test = loc[3] / dd;
    rec->distance = loc[4] / dd;
}

static void dist_gd_step(ps_engine *e, double eta)
{
    dist_engine *s = e->state;
    pgemm('N', 'N', s->m, s->d, s->d, -eta, &s->U2, &s->R, 1.0, &s->U1);
    pgemm('N', 'T', s->m, s->d, s->d, -eta, &s->U1, &s->R, 1.0, &s->U2);
}

/* All eigenpairs of the symmetric H (upper triangle; destroyed): vectors into Q, values
 * (ascending, replicated on every rank) into ev; lwork = -1 queries pdsyevd's workspace.
 * ELPA 1-stage when the engine has a handle: it reads both triangles, so the lower one is
 * first filled from H^T (one transpose, d^2 / P words, Q as its scratch). Otherwise divide
 * and conquer (pdsyevd), not MRRR (pdsyevr): pdsyevr reduces to tridiagonal form on a
 * floor(sqrt(P))^2 subgrid -- one rank when P = 2 or 3 -- while pdsyevd's pdsytrd uses the
 * whole grid; a theory step on 2 ranks took 2.9 s with pdsyevd, 3.3-3.4 s with pdsyevr at
 * d = 2048 (0.42 vs 0.50-0.56 s at d = 1024). */
static void eigen_all(dist_engine *s, dmat *H, dmat *Q, double *work, int lwork, int *iwork,
                      int liwork)
{
    int info;
    if (s->elpa && lwork != -1) {
        const double one = 1.0, zero = 0.0;
        pdtran_(&s->d, &s->d, &one, H->a, &ONE, &ONE, H->desc, &zero, Q->a, &ONE, &ONE,
                Q->desc);
        for (int jl = 0; jl < H->nloc; jl++) {
            int jg = global_index(jl, s->nb, s->mycol, s->pcol);
            size_t off = (size_t)jl * H->mloc;
            for (int il = 0; il < H->mloc; il++)
                if (global_index(il, s->nb, s->myrow, s->prow) > jg)
                    H->a[off + il] = Q->a[off + il];
        }
        ps_elpa_eigh(s->elpa, H->a, s->ev, Q->a);
        return;
    }
    PS_SCALAPACK(pdsyevd_("V", "U", &s->d, H->a, &ONE, &ONE, H->desc, s->ev, Q->a, &ONE, &ONE,
                          Q->desc, work, &lwork, iwork, &liwork, &info, 1, 1), info);
}

/* ELPA 1-stage stopped with "solve step encountered an error" when a rank owned no block
 * column (d = 64, nb = 64 on 1x2); pdsyevd takes such small grids. */
static int elpa_fits(const dist_engine *s)
{
    int blocks = (s->d + s->nb - 1) / s->nb;
    return blocks >= s->prow && blocks >= s->pcol;
}

/* pdsyevd's query undercounts what its back-transformation (PDORMTR) needs on a rank that
 * owns few blocks, and pdsyevd ignores PDORMTR's failure: it returned wrong vectors with
 * info = 0 at d = 64, nb = 64 on a 1x2 grid. So the workspace is at least PDORMTR's bound
 * (its LWORK formula with the largest local piece of a (d + nb)-order matrix) after
 * pdsyevd's 2d offset. */
static int eigen_all_lwork(const dist_engine *s, double queried)
{
    static const int zero = 0;
    int n = s->d + s->nb;
    double nb = s->nb, mp0 = numroc_(&n, &s->nb, &zero, &zero, &s->prow),
           nq0 = numroc_(&n, &s->nb, &zero, &zero, &s->pcol);
    double ormtr = fmax(nb * (nb - 1) / 2, (mp0 + nq0) * nb) + nb * nb;
    double need = fmax(queried, 2.0 * s->d + ormtr);
    if (need > 2147483647.0)
        ps_fail(PS_EXIT_FAIL, "pdsyevd", "workspace of %.0f doubles exceeds a 32-bit LWORK",
                need);
    return (int)need;
}

/* The largest eigenvalue of the symmetric H (upper triangle; destroyed) into ev[0], without
 * vectors: MRRR (pdsyevr) is the ScaLAPACK driver that computes a subset. */
static void eigen_top(dist_engine *s, dmat *H, double *work, int lwork, int *iwork, int liwork)
{
    const double vl = 0.0, vu = 0.0;
    int found, nz, info;
    PS_SCALAPACK(pdsyevr_("N", "I", "U", &s->d, H->a, &ONE, &ONE, H->desc, &vl, &vu, &s->d,
                          &s->d, &found, &nz, s->ev, H->a, &ONE, &ONE, H->desc, work, &lwork,
                          iwork, &liwork, &info, 1, 1, 1), info);
}

/* ps_sc_step of dynamics.c on blocks: B^T B = Q S^2 Q^T, then with h = 1/(sqrt(s^2+c^2)+c),
 * g = s^2 h, H = Q h Q^T and K = Q g Q^T, the update is eta (2 c G + B H B^T G + G K). */
static void dist_sc_step(ps_engine *e, double eta, double c)
{
    dist_engine *s = e->state;
    int d = s->d;
    psyrk('T', d, d, &s->B, &s->H);
    eigen_all(s, &s->H, &s->Q, s->work, s->lwork, s->iwork, s->liwork);
    /* the scale of a column is that of its global eigenvalue */
    for (int jl = 0; jl < s->Q.nloc; jl++) {
        int j = global_index(jl, s->nb, s->mycol, s->pcol);
        double s2 = s->ev[j] > 0.0 ? s->ev[j] : 0.0; /* rounding can make S^2 slightly < 0 */
        double h = 1.0 / (hypot(sqrt(s2), c) + c);
        double sh = sqrt(h), sg = sqrt(s2 * h);
        size_t off = (size_t)jl * s->Q.mloc;
        for (int i = 0; i < s->Q.mloc; i++) {
            s->T1.a[off + i] = sh * s->Q.a[off + i];
            s->T2.a[off + i] = sg * s->Q.a[off + i];
        }
    }
    psyrk('N', d, d, &s->T1, &s->H);
    psyrk('N', d, d, &s->T2, &s->K);
    pgemm('T', 'N', d, d, d, 1.0, &s->B, &s->G, 0.0, &s->T1);
    psymm('L', d, d, &s->H, &s->T1, 0.0, &s->T2);
    pgemm('N', 'N', d, d, d, 1.0, &s->B, &s->T2, 0.0, &s->T1);
    psymm('R', d, d, &s->K, &s->G, 1.0, &s->T1);
    size_t n = dmat_len(&s->B);
    for (size_t i = 0; i < n; i++) s->B.a[i] -= eta * (2.0 * c * s->G.a[i] + s->T1.a[i]);
}

static void dist_keep_best(ps_engine *e)
{
    dist_engine *s = e->state;
    memcpy(s->A_best.a, s->A.a, sizeof(double) * dmat_len(&s->A));
}

/* ||A||_F^2 from group sums, ||A||_op^2 as the top eigenvalue of A^T A (one eigenvalue, no
 * vectors). Runs once per run, so its scratch is allocated here. */
static double dist_best_stable_rank(ps_engine *e)
{
    dist_engine *s = e->state;
    int d = s->d, lwork, liwork, iq;
    double wq, loc[2] = {0.0, 0.0};
    dmat G;
    dmat_init(s, &G, d, d, "A^T A");
    psyrk('T', d, d, &s->A_best, &G);
    eigen_top(s, &G, &wq, -1, &iq, -1);
    lwork = (int)wq;
    liwork = iq;
    double *work = ps_malloc(sizeof(double) * (size_t)lwork, "pdsyevr work");
    int *iwork = ps_malloc(sizeof(int) * (size_t)liwork, "pdsyevr iwork");
    eigen_top(s, &G, work, lwork, iwork, liwork);
    loc[1] = s->ev[0] > 0.0 ? s->ev[0] : 0.0;
    for (size_t i = 0; i < dmat_len(&s->A_best); i++) loc[0] += s->A_best.a[i] * s->A_best.a[i];
    /* the eigenvalue is replicated already; taking rank 0's makes it bitwise the same */
    if (s->myrow != 0 || s->mycol != 0) loc[1] = 0.0;
    group_sums(s, loc, 2);
    free(work);
    free(iwork);
    free(G.a);
    return loc[1] > 0.0 ? loc[0] / loc[1] : 0.0;
}

static void singular_values_of(dist_engine *s, const dmat *M, double *sv)
{
    int info;
    memcpy(s->S.a, M->a, sizeof(double) * dmat_len(M));
    PS_SCALAPACK(pdgesvd_("N", "N", &s->d, &s->d, s->S.a, &ONE, &ONE, s->S.desc, sv, NULL,
                          &ONE, &ONE, s->S.desc, NULL, &ONE, &ONE, s->S.desc, s->sv_work,
                          &s->sv_lwork, &info, 1, 1), info);
}

static void dist_singular_values(ps_engine *e, double *sv_gd, double *sv_th)
{
    dist_engine *s = e->state;
    singular_values_of(s, &s->A, sv_gd);
    if (s->theory) singular_values_of(s, &s->B, sv_th);
}

static void dist_destroy(ps_engine *e)
{
    dist_engine *s = e->state;
    dmat *all[] = {&s->U1, &s->U2, &s->A, &s->R, &s->Astar, &s->Y, &s->A_best, &s->B,
                   &s->G, &s->Q, &s->H, &s->K, &s->T1, &s->T2, &s->S};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]->a);
    free(s->ev); free(s->work); free(s->iwork); free(s->sv_work); free(s->sums);
    ps_elpa_free(s->elpa);
    Cblacs_gridexit(s->ctxt);
    Cfree_blacs_system_handle(s->sys);
    PS_MPI(MPI_Comm_free(&s->comm));
    free(s);
    e->state = NULL;
}

static const ps_engine_ops dist_ops = {
    .name = "dist",
    .measure = dist_measure,
    .gd_step = dist_gd_step,
    .sc_step = dist_sc_step,
    .keep_best = dist_keep_best,
    .best_stable_rank = dist_best_stable_rank,
    .singular_values = dist_singular_values,
    .destroy = dist_destroy,
};

ps_engine ps_engine_dist_grid(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                              int trace, int nb, int prow, int pcol)
{
    return ps_engine_dist_solver(group, t, x0, theory, trace, nb, prow, pcol, PS_GROUP_EIG_AUTO);
}

ps_engine ps_engine_dist_solver(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                                int trace, int nb, int prow, int pcol,
                                enum ps_group_eig solver)
{
    dist_engine *s = ps_calloc(1, sizeof *s, "dist engine");
    int d = t->d, info;
    s->d = d;
    s->m = x0->m;
    s->nb = nb > 0 ? nb : PS_DIST_NB;
    s->theory = theory;
    PS_MPI(MPI_Comm_dup(group, &s->comm));
    PS_MPI(MPI_Comm_set_errhandler(s->comm, MPI_ERRORS_RETURN));
    PS_MPI(MPI_Comm_size(s->comm, &s->P));
    if (x0->d != d)
        ps_fail(PS_EXIT_FAIL, "ps_engine_dist", "coordinates of d = %d for a teacher of d = %d",
                x0->d, d);
    if (prow < 1 || pcol < 1 || prow * pcol != s->P)
        ps_fail(PS_EXIT_FAIL, "ps_engine_dist", "a %d x %d grid on a group of %d ranks", prow,
                pcol, s->P);
    s->sums = ps_malloc(sizeof(double) * 5 * (size_t)s->P, "group sums");
    /* the BLACS context lives on (a duplicate of) the group, so groups run independently */
    s->sys = Csys2blacs_handle(s->comm);
    s->ctxt = s->sys;
    Cblacs_gridinit(&s->ctxt, "R", prow, pcol);
    Cblacs_gridinfo(s->ctxt, &s->prow, &s->pcol, &s->myrow, &s->mycol);
    if (s->prow != prow || s->pcol != pcol)
        ps_fail(PS_EXIT_FAIL, "Cblacs_gridinit", "asked for a %d x %d grid, got %d x %d", prow,
                pcol, s->prow, s->pcol);

    dmat_init(s, &s->U1, s->m, d, "U1 blocks");
    dmat_init(s, &s->U2, s->m, d, "U2 blocks");
    dmat_scatter(s, &s->U1, x0->U1, s->m);
    dmat_scatter(s, &s->U2, x0->U2, s->m);
    ps_coords_free(x0);
    dmat_init(s, &s->A, d, d, "A blocks");
    dmat_init(s, &s->R, d, d, "R blocks");
    dmat_init(s, &s->A_best, d, d, "A_best blocks");
    dmat_init(s, &s->Astar, d, d, "A* blocks");
    dmat_init(s, &s->Y, d, d, "Y blocks");
    dmat_scatter(s, &s->Astar, t->Astar, d);
    dmat_scatter(s, &s->Y, t->Y, d);
    s->ev = ps_malloc(sizeof(double) * (size_t)d, "eigenvalues");
    if (theory) {
        dmat_init(s, &s->B, d, d, "B blocks");
        dmat_init(s, &s->G, d, d, "G blocks");
        dmat_init(s, &s->Q, d, d, "Q blocks");
        dmat_init(s, &s->H, d, d, "H blocks");
        dmat_init(s, &s->K, d, d, "K blocks");
        dmat_init(s, &s->T1, d, d, "T1 blocks");
        dmat_init(s, &s->T2, d, d, "T2 blocks");
        pgemm('T', 'N', d, d, s->m, 1.0, &s->U2, &s->U1, 0.0, &s->B); /* B(0) = A(0) */
        if (solver == PS_GROUP_EIG_ELPA && !ps_elpa_available())
            ps_fail(PS_EXIT_FAIL, "ps_engine_dist", "ELPA asked for, but this build has none");
        if (solver != PS_GROUP_EIG_PDSYEVD && elpa_fits(s))
            s->elpa = ps_elpa_create(s->comm, s->ctxt, d, s->nb, s->H.mloc, s->H.nloc,
                                     s->myrow, s->mycol);
        if (!s->elpa) {
            double wq;
            int iq;
            eigen_all(s, &s->H, &s->Q, &wq, -1, &iq, -1);
            s->lwork = eigen_all_lwork(s, wq);
            s->liwork = iq;
            s->work = ps_malloc(sizeof(double) * (size_t)s->lwork, "pdsyevd work");
            s->iwork = ps_malloc(sizeof(int) * (size_t)s->liwork, "pdsyevd iwork");
        }
    }
    if (trace) {
        double wq;
        int lq = -1;
        dmat_init(s, &s->S, d, d, "SVD copy blocks");
        PS_SCALAPACK(pdgesvd_("N", "N", &d, &d, s->S.a, &ONE, &ONE, s->S.desc, s->ev, NULL,
                              &ONE, &ONE, s->S.desc, NULL, &ONE, &ONE, s->S.desc, &wq, &lq,
                              &info, 1, 1), info);
        s->sv_lwork = (int)wq;
        s->sv_work = ps_malloc(sizeof(double) * (size_t)s->sv_lwork, "pdgesvd work");
    }
    return (ps_engine){.ops = &dist_ops, .state = s};
}

int ps_dist_grid_shape(int P, int *prow, int *pcol)
{
    *prow = *pcol = 0;
    if (P < 1) return -1;
    int r = 1;
    for (int q = 1; q * q <= P; q++)
        if (P % q == 0) r = q;
    *prow = r;
    *pcol = P / r;
    return 0;
}

ps_engine ps_engine_dist(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                         int trace, int nb)
{
    int P, prow, pcol;
    PS_MPI(MPI_Comm_size(group, &P));
    ps_dist_grid_shape(P, &prow, &pcol);
    return ps_engine_dist_grid(group, t, x0, theory, trace, nb, prow, pcol);
}

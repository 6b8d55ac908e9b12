/* eig_dsyevr: LAPACK's MRRR on one rank, selectable for comparison with dsyevd (slower at
 * every d measured, orthogonal to ~1e-13). */
#include <lapacke.h>
#include <stdlib.h>

#include "check.h"
#include "eigensolver.h"

typedef struct ws {
    double *work;
    lapack_int *iwork, *isuppz, lwork, liwork;
} ws;

/* The workspace query reads no matrix entry. */
static void query(int d, lapack_int *lwork, lapack_int *liwork)
{
    double wq, a = 0.0, w = 0.0, z = 0.0;
    lapack_int found, isuppz[2];
    PS_LAPACK(LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'A', 'U', d, &a, d, 0.0, 0.0, 0, 0, 0.0,
                                  &found, &w, &z, d, isuppz, &wq, -1, liwork, -1));
    *lwork = (lapack_int)wq;
}

static double bytes(int d, int P, int nb)
{
    lapack_int lw, liw;
    query(d, &lw, &liw);
    return 8.0 * (double)lw + (double)sizeof(lapack_int) * ((double)liw + 2.0 * d);
}

static void *setup(ps_dense *b, int d, ps_mat *H, ps_mat *Q)
{
    ws *w = ps_calloc(1, sizeof *w, "dsyevr workspace");
    w->isuppz = ps_malloc(sizeof(lapack_int) * 2 * (size_t)d, "dsyevr isuppz");
    query(d, &w->lwork, &w->liwork);
    w->work = ps_malloc(sizeof(double) * (size_t)w->lwork, "eigensolver work");
    w->iwork = ps_malloc(sizeof(lapack_int) * (size_t)w->liwork, "eigensolver iwork");
    return w;
}

static void solve(void *p, ps_dense *b, ps_mat *H, ps_mat *Q, double *ev)
{
    ws *w = p;
    lapack_int found;
    int d = H->cols;
    PS_LAPACK(LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'A', 'U', d, H->a, H->ld, 0.0, 0.0, 0,
                                  0, 0.0, &found, ev, Q->a, Q->ld, w->isuppz, w->work, w->lwork,
                                  w->iwork, w->liwork));
}

static void release(void *p)
{
    ws *w = p;
    if (!w) return;
    free(w->work); free(w->iwork); free(w->isuppz); free(w);
}

const ps_eigensolver ps_eig_dsyevr = {
    .name = "dsyevr", .kind = PS_DENSE_LOCAL, .bytes = bytes, .setup = setup, .solve = solve,
    .release = release,
};

/* eig_pdsyevd: ScaLAPACK's divide and conquer in a group -- not MRRR (pdsyevr): pdsyevr
 * reduces to tridiagonal form on a floor(sqrt(P))^2 subgrid -- one rank when P = 2 or 3 --
 * while pdsyevd's pdsytrd uses the whole grid; a theory step on 2 ranks took 2.9 s with
 * pdsyevd, 3.3-3.4 s with pdsyevr at d = 2048 (0.42 vs 0.50-0.56 s at d = 1024). */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "dense_dist.h"
#include "dist.h"
#include "eigensolver.h"

static const int ONE = 1;

typedef struct ws {
    double *work;
    int *iwork, lwork, liwork;
} ws;

/* pdsyevd's query undercounts what its back-transformation (PDORMTR) needs on a rank that
 * owns few blocks, and pdsyevd ignores PDORMTR's failure: it returned wrong vectors with
 * info = 0 at d = 64, nb = 64 on a 1x2 grid. So the workspace is at least PDORMTR's bound
 * (its LWORK formula with the largest local piece of a (d + nb)-order matrix) after
 * pdsyevd's 2d offset. */
static double ormtr_bound(int d, int nb_, int prow, int pcol)
{
    static const int zero = 0;
    int n = d + nb_;
    double nb = nb_, mp0 = numroc_(&n, &nb_, &zero, &zero, &prow),
           nq0 = numroc_(&n, &nb_, &zero, &zero, &pcol);
    return 2.0 * d + fmax(nb * (nb - 1) / 2, (mp0 + nq0) * nb) + nb * nb;
}

/* ScaLAPACK's documented minimum (LWORK >= max(1 + 6N + 2 NP NQ, TRILWMIN) + 2N, LIWORK =
 * 7N + 8 NPCOL + 2, on the rank with the largest piece) next to the PDORMTR bound. */
static double bytes(int d, int P, int nb)
{
    static const int zero = 0;
    int prow, pcol;
    ps_dist_grid_shape(P, &prow, &pcol);
    double np = numroc_(&d, &nb, &zero, &zero, &prow), nq = numroc_(&d, &nb, &zero, &zero, &pcol);
    double tri = 3.0 * d + fmax(nb * (np + 1), 3.0 * nb);
    double lwork = fmax(fmax(1 + 6.0 * d + 2 * np * nq, tri) + 2.0 * d,
                        ormtr_bound(d, nb, prow, pcol));
    return 8.0 * lwork + 4.0 * (7.0 * d + 8.0 * pcol + 2);
}

static void *setup(ps_dense *b, int d, ps_mat *H, ps_mat *Q)
{
    ps_dist_state *s = b->state;
    ws *w = ps_calloc(1, sizeof *w, "pdsyevd workspace");
    double wq, *ev = ps_malloc(sizeof(double) * (size_t)d, "eigenvalues");
    int iq, info, lq = -1;
    PS_SCALAPACK(pdsyevd_("V", "U", &d, H->a, &ONE, &ONE, H->desc, ev, Q->a, &ONE, &ONE,
                          Q->desc, &wq, &lq, &iq, &lq, &info, 1, 1), info);
    free(ev);
    double need = fmax(wq, ormtr_bound(d, s->nb, s->prow, s->pcol));
    if (need > 2147483647.0)
        ps_fail(PS_EXIT_FAIL, "pdsyevd", "workspace of %.0f doubles exceeds a 32-bit LWORK",
                need);
    w->lwork = (int)need;
    w->liwork = iq;
    w->work = ps_malloc(sizeof(double) * (size_t)w->lwork, "pdsyevd work");
    w->iwork = ps_malloc(sizeof(int) * (size_t)w->liwork, "pdsyevd iwork");
    return w;
}

static void solve(void *p, ps_dense *b, ps_mat *H, ps_mat *Q, double *ev)
{
    ws *w = p;
    int d = H->cols, info;
    PS_SCALAPACK(pdsyevd_("V", "U", &d, H->a, &ONE, &ONE, H->desc, ev, Q->a, &ONE, &ONE,
                          Q->desc, w->work, &w->lwork, w->iwork, &w->liwork, &info, 1, 1), info);
}

static void release(void *p)
{
    ws *w = p;
    if (!w) return;
    free(w->work); free(w->iwork); free(w);
}

const ps_eigensolver ps_eig_pdsyevd = {
    .name = "pdsyevd", .kind = PS_DENSE_DIST, .bytes = bytes, .setup = setup, .solve = solve,
    .release = release,
};

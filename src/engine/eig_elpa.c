/* eig_elpa: ELPA 1-stage in a group (elpa_eigh.h), the groups' default when the build has
 * it. ELPA reads both triangles, so the lower one is first filled from H^T (one transpose,
 * d^2 / P words, Q as its scratch). */
#include <stdlib.h>

#include "check.h"
#include "dense_dist.h"
#include "eigensolver.h"
#include "elpa_eigh.h"

static const int ONE = 1;

/* ELPA 1-stage stopped with "solve step encountered an error" when a rank owned no block
 * column (d = 64, nb = 64 on 1x2); pdsyevd (the next row) takes such small grids. */
static int fits(const ps_dense *b, int d)
{
    const ps_dist_state *s = b->state;
    int blocks = (d + s->nb - 1) / s->nb;
    return blocks >= s->prow && blocks >= s->pcol;
}

/* ELPA allocates its own workspace inside each solve, so no query can say it: fitted to the
 * peaks tests/test_cost.c measured at P = 2, 3 and d = 256 .. 512 (3 MB + 4.8 kB per row),
 * within 4% there; the cost model counts it as a per-call transient. */
static double bytes(int d, int P, int nb)
{
    return 3.0e6 + 8.0 * 600.0 * (double)d;
}

static void *setup(ps_dense *b, int d, ps_mat *H, ps_mat *Q)
{
    ps_dist_state *s = b->state;
    ps_elpa *e = ps_elpa_create(s->comm, s->ctxt, d, s->nb, H->mloc, H->nloc, s->myrow,
                                s->mycol);
    if (!e) ps_fail(PS_EXIT_FAIL, "ps_elpa_create", "ELPA asked for, but this build has none");
    return e;
}

static void solve(void *p, ps_dense *b, ps_mat *H, ps_mat *Q, double *ev)
{
    ps_dist_state *s = b->state;
    const double one = 1.0, zero = 0.0;
    int d = H->cols;
    pdtran_(&d, &d, &one, H->a, &ONE, &ONE, H->desc, &zero, Q->a, &ONE, &ONE, Q->desc);
    for (int jl = 0; jl < H->nloc; jl++) {
        int jg = ps_dist_global_index(jl, s->nb, s->mycol, s->pcol);
        size_t off = (size_t)jl * H->mloc;
        for (int il = 0; il < H->mloc; il++)
            if (ps_dist_global_index(il, s->nb, s->myrow, s->prow) > jg)
                H->a[off + il] = Q->a[off + il];
    }
    ps_elpa_eigh(p, H->a, ev, Q->a);
}

static void release(void *p) { ps_elpa_free(p); }

const ps_eigensolver ps_eig_elpa = {
    .name = "elpa", .kind = PS_DENSE_DIST, .available = ps_elpa_available, .fits = fits,
    .bytes = bytes, .setup = setup, .solve = solve, .release = release,
};

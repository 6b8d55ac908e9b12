/* group: splitting ranks into run groups and keeping a group's runs in lockstep. */
#include "group.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "cost.h"
#include "dist.h"
#include "eigensolver.h"
#include "init.h"
#include "signals.h"
#include "tasks.h"

/* The smallest divisor of nranks that is >= want (nranks itself when none is). */
static int divisor_at_least(int nranks, int want)
{
    for (int P = want > 1 ? want : 1; P < nranks; P++)
        if (nranks % P == 0) return P;
    return nranks;
}

int ps_group_auto_size(const ps_cost_in *widest, int nranks, int64_t ntasks, double max_mem)
{
    if (nranks <= 1) return 1;
    /* memory: the smallest group whose per-rank share fits (the largest when none does: the
     * --max-mem check then refuses with that P's figure) */
    ps_cost_in in = *widest;
    const int d = in.d;
    int P_mem = 1;
    for (in.P = P_mem; P_mem < nranks && ps_cost_of(&in).bytes > max_mem; in.P = P_mem)
        P_mem = divisor_at_least(nranks, P_mem + 1);
    if (ntasks >= nranks || d < PS_GROUP_CROSSOVER_D) return P_mem;
    /* fewer tasks than ranks, above the crossover: spread the tasks over all ranks, each
     * rank keeping at least the d^3 share a 2-rank group has at the crossover */
    double x = PS_GROUP_CROSSOVER_D, share_min = x * x * x / 2.0, dd = d;
    int64_t per_task = ntasks > 0 ? nranks / ntasks : nranks;
    int P_split = 1;
    for (int P = 2; P <= nranks; P++)
        if (nranks % P == 0 && P <= per_task && dd * dd * dd / P >= share_min) P_split = P;
    return P_split > P_mem ? P_split : P_mem;
}

/* The widest run of the command: a sweep's largest gw (ps_width grows with gw), else --gw;
 * `trace` records its run, sweep --curves its series. */
static ps_cost_in widest_run(const ps_options *o)
{
    ps_params p = o->p;
    if (o->cmd == PS_CMD_SWEEP)
        p.gw = fmax(ps_range_at(&o->gw_range, 0), ps_range_at(&o->gw_range, o->gw_range.n - 1));
    return ps_cost_in_params(&p, 1, o->cmd == PS_CMD_TRACE ? PS_TRACE_FULL
                                    : o->curves ? PS_TRACE_CURVES : PS_TRACE_NONE);
}

int ps_group_resolve(const ps_options *o, int nranks, char *msg, size_t len)
{
    int64_t ntasks = o->cmd == PS_CMD_SWEEP ? ps_task_count(o) : 1;
    int P = o->group_size;
    if (!P) {
        ps_cost_in widest = widest_run(o);
        P = ps_group_auto_size(&widest, nranks, ntasks, o->p.max_mem);
    }
    if (P > nranks) {
        snprintf(msg, len, "--group-size: %d exceeds the %d MPI rank%s of this job (accepted: "
                 "auto or [1, %d])", P, nranks, nranks == 1 ? "" : "s", nranks);
        return 0;
    }
    /* the eigensolver must suit every group's backend: groups of P and a last one of
     * nranks % P; a group of one runs the local engine */
    int last = nranks % P;
    if ((P == 1 || last == 1) &&
        ps_eigensolver_check(o->p.eigensolver, PS_DENSE_LOCAL, msg, len))
        return 0;
    if ((P > 1 || last > 1) && ps_eigensolver_check(o->p.eigensolver, PS_DENSE_DIST, msg, len))
        return 0;
    return P;
}

static ps_engine make_dist(void *ctx, const ps_teacher *t, ps_coords *x0, const ps_params *p,
                           int trace)
{
    const ps_group *g = ctx;
    int prow, pcol;
    ps_dist_grid_shape(g->size, &prow, &pcol);
    return ps_engine_dist_solver(g->comm, t, x0, p->theory, trace, g->nb, prow, pcol,
                                 p->eigensolver);
}

void ps_group_split(MPI_Comm comm, int P, int nb, ps_group *g)
{
    int rank;
    PS_MPI(MPI_Comm_rank(comm, &rank));
    PS_MPI(MPI_Comm_split(comm, rank / P, rank, &g->comm));
    PS_MPI(MPI_Comm_rank(g->comm, &g->rank));
    PS_MPI(MPI_Comm_size(g->comm, &g->size));
    g->nb = nb;
    g->maker = (ps_engine_maker){g->size > 1 ? make_dist : NULL, g};
}

void ps_group_free(ps_group *g) { PS_MPI(MPI_Comm_free(&g->comm)); }

int ps_group_memory_check(const ps_params *p, int64_t width, int P, int trace, char *msg,
                          size_t len)
{
    const int explicit = p->mode == PS_MODE_EXPLICIT;
    int64_t m = explicit ? width : ps_reduced_rank(p->d, width);
    if (m > INT_MAX / 2) {
        snprintf(msg, len, "--mode explicit: w=%lld (gw=%.17g) exceeds the %d an explicit run "
                 "can index (use --mode reduced)", (long long)width, p->gw, INT_MAX / 2);
        return 1;
    }
    ps_cost_in in = ps_cost_in_params(p, P, trace);
    in.width = width;
    double need = ps_cost_of(&in).bytes;
    if (need <= p->max_mem) return 0;
    char per_rank[48] = "";
    if (P > 1) snprintf(per_rank, sizeof per_rank, " per rank in groups of %d", P);
    snprintf(msg, len, "--max-mem: %s mode at d=%d, w=%lld (gw=%.17g) needs %.3g GiB%s, above "
             "the limit of %.3g GiB (raise --max-mem%s)", explicit ? "explicit" : "reduced",
             p->d, (long long)width, p->gw, need / 1073741824.0, per_rank,
             p->max_mem / 1073741824.0, explicit ? " or use --mode reduced" : "");
    return 1;
}

int ps_group_poll(void *ctx)
{
    ps_group_hook *h = ctx;
    int mine[2] = {h->inner && h->inner->poll ? h->inner->poll(h->inner->ctx) : 0,
                   ps_signal_caught()};
    if (h->g->size == 1) {
        if (mine[1]) h->signal = mine[1];
        return mine[0] || mine[1];
    }
    int all[2];
    PS_MPI(MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, h->g->comm));
    if (all[1]) h->signal = all[1];
    return all[0] || all[1];
}

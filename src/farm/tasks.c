/* tasks: numbering, params and hand-out order of the sweep's tasks. */
#include "tasks.h"

#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "cost.h"

int64_t ps_task_count(const ps_options *o)
{
    return (int64_t)o->gs_range.n * o->gw_range.n * o->replicas;
}

void ps_task_decode(const ps_options *o, int64_t t, int *is, int *iw, int *r)
{
    int64_t R = o->replicas, n_w = o->gw_range.n;
    *r = (int)(t % R);
    *iw = (int)(t / R % n_w);
    *is = (int)(t / R / n_w);
}

ps_params ps_task_params(const ps_options *o, int64_t t)
{
    int is, iw, r;
    ps_task_decode(o, t, &is, &iw, &r);
    ps_params p = o->p;
    p.gs = ps_range_at(&o->gs_range, is);
    p.gw = ps_range_at(&o->gw_range, iw);
    p.replica = o->replica_first + r; /* the replica's number seeds its streams, not its index */
    return p;
}

typedef struct keyed {
    int64_t t;
    int r;
    double cost, active; /* active = gs + gw */
} keyed;

static int by_key(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->r != b->r) return a->r < b->r ? -1 : 1;
    if (a->cost != b->cost) return a->cost > b->cost ? -1 : 1;
    if (a->active != b->active) return a->active < b->active ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}

int64_t ps_tasks_order(const ps_options *o, const uint8_t *done, int64_t *order)
{
    int64_t total = ps_task_count(o), n = 0;
    keyed *k = ps_malloc(sizeof *k * (size_t)(total ? total : 1), "task order");
    for (int64_t t = 0; t < total; t++) {
        if (done[t]) continue;
        ps_params p = ps_task_params(o, t);
        k[n].t = t;
        k[n].r = p.replica;
        k[n].cost = ps_cost_params(&p, 1, 0).flops;
        k[n].active = p.gs + p.gw;
        n++;
    }
    qsort(k, (size_t)n, sizeof *k, by_key);
    for (int64_t i = 0; i < n; i++) order[i] = k[i].t;
    free(k);
    return n;
}

/* ---- parts ---- */

typedef struct costed {
    int64_t t;
    double cost;
} costed;

static int by_cost(const void *pa, const void *pb)
{
    const costed *a = pa, *b = pb;
    if (a->cost != b->cost) return a->cost > b->cost ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}

void ps_tasks_partition(const ps_options *o, int n, int *part_of)
{
    int64_t total = ps_task_count(o);
    costed *c = ps_malloc(sizeof *c * (size_t)(total ? total : 1), "task parts");
    for (int64_t t = 0; t < total; t++) {
        ps_params p = ps_task_params(o, t);
        c[t] = (costed){t, ps_cost_params(&p, 1, 0).flops};
    }
    qsort(c, (size_t)total, sizeof *c, by_cost);
    /* snake order: round k deals 0..n-1 when k is even, n-1..0 when odd */
    for (int64_t i = 0; i < total; i++) {
        int64_t round = i / n, at = i % n;
        part_of[c[i].t] = (int)(round % 2 ? n - 1 - at : at);
    }
    free(c);
}

int64_t ps_tasks_keep_part(const ps_options *o, uint8_t *done)
{
    if (o->part_count < 1) return 0;
    int64_t total = ps_task_count(o), marked = 0;
    int *part_of = ps_malloc(sizeof *part_of * (size_t)(total ? total : 1), "task parts");
    ps_tasks_partition(o, o->part_count, part_of);
    for (int64_t t = 0; t < total; t++)
        if (part_of[t] != o->part_index) {
            done[t] = 1;
            marked++;
        }
    free(part_of);
    return marked;
}

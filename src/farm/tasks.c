/* tasks: numbering, params and hand-out order of the sweep's tasks. */
#include "tasks.h"

#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "cost.h"

int ps_task_shape(const ps_options *o, int64_t *n)
{
    int k = 0;
    for (; k < o->n_axes; k++) n[k] = o->axes[k].n;
    n[k++] = o->gs_range.n;
    n[k++] = o->gw_range.n;
    n[k++] = o->replicas;
    return k;
}

int64_t ps_task_count(const ps_options *o)
{
    int64_t n[PS_MAX_AXES + 3], total = 1;
    const int k = ps_task_shape(o, n);
    for (int i = 0; i < k; i++) total *= n[i];
    return total;
}

int ps_task_index(const ps_options *o, int64_t t, int64_t *idx)
{
    int64_t n[PS_MAX_AXES + 3];
    const int k = ps_task_shape(o, n);
    for (int i = k - 1; i >= 0; i--) {
        idx[i] = t % n[i];
        t /= n[i];
    }
    return k;
}

int64_t ps_task_number(const ps_options *o, const int64_t *idx)
{
    int64_t n[PS_MAX_AXES + 3], t = 0;
    const int k = ps_task_shape(o, n);
    for (int i = 0; i < k; i++) t = t * n[i] + idx[i];
    return t;
}

void ps_task_decode(const ps_options *o, int64_t t, int *is, int *iw, int *r)
{
    int64_t idx[PS_MAX_AXES + 3];
    const int k = ps_task_index(o, t, idx);
    *is = (int)idx[k - 3];
    *iw = (int)idx[k - 2];
    *r = (int)idx[k - 1];
}

ps_params ps_task_params(const ps_options *o, int64_t t)
{
    int64_t idx[PS_MAX_AXES + 3];
    const int k = ps_task_index(o, t, idx);
    ps_params p = o->p;
    for (int a = 0; a < o->n_axes; a++)
        ps_axis_set(o->axes[a].axis, &p, o->axes[a].v[idx[a]]);
    p.gs = ps_range_at(&o->gs_range, (int)idx[k - 3]);
    p.gw = ps_range_at(&o->gw_range, (int)idx[k - 2]);
    p.replica = o->replica_first + (int)idx[k - 1]; /* the replica's number seeds its streams */
    return p;
}

int64_t ps_task_teacher(const ps_options *o, int64_t t)
{
    int64_t idx[PS_MAX_AXES + 3];
    const int k = ps_task_index(o, t, idx);
    for (int a = 0; a < o->n_axes; a++)
        if (!o->axes[a].axis->teacher) idx[a] = 0;
    idx[k - 3] = idx[k - 2] = 0; /* gamma_s, gamma_w: the student's; the replica's kept */
    return ps_task_number(o, idx);
}

typedef struct keyed {
    int64_t t;
    int r; /* the replica: its tasks share teachers (d, rank, noise, seed aside) */
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

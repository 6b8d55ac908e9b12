/* tasks: the sweep's work list. A task is one (gamma_s, gamma_w, replica) point, numbered as the
 * done flags are stored: t = (is * n_w + iw) * R + r. Its params are the sweep's with gs, gw and
 * replica set, so a task's result equals `phasesweep run` with those values. The order in which
 * tasks are handed out decides the load balance only, never a result. Pure functions. */
#ifndef PS_TASKS_H
#define PS_TASKS_H

#include <stdint.h>
#include "cli.h"

int64_t ps_task_count(const ps_options *o);
void ps_task_decode(const ps_options *o, int64_t t, int *is, int *iw, int *r);
/* o->p with gs = gs_range[is], gw = gw_range[iw], replica = replica_first + r (the replica's
 * number, so that replica 2 of --replicas 2:3 is replica 2 of --replicas 3). */
ps_params ps_task_params(const ps_options *o, int64_t t);

/* Writes the tasks not done (done: [n_s][n_w][R] flags) into order, the order to hand them
 * out in, and returns their number: replica by replica (a rank then regenerates its teacher
 * about once per replica), within a replica most expensive first (so the last tasks are the
 * cheap ones that fill the gaps), ties by smaller gs + gw, then by index. */
int64_t ps_tasks_order(const ps_options *o, const uint8_t *done, int64_t *order);

/* --part: deals every task into one of n parts (part_of[t] in [0, n-1]), balanced by expected
 * cost: all tasks sorted by their expected flops (ps_cost_params(p, 1, 0).flops, cost.h),
 * largest first (ties by index), then dealt like cards
 * in snake order 0, 1, .., n-1, n-1, .., 1, 0, 0, 1, ... Part sizes differ by at most one and
 * their costs by at most the largest task's. Deterministic for a given sweep (its identity
 * options); every part computes the same dealing. */
void ps_tasks_partition(const ps_options *o, int n, int *part_of);
/* Marks the tasks of other parts than o->part_index of o->part_count as done, so that a part's
 * sweep hands out its own tasks only; returns how many it marked (0 without --part). */
int64_t ps_tasks_keep_part(const ps_options *o, uint8_t *done);

#endif

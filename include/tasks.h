/* tasks: the sweep's work list. A task is one point (a_1, .., a_k, gamma_s, gamma_w, replica)
 * of the sweep's extra axes (cli.h, in the options table's order) and its grid, numbered
 * row-major as the done flags are stored: extra axes outermost, replica fastest, so with no
 * extra axis t = (is * n_w + iw) * R + r. Its params are the sweep's with every axis' value
 * set, so a task's result equals `phasesweep run` with those values. The order in which
 * tasks are handed out decides the load balance only, never a result. Pure functions. */
#ifndef PS_TASKS_H
#define PS_TASKS_H

#include <stdint.h>
#include "cli.h"

/* The sizes of the task dimensions into n (PS_MAX_AXES + 3 room): the extra axes', then
 * gamma_s, gamma_w, replica; returns their number. */
int ps_task_shape(const ps_options *o, int64_t *n);
int64_t ps_task_count(const ps_options *o);
/* Task t's index along every dimension of ps_task_shape (returns their number), and back. */
int ps_task_index(const ps_options *o, int64_t t, int64_t *idx);
int64_t ps_task_number(const ps_options *o, const int64_t *idx);
/* Its gamma_s, gamma_w and replica indices (the last three of ps_task_index). */
void ps_task_decode(const ps_options *o, int64_t t, int *is, int *iw, int *r);
/* o->p with every extra axis' value, gs = gs_range[is], gw = gw_range[iw], replica =
 * replica_first + r (the replica's number, so that replica 2 of --replicas 2:3 is replica 2
 * of --replicas 3). */
ps_params ps_task_params(const ps_options *o, int64_t t);
/* The key of t's teacher: the first task with the same replica and the same value of every
 * axis that defines the teacher (axes.h: d, rank, noise, observed, seed); tasks of equal
 * keys draw the same A*, E and completion mask, so a rank may keep one teacher from task to task of a key. */
int64_t ps_task_teacher(const ps_options *o, int64_t t);

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

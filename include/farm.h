/* farm: the sweep's scheduler, and nothing else: it knows tasks by number, never files. Rank 0
 * is master and worker at once; the tasks are handed out one at a time in the given order
 * (most expensive first, as tasks.h orders them); every rank, rank 0 included, computes tasks.
 * The master answers requests from inside its own runs (the run hook), so no rank idles and
 * none spins. With groups (group.h) the protocol runs among the group leaders, and each
 * leader's members run its tasks with it in lockstep. A stop request (by default a caught
 * signal, SIGTERM/SIGUSR1...) stops the hand-out and aborts the running tasks; ps_farm_run
 * then returns normally. Every MPI call goes through check.h. */
#ifndef PS_FARM_H
#define PS_FARM_H

#include <mpi.h>
#include <stdint.h>
#include "group.h"
#include "run.h"

typedef struct ps_farm_callbacks {
    /* Runs task t; called on every member of the group that was handed t, with the hooks to
     * poll once per iteration (they serve the farm and agree on aborting within the group).
     * Returns 1 with *res filled (res->seconds is the task's time), 0 when the run was
     * aborted (an aborted run is not a result). */
    int (*run)(void *ctx, int64_t t, const ps_hooks *hooks, ps_result *res);
    /* Stores task t's result; called once per completed task, on the leader of the group
     * that ran it (the rank that must write it). NULL: nothing stored. */
    void (*store)(void *ctx, int64_t t, const ps_result *res);
    /* On rank 0 only: t >= 0 when task t completed (cost: its entry of the cost array,
     * seconds: its time, as the worker reported it), t = -1 for a tick (time passed).
     * NULL: none. */
    void (*progress)(void *ctx, int64_t t, double cost, double seconds);
    /* Polled by every leader; nonzero (e.g. a signal number) asks the farm to stop. NULL:
     * ps_signal_caught(). */
    int (*stop)(void *ctx);
    void *ctx;
} ps_farm_callbacks;

/* Collective over comm, whose ranks are split into groups as g says (ps_group_split over the
 * same comm). order[0..n-1] (the tasks to run, in hand-out order) and cost[i] (order[i]'s
 * estimated cost, for the progress) are read on rank 0 only; other ranks may pass NULL. Runs
 * each task at most once, every one of them unless a stop is requested; a task whose run
 * was aborted is neither stored nor reported. Returns, on rank 0, the stop request that
 * ended the hand-out (the first nonzero value of cb->stop on any leader), 0 when every task
 * ran; 0 on the other ranks. */
int ps_farm_run(MPI_Comm comm, const ps_group *g, const int64_t *order, const double *cost,
                int64_t n, const ps_farm_callbacks *cb);

#endif

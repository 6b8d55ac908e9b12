/* sweep: `phasesweep sweep` (sweep.h). The command owns its file: it takes the lock, creates or
 * resumes the file, has the farm schedule the tasks, stores each result through the farm's
 * store callback (on the leader of the group that ran it) and closes. The farm itself knows
 * nothing about files. */
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "blascheck.h"
#include "check.h"
#include "cost.h"
#include "farm.h"
#include "group.h"
#include "h5_file.h"
#include "h5io.h"
#include "init.h"
#include "lock.h"
#include "outpath.h"
#include "progress.h"
#include "run.h"
#include "signals.h"
#include "tasks.h"

/* Whether stderr ends on a terminal. Under a local mpirun a rank's stderr is a pipe to mpirun
 * (and its stdout a pty, terminal or not), so it is mpirun's own stderr that tells; a parent
 * we cannot look at (srun, a remote orted, not Linux) counts as no terminal: plain lines. */
static int on_terminal(void)
{
    if (isatty(2)) return 1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd/2", (long)getppid());
    int fd = open(path, O_WRONLY | O_NOCTTY);
    if (fd < 0) return 0;
    int tty = isatty(fd);
    close(fd);
    return tty;
}

/* Every run of the grid must fit in --max-mem. Checked before the file is touched, on every
 * rank alike, so that all ranks refuse together instead of one failing mid-sweep. Returns 0,
 * or 1 with the complaint in msg. */
static int check_grid(const ps_options *o, int P, char *msg, size_t len)
{
    ps_params p = o->p;
    /* at the largest d of a d axis (the memory grows with d) */
    for (int k = 0; k < o->n_axes; k++)
        if (o->axes[k].axis->offset == offsetof(ps_params, d))
            for (int i = 0; i < o->axes[k].n; i++)
                if (o->axes[k].v[i].i > p.d) p.d = (int)o->axes[k].v[i].i;
    p.max_iter = ps_options_max_iter(o); /* --curves' series: the longest task's */
    for (int iw = 0; iw < o->gw_range.n; iw++) {
        p.gw = ps_range_at(&o->gw_range, iw);
        int64_t w = ps_width(p.d, p.gw);
        if (w < 1) {
            snprintf(msg, len, "--gw: d^gw = %d^%.17g is outside [1, 2^53]", p.d, p.gw);
            return 1;
        }
        if (ps_group_memory_check(&p, w, P, o->curves ? PS_TRACE_CURVES : 0, msg, len))
            return 1;
    }
    return 0;
}

/* A new sweep's file must fit in --max-file (its data bytes, curves included). */
static int check_file_size(const ps_options *o, char *msg, size_t len)
{
    double curves, bytes = ps_sweep_file_bytes(o, &curves);
    if (o->resume || bytes <= o->max_file) return 0;
    const double G = 1073741824.0;
    if (o->curves)
        snprintf(msg, len, "--max-file: the sweep file would hold %.3g GiB, %.3g GiB of them "
                 "curves (5 variables x %d iterations x %lld tasks), above the limit of %.3g GiB "
                 "(raise --max-file, or record fewer iterations with --curves-every)",
                 bytes / G, curves / G, ps_curve_points(o), (long long)ps_task_count(o),
                 o->max_file / G);
    else
        snprintf(msg, len, "--max-file: the sweep file would hold %.3g GiB (%lld tasks), above "
                 "the limit of %.3g GiB (raise --max-file)", bytes / G,
                 (long long)ps_task_count(o), o->max_file / G);
    return 1;
}

/* ---- the farm's callbacks ---- */

typedef struct sweep {
    const ps_options *o;
    ps_sweep_file *f;
    const ps_group *g;
    ps_teacher teacher; /* the last task's; it depends on (replica, d, rank, noise, seed, observed) only */
    int64_t teacher_key; /* its ps_task_teacher key, -1 before the first */
    ps_trace curves;    /* --curves: the running task's series, allocated once */
    ps_progress pr;     /* rank 0's */
} sweep;

static int run_task(void *ctx, int64_t t, const ps_hooks *hooks, ps_result *res)
{
    sweep *s = ctx;
    ps_params p = ps_task_params(s->o, t);
    const int64_t key = ps_task_teacher(s->o, t);
    if (s->teacher_key != key) {
        if (s->teacher_key >= 0) ps_teacher_free(&s->teacher);
        ps_teacher_generate(&s->teacher, &p);
        s->teacher_key = key;
    }
    char msg[512];
    /* check_grid refused every run that ps_run_task would refuse: this is a defect */
    if (ps_run_task(&p, &s->teacher, res, s->o->curves ? &s->curves : NULL, hooks,
                    &s->g->maker, msg, sizeof msg))
        ps_fail(PS_EXIT_FAIL, "ps_run_task", "%s", msg);
    return res->stop != PS_STOP_ABORTED;
}

static void store_result(void *ctx, int64_t t, const ps_result *res)
{
    sweep *s = ctx;
    /* the curves first: done, written last by the result, then covers them too */
    if (s->o->curves) ps_sweep_write_curves(s->f, t, &s->curves);
    ps_sweep_write_result(s->f, t, res);
}

static void progress(void *ctx, int64_t t, double cost, double seconds)
{
    sweep *s = ctx;
    if (t >= 0) ps_progress_task_done(&s->pr, cost, seconds);
    ps_progress_tick(&s->pr, ps_progress_now());
}

/* ---- the command ---- */

int ps_sweep_main(MPI_Comm comm, const ps_options *o)
{
    double t0 = ps_progress_now();
    ps_signals *sig = ps_signals_install();
    int rank, ranks;
    PS_MPI(MPI_Comm_rank(comm, &rank));
    PS_MPI(MPI_Comm_size(comm, &ranks));
    char msg[PS_H5_MSG] = "";
    int P = ps_group_resolve(o, ranks, msg, sizeof msg);
    /* the smallest group (the last one, when P does not divide the ranks) needs the most;
     * every rank reached the same verdict */
    if (!P || check_grid(o, ranks % P ? ranks % P : P, msg, sizeof msg) ||
        check_file_size(o, msg, sizeof msg))
        ps_refuse_collective(comm, PS_EXIT_USAGE, msg);

    /* one writer per --out, from before the existence checks to after the close; the path
     * before the lock (a symlinked lock, /proc, a name too long for MPI-IO) */
    if (rank == 0 && o->out)
        ps_outpath_problem(o->out, o->resume ? PS_OUT_RESUME : PS_OUT_SWEEP, msg, sizeof msg);
    ps_lock *lock;
    if (ps_lock_claim(comm, o->out, &lock, msg, sizeof msg))
        ps_refuse_collective(comm, PS_EXIT_USAGE, msg);
    sweep s = {.o = o, .teacher_key = -1};
    if ((o->resume ? ps_sweep_resume : ps_sweep_create)(comm, o, &s.f, msg, sizeof msg)) {
        ps_lock_release(lock);
        ps_refuse_collective(comm, PS_EXIT_USAGE, msg);
    }
    if (rank == 0) ps_blas_warn(stderr); /* once, after every refusal; never fails */

    /* the tasks left: not done in the file, and --part's own (the other parts' tasks count
     * as done here and are left out of the totals) */
    int64_t total = ps_task_count(o);
    uint8_t *done = ps_malloc((size_t)total, "done flags");
    ps_sweep_read_done(s.f, done);
    int64_t others = ps_tasks_keep_part(o, done);
    ps_group g;
    ps_group_split(comm, P, o->block, &g);
    if (o->curves) ps_trace_alloc_curves(&s.curves, ps_options_max_iter(o));
    s.g = &g;
    int64_t *order = NULL, n = 0;
    double *cost = NULL;
    if (rank == 0) {
        int64_t n_done = 0;
        for (int64_t t = 0; t < total; t++) n_done += done[t] != 0;
        order = ps_malloc(sizeof *order * (size_t)(total - n_done + 1), "task order");
        cost = ps_malloc(sizeof *cost * (size_t)(total - n_done + 1), "task costs");
        n = ps_tasks_order(o, done, order);
        double cost_left = 0;
        for (int64_t i = 0; i < n; i++) {
            ps_params p = ps_task_params(o, order[i]);
            cost_left += cost[i] = ps_cost_params(&p, 1, 0).flops;
        }
        ps_progress_start(&s.pr, total - others, n_done - others, cost_left,
                          (ranks + P - 1) / P, on_terminal(), t0);
        s.pr.unit = P > 1 ? "group" : "rank";
    }
    ps_farm_callbacks cb = {.run = run_task, .store = store_result,
                            .progress = rank == 0 ? progress : NULL, .ctx = &s};
    int stop = ps_farm_run(comm, &g, order, cost, n, &cb);

    if (s.teacher_key >= 0) ps_teacher_free(&s.teacher);
    if (o->curves) ps_trace_free(&s.curves);
    ps_group_free(&g);
    ps_sweep_close(s.f);
    ps_lock_release(lock);
    if (rank == 0) {
        /* A signal caught after the last task ended changes nothing: the sweep is complete. */
        int signal = stop ? stop : ps_signal_caught();
        int stopped = s.pr.done < s.pr.total && signal;
        ps_progress_finish(&s.pr, ps_progress_now(), stopped ? signal : 0);
    }
    free(order);
    free(cost);
    free(done);
    ps_signals_restore(sig);
    return 0;
}

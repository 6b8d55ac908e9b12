/* farm: `phasesweep sweep`. Rank 0 is master and worker at once: it computes tasks like the
 * others and serves the workers' requests from inside its own iterations (the run hook).
 *
 * Protocol on a private duplicate of comm (every message is matched, so the farm leaves
 * nothing behind):
 *   worker -> 0   TAG_REQ  3 doubles: seconds of its previous task, 1 if that task was
 *                          completed and written, the signal the worker caught (or 0);
 *   0 -> worker   TAG_TASK one int64: a task, or STOP, or STOP_NOTIFIED (= STOP, and a
 *                          TAG_STOP was also sent to you: receive it if you have not);
 *   0 -> worker   TAG_STOP unsolicited, at most once, while the worker computes: abort.
 * Every request gets exactly one answer; a worker leaves after a STOP answer; rank 0 leaves
 * once every worker has had one. Waiting ranks poll with short sleeps instead of spinning
 * (Open MPI's blocking receive busy-polls a core, which oversubscribed ranks need). */
#define _POSIX_C_SOURCE 200809L
#include "farm.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "blascheck.h"
#include "check.h"
#include "cost.h"
#include "group.h"
#include "h5io.h"
#include "init.h"
#include "lock.h"
#include "outpath.h"
#include "progress.h"
#include "run.h"
#include "signals.h"
#include "tasks.h"

enum { TAG_REQ = 1, TAG_TASK = 2, TAG_STOP = 3 };
#define STOP (-1)
#define STOP_NOTIFIED (-2)

static void nap(long ns)
{
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

/* ---- one task, on any rank ---- */

typedef struct runner {
    const ps_options *o;
    ps_sweep_file *f;
    ps_group *g;        /* the ranks that run each task together; its leader writes */
    ps_teacher teacher; /* the last replica's; it depends on (seed, replica) only */
    int teacher_replica;
} runner;

/* A group's members learn their next task (or STOP) from the leader: a broadcast that the
 * waiting members poll with naps, since a blocking one spins. */
static int64_t group_task(const ps_group *g, int64_t t)
{
    MPI_Request rq;
    PS_MPI(MPI_Ibcast(&t, 1, MPI_INT64_T, 0, g->comm, &rq));
    long ns = 20000;
    for (;;) {
        int flag;
        PS_MPI(MPI_Test(&rq, &flag, MPI_STATUS_IGNORE));
        if (flag) return t;
        nap(ns);
        if (ns < 1000000) ns *= 2;
    }
}

/* Runs task t on the whole group (the leader first tells the members) and has the leader write
 * its result; returns 1 then, 0 when the run was aborted (an aborted run is not a result and
 * is never stored). `hooks` is the leader's farm hook, NULL on members. */
static int run_one(runner *rn, int64_t t, const ps_hooks *hooks, double *seconds)
{
    if (rn->g->size > 1 && rn->g->rank == 0) group_task(rn->g, t);
    ps_params p = ps_task_params(rn->o, t);
    int is, iw, r;
    ps_task_decode(rn->o, t, &is, &iw, &r);
    if (rn->teacher_replica != r) {
        if (rn->teacher_replica >= 0) ps_teacher_free(&rn->teacher);
        ps_teacher_generate(&rn->teacher, &p);
        rn->teacher_replica = r;
    }
    ps_result res;
    ps_group_hook gh = {rn->g, hooks, 0};
    ps_hooks group_hooks = {ps_group_poll, &gh};
    ps_run_task(&p, &rn->teacher, &res, NULL, &group_hooks, &rn->g->maker);
    if (res.stop == PS_STOP_ABORTED) return 0;
    if (rn->g->rank == 0) ps_sweep_write_result(rn->f, is, iw, r, &res);
    *seconds = res.seconds;
    return 1;
}

/* ---- rank 0 ---- */

typedef struct master {
    MPI_Comm comm;
    int ranks;
    const int64_t *order;
    const double *cost;  /* of order[i] */
    int64_t n_order, next;
    int64_t *holds;      /* per rank: position in order of the task it computes, or -1 */
    unsigned char *notified, *retired;
    int n_retired;
    MPI_Request *stop_sends;
    int n_stop_sends;
    int stopping, signal;
    ps_progress pr;
} master;

static void note_done(master *m, int rank, int completed, double seconds)
{
    if (completed && m->holds[rank] >= 0)
        ps_progress_task_done(&m->pr, m->cost[m->holds[rank]], seconds);
    m->holds[rank] = -1;
}

/* Stops the hand-out; busy workers are told at once so they abort their runs. */
static void begin_stop(master *m, int signal)
{
    if (!m->signal) m->signal = signal;
    if (m->stopping) return;
    m->stopping = 1;
    static const int64_t zero = 0;
    for (int w = 1; w < m->ranks; w++)
        if (m->holds[w] >= 0 && !m->retired[w] && !m->notified[w]) {
            PS_MPI(MPI_Isend(&zero, 1, MPI_INT64_T, w, TAG_STOP, m->comm,
                             &m->stop_sends[m->n_stop_sends++]));
            m->notified[w] = 1;
        }
}

/* Answers every pending request; returns how many. */
static int serve(master *m)
{
    int served = 0;
    int sig = ps_signal_caught();
    if (sig) begin_stop(m, sig);
    for (;;) {
        int flag;
        MPI_Status st;
        PS_MPI(MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQ, m->comm, &flag, &st));
        if (!flag) break;
        double rep[3];
        int w = st.MPI_SOURCE;
        PS_MPI(MPI_Recv(rep, 3, MPI_DOUBLE, w, TAG_REQ, m->comm, MPI_STATUS_IGNORE));
        note_done(m, w, rep[1] != 0, rep[0]);
        if (rep[2] != 0) begin_stop(m, (int)rep[2]);
        int64_t answer;
        if (!m->stopping && m->next < m->n_order) {
            m->holds[w] = m->next++;
            answer = m->order[m->holds[w]];
        } else {
            answer = m->notified[w] ? STOP_NOTIFIED : STOP;
            m->retired[w] = 1;
            m->n_retired++;
        }
        PS_MPI(MPI_Send(&answer, 1, MPI_INT64_T, w, TAG_TASK, m->comm));
        served++;
    }
    return served;
}

static int master_poll(void *ctx)
{
    master *m = ctx;
    serve(m);
    ps_progress_tick(&m->pr, ps_progress_now());
    return m->stopping;
}

static void run_master(master *m, runner *rn)
{
    ps_hooks hooks = {master_poll, m};
    for (;;) {
        serve(m);
        if (m->stopping || m->next >= m->n_order) break;
        m->holds[0] = m->next++;
        double seconds = 0;
        int completed = run_one(rn, m->order[m->holds[0]], &hooks, &seconds);
        note_done(m, 0, completed, seconds);
        ps_progress_tick(&m->pr, ps_progress_now());
    }
    /* Out of work (or stopping): wait for the workers' last tasks. */
    long ns = 50000;
    while (m->n_retired < m->ranks - 1) {
        if (serve(m)) {
            ns = 50000;
        } else {
            nap(ns);
            if (ns < 1000000) ns *= 2;
        }
        ps_progress_tick(&m->pr, ps_progress_now());
    }
    PS_MPI(MPI_Waitall(m->n_stop_sends, m->stop_sends, MPI_STATUSES_IGNORE));
}

/* ---- ranks > 0 ---- */

typedef struct worker {
    MPI_Comm comm;
    int got_stop;
} worker;

static int worker_poll(void *ctx)
{
    worker *k = ctx;
    if (ps_signal_caught()) return 1;
    if (!k->got_stop) {
        int flag;
        PS_MPI(MPI_Iprobe(0, TAG_STOP, k->comm, &flag, MPI_STATUS_IGNORE));
        if (flag) {
            int64_t zero;
            PS_MPI(MPI_Recv(&zero, 1, MPI_INT64_T, 0, TAG_STOP, k->comm, MPI_STATUS_IGNORE));
            k->got_stop = 1;
        }
    }
    return k->got_stop;
}

/* Sends a request and waits for the answer. Rank 0 answers from inside its iterations, so
 * the wait is short; it sleeps rather than spins. */
static int64_t request(worker *k, const double rep[3])
{
    MPI_Request rq[2];
    int64_t answer;
    PS_MPI(MPI_Irecv(&answer, 1, MPI_INT64_T, 0, TAG_TASK, k->comm, &rq[1]));
    PS_MPI(MPI_Isend(rep, 3, MPI_DOUBLE, 0, TAG_REQ, k->comm, &rq[0]));
    long ns = 20000;
    for (;;) {
        int flag;
        PS_MPI(MPI_Testall(2, rq, &flag, MPI_STATUSES_IGNORE));
        if (flag) return answer;
        nap(ns);
        if (ns < 1000000) ns *= 2;
    }
}

static void run_worker(worker *k, runner *rn)
{
    ps_hooks hooks = {worker_poll, k};
    double rep[3] = {0, 0, 0};
    for (;;) {
        rep[2] = ps_signal_caught();
        int64_t t = request(k, rep);
        if (t < 0) {
            if (t == STOP_NOTIFIED && !k->got_stop) {
                int64_t zero;
                PS_MPI(MPI_Recv(&zero, 1, MPI_INT64_T, 0, TAG_STOP, k->comm, MPI_STATUS_IGNORE));
            }
            return;
        }
        rep[0] = 0;
        rep[1] = !ps_signal_caught() && !k->got_stop && run_one(rn, t, &hooks, &rep[0]);
    }
}

/* ---- members of a group (ranks that are not its leader) ---- */

static void run_member(runner *rn)
{
    for (;;) {
        int64_t t = group_task(rn->g, 0);
        if (t < 0) return;
        double seconds;
        run_one(rn, t, NULL, &seconds);
    }
}

/* ---- the sweep ---- */

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
    for (int iw = 0; iw < o->gw_range.n; iw++) {
        p.gw = ps_range_at(&o->gw_range, iw);
        int64_t w = ps_width(p.d, p.gw);
        if (w < 1) {
            snprintf(msg, len, "--gw: d^gw = %d^%.17g is outside [1, 2^53]", p.d, p.gw);
            return 1;
        }
        if (ps_group_memory_check(&p, w, P, 0, msg, len)) return 1;
    }
    return 0;
}

/* A refusal every rank reached alike: one line from rank 0, status 2 everywhere. The barrier
 * lets rank 0's line out before mpirun reacts to the first exit. */
static noreturn void refuse(MPI_Comm comm, int rank, const char *msg)
{
    if (rank == 0) {
        fprintf(stderr, "phasesweep: %s\n", msg);
        fflush(stderr);
    }
    MPI_Barrier(comm);
    exit(PS_EXIT_USAGE);
}

int ps_sweep_main(MPI_Comm comm, const ps_options *o)
{
    double t0 = ps_progress_now();
    ps_signals *sig = ps_signals_install();
    int rank, ranks;
    PS_MPI(MPI_Comm_rank(comm, &rank));
    PS_MPI(MPI_Comm_size(comm, &ranks));
    char msg[512];
    int P = ps_group_resolve(o, ranks, msg, sizeof msg);
    /* the smallest group (the last one, when P does not divide the ranks) needs the most */
    if (!P || check_grid(o, ranks % P ? ranks % P : P, msg, sizeof msg)) refuse(comm, rank, msg);

    /* one writer per --out, from before the existence checks to after the close */
    char lmsg[1024] = "";
    /* the path before the lock (a symlinked lock, /proc, a name too long for MPI-IO) */
    if (rank == 0 && o->out)
        ps_outpath_problem(o->out, o->resume ? PS_OUT_RESUME : PS_OUT_SWEEP, lmsg, sizeof lmsg);
    ps_lock *lock = ps_lock_claim(comm, o->out, lmsg, sizeof lmsg);
    ps_sweep_file *f = o->resume ? ps_sweep_resume(comm, o) : ps_sweep_create(comm, o);
    if (rank == 0) ps_blas_warn(stderr); /* once, after every refusal; never fails */
    int64_t total = ps_task_count(o);
    uint8_t *done = ps_malloc((size_t)total, "done flags");
    ps_sweep_read_done(f, done);
    /* --part: the other parts' tasks count as done here and are left out of the totals */
    int64_t others = ps_tasks_keep_part(o, done);
    /* the farm's protocol runs among the group leaders only */
    ps_group g;
    ps_group_split(comm, P, o->block, &g);
    MPI_Comm fc;
    PS_MPI(MPI_Comm_split(comm, g.rank == 0 ? 0 : MPI_UNDEFINED, rank, &fc));
    int leaders = (ranks + P - 1) / P;

    runner rn = {.o = o, .f = f, .g = &g, .teacher_replica = -1};
    master m = {0};
    if (g.rank != 0) {
        run_member(&rn);
    } else if (rank == 0) {
        int64_t n_done = 0;
        for (int64_t t = 0; t < total; t++) n_done += done[t] != 0;
        int64_t *order = ps_malloc(sizeof *order * (size_t)(total - n_done + 1), "task order");
        double *cost = ps_malloc(sizeof *cost * (size_t)(total - n_done + 1), "task costs");
        m = (master){.comm = fc, .ranks = leaders, .order = order, .cost = cost};
        m.n_order = ps_tasks_order(o, done, order);
        double cost_left = 0;
        for (int64_t i = 0; i < m.n_order; i++) {
            ps_params p = ps_task_params(o, order[i]);
            cost_left += cost[i] = ps_cost_params(&p, 1, 0).flops;
        }
        m.holds = ps_malloc(sizeof *m.holds * (size_t)leaders, "farm state");
        for (int w = 0; w < leaders; w++) m.holds[w] = -1;
        m.notified = ps_calloc((size_t)leaders, 1, "farm state");
        m.retired = ps_calloc((size_t)leaders, 1, "farm state");
        m.stop_sends = ps_malloc(sizeof *m.stop_sends * (size_t)leaders, "farm state");
        ps_progress_start(&m.pr, total - others, n_done - others, cost_left, leaders,
                          on_terminal(), t0);
        m.pr.unit = P > 1 ? "group" : "rank";
        run_master(&m, &rn);
    } else {
        worker k = {.comm = fc};
        run_worker(&k, &rn);
    }
    if (g.size > 1 && g.rank == 0) group_task(&g, STOP); /* the members' last word */

    if (rn.teacher_replica >= 0) ps_teacher_free(&rn.teacher);
    if (fc != MPI_COMM_NULL) PS_MPI(MPI_Comm_free(&fc));
    ps_group_free(&g);
    ps_sweep_close(f);
    ps_lock_release(lock);
    if (rank == 0) {
        /* A signal caught after the last task ended changes nothing: the sweep is complete. */
        int stopped = m.pr.done < m.pr.total && (m.signal || ps_signal_caught());
        int signal = m.signal ? m.signal : ps_signal_caught();
        ps_progress_finish(&m.pr, ps_progress_now(), stopped ? signal : 0);
        free((void *)m.order);
        free((void *)m.cost);
        free(m.holds);
        free(m.notified);
        free(m.retired);
        free(m.stop_sends);
    }
    free(done);
    ps_signals_restore(sig);
    return 0;
}

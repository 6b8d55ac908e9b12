/* farm: the scheduler of the sweep's tasks (farm.h). Rank 0 is master and worker at once: it
 * computes tasks like the others and serves the workers' requests from inside its own
 * iterations (the run hook). It knows tasks by number; what a task is and where its result
 * goes are the callbacks' business.
 *
 * Protocol on a private duplicate of comm (every message is matched, so the farm leaves
 * nothing behind):
 *   worker -> 0   TAG_REQ  3 doubles: seconds of its previous task, 1 if that task was
 *                          completed and stored, the stop request the worker saw (or 0);
 *   0 -> worker   TAG_TASK one int64: a task, or STOP, or STOP_NOTIFIED (= STOP, and a
 *                          TAG_STOP was also sent to you: receive it if you have not);
 *   0 -> worker   TAG_STOP unsolicited, at most once, while the worker computes: abort.
 * Every request gets exactly one answer; a worker leaves after a STOP answer; rank 0 leaves
 * once every worker has had one. Waiting ranks poll with short sleeps instead of spinning
 * (Open MPI's blocking receive busy-polls a core, which oversubscribed ranks need). */
#define _POSIX_C_SOURCE 200809L
#include "farm.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "group.h"
#include "signals.h"

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
    const ps_group *g; /* the ranks that run each task together; its leader stores */
    const ps_farm_callbacks *cb;
} runner;

/* The stop request this rank sees now (a leader's question), 0 if none. */
static int stop_requested(const runner *rn)
{
    return rn->cb->stop ? rn->cb->stop(rn->cb->ctx) : ps_signal_caught();
}

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

/* Runs task t on the whole group (the leader first tells the members) and has the leader
 * store its result; returns 1 then, 0 when the run was aborted (never stored). `hooks` is
 * the leader's farm hook, NULL on members. */
static int run_one(runner *rn, int64_t t, const ps_hooks *hooks, double *seconds)
{
    if (rn->g->size > 1 && rn->g->rank == 0) group_task(rn->g, t);
    ps_result res;
    ps_group_hook gh = {rn->g, hooks, 0};
    ps_hooks group_hooks = {ps_group_poll, &gh};
    if (!rn->cb->run(rn->cb->ctx, t, &group_hooks, &res)) return 0;
    if (rn->g->rank == 0 && rn->cb->store) rn->cb->store(rn->cb->ctx, t, &res);
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
    const runner *rn;
} master;

static void progress(const master *m, int64_t t, double cost, double seconds)
{
    if (m->rn->cb->progress) m->rn->cb->progress(m->rn->cb->ctx, t, cost, seconds);
}

static void note_done(master *m, int rank, int completed, double seconds)
{
    if (completed && m->holds[rank] >= 0)
        progress(m, m->order[m->holds[rank]], m->cost[m->holds[rank]], seconds);
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
    int sig = stop_requested(m->rn);
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
    progress(m, -1, 0, 0);
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
        progress(m, -1, 0, 0);
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
        progress(m, -1, 0, 0);
    }
    PS_MPI(MPI_Waitall(m->n_stop_sends, m->stop_sends, MPI_STATUSES_IGNORE));
}

/* ---- ranks > 0 ---- */

typedef struct worker {
    MPI_Comm comm;
    int got_stop;
    const runner *rn;
} worker;

static int worker_poll(void *ctx)
{
    worker *k = ctx;
    if (stop_requested(k->rn)) return 1;
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
        rep[2] = stop_requested(rn);
        int64_t t = request(k, rep);
        if (t < 0) {
            if (t == STOP_NOTIFIED && !k->got_stop) {
                int64_t zero;
                PS_MPI(MPI_Recv(&zero, 1, MPI_INT64_T, 0, TAG_STOP, k->comm, MPI_STATUS_IGNORE));
            }
            return;
        }
        rep[0] = 0;
        rep[1] = !stop_requested(rn) && !k->got_stop && run_one(rn, t, &hooks, &rep[0]);
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

/* ---- the farm ---- */

int ps_farm_run(MPI_Comm comm, const ps_group *g, const int64_t *order, const double *cost,
                int64_t n, const ps_farm_callbacks *cb)
{
    int rank;
    PS_MPI(MPI_Comm_rank(comm, &rank));
    /* the farm's protocol runs among the group leaders only */
    MPI_Comm fc;
    PS_MPI(MPI_Comm_split(comm, g->rank == 0 ? 0 : MPI_UNDEFINED, rank, &fc));
    runner rn = {.g = g, .cb = cb};
    int signal = 0;
    if (g->rank != 0) {
        run_member(&rn);
    } else if (rank == 0) {
        int leaders;
        PS_MPI(MPI_Comm_size(fc, &leaders));
        master m = {.comm = fc, .ranks = leaders, .order = order, .cost = cost, .n_order = n,
                    .rn = &rn};
        m.holds = ps_malloc(sizeof *m.holds * (size_t)leaders, "farm state");
        for (int w = 0; w < leaders; w++) m.holds[w] = -1;
        m.notified = ps_calloc((size_t)leaders, 1, "farm state");
        m.retired = ps_calloc((size_t)leaders, 1, "farm state");
        m.stop_sends = ps_malloc(sizeof *m.stop_sends * (size_t)leaders, "farm state");
        run_master(&m, &rn);
        signal = m.signal;
        free(m.holds);
        free(m.notified);
        free(m.retired);
        free(m.stop_sends);
    } else {
        worker k = {.comm = fc, .rn = &rn};
        run_worker(&k, &rn);
    }
    if (g->size > 1 && g->rank == 0) group_task(g, STOP); /* the members' last word */
    if (fc != MPI_COMM_NULL) PS_MPI(MPI_Comm_free(&fc));
    return signal;
}

/* farm: ps_farm_run with fake callbacks (no engine, no file). Every task of the order runs
 * exactly once and is stored once, on the leader of the group that ran it, at every rank
 * count and with groups; every member of a group runs its leader's tasks; rank 0 hears of
 * every completed task once; a stop request mid-way ends the farm normally with each started
 * task either stored or aborted, never both, none twice, and its value returned on rank 0.
 * Groups of 1, 2 and all ranks at each count. mpirun-ranks: 1 2 3 4 */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "farm.h"
#include "group.h"

enum { N_TASKS = 37, MAX_ID = 7 * N_TASKS + 3, ITERS = 12, STOP_VALUE = 15 };

typedef struct fake {
    const ps_group *g;
    int runs[MAX_ID], stored[MAX_ID], aborted[MAX_ID], reported[MAX_ID];
    double cost_reported;
    int stop_after; /* rank 0's stop request once it stored this many (0: never) */
    int n_stored;
} fake;

static void nap(long ns)
{
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

/* A run of ITERS iterations that polls its hooks once per iteration, as ps_run_engine does;
 * the seconds tell the task back. */
static int fake_run(void *ctx, int64_t t, const ps_hooks *hooks, ps_result *res)
{
    fake *f = ctx;
    assert_true(t >= 0 && t < MAX_ID);
    f->runs[t]++;
    for (int i = 0; i < ITERS; i++) {
        if (hooks->poll(hooks->ctx)) {
            f->aborted[t]++;
            return 0;
        }
        nap(100000 + 20000 * (t % 5));
    }
    memset(res, 0, sizeof *res);
    res->seconds = (double)t;
    return 1;
}

static void fake_store(void *ctx, int64_t t, const ps_result *res)
{
    fake *f = ctx;
    assert_int_equal(f->g->rank, 0); /* the leader stores */
    assert_true(res->seconds == (double)t);
    f->stored[t]++;
    f->n_stored++;
}

static void fake_progress(void *ctx, int64_t t, double cost, double seconds)
{
    fake *f = ctx;
    if (t < 0) return;
    f->reported[t]++;
    f->cost_reported += cost;
    assert_true(seconds == (double)t);
    assert_true(cost == 1.0 + (double)(t % 4));
}

static int fake_stop(void *ctx)
{
    fake *f = ctx;
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank == 0 && f->stop_after && f->n_stored >= f->stop_after ? STOP_VALUE : 0;
}

/* The sums over every rank of each per-task count, on every rank. */
static void sum_all(const int *mine, int *all)
{
    MPI_Allreduce(mine, all, MAX_ID, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
}

/* Runs the farm on tasks 7 i + 3 (in an order that is not increasing) in groups of P. */
static int farm(fake *f, int P, int stop_after, int *in_order)
{
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    static ps_group g;
    ps_group_split(MPI_COMM_WORLD, P, 8, &g);
    memset(f, 0, sizeof *f);
    f->g = &g;
    f->stop_after = stop_after;
    int64_t order[N_TASKS];
    double cost[N_TASKS];
    memset(in_order, 0, sizeof(int) * MAX_ID);
    for (int i = 0; i < N_TASKS; i++) {
        order[i] = 7 * ((i * 5) % N_TASKS) + 3; /* 5 is prime to 37: a permutation */
        cost[i] = 1.0 + (double)(order[i] % 4);
        in_order[order[i]] = 1;
    }
    ps_farm_callbacks cb = {fake_run, fake_store, rank == 0 ? fake_progress : NULL,
                            stop_after ? fake_stop : NULL, f};
    /* only rank 0 reads the order */
    int ret = ps_farm_run(MPI_COMM_WORLD, &g, rank == 0 ? order : NULL,
                          rank == 0 ? cost : NULL, N_TASKS, &cb);
    /* every member ran its leader's tasks */
    int lead[MAX_ID];
    memcpy(lead, f->runs, sizeof lead);
    MPI_Bcast(lead, MAX_ID, MPI_INT, 0, g.comm);
    assert_memory_equal(lead, f->runs, sizeof lead);
    if (g.rank != 0)
        for (int t = 0; t < MAX_ID; t++) assert_int_equal(f->stored[t], 0);
    ps_group_free(&g);
    return ret;
}

static void check_complete(int P)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    static fake f;
    int in_order[MAX_ID], stored[MAX_ID];
    int ret = farm(&f, P, 0, in_order);
    assert_int_equal(ret, 0);
    sum_all(f.stored, stored);
    double cost = 0;
    for (int t = 0; t < MAX_ID; t++) {
        assert_int_equal(stored[t], in_order[t]); /* each listed task exactly once */
        assert_int_equal(f.aborted[t], 0);
        if (in_order[t]) cost += 1.0 + (double)(t % 4);
        if (rank == 0) assert_int_equal(f.reported[t], in_order[t]);
    }
    if (rank == 0) assert_true(f.cost_reported == cost);
}

/* Groups of 1, of 2 (with 3 ranks: one of 2 and one of 1) and of every rank. */
static int group_sizes(int sizes[3])
{
    int ranks, n = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    sizes[n++] = 1;
    if (ranks >= 2) sizes[n++] = 2;
    if (ranks >= 3) sizes[n++] = ranks;
    return n;
}

static void test_every_task_once(void **state)
{
    int sizes[3], n = group_sizes(sizes);
    for (int i = 0; i < n; i++) check_complete(sizes[i]);
}

static void check_stop(int P)
{
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    static fake f;
    int in_order[MAX_ID], stored[MAX_ID], runs[MAX_ID], aborted[MAX_ID];
    int ret = farm(&f, P, 2, in_order);
    if (rank == 0) assert_int_equal(ret, STOP_VALUE);
    else assert_int_equal(ret, 0);
    /* counted on the leaders only: members run (and abort) their leader's tasks too */
    ps_group g;
    ps_group_split(MPI_COMM_WORLD, P, 8, &g);
    if (g.rank != 0) memset(f.runs, 0, sizeof f.runs), memset(f.aborted, 0, sizeof f.aborted);
    ps_group_free(&g);
    sum_all(f.stored, stored);
    sum_all(f.runs, runs);
    sum_all(f.aborted, aborted);
    int n_stored = 0, n_runs = 0;
    for (int t = 0; t < MAX_ID; t++) {
        assert_true(runs[t] <= 1);                     /* none twice */
        assert_true(runs[t] <= in_order[t]);           /* only listed tasks */
        assert_int_equal(runs[t], stored[t] + aborted[t]); /* stored or aborted, not both */
        if (rank == 0) assert_int_equal(f.reported[t], stored[t]);
        n_stored += stored[t];
        n_runs += runs[t];
    }
    assert_true(n_stored >= 2);
    /* the hand-out stopped: rank 0 asked after its second task, long before the last */
    assert_true(n_runs < N_TASKS);
}

static void test_stop_mid_way(void **state)
{
    int sizes[3], n = group_sizes(sizes);
    for (int i = 0; i < n; i++) check_stop(sizes[i]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_task_once),
        cmocka_unit_test(test_stop_mid_way),
    };
    int failed = cmocka_run_group_tests_name("farm run", tests, NULL, NULL);
    int any;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any ? 1 : 0;
}

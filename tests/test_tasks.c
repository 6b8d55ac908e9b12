/* --part's dealing (tasks.c): every task in exactly one part, part sizes within one, costs
 * within the largest task's, the same dealing every time, N = 1 and N = tasks at the ends,
 * and ps_tasks_keep_part leaving exactly a part's tasks to hand out. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "cost.h"
#include "tasks.h"

static ps_options sweep_options(int n_s, int n_w, int R)
{
    ps_options o;
    memset(&o, 0, sizeof o);
    o.cmd = PS_CMD_SWEEP;
    ps_params_default(&o.p);
    o.p.d = 50;
    o.gs_range = (ps_range){-3, 0, n_s};
    o.gw_range = (ps_range){0, 2.8, n_w};
    o.replicas = R;
    return o;
}

static void check_dealing(const ps_options *o, int n)
{
    const int64_t total = ps_task_count(o);
    int *part = malloc(sizeof *part * (size_t)total), *again = malloc(sizeof *again * total);
    int64_t *size = calloc((size_t)n, sizeof *size);
    double *cost = calloc((size_t)n, sizeof *cost), top = 0;
    ps_tasks_partition(o, n, part);
    ps_tasks_partition(o, n, again);
    assert_memory_equal(part, again, sizeof *part * (size_t)total);
    for (int64_t t = 0; t < total; t++) {
        assert_in_range(part[t], 0, n - 1);
        ps_params p = ps_task_params(o, t);
        double c = ps_cost_params(&p, 1, 0).flops;
        size[part[t]]++;
        cost[part[t]] += c;
        if (c > top) top = c;
    }
    int64_t lo = total, hi = 0;
    double clo = INFINITY, chi = 0;
    for (int i = 0; i < n; i++) {
        lo = size[i] < lo ? size[i] : lo, hi = size[i] > hi ? size[i] : hi;
        clo = fmin(clo, cost[i]), chi = fmax(chi, cost[i]);
    }
    assert_true(hi - lo <= 1);
    assert_true(chi - clo <= top * (1 + 1e-12));
    free(part), free(again), free(size), free(cost);
}

static void test_every_task_in_one_balanced_part(void **state)
{
    (void)state;
    ps_options o = sweep_options(7, 6, 3);
    for (int n = 1; n <= 126; n += (n < 10 ? 1 : 29)) check_dealing(&o, n);
    check_dealing(&o, 126); /* one task each */
    o = sweep_options(30, 30, 1);
    check_dealing(&o, 3);
    check_dealing(&o, 64);
}

/* Figure 2 axes, 4 parts: each part's expected cost within 1% of a quarter. */
static void test_figure2_parts_cost_within_1_percent(void **state)
{
    (void)state;
    ps_options o = sweep_options(30, 30, 2);
    int *part = malloc(sizeof *part * 1800);
    ps_tasks_partition(&o, 4, part);
    double cost[4] = {0, 0, 0, 0}, sum = 0;
    for (int64_t t = 0; t < 1800; t++) {
        ps_params p = ps_task_params(&o, t);
        cost[part[t]] += ps_cost_params(&p, 1, 0).flops;
        sum += ps_cost_params(&p, 1, 0).flops;
    }
    for (int i = 0; i < 4; i++) assert_true(fabs(cost[i] - sum / 4) < 0.01 * sum / 4);
    free(part);
}

static void test_keep_part_marks_the_others(void **state)
{
    (void)state;
    ps_options o = sweep_options(5, 4, 2);
    const int64_t total = ps_task_count(&o);
    int part[40];
    ps_tasks_partition(&o, 3, part);
    uint8_t seen[40] = {0};
    for (int i = 0; i < 3; i++) {
        uint8_t done[40] = {0};
        done[7] = 1; /* done before: stays done */
        o.part_index = i, o.part_count = 3;
        int64_t marked = ps_tasks_keep_part(&o, done);
        int64_t mine = 0;
        for (int64_t t = 0; t < total; t++) {
            mine += part[t] == i;
            assert_int_equal(done[t], part[t] != i || t == 7);
            if (!done[t]) seen[t]++;
        }
        assert_int_equal(marked, total - mine);
        int64_t order[40];
        int64_t n = ps_tasks_order(&o, done, order);
        for (int64_t k = 0; k < n; k++) assert_int_equal(part[order[k]], i);
    }
    for (int64_t t = 0; t < total; t++) assert_int_equal(seen[t], t != 7);
    o.part_count = 0;
    uint8_t none[40] = {0};
    assert_int_equal(ps_tasks_keep_part(&o, none), 0);
}

/* --replicas A:B: task t's replica is the number A + t % R (the seeds' replica), and every
 * other parameter that of the same index in --replicas B (the same point). */
static void test_replica_range_numbers_the_replicas(void **state)
{
    (void)state;
    ps_options all = sweep_options(3, 2, 5), some = sweep_options(3, 2, 3);
    some.replica_first = 2; /* replicas 2:5 */
    assert_int_equal(ps_task_count(&some), 3 * 2 * 3);
    for (int64_t t = 0; t < ps_task_count(&some); t++) {
        const int64_t u = t / 3 * 5 + 2 + t % 3; /* the same task of --replicas 5 */
        ps_params p = ps_task_params(&some, t), q = ps_task_params(&all, u);
        assert_int_equal(p.replica, 2 + t % 3);
        assert_int_equal(p.replica, q.replica);
        assert_true(p.gs == q.gs && p.gw == q.gw);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_task_in_one_balanced_part),
        cmocka_unit_test(test_figure2_parts_cost_within_1_percent),
        cmocka_unit_test(test_keep_part_marks_the_others),
        cmocka_unit_test(test_replica_range_numbers_the_replicas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

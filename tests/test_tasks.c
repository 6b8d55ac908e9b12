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

#include "axes.h"
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

/* Extra axes (cli.h): o with a d axis {8, 12, 16} and a noise axis {0.5, 1} before the grid. */
static ps_axis_value dv[3] = {{0, 8, 0}, {0, 12, 0}, {0, 16, 0}};
static ps_axis_value nv[2] = {{0.5, 0, 0}, {1, 0, 0}};
static ps_axis_value lv[2] = {{25, 0, 0}, {50, 0, 0}};
static ps_options axes_options(void)
{
    ps_options o = sweep_options(3, 2, 2);
    const ps_option *d = ps_option_find("d", PS_CMD_SWEEP), *n = ps_option_find("noise",
                                                                                PS_CMD_SWEEP);
    const ps_option *lr = ps_option_find("lr-scale", PS_CMD_SWEEP), *table;
    size_t rows;
    table = ps_option_table(&rows);
    o.axes[0] = (ps_axis_list){ps_axis_find("d"), (int)(d - table), 3, dv};
    o.axes[1] = (ps_axis_list){ps_axis_find("noise"), (int)(n - table), 2, nv};
    o.axes[2] = (ps_axis_list){ps_axis_find("lr_scale"), (int)(lr - table), 2, lv};
    o.n_axes = 3;
    return o;
}

/* Row-major over (d, noise, lr_scale, gamma_s, gamma_w, replica), replica fastest; with no
 * extra axis exactly (is * n_w + iw) * R + r. */
static void test_numbering(void **state)
{
    (void)state;
    ps_options o = sweep_options(3, 4, 2);
    for (int64_t t = 0; t < ps_task_count(&o); t++) {
        int is, iw, r;
        ps_task_decode(&o, t, &is, &iw, &r);
        assert_int_equal(t, ((int64_t)is * 4 + iw) * 2 + r);
    }
    o = axes_options();
    assert_int_equal(ps_task_count(&o), 3 * 2 * 2 * 3 * 2 * 2);
    int64_t n[PS_MAX_AXES + 3], idx[PS_MAX_AXES + 3];
    assert_int_equal(ps_task_shape(&o, n), 6);
    assert_true(n[0] == 3 && n[1] == 2 && n[2] == 2 && n[3] == 3 && n[4] == 2 && n[5] == 2);
    int64_t t = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++)
                for (int is = 0; is < 3; is++)
                    for (int iw = 0; iw < 2; iw++)
                        for (int r = 0; r < 2; r++, t++) {
                            assert_int_equal(ps_task_index(&o, t, idx), 6);
                            const int64_t want[6] = {a, b, c, is, iw, r};
                            assert_memory_equal(idx, want, sizeof want);
                            assert_int_equal(ps_task_number(&o, idx), t);
                            ps_params p = ps_task_params(&o, t);
                            assert_int_equal(p.d, dv[a].i);
                            assert_true(p.noise == nv[b].x && p.lr_scale == lv[c].x);
                            assert_true(p.gs == ps_range_at(&o.gs_range, is));
                            assert_true(p.gw == ps_range_at(&o.gw_range, iw));
                            assert_int_equal(p.replica, r);
                        }
}

/* Tasks share a teacher exactly when their replica and their teacher-defining axes (d, noise
 * here; not lr_scale, gamma_s, gamma_w) agree. */
static void test_teacher_key(void **state)
{
    (void)state;
    ps_options o = axes_options();
    const int64_t total = ps_task_count(&o);
    for (int64_t s = 0; s < total; s++)
        for (int64_t t = 0; t < total; t += 7) {
            ps_params p = ps_task_params(&o, s), q = ps_task_params(&o, t);
            const int same = p.d == q.d && p.noise == q.noise && p.replica == q.replica;
            assert_int_equal(ps_task_teacher(&o, s) == ps_task_teacher(&o, t), same);
        }
    /* the hand-out order: every task once, a replica's tasks together, most expensive first
     * by the per-task cost model (mixed d: the largest d's tasks lead) */
    uint8_t *done = calloc(144, 1);
    int64_t *order = malloc(sizeof *order * 144);
    assert_int_equal(total, 144);
    assert_int_equal(ps_tasks_order(&o, done, order), total);
    double c_prev = 1e300;
    int r_prev = 0;
    uint8_t seen[144] = {0};
    for (int64_t i = 0; i < total; i++) {
        ps_params p = ps_task_params(&o, order[i]);
        const double c = ps_cost_params(&p, 1, 0).flops;
        assert_false(seen[order[i]]);
        seen[order[i]] = 1;
        assert_true(p.replica >= r_prev);
        if (p.replica > r_prev) c_prev = 1e300, r_prev = p.replica;
        if (i == 0 || p.replica != ps_task_params(&o, order[i - 1]).replica)
            assert_int_equal(p.d, 16);
        assert_true(c <= c_prev);
        c_prev = c;
    }
    free(order);
    free(done);
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
        cmocka_unit_test(test_numbering),
        cmocka_unit_test(test_teacher_key),
        cmocka_unit_test(test_replica_range_numbers_the_replicas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

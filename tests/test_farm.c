/* farm's pure parts: task numbering matches the done flags' layout, a task's params are the
 * sweep's with its grid values, the hand-out order covers exactly the tasks not done (replica
 * by replica, most expensive first, deterministic), and the progress lines read right. */
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
#include "progress.h"
#include "tasks.h"

static ps_options sweep_options(int n_s, int n_w, int R)
{
    ps_options o;
    memset(&o, 0, sizeof o);
    o.cmd = PS_CMD_SWEEP;
    ps_params_default(&o.p);
    o.p.d = 50;
    o.gs_range = (ps_range){-2.2, -0.8, n_s};
    o.gw_range = (ps_range){0.5, 2.5, n_w};
    o.replicas = R;
    return o;
}

static void test_decode_is_row_major_is_iw_r(void **state)
{
    ps_options o = sweep_options(3, 4, 5);
    assert_int_equal(ps_task_count(&o), 60);
    int64_t t = 0;
    for (int is = 0; is < 3; is++)
        for (int iw = 0; iw < 4; iw++)
            for (int r = 0; r < 5; r++, t++) {
                int a, b, c;
                ps_task_decode(&o, t, &a, &b, &c);
                assert_int_equal(a, is);
                assert_int_equal(b, iw);
                assert_int_equal(c, r);
            }
}

static void test_params_take_grid_values(void **state)
{
    ps_options o = sweep_options(3, 4, 2);
    o.p.seed = 99;
    o.p.max_iter = 123;
    int64_t t = (2 * 4 + 1) * 2 + 1; /* is = 2, iw = 1, r = 1 */
    ps_params p = ps_task_params(&o, t);
    assert_true(p.gs == ps_range_at(&o.gs_range, 2));
    assert_true(p.gw == ps_range_at(&o.gw_range, 1));
    assert_int_equal(p.replica, 1);
    assert_int_equal(p.seed, 99);
    assert_int_equal(p.max_iter, 123);
    assert_int_equal(p.d, 50);
}

/* Wider networks cost more per iteration; the active corner needs more iterations; the
 * estimate is capped by max_iter. */
static void test_cost_grows_with_width_and_activity(void **state)
{
    ps_params p;
    ps_params_default(&p);
    p.d = 100;
    p.gs = 0.5;
    p.gw = 0.5;
    double narrow = ps_cost_params(&p, 1, 0).flops;
    p.gw = 1.0; /* w = 100 < 2d */
    double wide = ps_cost_params(&p, 1, 0).flops;
    assert_true(wide > narrow);
    p.gs = -1.5; /* gs + gw = -0.5: active */
    double active = ps_cost_params(&p, 1, 0).flops;
    assert_true(active > wide);
    p.gs = -10;
    double capped = ps_cost_params(&p, 1, 0).flops;
    p.gs = -15;
    assert_true(ps_cost_params(&p, 1, 0).flops == capped);
    p.mode = PS_MODE_EXPLICIT;
    p.gw = 2.0; /* explicit: m = w = 10^4, far above 2d */
    p.gs = -1.0;
    double explicit_cost = ps_cost_params(&p, 1, 0).flops;
    p.mode = PS_MODE_REDUCED;
    assert_true(explicit_cost > ps_cost_params(&p, 1, 0).flops);
}

static void test_order_covers_undone_tasks_once(void **state)
{
    ps_options o = sweep_options(5, 6, 3);
    int64_t total = ps_task_count(&o);
    uint8_t *done = calloc((size_t)total, 1);
    for (int64_t t = 0; t < total; t += 7) done[t] = 1;
    int64_t *order = malloc(sizeof *order * (size_t)total);
    int64_t n = ps_tasks_order(&o, done, order);
    int64_t expect = 0;
    for (int64_t t = 0; t < total; t++) expect += !done[t];
    assert_int_equal(n, expect);
    uint8_t *seen = calloc((size_t)total, 1);
    for (int64_t i = 0; i < n; i++) {
        assert_true(order[i] >= 0 && order[i] < total);
        assert_false(done[order[i]]);
        assert_false(seen[order[i]]);
        seen[order[i]] = 1;
    }
    free(seen);
    free(order);
    free(done);
}

static void test_order_replica_major_then_costliest_first(void **state)
{
    ps_options o = sweep_options(6, 7, 3);
    int64_t total = ps_task_count(&o);
    uint8_t *done = calloc((size_t)total, 1);
    int64_t *order = malloc(sizeof *order * (size_t)total);
    int64_t n = ps_tasks_order(&o, done, order);
    assert_int_equal(n, total);
    for (int64_t i = 1; i < n; i++) {
        ps_params a = ps_task_params(&o, order[i - 1]), b = ps_task_params(&o, order[i]);
        assert_true(a.replica <= b.replica);
        if (a.replica != b.replica) continue;
        double ca = ps_cost_params(&a, 1, 0).flops, cb = ps_cost_params(&b, 1, 0).flops;
        assert_true(ca >= cb);
        if (ca == cb) {
            assert_true(a.gs + a.gw <= b.gs + b.gw);
            if (a.gs + a.gw == b.gs + b.gw) assert_true(order[i - 1] < order[i]);
        }
    }
    /* the first task is the costliest of replica 0, the last among the cheapest */
    double c0 = 0, cmin = INFINITY;
    for (int64_t t = 0; t < total; t++) {
        ps_params p = ps_task_params(&o, t);
        double c = ps_cost_params(&p, 1, 0).flops;
        if (p.replica == 0 && c > c0) c0 = c;
        if (c < cmin) cmin = c;
    }
    ps_params p0 = ps_task_params(&o, order[0]), pl = ps_task_params(&o, order[n - 1]);
    assert_true(ps_cost_params(&p0, 1, 0).flops == c0);
    assert_true(ps_cost_params(&pl, 1, 0).flops == cmin);
    free(order);
    free(done);
}

static void test_order_is_deterministic(void **state)
{
    ps_options o = sweep_options(8, 8, 2);
    int64_t total = ps_task_count(&o);
    uint8_t *done = calloc((size_t)total, 1);
    int64_t *a = malloc(sizeof *a * (size_t)total), *b = malloc(sizeof *b * (size_t)total);
    int64_t na = ps_tasks_order(&o, done, a), nb = ps_tasks_order(&o, done, b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, sizeof *a * (size_t)na);
    free(a);
    free(b);
    free(done);
}

static void test_order_all_done_is_empty(void **state)
{
    ps_options o = sweep_options(2, 2, 2);
    uint8_t done[8];
    memset(done, 1, sizeof done);
    int64_t order[8];
    assert_int_equal(ps_tasks_order(&o, done, order), 0);
}

static void test_duration_format(void **state)
{
    char b[32];
    ps_format_duration(b, sizeof b, 42.4);
    assert_string_equal(b, "42s");
    ps_format_duration(b, sizeof b, 725);
    assert_string_equal(b, "12m05s");
    ps_format_duration(b, sizeof b, 3 * 3600 + 7 * 60 + 10);
    assert_string_equal(b, "3h07m");
    ps_format_duration(b, sizeof b, 2 * 86400 + 5 * 3600);
    assert_string_equal(b, "2d05h");
    ps_format_duration(b, sizeof b, NAN);
    assert_string_equal(b, "?");
}

/* done/total, the rate of this session, and an ETA weighted by the estimated cost left. */
static void test_progress_line(void **state)
{
    ps_progress pr = {.t0 = 100, .total = 40, .done = 10, .done_before = 10, .cost_left = 300,
                      .ranks = 2, .interval = 10};
    char line[256];
    ps_progress_format(line, sizeof line, &pr, 100);
    assert_string_equal(line, "phasesweep: 10/40 tasks done (25.0%), 0 tasks/s, ETA ?");
    for (int i = 0; i < 10; i++) ps_progress_task_done(&pr, 10, 3.0);
    assert_int_equal(pr.done, 20);
    assert_true(pr.cost_left == 200);
    assert_true(pr.task_seconds == 30);
    ps_progress_format(line, sizeof line, &pr, 120); /* 10 tasks in 20 s; 100 of 300 in 20 s */
    assert_string_equal(line, "phasesweep: 20/40 tasks done (50.0%), 0.5 tasks/s, ETA 40s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_is_row_major_is_iw_r),
        cmocka_unit_test(test_params_take_grid_values),
        cmocka_unit_test(test_cost_grows_with_width_and_activity),
        cmocka_unit_test(test_order_covers_undone_tasks_once),
        cmocka_unit_test(test_order_replica_major_then_costliest_first),
        cmocka_unit_test(test_order_is_deterministic),
        cmocka_unit_test(test_order_all_done_is_empty),
        cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_progress_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

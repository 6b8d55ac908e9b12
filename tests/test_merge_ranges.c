/* test_merge_ranges: the replica ranges of a merge (src/cmd/merge_ranges.c): files of adjacent
 * ranges (whole or in parts) are accepted and sorted; overlapping ranges, a gap, a whole sweep
 * beside parts of its range, parts of two splits and duplicates are refused with a line that
 * names the files and replicas; a task of a range lands on the output's task of the same point
 * and replica number. Pure: no file is opened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "tasks.h"
#include "../src/cmd/merge_core.h"

/* A file of replicas first .. first + n - 1, part I/N (N = 0: a whole sweep). */
static part file(const char *path, int first, int n, int index, int count)
{
    part p;
    memset(&p, 0, sizeof p);
    p.path = path;
    ps_options_default(&p.o);
    p.o.cmd = PS_CMD_SWEEP;
    p.o.gs_range = (ps_range){-2, 0, 3};
    p.o.gw_range = (ps_range){0.5, 2, 2};
    p.o.replica_first = first;
    p.o.replicas = n;
    p.o.part_index = index;
    p.o.part_count = count;
    static char names[16][8];
    static int used;
    if (count) {
        snprintf(names[used % 16], sizeof names[0], "%d/%d", index, count);
        p.o.part = names[used++ % 16];
    }
    p.total = ps_task_count(&p.o);
    return p;
}

static void refused(part *p, int n, const char *want1, const char *want2)
{
    char why[512] = "";
    assert_int_equal(ps_merge_ranges(p, n, why, sizeof why), 0);
    if (!strstr(why, want1) || !strstr(why, want2))
        fail_msg("'%s' lacks '%s' or '%s'", why, want1, want2);
}

static void test_adjacent_ranges_are_sorted(void **state)
{
    (void)state;
    part p[3] = {file("c.h5", 3, 2, 0, 0), file("a.h5", 0, 2, 0, 0), file("b.h5", 2, 1, 0, 0)};
    char why[512] = "";
    assert_int_equal(ps_merge_ranges(p, 3, why, sizeof why), 3);
    assert_string_equal(why, "");
    assert_string_equal(p[0].path, "a.h5");
    assert_string_equal(p[1].path, "b.h5");
    assert_string_equal(p[2].path, "c.h5");
}

static void test_parts_of_a_range(void **state)
{
    (void)state;
    part p[3] = {file("c1.h5", 2, 2, 1, 2), file("a.h5", 0, 2, 0, 0), file("c0.h5", 2, 2, 0, 2)};
    char why[512] = "";
    assert_int_equal(ps_merge_ranges(p, 3, why, sizeof why), 2);
    assert_string_equal(p[1].path, "c0.h5");
    assert_string_equal(p[2].path, "c1.h5");
    /* the parts of one sweep alone: one range */
    part q[2] = {file("p1.h5", 0, 2, 1, 2), file("p0.h5", 0, 2, 0, 2)};
    assert_int_equal(ps_merge_ranges(q, 2, why, sizeof why), 1);
}

static void test_overlapping_ranges(void **state)
{
    (void)state;
    part p[2] = {file("a.h5", 0, 2, 0, 0), file("o.h5", 1, 2, 0, 0)};
    refused(p, 2, "a.h5 (replicas 0:2) and o.h5 (replicas 1:3) overlap",
            "replicas 1:2 are in both");
    part q[2] = {file("all.h5", 0, 3, 0, 0), file("a.h5", 0, 2, 0, 0)};
    refused(q, 2, "overlap", "replicas 0:2 are in both");
    part r[2] = {file("in.h5", 1, 1, 0, 0), file("all.h5", 0, 3, 0, 0)};
    refused(r, 2, "overlap", "replicas 1:2 are in both");
}

static void test_a_gap(void **state)
{
    (void)state;
    part p[2] = {file("g.h5", 3, 2, 0, 0), file("a.h5", 0, 2, 0, 0)};
    refused(p, 2, "replicas 2:3 are missing between a.h5 (replicas 0:2) and g.h5",
            "sweep them with --replicas 2:3");
}

static void test_one_range_is_one_sweep(void **state)
{
    (void)state;
    part p[2] = {file("a.h5", 0, 2, 0, 0), file("b.h5", 0, 2, 0, 0)};
    refused(p, 2, "a.h5 and b.h5 both hold replicas 0:2", "duplicate");
    part q[2] = {file("p0.h5", 0, 2, 0, 3), file("whole.h5", 0, 2, 0, 0)};
    refused(q, 2, "whole.h5 is not a part", "overlap");
    part r[2] = {file("p0.h5", 0, 2, 0, 3), file("half.h5", 0, 2, 1, 2)};
    refused(r, 2, "parts of different splits", "1/2");
    part s[2] = {file("p1.h5", 0, 2, 1, 3), file("q1.h5", 0, 2, 1, 3)};
    refused(s, 2, "both part 1/3", "duplicate parts");
}

/* Replica 2 + k of a 2:5 file is replica 2 + k of the 0:5 output, at the same point. */
static void test_out_task(void **state)
{
    (void)state;
    part all = file("all.h5", 0, 5, 0, 0), some = file("c.h5", 2, 3, 0, 0);
    for (int64_t t = 0; t < some.total; t++) {
        const int64_t u = ps_merge_out_task(&all.o, &some.o, t);
        const ps_params p = ps_task_params(&some.o, t), q = ps_task_params(&all.o, u);
        assert_int_equal(p.replica, q.replica);
        assert_true(p.gs == q.gs && p.gw == q.gw);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adjacent_ranges_are_sorted),
        cmocka_unit_test(test_parts_of_a_range),
        cmocka_unit_test(test_overlapping_ranges),
        cmocka_unit_test(test_a_gap),
        cmocka_unit_test(test_one_range_is_one_sweep),
        cmocka_unit_test(test_out_task),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

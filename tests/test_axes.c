/* axes.c: every axis names the run parameter of its option (the dimension is the option's
 * name with '-' -> '_', the field the option's, the kind its type), the grid's axes read back
 * what ps_task_params sets, set/get round trips, an int axis refuses what an int cannot hold,
 * values compare bit for bit and print in their shortest exact form. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "axes.h"
#include "cli.h"
#include "tasks.h"

static void test_axes_are_their_options(void **state)
{
    (void)state;
    int n;
    const ps_axis *a = ps_axes(&n);
    assert_true(n >= 3);
    for (int k = 0; k < n; k++) {
        assert_ptr_equal(ps_axis_find(a[k].dim), &a[k]);
        if (a[k].grid) continue; /* gs, gw: ranges in a sweep; replica: a run's option */
        const ps_option *opt = ps_option_find(a[k].option, PS_CMD_SWEEP);
        assert_non_null(opt);
        assert_int_equal(opt->identity, 1);
        assert_int_equal(opt->offset, offsetof(ps_options, p) + a[k].offset);
        char dim[64];
        snprintf(dim, sizeof dim, "%s", opt->name);
        for (char *c = dim; *c; c++)
            if (*c == '-') *c = '_';
        assert_string_equal(dim, a[k].dim);
        const enum ps_opt_type want = a[k].kind == PS_AXIS_REAL ? PS_OPT_DOUBLE
                                      : a[k].kind == PS_AXIS_INT ? PS_OPT_INT : PS_OPT_U64;
        assert_int_equal(opt->type, want);
    }
    assert_null(ps_axis_find("gs"));
    assert_null(ps_axis_find("mode")); /* not a number: never an axis */
}

/* The grid's axes read what the sweep's own task params hold, task by task. */
static void test_grid_axes_read_the_task_params(void **state)
{
    (void)state;
    ps_options o;
    memset(&o, 0, sizeof o);
    o.cmd = PS_CMD_SWEEP;
    ps_params_default(&o.p);
    o.gs_range = (ps_range){-3, 0, 4};
    o.gw_range = (ps_range){0.5, 2.8, 3};
    o.replicas = 2;
    const ps_axis *gs = ps_axis_find("gamma_s"), *gw = ps_axis_find("gamma_w"),
                  *r = ps_axis_find("replica");
    assert_true(gs->grid && gw->grid && r->grid);
    for (int64_t t = 0; t < ps_task_count(&o); t++) {
        int is, iw, rr;
        ps_task_decode(&o, t, &is, &iw, &rr);
        ps_params p = ps_task_params(&o, t);
        ps_axis_value x = {ps_range_at(&o.gs_range, is), 0, 0},
                      y = {ps_range_at(&o.gw_range, iw), 0, 0}, z = {0, rr, 0};
        assert_true(ps_axis_same(gs, ps_axis_get(gs, &p), x));
        assert_true(ps_axis_same(gw, ps_axis_get(gw, &p), y));
        assert_true(ps_axis_same(r, ps_axis_get(r, &p), z));
    }
}

static void test_set_get(void **state)
{
    (void)state;
    ps_params p;
    ps_params_default(&p);
    const ps_axis *d = ps_axis_find("d"), *seed = ps_axis_find("seed"),
                  *noise = ps_axis_find("noise");
    assert_int_equal(ps_axis_set(d, &p, (ps_axis_value){0, 48, 0}), 0);
    assert_int_equal(p.d, 48);
    assert_int_equal(ps_axis_set(d, &p, (ps_axis_value){0, (int64_t)INT_MAX + 1, 0}), -1);
    assert_int_equal(p.d, 48);
    assert_int_equal(ps_axis_set(seed, &p, (ps_axis_value){0, 0, UINT64_MAX}), 0);
    assert_true(p.seed == UINT64_MAX);
    assert_int_equal(ps_axis_set(noise, &p, (ps_axis_value){0.25, 0, 0}), 0);
    assert_true(p.noise == 0.25);
    assert_true(ps_axis_get(seed, &p).u == UINT64_MAX);
    assert_int_equal(ps_axis_get(d, &p).i, 48);
}

static void test_same_and_format(void **state)
{
    (void)state;
    const ps_axis *gs = ps_axis_find("gamma_s"), *seed = ps_axis_find("seed");
    assert_false(ps_axis_same(gs, (ps_axis_value){0.0, 0, 0}, (ps_axis_value){-0.0, 0, 0}));
    assert_true(ps_axis_same(gs, (ps_axis_value){-1.85, 0, 0}, (ps_axis_value){-1.85, 0, 0}));
    assert_false(ps_axis_same(gs, (ps_axis_value){0.1 + 0.2, 0, 0}, (ps_axis_value){0.3, 0, 0}));
    char buf[64];
    ps_axis_format(gs, (ps_axis_value){-1.85, 0, 0}, buf, sizeof buf);
    assert_string_equal(buf, "-1.85");
    ps_axis_format(gs, (ps_axis_value){2.8 * 7 / 9, 0, 0}, buf, sizeof buf);
    assert_true(strtod(buf, NULL) == 2.8 * 7 / 9);
    ps_axis_format(gs, (ps_axis_value){0.1 + 0.2, 0, 0}, buf, sizeof buf);
    assert_string_equal(buf, "0.30000000000000004");
    ps_axis_format(seed, (ps_axis_value){0, 0, UINT64_MAX}, buf, sizeof buf);
    assert_string_equal(buf, "18446744073709551615");
    ps_axis_format(ps_axis_find("replica"), (ps_axis_value){0, -3, 0}, buf, sizeof buf);
    assert_string_equal(buf, "-3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_axes_are_their_options),
        cmocka_unit_test(test_grid_axes_read_the_task_params),
        cmocka_unit_test(test_set_get),
        cmocka_unit_test(test_same_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

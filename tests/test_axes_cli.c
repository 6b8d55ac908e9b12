/* Axes on the command line and in --config (opt_axes.c, cli.c): a list or a range A:B:N of
 * any option marked PS_OPT_AXIS becomes an axis of sweep and estimate, in the options
 * table's order, each value checked as the scalar is; integers only for integer options,
 * every value once, the task count under PS_MAX_TASKS, run and trace keep one value; a
 * scalar after an axis replaces it; the axis' text, equality and copies. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "commands_stub.h"

#define MAXARGS 64

static int parse_line(const char *line, ps_options *o, char *err, size_t errlen)
{
    static char buf[4096];
    char *argv[MAXARGS];
    int argc = 0;
    snprintf(buf, sizeof buf, "phasesweep %s", line);
    for (char *tok = strtok(buf, " "); tok && argc < MAXARGS; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    return ps_cli_parse_args(test_commands, argc, argv, o, err, errlen);
}

static void parse_ok(const char *line, ps_options *o)
{
    char err[512];
    if (parse_line(line, o, err, sizeof err) != PS_CLI_OK) fail_msg("'%s' refused: %s", line, err);
}

static void refused_(const char *line, ...)
{
    ps_options o;
    char err[512];
    int rc = parse_line(line, &o, err, sizeof err);
    if (rc != PS_CLI_ERROR) fail_msg("'%s' accepted (rc %d)", line, rc);
    if (strchr(err, '\n')) fail_msg("'%s': message spans lines: %s", line, err);
    va_list ap;
    va_start(ap, line);
    for (const char *w = va_arg(ap, const char *); w; w = va_arg(ap, const char *))
        if (!strstr(err, w)) fail_msg("'%s': message '%s' lacks '%s'", line, err, w);
    va_end(ap);
    ps_options_free(&o);
}
#define refused(...) refused_(__VA_ARGS__, (const char *)NULL)

#define GRID "--gs -2:0:3 --gw 0.5:1.5:2 --out x.h5"

static const ps_axis_list *axis(const ps_options *o, const char *name)
{
    return ps_options_axis(o, ps_option_find(name, PS_CMD_SWEEP));
}

static void test_lists_and_ranges(void **state)
{
    (void)state;
    ps_options o;
    /* given in another order than the table's: stored in the table's (d, rank, ... lr-scale) */
    parse_ok("sweep " GRID " --lr-scale 25,50 --d 16,24,32 --rank 2:4:3", &o);
    assert_int_equal(o.n_axes, 3);
    assert_string_equal(o.axes[0].axis->dim, "d");
    assert_string_equal(o.axes[1].axis->dim, "rank");
    assert_string_equal(o.axes[2].axis->dim, "lr_scale");
    const ps_axis_list *d = axis(&o, "d"), *k = axis(&o, "rank"), *lr = axis(&o, "lr-scale");
    assert_int_equal(d->n, 3);
    assert_true(d->v[0].i == 16 && d->v[1].i == 24 && d->v[2].i == 32);
    assert_int_equal(k->n, 3);
    assert_true(k->v[0].i == 2 && k->v[1].i == 3 && k->v[2].i == 4);
    assert_true(lr->v[0].x == 25 && lr->v[1].x == 50);
    assert_int_equal(o.p.d, 16); /* the scalar field holds the first value */
    char text[256];
    ps_option_format(ps_option_find("d", PS_CMD_SWEEP), &o, text, sizeof text);
    assert_string_equal(text, "16,24,32");

    /* equality: the same values only; a copy is equal and owns its values */
    ps_options c = o;
    c.n_axes = 0;
    ps_options_copy_axes(&c, &o);
    assert_ptr_not_equal(c.axes[0].v, o.axes[0].v);
    const ps_option *dopt = ps_option_find("d", PS_CMD_SWEEP);
    assert_true(ps_option_equal(dopt, &c, &o));
    c.axes[0].v[2].i = 33;
    assert_false(ps_option_equal(dopt, &c, &o));
    ps_options_free_axes(&c);
    assert_false(ps_option_equal(dopt, &c, &o)); /* a scalar is not an axis */
    ps_options_free(&o);

    /* a real range is ps_range_at's points; a seed axis is uint64 */
    parse_ok("sweep " GRID " --noise 0:1:3 --seed 18446744073709551614,18446744073709551615", &o);
    assert_true(axis(&o, "noise")->v[1].x == 0.5);
    assert_true(axis(&o, "seed")->v[1].u == UINT64_MAX);
    ps_options_free(&o);

    /* a scalar after an axis replaces it, and the other way round */
    parse_ok("sweep " GRID " --d 16,24 --d 20", &o);
    assert_int_equal(o.n_axes, 0);
    assert_int_equal(o.p.d, 20);
    ps_options_free(&o);
    parse_ok("estimate " GRID " --d 20 --d 16,24", &o);
    assert_int_equal(o.n_axes, 1);
    ps_options_free(&o);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("sweep " GRID " --d 16,24,16", "--d", "16 twice");
    refused("sweep " GRID " --d 16:16:2", "--d", "16 twice");
    refused("sweep " GRID " --rank 2.5", "--rank", "'2.5' is not an integer", "[1, 65536]");
    refused("sweep " GRID " --rank 1,2.5", "--rank", "'2.5' is not an integer", "[1, 65536]");
    refused("sweep " GRID " --d 16:32:4", "--d", "integer", "multiple of N - 1 = 3");
    refused("sweep " GRID " --d 8,70000", "--d", "'70000' is out of range [2, 65536]");
    refused("sweep " GRID " --noise 0:1:0", "--noise", "N = 0");
    refused("sweep " GRID " --noise 1,,2", "--noise", "not a list");
    refused("sweep " GRID " --lr-scale 0,1", "--lr-scale", "'0' is out of range (0, 1e+12]");
    refused("sweep " GRID " --mode reduced,explicit", "--mode");
    /* run and trace keep one value */
    refused("run --gs 0 --gw 1 --d 16,24", "--d", "axis of sweep and estimate", "run");
    refused("trace --gs 0 --gw 1 --out t.h5 --max-iter 10:20:2", "--max-iter", "trace");
    /* the rank of every task at most its d */
    refused("sweep " GRID " --d 8,16 --rank 10", "--rank", "[1, d]", "--d 8");
    /* the product of the axes */
    refused("sweep --gs 0:1:1000 --gw 1:2:100 --replicas 10 --d 2:1001:1000 --out x.h5",
            "1000000000 tasks", "1000 d x 1000 gamma_s", "100000000");
}

static void test_config_axes(void **state)
{
    (void)state;
    char path[] = "/tmp/test_axes_cli_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[sweep]\nd = 8,12,16\nmax-iter = 100:300:3\ngs = -2:0:3\ngw = 1:1:1\n"
                       "out = x.h5\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char line[256];
    ps_options o;
    snprintf(line, sizeof line, "sweep --config %s", path);
    parse_ok(line, &o);
    assert_int_equal(o.n_axes, 2);
    assert_true(axis(&o, "max-iter")->v[1].i == 200);
    ps_options_free(&o);
    /* the command line wins over the file's axis, with a scalar or another axis */
    snprintf(line, sizeof line, "sweep --config %s --d 10", path);
    parse_ok(line, &o);
    assert_int_equal(o.n_axes, 1);
    assert_int_equal(o.p.d, 10);
    ps_options_free(&o);
    snprintf(line, sizeof line, "sweep --d 6,7 --config %s", path);
    parse_ok(line, &o);
    assert_int_equal(axis(&o, "d")->n, 2);
    ps_options_free(&o);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_and_ranges),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_config_axes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

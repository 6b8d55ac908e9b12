/* test_opt_types: the per-type operations table (opt_types.h): every type has a complete
 * row; each type's parse, format and equal agree (format(parse(t)) parses back to an equal
 * value, another value is unequal); the scalar element parsers and their range messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opt_types.h"

static void test_every_type_has_a_row(void **state)
{
    (void)state;
    for (int t = 0; t < PS_OPT_N_TYPES; t++) {
        const ps_opt_type_ops *ops = ps_opt_type((enum ps_opt_type)t);
        assert_non_null(ops->metavar);
        assert_non_null(ops->parse);
        assert_non_null(ops->format);
        assert_non_null(ops->range);
        assert_non_null(ops->equal);
        assert_non_null(ops->needs);
        /* only a flag stands alone on the command line, and it has no value name */
        assert_int_equal(ops->takes_value, t != PS_OPT_FLAG);
        assert_int_equal(ops->metavar[0] != 0, ops->takes_value);
    }
    size_t n;
    const ps_option *rows = ps_option_table(&n);
    for (size_t i = 0; i < n; i++) assert_true((int)rows[i].type < PS_OPT_N_TYPES);
}

/* One option of each type with two different texts; the second, formatted, is given. */
static const struct {
    enum ps_opt_type type;
    const char *name;
    enum ps_command cmd;
    const char *a, *b, *b_formatted;
} samples[] = {
    {PS_OPT_INT, "d", PS_CMD_RUN, "64", "65536", "65536"},
    {PS_OPT_U64, "seed", PS_CMD_RUN, "0", "18446744073709551615", "18446744073709551615"},
    {PS_OPT_DOUBLE, "noise", PS_CMD_RUN, "0.1", "0.3", "0.29999999999999999"},
    {PS_OPT_BYTES, "max-mem", PS_CMD_RUN, "1.5G", "2048k", "2MiB"},
    {PS_OPT_RANGE, "gs", PS_CMD_SWEEP, "-3:0:30", "-3:0:31", "-3:0:31"},
    {PS_OPT_CHOICE, "mode", PS_CMD_RUN, "reduced", "explicit", "explicit"},
    {PS_OPT_FLAG, "no-theory", PS_CMD_RUN, "false", NULL, "true"},
    {PS_OPT_STRING, "out", PS_CMD_SWEEP, "a.h5", "dir/b c.h5", "dir/b c.h5"},
    {PS_OPT_GROUP, "group-size", PS_CMD_RUN, "4", "auto", "auto"},
    {PS_OPT_REPLICAS, "replicas", PS_CMD_SWEEP, "3", "2:5", "2:5"},
    {PS_OPT_CHOICE, "problem", PS_CMD_SWEEP, "denoise", "completion", "completion"},
    {PS_OPT_CHOICE, "update", PS_CMD_RUN, "sequential", "simultaneous", "simultaneous"},
};

static void test_parse_format_equal_round_trip(void **state)
{
    (void)state;
    int covered[PS_OPT_N_TYPES] = {0};
    for (size_t k = 0; k < sizeof samples / sizeof *samples; k++) {
        const ps_option *opt = ps_option_find(samples[k].name, samples[k].cmd);
        assert_non_null(opt);
        assert_int_equal(opt->type, samples[k].type);
        covered[opt->type] = 1;
        ps_options a, b, c;
        ps_options_default(&a);
        ps_options_default(&b);
        ps_options_default(&c);
        char err[256] = "", text[256];
        if (ps_option_parse(opt, samples[k].a, &a, err, sizeof err))
            fail_msg("--%s %s: %s", opt->name, samples[k].a, err);
        if (ps_option_parse(opt, samples[k].b, &b, err, sizeof err))
            fail_msg("--%s %s: %s", opt->name, samples[k].b ? samples[k].b : "(flag)", err);
        assert_false(ps_option_equal(opt, &a, &b));
        assert_true(ps_option_equal(opt, &a, &a));
        ps_option_format(opt, &b, text, sizeof text);
        assert_string_equal(text, samples[k].b_formatted);
        /* the formatted text parses back to an equal value */
        assert_int_equal(ps_option_parse(opt, text, &c, err, sizeof err), 0);
        assert_true(ps_option_equal(opt, &b, &c));
        ps_options_free(&a);
        ps_options_free(&b);
        ps_options_free(&c);
    }
    for (int t = 0; t < PS_OPT_N_TYPES; t++)
        if (!covered[t]) fail_msg("option type %d has no sample", t);
}

/* An unset string and an empty one are the same record ("" in a file). */
static void test_string_null_equals_empty(void **state)
{
    (void)state;
    const ps_option *opt = ps_option_find("part", PS_CMD_SWEEP);
    ps_options a, b;
    ps_options_default(&a);
    ps_options_default(&b);
    b.part = "";
    assert_true(ps_option_equal(opt, &a, &b));
    b.part = "0/2";
    assert_false(ps_option_equal(opt, &a, &b));
}

/* Bad text is refused with the option's accepted range, and the field keeps its value. */
static void test_parse_refusals(void **state)
{
    (void)state;
    static const struct { const char *name; enum ps_command cmd; const char *text, *want; } bad[] = {
        {"d", PS_CMD_RUN, "1", "'1' is out of range [2, 65536]"},
        {"d", PS_CMD_RUN, "2.5", "'2.5' is not an integer in [2, 65536]"},
        {"seed", PS_CMD_RUN, "-1", "out of range [0, 18446744073709551615]"},
        {"lr-scale", PS_CMD_RUN, "0", "'0' is out of range (0, 1e+12]"},
        {"noise", PS_CMD_RUN, "nan", "'nan' is not a finite number"},
        {"max-mem", PS_CMD_RUN, "1k", "'1k' is out of range [1MiB, 1024TiB]"},
        {"gs", PS_CMD_SWEEP, "-30:0:3", "A = -30 in '-30:0:3' is out of range [-20, 20]"},
        {"gs", PS_CMD_SWEEP, "0:1:0", "N = 0 in '0:1:0' is out of range [1, 100000]"},
        {"mode", PS_CMD_RUN, "full", "'full' is not one of reduced, explicit"},
        {"update", PS_CMD_RUN, "foo", "'foo' is not one of sequential, simultaneous"},
        {"no-theory", PS_CMD_SWEEP, "maybe", "'maybe' is not one of true, false"},
        {"out", PS_CMD_SWEEP, "", "empty file name"},
        {"group-size", PS_CMD_RUN, "0", "'0' is out of range auto or [1, 2147483647]"},
        {"replicas", PS_CMD_SWEEP, "0", "'0' is out of range [1, 1000000] or A:B"},
        {"replicas", PS_CMD_SWEEP, "3:3", "'3:3' is an empty replica range: A:B needs A < B"},
        {"replicas", PS_CMD_SWEEP, "4:2", "'4:2' is an empty replica range"},
        {"replicas", PS_CMD_SWEEP, "-1:2", "A = -1 in '-1:2' is out of range [0, 2147483646]"},
        {"replicas", PS_CMD_SWEEP, "-2", "'-2' is out of range [1, 1000000]"},
        {"replicas", PS_CMD_SWEEP, "1:x", "(B = 'x' is not an integer)"},
        {"replicas", PS_CMD_SWEEP, "1:2:3", "'1:2:3' is not R or a replica range A:B"},
        {"replicas", PS_CMD_SWEEP, "0:1000001", "holds 1000001 replicas, more than 1000000"},
        {"replicas", PS_CMD_SWEEP, "5:2147483648", "B = 2147483648 in '5:2147483648' is out of"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const ps_option *opt = ps_option_find(bad[k].name, bad[k].cmd);
        ps_options o, before;
        ps_options_default(&o);
        ps_options_default(&before);
        char err[256] = "";
        assert_int_equal(ps_option_parse(opt, bad[k].text, &o, err, sizeof err), -1);
        if (!strstr(err, bad[k].want)) fail_msg("--%s %s: '%s' lacks '%s'", bad[k].name,
                                                bad[k].text, err, bad[k].want);
        assert_true(ps_option_equal(opt, &o, &before));
    }
}

/* --replicas R is 0:R (today's text and records); A:B holds B - A replicas from A. */
static void test_replica_range(void **state)
{
    (void)state;
    const ps_option *opt = ps_option_find("replicas", PS_CMD_SWEEP);
    ps_options a, b;
    ps_options_default(&a);
    ps_options_default(&b);
    char err[256] = "", text[64];
    assert_int_equal(a.replicas, 1);
    assert_int_equal(a.replica_first, 0);
    assert_int_equal(ps_option_parse(opt, "3", &a, err, sizeof err), 0);
    assert_int_equal(ps_option_parse(opt, "0:3", &b, err, sizeof err), 0);
    assert_true(ps_option_equal(opt, &a, &b));
    ps_option_format(opt, &b, text, sizeof text);
    assert_string_equal(text, "3");
    assert_int_equal(ps_option_parse(opt, "2:5", &b, err, sizeof err), 0);
    assert_int_equal(b.replicas, 3);
    assert_int_equal(b.replica_first, 2);
    assert_false(ps_option_equal(opt, &a, &b));
    assert_int_equal(ps_option_parse(opt, "2147483646:2147483647", &b, err, sizeof err), 0);
    assert_int_equal(b.replicas, 1);
    assert_int_equal(b.replica_first, 2147483646);
}

static void test_elements(void **state)
{
    (void)state;
    const ps_option *gs = ps_option_find("gs", PS_CMD_SWEEP), *d = ps_option_find("d", PS_CMD_RUN);
    const ps_option *lr = ps_option_find("lr-scale", PS_CMD_RUN);
    double x = 7;
    int64_t i = 7;
    char err[256];
    assert_int_equal(ps_opt_elem_double(gs, "-1.5", &x, err, sizeof err), PS_ELEM_OK);
    assert_true(x == -1.5);
    assert_int_equal(ps_opt_elem_double(gs, "20", &x, err, sizeof err), PS_ELEM_OK);
    assert_int_equal(ps_opt_elem_double(gs, "20.000001", &x, err, sizeof err), PS_ELEM_RANGE);
    assert_string_equal(err, "'20.000001' is out of range [-20, 20]");
    assert_true(x == 20); /* untouched on failure */
    assert_int_equal(ps_opt_elem_double(gs, "1e999", &x, err, sizeof err), PS_ELEM_RANGE);
    assert_int_equal(ps_opt_elem_double(gs, "inf", &x, err, sizeof err), PS_ELEM_NONFINITE);
    assert_int_equal(ps_opt_elem_double(gs, "1,2", &x, err, sizeof err), PS_ELEM_MALFORMED);
    assert_string_equal(err, "'1,2' is not a number");
    assert_int_equal(ps_opt_elem_double(gs, " 1", &x, err, sizeof err), PS_ELEM_MALFORMED);
    assert_int_equal(ps_opt_elem_double(gs, "", &x, err, sizeof err), PS_ELEM_MALFORMED);
    assert_int_equal(ps_opt_elem_double(lr, "0", &x, err, sizeof err), PS_ELEM_RANGE);
    assert_string_equal(err, "'0' is out of range (0, 1e+12]");
    assert_int_equal(ps_opt_elem_double(lr, "1e-300", &x, err, sizeof err), PS_ELEM_OK);

    assert_int_equal(ps_opt_elem_int64(d, "65536", &i, err, sizeof err), PS_ELEM_OK);
    assert_true(i == 65536);
    assert_int_equal(ps_opt_elem_int64(d, "65537", &i, err, sizeof err), PS_ELEM_RANGE);
    assert_string_equal(err, "'65537' is out of range [2, 65536]");
    assert_int_equal(ps_opt_elem_int64(d, "99999999999999999999", &i, err, sizeof err),
                     PS_ELEM_RANGE);
    assert_int_equal(ps_opt_elem_int64(d, "64.0", &i, err, sizeof err), PS_ELEM_MALFORMED);
    assert_string_equal(err, "'64.0' is not an integer in [2, 65536]");
    assert_true(i == 65536);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_has_a_row),
        cmocka_unit_test(test_parse_format_equal_round_trip),
        cmocka_unit_test(test_string_null_equals_empty),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_replica_range),
        cmocka_unit_test(test_elements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

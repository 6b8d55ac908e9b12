/* test_cli: the options table, the parser core (good values and every class of bad input),
 * --config files and their precedence, the A:B:N grid and the value formatting. */
#define _GNU_SOURCE /* open_memstream, mkstemps, fdopen */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands_stub.h"

#define MAXARGS 64

/* Parses the words of line (space separated, "phasesweep" prepended); returns the code. */
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
    int rc = parse_line(line, o, err, sizeof err);
    if (rc != PS_CLI_OK) fail_msg("'%s' refused: %s", line, err);
}

/* The line is refused and the message contains every one of the given words. */
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

static void test_table_sanity(void **state)
{
    (void)state;
    size_t n;
    const ps_option *t = ps_option_table(&n);
    assert_true(n > 20 && n <= 64);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].name);
        assert_true(strlen(t[i].name) > 0);
        assert_null(strchr(t[i].name, '='));
        assert_non_null(t[i].help);
        assert_true(strlen(t[i].help) > 5);
        assert_non_null(t[i].group);
        assert_int_not_equal(t[i].commands, 0);
        /* info takes a FILE, or --layout alone */
        assert_int_equal(t[i].commands & (1u << PS_CMD_INFO),
                         strcmp(t[i].name, "layout") ? 0 : 1u << PS_CMD_INFO);
        assert_int_equal(t[i].required & ~t[i].commands, 0);
        if (t[i].type != PS_OPT_FLAG && t[i].type != PS_OPT_STRING)
            assert_true(t[i].min < t[i].max);
        for (size_t j = i + 1; j < n; j++)
            if (!strcmp(t[i].name, t[j].name))
                assert_int_equal(t[i].commands & t[j].commands, 0); /* unique per command */
        assert_ptr_equal(ps_option_find(t[i].name, (enum ps_command)__builtin_ctz(t[i].commands)),
                         &t[i]);
    }
    /* gs and gw: a number for run/trace, a grid for sweep */
    assert_int_equal(ps_option_find("gs", PS_CMD_RUN)->type, PS_OPT_DOUBLE);
    assert_int_equal(ps_option_find("gs", PS_CMD_SWEEP)->type, PS_OPT_RANGE);
    assert_int_equal(ps_option_find("gw", PS_CMD_TRACE)->type, PS_OPT_DOUBLE);
    assert_int_equal(ps_option_find("gw", PS_CMD_SWEEP)->type, PS_OPT_RANGE);
    assert_null(ps_option_find("replicas", PS_CMD_RUN));
    assert_null(ps_option_find("replica", PS_CMD_SWEEP));
    assert_null(ps_option_find("d", PS_CMD_INFO));
}

static void test_identity(void **state)
{
    (void)state;
    static const char *const ident[] = {
        "d", "rank", "noise", "gs", "gw", "replicas", "seed", "max-iter", "lr-scale", "mode",
        "no-theory", "no-stop", "tol-converged", "tol-plateau", "plateau-min-drop", "diverge-factor",
        "part", "eigensolver", "curves", "curves-every", "problem", "observed", "gr", "update"};
    static const char *const other[] = {"out", "load", "config", "resume", "force", "threads",
                                        "max-mem", "group-size", "block", "json", "text",
                                        "replica", "layout", "partial", "ranks", "wall",
                                        "pilot", "pilot-d", "from", "task", "at",
                                        "max-file"};
    size_t n, seen = 0;
    const ps_option *t = ps_option_table(&n);
    for (size_t i = 0; i < n; i++) {
        int want = -1;
        for (size_t k = 0; k < sizeof ident / sizeof *ident; k++)
            if (!strcmp(t[i].name, ident[k])) want = 1;
        for (size_t k = 0; k < sizeof other / sizeof *other; k++)
            if (!strcmp(t[i].name, other[k])) want = 0;
        if (want < 0) fail_msg("option %s is in neither list", t[i].name);
        assert_int_equal(t[i].identity, want);
        /* the columns that replaced name tests: every option outside the identity steers
         * the run (run_NAME in files) but the replica index and the --load file, which
         * define a run; --part alone differs between the parts of one sweep; only run's
         * and trace's --gw may come from --load */
        int defines_run = !strcmp(t[i].name, "replica") || !strcmp(t[i].name, "load");
        assert_int_equal(!!(t[i].props & PS_OPT_STEERS), !want && !defines_run);
        assert_int_equal(!!(t[i].props & PS_OPT_PER_PART), !strcmp(t[i].name, "part"));
        assert_int_equal(!!(t[i].props & PS_OPT_FROM_LOAD),
                         !strcmp(t[i].name, "gw") && t[i].type == PS_OPT_DOUBLE);
        /* added to the identity after files were made: absent = the default */
        assert_int_equal(!!(t[i].props & PS_OPT_ADDED),
                         !strcmp(t[i].name, "curves") || !strcmp(t[i].name, "curves-every") ||
                             !strcmp(t[i].name, "problem") || !strcmp(t[i].name, "observed") ||
                             !strcmp(t[i].name, "gr") || !strcmp(t[i].name, "update"));
        seen++;
    }
    assert_int_equal(seen, n);
}

static void test_defaults(void **state)
{
    (void)state;
    ps_options o;
    parse_ok("run --gs -1 --gw 1", &o);
    assert_int_equal(o.cmd, PS_CMD_RUN);
    assert_int_equal(o.p.d, 200);
    assert_int_equal(o.p.k, 5);
    assert_true(o.p.noise == 1.0);
    assert_true(o.p.seed == 0);
    assert_int_equal(o.p.replica, 0);
    assert_int_equal(o.p.max_iter, 750);
    assert_true(o.p.lr_scale == 50.0);
    assert_int_equal(o.p.mode, PS_MODE_REDUCED);
    assert_int_equal(o.p.theory, 1);
    assert_true(o.p.tol_converged == 1e-3);
    assert_true(o.p.tol_plateau == 2e-4);
    assert_true(o.p.plateau_min_drop == 1e-2);
    assert_true(o.p.diverge_factor == 1e6);
    assert_true(o.p.max_mem == 4294967296.0);
    assert_true(o.max_file == 8589934592.0);
    assert_int_equal(o.curves, 0);
    assert_int_equal(o.curves_every, 1);
    assert_int_equal(o.p.threads, 1);
    assert_int_equal(o.group_size, 1);
    assert_int_equal(o.block, 64);
    assert_int_equal(o.json, 1);
    assert_int_equal(o.text, 0);
    assert_null(o.load);
    assert_null(o.out);
    assert_int_equal(o.gs_given, 1);
    assert_int_equal(o.gw_given, 1);
    assert_true(ps_option_given(&o, "gs"));
    assert_false(ps_option_given(&o, "d"));
    assert_string_equal(o.command_line, "phasesweep run --gs -1 --gw 1");
    ps_options_free(&o);
}

static void test_good_values(void **state)
{
    (void)state;
    ps_options o;
    parse_ok("run --d=64 --rank 3 --noise 0.5 --gs=-1.25 --gw 1.5 --seed 18446744073709551615 "
             "--replica 2147483647 --max-iter 100000000 --lr-scale 1e12 --mode explicit "
             "--no-theory --tol-converged 0 --tol-plateau=1e-9 --plateau-min-drop 0.5 "
             "--diverge-factor 1.5 --max-mem 8G --threads 4 --group-size auto --block 32 "
             "--load w.h5 --text", &o);
    assert_int_equal(o.p.d, 64);
    assert_int_equal(o.p.k, 3);
    assert_true(o.p.noise == 0.5);
    assert_true(o.p.gs == -1.25);
    assert_true(o.p.gw == 1.5);
    assert_true(o.p.seed == UINT64_MAX);
    assert_int_equal(o.p.replica, 2147483647);
    assert_int_equal(o.p.max_iter, 100000000);
    assert_true(o.p.lr_scale == 1e12);
    assert_int_equal(o.p.mode, PS_MODE_EXPLICIT);
    assert_int_equal(o.p.theory, 0);
    assert_true(o.p.tol_converged == 0);
    assert_true(o.p.tol_plateau == 1e-9);
    assert_true(o.p.plateau_min_drop == 0.5);
    assert_true(o.p.diverge_factor == 1.5);
    assert_true(o.p.max_mem == 8.0 * 1073741824.0);
    assert_int_equal(o.p.threads, 4);
    assert_int_equal(o.group_size, 0);
    assert_int_equal(o.block, 32);
    assert_string_equal(o.load, "w.h5");
    assert_int_equal(o.text, 1);
    assert_int_equal(o.json, 0);
    ps_options_free(&o);

    /* a repeated option: the last one counts */
    parse_ok("run --gs -1 --gw 1 --d 10 --d 12", &o);
    assert_int_equal(o.p.d, 12);
    ps_options_free(&o);

    /* --load may stand in for --gw; d-dependent checks wait for the file */
    parse_ok("run --gs -1 --load x.h5 --rank 300", &o);
    assert_int_equal(o.gw_given, 0);
    ps_options_free(&o);

    parse_ok("trace --gs -1 --gw 1 --out t.h5 --json", &o);
    assert_int_equal(o.cmd, PS_CMD_TRACE);
    assert_string_equal(o.out, "t.h5");
    assert_int_equal(o.json, 1);
    ps_options_free(&o);

    parse_ok("sweep --gs -3:0:30 --gw 0:2.8:30 --replicas 4 --out s.h5 --resume", &o);
    assert_int_equal(o.cmd, PS_CMD_SWEEP);
    assert_true(o.gs_range.a == -3 && o.gs_range.b == 0 && o.gs_range.n == 30);
    assert_true(o.gw_range.a == 0 && o.gw_range.b == 2.8 && o.gw_range.n == 30);
    assert_int_equal(o.replicas, 4);
    assert_int_equal(o.resume, 1);
    assert_int_equal(o.force, 0);
    ps_options_free(&o);

    parse_ok("info results.h5", &o);
    assert_int_equal(o.cmd, PS_CMD_INFO);
    assert_string_equal(o.info_file, "results.h5");
    ps_options_free(&o);
    parse_ok("info --layout json", &o);
    assert_string_equal(o.layout, "json");
    assert_null(o.info_file);
    ps_options_free(&o);
}

static void test_help_and_version(void **state)
{
    (void)state;
    ps_options o;
    char err[512];
    assert_int_equal(parse_line("--help", &o, err, sizeof err), PS_CLI_HELP_ALL);
    ps_options_free(&o);
    assert_int_equal(parse_line("--version", &o, err, sizeof err), PS_CLI_VERSION);
    ps_options_free(&o);
    /* --help wins over the rest of the line, bad or not */
    assert_int_equal(parse_line("sweep --bogus --help", &o, err, sizeof err), PS_CLI_HELP);
    assert_int_equal(o.cmd, PS_CMD_SWEEP);
    ps_options_free(&o);
    assert_int_equal(parse_line("info --help", &o, err, sizeof err), PS_CLI_HELP);
    assert_int_equal(o.cmd, PS_CMD_INFO);
    ps_options_free(&o);
    assert_string_equal(PS_VERSION, "0.1.0");
}

static void test_help_lists_every_option(void **state)
{
    (void)state;
    size_t n;
    const ps_option *t = ps_option_table(&n);
    for (int cmd = PS_CMD_RUN; cmd < PS_N_COMMANDS; cmd++) {
        if (cmd == PS_CMD_INFO) continue; /* no options */
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_non_null(f);
        ps_cli_help(f, test_commands, cmd);
        fclose(f);
        assert_non_null(strstr(text, "usage: phasesweep"));
        assert_non_null(strstr(text, "Example:"));
        for (size_t i = 0; i < n; i++) {
            char key[64];
            snprintf(key, sizeof key, "--%s ", t[i].name);
            char *at = strstr(text, key);
            if (!(t[i].commands & (1u << cmd))) {
                /* options of other commands are not listed (gs/gw are, in their own form) */
                if (!ps_option_find(t[i].name, (enum ps_command)cmd)) assert_null(at);
                continue;
            }
            if (!at) {
                snprintf(key, sizeof key, "--%s\n", t[i].name);
                at = strstr(text, key);
            }
            if (!at) fail_msg("help of command %d lacks --%s", cmd, t[i].name);
            char *dflt = strstr(at, "default: ");
            assert_non_null(dflt);
        }
        if (ps_option_find("d", (enum ps_command)cmd)) { /* merge takes no model options */
            assert_non_null(strstr(text, "default: 200; range: [2, 65536]"));
            assert_non_null(strstr(text, "default: 4GiB"));
        }
        free(text);
    }
}

static void test_bad_input_classes(void **state)
{
    (void)state;
    refused("", "no command");
    refused("bogus", "unknown command", "bogus");
    refused("run --gs -1 --gw 1 --bogus", "unknown option", "--bogus", "--help");
    refused("run --gs -1 --gw 1 -d 3", "-d", "two dashes");
    refused("run --gs -1 --gw 1 --replicas 2", "--replicas", "not an option of run");
    refused("sweep --gs 0:1:2 --gw 0:1:2 --out x --replica 1", "--replica", "sweep");
    refused("sweep --gs 0:1:2 --gw 0:1:2 --out x --load w.h5", "--load", "sweep");
    refused("trace --gs -1 --gw 1 --out x --force", "--force", "trace");
    refused("info x.h5 --d 3", "--d", "info");
    refused("run --gs -1 --gw 1 --d", "--d", "missing value");
    refused("run --gs -1 --gw 1 --d --rank 2", "--d", "missing value");
    refused("run --gs -1 --gw 1 --no-theory=yes", "--no-theory", "no value");
    refused("run --gs -1 --gw 1 --d abc", "--d", "not an integer", "abc");
    refused("run --gs -1 --gw 1 --d 20x", "--d", "not an integer");
    refused("run --gs -1 --gw 1 --d 2.0", "--d", "not an integer");
    refused("run --gs -1 --gw 1 --d=", "--d", "not an integer");
    refused("run --gs -1 --gw 1 --d 0x10", "--d", "not an integer");
    refused("run --gs x --gw 1", "--gs", "not a number");
    refused("run --gs 1.5.2 --gw 1", "--gs", "not a number");
    refused("run --gs nan --gw 1", "--gs", "finite");
    refused("run --gs -inf --gw 1", "--gs", "finite");
    refused("run --gs -1 --gw infinity", "--gw", "finite");
    refused("run --gs 1e400 --gw 1", "--gs", "out of range", "[-20, 20]", "1e400");
    refused("run --gs -1 --gw 1 --noise 1e-400", "--noise", "1e-400");
    refused("run --gs -1 --gw 1 --d 1", "--d", "out of range", "[2, 65536]", "'1'");
    refused("run --gs -1 --gw 1 --d 65537", "--d", "[2, 65536]", "65537");
    refused("run --gs -1 --gw 1 --d 99999999999999999999999", "--d", "out of range");
    refused("run --gs -20.5 --gw 1", "--gs", "[-20, 20]", "-20.5");
    refused("run --gs -1 --gw -0.1", "--gw", "[0, 15]");
    refused("run --gs -1 --gw 1 --seed -1", "--seed", "out of range", "18446744073709551615");
    refused("run --gs -1 --gw 1 --seed 18446744073709551616", "--seed", "out of range");
    refused("run --gs -1 --gw 1 --seed 1e3", "--seed", "not an integer");
    refused("run --gs -1 --gw 1 --replica -1", "--replica", "[0, 2147483647]");
    refused("run --gs -1 --gw 1 --replica 2147483648", "--replica", "[0, 2147483647]");
    refused("run --gs -1 --gw 1 --max-iter 0", "--max-iter", "[1, 100000000]");
    refused("run --gs -1 --gw 1 --lr-scale 0", "--lr-scale", "(0, 1e+12]");
    refused("run --gs -1 --gw 1 --lr-scale -1", "--lr-scale", "(0, 1e+12]");
    refused("run --gs -1 --gw 1 --mode fast", "--mode", "reduced", "explicit");
    refused("run --gs -1 --gw 1 --tol-converged -1e-3", "--tol-converged", "[0, 1e+300]");
    refused("run --gs -1 --gw 1 --diverge-factor 1", "--diverge-factor", "(1, 1e+300]");
    refused("run --gs -1 --gw 1 --threads 0", "--threads", "[1, 1024]");
    refused("run --gs -1 --gw 1 --threads 1025", "--threads", "[1, 1024]");
    refused("run --gs -1 --gw 1 --group-size 0", "--group-size", "auto");
    refused("run --gs -1 --gw 1 --group-size many", "--group-size", "not an integer");
    refused("run --gs -1 --gw 1 --block 4097", "--block", "[1, 4096]");
    refused("run --gs -1 --gw 1 --load=", "--load", "empty");
    refused("run --gs -1 --gw 1 extra", "unexpected argument", "extra");
    /* across options */
    refused("run --gs -1 --gw 1 --d 4 --rank 5", "--rank", "5", "[1, d]");
    refused("run --gw 1", "--gs");
    refused("run --gs -1", "--gw");
    refused("trace --gw 1 --out t.h5", "--gs");
    refused("run --gs -1 --gw 7", "--gw", "2^53"); /* 200^7 > 2^53 */
    refused("trace --gs -1 --gw 1", "--out");
    refused("trace --gs -1 --gw 1 --out t.h5 --no-theory", "--no-theory", "trace");
    refused("run --gs -1 --gw 1 --json --text", "--json", "--text");
    refused("sweep --gs 0:1:2 --gw 0:1:2", "--out");
    refused("sweep --gw 0:1:2 --out s.h5", "--gs", "A:B:N");
    refused("sweep --gs 0:1:2 --out s.h5", "--gw", "A:B:N");
    refused("sweep --gs 0:1:2 --gw 0:1:2 --out s.h5 --resume --force", "--resume", "--force");
    refused("sweep --gs 0:1:2 --gw 0:7:2 --out s.h5", "--gw", "2^53");
    refused("sweep --gs 0:1:2 --gw 0:1:2 --out s.h5 --replicas 0", "--replicas", "[1, 1000000]");
    refused("info", "info", "FILE");
    refused("info --layout xml", "--layout", "json");
    refused("info --layout json x.h5", "--layout", "no FILE");
    refused("info a.h5 b.h5", "unexpected argument", "b.h5");
}

static void test_bytes(void **state)
{
    (void)state;
    static const struct { const char *text; double bytes; } good[] = {
        {"1048576", 1048576.0},    {"1M", 1048576.0},        {"1m", 1048576.0},
        {"1MiB", 1048576.0},       {"1mib", 1048576.0},      {"2048K", 2097152.0},
        {"2048kiB", 2097152.0},    {"4G", 4294967296.0},     {"4GiB", 4294967296.0},
        {"1.5g", 1610612736.0},    {"1T", 1099511627776.0},  {"1024TiB", 1125899906842624.0},
        {"0.5G", 536870912.0},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char line[128];
        ps_options o;
        snprintf(line, sizeof line, "run --gs -1 --gw 1 --max-mem %s", good[i].text);
        parse_ok(line, &o);
        if (o.p.max_mem != good[i].bytes)
            fail_msg("%s -> %.17g, want %.17g", good[i].text, o.p.max_mem, good[i].bytes);
        ps_options_free(&o);
    }
    refused("run --gs -1 --gw 1 --max-mem 1048575", "--max-mem", "[1MiB, 1024TiB]");
    refused("run --gs -1 --gw 1 --max-mem 1025T", "--max-mem", "out of range");
    refused("run --gs -1 --gw 1 --max-mem 4GB", "--max-mem", "byte count");
    refused("run --gs -1 --gw 1 --max-mem 4P", "--max-mem", "byte count");
    refused("run --gs -1 --gw 1 --max-mem G", "--max-mem", "byte count");
    refused("run --gs -1 --gw 1 --max-mem -4G", "--max-mem", "byte count");
    refused("run --gs -1 --gw 1 --max-mem 4 G", "--max-mem");
    refused("run --gs -1 --gw 1 --max-mem inf", "--max-mem");
}

static void test_ranges(void **state)
{
    (void)state;
    ps_options o;
    parse_ok("sweep --gs -1:-1:1 --gw 2:1:3 --out s.h5", &o);
    assert_int_equal(o.gs_range.n, 1); /* n = 1: the single point a */
    assert_true(ps_range_at(&o.gs_range, 0) == -1.0);
    assert_true(o.gw_range.a == 2 && o.gw_range.b == 1); /* a > b: a descending grid */
    assert_true(ps_range_at(&o.gw_range, 0) == 2.0);
    assert_true(ps_range_at(&o.gw_range, 1) == 1.5);
    assert_true(ps_range_at(&o.gw_range, 2) == 1.0);
    ps_options_free(&o);

    parse_ok("sweep --gs=-2.2:-0.8:30 --gw 1.75:2.8:100000 --out s.h5", &o);
    assert_int_equal(o.gw_range.n, 100000);
    ps_options_free(&o);

    refused("sweep --gs 1:2 --gw 0:1:2 --out s.h5", "--gs", "A:B:N", "1:2");
    refused("sweep --gs 1:2:0 --gw 0:1:2 --out s.h5", "--gs", "N", "[1, 100000]");
    refused("sweep --gs 1:2:100001 --gw 0:1:2 --out s.h5", "--gs", "[1, 100000]");
    refused("sweep --gs 1:2:-3 --gw 0:1:2 --out s.h5", "--gs", "[1, 100000]");
    refused("sweep --gs 1:2:3:4 --gw 0:1:2 --out s.h5", "--gs", "A:B:N");
    refused("sweep --gs 1:2:2.5 --gw 0:1:2 --out s.h5", "--gs", "not an integer");
    refused("sweep --gs ::3 --gw 0:1:2 --out s.h5", "--gs", "A:B:N");
    refused("sweep --gs a:2:3 --gw 0:1:2 --out s.h5", "--gs", "not a number");
    refused("sweep --gs nan:2:3 --gw 0:1:2 --out s.h5", "--gs", "finite");
    refused("sweep --gs -21:2:3 --gw 0:1:2 --out s.h5", "--gs", "A = -21", "[-20, 20]");
    refused("sweep --gs 0:1:2 --gw 0:16:2 --out s.h5", "--gw", "B = 16", "[0, 15]");
    refused("sweep --gs -1 --gw 0:1:2 --out s.h5", "--gs", "A:B:N");
    /* run/trace take a single number */
    refused("run --gs -1:0:3 --gw 1", "--gs", "not a number");
}

static void test_range_at(void **state)
{
    (void)state;
    ps_range r = {-3.0, 0.0, 30};
    assert_true(ps_range_at(&r, 0) == -3.0);
    assert_true(ps_range_at(&r, 29) == 0.0);
    /* -3 + 3 i / 29 as literals: the correctly rounded values, except at i = 28 where
     * a + (b - a) * i / (n - 1) evaluated in doubles lands one ulp above -3/29 (the grid is
     * this expression, bit for bit, so that resumed and merged sweeps meet the same points) */
    const struct { int i; double v; } at[] = {
        {1, -2.896551724137931},   {2, -2.793103448275862},    {7, -2.2758620689655173},
        {14, -1.5517241379310345}, {15, -1.4482758620689655}, {28, -0.10344827586206895},
    };
    for (size_t j = 0; j < sizeof at / sizeof at[0]; j++)
        if (ps_range_at(&r, at[j].i) != at[j].v)
            fail_msg("point %d: %.17g, want %.17g", at[j].i, ps_range_at(&r, at[j].i), at[j].v);
    assert_true(-0.10344827586206895 != -3.0 / 29.0); /* the ulp above: not the rounded one */
    for (int i = 1; i < r.n; i++) assert_true(ps_range_at(&r, i) > ps_range_at(&r, i - 1));
    assert_true(fabs(ps_range_at(&r, 10) - (-3.0 + 30.0 / 29.0)) < 1e-15);
    ps_range one = {0.7, 5.0, 1};
    assert_true(ps_range_at(&one, 0) == 0.7);
    ps_range down = {2.8, 0.0, 8};
    assert_true(ps_range_at(&down, 0) == 2.8);
    assert_true(ps_range_at(&down, 7) == 0.0);
    assert_true(ps_range_at(&down, 1) == 2.8 + (0.0 - 2.8) * 1 / 7);
}

/* Every option's formatted value parses back to the same text. */
static void test_format_round_trip(void **state)
{
    (void)state;
    size_t n;
    const ps_option *t = ps_option_table(&n);
    const char *lines[] = {
        "run --gs -1.1 --gw 2.3 --noise 0.1 --seed 12345678901234567890 --max-mem 1.5G "
        "--group-size auto --no-theory --lr-scale 3.3333333333333335 --load a.h5 --text",
        "sweep --gs -2.2:-0.8:30 --gw 0.1:2.8:7 --out s.h5 --mode explicit --max-mem 1234567890 "
        "--tol-plateau 0.0001 --replicas 3 --force --group-size 4",
        "trace --gs 0.30000000000000004 --gw 1 --out t.h5 --diverge-factor 1e300",
    };
    for (size_t l = 0; l < sizeof lines / sizeof *lines; l++) {
        ps_options a;
        parse_ok(lines[l], &a);
        char line[4096];
        int pos = snprintf(line, sizeof line, "%s", a.cmd == PS_CMD_RUN     ? "run"
                                                    : a.cmd == PS_CMD_TRACE ? "trace"
                                                                            : "sweep");
        for (size_t i = 0; i < n; i++) {
            if (!(t[i].commands & (1u << a.cmd))) continue;
            char v[128];
            ps_option_format(&t[i], &a, v, sizeof v);
            if (t[i].type == PS_OPT_FLAG) {
                if (!strcmp(v, "true")) pos += snprintf(line + pos, sizeof line - pos, " --%s",
                                                        t[i].name);
            } else if (*v) {
                pos += snprintf(line + pos, sizeof line - pos, " --%s=%s", t[i].name, v);
            }
        }
        ps_options b;
        parse_ok(line, &b);
        for (size_t i = 0; i < n; i++) {
            if (!(t[i].commands & (1u << a.cmd))) continue;
            char va[128], vb[128];
            ps_option_format(&t[i], &a, va, sizeof va);
            ps_option_format(&t[i], &b, vb, sizeof vb);
            assert_string_equal(va, vb);
        }
        assert_true(a.p.gs == b.p.gs && a.p.gw == b.p.gw && a.p.lr_scale == b.p.lr_scale);
        ps_options_free(&a);
        ps_options_free(&b);
    }
    ps_options o;
    parse_ok("sweep --gs -3:0:30 --gw 0:2.8:30 --out s.h5", &o);
    char v[128];
    ps_option_format(ps_option_find("gs", PS_CMD_SWEEP), &o, v, sizeof v);
    assert_string_equal(v, "-3:0:30");
    ps_option_format(ps_option_find("gw", PS_CMD_SWEEP), &o, v, sizeof v);
    assert_string_equal(v, "0:2.7999999999999998:30");
    ps_option_format(ps_option_find("mode", PS_CMD_SWEEP), &o, v, sizeof v);
    assert_string_equal(v, "reduced");
    ps_option_format(ps_option_find("no-theory", PS_CMD_SWEEP), &o, v, sizeof v);
    assert_string_equal(v, "false");
    ps_option_format(ps_option_find("max-mem", PS_CMD_SWEEP), &o, v, sizeof v);
    assert_string_equal(v, "4GiB");
    ps_option_format(ps_option_find("tol-plateau", PS_CMD_SWEEP), &o, v, sizeof v);
    assert_true(strtod(v, NULL) == 2e-4);
    ps_options_free(&o);
}

/* ---- --config ---- */

static char *write_ini(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_cli_XXXXXX.ini");
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_config_file(void **state)
{
    (void)state;
    char line[256];
    ps_options o;
    char *path = write_ini("# the figure 2 sweep\n[sweep]\nd = 20\nrank = 3\n"
                           "gs = -3:0:30\ngw: 0:1:4 ; inline comment\nno-theory = true\n"
                           "out = x.h5\nmax-mem = 2G\nmode = explicit\nseed = 7\n");
    snprintf(line, sizeof line, "sweep --config %s", path);
    parse_ok(line, &o);
    assert_int_equal(o.p.d, 20);
    assert_int_equal(o.p.k, 3);
    assert_true(o.gs_range.a == -3 && o.gs_range.b == 0 && o.gs_range.n == 30);
    assert_true(o.gw_range.a == 0 && o.gw_range.b == 1 && o.gw_range.n == 4);
    assert_int_equal(o.p.theory, 0);
    assert_string_equal(o.out, "x.h5");
    assert_true(o.p.max_mem == 2.0 * 1073741824.0);
    assert_int_equal(o.p.mode, PS_MODE_EXPLICIT);
    assert_true(o.p.seed == 7);
    assert_true(ps_option_given(&o, "d"));
    assert_true(o.gs_given && o.gw_given);
    ps_options_free(&o);

    /* the command line wins, before or after --config */
    snprintf(line, sizeof line, "sweep --d 30 --out y.h5 --config %s --gw 1:2:3", path);
    parse_ok(line, &o);
    assert_int_equal(o.p.d, 30);
    assert_string_equal(o.out, "y.h5");
    assert_true(o.gw_range.a == 1 && o.gw_range.n == 3);
    assert_int_equal(o.p.k, 3); /* not overridden: from the file */
    ps_options_free(&o);
    unlink(path);

    /* a bad value in the file is an error even when the command line overrides it */
    path = write_ini("d = 20\n\nrank = x\n");
    snprintf(line, sizeof line, "sweep --gs 0:1:2 --gw 0:1:2 --out s.h5 --rank 2 --config %s",
             path);
    refused(line, path, ":3:", "rank", "not an integer");
    unlink(path);

    /* the file's values go through the same cross checks */
    path = write_ini("gs = 0:1:2\ngw = 0:1:2\nout = s.h5\nrank = 7\n");
    snprintf(line, sizeof line, "sweep --d 5 --config %s", path);
    refused(line, "--rank", "7");
    snprintf(line, sizeof line, "sweep --d 8 --config %s", path);
    parse_ok(line, &o);
    assert_int_equal(o.p.k, 7);
    ps_options_free(&o);
    unlink(path);

    path = write_ini("gs = 0:1:2\ngw = 0:1:2\nout = s.h5\nresume = yes\nforce = on\n");
    snprintf(line, sizeof line, "sweep --config %s", path);
    refused(line, "--resume", "--force");
    unlink(path);
}

static void test_config_errors(void **state)
{
    (void)state;
    static const struct { const char *text, *line, *words[2]; } bad[] = {
        {"d = 20\nfoo = 3\n", ":2:", {"foo", "not an option"}},
        {"d = 20\nreplica = 3\n", ":2:", {"replica", "sweep"}},
        {"d = 20\nload = w.h5\n", ":2:", {"load", "sweep"}},
        {"d = 20\n[other]\nd = 3\n", ":3:", {"[other]", "sweep"}},
        {"d = 20\nthis is junk\nrank = 2\n", ":2:", {"key = value", NULL}},
        {"d = 20\nconfig = b.ini\n", ":2:", {"config", NULL}},
        {"no-theory = maybe\n", ":1:", {"no-theory", "maybe"}},
        {"[sweep]\nd = 1\n", ":2:", {"d", "[2, 65536]"}},
        {"gs = 1:2\n", ":1:", {"gs", "A:B:N"}},
        {"d =\n", ":1:", {"d", "not an integer"}},
        {"--d = 20\n", ":1:", {"--d", "not an option"}},
        {"d = 20\nrank = 3\nrank = z\nfoo = 1\n", ":3:", {"rank", NULL}}, /* the first error */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *path = write_ini(bad[i].text);
        char line[256];
        snprintf(line, sizeof line, "sweep --gs 0:1:2 --gw 0:1:2 --out s.h5 --config %s", path);
        refused_(line, path, bad[i].line, bad[i].words[0], bad[i].words[1], (const char *)NULL);
        unlink(path);
    }
    /* a line longer than the parser's buffer is refused, not split */
    char text[512];
    snprintf(text, sizeof text, "d = 20\nout = %0300d\n", 0);
    char *path = write_ini(text);
    char line[256];
    snprintf(line, sizeof line, "sweep --gs 0:1:2 --gw 0:1:2 --config %s", path);
    refused(line, ":2:", "longer");
    unlink(path);
    refused("sweep --gs 0:1:2 --gw 0:1:2 --out s.h5 --config /nonexistent/x.ini", "--config",
            "/nonexistent/x.ini");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_sanity),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_good_values),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_help_lists_every_option),
        cmocka_unit_test(test_bad_input_classes),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_range_at),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_config_file),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

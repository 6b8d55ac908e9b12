/* cli: the parser core of the options database (include/cli.h): the command line and --config
 * over the rows of opt_table.c, each value through its type's row (opt_types.c), then the
 * checks across options. It reports bad input as one line in a buffer so that tests can drive
 * it; main turns that line into exit status 2. --help is help.c. */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli_core.h"
#include "ini_read.h"
#include "opt_types.h"
#include "tasks.h"

double ps_range_at(const ps_range *r, int i)
{
    if (r->n == 1) return r->a;
    return r->a + (r->b - r->a) * i / (r->n - 1);
}

void ps_options_default(ps_options *o)
{
    memset(o, 0, sizeof *o);
    ps_params_default(&o->p);
    o->cmd = PS_CMD_RUN;
    o->replicas = 1;
    o->curves_every = 1;
    o->max_file = 8.0 * 1024 * 1024 * 1024;
    o->json = 1;
    o->group_size = 1;
    o->block = 64;
    o->est_pilot = 25;
}

void ps_options_free(ps_options *o)
{
    free((void *)o->out);
    free((void *)o->load);
    free((void *)o->from);
    free((void *)o->task);
    free((void *)o->at);
    free((void *)o->config);
    free((void *)o->info_file);
    free((void *)o->layout);
    free((void *)o->command_line);
    free((void *)o->part);
    for (int i = 0; i < o->n_merge_parts; i++) free(o->merge_parts[i]);
    free(o->merge_parts);
    free((void *)o->est_wall);
    ps_options_free_axes(o);
    free((void *)o->p.eigensolver);
    o->p.eigensolver = NULL;
    o->from = o->task = o->at = NULL;
    o->out = o->load = o->config = o->info_file = o->layout = o->command_line = o->part = NULL;
    o->est_wall = NULL;
    o->merge_parts = NULL;
    o->n_merge_parts = 0;
}

/* text into opt's field, or, for sweep and estimate, an axis (a range or a list) of an option
 * that may be one; a scalar replaces an axis given before it. */
static int parse_value(const ps_option *opt, const char *text, ps_options *o, char *err,
                       size_t len)
{
    const int sweeps = o->cmd == PS_CMD_SWEEP || o->cmd == PS_CMD_ESTIMATE;
    if (opt->props & PS_OPT_AXIS) {
        if (ps_axis_text(text) && sweeps) return ps_axis_parse(opt, text, o, err, len);
        if (ps_axis_text(text))
            return ps_cli_seterr(err, len, "'%s': a range or a list is an axis of sweep and "
                                 "estimate; %s takes one value", text, o->cmd == PS_CMD_TRACE ?
                                 "trace" : "run");
        ps_axis_drop(o, opt);
    }
    return ps_option_parse(opt, text, o, err, len);
}

static void mark_given(ps_options *o, const ps_option *opt)
{
    o->given |= 1ull << ps_option_row(opt);
}

/* ---- --config ---- */

typedef struct ini_ctx {
    ps_options *o;
    unsigned long long cmdline; /* rows set on the command line: they win */
    ps_options *scratch;        /* where overridden keys are still checked */
    char msg[600];              /* the handler's error */
} ini_ctx;

static int ini_handler_fn(void *user, int line, const char *section, const char *name,
                          const char *value)
{
    ini_ctx *c = user;
    const ps_option *opt = NULL;
    (void)line;
    if (*section && strcmp(section, "sweep"))
        snprintf(c->msg, sizeof c->msg, "section [%s] is not [sweep]", section);
    else if (!strcmp(name, "config"))
        snprintf(c->msg, sizeof c->msg, "key 'config' cannot appear in a config file");
    else if (!(opt = ps_option_find(name, PS_CMD_SWEEP)))
        snprintf(c->msg, sizeof c->msg, "key '%s' is %s", name,
                 ps_option_known(name, strlen(name)) ? "not an option of sweep"
                                                : "not an option of phasesweep");
    else {
        ps_options *dst = (c->cmdline >> ps_option_row(opt) & 1) ? c->scratch : c->o;
        char e[256];
        if (!parse_value(opt, value, dst, e, sizeof e)) {
            mark_given(dst, opt);
            return 0;
        }
        snprintf(c->msg, sizeof c->msg, "%s: %s", name, e);
    }
    return 1;
}

/* The file through ini_read.h (bounded, regular files only, no continuation lines or
 * duplicate keys); the first problem as "FILE:LINE: why". */
static int read_config(ps_options *o, unsigned long long cmdline, char *err, size_t errlen)
{
    ps_options scratch;
    ps_options_default(&scratch);
    scratch.cmd = o->cmd; /* parsed as o's values are (an axis for sweep and estimate) */
    ini_ctx c = {.o = o, .cmdline = cmdline, .scratch = &scratch};
    char why[1200];
    int rc = ps_ini_read(o->config, ini_handler_fn, &c, why, sizeof why);
    ps_options_free(&scratch);
    if (rc == 0) return 0;
    if (rc < 0) return ps_cli_seterr(err, errlen, "%s", why);
    return ps_cli_seterr(err, errlen, "%s:%d: %s", o->config, rc, why[0] ? why : c.msg);
}

/* ---- checks across options ---- */

/* --part I/N: 0 <= I < N <= the number of tasks; stored back as the canonical "I/N", so that
 * --resume compares parts as numbers ("01/3" is "1/3"). */
int ps_cli_check_part(ps_options *o, char *err, size_t errlen)
{
    const char *text = o->part, *slash = strchr(text, '/');
    long long tasks = (long long)ps_task_count(o), i, n;
    char head[32];
    if (!slash || slash == text || (size_t)(slash - text) >= sizeof head)
        return ps_cli_seterr(err, errlen, "--part: '%s' is not I/N (part I of N, I in [0, N-1])",
                             text);
    snprintf(head, sizeof head, "%.*s", (int)(slash - text), text);
    if (ps_cli_parse_ll(head, &i) != 1 || ps_cli_parse_ll(slash + 1, &n) != 1)
        return ps_cli_seterr(err, errlen, "--part: '%s' is not I/N (part I of N, I in [0, N-1])",
                             text);
    long long top = tasks < 1000000 ? tasks : 1000000;
    if (n < 1 || n > top)
        return ps_cli_seterr(err, errlen, "--part: N = %lld in '%s' is out of range [1, %lld] (the "
                             "sweep has %lld tasks)", n, text, top, tasks);
    if (i < 0 || i >= n)
        return ps_cli_seterr(err, errlen, "--part: I = %lld in '%s' is out of range [0, %lld]", i,
                             text, n - 1);
    char canon[48];
    snprintf(canon, sizeof canon, "%lld/%lld", i, n);
    free((void *)o->part);
    o->part = ps_cli_strdup(canon);
    o->part_index = (int)i;
    o->part_count = (int)n;
    return 0;
}

static int cross_checks(const ps_command_def *cmds, ps_options *o, char *err, size_t errlen)
{
    const char *cmd = cmds[o->cmd].name;
    unsigned bit = 1u << o->cmd;
    if (o->cmd == PS_CMD_INFO && o->layout && strcmp(o->layout, "json"))
        return ps_cli_seterr(err, errlen, "--layout: '%s' is not a format; accepted: json",
                             o->layout);
    if (o->cmd == PS_CMD_INFO && o->layout && o->info_file)
        return ps_cli_seterr(err, errlen, "--layout takes no FILE: phasesweep info --layout json");
    if (o->cmd == PS_CMD_INFO)
        return o->info_file || o->layout ? 0 : ps_cli_seterr(err, errlen, "info needs a FILE: "
                                                             "phasesweep info FILE");
    if (o->cmd == PS_CMD_MERGE && !o->n_merge_parts)
        return ps_cli_seterr(err, errlen, "merge needs PART files: phasesweep merge --out FILE "
                             "PART.h5...");

    size_t n_rows;
    const ps_option *table = ps_option_table(&n_rows);
    for (size_t i = 0; i < n_rows; i++) {
        const ps_option *opt = &table[i];
        if (!(opt->required & bit) || (o->given >> i & 1)) continue;
        /* --from brings the run's parameters: trace_from.c checks the line */
        if ((o->from || o->task || o->at) && !(opt->props & PS_OPT_STEERS)) continue;
        /* --load may bring it (the width of W1): main.c checks once it has read the file */
        if (o->load && (opt->props & PS_OPT_FROM_LOAD)) continue;
        const ps_opt_type_ops *t = ps_opt_type(opt->type);
        char r[96] = "";
        if (t->help_range) t->range(opt, r, sizeof r);
        return ps_cli_seterr(err, errlen, "%s needs --%s %s%s%s", cmd, opt->name, t->needs, r,
                             t->help_range ? ")" : "");
    }
    /* a stride of curves not stored would be recorded, and compared on --resume, for nothing
     * (the default, 1, is what every file without curves records) */
    if (o->curves_every != 1 && !o->curves)
        return ps_cli_seterr(err, errlen, "--curves-every: %d records nothing without --curves",
                             o->curves_every);
    /* (--observed 1 is denoise's own value: a full option line, as records format it, parses) */
    const ps_option *obs_opt = ps_option_find("observed", o->cmd);
    if (o->p.problem != PS_PROBLEM_COMPLETION && obs_opt && ps_options_axis(o, obs_opt))
        return ps_cli_seterr(err, errlen, "--observed: an axis needs --problem completion "
                             "(denoise observes every entry)");
    if (o->p.problem != PS_PROBLEM_COMPLETION && o->p.observed != 1.0)
        return ps_cli_seterr(err, errlen, "--observed: %.17g needs --problem completion (denoise "
                             "observes every entry)", o->p.observed);
    if (o->cmd == PS_CMD_SWEEP || o->cmd == PS_CMD_ESTIMATE) {
        /* the product of the axes before anything is allocated for it */
        double tasks = (double)o->gs_range.n * o->gw_range.n * o->replicas;
        char dims[256] = "";
        for (int k = 0; k < o->n_axes; k++) {
            tasks *= o->axes[k].n;
            size_t used = strlen(dims);
            snprintf(dims + used, sizeof dims - used, "%d %s x ", o->axes[k].n,
                     o->axes[k].axis->dim);
        }
        if (tasks > (double)PS_MAX_TASKS)
            return ps_cli_seterr(err, errlen, "the sweep has %.0f tasks (%s%d gamma_s x %d gamma_w "
                                 "x %d replicas), more than the limit %lld", tasks, dims,
                                 o->gs_range.n, o->gw_range.n, o->replicas, PS_MAX_TASKS);
    }
    /* every task's rank at most its d: the largest rank against the smallest d */
    const ps_option *d_opt = ps_option_find("d", o->cmd), *k_opt = ps_option_find("rank", o->cmd);
    const ps_axis_list *d_axis = d_opt ? ps_options_axis(o, d_opt) : NULL;
    const ps_axis_list *k_axis = k_opt ? ps_options_axis(o, k_opt) : NULL;
    int64_t d_min = o->p.d, d_max = o->p.d, k_max = o->p.k;
    for (int i = 0; d_axis && i < d_axis->n; i++) {
        d_min = d_axis->v[i].i < d_min || i == 0 ? d_axis->v[i].i : d_min;
        d_max = d_axis->v[i].i > d_max || i == 0 ? d_axis->v[i].i : d_max;
    }
    for (int i = 0; k_axis && i < k_axis->n; i++)
        k_max = k_axis->v[i].i > k_max || i == 0 ? k_axis->v[i].i : k_max;
    /* with --load, d may come from the file: main.c checks these once it has read it */
    if (!o->load && k_max > d_min)
        return ps_cli_seterr(err, errlen, "--rank: %lld is out of range [1, d] with --d %lld",
                             (long long)k_max, (long long)d_min);
    if ((o->cmd == PS_CMD_SWEEP || o->cmd == PS_CMD_ESTIMATE) && o->gw_given) {
        double top = fmax(o->gw_range.a, o->gw_range.b);
        if (ps_width((int)d_max, top) < 0)
            return ps_cli_seterr(err, errlen,
                          "--gw: %.17g in '%.17g:%.17g:%d' gives d^gw = %lld^%.17g beyond 2^53",
                          top, o->gw_range.a, o->gw_range.b, o->gw_range.n, (long long)d_max, top);
    }
    if ((o->cmd == PS_CMD_RUN || o->cmd == PS_CMD_TRACE) && !o->load && o->gw_given &&
        ps_width(o->p.d, o->p.gw) < 0)
        return ps_cli_seterr(err, errlen, "--gw: %.17g gives d^gw = %d^%.17g beyond 2^53", o->p.gw,
                             o->p.d, o->p.gw);
    if (!o->load && o->p.gr != 0.0) { /* with --load, main.c checks once d is known */
        int grid = o->cmd == PS_CMD_SWEEP || o->cmd == PS_CMD_ESTIMATE;
        double ends[2] = {grid ? o->gs_range.a : o->p.gs, grid ? o->gs_range.b : o->p.gs};
        for (int i = 0; i < 2; i++) { /* d^x is monotone in x: the grid's ends suffice */
            char why[256];
            ps_layer_vars_problem(o->p.d, ends[i], o->p.gr, why, sizeof why);
            if (why[0]) return ps_cli_seterr(err, errlen, "%s", why);
        }
    }
    if (o->cmd == PS_CMD_TRACE && !o->p.theory)
        return ps_cli_seterr(err, errlen,
                      "--no-theory is not valid for trace (a trace records the theory dynamics)");
    if (o->resume && o->force)
        return ps_cli_seterr(err, errlen, "--resume and --force exclude each other");
    if ((o->cmd == PS_CMD_SWEEP || o->cmd == PS_CMD_ESTIMATE) && o->part &&
        ps_cli_check_part(o, err, errlen))
        return -1;
    if (ps_option_given(o, "json") && ps_option_given(o, "text"))
        return ps_cli_seterr(err, errlen, "--json and --text exclude each other");
    if (o->text) o->json = 0;
    return 0;
}

/* ---- the command line ---- */

static char *join_args(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
    char *s = ps_malloc(n, "command line");
    s[0] = 0;
    for (int i = 0; i < argc; i++) {
        if (i) strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

int ps_cli_parse_args(const ps_command_def *cmds, int argc, char **argv, ps_options *o,
                      char *err, size_t errlen)
{
    ps_options_default(o);
    err[0] = 0;
    o->command_line = join_args(argc, argv);
    if (argc < 2)
        return ps_cli_seterr(err, errlen, "no command given; see 'phasesweep --help'");
    const char *c = argv[1];
    if (is_help(c) || !strcmp(c, "help")) return PS_CLI_HELP_ALL;
    if (!strcmp(c, "--version")) return PS_CLI_VERSION;
    int cmd = -1;
    for (int i = 0; i < PS_N_COMMANDS; i++)
        if (!strcmp(c, cmds[i].name)) cmd = i;
    if (cmd < 0) {
        if (c[0] == '-')
            return ps_cli_seterr(err, errlen, "unknown option %s before the command; see "
                                 "'phasesweep --help'", c);
        return ps_cli_seterr(err, errlen, "unknown command '%s'; see 'phasesweep --help'", c);
    }
    o->cmd = (enum ps_command)cmd;
    /* --help anywhere wins over whatever else is wrong on the line */
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
        if (is_help(argv[i])) return PS_CLI_HELP;

    int positional_only = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (positional_only || a[0] != '-' || !a[1]) {
            if (o->cmd == PS_CMD_INFO && !o->info_file) {
                o->info_file = ps_cli_strdup(a);
                continue;
            }
            if (o->cmd == PS_CMD_MERGE) {
                if (!o->merge_parts)
                    o->merge_parts = ps_calloc((size_t)argc, sizeof(char *), "merge parts");
                o->merge_parts[o->n_merge_parts++] = ps_cli_strdup(a);
                continue;
            }
            return ps_cli_seterr(err, errlen, "unexpected argument '%s' for %s; see 'phasesweep %s "
                                 "--help'", a, c, c);
        }
        if (!strcmp(a, "--")) {
            positional_only = 1;
            continue;
        }
        if (a[1] != '-')
            return ps_cli_seterr(err, errlen, "unknown option %s (options take two dashes, e.g. "
                                 "--d); see 'phasesweep %s --help'", a, c);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const ps_option *opt = ps_option_find_n(name, len, o->cmd);
        if (!opt) {
            if (ps_option_known(name, len))
                return ps_cli_seterr(err, errlen, "--%.*s is not an option of %s; see "
                                     "'phasesweep %s --help'", (int)len, name, c, c);
            return ps_cli_seterr(err, errlen, "unknown option --%.*s; see 'phasesweep %s --help'",
                                 (int)len, name, c);
        }
        const char *value = NULL;
        if (!ps_opt_type(opt->type)->takes_value) {
            if (eq) return ps_cli_seterr(err, errlen, "--%s takes no value", opt->name);
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2)) {
            value = argv[++i];
        } else {
            return ps_cli_seterr(err, errlen, "--%s: missing value", opt->name);
        }
        char why[300];
        if (parse_value(opt, value, o, why, sizeof why))
            return ps_cli_seterr(err, errlen, "--%s: %s", opt->name, why);
        mark_given(o, opt);
    }
    if (o->config) {
        int rc = read_config(o, o->given, err, errlen);
        if (rc) return rc;
    }
    o->gs_given = ps_option_given(o, "gs");
    o->gw_given = ps_option_given(o, "gw");
    return cross_checks(cmds, o, err, errlen) ? PS_CLI_ERROR : PS_CLI_OK;
}

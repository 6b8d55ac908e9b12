/* cli: the options table, the command-line and --config parsers over it, and --help. The
 * parser core (ps_cli_parse_args) reports bad input as one line in a buffer so that tests can
 * drive it; main turns that line into exit status 2. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "ini_read.h"

#define RUN (1u << PS_CMD_RUN)
#define TRACE (1u << PS_CMD_TRACE)
#define SWEEP_ONLY (1u << PS_CMD_SWEEP)
#define ESTIMATE (1u << PS_CMD_ESTIMATE)
/* estimate takes every option of sweep (it plans that sweep) */
#define SWEEP (SWEEP_ONLY | ESTIMATE)
#define RT (RUN | TRACE)
#define RTS (RUN | TRACE | SWEEP)
#define INFO (1u << PS_CMD_INFO)
#define OFF(field) offsetof(ps_options, field)

#define KIB 1024.0
#define MIB (KIB * KIB)
#define GIB (MIB * KIB)
#define TIB (GIB * KIB)
#define PIB (TIB * KIB)

#define MERGE (1u << PS_CMD_MERGE)

static const ps_option table[] = {
    /* Model */
    {"d", PS_OPT_INT, OFF(p.d), 2, 65536, RTS, 1,
     "dimension d of A = W2 W1 (d x d)", "Model", 0, 0},
    {"rank", PS_OPT_INT, OFF(p.k), 1, 65536, RTS, 1,
     "teacher rank k, at most --d", "Model", 0, 0},
    {"noise", PS_OPT_DOUBLE, OFF(p.noise), 0, 1e6, RTS, 1,
     "standard deviation of the observation noise E", "Model", 0, 0},
    {"seed", PS_OPT_U64, OFF(p.seed), 0, 18446744073709551615.0, RTS, 1,
     "random seed of the teacher and the initial weights", "Model", 0, 0},
    {"replica", PS_OPT_INT, OFF(p.replica), 0, 2147483647.0, RT, 0,
     "replica index: another teacher and other initial weights", "Model", 0, 0},
    {"replicas", PS_OPT_INT, OFF(replicas), 1, 1e6, SWEEP, 1,
     "replicas per grid point (replica 0 .. R-1)", "Model", 0, 0},
    /* Scalings */
    {"gs", PS_OPT_DOUBLE, OFF(p.gs), -20, 20, RT, 1,
     "gamma_s: initial weight variance sigma2 = d^gamma_s", "Scalings", 0, RT},
    {"gs", PS_OPT_RANGE, OFF(gs_range), -20, 20, SWEEP, 1,
     "gamma_s grid A:B:N, N points from A to B inclusive, N in [1, 100000]", "Scalings", 0,
     SWEEP},
    {"gw", PS_OPT_DOUBLE, OFF(p.gw), 0, 15, RT, 1,
     "gamma_w: width w = floor(d^gamma_w) <= 2^53 (optional if --load has W1, W2)",
     "Scalings", 0, RT},
    {"gw", PS_OPT_RANGE, OFF(gw_range), 0, 15, SWEEP, 1,
     "gamma_w grid A:B:N, N in [1, 100000]; floor(d^gamma_w) <= 2^53", "Scalings", 0, SWEEP},
    /* Training */
    {"max-iter", PS_OPT_INT, OFF(p.max_iter), 1, 1e8, RTS, 1,
     "maximal number of gradient steps", "Training", 0, 0},
    {"lr-scale", PS_OPT_DOUBLE, OFF(p.lr_scale), 0, 1e12, RTS, 1,
     "c in eta = 1/(c w sigma2) (gs + gw > 1) or 1/(c ||A*||_op)", "Training", 1, 0},
    {"mode", PS_OPT_MODE, OFF(p.mode), 0, 1, RTS, 1,
     "reduced (exact, cost independent of w) or explicit (full W1, W2)", "Training", 0, 0},
    {"no-theory", PS_OPT_FLAG, OFF(p.theory), 1, 0, RTS, 1,
     "skip the self-consistent dynamics (log_distance becomes null)", "Training", 0, 0},
    /* Stopping */
    {"no-stop", PS_OPT_FLAG, OFF(p.stop_rules), 1, 0, RTS, 1,
     "ignore the three stopping rules: run --max-iter steps (Figure 1); divergence still stops",
     "Stopping", 0, 0},
    {"tol-converged", PS_OPT_DOUBLE, OFF(p.tol_converged), 0, 1e300, RTS, 1,
     "converged when L_train < this", "Stopping", 0, 0},
    {"tol-plateau", PS_OPT_DOUBLE, OFF(p.tol_plateau), 0, 1e300, RTS, 1,
     "plateau when |L_train(i) - L_train(i-1)| < this ...", "Stopping", 0, 0},
    {"plateau-min-drop", PS_OPT_DOUBLE, OFF(p.plateau_min_drop), 0, 1e300, RTS, 1,
     "... and L_train(0) - L_train(i) > this", "Stopping", 0, 0},
    {"diverge-factor", PS_OPT_DOUBLE, OFF(p.diverge_factor), 1, 1e300, RTS, 1,
     "diverged when L_train > this * max(1, L_train(0))", "Stopping", 1, 0},
    /* Resources */
    {"max-mem", PS_OPT_BYTES, OFF(p.max_mem), MIB, PIB, RTS, 0,
     "memory one run may allocate; suffix K, M, G, T = KiB, MiB, GiB, TiB",
     "Resources", 0, 0},
    {"threads", PS_OPT_INT, OFF(p.threads), 1, 1024, RTS, 0,
     "BLAS threads per rank", "Resources", 0, 0},
    {"group-size", PS_OPT_GROUP, OFF(group_size), 1, 2147483647.0, RTS, 0,
     "ranks per run (ScaLAPACK group), or auto (1 unless memory or fewer tasks than ranks "
     "at large d need more)", "Resources", 0, 0},
    {"block", PS_OPT_INT, OFF(block), 1, 4096, RTS, 0,
     "ScaLAPACK block size NB", "Resources", 0, 0},
    {"eigensolver", PS_OPT_STRING, OFF(p.eigensolver), 0, 0, RTS, 1,
     "the theory step's symmetric eigensolver, NAME or auto (the default: dsyevd on one rank; "
     "elpa when built with it, else pdsyevd, in groups); one rank: dsyevd, dsyevr; groups: "
     "pdsyevd, elpa. Changes the last bits, so it is recorded as a run parameter",
     "Resources", 0, 0},
    /* Input and output */
    {"load", PS_OPT_STRING, OFF(load), 0, 0, RT, 0,
     "HDF5 file: A_star, noise (d x d), optionally W1 (w x d), W2 (d x w)",
     "Input and output", 0, 0},
    {"config", PS_OPT_STRING, OFF(config), 0, 0, SWEEP, 0,
     "INI file of options, key = value (see below); the command line wins",
     "Input and output", 0, 0},
    {"out", PS_OPT_STRING, OFF(out), 0, 0, TRACE | SWEEP | MERGE, 0,
     "output HDF5 file (trace overwrites an existing one)", "Input and output", 0,
     TRACE | SWEEP_ONLY | MERGE},
    {"part", PS_OPT_STRING, OFF(part), 0, 0, SWEEP, 1,
     "compute only part I (0 .. N-1) of N cost-balanced shares (phasesweep merge joins them)",
     "Input and output", 0, 0},
    {"resume", PS_OPT_FLAG, OFF(resume), 0, 1, SWEEP_ONLY, 0,
     "continue the unfinished tasks of an existing --out", "Input and output", 0, 0},
    {"force", PS_OPT_FLAG, OFF(force), 0, 1, SWEEP_ONLY | MERGE, 0,
     "overwrite an existing --out", "Input and output", 0, 0},
    {"partial", PS_OPT_FLAG, OFF(partial), 0, 1, MERGE, 0,
     "merge parts with tasks left (and parts missing); says how many tasks are missing",
     "Input and output", 0, 0},
    {"json", PS_OPT_FLAG, OFF(json), 0, 1, RT, 0,
     "print the result as one JSON object (the default)", "Input and output", 0, 0},
    {"text", PS_OPT_FLAG, OFF(text), 0, 1, RT, 0,
     "print the result as aligned key value lines instead", "Input and output", 0, 0},
    {"layout", PS_OPT_STRING, OFF(layout), 0, 0, INFO, 0,
     "print the sweep and trace file layouts (names, types, dims, units); no FILE",
     "Input and output", 0, 0},
    /* estimate */
    {"ranks", PS_OPT_INT, OFF(est_ranks), 1, 1e7, ESTIMATE, 0,
     "MPI ranks to plan for: prints the #SBATCH --time they need", "Estimate", 0, 0},
    {"wall", PS_OPT_STRING, OFF(est_wall), 0, 0, ESTIMATE, 0,
     "wall-clock limit HH:MM to plan for: prints the #SBATCH --ntasks it needs", "Estimate",
     0, 0},
    {"pilot", PS_OPT_INT, OFF(est_pilot), 0, 10000, ESTIMATE, 0,
     "grid points of the pilot sweep that measures iteration counts (0: model only)",
     "Estimate", 0, 0},
    {"pilot-d", PS_OPT_INT, OFF(est_pilot_d), 0, 65536, ESTIMATE, 0,
     "d of the pilot runs (0: min(d, 48)); more is closer to the sweep, and slower",
     "Estimate", 0, 0},
};
#define N_OPTIONS (sizeof table / sizeof table[0])
_Static_assert(N_OPTIONS <= 64, "ps_options.given has 64 bits");

const ps_option *ps_option_table(size_t *n)
{
    *n = N_OPTIONS;
    return table;
}

static size_t row_of(const ps_option *opt) { return (size_t)(opt - table); }

static const ps_option *find_n(const char *name, size_t len, enum ps_command cmd)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(table[i].name) == len && !strncmp(table[i].name, name, len) &&
            (table[i].commands & (1u << cmd)))
            return &table[i];
    return NULL;
}

static int known_name(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(table[i].name) == len && !strncmp(table[i].name, name, len)) return 1;
    return 0;
}

const ps_option *ps_option_find(const char *name, enum ps_command cmd)
{
    return find_n(name, strlen(name), cmd);
}

int ps_option_given(const ps_options *o, const char *name)
{
    const ps_option *opt = ps_option_find(name, o->cmd);
    return opt && (o->given >> row_of(opt) & 1);
}

int ps_option_is_steering(const ps_option *opt)
{
    /* replica and load are part of a run's definition though not of a sweep's identity */
    return !opt->identity && strcmp(opt->name, "replica") && strcmp(opt->name, "load");
}

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
    o->json = 1;
    o->group_size = 1;
    o->block = 64;
    o->est_pilot = 25;
}

void ps_options_free(ps_options *o)
{
    free((void *)o->out);
    free((void *)o->load);
    free((void *)o->config);
    free((void *)o->info_file);
    free((void *)o->layout);
    free((void *)o->command_line);
    free((void *)o->part);
    for (int i = 0; i < o->n_merge_parts; i++) free(o->merge_parts[i]);
    free(o->merge_parts);
    free((void *)o->est_wall);
    free((void *)o->p.eigensolver);
    o->p.eigensolver = NULL;
    o->out = o->load = o->config = o->info_file = o->layout = o->command_line = o->part = NULL;
    o->est_wall = NULL;
    o->merge_parts = NULL;
    o->n_merge_parts = 0;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = ps_malloc(n, "option string");
    memcpy(c, s, n);
    return c;
}

/* ---- formatting ---- */

/* A byte count with the largest binary suffix that divides it, so that it parses back. */
static void format_bytes(double v, char *buf, size_t len)
{
    static const struct { const char *s; double f; } units[] = {
        {"TiB", TIB}, {"GiB", GIB}, {"MiB", MIB}, {"KiB", KIB}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (v >= units[i].f && fmod(v, units[i].f) == 0) {
            snprintf(buf, len, "%.0f%s", v / units[i].f, units[i].s);
            return;
        }
    snprintf(buf, len, "%.0f", v);
}

void ps_option_format(const ps_option *opt, const ps_options *o, char *buf, size_t len)
{
    const char *at = (const char *)o + opt->offset;
    switch (opt->type) {
    case PS_OPT_INT: snprintf(buf, len, "%d", *(const int *)at); break;
    case PS_OPT_U64: snprintf(buf, len, "%" PRIu64, *(const uint64_t *)at); break;
    case PS_OPT_DOUBLE: snprintf(buf, len, "%.17g", *(const double *)at); break;
    case PS_OPT_BYTES: format_bytes(*(const double *)at, buf, len); break;
    case PS_OPT_RANGE: {
        const ps_range *r = (const ps_range *)at;
        snprintf(buf, len, "%.17g:%.17g:%d", r->a, r->b, r->n);
        break;
    }
    case PS_OPT_MODE:
        snprintf(buf, len, "%s",
                 *(const enum ps_mode *)at == PS_MODE_EXPLICIT ? "explicit" : "reduced");
        break;
    case PS_OPT_FLAG:
        snprintf(buf, len, "%s", *(const int *)at == (int)opt->max ? "true" : "false");
        break;
    case PS_OPT_STRING: {
        const char *s = *(const char *const *)at;
        snprintf(buf, len, "%s", s ? s : "");
        break;
    }
    case PS_OPT_GROUP:
        if (*(const int *)at == 0) snprintf(buf, len, "auto");
        else snprintf(buf, len, "%d", *(const int *)at);
        break;
    }
}

/* The accepted values as text, e.g. "[2, 65536]" or "(0, 1e+12]". */
static void format_range(const ps_option *opt, char *buf, size_t len)
{
    char lo[32], hi[32];
    switch (opt->type) {
    case PS_OPT_INT:
        snprintf(buf, len, "[%.0f, %.0f]", opt->min, opt->max);
        return;
    case PS_OPT_U64: snprintf(buf, len, "[0, 18446744073709551615]"); return;
    case PS_OPT_GROUP: snprintf(buf, len, "auto or [%.0f, %.0f]", opt->min, opt->max); return;
    case PS_OPT_BYTES:
        format_bytes(opt->min, lo, sizeof lo);
        format_bytes(opt->max, hi, sizeof hi);
        snprintf(buf, len, "[%s, %s]", lo, hi);
        return;
    case PS_OPT_DOUBLE:
    case PS_OPT_RANGE:
        snprintf(buf, len, "%c%g, %g]", opt->min_open ? '(' : '[', opt->min, opt->max);
        return;
    case PS_OPT_MODE: snprintf(buf, len, "reduced | explicit"); return;
    case PS_OPT_FLAG: snprintf(buf, len, "flag"); return;
    case PS_OPT_STRING: snprintf(buf, len, "file name"); return;
    }
    buf[0] = 0;
}

/* ---- values ---- */

static int seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int in_range(const ps_option *opt, double v)
{
    return (opt->min_open ? v > opt->min : v >= opt->min) && v <= opt->max;
}

static int out_of_range(const ps_option *opt, const char *text, char *err, size_t errlen)
{
    char r[96];
    format_range(opt, r, sizeof r);
    return seterr(err, errlen, "'%s' is out of range %s", text, r);
}

/* strtoll over the whole text, base 10; 1 ok, 0 malformed, -1 beyond long long. */
static int parse_ll(const char *text, long long *v)
{
    char *end;
    if (!*text || isspace((unsigned char)*text)) return 0;
    errno = 0;
    *v = strtoll(text, &end, 10);
    if (*end) return 0;
    return errno == ERANGE ? -1 : 1;
}

/* strtod over the whole text; 1 ok, 0 malformed, -1 beyond a double, -2 NaN or infinity. */
static int parse_double(const char *text, double *v)
{
    char *end;
    if (!*text || isspace((unsigned char)*text)) return 0;
    errno = 0;
    *v = strtod(text, &end);
    if (*end) return 0;
    if (errno == ERANGE && (!isfinite(*v) || *v == 0)) return -1; /* overflow, or all digits lost */
    if (!isfinite(*v)) return -2;
    return 1; /* ERANGE with a subnormal result is still the number written */
}

static int set_int(const ps_option *opt, const char *text, int *dst, char *err, size_t errlen)
{
    long long v;
    int rc = parse_ll(text, &v);
    if (rc == 0) return seterr(err, errlen, "'%s' is not an integer", text);
    if (rc < 0 || !in_range(opt, (double)v)) return out_of_range(opt, text, err, errlen);
    *dst = (int)v;
    return 0;
}

static int set_double(const ps_option *opt, const char *text, double *dst, char *err,
                      size_t errlen)
{
    double v;
    int rc = parse_double(text, &v);
    if (rc == 0) return seterr(err, errlen, "'%s' is not a number", text);
    if (rc == -2) return seterr(err, errlen, "'%s' is not a finite number", text);
    if (rc < 0 || !in_range(opt, v)) return out_of_range(opt, text, err, errlen);
    *dst = v;
    return 0;
}

static int set_u64(const char *text, uint64_t *dst, char *err, size_t errlen)
{
    char *end;
    if (!*text) return seterr(err, errlen, "'%s' is not an integer", text);
    for (const char *c = text; *c; c++)
        if (!isdigit((unsigned char)*c)) {
            if (*c == '-' && c == text && isdigit((unsigned char)c[1]))
                return seterr(err, errlen, "'%s' is out of range [0, 18446744073709551615]",
                              text);
            return seterr(err, errlen, "'%s' is not an integer", text);
        }
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno == ERANGE || *end)
        return seterr(err, errlen, "'%s' is out of range [0, 18446744073709551615]", text);
    *dst = (uint64_t)v;
    return 0;
}

static int set_bytes(const ps_option *opt, const char *text, double *dst, char *err,
                     size_t errlen)
{
    static const struct { const char *s; double f; } units[] = {
        {"", 1},        {"k", KIB},     {"m", MIB},     {"g", GIB},    {"t", TIB},
        {"kib", KIB},   {"mib", MIB},   {"gib", GIB},   {"tib", TIB}};
    char *end;
    double x;
    if (!*text || !(isdigit((unsigned char)*text) || *text == '.'))
        return seterr(err, errlen, "'%s' is not a byte count (e.g. 512M, 4GiB)", text);
    errno = 0;
    x = strtod(text, &end);
    if (!isfinite(x) || errno == ERANGE) return out_of_range(opt, text, err, errlen);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcasecmp(end, units[i].s)) {
            double v = floor(x * units[i].f);
            if (!in_range(opt, v)) return out_of_range(opt, text, err, errlen);
            *dst = v;
            return 0;
        }
    return seterr(err, errlen, "'%s' is not a byte count (e.g. 512M, 4GiB)", text);
}

static int set_range(const ps_option *opt, const char *text, ps_range *dst, char *err,
                     size_t errlen)
{
    char part[3][128];
    const char *c = text;
    for (int k = 0; k < 3; k++) {
        size_t n = strcspn(c, ":");
        if (n >= sizeof part[k] || (k < 2 && c[n] != ':') || (k == 2 && c[n] != 0))
            return seterr(err, errlen, "'%s' is not a range A:B:N", text);
        memcpy(part[k], c, n);
        part[k][n] = 0;
        c += n + 1;
    }
    ps_range r;
    double *ends[2] = {&r.a, &r.b};
    for (int k = 0; k < 2; k++) {
        int rc = parse_double(part[k], ends[k]);
        if (rc == 0 || rc == -2)
            return seterr(err, errlen, "'%s' is not a range A:B:N (%s is not a %snumber)", text,
                          part[k], rc ? "finite " : "");
        if (rc < 0 || !in_range(opt, *ends[k])) {
            char rg[96];
            format_range(opt, rg, sizeof rg);
            return seterr(err, errlen, "%s = %s in '%s' is out of range %s", k ? "B" : "A",
                          part[k], text, rg);
        }
    }
    long long n;
    int rc = parse_ll(part[2], &n);
    if (rc == 0)
        return seterr(err, errlen, "'%s' is not a range A:B:N (N = '%s' is not an integer)",
                      text, part[2]);
    if (rc < 0 || n < 1 || n > 100000)
        return seterr(err, errlen, "N = %s in '%s' is out of range [1, 100000]", part[2], text);
    r.n = (int)n;
    *dst = r;
    return 0;
}

static int parse_bool(const char *text, int *v)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(text, yes[i])) return *v = 1, 1;
        if (!strcasecmp(text, no[i])) return *v = 0, 1;
    }
    return 0;
}

/* Stores text into opt's field of o; on bad text, the reason in err and -1. A flag's text
 * is a boolean (from --config) or NULL (given on the command line). */
static int set_value(const ps_option *opt, const char *text, ps_options *o, char *err,
                     size_t errlen)
{
    char *at = (char *)o + opt->offset;
    switch (opt->type) {
    case PS_OPT_INT: return set_int(opt, text, (int *)at, err, errlen);
    case PS_OPT_U64: return set_u64(text, (uint64_t *)at, err, errlen);
    case PS_OPT_DOUBLE: return set_double(opt, text, (double *)at, err, errlen);
    case PS_OPT_BYTES: return set_bytes(opt, text, (double *)at, err, errlen);
    case PS_OPT_RANGE: return set_range(opt, text, (ps_range *)at, err, errlen);
    case PS_OPT_MODE:
        if (!strcmp(text, "reduced")) *(enum ps_mode *)at = PS_MODE_REDUCED;
        else if (!strcmp(text, "explicit")) *(enum ps_mode *)at = PS_MODE_EXPLICIT;
        else return seterr(err, errlen, "'%s' is not one of reduced, explicit", text);
        return 0;
    case PS_OPT_FLAG: {
        int on = 1;
        if (text && !parse_bool(text, &on))
            return seterr(err, errlen, "'%s' is not one of true, false", text);
        *(int *)at = (int)(on ? opt->max : opt->min);
        return 0;
    }
    case PS_OPT_STRING:
        if (!*text) return seterr(err, errlen, "empty file name");
        free(*(char **)at);
        *(char **)at = dup_str(text);
        return 0;
    case PS_OPT_GROUP:
        if (!strcmp(text, "auto")) {
            *(int *)at = 0;
            return 0;
        }
        return set_int(opt, text, (int *)at, err, errlen);
    }
    return seterr(err, errlen, "unknown option type");
}

static void mark_given(ps_options *o, const ps_option *opt)
{
    o->given |= 1ull << row_of(opt);
    if (!strcmp(opt->name, "gs")) o->gs_given = 1;
    if (!strcmp(opt->name, "gw")) o->gw_given = 1;
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
                 known_name(name, strlen(name)) ? "not an option of sweep"
                                                : "not an option of phasesweep");
    else {
        ps_options *dst = (c->cmdline >> row_of(opt) & 1) ? c->scratch : c->o;
        char e[256];
        if (!set_value(opt, value, dst, e, sizeof e)) {
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
    ini_ctx c = {.o = o, .cmdline = cmdline, .scratch = &scratch};
    char why[1200];
    int rc = ps_ini_read(o->config, ini_handler_fn, &c, why, sizeof why);
    ps_options_free(&scratch);
    if (rc == 0) return 0;
    if (rc < 0) return seterr(err, errlen, "%s", why);
    return seterr(err, errlen, "%s:%d: %s", o->config, rc, why[0] ? why : c.msg);
}

/* ---- checks across options ---- */

/* --part I/N: 0 <= I < N <= the number of tasks; stored back as the canonical "I/N", so that
 * --resume compares parts as numbers ("01/3" is "1/3"). */
int ps_cli_check_part(ps_options *o, char *err, size_t errlen)
{
    const char *text = o->part, *slash = strchr(text, '/');
    long long tasks = (long long)o->gs_range.n * o->gw_range.n * o->replicas, i, n;
    char head[32];
    if (!slash || slash == text || (size_t)(slash - text) >= sizeof head)
        return seterr(err, errlen, "--part: '%s' is not I/N (part I of N, I in [0, N-1])",
                      text);
    snprintf(head, sizeof head, "%.*s", (int)(slash - text), text);
    if (parse_ll(head, &i) != 1 || parse_ll(slash + 1, &n) != 1)
        return seterr(err, errlen, "--part: '%s' is not I/N (part I of N, I in [0, N-1])",
                      text);
    long long top = tasks < 1000000 ? tasks : 1000000;
    if (n < 1 || n > top)
        return seterr(err, errlen, "--part: N = %lld in '%s' is out of range [1, %lld] (the "
                      "sweep has %lld tasks)", n, text, top, tasks);
    if (i < 0 || i >= n)
        return seterr(err, errlen, "--part: I = %lld in '%s' is out of range [0, %lld]", i,
                      text, n - 1);
    char canon[48];
    snprintf(canon, sizeof canon, "%lld/%lld", i, n);
    free((void *)o->part);
    o->part = dup_str(canon);
    o->part_index = (int)i;
    o->part_count = (int)n;
    return 0;
}

static int cross_checks(const ps_command_def *cmds, ps_options *o, char *err, size_t errlen)
{
    const char *cmd = cmds[o->cmd].name;
    unsigned bit = 1u << o->cmd;
    if (o->cmd == PS_CMD_INFO && o->layout && strcmp(o->layout, "json"))
        return seterr(err, errlen, "--layout: '%s' is not a format; accepted: json", o->layout);
    if (o->cmd == PS_CMD_INFO && o->layout && o->info_file)
        return seterr(err, errlen, "--layout takes no FILE: phasesweep info --layout json");
    if (o->cmd == PS_CMD_INFO)
        return o->info_file || o->layout ? 0 : seterr(err, errlen, "info needs a FILE: "
                                                      "phasesweep info FILE");
    if (o->cmd == PS_CMD_MERGE && !o->n_merge_parts)
        return seterr(err, errlen, "merge needs PART files: phasesweep merge --out FILE "
                      "PART.h5...");

    for (size_t i = 0; i < N_OPTIONS; i++) {
        const ps_option *opt = &table[i];
        if (!(opt->required & bit) || (o->given >> i & 1)) continue;
        /* --load may bring the weights, hence the width: main.c checks once it has read it */
        if (o->load && !strcmp(opt->name, "gw")) continue;
        char r[96];
        format_range(opt, r, sizeof r);
        if (opt->type == PS_OPT_STRING)
            return seterr(err, errlen, "%s needs --%s FILE", cmd, opt->name);
        if (opt->type == PS_OPT_RANGE)
            return seterr(err, errlen, "%s needs --%s A:B:N (A, B in %s)", cmd, opt->name, r);
        return seterr(err, errlen, "%s needs --%s (a number in %s)", cmd, opt->name, r);
    }
    /* with --load, d may come from the file: main.c checks these once it has read it */
    if (!o->load && o->p.k > o->p.d)
        return seterr(err, errlen, "--rank: %d is out of range [1, d] with --d %d", o->p.k,
                      o->p.d);
    if ((o->cmd == PS_CMD_SWEEP || o->cmd == PS_CMD_ESTIMATE) && o->gw_given) {
        double top = fmax(o->gw_range.a, o->gw_range.b);
        if (ps_width(o->p.d, top) < 0)
            return seterr(err, errlen,
                          "--gw: %.17g in '%.17g:%.17g:%d' gives d^gw = %d^%.17g beyond 2^53", top,
                          o->gw_range.a, o->gw_range.b, o->gw_range.n, o->p.d, top);
    }
    if ((o->cmd == PS_CMD_RUN || o->cmd == PS_CMD_TRACE) && !o->load && o->gw_given &&
        ps_width(o->p.d, o->p.gw) < 0)
        return seterr(err, errlen, "--gw: %.17g gives d^gw = %d^%.17g beyond 2^53", o->p.gw,
                      o->p.d, o->p.gw);
    if (o->cmd == PS_CMD_TRACE && !o->p.theory)
        return seterr(err, errlen,
                      "--no-theory is not valid for trace (a trace records the theory dynamics)");
    if (o->resume && o->force)
        return seterr(err, errlen, "--resume and --force exclude each other");
    if ((o->cmd == PS_CMD_SWEEP || o->cmd == PS_CMD_ESTIMATE) && o->part &&
        ps_cli_check_part(o, err, errlen))
        return -1;
    if (ps_option_given(o, "json") && ps_option_given(o, "text"))
        return seterr(err, errlen, "--json and --text exclude each other");
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
        return seterr(err, errlen, "no command given; see 'phasesweep --help'");
    const char *c = argv[1];
    if (is_help(c) || !strcmp(c, "help")) return PS_CLI_HELP_ALL;
    if (!strcmp(c, "--version")) return PS_CLI_VERSION;
    int cmd = -1;
    for (int i = 0; i < PS_N_COMMANDS; i++)
        if (!strcmp(c, cmds[i].name)) cmd = i;
    if (cmd < 0) {
        if (c[0] == '-')
            return seterr(err, errlen, "unknown option %s before the command; see "
                          "'phasesweep --help'", c);
        return seterr(err, errlen, "unknown command '%s'; see 'phasesweep --help'", c);
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
                o->info_file = dup_str(a);
                continue;
            }
            if (o->cmd == PS_CMD_MERGE) {
                if (!o->merge_parts)
                    o->merge_parts = ps_calloc((size_t)argc, sizeof(char *), "merge parts");
                o->merge_parts[o->n_merge_parts++] = dup_str(a);
                continue;
            }
            return seterr(err, errlen, "unexpected argument '%s' for %s; see 'phasesweep %s "
                          "--help'", a, c, c);
        }
        if (!strcmp(a, "--")) {
            positional_only = 1;
            continue;
        }
        if (a[1] != '-')
            return seterr(err, errlen, "unknown option %s (options take two dashes, e.g. "
                          "--d); see 'phasesweep %s --help'", a, c);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const ps_option *opt = find_n(name, len, o->cmd);
        if (!opt) {
            if (known_name(name, len))
                return seterr(err, errlen, "--%.*s is not an option of %s; see 'phasesweep %s "
                              "--help'", (int)len, name, c, c);
            return seterr(err, errlen, "unknown option --%.*s; see 'phasesweep %s --help'",
                          (int)len, name, c);
        }
        const char *value = NULL;
        if (opt->type == PS_OPT_FLAG) {
            if (eq) return seterr(err, errlen, "--%s takes no value", opt->name);
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2)) {
            value = argv[++i];
        } else {
            return seterr(err, errlen, "--%s: missing value", opt->name);
        }
        char why[300];
        if (set_value(opt, value, o, why, sizeof why))
            return seterr(err, errlen, "--%s: %s", opt->name, why);
        mark_given(o, opt);
    }
    if (o->config) {
        int rc = read_config(o, o->given, err, errlen);
        if (rc) return rc;
    }
    return cross_checks(cmds, o, err, errlen) ? PS_CLI_ERROR : PS_CLI_OK;
}

/* ---- --help ---- */

static const char *value_name(const ps_option *opt)
{
    switch (opt->type) {
    case PS_OPT_INT: case PS_OPT_U64: case PS_OPT_GROUP: return "INT";
    case PS_OPT_DOUBLE: return "X";
    case PS_OPT_BYTES: return "BYTES";
    case PS_OPT_RANGE: return "A:B:N";
    case PS_OPT_MODE: return "MODE";
    case PS_OPT_FLAG: return "";
    case PS_OPT_STRING: return !strcmp(opt->name, "layout") ? "json" : !strcmp(opt->name, "part") ? "I/N" : "FILE";
    }
    return "";
}

static void help_option(FILE *f, const ps_option *opt, const ps_options *def, unsigned bit)
{
    char head[64], dflt[96], range[96];
    snprintf(head, sizeof head, "--%s%s%s", opt->name, opt->type == PS_OPT_FLAG ? "" : " ",
             value_name(opt));
    if (opt->required & bit) {
        snprintf(dflt, sizeof dflt, "required");
    } else if (opt->type == PS_OPT_STRING) {
        snprintf(dflt, sizeof dflt, "none");
    } else if (opt->type == PS_OPT_FLAG) {
        int on = *(const int *)((const char *)def + opt->offset) == (int)opt->max;
        snprintf(dflt, sizeof dflt, "%s", on ? "on" : "off");
    } else if (opt->type == PS_OPT_DOUBLE) {
        double v = *(const double *)((const char *)def + opt->offset);
        snprintf(dflt, sizeof dflt, "%.15g", v); /* the readable form when it is exact */
        if (strtod(dflt, NULL) != v) snprintf(dflt, sizeof dflt, "%.17g", v);
    } else {
        ps_option_format(opt, def, dflt, sizeof dflt);
    }
    format_range(opt, range, sizeof range);
    fprintf(f, "  %-22s %s\n", head, opt->help);
    if (opt->type == PS_OPT_FLAG || opt->type == PS_OPT_STRING)
        fprintf(f, "  %-22s default: %s\n", "", dflt);
    else
        fprintf(f, "  %-22s default: %s; range: %s\n", "", dflt, range);
}

void ps_cli_help(FILE *f, const ps_command_def *cmds, int cmd)
{
    if (cmd < 0 || cmd >= PS_N_COMMANDS) {
        fprintf(f, "usage: phasesweep COMMAND [options]\n"
                   "       phasesweep COMMAND --help | --help | --version\n\n"
                   "Phase diagram of two-layer linear networks between the lazy and the active\n"
                   "regime (Tu, Aranguri, Jacot, NeurIPS 2024).\n\nCommands:\n");
        for (int i = 0; i < PS_N_COMMANDS; i++)
            fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].usage);
        fprintf(f, "\nExample:\n  %s\n", cmds[PS_CMD_RUN].example);
        return;
    }
    ps_options def;
    ps_options_default(&def);
    unsigned bit = 1u << cmd;
    fprintf(f, "usage: %s\n\n%s\n", cmds[cmd].usage, cmds[cmd].help);
    const char *group = NULL;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const ps_option *opt = &table[i];
        if (!(opt->commands & bit)) continue;
        if (!group || strcmp(group, opt->group)) {
            group = opt->group;
            fprintf(f, "\n%s:\n", group);
        }
        help_option(f, opt, &def, bit);
    }
    if (cmd == PS_CMD_SWEEP || cmd == PS_CMD_ESTIMATE)
        fprintf(f, "\nA --config file takes every option above as 'key = value' without the\n"
                   "dashes (e.g. 'gs = -3:0:30', 'no-theory = true'), optionally under [sweep].\n");
    fprintf(f, "\n  %-22s this help\n\nExample:\n  %s\n", "--help", cmds[cmd].example);
    ps_options_free(&def);
}

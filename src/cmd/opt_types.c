/* opt_types: one row of operations per option value type (include/opt_types.h). */
#include "opt_types.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "cli_core.h"

/* The parser core's two small helpers live here, below cli.c, which uses them too. */
char *ps_cli_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = ps_malloc(n, "option string");
    memcpy(c, s, n);
    return c;
}

int ps_cli_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

#define KIB 1024.0
#define MIB (KIB * KIB)
#define GIB (MIB * KIB)
#define TIB (GIB * KIB)

/* ---- the range as text ---- */

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

static void range_int(const ps_option *opt, char *buf, size_t len)
{
    snprintf(buf, len, "[%.0f, %.0f]", opt->min, opt->max);
}

static void range_u64(const ps_option *opt, char *buf, size_t len)
{
    snprintf(buf, len, "[0, 18446744073709551615]");
}

static void range_group(const ps_option *opt, char *buf, size_t len)
{
    snprintf(buf, len, "auto or [%.0f, %.0f]", opt->min, opt->max);
}

static void range_bytes(const ps_option *opt, char *buf, size_t len)
{
    char lo[32], hi[32];
    format_bytes(opt->min, lo, sizeof lo);
    format_bytes(opt->max, hi, sizeof hi);
    snprintf(buf, len, "[%s, %s]", lo, hi);
}

static void range_real(const ps_option *opt, char *buf, size_t len)
{
    snprintf(buf, len, "%c%g, %g]", opt->min_open ? '(' : '[', opt->min, opt->max);
}

static void range_replicas(const ps_option *opt, char *buf, size_t len)
{
    snprintf(buf, len, "[%.0f, %.0f] or A:B (0 <= A < B <= %d, B - A <= %.0f)", opt->min,
             opt->max, INT_MAX, opt->max);
}



static void range_choice(const ps_option *opt, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; ps_option_choices(opt)[i] && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " | " : "", ps_option_choices(opt)[i]);
}

static void range_flag(const ps_option *opt, char *buf, size_t len)
{
    snprintf(buf, len, "flag");
}

static void range_string(const ps_option *opt, char *buf, size_t len)
{
    snprintf(buf, len, "file name");
}

/* ---- one scalar element ---- */

static int in_range(const ps_option *opt, double v)
{
    return (opt->min_open ? v > opt->min : v >= opt->min) && v <= opt->max;
}

static int out_of_range(const ps_option *opt, const char *text, char *err, size_t len)
{
    char r[96];
    ps_opt_type(opt->type)->range(opt, r, sizeof r);
    ps_cli_seterr(err, len, "'%s' is out of range %s", text, r);
    return PS_ELEM_RANGE;
}

int ps_cli_parse_ll(const char *text, long long *v)
{
    char *end;
    if (!*text || isspace((unsigned char)*text)) return 0;
    errno = 0;
    *v = strtoll(text, &end, 10);
    if (*end) return 0;
    return errno == ERANGE ? -1 : 1;
}

int ps_opt_elem_int64(const ps_option *opt, const char *text, int64_t *v, char *err,
                      size_t len)
{
    long long x;
    int rc = ps_cli_parse_ll(text, &x);
    if (rc == 0) {
        char r[96];
        ps_opt_type(opt->type)->range(opt, r, sizeof r);
        ps_cli_seterr(err, len, "'%s' is not an integer in %s", text, r);
        return PS_ELEM_MALFORMED;
    }
    if (rc < 0 || !in_range(opt, (double)x)) return out_of_range(opt, text, err, len);
    *v = (int64_t)x;
    return PS_ELEM_OK;
}

int ps_opt_elem_double(const ps_option *opt, const char *text, double *v, char *err,
                       size_t len)
{
    char *end;
    double x;
    if (!*text || isspace((unsigned char)*text)) goto malformed;
    errno = 0;
    x = strtod(text, &end);
    if (*end) goto malformed;
    /* overflow, or all digits lost; ERANGE with a subnormal result is the number written */
    if (errno == ERANGE && (!isfinite(x) || x == 0)) return out_of_range(opt, text, err, len);
    if (!isfinite(x)) {
        ps_cli_seterr(err, len, "'%s' is not a finite number", text);
        return PS_ELEM_NONFINITE;
    }
    if (!in_range(opt, x)) return out_of_range(opt, text, err, len);
    *v = x;
    return PS_ELEM_OK;
malformed:
    ps_cli_seterr(err, len, "'%s' is not a number", text);
    return PS_ELEM_MALFORMED;
}

/* ---- parse ---- */

static int parse_int(const ps_option *opt, const char *text, void *field, char *err,
                     size_t len)
{
    int64_t v;
    if (ps_opt_elem_int64(opt, text, &v, err, len)) return -1;
    *(int *)field = (int)v;
    return 0;
}

static int parse_double(const ps_option *opt, const char *text, void *field, char *err,
                        size_t len)
{
    return ps_opt_elem_double(opt, text, (double *)field, err, len) ? -1 : 0;
}

static int parse_u64(const ps_option *opt, const char *text, void *field, char *err,
                     size_t len)
{
    char *end;
    if (!*text) return ps_cli_seterr(err, len, "'%s' is not an integer", text);
    for (const char *c = text; *c; c++)
        if (!isdigit((unsigned char)*c)) {
            if (*c == '-' && c == text && isdigit((unsigned char)c[1]))
                return ps_cli_seterr(err, len, "'%s' is out of range [0, 18446744073709551615]",
                                     text);
            return ps_cli_seterr(err, len, "'%s' is not an integer", text);
        }
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno == ERANGE || *end)
        return ps_cli_seterr(err, len, "'%s' is out of range [0, 18446744073709551615]", text);
    *(uint64_t *)field = (uint64_t)v;
    return 0;
}

static int parse_bytes(const ps_option *opt, const char *text, void *field, char *err,
                       size_t len)
{
    static const struct { const char *s; double f; } units[] = {
        {"", 1},        {"k", KIB},     {"m", MIB},     {"g", GIB},    {"t", TIB},
        {"kib", KIB},   {"mib", MIB},   {"gib", GIB},   {"tib", TIB}};
    char *end;
    double x;
    if (!*text || !(isdigit((unsigned char)*text) || *text == '.'))
        return ps_cli_seterr(err, len, "'%s' is not a byte count (e.g. 512M, 4GiB)", text);
    errno = 0;
    x = strtod(text, &end);
    if (!isfinite(x) || errno == ERANGE) return out_of_range(opt, text, err, len), -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcasecmp(end, units[i].s)) {
            double v = floor(x * units[i].f);
            if (!in_range(opt, v)) return out_of_range(opt, text, err, len), -1;
            *(double *)field = v;
            return 0;
        }
    return ps_cli_seterr(err, len, "'%s' is not a byte count (e.g. 512M, 4GiB)", text);
}

/* A:B:N, A and B elements of opt's range, N in [1, 100000]. */
static int parse_range(const ps_option *opt, const char *text, void *field, char *err,
                       size_t len)
{
    char part[3][128], why[256];
    const char *c = text;
    for (int k = 0; k < 3; k++) {
        size_t n = strcspn(c, ":");
        if (n >= sizeof part[k] || (k < 2 && c[n] != ':') || (k == 2 && c[n] != 0))
            return ps_cli_seterr(err, len, "'%s' is not a range A:B:N", text);
        memcpy(part[k], c, n);
        part[k][n] = 0;
        c += n + 1;
    }
    ps_range r;
    double *ends[2] = {&r.a, &r.b};
    for (int k = 0; k < 2; k++) {
        int rc = ps_opt_elem_double(opt, part[k], ends[k], why, sizeof why);
        if (rc == PS_ELEM_MALFORMED || rc == PS_ELEM_NONFINITE)
            return ps_cli_seterr(err, len, "'%s' is not a range A:B:N (%s is not a %snumber)",
                                 text, part[k], rc == PS_ELEM_NONFINITE ? "finite " : "");
        if (rc) {
            char rg[96];
            range_real(opt, rg, sizeof rg);
            return ps_cli_seterr(err, len, "%s = %s in '%s' is out of range %s", k ? "B" : "A",
                                 part[k], text, rg);
        }
    }
    long long n;
    int rc = ps_cli_parse_ll(part[2], &n);
    if (rc == 0)
        return ps_cli_seterr(err, len, "'%s' is not a range A:B:N (N = '%s' is not an integer)",
                             text, part[2]);
    if (rc < 0 || n < 1 || n > 100000)
        return ps_cli_seterr(err, len, "N = %s in '%s' is out of range [1, 100000]", part[2],
                             text);
    r.n = (int)n;
    *(ps_range *)field = r;
    return 0;
}

/* R (replicas 0 .. R-1) or A:B (replicas A .. B-1): R and B - A in opt's range, the replica
 * numbers within int. */
static int parse_replicas(const ps_option *opt, const char *text, void *field, char *err,
                          size_t len)
{
    const char *colon = strchr(text, ':');
    long long a = 0, b;
    char head[32];
    if (!colon) {
        int64_t n;
        if (ps_opt_elem_int64(opt, text, &n, err, len)) return -1;
        *(ps_replica_span *)field = (ps_replica_span){(int)n, 0};
        return 0;
    }
    if ((size_t)(colon - text) >= sizeof head || strchr(colon + 1, ':'))
        return ps_cli_seterr(err, len, "'%s' is not R or a replica range A:B", text);
    snprintf(head, sizeof head, "%.*s", (int)(colon - text), text);
    const char *piece[2] = {head, colon + 1};
    long long *v[2] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        int rc = ps_cli_parse_ll(piece[k], v[k]);
        if (rc == 0)
            return ps_cli_seterr(err, len, "'%s' is not a replica range A:B (%c = '%s' is not "
                                 "an integer)", text, k ? 'B' : 'A', piece[k]);
        if (rc < 0 || *v[k] < k || *v[k] > INT_MAX - 1 + k)
            return ps_cli_seterr(err, len, "%c = %s in '%s' is out of range [%d, %d]",
                                 k ? 'B' : 'A', piece[k], text, k, INT_MAX - 1 + k);
    }
    if (b <= a)
        return ps_cli_seterr(err, len, "'%s' is an empty replica range: A:B needs A < B "
                             "(replicas A .. B-1)", text);
    if ((double)(b - a) > opt->max)
        return ps_cli_seterr(err, len, "'%s' holds %lld replicas, more than %.0f", text, b - a,
                             opt->max);
    *(ps_replica_span *)field = (ps_replica_span){(int)(b - a), (int)a};
    return 0;
}



static int parse_choice(const ps_option *opt, const char *text, void *field, char *err,
                        size_t len)
{
    for (int i = 0; ps_option_choices(opt)[i]; i++)
        if (!strcmp(text, ps_option_choices(opt)[i])) {
            *(int *)field = i;
            return 0;
        }
    char names[128];
    size_t used = 0;
    names[0] = 0;
    for (int i = 0; ps_option_choices(opt)[i] && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 ps_option_choices(opt)[i]);
    return ps_cli_seterr(err, len, "'%s' is not one of %s", text, names);
}

/* Flags store max when given and min otherwise; text NULL: given on the command line. */
static int parse_flag(const ps_option *opt, const char *text, void *field, char *err,
                      size_t len)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    int on = -1;
    if (!text) on = 1;
    for (int i = 0; text && i < 4 && on < 0; i++) {
        if (!strcasecmp(text, yes[i])) on = 1;
        if (!strcasecmp(text, no[i])) on = 0;
    }
    if (on < 0) return ps_cli_seterr(err, len, "'%s' is not one of true, false", text);
    *(int *)field = (int)(on ? opt->max : opt->min);
    return 0;
}

static int parse_string(const ps_option *opt, const char *text, void *field, char *err,
                        size_t len)
{
    if (!*text) return ps_cli_seterr(err, len, "empty file name");
    free(*(char **)field);
    *(char **)field = ps_cli_strdup(text);
    return 0;
}

static int parse_group(const ps_option *opt, const char *text, void *field, char *err,
                       size_t len)
{
    if (!strcmp(text, "auto")) {
        *(int *)field = 0;
        return 0;
    }
    return parse_int(opt, text, field, err, len);
}

/* ---- format ---- */

static void format_int(const ps_option *opt, const void *f, char *buf, size_t len)
{
    snprintf(buf, len, "%d", *(const int *)f);
}

static void format_u64(const ps_option *opt, const void *f, char *buf, size_t len)
{
    snprintf(buf, len, "%" PRIu64, *(const uint64_t *)f);
}

static void format_double(const ps_option *opt, const void *f, char *buf, size_t len)
{
    snprintf(buf, len, "%.17g", *(const double *)f);
}

static void format_bytes_field(const ps_option *opt, const void *f, char *buf, size_t len)
{
    format_bytes(*(const double *)f, buf, len);
}

static void format_range(const ps_option *opt, const void *f, char *buf, size_t len)
{
    const ps_range *r = f;
    snprintf(buf, len, "%.17g:%.17g:%d", r->a, r->b, r->n);
}

/* "R" for replicas 0 .. R-1 (today's text, and so today's records), else "A:B" */
static void format_replicas(const ps_option *opt, const void *f, char *buf, size_t len)
{
    const ps_replica_span *r = f;
    if (r->first == 0) snprintf(buf, len, "%d", r->n);
    else snprintf(buf, len, "%d:%lld", r->first, (long long)r->first + r->n);
}



static void format_choice(const ps_option *opt, const void *f, char *buf, size_t len)
{
    snprintf(buf, len, "%s", ps_option_choices(opt)[*(const int *)f]);
}

static void format_flag(const ps_option *opt, const void *f, char *buf, size_t len)
{
    snprintf(buf, len, "%s", *(const int *)f == (int)opt->max ? "true" : "false");
}

static void format_string(const ps_option *opt, const void *f, char *buf, size_t len)
{
    const char *s = *(const char *const *)f;
    snprintf(buf, len, "%s", s ? s : "");
}

static void format_group(const ps_option *opt, const void *f, char *buf, size_t len)
{
    if (*(const int *)f == 0) snprintf(buf, len, "auto");
    else snprintf(buf, len, "%d", *(const int *)f);
}

/* ---- the default in --help ---- */

static void help_double(const ps_option *opt, const void *f, char *buf, size_t len)
{
    double v = *(const double *)f;
    snprintf(buf, len, "%.15g", v); /* the readable form when it is exact */
    if (strtod(buf, NULL) != v) snprintf(buf, len, "%.17g", v);
}

static void help_flag(const ps_option *opt, const void *f, char *buf, size_t len)
{
    snprintf(buf, len, "%s", *(const int *)f == (int)opt->max ? "on" : "off");
}

static void help_string(const ps_option *opt, const void *f, char *buf, size_t len)
{
    snprintf(buf, len, "none");
}

/* ---- equal ---- */

static int equal_int(const ps_option *opt, const void *a, const void *b)
{
    return *(const int *)a == *(const int *)b;
}

static int equal_u64(const ps_option *opt, const void *a, const void *b)
{
    return *(const uint64_t *)a == *(const uint64_t *)b;
}

static int equal_double(const ps_option *opt, const void *a, const void *b)
{
    return *(const double *)a == *(const double *)b;
}

static int equal_range(const ps_option *opt, const void *a, const void *b)
{
    const ps_range *r = a, *s = b;
    return r->a == s->a && r->b == s->b && r->n == s->n;
}

static int equal_replicas(const ps_option *opt, const void *a, const void *b)
{
    const ps_replica_span *r = a, *s = b;
    return r->n == s->n && r->first == s->first;
}



static int equal_string(const ps_option *opt, const void *a, const void *b)
{
    const char *s = *(const char *const *)a, *t = *(const char *const *)b;
    return !strcmp(s ? s : "", t ? t : "");
}

/* ---- the table ---- */

#define NUMBER "(a number in "
static const ps_opt_type_ops types[PS_OPT_N_TYPES] = {
    [PS_OPT_INT] = {"INT", parse_int, format_int, range_int, equal_int, NULL, 1, NUMBER, 1,
        sizeof(int)},
    [PS_OPT_U64] = {"INT", parse_u64, format_u64, range_u64, equal_u64, NULL, 1, NUMBER, 1,
        sizeof(uint64_t)},
    [PS_OPT_DOUBLE] = {"X", parse_double, format_double, range_real, equal_double, help_double,
                       1, NUMBER, 1, sizeof(double)},
    [PS_OPT_BYTES] = {"BYTES", parse_bytes, format_bytes_field, range_bytes, equal_double,
                      NULL, 1, NUMBER, 1, sizeof(double)},
    [PS_OPT_RANGE] = {"A:B:N", parse_range, format_range, range_real, equal_range, NULL, 1,
                      "A:B:N (A, B in ", 1, sizeof(ps_range)},
    [PS_OPT_FLAG] = {"", parse_flag, format_flag, range_flag, equal_int, help_flag, 0, "", 0,
        sizeof(int)},
    [PS_OPT_STRING] = {"FILE", parse_string, format_string, range_string, equal_string,
                       help_string, 0, "FILE", 1, sizeof(char *)},
    [PS_OPT_GROUP] = {"INT", parse_group, format_group, range_group, equal_int, NULL, 1,
                      NUMBER, 1, sizeof(int)},
    [PS_OPT_REPLICAS] = {"R|A:B", parse_replicas, format_replicas, range_replicas,
                         equal_replicas, NULL, 1, NUMBER, 1, sizeof(ps_replica_span)},
    [PS_OPT_CHOICE] = {"NAME", parse_choice, format_choice, range_choice, equal_int, NULL, 1,
                       "(one of ", 1, sizeof(int)},
};

const ps_opt_type_ops *ps_opt_type(enum ps_opt_type type)
{
    return &types[type];
}

void ps_option_format(const ps_option *opt, const ps_options *o, char *buf, size_t len)
{
    const ps_axis_list *axis = ps_options_axis(o, opt);
    if (axis) {
        ps_axis_list_format(axis, buf, len);
        return;
    }
    types[opt->type].format(opt, (const char *)o + opt->offset, buf, len);
}

int ps_option_parse(const ps_option *opt, const char *text, ps_options *o, char *err,
                    size_t errlen)
{
    return types[opt->type].parse(opt, text, (char *)o + opt->offset, err, errlen) ? -1 : 0;
}

int ps_option_equal(const ps_option *opt, const ps_options *a, const ps_options *b)
{
    const ps_axis_list *x = ps_options_axis(a, opt), *y = ps_options_axis(b, opt);
    if (x || y) return ps_axis_list_equal(x, y);
    return types[opt->type].equal(opt, (const char *)a + opt->offset,
                                  (const char *)b + opt->offset);
}

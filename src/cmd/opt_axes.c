/* opt_axes: a number option given to sweep or estimate as an axis (include/cli.h): a range
 * A:B:N or a list v1,v2,..., each element through the option's element parser (opt_types.h),
 * so that every value is range-checked as the scalar is; held in ps_options.axes in the
 * options table's order. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli_core.h"
#include "opt_types.h"

#define MAX_VALUES 100000 /* values of one axis, as N of a range */

int ps_axis_text(const char *text) { return text && (strchr(text, ',') || strchr(text, ':')); }

const ps_axis_list *ps_options_axis(const ps_options *o, const ps_option *opt)
{
    const int row = (int)ps_option_row(opt);
    for (int k = 0; k < o->n_axes; k++)
        if (o->axes[k].row == row) return &o->axes[k];
    return NULL;
}

int ps_options_max_iter(const ps_options *o)
{
    const ps_option *opt = ps_option_find("max-iter", PS_CMD_SWEEP);
    const ps_axis_list *a = opt ? ps_options_axis(o, opt) : NULL;
    int64_t m = o->p.max_iter;
    for (int i = 0; a && i < a->n; i++) m = a->v[i].i > m ? a->v[i].i : m;
    return (int)m;
}

void ps_axis_drop(ps_options *o, const ps_option *opt)
{
    const ps_axis_list *a = ps_options_axis(o, opt);
    if (!a) return;
    int k = (int)(a - o->axes);
    free(o->axes[k].v);
    memmove(&o->axes[k], &o->axes[k + 1], sizeof o->axes[0] * (size_t)(o->n_axes - k - 1));
    o->n_axes--;
}

void ps_options_free_axes(ps_options *o)
{
    for (int k = 0; k < o->n_axes; k++) free(o->axes[k].v);
    o->n_axes = 0;
}

void ps_options_copy_axes(ps_options *dst, const ps_options *src)
{
    if (dst != src) ps_options_free_axes(dst);
    ps_axis_list copy[PS_MAX_AXES];
    for (int k = 0; k < src->n_axes; k++) {
        copy[k] = src->axes[k];
        copy[k].v = ps_malloc(sizeof *copy[k].v * (size_t)copy[k].n, "axis values");
        memcpy(copy[k].v, src->axes[k].v, sizeof *copy[k].v * (size_t)copy[k].n);
    }
    dst->n_axes = src->n_axes;
    memcpy(dst->axes, copy, sizeof copy[0] * (size_t)src->n_axes);
}

/* One element of opt (the scalar's parser and range) as an axis value of kind. */
static int element(const ps_option *opt, const ps_axis *ax, const char *text, ps_axis_value *v,
                   char *err, size_t len)
{
    memset(v, 0, sizeof *v);
    switch (ax->kind) {
    case PS_AXIS_REAL: return ps_opt_elem_double(opt, text, &v->x, err, len) ? -1 : 0;
    case PS_AXIS_INT: return ps_opt_elem_int64(opt, text, &v->i, err, len) ? -1 : 0;
    case PS_AXIS_U64: return ps_opt_type(opt->type)->parse(opt, text, &v->u, err, len);
    }
    return -1;
}

/* A:B:N: N values a + (b - a) * i / (N - 1) as ps_range_at computes them; an integer axis
 * needs integer steps. */
static int parse_range(const ps_option *opt, const ps_axis *ax, const char *text,
                       ps_axis_value *v, int *n, char *err, size_t len)
{
    char part[3][128], why[256];
    const char *c = text;
    for (int k = 0; k < 3; k++) {
        size_t m = strcspn(c, ":");
        if (m >= sizeof part[k] || (k < 2 && c[m] != ':') || (k == 2 && c[m] != 0))
            return ps_cli_seterr(err, len, "'%s' is not a range A:B:N or a list v1,v2,...", text);
        memcpy(part[k], c, m);
        part[k][m] = 0;
        c += m + 1;
    }
    long long count;
    if (ps_cli_parse_ll(part[2], &count) != 1 || count < 1 || count > MAX_VALUES)
        return ps_cli_seterr(err, len, "N = %s in '%s' is not an integer in [1, %d]", part[2],
                             text, MAX_VALUES);
    ps_axis_value a, b;
    if (element(opt, ax, part[0], &a, why, sizeof why) ||
        element(opt, ax, part[1], &b, why, sizeof why))
        return ps_cli_seterr(err, len, "%s in '%s'", why, text);
    *n = (int)count;
    for (int i = 0; i < *n; i++) {
        if (ax->kind == PS_AXIS_REAL) {
            ps_range r = {a.x, b.x, *n};
            v[i] = (ps_axis_value){ps_range_at(&r, i), 0, 0};
        } else if (*n == 1) {
            v[i] = a;
        } else {
            /* exact integers: a + (b - a) * i / (N - 1) must divide */
            __int128 lo = ax->kind == PS_AXIS_INT ? a.i : (__int128)a.u;
            __int128 hi = ax->kind == PS_AXIS_INT ? b.i : (__int128)b.u;
            __int128 step = (hi - lo) * i;
            if (step % (*n - 1))
                return ps_cli_seterr(err, len, "'%s' does not step by an integer (B - A = %lld "
                                     "is not a multiple of N - 1 = %d)", text,
                                     (long long)(hi - lo), *n - 1);
            __int128 x = lo + step / (*n - 1);
            if (ax->kind == PS_AXIS_INT) v[i] = (ps_axis_value){0, (int64_t)x, 0};
            else v[i] = (ps_axis_value){0, 0, (uint64_t)x};
        }
    }
    return 0;
}

static int parse_list(const ps_option *opt, const ps_axis *ax, const char *text,
                      ps_axis_value *v, int *n, char *err, size_t len)
{
    char why[256], item[128];
    *n = 0;
    for (const char *c = text;; c++) {
        size_t m = strcspn(c, ",");
        if (*n >= MAX_VALUES)
            return ps_cli_seterr(err, len, "'%.40s...' lists more than %d values", text,
                                 MAX_VALUES);
        if (m == 0 || m >= sizeof item)
            return ps_cli_seterr(err, len, "'%s' is not a list v1,v2,... (an empty or too long "
                                 "value)", text);
        memcpy(item, c, m);
        item[m] = 0;
        if (element(opt, ax, item, &v[(*n)++], why, sizeof why))
            return ps_cli_seterr(err, len, "%s in '%s'", why, text);
        c += m;
        if (!*c) return 0;
    }
}

int ps_axis_parse(const ps_option *opt, const char *text, ps_options *o, char *err,
                  size_t errlen)
{
    char dim[48];
    snprintf(dim, sizeof dim, "%s", opt->name);
    for (char *c = dim; *c; c++)
        if (*c == '-') *c = '_';
    const ps_axis *ax = ps_axis_find(dim);
    if (!ax || ax->grid || !(opt->props & PS_OPT_AXIS))
        return ps_cli_seterr(err, errlen, "'%s': --%s takes one value", text, opt->name);
    ps_axis_value *v = ps_malloc(sizeof *v * MAX_VALUES, "axis values");
    int n = 0, rc = strchr(text, ':') && !strchr(text, ',')
                        ? parse_range(opt, ax, text, v, &n, err, errlen)
                        : parse_list(opt, ax, text, v, &n, err, errlen);
    /* every value once: a repeated value would be two tasks of one point */
    for (int i = 0; !rc && i < n; i++)
        for (int j = 0; j < i && !rc; j++)
            if (ps_axis_same(ax, v[i], v[j])) {
                char x[64];
                ps_axis_format(ax, v[i], x, sizeof x);
                rc = ps_cli_seterr(err, errlen, "'%s' has %s twice (values of an axis are "
                                   "distinct)", text, x);
            }
    if (rc) {
        free(v);
        return -1;
    }
    ps_axis_drop(o, opt);
    if (o->n_axes >= PS_MAX_AXES) {
        free(v);
        return ps_cli_seterr(err, errlen, "more than %d axes", PS_MAX_AXES);
    }
    /* in the options table's order */
    const int row = (int)ps_option_row(opt);
    int at = o->n_axes;
    while (at > 0 && o->axes[at - 1].row > row) at--;
    memmove(&o->axes[at + 1], &o->axes[at], sizeof o->axes[0] * (size_t)(o->n_axes - at));
    o->axes[at] = (ps_axis_list){ax, row, n, ps_malloc(sizeof *v * (size_t)n, "axis values")};
    memcpy(o->axes[at].v, v, sizeof *v * (size_t)n);
    o->n_axes++;
    free(v);
    /* the scalar field holds the first value (what --help and messages see) */
    ps_axis_set(ax, &o->p, o->axes[at].v[0]);
    return 0;
}

void ps_axis_list_format(const ps_axis_list *a, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < a->n && used + 1 < len; i++) {
        char x[64];
        ps_axis_format(a->axis, a->v[i], x, sizeof x);
        int w = snprintf(buf + used, len - used, "%s%s", i ? "," : "", x);
        if (w < 0 || (size_t)w >= len - used) {
            if (len > 4) snprintf(buf + len - 4, 4, "...");
            return;
        }
        used += (size_t)w;
    }
}

int ps_axis_list_equal(const ps_axis_list *a, const ps_axis_list *b)
{
    if (!a || !b) return a == b;
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (!ps_axis_same(a->axis, a->v[i], b->v[i])) return 0;
    return 1;
}

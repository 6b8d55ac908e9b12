/* axes: the table of include/axes.h: the grid's three rows here, the extra axes derived from
 * the options table's rows marked PS_OPT_AXIS (cli.h), once, on first use. */
#include "axes.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define F(field) offsetof(ps_params, field)
#define MAX_AXES 64

static ps_axis axes[MAX_AXES] = {
    {"gamma_s", "gs", PS_AXIS_REAL, F(gs), 1, 0},
    {"gamma_w", "gw", PS_AXIS_REAL, F(gw), 1, 0},
    {"replica", "replica", PS_AXIS_INT, F(replica), 1, 1},
};
static int n_axes = 0;
static char dims[MAX_AXES][48];

static void build(void)
{
    if (n_axes) return;
    int n = 3;
    size_t rows;
    const ps_option *table = ps_option_table(&rows);
    for (size_t i = 0; i < rows && n < MAX_AXES; i++) {
        const ps_option *opt = &table[i];
        if (!(opt->props & PS_OPT_AXIS) || !(opt->commands & (1u << PS_CMD_SWEEP))) continue;
        snprintf(dims[n], sizeof dims[n], "%s", opt->name);
        for (char *c = dims[n]; *c; c++)
            if (*c == '-') *c = '_';
        enum ps_axis_kind kind = opt->type == PS_OPT_INT   ? PS_AXIS_INT
                                 : opt->type == PS_OPT_U64 ? PS_AXIS_U64
                                                           : PS_AXIS_REAL;
        axes[n] = (ps_axis){dims[n], opt->name, kind, opt->offset - offsetof(ps_options, p), 0,
                            (opt->props & PS_OPT_TEACHER) != 0};
        n++;
    }
    n_axes = n;
}

const ps_axis *ps_axes(int *n)
{
    build();
    *n = n_axes;
    return axes;
}

const ps_axis *ps_axis_find(const char *dim)
{
    build();
    for (int i = 0; i < n_axes; i++)
        if (!strcmp(axes[i].dim, dim)) return &axes[i];
    return NULL;
}

ps_axis_value ps_axis_get(const ps_axis *a, const ps_params *p)
{
    const char *at = (const char *)p + a->offset;
    ps_axis_value v = {0, 0, 0};
    int i;
    switch (a->kind) {
    case PS_AXIS_REAL: memcpy(&v.x, at, sizeof v.x); break;
    case PS_AXIS_INT: memcpy(&i, at, sizeof i); v.i = i; break;
    case PS_AXIS_U64: memcpy(&v.u, at, sizeof v.u); break;
    }
    return v;
}

int ps_axis_set(const ps_axis *a, ps_params *p, ps_axis_value v)
{
    char *at = (char *)p + a->offset;
    switch (a->kind) {
    case PS_AXIS_REAL: memcpy(at, &v.x, sizeof v.x); break;
    case PS_AXIS_INT: {
        if (v.i < INT_MIN || v.i > INT_MAX) return -1;
        const int i = (int)v.i;
        memcpy(at, &i, sizeof i);
        break;
    }
    case PS_AXIS_U64: memcpy(at, &v.u, sizeof v.u); break;
    }
    return 0;
}

int ps_axis_same(const ps_axis *a, ps_axis_value u, ps_axis_value v)
{
    switch (a->kind) {
    case PS_AXIS_REAL: return !memcmp(&u.x, &v.x, sizeof u.x);
    case PS_AXIS_INT: return u.i == v.i;
    case PS_AXIS_U64: return u.u == v.u;
    }
    return 0;
}

void ps_axis_format(const ps_axis *a, ps_axis_value v, char *buf, size_t len)
{
    switch (a->kind) {
    case PS_AXIS_REAL: /* the shortest text that reads back as v.x: -1.85, not -1.8500000000000001 */
        for (int digits = 1; digits <= 17; digits++) {
            snprintf(buf, len, "%.*g", digits, v.x);
            if (strtod(buf, NULL) == v.x) return;
        }
        return;
    case PS_AXIS_INT: snprintf(buf, len, "%" PRId64, v.i); return;
    case PS_AXIS_U64: snprintf(buf, len, "%" PRIu64, v.u); return;
    }
    buf[0] = 0;
}

/* axes: the table of include/axes.h. A new axis is a row here. */
#include "axes.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(ps_params, field)

static const ps_axis axes[] = {
    {"gamma_s", "gs", PS_AXIS_REAL, F(gs), 1},
    {"gamma_w", "gw", PS_AXIS_REAL, F(gw), 1},
    {"replica", "replica", PS_AXIS_INT, F(replica), 1},
    /* the extra axes of issue #19 (in the options table's order) */
    {"d", "d", PS_AXIS_INT, F(d), 0},
    {"rank", "rank", PS_AXIS_INT, F(k), 0},
    {"noise", "noise", PS_AXIS_REAL, F(noise), 0},
    {"seed", "seed", PS_AXIS_U64, F(seed), 0},
    {"max_iter", "max-iter", PS_AXIS_INT, F(max_iter), 0},
    {"lr_scale", "lr-scale", PS_AXIS_REAL, F(lr_scale), 0},
    {"tol_converged", "tol-converged", PS_AXIS_REAL, F(tol_converged), 0},
    {"tol_plateau", "tol-plateau", PS_AXIS_REAL, F(tol_plateau), 0},
    {"plateau_min_drop", "plateau-min-drop", PS_AXIS_REAL, F(plateau_min_drop), 0},
    {"diverge_factor", "diverge-factor", PS_AXIS_REAL, F(diverge_factor), 0},
};

const ps_axis *ps_axes(int *n)
{
    *n = (int)(sizeof axes / sizeof axes[0]);
    return axes;
}

const ps_axis *ps_axis_find(const char *dim)
{
    for (size_t i = 0; i < sizeof axes / sizeof axes[0]; i++)
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

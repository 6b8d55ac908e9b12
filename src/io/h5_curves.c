/* h5_curves: the learning curves of a sweep --curves file (h5_common.h): the `iteration`
 * scale's values and one task's curves written as a hyperslab of each curve variable; and
 * the shape (ps_sweep_shape_of: the extra axes, the grid, replica, iteration) and the data
 * bytes of a sweep file, curves or not (h5io.h). The
 * variables are the layout table's PS_ONLY_CURVES rows of rank > 1, dims (task dims...,
 * iteration); h5_sweep.c creates them with the rest of the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "h5_common.h"
#include "h5io.h"
#include "tasks.h"

struct ps_curves {
    int n_task_dims;
    int points, every;
    int n_vars;
    hid_t dset[PS_CURVES_MAX_VARS];
    int which[PS_CURVES_MAX_VARS]; /* per dataset: its series in ps_curve_series order */
    hid_t fspace, mspace;
    double *buf; /* `points` values: the one task's values of one variable */
};

int ps_curve_points(const ps_options *o)
{
    if (!o->curves) return 0;
    int k = o->curves_every > 0 ? o->curves_every : 1;
    return (ps_options_max_iter(o) - 1) / k + 1; /* the longest task's */
}

void ps_curve_iterations(const ps_options *o, int64_t *it)
{
    const int n = ps_curve_points(o);
    for (int j = 0; j < n; j++) it[j] = (int64_t)j * o->curves_every;
}

void ps_curves_iteration_problem(hid_t file, const ps_options *o, char *why, size_t len)
{
    const int n = ps_curve_points(o);
    int64_t *want = ps_malloc(sizeof *want * (size_t)n, "iterations");
    int64_t *got = ps_malloc(sizeof *got * (size_t)n, "iterations");
    ps_curve_iterations(o, want);
    hid_t d = (hid_t)PS_H5(H5Dopen2(file, "iteration", H5P_DEFAULT));
    PS_H5(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, got));
    PS_H5(H5Dclose(d));
    why[0] = 0;
    for (int j = 0; j < n && !why[0]; j++)
        if (got[j] != want[j])
            snprintf(why, len, "variable iteration[%d] is %lld, but the options give %lld (an "
                     "altered grid)", j, (long long)got[j], (long long)want[j]);
    free(want);
    free(got);
}

/* The curve variables' names, the trace file's, and the trace series each one is. */
static const char *const curve_names[5] = {"gd_train_error", "gd_test_error",
                                           "theory_train_error", "theory_test_error",
                                           "distance"};
static const double *curve_series(const ps_trace *tr, int which)
{
    switch (which) {
    case 0: return tr->gd_train;
    case 1: return tr->gd_test;
    case 2: return tr->th_train;
    case 3: return tr->th_test;
    default: return tr->distance;
    }
}

int ps_curves_is_var(const ps_layout_var *v)
{
    return v->only == PS_ONLY_CURVES && v->ndims > 1;
}

ps_curves *ps_curves_open(hid_t file, const ps_layout *L, const hsize_t *task_dims,
                          int n_task_dims, const ps_options *o)
{
    ps_curves *c = ps_calloc(1, sizeof *c, "curves");
    c->n_task_dims = n_task_dims;
    c->points = ps_curve_points(o);
    c->every = o->curves_every;
    if (n_task_dims + 1 > PS_LAYOUT_MAX_DIMS)
        ps_fail(PS_EXIT_FAIL, "curves", "%d task dims and iteration exceed %d dims",
                n_task_dims, PS_LAYOUT_MAX_DIMS);
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        if (!ps_curves_is_var(v)) continue;
        int which = -1;
        for (int s = 0; s < 5; s++)
            if (!strcmp(v->name, curve_names[s])) which = s;
        if (which < 0 || c->n_vars >= PS_CURVES_MAX_VARS)
            ps_fail(PS_EXIT_FAIL, "curves", "no series for the curve variable %s", v->name);
        c->which[c->n_vars] = which;
        c->dset[c->n_vars++] = (hid_t)PS_H5(H5Dopen2(file, v->name, H5P_DEFAULT));
    }
    hsize_t dims[PS_LAYOUT_MAX_DIMS];
    for (int i = 0; i < n_task_dims; i++) dims[i] = task_dims[i];
    dims[n_task_dims] = (hsize_t)c->points;
    c->fspace = (hid_t)PS_H5(H5Screate_simple(n_task_dims + 1, dims, NULL));
    const hsize_t np = (hsize_t)c->points;
    c->mspace = (hid_t)PS_H5(H5Screate_simple(1, &np, NULL));
    c->buf = ps_malloc(sizeof(double) * (size_t)c->points, "curve buffer");
    return c;
}

void ps_curves_write(ps_curves *c, const hsize_t *task, const ps_trace *tr, hid_t dxpl)
{
    hsize_t start[PS_LAYOUT_MAX_DIMS], count[PS_LAYOUT_MAX_DIMS];
    for (int i = 0; i < c->n_task_dims; i++) start[i] = task[i], count[i] = 1;
    start[c->n_task_dims] = 0;
    count[c->n_task_dims] = (hsize_t)c->points;
    PS_H5(H5Sselect_hyperslab(c->fspace, H5S_SELECT_SET, start, NULL, count, NULL));
    for (int k = 0; k < c->n_vars; k++) {
        const double *x = curve_series(tr, c->which[k]);
        /* iterations 0, K, 2K, ...; NaN from the first one the run did not record */
        for (int j = 0; j < c->points; j++) {
            const int64_t i = (int64_t)j * c->every;
            c->buf[j] = i < tr->n ? x[i] : NAN;
        }
        PS_H5(H5Dwrite(c->dset[k], H5T_NATIVE_DOUBLE, c->mspace, c->fspace, dxpl, c->buf));
    }
}

void ps_curves_close(ps_curves *c)
{
    if (!c) return;
    for (int k = 0; k < c->n_vars; k++) PS_H5(H5Dclose(c->dset[k]));
    PS_H5(H5Sclose(c->fspace));
    PS_H5(H5Sclose(c->mspace));
    free(c->buf);
    free(c);
}

void ps_sweep_shape_of(const ps_options *o, ps_sweep_shape *s)
{
    int64_t n[PS_MAX_AXES + 3];
    s->ndims = ps_task_shape(o, n);
    for (int k = 0; k < o->n_axes; k++) {
        const ps_axis *a = o->axes[k].axis;
        s->axes[k] = (ps_layout_axis){a->dim, a->kind == PS_AXIS_REAL  ? PS_VAR_F64
                                              : a->kind == PS_AXIS_INT ? PS_VAR_I64
                                                                       : PS_VAR_U64,
                                      a->dim};
        s->dims[k] = a->dim;
    }
    s->dims[o->n_axes] = "gamma_s";
    s->dims[o->n_axes + 1] = "gamma_w";
    s->dims[o->n_axes + 2] = "replica";
    for (int k = 0; k < s->ndims; k++) s->sizes[k] = (hsize_t)n[k];
    /* with --curves, the curves' own dimension after the task dims */
    s->dims[s->ndims] = "iteration";
    s->sizes[s->ndims] = (hsize_t)ps_curve_points(o);
    s->nfile = s->ndims + (o->curves ? 1 : 0);
    s->L = ps_layout_sweep_nd(&s->nd, o->curves, o->n_axes, s->axes);
    if (!s->L) ps_fail(PS_EXIT_FAIL, "sweep file", "more axes than the layout holds");
}

static double type_bytes(enum ps_var_type t)
{
    switch (t) {
    case PS_VAR_F64: case PS_VAR_I64: case PS_VAR_U64: return 8;
    case PS_VAR_I32: return 4;
    case PS_VAR_I8: case PS_VAR_U8: return 1;
    }
    return 8;
}

double ps_sweep_file_bytes(const ps_options *o, double *curve_bytes)
{
    /* the file's own layout and dims: the extra axes, the grid, replica, iteration */
    ps_sweep_shape s;
    ps_sweep_shape_of(o, &s);
    const ps_layout *L = s.L;
    double total = 0, curves = 0;
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        double n = 1;
        for (int d = 0; d < v->ndims; d++) {
            int j = 0;
            while (j < s.ndims + 1 && strcmp(v->dims[d], s.dims[j])) j++;
            n *= j < s.ndims + 1 ? (double)s.sizes[j] : 0;
        }
        total += n * type_bytes(v->type);
        if (ps_curves_is_var(v)) curves += n * type_bytes(v->type);
    }
    if (curve_bytes) *curve_bytes = curves;
    return total;
}

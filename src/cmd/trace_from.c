/* trace_from: --from SWEEP.h5 with --task or --at for run and trace (include/trace_from.h).
 * Generic over the file's dimensions: their names and sizes are those of the per-task
 * variable `done` (its dimension scales), their values its coordinate variables, and each
 * dimension sets a run parameter through the axes table (axes.h). */
#define _POSIX_C_SOURCE 200809L
#include "trace_from.h"

#include <errno.h>
#include <hdf5_hl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mpi.h>

#include "axes.h"
#include "check.h"
#include "cli_core.h"
#include "opt_types.h"
#include "group.h"
#include "h5_file.h"
#include "h5_errors.h"
#include "h5io.h"
#include "part.h"
#include "tasks.h"

#define MAX_DIMS PS_LAYOUT_MAX_DIMS /* up to 16 extra axes, gamma_s, gamma_w, replica */
#define MAX_POINTS 1000000   /* per dimension (--replicas at most): what may be read */
#define TASK_VAR "done"      /* the per-task variable whose dimensions are read */

typedef struct dim {
    char name[64];
    hsize_t n;
    const ps_axis *axis;
    ps_axis_value *coord; /* n values */
} dim;

typedef struct sweep_dims {
    int n;
    dim d[MAX_DIMS];
} sweep_dims;

static int one_of(const ps_options *o) { return o->from || o->task || o->at; }

/* "gamma_s, gamma_w, replica" */
static void dim_list(const sweep_dims *s, char *buf, size_t len)
{
    buf[0] = 0;
    for (int k = 0; k < s->n; k++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", k ? ", " : "", s->d[k].name);
    }
}

/* ---- the command line alone ---- */

/* --task/--at need --from, --from needs exactly one of them, and no option that defines the
 * run (those come from the file). */
static void check_line(const ps_options *o)
{
    const char *which = o->task ? "--task" : "--at";
    if (!o->from)
        ps_usage_error("%s needs --from SWEEP.h5 (the sweep file whose task to compute)", which);
    if (!o->task && !o->at)
        ps_usage_error("--from needs --task I,J,... (indices, replica last) or --at "
                       "NAME=X,... (coordinate values, e.g. gamma_s=-1.85,gamma_w=2.25)");
    if (o->task && o->at) ps_usage_error("--task and --at exclude each other");
    size_t n;
    const ps_option *table = ps_option_table(&n);
    for (size_t i = 0; i < n; i++)
        if ((table[i].commands & (1u << o->cmd)) && !(table[i].props & PS_OPT_STEERS) &&
            ps_option_given(o, table[i].name))
            ps_usage_error("--%s: not with --from: the run's parameters come from %s; only "
                           "run-steering options (--threads, --max-mem, --group-size, --block, "
                           "--out, --json, --text) may be given", table[i].name, o->from);
}

/* ---- the file ---- */

/* The sweep file validated as --resume and merge validate it: a sweep file of this layout,
 * its recorded options, every variable of the shape they imply, the grid variables bit for
 * bit those of the options, readable provenance. */
static hid_t open_sweep(const char *path, ps_options *fo)
{
    char why[PS_H5_MSG];
    hid_t f = ps_h5_open_serial(path, H5F_ACC_RDONLY, "--from", why, sizeof why);
    if (f < 0) ps_usage_error("%s", why);
    ps_h5_input("--from", path); /* a failing read: a damaged file, exit 2 */
    if (ps_h5_not_this_layout(f, "sweep", why, sizeof why))
        ps_usage_error("--from: %s is %s", path, why);
    if (ps_sweep_options_read(f, fo, why, sizeof why))
        ps_usage_error("--from: %s: %s", path, why);
    ps_sweep_shape s; /* with the file's extra axes, as the options read record them */
    ps_sweep_shape_of(fo, &s);
    ps_h5_layout_problem(f, s.L, s.dims, s.sizes, s.nfile, why, sizeof why);
    if (!why[0]) ps_sweep_grid_problem(f, fo, why, sizeof why);
    if (!why[0]) ps_provenance_problem(f, why, sizeof why);
    if (why[0]) ps_usage_error("--from: %s is not a complete sweep file: %s", path, why);
    return f;
}

static herr_t scale_name(hid_t did, unsigned idx, hid_t sid, void *out)
{
    char path[64];
    ssize_t n = H5Iget_name(sid, path, sizeof path);
    if (n <= 1 || (size_t)n >= sizeof path || path[0] != '/' || strchr(path + 1, '/')) return 1;
    memcpy(out, path + 1, (size_t)n); /* the name and its NUL */
    return 1; /* the first scale names the dimension */
}

/* A dimension's coordinate variable, read as its axis' kind. */
static void read_coordinate(hid_t f, const char *path, dim *d)
{
    hid_t ds = (hid_t)PS_H5(H5Dopen2(f, d->name, H5P_DEFAULT));
    hid_t sp = (hid_t)PS_H5(H5Dget_space(ds)), ty = (hid_t)PS_H5(H5Dget_type(ds));
    hsize_t n = 0;
    int ok = PS_H5(H5Sget_simple_extent_ndims(sp)) == 1;
    if (ok) PS_H5(H5Sget_simple_extent_dims(sp, &n, NULL));
    const H5T_class_t want = d->axis->kind == PS_AXIS_REAL ? H5T_FLOAT : H5T_INTEGER;
    if (!ok || n != d->n || PS_H5(H5Tget_class(ty)) != want)
        ps_usage_error("--from: %s: coordinate variable %s is not %s of %llu values", path,
                       d->name, want == H5T_FLOAT ? "a float64" : "an integer",
                       (unsigned long long)d->n);
    double *x = ps_malloc(sizeof(double) * n, "coordinates");
    int64_t *i = ps_malloc(sizeof(int64_t) * n, "coordinates");
    uint64_t *u = ps_malloc(sizeof(uint64_t) * n, "coordinates");
    if (d->axis->kind == PS_AXIS_REAL)
        PS_H5(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x));
    else if (d->axis->kind == PS_AXIS_INT)
        PS_H5(H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, i));
    else
        PS_H5(H5Dread(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, u));
    d->coord = ps_malloc(sizeof *d->coord * n, "coordinates");
    for (hsize_t k = 0; k < n; k++) d->coord[k] = (ps_axis_value){x[k], i[k], u[k]};
    free(x), free(i), free(u);
    PS_H5(H5Tclose(ty));
    PS_H5(H5Sclose(sp));
    PS_H5(H5Dclose(ds));
}

/* The dimensions of the per-task variables: names (dimension scales) and sizes of `done`,
 * each with its axis and its coordinate values. */
static void read_dims(hid_t f, const char *path, sweep_dims *s)
{
    hid_t ds = (hid_t)PS_H5(H5Dopen2(f, TASK_VAR, H5P_DEFAULT));
    hid_t sp = (hid_t)PS_H5(H5Dget_space(ds));
    int nd = (int)PS_H5(H5Sget_simple_extent_ndims(sp));
    if (nd < 1 || nd > MAX_DIMS)
        ps_usage_error("--from: %s: variable %s has %d dimensions (1 to %d expected)", path,
                       TASK_VAR, nd, MAX_DIMS);
    hsize_t sizes[MAX_DIMS];
    PS_H5(H5Sget_simple_extent_dims(sp, sizes, NULL));
    PS_H5(H5Sclose(sp));
    s->n = nd;
    for (int k = 0; k < nd; k++) {
        dim *d = &s->d[k];
        d->name[0] = 0;
        d->n = sizes[k];
        d->coord = NULL;
        if (PS_H5(H5DSget_num_scales(ds, (unsigned)k)) > 0)
            PS_H5(H5DSiterate_scales(ds, (unsigned)k, NULL, scale_name, d->name));
        if (!d->name[0])
            ps_usage_error("--from: %s: dimension %d of variable %s has no coordinate variable "
                           "(dimension scale)", path, k, TASK_VAR);
        if (!(d->axis = ps_axis_find(d->name)))
            ps_usage_error("--from: %s: dimension %s is not one this phasesweep knows how to "
                           "run (a newer version wrote the file?)", path, d->name);
        if (d->n < 1 || d->n > MAX_POINTS)
            ps_usage_error("--from: %s: dimension %s declares %llu points (1 to %d expected)",
                           path, d->name, (unsigned long long)d->n, MAX_POINTS);
        read_coordinate(f, path, d);
    }
    PS_H5(H5Dclose(ds));
}

static int task_done(hid_t f, const sweep_dims *s, const hsize_t *idx)
{
    hid_t ds = (hid_t)PS_H5(H5Dopen2(f, TASK_VAR, H5P_DEFAULT));
    hid_t sp = (hid_t)PS_H5(H5Dget_space(ds)), one = (hid_t)PS_H5(H5Screate(H5S_SCALAR));
    hsize_t count[MAX_DIMS];
    for (int k = 0; k < s->n; k++) count[k] = 1;
    PS_H5(H5Sselect_hyperslab(sp, H5S_SELECT_SET, idx, NULL, count, NULL));
    uint8_t done = 0;
    PS_H5(H5Dread(ds, H5T_NATIVE_UINT8, one, sp, H5P_DEFAULT, &done));
    PS_H5(H5Sclose(one));
    PS_H5(H5Sclose(sp));
    PS_H5(H5Dclose(ds));
    return done != 0;
}

/* ---- choosing the task ---- */

/* The next comma-separated piece of *c into buf; 0 at the end. */
static int next_piece(const char **c, char *buf, size_t len, const char *opt)
{
    if (!**c) return 0;
    size_t n = strcspn(*c, ",");
    if (n >= len) ps_usage_error("%s: '%.40s...' is too long", opt, *c);
    memcpy(buf, *c, n);
    buf[n] = 0;
    *c += n + ((*c)[n] == ',');
    return 1;
}

static void task_indices(const ps_options *o, const sweep_dims *s, hsize_t *idx)
{
    char list[512], piece[128];
    dim_list(s, list, sizeof list);
    const char *c = o->task;
    int k = 0;
    if (o->task[strlen(o->task) - 1] == ',')
        ps_usage_error("--task: '%s' ends with a comma; give one index per dimension: %s",
                       o->task, list);
    while (next_piece(&c, piece, sizeof piece, "--task")) {
        char *end;
        errno = 0;
        long long v = strtoll(piece, &end, 10);
        if (!piece[0] || *end || errno)
            ps_usage_error("--task: '%s' is not an index (a whole number)", piece);
        if (k < s->n && (v < 0 || (unsigned long long)v >= s->d[k].n))
            ps_usage_error("--task: index %lld of %s is out of range [0, %llu] (%s has %llu "
                           "points)", v, s->d[k].name, (unsigned long long)s->d[k].n - 1,
                           s->d[k].name, (unsigned long long)s->d[k].n);
        if (k < s->n) idx[k] = (hsize_t)v;
        k++;
    }
    if (k != s->n)
        ps_usage_error("--task: %d indices given; %s has %d dimensions, give one index per "
                       "dimension in this order: %s", k, o->from, s->n, list);
}

/* A value of the axis' kind from text; 0 when it is not one. */
static int parse_value(const ps_axis *a, const char *text, ps_axis_value *v)
{
    char *end;
    errno = 0;
    *v = (ps_axis_value){0, 0, 0};
    if (!*text) return 0;
    if (a->kind == PS_AXIS_REAL) v->x = strtod(text, &end);
    else if (a->kind == PS_AXIS_INT) v->i = strtoll(text, &end, 10);
    else if (*text == '-') return 0;
    else v->u = strtoull(text, &end, 10);
    return !*end && !errno && (a->kind != PS_AXIS_REAL || isfinite(v->x));
}

/* u < v in a's kind. */
static int less(const ps_axis *a, ps_axis_value u, ps_axis_value v)
{
    return a->kind == PS_AXIS_REAL ? u.x < v.x : a->kind == PS_AXIS_INT ? u.i < v.i : u.u < v.u;
}

/* The stored point of d at v: exact for an integer axis; for a real axis the nearest
 * coordinate (the first on ties) within half a grid step of the stored range. */
static hsize_t nearest(const ps_options *o, const dim *d, ps_axis_value v, int *exact)
{
    const ps_axis *a = d->axis;
    hsize_t best = 0, lo = 0, hi = 0;
    *exact = 0;
    for (hsize_t k = 0; k < d->n; k++) {
        if (ps_axis_same(a, d->coord[k], v)) return *exact = 1, k;
        if (less(a, d->coord[k], d->coord[lo])) lo = k;
        if (less(a, d->coord[hi], d->coord[k])) hi = k;
        if (a->kind == PS_AXIS_REAL && fabs(d->coord[k].x - v.x) < fabs(d->coord[best].x - v.x))
            best = k;
    }
    char text[64], first[64], last[64];
    ps_axis_format(a, v, text, sizeof text);
    ps_axis_format(a, d->coord[lo], first, sizeof first);
    ps_axis_format(a, d->coord[hi], last, sizeof last);
    if (a->kind != PS_AXIS_REAL)
        ps_usage_error("--at: %s=%s is not stored in %s (%s holds %llu values in [%s, %s])",
                       d->name, text, o->from, d->name, (unsigned long long)d->n, first, last);
    const double x = d->coord[lo].x, y = d->coord[hi].x;
    const double half = d->n > 1 ? 0.5 * (y - x) / (double)(d->n - 1) : 0.0;
    if (!(v.x >= x - half && v.x <= y + half))
        ps_usage_error("--at: %s=%s is out of the stored range [%s, %s] of %s (%llu points)",
                       d->name, text, first, last, d->name, (unsigned long long)d->n);
    return best;
}

static void at_indices(const ps_options *o, const sweep_dims *s, hsize_t *idx, int rank)
{
    char list[512], piece[160];
    int named[MAX_DIMS] = {0}, inexact = 0;
    dim_list(s, list, sizeof list);
    const char *c = o->at;
    while (next_piece(&c, piece, sizeof piece, "--at")) {
        char *eq = strchr(piece, '=');
        if (!eq || eq == piece)
            ps_usage_error("--at: '%s' is not NAME=VALUE (names: %s)", piece, list);
        *eq = 0;
        int k = 0;
        while (k < s->n && strcmp(s->d[k].name, piece)) k++;
        if (k == s->n)
            ps_usage_error("--at: '%s' is not a dimension of %s; its dimensions: %s", piece,
                           o->from, list);
        if (named[k]) ps_usage_error("--at: %s is named twice", piece);
        ps_axis_value v;
        if (!parse_value(s->d[k].axis, eq + 1, &v))
            ps_usage_error("--at: %s=%s is not %s", piece, eq + 1,
                           s->d[k].axis->kind == PS_AXIS_REAL ? "a finite number"
                                                              : "a whole number");
        int exact;
        idx[k] = nearest(o, &s->d[k], v, &exact);
        inexact |= !exact;
        named[k] = 1;
    }
    for (int k = 0; k < s->n; k++) {
        if (named[k]) continue;
        if (strcmp(s->d[k].name, "replica"))
            ps_usage_error("--at: %s is not given; name every dimension once: %s (replica may "
                           "be left out: the first stored)", s->d[k].name, list);
        idx[k] = 0; /* the first replica stored (0, or A of --replicas A:B) */
    }
    if (!inexact || rank != 0) return;
    char took[1024] = "", task[256] = "";
    for (int k = 0; k < s->n; k++) {
        char v[64];
        size_t a = strlen(took), b = strlen(task);
        ps_axis_format(s->d[k].axis, s->d[k].coord[idx[k]], v, sizeof v);
        snprintf(took + a, sizeof took - a, "%s%s=%s", k ? "," : "", s->d[k].name, v);
        snprintf(task + b, sizeof task - b, "%s%llu", k ? "," : "", (unsigned long long)idx[k]);
    }
    fprintf(stderr, "phasesweep: note: --at %s is not a stored point; took the nearest, %s "
            "(--task %s)\n", o->at, took, task);
}

/* ---- the task's run ---- */

/* The sweep's params of task idx (ps_task_params, as the sweep's farm builds them), each
 * dimension's coordinate then checked (grid dimensions) or set (extra axes) through its
 * axis; the run-steering fields of params (threads, max-mem) are the command line's. */
static ps_params task_params(const ps_options *o, const ps_options *fo, const sweep_dims *s,
                             const hsize_t *idx)
{
    int64_t t = 0;
    for (int k = 0; k < s->n; k++) t = t * (int64_t)s->d[k].n + (int64_t)idx[k];
    if (t >= ps_task_count(fo))
        ps_usage_error("--from: %s: its dimensions hold more tasks than its options (%lld)",
                       o->from, (long long)ps_task_count(fo));
    ps_params p = ps_task_params(fo, t);
    for (int k = 0; k < s->n; k++) {
        const dim *d = &s->d[k];
        const ps_axis_value v = d->coord[idx[k]];
        if (d->axis->grid) {
            if (!ps_axis_same(d->axis, ps_axis_get(d->axis, &p), v))
                ps_usage_error("--from: %s: coordinate %s[%llu] disagrees with the sweep's "
                               "options (an altered file)", o->from, d->name,
                               (unsigned long long)idx[k]);
        } else if (ps_axis_set(d->axis, &p, v)) {
            ps_usage_error("--from: %s: coordinate %s[%llu] is out of range for --%s", o->from,
                           d->name, (unsigned long long)idx[k], d->axis->option);
        }
    }
    ps_options run = *o;
    run.p = p;
    size_t n;
    const ps_option *table = ps_option_table(&n);
    const size_t lo = offsetof(ps_options, p), hi = lo + sizeof(ps_params);
    for (size_t i = 0; i < n; i++)
        if ((table[i].commands & (1u << o->cmd)) && (table[i].props & PS_OPT_STEERS) &&
            table[i].offset >= lo && table[i].offset < hi)
            memcpy((char *)&run + table[i].offset, (const char *)o + table[i].offset,
                   ps_opt_type(table[i].type)->size);
    return run.p;
}

/* An integer root attribute, or -1 when absent. */
static long long int_attr(hid_t f, const char *name)
{
    long long v = -1;
    if (PS_H5(H5Aexists(f, name)) <= 0) return v;
    hid_t a = (hid_t)PS_H5(H5Aopen(f, name, H5P_DEFAULT));
    PS_H5(H5Aread(a, H5T_NATIVE_LLONG, &v));
    PS_H5(H5Aclose(a));
    return v;
}

/* BLAS threads and the group engine sum in other orders: the last bits of a run depend on
 * them. A note when this run's differ from those the sweep recorded. */
static void note_steering(const ps_options *o, const ps_options *fo, long long swept_group)
{
    int ranks;
    char msg[512];
    PS_MPI(MPI_Comm_size(MPI_COMM_WORLD, &ranks));
    const long long group = ps_group_resolve(o, ranks, msg, sizeof msg);
    if (group > 0 && swept_group > 0 && group != swept_group)
        fprintf(stderr, "phasesweep: note: %s was swept with a group size of %lld, this run's "
                "is %lld: its last bits may differ (--group-size %lld on %lld or more ranks "
                "repeats the sweep's)\n", o->from, swept_group, group, swept_group, swept_group);
    if (o->p.threads != fo->p.threads)
        fprintf(stderr, "phasesweep: note: %s was swept with --threads %d, this run uses %d: "
                "its last bits may differ\n", o->from, fo->p.threads, o->p.threads);
}

static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}

void ps_from_resolve(ps_options *o, int rank)
{
    if (!one_of(o)) return;
    check_line(o);
    if (o->out && same_file(o->out, o->from))
        ps_usage_error("--out: %s is the --from file; the trace needs a file of its own",
                       o->out);
    ps_options fo;
    hid_t f = open_sweep(o->from, &fo);
    sweep_dims s;
    hsize_t idx[MAX_DIMS];
    read_dims(f, o->from, &s);
    if (o->task) task_indices(o, &s, idx);
    else at_indices(o, &s, idx, rank);
    const int done = task_done(f, &s, idx);
    const long long swept_group = int_attr(f, "provenance_group_size");
    o->p = task_params(o, &fo, &s, idx);
    /* the file's strings go with fo below: the task keeps a copy of its solver's name */
    if (o->p.eigensolver) o->p.eigensolver = ps_cli_strdup(o->p.eigensolver);
    PS_H5(H5Fclose(f));
    ps_h5_input(NULL, NULL);
    if (o->cmd == PS_CMD_TRACE && !o->p.theory)
        ps_usage_error("--from: %s was swept with --no-theory; a trace records the theory "
                       "dynamics (phasesweep run --from computes the task)", o->from);
    o->gs_given = o->gw_given = 1;
    if (rank == 0) note_steering(o, &fo, swept_group);
    if (rank == 0 && !done) {
        char where[512] = "";
        for (int k = 0; k < s.n; k++) {
            size_t used = strlen(where);
            snprintf(where + used, sizeof where - used, "%s%llu", k ? "," : "",
                     (unsigned long long)idx[k]);
        }
        fprintf(stderr, "phasesweep: note: task %s of %s is not done; computing it (there is "
                "no stored value to compare with)\n", where, o->from);
    }
    for (int k = 0; k < s.n; k++) free(s.d[k].coord);
    ps_options_free(&fo);
}

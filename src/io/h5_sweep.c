/* h5_sweep: the sweep file, laid out as layout.h's sweep table says (every variable in the
 * root group with its dimension scales: what netCDF-4 readers and xarray open). Everything
 * that changes the file's structure (datasets, fill values, dimension scales, attributes)
 * happens collectively in ps_sweep_create and is flushed there; afterwards ranks only
 * overwrite single elements (and, with --curves, one task's row of each curve variable,
 * h5_curves.c) of preallocated contiguous datasets, so the metadata on disk is
 * final and a SIGKILL at any moment leaves a readable file. The one exception is at the
 * collective close: the provenance attributes end_utc, wall_seconds and sessions are
 * overwritten in place (same sizes). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <hdf5_hl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "h5_common.h"
#include "h5_errors.h"
#include "h5io.h"
#include "outpath.h"
#include "part.h"
#include "tasks.h"

/* The file's variables are the layout table's (include/layout.h) with the sweep's extra axes
 * (ps_layout_sweep_nd), in its order: the axes' scales, the five grid variables, then the
 * per-task ones [axes..][gamma_s][gamma_w][replica] (and with --curves the iteration scale and
 * the curves [...][iteration]), done last. */
#define MAX_VARS PS_LAYOUT_MAX_VARS

struct ps_sweep_file {
    MPI_Comm comm;
    hid_t file, dxpl;
    hid_t mspace, fspace; /* one element in memory; the task dimensions' file space */
    hid_t dset[MAX_VARS]; /* per layout variable; only the per-task ones are open */
    ps_sweep_shape shape;
    ps_curves *curves;    /* with --curves: the curve variables */
    ps_provenance pv;
};

static void remove_file(void *path) { remove((const char *)path); }

static int is_task_var(const ps_layout_var *v) { return ps_layout_is_task_var(v); }

/* The index of task t along every task dimension of s (row-major, replica fastest). */
static void task_start(const ps_sweep_shape *s, int64_t t, hsize_t *start)
{
    for (int k = s->ndims - 1; k >= 0; k--) {
        start[k] = (hsize_t)t % s->sizes[k];
        t /= (int64_t)s->sizes[k];
    }
}

/* The value of variable v in a result, as v's memory type, into buf (8 bytes): the result
 * field of v's name (layout.h), done is 1. */
static void result_value(const ps_layout_var *v, const ps_result *res, void *buf)
{
    const ps_result_field *fld = ps_result_field_find(v->name);
    double x = 0;
    int64_t i = 0;
    if (fld && fld->kind == PS_FIELD_F64) x = ps_result_f64(fld, res);
    else if (fld) i = ps_result_int(fld, res);
    else if (!strcmp(v->name, "done")) i = 1;
    else ps_fail(PS_EXIT_FAIL, "ps_sweep_write_result", "no value for variable %s", v->name);
    switch (v->type) {
    case PS_VAR_F64: memcpy(buf, &x, sizeof x); break;
    case PS_VAR_I64: memcpy(buf, &i, sizeof i); break;
    case PS_VAR_I32: { int32_t j = (int32_t)i; memcpy(buf, &j, sizeof j); break; }
    case PS_VAR_I8: { int8_t j = (int8_t)i; memcpy(buf, &j, sizeof j); break; }
    case PS_VAR_U8: { uint8_t j = (uint8_t)i; memcpy(buf, &j, sizeof j); break; }
    case PS_VAR_U64: memcpy(buf, &i, sizeof i); break;
    }
}

/* The inverse: variable v's value (memory type, in buf) into res. */
static void result_store(const ps_layout_var *v, const void *buf, ps_result *res)
{
    double x = 0;
    int64_t i = 0;
    switch (v->type) {
    case PS_VAR_F64: memcpy(&x, buf, sizeof x); break;
    case PS_VAR_I64: memcpy(&i, buf, sizeof i); break;
    case PS_VAR_I32: { int32_t j; memcpy(&j, buf, sizeof j); i = j; break; }
    case PS_VAR_I8: { int8_t j; memcpy(&j, buf, sizeof j); i = j; break; }
    case PS_VAR_U8: { uint8_t j; memcpy(&j, buf, sizeof j); i = j; break; }
    case PS_VAR_U64: memcpy(&i, buf, sizeof i); break;
    }
    const ps_result_field *fld = ps_result_field_find(v->name);
    if (fld) ps_result_store(fld, res, x, i);
}

static hid_t mpio_fapl(MPI_Comm comm)
{
    hid_t fapl = (hid_t)PS_H5(H5Pcreate(H5P_FILE_ACCESS));
    PS_H5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
    /* single-element writes: no read-modify-write of a sieve buffer around them */
    PS_H5(H5Pset_sieve_buf_size(fapl, 0));
    return fapl;
}

static ps_sweep_file *file_new(MPI_Comm comm, hid_t file, const ps_options *o)
{
    ps_sweep_file *f = ps_calloc(1, sizeof *f, "sweep file");
    f->comm = comm;
    f->file = file;
    for (int k = 0; k < MAX_VARS; k++) f->dset[k] = H5I_INVALID_HID;
    ps_sweep_shape_of(o, &f->shape);
    f->fspace = (hid_t)PS_H5(H5Screate_simple(f->shape.ndims, f->shape.sizes, NULL));
    f->mspace = (hid_t)PS_H5(H5Screate(H5S_SCALAR));
    if (o->curves)
        f->curves = ps_curves_open(file, f->shape.L, f->shape.sizes, f->shape.ndims, o);
    f->dxpl = (hid_t)PS_H5(H5Pcreate(H5P_DATASET_XFER));
    PS_H5(H5Pset_dxpl_mpio(f->dxpl, H5FD_MPIO_INDEPENDENT));
    return f;
}

/* ---- create ---- */

static void create_problem(const ps_options *o, char *msg, size_t len)
{
    struct stat st;
    msg[0] = 0;
    if (!o->out) {
        snprintf(msg, len, "sweep needs --out FILE");
    } else if (stat(o->out, &st) == 0 && !o->force) {
        snprintf(msg, len, "--out: %s exists; --force overwrites it, --resume continues it",
                 o->out);
    } else {
        ps_outpath_problem(o->out, PS_OUT_SWEEP, msg, len);
    }
}

/* The values of the grid variable v (an axis' scale, gamma_s, gamma_w, replica, sigma2, width)
 * of the sweep o, as v's memory type (8 bytes each), malloc'ed; their number in *count. */
static void *grid_values(const ps_options *o, const ps_layout_var *v, size_t *count)
{
    const ps_option *d_opt = ps_option_find("d", PS_CMD_SWEEP);
    const ps_axis_list *d_axis = ps_options_axis(o, d_opt);
    const int nd = d_axis ? d_axis->n : 1;
    const int ns = o->gs_range.n, nw = o->gw_range.n, R = o->replicas;
    const int s2 = !strcmp(v->name, "sigma2"), w = !strcmp(v->name, "width");
    size_t n = !strcmp(v->name, "gamma_s") ? (size_t)ns : !strcmp(v->name, "gamma_w") ? (size_t)nw
               : !strcmp(v->name, "replica") ? (size_t)R : s2 ? (size_t)nd * ns
               : w ? (size_t)nd * nw : 0;
    const ps_axis_list *axis = NULL;
    for (int k = 0; k < o->n_axes; k++)
        if (!strcmp(o->axes[k].axis->dim, v->name)) axis = &o->axes[k], n = (size_t)axis->n;
    if (!n) ps_fail(PS_EXIT_FAIL, "ps_sweep_create", "no values for %s", v->name);
    unsigned char *out = ps_malloc(8 * n, "grid");
    for (size_t i = 0; i < n; i++) {
        double x = 0;
        int64_t j = 0;
        uint64_t u = 0;
        if (axis) x = axis->v[i].x, j = axis->v[i].i, u = axis->v[i].u;
        else if (!strcmp(v->name, "gamma_s")) x = ps_range_at(&o->gs_range, (int)i);
        else if (!strcmp(v->name, "gamma_w")) x = ps_range_at(&o->gw_range, (int)i);
        else if (!strcmp(v->name, "replica")) j = (int64_t)o->replica_first + (int64_t)i;
        else {
            /* [d][gamma_s] or [d][gamma_w]; [gamma_s] or [gamma_w] at the one d */
            const size_t m = s2 ? (size_t)ns : (size_t)nw;
            const int d = d_axis ? (int)d_axis->v[i / m].i : o->p.d;
            if (s2) x = ps_sigma2(d, ps_range_at(&o->gs_range, (int)(i % m)));
            else j = ps_width(d, ps_range_at(&o->gw_range, (int)(i % m)));
        }
        if (v->type == PS_VAR_F64) memcpy(out + 8 * i, &x, 8);
        else if (v->type == PS_VAR_U64) memcpy(out + 8 * i, &u, 8);
        else memcpy(out + 8 * i, &j, 8);
    }
    *count = n;
    return out;
}

void ps_sweep_grid_problem(hid_t file, const ps_options *o, char *why, size_t len)
{
    ps_sweep_shape s;
    ps_sweep_shape_of(o, &s);
    why[0] = 0;
    for (int g = 0; g < s.L->n_vars && !why[0]; g++) {
        const ps_layout_var *v = &s.L->vars[g];
        if (is_task_var(v) || ps_curves_is_var(v) || !strcmp(v->name, "iteration")) continue;
        size_t n;
        unsigned char *want = grid_values(o, v, &n);
        hid_t d = (hid_t)PS_H5(H5Dopen2(file, v->name, H5P_DEFAULT));
        unsigned char *got = ps_malloc(8 * n, "grid");
        PS_H5(H5Dread(d, ps_h5_var_mem_type(v), H5S_ALL, H5S_ALL, H5P_DEFAULT, got));
        PS_H5(H5Dclose(d));
        /* bit for bit: the values a sweep of these options writes */
        for (size_t i = 0; i < n && !why[0]; i++)
            if (memcmp(got + 8 * i, want + 8 * i, 8)) {
                double x, y;
                int64_t a, b;
                if (v->type == PS_VAR_F64) {
                    memcpy(&x, got + 8 * i, 8), memcpy(&y, want + 8 * i, 8);
                } else {
                    memcpy(&a, got + 8 * i, 8), memcpy(&b, want + 8 * i, 8);
                    x = (double)a, y = (double)b;
                }
                snprintf(why, len, "variable %s[%zu] is %.17g, but the options give %.17g "
                         "(an altered grid)", v->name, i, x, y);
            }
        free(got);
        free(want);
    }
    if (!why[0] && o->curves) ps_curves_iteration_problem(file, o, why, len);
}

/* Rank 0 alone builds the whole file serially (no MPI-IO, no collective inside HDF5) under
 * tmp: a failure (a full disk, a quota) is this rank's own, reported by ps_fail, which ends
 * every rank (MPI_Abort) instead of leaving the others waiting in a collective of HDF5's.
 * Closed, which flushes everything, before the rename. */
static void build_file(const char *tmp, const ps_options *o, const ps_provenance *pv)
{
    int err = ps_outpath_make_temp(tmp);
    if (err) ps_fail(PS_EXIT_FAIL, "open", "cannot create %s: %s", tmp, strerror(err));
    hid_t fcpl = ps_h5_file_create_plist();
    hid_t file = (hid_t)PS_H5(H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT));
    PS_H5(H5Pclose(fcpl));
    ps_sweep_shape s;
    ps_sweep_shape_of(o, &s);
    const ps_layout *L = s.L;
    hid_t dsets[MAX_VARS];
    ps_h5_create_layout(file, L, s.dims, s.sizes, s.nfile, dsets);
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        if (!strcmp(v->name, "iteration")) { /* the curves' scale; the curves keep their fill */
            int64_t *it = ps_malloc(sizeof *it * (size_t)s.sizes[s.ndims], "iterations");
            ps_curve_iterations(o, it);
            PS_H5(H5Dwrite(dsets[k], H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, it));
            free(it);
        } else if (!is_task_var(v) && !ps_curves_is_var(v)) {
            size_t n;
            void *values = grid_values(o, v, &n);
            PS_H5(H5Dwrite(dsets[k], ps_h5_var_mem_type(v), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           values));
            free(values);
        }
        PS_H5(H5Dclose(dsets[k]));
    }
    ps_h5_attr_write_record(file, o, L->kind, pv);
    ps_part_write_attrs(file, o); /* sweep_id; part_index, part_count of a --part */
    PS_H5(H5Fclose(file));
    if (rename(tmp, o->out) != 0)
        ps_fail(PS_EXIT_FAIL, "rename", "%s -> %s: %s", tmp, o->out, strerror(errno));
}

/* Opens the complete sweep file at o->out on every rank of comm (MPI-IO) with its per-task
 * datasets. */
static ps_sweep_file *open_collective(MPI_Comm comm, const ps_options *o, unsigned flags)
{
    hid_t fapl = mpio_fapl(comm);
    hid_t file = (hid_t)PS_H5(H5Fopen(o->out, flags, fapl));
    PS_H5(H5Pclose(fapl));
    ps_sweep_file *f = file_new(comm, file, o);
    const ps_layout *L = f->shape.L;
    for (int k = 0; k < L->n_vars; k++)
        if (is_task_var(&L->vars[k]))
            f->dset[k] = (hid_t)PS_H5(H5Dopen2(file, L->vars[k].name, H5P_DEFAULT));
    return f;
}

int ps_sweep_create(MPI_Comm comm, const ps_options *o, ps_sweep_file **out, char *msg,
                    size_t len)
{
    int rank, code = 0;
    long pid = (long)getpid();
    char tmp[PATH_MAX + 32];
    *out = NULL;
    PS_MPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0) {
        create_problem(o, msg, len);
        if (!msg[0] && snprintf(tmp, sizeof tmp, "%s.tmp.%ld", o->out, pid) >= (int)sizeof tmp)
            snprintf(msg, len, "--out: %s: path too long", o->out);
        code = msg[0] ? PS_EXIT_USAGE : 0;
    }
    /* rank 0's verdict for every rank: a refusal leaves nothing made */
    if (ps_verdict(comm, 0, code, msg, len)) return PS_EXIT_USAGE;
    PS_MPI(MPI_Bcast(&pid, 1, MPI_LONG, 0, comm));
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", o->out, pid);
    ps_provenance pv;
    ps_provenance_collect(&pv, comm, o);

    /* built under a temporary name and renamed once complete: even a SIGKILL during the
     * creation cannot leave a half-made file at --out for --resume to stumble on */
    if (rank == 0) {
        ps_set_cleanup(remove_file, tmp);
        build_file(tmp, o, &pv);
        ps_set_cleanup(NULL, NULL);
    }
    /* the others wait here for rank 0's file; a failure of rank 0 ended them (MPI_Abort) */
    int built = 1;
    PS_MPI(MPI_Bcast(&built, 1, MPI_INT, 0, comm));
    ps_sweep_file *f = open_collective(comm, o, H5F_ACC_RDWR);
    f->pv = pv;
    *out = f;
    return 0;
}

/* ---- resume ---- */

static void append(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *msg, size_t len, const char *fmt, ...)
{
    size_t used = strlen(msg);
    if (used + 1 >= len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + used, len - used, fmt, ap);
    va_end(ap);
}

/* "name=FILE (file) vs NOW (now)" for every identity option that differs. */
static void identity_differences(hid_t file, const ps_options *o, char *msg, size_t len)
{
    size_t n;
    const ps_option *table = ps_option_table(&n);
    int other_replicas = 0;
    for (size_t i = 0; i < n; i++) {
        const ps_option *opt = &table[i];
        if (!opt->identity || !(opt->commands & (1u << PS_CMD_SWEEP))) continue;
        ps_options stored = *o;
        stored.n_axes = 0; /* o's axes are o's: the file's are read into stored's own */
        char then[256], now[256];
        int rc = ps_h5_attr_read_option(file, opt, &stored);
        /* a string identity absent from an older file (--eigensolver) was unset */
        const char *now_s =
            opt->type == PS_OPT_STRING ? *(char *const *)((const char *)o + opt->offset) : NULL;
        if (rc == 1 && opt->type == PS_OPT_STRING && (!now_s || !now_s[0])) continue;
        if (rc == 1 && (opt->props & PS_OPT_ADDED)) { /* a file from before: the default */
            ps_options def;
            ps_options_default(&def);
            if (ps_option_equal(opt, &def, o)) continue;
            ps_option_format(opt, &def, then, sizeof then);
            ps_option_format(opt, o, now, sizeof now);
            append(msg, len, "%s%s=%s (file) vs %s (now)", msg[0] ? "; " : "", opt->name, then,
                   now);
            continue;
        }
        if (rc == 0 && ps_option_equal(opt, &stored, o)) {
            if (opt->type == PS_OPT_STRING) free(*(char **)((char *)&stored + opt->offset));
            ps_options_free_axes(&stored);
            continue;
        }
        if (rc == 0) ps_option_format(opt, &stored, then, sizeof then);
        else snprintf(then, sizeof then, rc == 1 ? "(missing)" : "(unreadable)");
        if (rc == 0 && opt->type == PS_OPT_STRING)
            free(*(char **)((char *)&stored + opt->offset));
        ps_options_free_axes(&stored);
        ps_option_format(opt, o, now, sizeof now);
        append(msg, len, "%s%s=%s (file) vs %s (now)", msg[0] ? "; " : "", opt->name, then, now);
        other_replicas |= rc == 0 && (opt->props & PS_OPT_REPLICA_RANGE);
    }
    if (other_replicas)
        append(msg, len, " (a file holds one replica range: sweep the others into a file of "
               "their own with --replicas A:B, then phasesweep merge joins the two)");
}

/* Why file is not a sweep file of this layout and of the shape o implies, or "". */
static void layout_problem(hid_t file, const ps_options *o, char *why, size_t len)
{
    ps_sweep_shape s;
    ps_sweep_shape_of(o, &s);
    ps_h5_layout_problem(file, s.L, s.dims, s.sizes, s.nfile, why, len);
}

int ps_sweep_check(const char *path, const ps_options *o, char *msg, size_t len)
{
    struct stat st;
    char why[PS_H5_MSG] = "";
    msg[0] = 0;
    if (!path) {
        snprintf(msg, len, "--resume needs --out FILE");
        return 1;
    }
    if (stat(path, &st) != 0) {
        snprintf(msg, len, "--resume: %s does not exist (start the sweep without --resume)",
                 path);
        return 1;
    }
    hid_t f = ps_h5_open_serial(path, H5F_ACC_RDONLY, "--resume", msg, len);
    if (f < 0) return 1;
    /* everything is checked before anything is written; a read that fails is the file's
     * fault (exit 2) */
    ps_h5_input("--resume", path);
    if (access(path, W_OK) != 0) {
        snprintf(msg, len, "--resume: %s is not writable", path);
    } else if (ps_h5_not_this_layout(f, "sweep", why, sizeof why)) {
        snprintf(msg, len, "--resume: %s is %s", path, why);
    } else {
        identity_differences(f, o, why, sizeof why);
        if (why[0]) {
            snprintf(msg, len, "--resume: %s was made with other parameters: %s", path, why);
        } else {
            layout_problem(f, o, why, sizeof why);
            if (!why[0]) ps_sweep_grid_problem(f, o, why, sizeof why);
            if (!why[0]) ps_provenance_problem(f, why, sizeof why);
            if (why[0]) snprintf(msg, len, "--resume: %s is not a sweep file of these "
                                 "parameters: %s", path, why);
        }
    }
    PS_H5(H5Fclose(f));
    ps_h5_input(NULL, NULL);
    return msg[0] != 0;
}

int ps_sweep_resume(MPI_Comm comm, const ps_options *o, ps_sweep_file **out, char *msg,
                    size_t len)
{
    int rank, code = 0;
    *out = NULL;
    PS_MPI(MPI_Comm_rank(comm, &rank));
    /* checked serially, before any collective open: a refusal leaves nothing open */
    if (rank == 0) code = ps_sweep_check(o->out, o, msg, len) ? PS_EXIT_USAGE : 0;
    if (ps_verdict(comm, 0, code, msg, len)) return PS_EXIT_USAGE;

    ps_provenance pv;
    ps_provenance_collect(&pv, comm, o);
    ps_sweep_file *f = open_collective(comm, o, H5F_ACC_RDWR);
    f->pv = pv;
    *out = f;
    return 0;
}

/* ---- tasks ---- */

static int var_index(const ps_sweep_file *f, const char *name)
{
    return (int)(ps_layout_find(f->shape.L, name) - f->shape.L->vars);
}

void ps_sweep_read_done(ps_sweep_file *f, uint8_t *done)
{
    PS_H5(H5Dread(f->dset[var_index(f, "done")], H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, f->dxpl,
                  done));
}

/* Task t's index along every task dimension into start (t checked against the task count). */
static void task_index(ps_sweep_file *f, const char *fn, int64_t t, hsize_t *start)
{
    hsize_t total = 1;
    for (int k = 0; k < f->shape.ndims; k++) total *= f->shape.sizes[k];
    if (t < 0 || (hsize_t)t >= total)
        ps_fail(PS_EXIT_FAIL, fn, "task %lld outside the sweep's %llu tasks", (long long)t,
                (unsigned long long)total);
    task_start(&f->shape, t, start);
}

/* The one element of task t selected in the file space. */
static void select_task(ps_sweep_file *f, const char *fn, int64_t t)
{
    hsize_t start[PS_LAYOUT_MAX_DIMS], one[PS_LAYOUT_MAX_DIMS];
    for (int k = 0; k < f->shape.ndims; k++) one[k] = 1;
    task_index(f, fn, t, start);
    PS_H5(H5Sselect_hyperslab(f->fspace, H5S_SELECT_SET, start, NULL, one, NULL));
}

void ps_sweep_write_result(ps_sweep_file *f, int64_t t, const ps_result *res)
{
    if ((int)res->stop < 0 || (int)res->stop >= PS_N_STOP_REASONS)
        ps_fail(PS_EXIT_FAIL, "ps_sweep_write_result", "stop reason %s is not a result",
                ps_stop_name(res->stop));
    select_task(f, "ps_sweep_write_result", t);
    /* in the table's order, done last, in its own write: a task is done only once all its
     * values are in the file */
    const ps_layout *L = f->shape.L;
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        if (!is_task_var(v)) continue;
        unsigned char buf[8];
        result_value(v, res, buf);
        PS_H5(H5Dwrite(f->dset[k], ps_h5_var_mem_type(v), f->mspace, f->fspace, f->dxpl, buf));
    }
}

void ps_sweep_write_curves(ps_sweep_file *f, int64_t t, const ps_trace *tr)
{
    if (!f->curves) return;
    hsize_t task[PS_LAYOUT_MAX_DIMS];
    task_index(f, "ps_sweep_write_curves", t, task);
    ps_curves_write(f->curves, task, tr, f->dxpl);
}

int ps_sweep_read_result(ps_sweep_file *f, int64_t t, ps_result *res)
{
    select_task(f, "ps_sweep_read_result", t);
    const ps_layout *L = f->shape.L;
    uint8_t done = 0;
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        if (!is_task_var(v)) continue;
        unsigned char buf[8];
        PS_H5(H5Dread(f->dset[k], ps_h5_var_mem_type(v), f->mspace, f->fspace, f->dxpl, buf));
        if (!strcmp(v->name, "done")) done = buf[0];
        else result_store(v, buf, res);
    }
    return done != 0;
}

void ps_sweep_close(ps_sweep_file *f)
{
    /* collective, like every metadata change: end time and wall seconds, rank 0's clock */
    ps_provenance_finish(f->file, f->comm, &f->pv);
    for (int k = 0; k < MAX_VARS; k++)
        if (f->dset[k] >= 0) PS_H5(H5Dclose(f->dset[k]));
    ps_curves_close(f->curves);
    PS_H5(H5Pclose(f->dxpl));
    PS_H5(H5Sclose(f->mspace));
    PS_H5(H5Sclose(f->fspace));
    PS_H5(H5Fclose(f->file));
    free(f);
}

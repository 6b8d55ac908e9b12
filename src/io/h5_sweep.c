/* h5_sweep: the sweep file, laid out as layout.h's sweep table says (every variable in the
 * root group with its dimension scales: what netCDF-4 readers and xarray open). Everything
 * that changes the file's structure (datasets, fill values, dimension scales, attributes)
 * happens collectively in ps_sweep_create and is flushed there; afterwards ranks only
 * overwrite single elements of preallocated contiguous datasets, so the metadata on disk is
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

/* The file's variables are the layout table's (include/layout.h), in its order: the five
 * grid variables, then the per-task ones [gamma_s][gamma_w][replica], done last. */
#define MAX_VARS 32

struct ps_sweep_file {
    MPI_Comm comm;
    hid_t file, dxpl;
    hid_t mspace, fspace; /* one element in memory; the [n_s, n_w, R] file space */
    hid_t dset[MAX_VARS]; /* per layout variable; only the per-task ones are open */
    int n[3];
    ps_provenance pv;
};

static const char *const dim_names[3] = {"gamma_s", "gamma_w", "replica"};

static void remove_file(void *path) { remove((const char *)path); }

static int is_task_var(const ps_layout_var *v) { return v->ndims == 3; }

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
    f->n[0] = o->gs_range.n, f->n[1] = o->gw_range.n, f->n[2] = o->replicas;
    const hsize_t dims[3] = {(hsize_t)f->n[0], (hsize_t)f->n[1], (hsize_t)f->n[2]};
    f->fspace = (hid_t)PS_H5(H5Screate_simple(3, dims, NULL));
    f->mspace = (hid_t)PS_H5(H5Screate(H5S_SCALAR));
    if (ps_layout_sweep()->n_vars > MAX_VARS)
        ps_fail(PS_EXIT_FAIL, "sweep file", "more layout variables than MAX_VARS");
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

/* The five grid variables' values of the sweep o, in grid_names' order; free_grid frees. */
static const char *const grid_names[5] = {"gamma_s", "gamma_w", "replica", "sigma2", "width"};
static void make_grid(const ps_options *o, void *values[5])
{
    const int ns = o->gs_range.n, nw = o->gw_range.n, R = o->replicas;
    double *gs = ps_malloc(sizeof(double) * ns, "grid");
    double *s2 = ps_malloc(sizeof(double) * ns, "grid");
    double *gw = ps_malloc(sizeof(double) * nw, "grid");
    int64_t *w = ps_malloc(sizeof(int64_t) * nw, "grid");
    int64_t *rep = ps_malloc(sizeof(int64_t) * R, "grid");
    for (int i = 0; i < ns; i++) {
        gs[i] = ps_range_at(&o->gs_range, i);
        s2[i] = ps_sigma2(o->p.d, gs[i]);
    }
    for (int i = 0; i < nw; i++) {
        gw[i] = ps_range_at(&o->gw_range, i);
        w[i] = ps_width(o->p.d, gw[i]);
    }
    for (int i = 0; i < R; i++) rep[i] = i;
    values[0] = gs, values[1] = gw, values[2] = rep, values[3] = s2, values[4] = w;
}

static void free_grid(void *values[5])
{
    for (int g = 0; g < 5; g++) free(values[g]);
}

static int grid_index(const char *name)
{
    for (int g = 0; g < 5; g++)
        if (!strcmp(name, grid_names[g])) return g;
    return -1;
}

void ps_sweep_grid_problem(hid_t file, const ps_options *o, char *why, size_t len)
{
    const size_t n[5] = {(size_t)o->gs_range.n, (size_t)o->gw_range.n, (size_t)o->replicas,
                         (size_t)o->gs_range.n, (size_t)o->gw_range.n};
    void *grid[5];
    why[0] = 0;
    make_grid(o, grid);
    for (int g = 0; g < 5 && !why[0]; g++) {
        const ps_layout_var *v = ps_layout_find(ps_layout_sweep(), grid_names[g]);
        hid_t d = (hid_t)PS_H5(H5Dopen2(file, grid_names[g], H5P_DEFAULT));
        unsigned char *got = ps_malloc(8 * (n[g] ? n[g] : 1), "grid");
        PS_H5(H5Dread(d, ps_h5_var_mem_type(v), H5S_ALL, H5S_ALL, H5P_DEFAULT, got));
        PS_H5(H5Dclose(d));
        /* bit for bit: the values a sweep of these options writes */
        for (size_t i = 0; i < n[g] && !why[0]; i++)
            if (memcmp(got + 8 * i, (unsigned char *)grid[g] + 8 * i, 8)) {
                double x, y;
                int64_t a, b;
                if (v->type == PS_VAR_F64) {
                    memcpy(&x, got + 8 * i, 8), memcpy(&y, (double *)grid[g] + i, 8);
                } else {
                    memcpy(&a, got + 8 * i, 8), memcpy(&b, (int64_t *)grid[g] + i, 8);
                    x = (double)a, y = (double)b;
                }
                snprintf(why, len, "variable %s[%zu] is %.17g, but the options give %.17g "
                         "(an altered grid)", grid_names[g], i, x, y);
            }
        free(got);
    }
    free_grid(grid);
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
    const ps_layout *L = ps_layout_sweep();
    const hsize_t sizes[3] = {(hsize_t)o->gs_range.n, (hsize_t)o->gw_range.n,
                              (hsize_t)o->replicas};
    hid_t dsets[MAX_VARS];
    if (L->n_vars > MAX_VARS)
        ps_fail(PS_EXIT_FAIL, "sweep file", "more layout variables than MAX_VARS");
    ps_h5_create_layout(file, L, dim_names, sizes, 3, dsets);
    void *grid[5];
    make_grid(o, grid);
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        if (!is_task_var(v)) {
            int g = grid_index(v->name);
            if (g < 0) ps_fail(PS_EXIT_FAIL, "ps_sweep_create", "no values for %s", v->name);
            PS_H5(H5Dwrite(dsets[k], ps_h5_var_mem_type(v), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           grid[g]));
        }
        PS_H5(H5Dclose(dsets[k]));
    }
    free_grid(grid);
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
    const ps_layout *L = ps_layout_sweep();
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
    for (size_t i = 0; i < n; i++) {
        const ps_option *opt = &table[i];
        if (!opt->identity || !(opt->commands & (1u << PS_CMD_SWEEP))) continue;
        ps_options stored = *o;
        char then[128], now[128];
        int rc = ps_h5_attr_read_option(file, opt, &stored);
        /* a string identity absent from an older file (--eigensolver) was unset */
        const char *now_s =
            opt->type == PS_OPT_STRING ? *(char *const *)((const char *)o + opt->offset) : NULL;
        if (rc == 1 && opt->type == PS_OPT_STRING && (!now_s || !now_s[0])) continue;
        /* an option added later (--gr, --update) absent from the file: its default */
        if (rc == 1 && (opt->props & PS_OPT_ADDED)) {
            ps_options_default(&stored);
            rc = 0;
        }
        if (rc == 0 && ps_option_equal(opt, &stored, o)) {
            if (opt->type == PS_OPT_STRING) free(*(char **)((char *)&stored + opt->offset));
            continue;
        }
        if (rc == 0) ps_option_format(opt, &stored, then, sizeof then);
        else snprintf(then, sizeof then, rc == 1 ? "(missing)" : "(unreadable)");
        if (rc == 0 && opt->type == PS_OPT_STRING)
            free(*(char **)((char *)&stored + opt->offset));
        ps_option_format(opt, o, now, sizeof now);
        append(msg, len, "%s%s=%s (file) vs %s (now)", msg[0] ? "; " : "", opt->name, then, now);
    }
}

/* Why file is not a sweep file of this layout and of the shape o implies, or "". */
static void layout_problem(hid_t file, const ps_options *o, char *why, size_t len)
{
    const hsize_t sizes[3] = {(hsize_t)o->gs_range.n, (hsize_t)o->gw_range.n,
                              (hsize_t)o->replicas};
    ps_h5_layout_problem(file, ps_layout_sweep(), dim_names, sizes, 3, why, len);
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

static int var_index(const char *name)
{
    const ps_layout *L = ps_layout_sweep();
    return (int)(ps_layout_find(L, name) - L->vars);
}

void ps_sweep_read_done(ps_sweep_file *f, uint8_t *done)
{
    PS_H5(H5Dread(f->dset[var_index("done")], H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, f->dxpl,
                  done));
}

static void check_task(const ps_sweep_file *f, const char *fn, int is, int iw, int r)
{
    if (is < 0 || is >= f->n[0] || iw < 0 || iw >= f->n[1] || r < 0 || r >= f->n[2])
        ps_fail(PS_EXIT_FAIL, fn, "task (%d, %d, %d) outside the grid [%d, %d, %d]", is, iw, r,
                f->n[0], f->n[1], f->n[2]);
}

void ps_sweep_write_result(ps_sweep_file *f, int is, int iw, int r, const ps_result *res)
{
    check_task(f, "ps_sweep_write_result", is, iw, r);
    if ((int)res->stop < 0 || (int)res->stop >= PS_N_STOP_REASONS)
        ps_fail(PS_EXIT_FAIL, "ps_sweep_write_result", "stop reason %s is not a result",
                ps_stop_name(res->stop));
    const hsize_t start[3] = {(hsize_t)is, (hsize_t)iw, (hsize_t)r}, one[3] = {1, 1, 1};
    PS_H5(H5Sselect_hyperslab(f->fspace, H5S_SELECT_SET, start, NULL, one, NULL));
    /* in the table's order, done last, in its own write: a task is done only once all its
     * values are in the file */
    const ps_layout *L = ps_layout_sweep();
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        if (!is_task_var(v)) continue;
        unsigned char buf[8];
        result_value(v, res, buf);
        PS_H5(H5Dwrite(f->dset[k], ps_h5_var_mem_type(v), f->mspace, f->fspace, f->dxpl, buf));
    }
}

int ps_sweep_read_result(ps_sweep_file *f, int is, int iw, int r, ps_result *res)
{
    check_task(f, "ps_sweep_read_result", is, iw, r);
    const hsize_t start[3] = {(hsize_t)is, (hsize_t)iw, (hsize_t)r}, one[3] = {1, 1, 1};
    PS_H5(H5Sselect_hyperslab(f->fspace, H5S_SELECT_SET, start, NULL, one, NULL));
    const ps_layout *L = ps_layout_sweep();
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
    PS_H5(H5Pclose(f->dxpl));
    PS_H5(H5Sclose(f->mspace));
    PS_H5(H5Sclose(f->fspace));
    PS_H5(H5Fclose(f->file));
    free(f);
}

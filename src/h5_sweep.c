/* h5_sweep: the sweep file. Everything that changes the file's structure (datasets, fill
 * values, dimension scales, attributes) happens collectively in ps_sweep_create and is flushed
 * there; afterwards ranks only overwrite single elements of preallocated contiguous datasets,
 * so the metadata on disk is final and a SIGKILL at any moment leaves a readable file. */
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
#include "h5io.h"
#include "merge.h"

enum { R_MIN_TEST, R_STABLE_RANK, R_LOG_DISTANCE, R_FINAL_TRAIN, R_SECONDS, /* float64 */
       R_ITERATIONS, R_N_ITER,                                              /* int32 */
       R_STOP, R_DONE, N_RESULTS };
static const char *const result_name[N_RESULTS] = {
    "min_test_error", "stable_rank", "log_distance", "final_train_error", "seconds",
    "iterations", "n_iter", "stop_reason", "done"};
static const char *const grid_name[] = {"gamma_s", "gamma_w", "sigma2", "width", "replica"};

struct ps_sweep_file {
    hid_t file, stop_type, dxpl;
    hid_t mspace, fspace; /* one element in memory; the [n_s, n_w, R] file space */
    hid_t dset[N_RESULTS];
    int n[3];
};

static void remove_file(void *path) { remove((const char *)path); }

/* stop_reason's type: ps_stop's numbering over int8, plus not_done = -1 as the fill. */
static hid_t stop_type_create(void)
{
    hid_t t = (hid_t)PS_H5(H5Tenum_create(H5T_NATIVE_INT8));
    int8_t v = -1;
    PS_H5(H5Tenum_insert(t, "not_done", &v));
    for (int s = 0; s < PS_N_STOP_REASONS; s++) {
        v = (int8_t)s;
        PS_H5(H5Tenum_insert(t, ps_stop_name((enum ps_stop)s), &v));
    }
    return t;
}

static hid_t result_mem_type(const ps_sweep_file *f, int k)
{
    if (k <= R_SECONDS) return H5T_NATIVE_DOUBLE;
    if (k <= R_N_ITER) return H5T_NATIVE_INT32;
    return k == R_STOP ? f->stop_type : H5T_NATIVE_UINT8;
}

/* ---- agreement across ranks ---- */

static void barrier_cleanup(void *comm) { MPI_Barrier(*(MPI_Comm *)comm); }

/* Rank 0's verdict, msg (PS_H5_MSG bytes), for every rank: when it is a refusal, all exit with
 * status 2 and the line is printed once, by rank 0, as for command-line errors. */
static void agree(MPI_Comm comm, char *msg)
{
    int rank;
    PS_MPI(MPI_Comm_rank(comm, &rank));
    PS_MPI(MPI_Bcast(msg, PS_H5_MSG, MPI_CHAR, 0, comm));
    if (!msg[0]) return;
    if (rank == 0) {
        /* the barrier in the cleanup runs after the line is out: no rank exits before it */
        ps_set_cleanup(barrier_cleanup, &comm);
        ps_usage_error("%s", msg);
    }
    PS_MPI(MPI_Barrier(comm));
    exit(PS_EXIT_USAGE);
}

static hid_t mpio_fapl(MPI_Comm comm)
{
    hid_t fapl = (hid_t)PS_H5(H5Pcreate(H5P_FILE_ACCESS));
    PS_H5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
    /* single-element writes: no read-modify-write of a sieve buffer around them */
    PS_H5(H5Pset_sieve_buf_size(fapl, 0));
    return fapl;
}

static ps_sweep_file *file_new(hid_t file, const ps_options *o)
{
    ps_sweep_file *f = ps_calloc(1, sizeof *f, "sweep file");
    f->file = file;
    f->n[0] = o->gs_range.n, f->n[1] = o->gw_range.n, f->n[2] = o->replicas;
    const hsize_t dims[3] = {(hsize_t)f->n[0], (hsize_t)f->n[1], (hsize_t)f->n[2]};
    f->fspace = (hid_t)PS_H5(H5Screate_simple(3, dims, NULL));
    f->mspace = (hid_t)PS_H5(H5Screate(H5S_SCALAR));
    f->stop_type = stop_type_create();
    f->dxpl = (hid_t)PS_H5(H5Pcreate(H5P_DATASET_XFER));
    PS_H5(H5Pset_dxpl_mpio(f->dxpl, H5FD_MPIO_INDEPENDENT));
    return f;
}

/* ---- create ---- */

static void create_problem(const ps_options *o, char *msg, size_t len)
{
    struct stat st;
    char why[1024];
    msg[0] = 0;
    if (!o->out) {
        snprintf(msg, len, "sweep needs --out FILE");
    } else if (stat(o->out, &st) == 0 && !o->force) {
        snprintf(msg, len, "--out: %s exists; --force overwrites it, --resume continues it",
                 o->out);
    } else if (stat(o->out, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(msg, len, "--out: %s exists and is not a regular file", o->out);
    } else {
        ps_h5_out_dir_problem(o->out, why, sizeof why);
        if (why[0]) snprintf(msg, len, "--out: %s: %s", o->out, why);
    }
}

/* Contiguous, allocated and filled at creation: nothing is allocated or filled later. */
static hid_t create_dataset(hid_t loc, const char *name, hid_t type, int rank,
                            const hsize_t *dims, const void *fill)
{
    hid_t space = (hid_t)PS_H5(H5Screate_simple(rank, dims, NULL));
    hid_t dcpl = (hid_t)PS_H5(H5Pcreate(H5P_DATASET_CREATE));
    PS_H5(H5Pset_layout(dcpl, H5D_CONTIGUOUS));
    PS_H5(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY));
    PS_H5(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC));
    if (fill) PS_H5(H5Pset_fill_value(dcpl, type, fill));
    PS_H5(H5Pset_obj_track_times(dcpl, 0));
    hid_t d = (hid_t)PS_H5(H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    PS_H5(H5Pclose(dcpl));
    PS_H5(H5Sclose(space));
    return d;
}

static hid_t create_grid(hid_t g, const char *name, hid_t type, int n, const void *values,
                         int writer)
{
    const hsize_t dims[1] = {(hsize_t)n};
    hid_t d = create_dataset(g, name, type, 1, dims, NULL);
    if (writer) PS_H5(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values));
    return d;
}

ps_sweep_file *ps_sweep_create(MPI_Comm comm, const ps_options *o)
{
    int rank;
    long pid = (long)getpid();
    char msg[PS_H5_MSG] = "", created[32] = "", tmp[PATH_MAX + 32];
    PS_MPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0) {
        create_problem(o, msg, sizeof msg);
        ps_h5_now(created, sizeof created);
        if (!msg[0] && snprintf(tmp, sizeof tmp, "%s.tmp.%ld", o->out, pid) >= (int)sizeof tmp)
            snprintf(msg, sizeof msg, "--out: %s: path too long", o->out);
    }
    agree(comm, msg);
    /* collective attribute writes need the same value on every rank, and so does the name */
    PS_MPI(MPI_Bcast(created, sizeof created, MPI_CHAR, 0, comm));
    PS_MPI(MPI_Bcast(&pid, 1, MPI_LONG, 0, comm));
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", o->out, pid);

    /* built under a temporary name and renamed once complete: even a SIGKILL during the
     * creation cannot leave a half-made file at --out for --resume to stumble on */
    ps_set_cleanup(remove_file, tmp);
    hid_t fapl = mpio_fapl(comm);
    hid_t file = (hid_t)PS_H5(H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl));
    PS_H5(H5Pclose(fapl));
    ps_sweep_file *f = file_new(file, o);
    const int ns = f->n[0], nw = f->n[1], R = f->n[2];

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
    hid_t grid = (hid_t)PS_H5(H5Gcreate2(file, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    /* raw data: one writer is enough, and the others must not race it */
    hid_t scale[3];
    scale[0] = create_grid(grid, "gamma_s", H5T_NATIVE_DOUBLE, ns, gs, rank == 0);
    scale[1] = create_grid(grid, "gamma_w", H5T_NATIVE_DOUBLE, nw, gw, rank == 0);
    scale[2] = create_grid(grid, "replica", H5T_NATIVE_INT64, R, rep, rank == 0);
    PS_H5(H5Dclose(create_grid(grid, "sigma2", H5T_NATIVE_DOUBLE, ns, s2, rank == 0)));
    PS_H5(H5Dclose(create_grid(grid, "width", H5T_NATIVE_INT64, nw, w, rank == 0)));
    free(gs), free(s2), free(gw), free(w), free(rep);
    PS_H5(H5DSset_scale(scale[0], "gamma_s"));
    PS_H5(H5DSset_scale(scale[1], "gamma_w"));
    PS_H5(H5DSset_scale(scale[2], "replica"));

    hid_t res = (hid_t)PS_H5(H5Gcreate2(file, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const hsize_t dims[3] = {(hsize_t)ns, (hsize_t)nw, (hsize_t)R};
    const double nan = NAN;
    const int32_t minus1 = -1;
    const int8_t not_done = -1;
    const uint8_t zero = 0;
    for (int k = 0; k < N_RESULTS; k++) {
        hid_t type = result_mem_type(f, k);
        const void *fill = k <= R_SECONDS ? (const void *)&nan
                           : k <= R_N_ITER ? (const void *)&minus1
                           : k == R_STOP   ? (const void *)&not_done
                                           : (const void *)&zero;
        f->dset[k] = create_dataset(res, result_name[k], type, 3, dims, fill);
        for (unsigned dim = 0; dim < 3; dim++)
            PS_H5(H5DSattach_scale(f->dset[k], scale[dim], dim));
    }
    for (int i = 0; i < 3; i++) PS_H5(H5Dclose(scale[i]));
    PS_H5(H5Gclose(grid));
    PS_H5(H5Gclose(res));

    ps_h5_attr_write_record(file, o, created);
    ps_part_write_attrs(file, o); /* sweep_id; part_index, part_count of a --part */
    /* every piece of metadata on disk before any task writes */
    PS_H5(H5Fflush(file, H5F_SCOPE_GLOBAL));
    PS_MPI(MPI_Barrier(comm));
    int err = 0;
    if (rank == 0 && rename(tmp, o->out) != 0) err = errno;
    PS_MPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
    if (err) ps_fail(PS_EXIT_FAIL, "rename", "%s -> %s: %s", tmp, o->out, strerror(err));
    ps_set_cleanup(NULL, NULL);
    return f;
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

static int same_value(const ps_option *opt, const ps_options *a, const ps_options *b)
{
    const char *x = (const char *)a + opt->offset, *y = (const char *)b + opt->offset;
    switch (opt->type) {
    case PS_OPT_INT:
    case PS_OPT_GROUP:
    case PS_OPT_FLAG: return *(const int *)x == *(const int *)y;
    case PS_OPT_U64: return *(const uint64_t *)x == *(const uint64_t *)y;
    case PS_OPT_DOUBLE:
    case PS_OPT_BYTES: return *(const double *)x == *(const double *)y;
    case PS_OPT_RANGE: {
        const ps_range *r = (const ps_range *)x, *s = (const ps_range *)y;
        return r->a == s->a && r->b == s->b && r->n == s->n;
    }
    case PS_OPT_MODE: return *(const enum ps_mode *)x == *(const enum ps_mode *)y;
    case PS_OPT_STRING: {
        const char *s = *(const char *const *)x, *t = *(const char *const *)y;
        return !strcmp(s ? s : "", t ? t : "");
    }
    }
    return 0;
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
        if (rc == 0 && same_value(opt, &stored, o)) {
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

/* The first dataset that is missing or not of the shape and kind o implies, or "". */
static void layout_problem(hid_t file, const ps_options *o, char *why, size_t len)
{
    const hsize_t n3[3] = {(hsize_t)o->gs_range.n, (hsize_t)o->gw_range.n,
                           (hsize_t)o->replicas};
    const hsize_t n1[5] = {n3[0], n3[1], n3[0], n3[1], n3[2]}; /* as grid_name */
    why[0] = 0;
    for (int k = 0; k < 5 + N_RESULTS && !why[0]; k++) {
        const int is_grid = k < 5;
        char path[64];
        snprintf(path, sizeof path, "/%s/%s", is_grid ? "grid" : "results",
                 is_grid ? grid_name[k] : result_name[k - 5]);
        const int rank = is_grid ? 1 : 3;
        const hsize_t *want = is_grid ? &n1[k] : n3;
        H5T_class_t want_cls = is_grid ? (k == 3 || k == 4 ? H5T_INTEGER : H5T_FLOAT)
                               : k - 5 <= R_SECONDS ? H5T_FLOAT
                               : k - 5 == R_STOP    ? H5T_ENUM
                                                    : H5T_INTEGER;
        ps_h5_errors saved;
        ps_h5_quiet(&saved);
        hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
        ps_h5_loud(&saved);
        if (d < 0) {
            snprintf(why, len, "dataset %s is missing", path);
            break;
        }
        hid_t space = (hid_t)PS_H5(H5Dget_space(d)), type = (hid_t)PS_H5(H5Dget_type(d));
        hsize_t dims[3] = {0, 0, 0};
        int ok = PS_H5(H5Sget_simple_extent_ndims(space)) == rank &&
                 PS_H5(H5Tget_class(type)) == want_cls;
        if (ok) PS_H5(H5Sget_simple_extent_dims(space, dims, NULL));
        for (int i = 0; i < rank; i++) ok = ok && dims[i] == want[i];
        if (!ok) {
            snprintf(why, len, "dataset %s is not %s of shape [%llu", path,
                     want_cls == H5T_FLOAT ? "float" : want_cls == H5T_ENUM ? "an enum" : "integer",
                     (unsigned long long)want[0]);
            for (int i = 1; i < rank; i++) append(why, len, ", %llu", (unsigned long long)want[i]);
            append(why, len, "]");
        }
        PS_H5(H5Tclose(type));
        PS_H5(H5Sclose(space));
        PS_H5(H5Dclose(d));
    }
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
    if (access(path, W_OK) != 0) {
        snprintf(msg, len, "--resume: %s is not writable", path);
    } else {
        identity_differences(f, o, why, sizeof why);
        if (why[0]) {
            snprintf(msg, len, "--resume: %s was made with other parameters: %s", path, why);
        } else {
            layout_problem(f, o, why, sizeof why);
            if (why[0]) snprintf(msg, len, "--resume: %s is not a sweep file of these "
                                 "parameters: %s", path, why);
        }
    }
    PS_H5(H5Fclose(f));
    return msg[0] != 0;
}

ps_sweep_file *ps_sweep_resume(MPI_Comm comm, const ps_options *o)
{
    int rank;
    char msg[PS_H5_MSG] = "";
    PS_MPI(MPI_Comm_rank(comm, &rank));
    /* checked serially, before any collective open: a refusal leaves nothing open */
    if (rank == 0) ps_sweep_check(o->out, o, msg, sizeof msg);
    agree(comm, msg);

    hid_t fapl = mpio_fapl(comm);
    hid_t file = (hid_t)PS_H5(H5Fopen(o->out, H5F_ACC_RDWR, fapl));
    PS_H5(H5Pclose(fapl));
    ps_sweep_file *f = file_new(file, o);
    for (int k = 0; k < N_RESULTS; k++) {
        char path[64];
        snprintf(path, sizeof path, "/results/%s", result_name[k]);
        f->dset[k] = (hid_t)PS_H5(H5Dopen2(file, path, H5P_DEFAULT));
    }
    return f;
}

/* ---- tasks ---- */

void ps_sweep_read_done(ps_sweep_file *f, uint8_t *done)
{
    PS_H5(H5Dread(f->dset[R_DONE], H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, f->dxpl, done));
}

void ps_sweep_write_result(ps_sweep_file *f, int is, int iw, int r, const ps_result *res)
{
    if (is < 0 || is >= f->n[0] || iw < 0 || iw >= f->n[1] || r < 0 || r >= f->n[2])
        ps_fail(PS_EXIT_FAIL, "ps_sweep_write_result", "task (%d, %d, %d) outside the grid "
                "[%d, %d, %d]", is, iw, r, f->n[0], f->n[1], f->n[2]);
    if ((int)res->stop < 0 || (int)res->stop >= PS_N_STOP_REASONS)
        ps_fail(PS_EXIT_FAIL, "ps_sweep_write_result", "stop reason %s is not a result",
                ps_stop_name(res->stop));
    const hsize_t start[3] = {(hsize_t)is, (hsize_t)iw, (hsize_t)r}, one[3] = {1, 1, 1};
    const double x[R_SECONDS + 1] = {res->min_test_error, res->stable_rank, res->log_distance,
                                     res->final_train_error, res->seconds};
    const int32_t it[2] = {res->iterations, res->n_iter};
    const int8_t stop = (int8_t)res->stop;
    const uint8_t done = 1;
    const void *value[N_RESULTS] = {&x[0], &x[1], &x[2], &x[3], &x[4], &it[0], &it[1], &stop,
                                    &done};
    PS_H5(H5Sselect_hyperslab(f->fspace, H5S_SELECT_SET, start, NULL, one, NULL));
    /* done last, in its own write: a task is done only once all its values are in the file */
    for (int k = 0; k < N_RESULTS; k++)
        PS_H5(H5Dwrite(f->dset[k], result_mem_type(f, k), f->mspace, f->fspace, f->dxpl,
                       value[k]));
}

void ps_sweep_close(ps_sweep_file *f)
{
    for (int k = 0; k < N_RESULTS; k++) PS_H5(H5Dclose(f->dset[k]));
    PS_H5(H5Tclose(f->stop_type));
    PS_H5(H5Pclose(f->dxpl));
    PS_H5(H5Sclose(f->mspace));
    PS_H5(H5Sclose(f->fspace));
    PS_H5(H5Fclose(f->file));
    free(f);
}

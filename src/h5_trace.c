/* h5_trace: the file of `phasesweep trace`, written serially to a temporary name and renamed,
 * so that the path only ever holds a complete trace. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "h5_common.h"
#include "h5io.h"

static void remove_file(void *path) { remove((const char *)path); }

static void write_series(hid_t loc, const char *name, int rank, const hsize_t *dims,
                         const double *x)
{
    hid_t space = (hid_t)PS_H5(H5Screate_simple(rank, dims, NULL));
    hid_t d = (hid_t)PS_H5(H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                      H5P_DEFAULT, H5P_DEFAULT));
    PS_H5(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x));
    PS_H5(H5Dclose(d));
    PS_H5(H5Sclose(space));
}

void ps_h5_write_trace(const char *path, const ps_options *o, const ps_result *res,
                       const ps_trace *tr)
{
    char tmp[PATH_MAX + 32], why[PATH_MAX + 64], created[32];
    ps_h5_out_dir_problem(path, why, sizeof why);
    if (why[0]) ps_usage_error("--out: %s: %s", path, why);
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        ps_usage_error("--out: %s: path too long", path);
    ps_set_cleanup(remove_file, tmp);

    hid_t f = (hid_t)PS_H5(H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    hid_t gd = (hid_t)PS_H5(H5Gcreate2(f, "gd", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    hid_t th = (hid_t)PS_H5(H5Gcreate2(f, "theory", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const hsize_t n[1] = {(hsize_t)tr->n}, nd[2] = {(hsize_t)tr->n, (hsize_t)o->p.d};
    write_series(gd, "train_error", 1, n, tr->gd_train);
    write_series(gd, "test_error", 1, n, tr->gd_test);
    write_series(th, "train_error", 1, n, tr->th_train);
    write_series(th, "test_error", 1, n, tr->th_test);
    write_series(f, "distance", 1, n, tr->distance);
    write_series(gd, "singular_values", 2, nd, tr->gd_sv);
    write_series(th, "singular_values", 2, nd, tr->th_sv);
    PS_H5(H5Gclose(gd));
    PS_H5(H5Gclose(th));

    ps_h5_now(created, sizeof created);
    ps_h5_attr_write_record(f, o, created);
    const int64_t width = res->width, iterations = res->iterations, n_iter = res->n_iter;
    const double threshold = res->sigma2 * (double)res->width;
    ps_h5_attr_write(f, "sigma2", H5T_NATIVE_DOUBLE, 0, &res->sigma2);
    ps_h5_attr_write(f, "width", H5T_NATIVE_INT64, 0, &width);
    ps_h5_attr_write(f, "lr", H5T_NATIVE_DOUBLE, 0, &res->lr);
    ps_h5_attr_write(f, "threshold", H5T_NATIVE_DOUBLE, 0, &threshold);
    ps_h5_attr_write(f, "min_test_error", H5T_NATIVE_DOUBLE, 0, &res->min_test_error);
    ps_h5_attr_write(f, "stable_rank", H5T_NATIVE_DOUBLE, 0, &res->stable_rank);
    ps_h5_attr_write(f, "iterations", H5T_NATIVE_INT64, 0, &iterations);
    ps_h5_attr_write(f, "log_distance", H5T_NATIVE_DOUBLE, 0, &res->log_distance);
    ps_h5_attr_write(f, "final_train_error", H5T_NATIVE_DOUBLE, 0, &res->final_train_error);
    ps_h5_attr_write(f, "seconds", H5T_NATIVE_DOUBLE, 0, &res->seconds);
    ps_h5_attr_write(f, "n_iter", H5T_NATIVE_INT64, 0, &n_iter);
    ps_h5_attr_write_string(f, "stop_reason", ps_stop_name(res->stop));
    PS_H5(H5Fclose(f));

    if (rename(tmp, path) != 0)
        ps_fail(PS_EXIT_FAIL, "rename", "%s -> %s: %s", tmp, path, strerror(errno));
    ps_set_cleanup(NULL, NULL);
}

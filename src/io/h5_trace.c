/* h5_trace: the file of `phasesweep trace` (layout.h's trace table: every series in the root
 * group over the dimensions iteration and sv_index), written serially to a temporary name and
 * renamed, so that the path only ever holds a complete trace. */
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
#include "outpath.h"

static void remove_file(void *path) { remove((const char *)path); }

/* A result field (layout.h) as a root attribute: integers as int64, the stop reason by name. */
static void put_field(hid_t f, const ps_result_field *fld, const ps_result *res)
{
    if (fld->kind == PS_FIELD_F64) {
        const double x = ps_result_f64(fld, res);
        ps_h5_attr_write(f, fld->name, H5T_NATIVE_DOUBLE, 0, &x);
    } else if (fld->kind == PS_FIELD_STOP) {
        ps_h5_attr_write_string(f, fld->name, ps_stop_name(res->stop));
    } else {
        const int64_t i = ps_result_int(fld, res);
        ps_h5_attr_write(f, fld->name, H5T_NATIVE_INT64, 0, &i);
    }
}

int ps_h5_write_trace(const char *path, const ps_options *o, const ps_result *res,
                      const ps_trace *tr, char *why, size_t len)
{
    char tmp[PATH_MAX + 32];
    ps_outpath_problem(path, PS_OUT_TRACE, why, len);
    if (why[0]) return PS_H5_BAD_INPUT;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(why, len, "--out: %s: path too long", path);
        return PS_H5_BAD_INPUT;
    }
    ps_set_cleanup(remove_file, tmp);
    int err = ps_outpath_make_temp(tmp); /* never through a link planted at the name */
    if (err) ps_fail(PS_EXIT_FAIL, "open", "cannot create %s: %s", tmp, strerror(err));

    ps_provenance pv;
    ps_provenance_collect(&pv, MPI_COMM_SELF, o);
    hid_t fcpl = ps_h5_file_create_plist();
    hid_t f = (hid_t)PS_H5(H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT));
    PS_H5(H5Pclose(fcpl));
    const ps_layout *L = ps_layout_trace();
    static const char *const dims[2] = {"iteration", "sv_index"};
    const hsize_t sizes[2] = {(hsize_t)tr->n, (hsize_t)o->p.d};
    hid_t dsets[16];
    if (L->n_vars > 16) ps_fail(PS_EXIT_FAIL, "trace file", "more than 16 layout variables");
    ps_h5_create_layout(f, L, dims, sizes, 2, dsets);
    const int64_t n = tr->n > o->p.d ? tr->n : o->p.d;
    int64_t *index = ps_malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1), "trace index");
    for (int64_t i = 0; i < n; i++) index[i] = i;
    const struct { const char *name; const void *x; } series[] = {
        {"iteration", index}, {"sv_index", index}, {"gd_train_error", tr->gd_train},
        {"gd_test_error", tr->gd_test}, {"theory_train_error", tr->th_train},
        {"theory_test_error", tr->th_test}, {"distance", tr->distance},
        {"gd_singular_values", tr->gd_sv}, {"theory_singular_values", tr->th_sv}};
    for (int k = 0; k < L->n_vars; k++) {
        const void *x = NULL;
        for (size_t j = 0; j < sizeof series / sizeof series[0]; j++)
            if (!strcmp(series[j].name, L->vars[k].name)) x = series[j].x;
        if (!x) ps_fail(PS_EXIT_FAIL, "ps_h5_write_trace", "no values for %s", L->vars[k].name);
        if (tr->n > 0)
            PS_H5(H5Dwrite(dsets[k], ps_h5_var_mem_type(&L->vars[k]), H5S_ALL, H5S_ALL,
                           H5P_DEFAULT, x));
        PS_H5(H5Dclose(dsets[k]));
    }
    free(index);

    ps_h5_attr_write_record(f, o, L->kind, &pv);
    /* the result fields first in e01b091's order (h5py and xarray list attributes in creation
     * order), the threshold after lr; fields added since, after them in the table's order */
    static const char *const old[] = {"sigma2", "width", "lr", "min_test_error",
        "stable_rank", "iterations", "log_distance", "final_train_error", "seconds", "n_iter",
        "stop_reason"};
    const int n_old = (int)(sizeof old / sizeof old[0]);
    const double threshold = res->sigma2 * (double)res->width;
    for (int k = 0; k < n_old; k++) {
        put_field(f, ps_result_field_find(old[k]), res);
        if (!strcmp(old[k], "lr"))
            ps_h5_attr_write(f, "threshold", H5T_NATIVE_DOUBLE, 0, &threshold);
    }
    int n_fields;
    const ps_result_field *fields = ps_result_fields(&n_fields);
    for (int k = 0; k < n_fields; k++) {
        int seen = 0;
        for (int j = 0; j < n_old; j++) seen |= !strcmp(fields[k].name, old[j]);
        if (!seen) put_field(f, &fields[k], res);
    }
    ps_provenance_finish(f, MPI_COMM_SELF, &pv);
    PS_H5(H5Fclose(f));

    if (rename(tmp, path) != 0)
        ps_fail(PS_EXIT_FAIL, "rename", "%s -> %s: %s", tmp, path, strerror(errno));
    ps_set_cleanup(NULL, NULL);
    return 0;
}

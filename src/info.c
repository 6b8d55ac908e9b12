/* info: `phasesweep info FILE`, a serial look at a sweep file, also while a sweep writes it
 * (every piece of its metadata is final from creation on). Exit status 0 when every task is
 * done and 3 otherwise, so that scripts can wait for a sweep. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "h5_common.h"
#include "h5io.h"
#include "merge.h"

#define PS_INFO_INCOMPLETE 3

/* In the order analysis/phasefile.py lists them. */
static const char *const metric_name[] = {"min_test_error", "stable_rank", "iterations",
                                          "log_distance", "final_train_error", "n_iter",
                                          "seconds"};

/* The shortest %g that reads back as x: 0.0002, not 0.00020000000000000001. */
static const char *shortest(double x, char *buf, size_t len)
{
    int p = 1;
    while (p < 17) {
        snprintf(buf, len, "%.*g", p, x);
        if (strtod(buf, NULL) == x || !isfinite(x)) break;
        p++;
    }
    /* whole digits rather than an exponent: 50, not 5e+01 */
    for (double m = 10; p < 16 && fabs(x) >= m && m < 1e16; m *= 10) p++;
    snprintf(buf, len, "%.*g", p, x);
    return buf;
}

static void put_double(double x)
{
    char buf[40];
    fputs(shortest(x, buf, sizeof buf), stdout);
}

static int is_sweep_option(const char *attr)
{
    size_t n;
    const ps_option *table = ps_option_table(&n);
    char name[64];
    for (size_t i = 0; i < n; i++) {
        if (!(table[i].commands & (1u << PS_CMD_SWEEP))) continue;
        ps_h5_attr_name(&table[i], name, sizeof name);
        if (!strcmp(name, attr)) return 1;
    }
    return 0;
}

/* Any attribute as text: strings, integers, floats (a few values at most). */
static herr_t put_attribute(hid_t loc, const char *name, const H5A_info_t *info, void *skip)
{
    if (skip && is_sweep_option(name)) return 0;
    hid_t a = (hid_t)PS_H5(H5Aopen(loc, name, H5P_DEFAULT));
    hid_t t = (hid_t)PS_H5(H5Aget_type(a)), space = (hid_t)PS_H5(H5Aget_space(a));
    H5T_class_t cls = (H5T_class_t)PS_H5(H5Tget_class(t));
    hssize_t n = (hssize_t)PS_H5(H5Sget_simple_extent_npoints(space));
    printf("%s = ", name);
    if (cls == H5T_STRING) {
        char *s = ps_h5_attr_read_string(loc, name);
        fputs(s ? s : "(not shown)", stdout);
        free(s);
    } else if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && n >= 1 && n <= 16) {
        double x[16];
        long long i[16];
        PS_H5(H5Aread(a, cls == H5T_FLOAT ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG,
                      cls == H5T_FLOAT ? (void *)x : (void *)i));
        for (hssize_t k = 0; k < n; k++) {
            if (k) fputs(", ", stdout);
            if (cls == H5T_FLOAT) put_double(x[k]);
            else printf("%lld", i[k]);
        }
    } else {
        fputs("(not shown)", stdout);
    }
    putchar('\n');
    PS_H5(H5Sclose(space));
    PS_H5(H5Tclose(t));
    PS_H5(H5Aclose(a));
    return 0;
}

/* Options first, in --help's order and format; then every other attribute by name. */
static void put_parameters(hid_t f)
{
    size_t n;
    const ps_option *table = ps_option_table(&n);
    ps_options o;
    ps_options_default(&o);
    o.cmd = PS_CMD_SWEEP;
    for (size_t i = 0; i < n; i++) {
        const ps_option *opt = &table[i];
        if (!(opt->commands & (1u << PS_CMD_SWEEP))) continue;
        char name[64], text[256];
        ps_h5_attr_name(opt, name, sizeof name);
        int rc = ps_h5_attr_read_option(f, opt, &o);
        if (rc == 1) continue;
        if (rc == 2) {
            put_attribute(f, name, NULL, NULL);
            continue;
        }
        const char *at = (const char *)&o + opt->offset;
        char a[40], b[40];
        if (opt->type == PS_OPT_DOUBLE) {
            shortest(*(const double *)at, text, sizeof text);
        } else if (opt->type == PS_OPT_RANGE) {
            const ps_range *r = (const ps_range *)at;
            snprintf(text, sizeof text, "%s:%s:%d", shortest(r->a, a, sizeof a),
                     shortest(r->b, b, sizeof b), r->n);
        } else {
            ps_option_format(opt, &o, text, sizeof text);
        }
        printf("%s = %s\n", name, text);
    }
    ps_options_free(&o);
    hsize_t idx = 0;
    PS_H5(H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, &idx, put_attribute, (void *)1));
}

static hid_t open_result(hid_t f, const char *path, const char *name, int rank,
                         const hsize_t *dims, hsize_t *got)
{
    char at[64];
    snprintf(at, sizeof at, "/results/%s", name);
    ps_h5_errors saved;
    ps_h5_quiet(&saved);
    hid_t d = H5Dopen2(f, at, H5P_DEFAULT);
    ps_h5_loud(&saved);
    hsize_t shape[3] = {0, 0, 0};
    int ok = d >= 0;
    if (ok) {
        hid_t space = (hid_t)PS_H5(H5Dget_space(d));
        ok = PS_H5(H5Sget_simple_extent_ndims(space)) == rank;
        if (ok) PS_H5(H5Sget_simple_extent_dims(space, shape, NULL));
        PS_H5(H5Sclose(space));
    }
    for (int i = 0; ok && dims && i < rank; i++) ok = shape[i] == dims[i];
    if (!ok)
        ps_usage_error("info: %s is not a phasesweep sweep file (no dataset %s of shape "
                       "[n_s, n_w, R])", path, at);
    if (got) memcpy(got, shape, sizeof shape);
    return d;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void put_metric(hid_t f, const char *path, const char *name, const hsize_t *dims,
                       const uint8_t *done, double *v)
{
    const size_t total = (size_t)(dims[0] * dims[1] * dims[2]);
    hid_t d = open_result(f, path, name, 3, dims, NULL);
    PS_H5(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v));
    PS_H5(H5Dclose(d));
    size_t m = 0;
    for (size_t i = 0; i < total; i++)
        if (done[i] && isfinite(v[i])) v[m++] = v[i];
    printf("%-18s ", name);
    if (!m) {
        puts("n/a (no finite value among the done tasks)");
        return;
    }
    qsort(v, m, sizeof *v, cmp_double);
    double median = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
    printf("min %.6g / median %.6g / max %.6g\n", v[0], median, v[m - 1]);
}

static void put_stop_reasons(hid_t f, const char *path, const hsize_t *dims,
                             const uint8_t *done)
{
    const size_t total = (size_t)(dims[0] * dims[1] * dims[2]);
    hid_t d = open_result(f, path, "stop_reason", 3, dims, NULL);
    hid_t t = (hid_t)PS_H5(H5Dget_type(d));
    if (PS_H5(H5Tget_class(t)) != H5T_ENUM || H5Tget_size(t) != 1)
        ps_usage_error("info: %s is not a phasesweep sweep file (/results/stop_reason is not "
                       "an int8 enum)", path);
    int8_t *code = ps_malloc(total, "stop reasons");
    hid_t mt = (hid_t)PS_H5(H5Tget_native_type(t, H5T_DIR_ASCEND));
    PS_H5(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, code));
    int members = (int)PS_H5(H5Tget_nmembers(t));
    printf("%-18s ", "stop_reason");
    for (int j = 0, shown = 0; j < members; j++) {
        int8_t value;
        PS_H5(H5Tget_member_value(t, (unsigned)j, &value));
        if (value < 0) continue; /* not_done: the done tasks only */
        size_t count = 0;
        for (size_t i = 0; i < total; i++) count += done[i] && code[i] == value;
        char *member = H5Tget_member_name(t, (unsigned)j);
        if (!member) ps_fail(PS_EXIT_FAIL, "H5Tget_member_name", "HDF5 call failed");
        printf("%s%s %zu", shown++ ? ", " : "", member, count);
        PS_H5(H5free_memory(member));
    }
    putchar('\n');
    free(code);
    PS_H5(H5Tclose(mt));
    PS_H5(H5Tclose(t));
    PS_H5(H5Dclose(d));
}

int ps_info(const char *path)
{
    hid_t f = ps_h5_open_serial(path, H5F_ACC_RDONLY, "info", NULL, 0);
    hsize_t dims[3];
    hid_t dd = open_result(f, path, "done", 3, NULL, dims);
    const size_t total = (size_t)(dims[0] * dims[1] * dims[2]);
    uint8_t *done = ps_malloc(total, "done flags");
    PS_H5(H5Dread(dd, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, done));
    PS_H5(H5Dclose(dd));
    size_t n_done = 0;
    for (size_t i = 0; i < total; i++) n_done += done[i] != 0;

    put_parameters(f);
    printf("grid: %llu gamma_s x %llu gamma_w x %llu replicas\n", (unsigned long long)dims[0],
           (unsigned long long)dims[1], (unsigned long long)dims[2]);
    /* a part (sweep --part) is complete when its own tasks are done */
    size_t tasks = total;
    ps_part_summary(f, done, total, &tasks, &n_done);
    printf("done: %zu / %zu (%.1f%%)\n", n_done, tasks,
           tasks ? 100.0 * (double)n_done / (double)tasks : 100.0);
    double *v = ps_malloc(sizeof(double) * total, "metric values");
    for (size_t k = 0; k < sizeof metric_name / sizeof metric_name[0]; k++)
        put_metric(f, path, metric_name[k], dims, done, v);
    put_stop_reasons(f, path, dims, done);
    free(v);
    free(done);
    PS_H5(H5Fclose(f));
    fflush(stdout);
    return n_done == tasks ? 0 : PS_INFO_INCOMPLETE;
}

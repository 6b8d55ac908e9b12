/* info: `phasesweep info FILE`, a serial look at a sweep file, also while a sweep writes it
 * (every piece of its metadata is final from creation on): the metrics in the layout table's
 * order (layout.h). Exit status 0 when every task is done and 3 otherwise, so that scripts
 * can wait for a sweep. Files of another layout or kind are refused with one line. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "h5_file.h"
#include "h5_errors.h"
#include "h5io.h"
#include "part.h"

#define PS_INFO_INCOMPLETE 3


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
        if (ps_options_axis(&o, opt)) {
            ps_option_format(opt, &o, text, sizeof text); /* an axis: its values */
        } else if (opt->type == PS_OPT_DOUBLE) {
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

static hid_t open_result(hid_t f, const char *name)
{
    return (hid_t)PS_H5(H5Dopen2(f, name, H5P_DEFAULT));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void put_metric(hid_t f, const char *name, size_t total, const uint8_t *done,
                       double *v)
{
    hid_t d = open_result(f, name);
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

/* Counts of every flag meaning of the done tasks, "converged 3, overfitting 1, ...". */
static void put_stop_reasons(hid_t f, const ps_layout_var *v, size_t total,
                             const uint8_t *done)
{
    hid_t d = open_result(f, v->name);
    int8_t *code = ps_malloc(total, "stop reasons");
    PS_H5(H5Dread(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, code));
    PS_H5(H5Dclose(d));
    printf("%-18s ", v->name);
    const char *m = v->flag_meanings;
    for (int value = 0; *m; value++) {
        size_t len = strcspn(m, " "), count = 0;
        for (size_t i = 0; i < total; i++) count += done[i] && code[i] == value;
        printf("%s%.*s %zu", value ? ", " : "", (int)len, m, count);
        m += len;
        m += strspn(m, " ");
    }
    putchar('\n');
    free(code);
}

/* The file's --curves, --curves-every and --max-iter (the defaults when it has none: --curves
 * and --curves-every are absent from files made before them). */
static void file_curves(hid_t f, ps_options *o)
{
    ps_options_default(o);
    o->cmd = PS_CMD_SWEEP;
    ps_h5_attr_read_option(f, ps_option_find("curves", PS_CMD_SWEEP), o);
    ps_h5_attr_read_option(f, ps_option_find("curves-every", PS_CMD_SWEEP), o);
    ps_h5_attr_read_option(f, ps_option_find("max-iter", PS_CMD_SWEEP), o);
}

/* With --curves: the curve variables, of the task dims and the iterations o records. */
static void curves_problem(hid_t f, const ps_sweep_shape *s, int points, char *why,
                           size_t len)
{
    ps_layout_nd nd;
    const ps_layout *L = ps_layout_sweep_nd(&nd, 1, s->ndims - 3, s->axes);
    const char *dims[PS_LAYOUT_MAX_DIMS];
    hsize_t sizes[PS_LAYOUT_MAX_DIMS];
    for (int k = 0; k < s->ndims; k++) dims[k] = s->dims[k], sizes[k] = s->sizes[k];
    dims[s->ndims] = "iteration";
    sizes[s->ndims] = (hsize_t)points;
    ps_h5_layout_problem(f, L, dims, sizes, s->ndims + 1, why, len);
}

/* Why f (at path) cannot be shown, into msg, or "": a file of another layout or kind, an
 * incomplete sweep file, one declaring more than 4 GiB to read. s: its layout and task
 * dimensions (with the extra axes its root attribute axes names, read with its options). */
static int info_problem(hid_t f, const char *path, ps_sweep_shape *s, int *points, int *every,
                        char *msg, size_t len)
{
    char why[PS_H5_MSG] = "";
    const ps_layout *L = ps_layout_sweep();
    msg[0] = 0;
    if (ps_h5_not_this_layout(f, L->kind, why, sizeof why)) {
        snprintf(msg, len, "info: %s is %s", path, why);
        return PS_EXIT_USAGE;
    }
    char *axes = PS_H5(H5Aexists(f, "axes")) > 0 ? ps_h5_attr_read_string(f, "axes") : NULL;
    ps_options o;
    ps_options_default(&o);
    if (axes && axes[0]) {
        ps_options_free(&o);
        if (ps_sweep_options_read(f, &o, why, sizeof why) == 0 && o.n_axes == 0)
            snprintf(why, sizeof why, "its axes attribute names '%s', which has no coordinate "
                     "variable", axes);
    }
    free(axes);
    ps_sweep_shape_of(&o, s);
    /* the curves' points: with extra axes from the file's options (max-iter may be one) */
    ps_options fo;
    file_curves(f, &fo);
    const ps_options *co = o.n_axes ? &o : &fo;
    *points = co->curves ? ps_curve_points(co) : 0;
    *every = co->curves_every;
    ps_options_free(&o);
    if (!why[0]) ps_h5_layout_problem(f, s->L, NULL, NULL, 0, why, sizeof why);
    if (!why[0]) {
        hid_t dd = open_result(f, "done");
        hid_t ds = (hid_t)PS_H5(H5Dget_space(dd));
        PS_H5(H5Sget_simple_extent_dims(ds, s->sizes, NULL));
        PS_H5(H5Sclose(ds));
        PS_H5(H5Dclose(dd));
        /* every per-task variable of the same shape as done */
        ps_h5_layout_problem(f, s->L, s->dims, s->sizes, s->nfile, why, sizeof why);
    }
    if (!why[0] && *points) curves_problem(f, s, *points, why, sizeof why);
    if (why[0]) {
        snprintf(msg, len, "info: %s is not a complete sweep file: %s", path, why);
        return PS_EXIT_USAGE;
    }
    /* the declared size before it is allocated: done flags and one double per task */
    double declared = 1;
    for (int k = 0; k < s->ndims; k++) declared *= (double)s->sizes[k];
    if (declared * 9.0 > 4.0 * 1073741824.0) {
        snprintf(msg, len, "info: %s declares %.0f tasks, more than 4 GiB to read", path,
                 declared);
        return PS_EXIT_USAGE;
    }
    return 0;
}

int ps_info(const char *path, char *msg, size_t len)
{
    hid_t f = ps_h5_open_serial(path, H5F_ACC_RDONLY, "info", msg, len);
    if (f < 0) return PS_EXIT_USAGE;
    ps_h5_input("info", path); /* a failing read: a damaged file, exit 2 */
    ps_sweep_shape s;
    int points, every;
    if (info_problem(f, path, &s, &points, &every, msg, len)) {
        PS_H5(H5Fclose(f));
        ps_h5_input(NULL, NULL);
        return PS_EXIT_USAGE;
    }
    const ps_layout *L = s.L;
    hid_t dd = open_result(f, "done");
    size_t total = 1;
    for (int k = 0; k < s.ndims; k++) total *= (size_t)s.sizes[k];
    uint8_t *done = ps_malloc(total, "done flags");
    PS_H5(H5Dread(dd, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, done));
    PS_H5(H5Dclose(dd));
    size_t n_done = 0;
    for (size_t i = 0; i < total; i++) n_done += done[i] != 0;

    put_parameters(f);
    printf("grid: ");
    for (int k = 0; k < s.ndims - 3; k++)
        printf("%llu %s x ", (unsigned long long)s.sizes[k], s.dims[k]);
    const hsize_t *g = s.sizes + s.ndims - 3;
    printf("%llu gamma_s x %llu gamma_w x %llu replicas\n", (unsigned long long)g[0],
           (unsigned long long)g[1], (unsigned long long)g[2]);
    if (points)
        printf("curves: stored (gd_train_error, gd_test_error, theory_train_error, "
               "theory_test_error, distance per task at %d iterations 0, %d, %d, ...; "
               "NaN after a task's stop)\n", points, every, 2 * every);
    else
        printf("curves: not stored (sweep --curves stores them)\n");
    /* a part (sweep --part) is complete when its own tasks are done */
    size_t tasks = total;
    ps_part_summary(f, done, total, &tasks, &n_done);
    printf("done: %zu / %zu (%.1f%%)\n", n_done, tasks,
           tasks ? 100.0 * (double)n_done / (double)tasks : 100.0);
    double *v = ps_malloc(sizeof(double) * total, "metric values");
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *var = &L->vars[k];
        if (!ps_layout_is_task_var(var) || !strcmp(var->name, "done")) continue;
        if (var->flag_meanings) put_stop_reasons(f, var, total, done);
        else put_metric(f, var->name, total, done, v);
    }
    free(v);
    free(done);
    PS_H5(H5Fclose(f));
    ps_h5_input(NULL, NULL);
    fflush(stdout);
    return n_done == tasks ? 0 : PS_INFO_INCOMPLETE;
}

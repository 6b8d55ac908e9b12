/* h5_options: options as root attributes (h5_common.h), one row of HDF5 operations per option
 * type (enum ps_opt_type of cli.h), beside the cmd layer's row of text operations
 * (opt_types.h): write the field as an attribute, read an attribute back into the field. */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "h5_common.h"

typedef struct h5_opt_ops {
    void (*write)(hid_t loc, const char *name, const ps_option *opt, const ps_options *o);
    /* an existing attribute into the field: 0, or 2 when of another type or value */
    int (*read)(hid_t loc, const char *name, const ps_option *opt, ps_options *dst);
} h5_opt_ops;

#define FIELD(T, o, opt) ((T)((char *)(o) + (opt)->offset))
#define CFIELD(T, o, opt) ((const T)((const char *)(o) + (opt)->offset))

/* ---- write ---- */

static void write_int(hid_t loc, const char *name, const ps_option *opt, const ps_options *o)
{
    const int64_t v = *CFIELD(int *, o, opt); /* group-size: 0 = auto */
    ps_h5_attr_write(loc, name, H5T_NATIVE_INT64, 0, &v);
}

static void write_flag(hid_t loc, const char *name, const ps_option *opt, const ps_options *o)
{
    const int64_t v = *CFIELD(int *, o, opt) == (int)opt->max; /* on = given (--no-theory) */
    ps_h5_attr_write(loc, name, H5T_NATIVE_INT64, 0, &v);
}

static void write_u64(hid_t loc, const char *name, const ps_option *opt, const ps_options *o)
{
    ps_h5_attr_write(loc, name, H5T_NATIVE_UINT64, 0, CFIELD(uint64_t *, o, opt));
}

static void write_double(hid_t loc, const char *name, const ps_option *opt,
                         const ps_options *o)
{
    ps_h5_attr_write(loc, name, H5T_NATIVE_DOUBLE, 0, CFIELD(double *, o, opt));
}

static void write_range(hid_t loc, const char *name, const ps_option *opt, const ps_options *o)
{
    const ps_range *g = CFIELD(ps_range *, o, opt);
    const double r[3] = {g->a, g->b, g->n};
    ps_h5_attr_write(loc, name, H5T_NATIVE_DOUBLE, 3, r);
}

/* the count under the option's name (an int64, as before A:B existed) and the first replica
 * number beside it */
#define ATTR_REPLICA_FIRST "replica_first"
static void write_replicas(hid_t loc, const char *name, const ps_option *opt,
                           const ps_options *o)
{
    const ps_replica_span *r = CFIELD(ps_replica_span *, o, opt);
    const int64_t n = r->n, first = r->first;
    ps_h5_attr_write(loc, name, H5T_NATIVE_INT64, 0, &n);
    ps_h5_attr_write(loc, ATTR_REPLICA_FIRST, H5T_NATIVE_INT64, 0, &first);
}

/* as the option's text (mode: "reduced") */
static void write_text(hid_t loc, const char *name, const ps_option *opt, const ps_options *o)
{
    char text[64];
    ps_option_format(opt, o, text, sizeof text);
    ps_h5_attr_write_string(loc, name, text);
}

static void write_string(hid_t loc, const char *name, const ps_option *opt,
                         const ps_options *o)
{
    ps_h5_attr_write_string(loc, name, *CFIELD(char *const *, o, opt));
}

/* ---- read ---- */

char *ps_h5_attr_read_string(hid_t loc, const char *name)
{
    if (PS_H5(H5Aexists(loc, name)) == 0) return NULL;
    hid_t a = (hid_t)PS_H5(H5Aopen(loc, name, H5P_DEFAULT));
    hid_t t = (hid_t)PS_H5(H5Aget_type(a));
    hid_t space = (hid_t)PS_H5(H5Aget_space(a));
    char *s = NULL;
    if (PS_H5(H5Tget_class(t)) == H5T_STRING && PS_H5(H5Sget_simple_extent_npoints(space)) == 1) {
        hid_t m = (hid_t)PS_H5(H5Tcopy(H5T_C_S1));
        /* HDF5 converts no string between character sets: read as stored */
        PS_H5(H5Tset_cset(m, H5Tget_cset(t)));
        if (PS_H5(H5Tis_variable_str(t))) {
            char *v = NULL;
            PS_H5(H5Tset_size(m, H5T_VARIABLE));
            PS_H5(H5Aread(a, m, &v));
            size_t n = v ? strlen(v) : 0;
            s = ps_malloc(n + 1, "string attribute");
            memcpy(s, v ? v : "", n + 1);
            if (v) PS_H5(H5free_memory(v));
        } else {
            size_t n = H5Tget_size(t);
            PS_H5(H5Tset_size(m, n + 1));
            PS_H5(H5Tset_strpad(m, H5T_STR_NULLTERM));
            s = ps_calloc(n + 1, 1, "string attribute");
            PS_H5(H5Aread(a, m, s));
        }
        PS_H5(H5Tclose(m));
    }
    PS_H5(H5Sclose(space));
    PS_H5(H5Tclose(t));
    PS_H5(H5Aclose(a));
    return s;
}


/* The attribute's n values as mem_type into buf when it holds n of class want (or of either
 * numeric class, want = H5T_NO_CLASS); 0, or 2 when not. */
static int read_numbers(hid_t loc, const char *name, H5T_class_t want, hssize_t n,
                        hid_t mem_type, void *buf)
{
    hid_t a = (hid_t)PS_H5(H5Aopen(loc, name, H5P_DEFAULT));
    hid_t t = (hid_t)PS_H5(H5Aget_type(a));
    hid_t space = (hid_t)PS_H5(H5Aget_space(a));
    H5T_class_t cls = (H5T_class_t)PS_H5(H5Tget_class(t));
    int fits = want == H5T_NO_CLASS ? cls == H5T_INTEGER || cls == H5T_FLOAT : cls == want;
    fits = fits && (hssize_t)PS_H5(H5Sget_simple_extent_npoints(space)) == n;
    if (fits) PS_H5(H5Aread(a, mem_type, buf));
    PS_H5(H5Sclose(space));
    PS_H5(H5Tclose(t));
    PS_H5(H5Aclose(a));
    return fits ? 0 : 2;
}

static int read_int(hid_t loc, const char *name, const ps_option *opt, ps_options *dst)
{
    int64_t v = 0;
    if (read_numbers(loc, name, H5T_INTEGER, 1, H5T_NATIVE_INT64, &v) || v < INT_MIN ||
        v > INT_MAX)
        return 2;
    *FIELD(int *, dst, opt) = (int)v;
    return 0;
}

static int read_flag(hid_t loc, const char *name, const ps_option *opt, ps_options *dst)
{
    int64_t v = 0;
    int rc = read_numbers(loc, name, H5T_INTEGER, 1, H5T_NATIVE_INT64, &v);
    *FIELD(int *, dst, opt) = (int)(v ? opt->max : opt->min);
    return rc;
}

static int read_u64(hid_t loc, const char *name, const ps_option *opt, ps_options *dst)
{
    uint64_t v = 0;
    int rc = read_numbers(loc, name, H5T_INTEGER, 1, H5T_NATIVE_UINT64, &v);
    *FIELD(uint64_t *, dst, opt) = v;
    return rc;
}

static int read_double(hid_t loc, const char *name, const ps_option *opt, ps_options *dst)
{
    double v = 0;
    int rc = read_numbers(loc, name, H5T_NO_CLASS, 1, H5T_NATIVE_DOUBLE, &v);
    *FIELD(double *, dst, opt) = v;
    return rc;
}

static int read_range(hid_t loc, const char *name, const ps_option *opt, ps_options *dst)
{
    double x[3] = {0, 0, 0};
    if (read_numbers(loc, name, H5T_NO_CLASS, 3, H5T_NATIVE_DOUBLE, x) ||
        !(x[2] >= 0 && x[2] <= INT_MAX) || x[2] != floor(x[2]))
        return 2;
    *FIELD(ps_range *, dst, opt) = (ps_range){x[0], x[1], (int)x[2]};
    return 0;
}

/* files from before A:B have no replica_first: their replicas start at 0 */
static int read_replicas(hid_t loc, const char *name, const ps_option *opt, ps_options *dst)
{
    int64_t n = 0, first = 0;
    if (read_numbers(loc, name, H5T_INTEGER, 1, H5T_NATIVE_INT64, &n)) return 2;
    if (PS_H5(H5Aexists(loc, ATTR_REPLICA_FIRST)) > 0 &&
        read_numbers(loc, ATTR_REPLICA_FIRST, H5T_INTEGER, 1, H5T_NATIVE_INT64, &first))
        return 2;
    if (n < 1 || n > INT_MAX || first < 0 || first > (int64_t)INT_MAX - n) return 2;
    *FIELD(ps_replica_span *, dst, opt) = (ps_replica_span){(int)n, (int)first};
    return 0;
}

/* the option's text, parsed as the command line's (mode: "reduced" or "explicit") */
static int read_text(hid_t loc, const char *name, const ps_option *opt, ps_options *dst)
{
    char *s = ps_h5_attr_read_string(loc, name), err[256];
    int rc = !s || ps_option_parse(opt, s, dst, err, sizeof err) ? 2 : 0;
    free(s);
    return rc;
}

/* stored as is ("" for an option not given); the caller frees it */
static int read_string(hid_t loc, const char *name, const ps_option *opt, ps_options *dst)
{
    char *s = ps_h5_attr_read_string(loc, name);
    if (!s) return 2;
    *FIELD(char **, dst, opt) = s;
    return 0;
}

static const h5_opt_ops h5_ops[PS_OPT_N_TYPES] = {
    [PS_OPT_INT] = {write_int, read_int},          [PS_OPT_U64] = {write_u64, read_u64},
    [PS_OPT_DOUBLE] = {write_double, read_double}, [PS_OPT_BYTES] = {write_double, read_double},
    [PS_OPT_RANGE] = {write_range, read_range},
    [PS_OPT_FLAG] = {write_flag, read_flag},       [PS_OPT_STRING] = {write_string, read_string},
    [PS_OPT_GROUP] = {write_int, read_int},
    [PS_OPT_REPLICAS] = {write_replicas, read_replicas},
    [PS_OPT_CHOICE] = {write_text, read_text},
};

/* ---- the attributes of a record ---- */

void ps_h5_attr_name(const ps_option *opt, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", opt->props & PS_OPT_STEERS ? "run_" : "", opt->name);
    for (char *c = buf; *c; c++)
        if (*c == '-') *c = '_';
}

void ps_h5_attr_write_record(hid_t loc, const ps_options *o, const char *kind,
                             const ps_provenance *pv)
{
    const long long version = PS_LAYOUT_VERSION;
    ps_h5_attr_write(loc, "layout_version", H5T_NATIVE_LLONG, 0, &version);
    ps_h5_attr_write_string(loc, "file_kind", kind);
    ps_h5_attr_write_string(loc, "Conventions", "CF-1.8");
    size_t n;
    const ps_option *table = ps_option_table(&n);
    if (o->cmd == PS_CMD_SWEEP) {
        /* the extra axes' names, in the file's dimension order ("" when none) */
        char axes[PS_MAX_AXES * 48] = "";
        for (int k = 0; k < o->n_axes; k++) {
            size_t used = strlen(axes);
            snprintf(axes + used, sizeof axes - used, "%s%s", k ? " " : "", o->axes[k].axis->dim);
        }
        ps_h5_attr_write_string(loc, "axes", axes);
    }
    for (size_t i = 0; i < n; i++) {
        const ps_option *opt = &table[i];
        if (!(opt->commands & (1u << o->cmd))) continue;
        /* an axis is its coordinate variable, not an attribute */
        if (ps_options_axis(o, opt)) continue;
        char name[64];
        ps_h5_attr_name(opt, name, sizeof name);
        h5_ops[opt->type].write(loc, name, opt, o);
    }
    ps_provenance_write(loc, pv);
}

/* 1 when the root attribute axes lists dim. */
static int listed_axis(hid_t loc, const char *dim)
{
    if (PS_H5(H5Aexists(loc, "axes")) <= 0) return 0;
    char *axes = ps_h5_attr_read_string(loc, "axes");
    int found = 0;
    for (char *c = axes ? strtok(axes, " ") : NULL; c && !found; c = strtok(NULL, " "))
        found = !strcmp(c, dim);
    free(axes);
    return found;
}

/* The coordinate variable of opt's axis into dst's axes, checked as the command line's
 * values are (ps_axis_parse: range, integers, distinct): 0, or 2 when not one. */
static int read_axis(hid_t loc, const ps_option *opt, const ps_axis *ax, ps_options *dst)
{
    hid_t d = (hid_t)PS_H5(H5Dopen2(loc, ax->dim, H5P_DEFAULT));
    hid_t sp = (hid_t)PS_H5(H5Dget_space(d)), t = (hid_t)PS_H5(H5Dget_type(d));
    int ok = PS_H5(H5Sget_simple_extent_ndims(sp)) == 1 &&
             PS_H5(H5Tget_class(t)) == (ax->kind == PS_AXIS_REAL ? H5T_FLOAT : H5T_INTEGER);
    hssize_t n = ok ? PS_H5(H5Sget_simple_extent_npoints(sp)) : 0;
    ok = ok && n >= 1 && n <= 100000;
    char *text = NULL;
    if (ok) {
        ps_axis_value *v = ps_malloc(sizeof *v * (size_t)n, "axis values");
        hid_t mem = ax->kind == PS_AXIS_REAL  ? H5T_NATIVE_DOUBLE
                    : ax->kind == PS_AXIS_INT ? H5T_NATIVE_INT64
                                              : H5T_NATIVE_UINT64;
        void *buf = ps_malloc(8 * (size_t)n, "axis values");
        PS_H5(H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf));
        text = ps_malloc(32 * (size_t)n + 1, "axis values");
        size_t used = 0;
        for (hssize_t i = 0; i < n; i++) {
            memset(&v[i], 0, sizeof v[i]);
            if (ax->kind == PS_AXIS_REAL) memcpy(&v[i].x, (char *)buf + 8 * i, 8);
            else if (ax->kind == PS_AXIS_INT) memcpy(&v[i].i, (char *)buf + 8 * i, 8);
            else memcpy(&v[i].u, (char *)buf + 8 * i, 8);
            char x[32];
            ps_axis_format(ax, v[i], x, sizeof x);
            used += (size_t)snprintf(text + used, 32 * (size_t)n + 1 - used, "%s%s",
                                     i ? "," : "", x);
        }
        free(buf);
        free(v);
    }
    PS_H5(H5Tclose(t));
    PS_H5(H5Sclose(sp));
    PS_H5(H5Dclose(d));
    char err[256];
    ok = ok && ps_axis_parse(opt, text, dst, err, sizeof err) == 0;
    free(text);
    return ok ? 0 : 2;
}

int ps_h5_attr_read_option(hid_t loc, const ps_option *opt, ps_options *dst)
{
    char name[64];
    ps_h5_attr_name(opt, name, sizeof name);
    if (PS_H5(H5Aexists(loc, name)) == 0) {
        char dim[64];
        snprintf(dim, sizeof dim, "%s", opt->name);
        for (char *c = dim; *c; c++)
            if (*c == '-') *c = '_';
        const ps_axis *ax = (opt->props & PS_OPT_AXIS) ? ps_axis_find(dim) : NULL;
        if (ax && listed_axis(loc, dim) && PS_H5(H5Lexists(loc, dim, H5P_DEFAULT)) > 0)
            return read_axis(loc, opt, ax, dst);
        return 1;
    }
    ps_axis_drop(dst, opt); /* a scalar */
    return h5_ops[opt->type].read(loc, name, opt, dst);
}

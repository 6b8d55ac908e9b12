/* h5_layout: a layout table (include/layout.h) made into HDF5 datasets the netCDF-4 data
 * model reads: every variable in one group with its dimension scales, link and attribute
 * creation order tracked, CF attributes (long_name, units, description, _FillValue,
 * flag_values/flag_meanings). Shared by h5_sweep.c, h5_trace.c and info.c. */
#define _POSIX_C_SOURCE 200809L
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "h5_common.h"

hid_t ps_h5_var_mem_type(const ps_layout_var *v)
{
    switch (v->type) {
    case PS_VAR_F64: return H5T_NATIVE_DOUBLE;
    case PS_VAR_I64: return H5T_NATIVE_INT64;
    case PS_VAR_I32: return H5T_NATIVE_INT32;
    case PS_VAR_I8: return H5T_NATIVE_INT8;
    case PS_VAR_U8: return H5T_NATIVE_UINT8;
    case PS_VAR_U64: return H5T_NATIVE_UINT64;
    }
    return H5T_NATIVE_DOUBLE;
}

static hid_t file_type(const ps_layout_var *v)
{
    switch (v->type) {
    case PS_VAR_F64: return H5T_IEEE_F64LE;
    case PS_VAR_I64: return H5T_STD_I64LE;
    case PS_VAR_I32: return H5T_STD_I32LE;
    case PS_VAR_I8: return H5T_STD_I8LE;
    case PS_VAR_U8: return H5T_STD_U8LE;
    case PS_VAR_U64: return H5T_STD_U64LE;
    }
    return H5T_IEEE_F64LE;
}

H5T_class_t ps_h5_var_class(const ps_layout_var *v)
{
    return v->type == PS_VAR_F64 ? H5T_FLOAT : H5T_INTEGER;
}

/* The fill as the variable's memory type (8 bytes are enough for any). */
static void fill_value(const ps_layout_var *v, void *buf)
{
    const double nan = NAN;
    const int64_t m64 = -1;
    const int32_t m32 = -1;
    const int8_t m8 = -1;
    memset(buf, 0, 8);
    if (v->fill == PS_FILL_NAN) memcpy(buf, &nan, sizeof nan);
    else if (v->fill == PS_FILL_MINUS1 && v->type == PS_VAR_I64) memcpy(buf, &m64, 8);
    else if (v->fill == PS_FILL_MINUS1 && v->type == PS_VAR_I32) memcpy(buf, &m32, 4);
    else if (v->fill == PS_FILL_MINUS1 && v->type == PS_VAR_I8) memcpy(buf, &m8, 1);
}

hid_t ps_h5_file_create_plist(void)
{
    hid_t fcpl = (hid_t)PS_H5(H5Pcreate(H5P_FILE_CREATE));
    /* netCDF-C lists variables and attributes in creation order */
    PS_H5(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
    PS_H5(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
    return fcpl;
}

static int dim_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return i;
    ps_fail(PS_EXIT_FAIL, "layout", "dimension %s has no size", name);
    return -1;
}

void ps_h5_create_layout(hid_t loc, const ps_layout *L, const char *const *dim_names,
                         const hsize_t *dim_sizes, int n_dims, hid_t *dsets)
{
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        hsize_t dims[PS_LAYOUT_MAX_DIMS];
        for (int d = 0; d < v->ndims; d++)
            dims[d] = dim_sizes[dim_index(dim_names, n_dims, v->dims[d])];
        hid_t space = (hid_t)PS_H5(H5Screate_simple(v->ndims, dims, NULL));
        hid_t dcpl = (hid_t)PS_H5(H5Pcreate(H5P_DATASET_CREATE));
        /* contiguous, allocated and filled at creation: nothing is allocated or filled later */
        PS_H5(H5Pset_layout(dcpl, H5D_CONTIGUOUS));
        PS_H5(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY));
        PS_H5(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC));
        PS_H5(H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
        PS_H5(H5Pset_obj_track_times(dcpl, 0));
        unsigned char fill[8];
        fill_value(v, fill);
        if (v->fill != PS_FILL_NONE) PS_H5(H5Pset_fill_value(dcpl, ps_h5_var_mem_type(v), fill));
        hid_t ds = (hid_t)PS_H5(H5Dcreate2(loc, v->name, file_type(v), space, H5P_DEFAULT, dcpl,
                                           H5P_DEFAULT));
        PS_H5(H5Pclose(dcpl));
        PS_H5(H5Sclose(space));
        if (ps_layout_is_scale(v)) PS_H5(H5DSset_scale(ds, v->name));
        ps_h5_attr_write_string(ds, "long_name", v->long_name);
        ps_h5_attr_write_string(ds, "units", v->units);
        ps_h5_attr_write_string(ds, "description", v->description);
        if (v->fill != PS_FILL_NONE) ps_h5_attr_write(ds, "_FillValue", file_type(v), 0, fill);
        if (L->coordinates && ps_layout_is_task_var(v))
            ps_h5_attr_write_string(ds, "coordinates", L->coordinates);
        if (v->flag_meanings) {
            int8_t values[16];
            hsize_t n = 0;
            for (const char *c = v->flag_meanings; *c && n < 16; n++) {
                values[n] = (int8_t)n;
                c += strcspn(c, " ");
                c += strspn(c, " ");
            }
            /* CF: flag_values of the variable's type; int8 and uint8 agree on 0 .. 15 */
            ps_h5_attr_write(ds, "flag_values", ps_h5_var_mem_type(v), n, values);
            ps_h5_attr_write_string(ds, "flag_meanings", v->flag_meanings);
        }
        dsets[k] = ds;
    }
    /* every dimension of every other variable attached to its scale */
    for (int k = 0; k < L->n_vars; k++) {
        const ps_layout_var *v = &L->vars[k];
        if (ps_layout_is_scale(v)) continue;
        for (int d = 0; d < v->ndims; d++) {
            const ps_layout_var *s = ps_layout_find(L, v->dims[d]);
            if (!s) ps_fail(PS_EXIT_FAIL, "layout", "dimension %s has no scale", v->dims[d]);
            PS_H5(H5DSattach_scale(dsets[k], dsets[s - L->vars], (unsigned)d));
        }
    }
}

void ps_h5_layout_problem(hid_t loc, const ps_layout *L, const char *const *dim_names,
                          const hsize_t *dim_sizes, int n_dims, char *why, size_t len)
{
    why[0] = 0;
    for (int k = 0; k < L->n_vars && !why[0]; k++) {
        const ps_layout_var *v = &L->vars[k];
        ps_h5_errors saved;
        ps_h5_quiet(&saved);
        hid_t d = H5Dopen2(loc, v->name, H5P_DEFAULT);
        ps_h5_loud(&saved);
        if (d < 0) {
            ps_h5_quiet(&saved);
            htri_t there = H5Lexists(loc, v->name, H5P_DEFAULT);
            ps_h5_loud(&saved);
            snprintf(why, len, there > 0 ? "variable %s cannot be opened (a damaged object "
                     "header)" : "variable %s is missing", v->name);
            break;
        }
        hid_t space = (hid_t)PS_H5(H5Dget_space(d)), type = (hid_t)PS_H5(H5Dget_type(d));
        hid_t dcpl = (hid_t)PS_H5(H5Dget_create_plist(d));
        /* as ps_h5_create_layout makes it: contiguous, no filter (a compressed or chunked
         * variable cannot take MPI-IO's single-element writes), no external file (which
         * would be read from, or written to, another path) */
        if (PS_H5(H5Pget_layout(dcpl)) != H5D_CONTIGUOUS || PS_H5(H5Pget_nfilters(dcpl)) != 0 ||
            PS_H5(H5Pget_external_count(dcpl)) != 0)
            snprintf(why, len, "variable %s is stored with a filter, in chunks or in an external "
                     "file; phasesweep writes contiguous variables without filters", v->name);
        PS_H5(H5Pclose(dcpl));
        hsize_t got[PS_LAYOUT_MAX_DIMS] = {0}, want[PS_LAYOUT_MAX_DIMS] = {0};
        int ok = PS_H5(H5Sget_simple_extent_ndims(space)) == v->ndims &&
                 PS_H5(H5Tget_class(type)) == ps_h5_var_class(v) &&
                 PS_H5(H5Tequal(type, file_type(v))) > 0;
        if (ok) PS_H5(H5Sget_simple_extent_dims(space, got, NULL));
        for (int i = 0; i < v->ndims; i++) {
            want[i] = dim_sizes ? dim_sizes[dim_index(dim_names, n_dims, v->dims[i])] : got[i];
            ok = ok && got[i] == want[i];
        }
        if (!ok && !why[0]) {
            int n = snprintf(why, len, "variable %s is not %s of shape [", v->name,
                             ps_var_type_name(v->type));
            for (int i = 0; i < v->ndims && n > 0 && (size_t)n < len; i++)
                n += snprintf(why + n, len - (size_t)n, "%s%s=%llu", i ? ", " : "", v->dims[i],
                              (unsigned long long)want[i]);
            if (n > 0 && (size_t)n < len) snprintf(why + n, len - (size_t)n, "]");
        }
        PS_H5(H5Tclose(type));
        PS_H5(H5Sclose(space));
        PS_H5(H5Dclose(d));
    }
}

int ps_h5_file_layout(hid_t f, char *kind, size_t len)
{
    long long version = 0;
    kind[0] = 0;
    if (PS_H5(H5Aexists(f, "layout_version")) > 0) {
        hid_t a = (hid_t)PS_H5(H5Aopen(f, "layout_version", H5P_DEFAULT));
        hid_t t = (hid_t)PS_H5(H5Aget_type(a));
        if (PS_H5(H5Tget_class(t)) == H5T_INTEGER) PS_H5(H5Aread(a, H5T_NATIVE_LLONG, &version));
        PS_H5(H5Tclose(t));
        PS_H5(H5Aclose(a));
    }
    char *s = ps_h5_attr_read_string(f, "file_kind");
    if (s) snprintf(kind, len, "%s", s);
    free(s);
    return (int)version;
}

const char *ps_h5_not_this_layout(hid_t f, const char *want_kind, char *why, size_t len)
{
    char kind[32];
    int version = ps_h5_file_layout(f, kind, sizeof kind);
    why[0] = 0;
    if (version == 0 && (PS_H5(H5Lexists(f, "results", H5P_DEFAULT)) > 0 ||
                         PS_H5(H5Lexists(f, "gd", H5P_DEFAULT)) > 0))
        snprintf(why, len, "a phasesweep file of the older layout 1 (/grid, /results); this "
                 "phasesweep reads layout %d only: rerun it, or read it with h5py",
                 PS_LAYOUT_VERSION);
    else if (version == 0)
        snprintf(why, len, "not a phasesweep file (no layout_version attribute)");
    else if (version != PS_LAYOUT_VERSION)
        snprintf(why, len, "a phasesweep file of layout %d; this phasesweep reads layout %d",
                 version, PS_LAYOUT_VERSION);
    else if (strcmp(kind, want_kind))
        snprintf(why, len, "a phasesweep %s file, not a %s file", kind[0] ? kind : "(unknown)",
                 want_kind);
    return why[0] ? why : NULL;
}

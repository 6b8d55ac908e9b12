/* layout: the one definition of the files phasesweep writes (layout_version 2): every variable
 * of a sweep file and of a trace file with its type, fill, dimensions, units (UDUNITS),
 * long_name, description and CF flag meanings. h5_sweep.c and h5_trace.c create from these
 * tables, the --resume check and `info` read through them, `phasesweep info --layout json`
 * prints them and analysis/layout.py mirrors them (tests/python compares the two).
 * The result-field table names each ps_result field once (offsetof and C type): the sweep
 * writer and reader, the trace's attributes and `run`'s printer all iterate it, so a new
 * metric is a field in run.h, its row in layout.c and, for the sweep file, its variable's row. */
#ifndef PS_LAYOUT_H
#define PS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PS_LAYOUT_VERSION 2

enum ps_var_type { PS_VAR_F64, PS_VAR_I64, PS_VAR_I32, PS_VAR_I8, PS_VAR_U8, PS_VAR_U64 };
/* A variable's dimensions: up to 16 extra axes, gamma_s, gamma_w, replica, iteration. */
#define PS_LAYOUT_MAX_DIMS 20
#define PS_LAYOUT_MAX_VARS 48
/* PS_FILL_NONE: HDF5's default fill (0) and no _FillValue attribute (coordinates, done). */
enum ps_var_fill { PS_FILL_NONE, PS_FILL_NAN, PS_FILL_MINUS1 };
/* A variable present only in some files: PS_ONLY_CURVES, in sweep files made with --curves. */
enum ps_var_only { PS_ONLY_ALWAYS, PS_ONLY_CURVES };

typedef struct ps_layout_var {
    const char *name;
    enum ps_var_type type;
    enum ps_var_fill fill;
    int ndims;
    const char *dims[PS_LAYOUT_MAX_DIMS]; /* a 1-d variable named as its dimension is its scale */
    const char *units, *long_name, *description;
    const char *flag_meanings; /* CF: meanings of flag_values 0, 1, ...; NULL when no flags */
    enum ps_var_only only;     /* PS_ONLY_ALWAYS (0), or the option that brings it */
} ps_layout_var;

typedef struct ps_layout {
    const char *kind;          /* "sweep" or "trace", the root attribute file_kind */
    int n_vars;
    const ps_layout_var *vars; /* scales first, then coordinates, then data (done last) */
    const char *coordinates;   /* CF auxiliary coordinates of every variable of rank >= 2 */
} ps_layout;

/* The C type of a ps_result field: double, int, int64_t, enum ps_stop. */
enum ps_field_kind { PS_FIELD_F64, PS_FIELD_INT, PS_FIELD_I64, PS_FIELD_STOP };
typedef struct ps_result_field {
    const char *name;  /* the sweep variable, trace attribute and `run` key of that name */
    enum ps_field_kind kind;
    size_t offset;     /* offsetof(ps_result, field) */
} ps_result_field;
struct ps_result;

/* Every field, in the order `phasesweep run` prints them (its JSON key order, a contract). */
const ps_result_field *ps_result_fields(int *n);
const ps_result_field *ps_result_field_find(const char *name); /* NULL when none */
double ps_result_f64(const ps_result_field *f, const struct ps_result *r);  /* F64 fields */
int64_t ps_result_int(const ps_result_field *f, const struct ps_result *r); /* the others */
/* Stores x (an F64 field) or i (the others) into r's field f. */
void ps_result_store(const ps_result_field *f, struct ps_result *r, double x, int64_t i);

/* The sweep file without --curves (today's file; what every older file holds). */
const ps_layout *ps_layout_sweep(void);
/* An extra axis of a sweep file (issue #19): its dimension, the coordinate's type, long_name. */
typedef struct ps_layout_axis {
    const char *dim;
    enum ps_var_type type;
    const char *long_name;
} ps_layout_axis;
typedef struct ps_layout_nd {
    ps_layout L;
    ps_layout_var vars[PS_LAYOUT_MAX_VARS];
} ps_layout_nd;
/* The sweep layout of a sweep with k extra axes (k <= PS_LAYOUT_MAX_DIMS - 4), built in buf:
 * each axis' scale first (in the order given), then the table's variables, the per-task ones
 * with dims (axis_1, .., axis_k, gamma_s, gamma_w, replica), sigma2 (d, gamma_s) and width
 * (d, gamma_w) when d is an axis. With curves, the curve variables too (dims: the task dims, then iteration). k = 0 is ps_layout_sweep_for(curves)'s table, variable for variable.
 * The strings are the caller's and the table's: buf holds pointers only. */
const ps_layout *ps_layout_sweep_nd(ps_layout_nd *buf, int curves, int k, const ps_layout_axis *axes);
/* 1 for a per-task variable (a value per task: dims ending in gamma_s, gamma_w, replica). */
int ps_layout_is_task_var(const ps_layout_var *v);
/* The sweep file of a sweep with (curves = 1) or without --curves: the table's variables
 * whose `only` is PS_ONLY_ALWAYS, plus with curves the `iteration` scale and the curve
 * variables (dims: the task dims, then iteration). */
const ps_layout *ps_layout_sweep_for(int curves);
const ps_layout *ps_layout_trace(void);
/* The variable of that name, or NULL. */
const ps_layout_var *ps_layout_find(const ps_layout *L, const char *name);
/* 1 when v is the scale of its own (only) dimension. */
int ps_layout_is_scale(const ps_layout_var *v);
const char *ps_var_type_name(enum ps_var_type t); /* numpy spelling: "float64", "int8", ... */
/* Both layouts as one JSON object: {"layout_version": 2, "sweep": [...], "trace": [...]};
 * the sweep list is the whole table, each variable with "only": null or "curves". */
void ps_layout_json(FILE *out);

#endif

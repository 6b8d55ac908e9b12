/* axes: the dimensions of a sweep file's per-task variables, by name, and the run parameter
 * each one sets: gamma_s, gamma_w and replica today (set by ps_task_params, tasks.h), and
 * the extra axes of issue #19 (d, rank, noise, lr_scale, max_iter, seed, ...; the option's
 * name with '-' -> '_'). One table, so that a reader of the file (trace --from) and the
 * N-dimensional sweep map a dimension to ps_params the same way. */
#ifndef PS_AXES_H
#define PS_AXES_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"

/* The C type of the ps_params field, which is also how the axis' coordinate is read: REAL
 * float64, INT int64 (into an int field), U64 uint64. */
enum ps_axis_kind { PS_AXIS_REAL, PS_AXIS_INT, PS_AXIS_U64 };

typedef struct ps_axis {
    const char *dim;    /* the dimension's (and its coordinate variable's) name */
    const char *option; /* the command-line option it comes from, for messages */
    enum ps_axis_kind kind;
    size_t offset;      /* offsetof(ps_params, field) */
    int grid;           /* 1: a dimension of every sweep, which ps_task_params already sets */
    int teacher;        /* 1: defines the teacher (d, rank, noise, observed: the mask, seed; replica as well) */
} ps_axis;

/* A coordinate value of any kind: x for REAL, i for INT, u for U64. */
typedef struct ps_axis_value {
    double x;
    int64_t i;
    uint64_t u;
} ps_axis_value;

/* Every axis, in the table's order (the grid's three first, then the extra axes: one per
 * row of the options table marked PS_OPT_AXIS, in that table's order, derived from it: a new
 * number option with that mark is an axis without a row here). */
const ps_axis *ps_axes(int *n);
/* The axis of that dimension name, or NULL. */
const ps_axis *ps_axis_find(const char *dim);
/* p's field of axis a, and storing v into it (INT: v.i must fit an int; 0, or -1 if not). */
ps_axis_value ps_axis_get(const ps_axis *a, const ps_params *p);
int ps_axis_set(const ps_axis *a, ps_params *p, ps_axis_value v);
/* 1 when u and v are the same value of a's kind (REAL: bit for bit). */
int ps_axis_same(const ps_axis *a, ps_axis_value u, ps_axis_value v);
/* v as text ("%.17g" or the integer), for notes and messages. */
void ps_axis_format(const ps_axis *a, ps_axis_value v, char *buf, size_t len);

#endif

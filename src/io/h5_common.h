/* h5_common: helpers shared by the files of src/io that read or write phasesweep's HDF5 files
 * (h5io.c, h5_options.c, h5_trace.c, h5_sweep.c, h5_layout.c, part.c); private to them. What the commands
 * (info.c, merge.c) use is public in include/h5_file.h, included here; the attribute writers
 * below them: h5_attr.h. Options are stored as root attributes named
 * after the option with '-' -> '_', run-steering options (cli.h) prefixed run_:
 * INT/GROUP/FLAG int64 (flags 0/1, group 0 = auto), U64 uint64, DOUBLE/BYTES float64, RANGE
 * float64[3] {a, b, n}, MODE/STRING variable-length UTF-8 strings, REPLICAS the count as int64
 * `replicas` and the first replica number as int64 `replica_first` (0 when missing). */
#ifndef PS_H5_COMMON_H
#define PS_H5_COMMON_H

#include <hdf5.h>

#include "cli.h"
#include "h5_attr.h"
#include "h5_file.h"
#include "layout.h"
#include "provenance.h"
#include "run.h"

/* Turns HDF5's own error-stack printing off around calls whose failure we report ourselves. */
typedef struct ps_h5_errors { H5E_auto2_t fn; void *data; } ps_h5_errors;
void ps_h5_quiet(ps_h5_errors *saved);
void ps_h5_loud(const ps_h5_errors *saved);

/* "" when path's directory exists and is writable, else the reason (for --out). */
void ps_h5_out_dir_problem(const char *path, char *why, size_t len);

/* layout_version, file_kind and Conventions, every option o->cmd takes, then provenance. */
void ps_h5_attr_write_record(hid_t loc, const ps_options *o, const char *kind,
                             const ps_provenance *pv);

/* ---- layouts (h5_layout.c) ---- */
hid_t ps_h5_var_mem_type(const ps_layout_var *v);
H5T_class_t ps_h5_var_class(const ps_layout_var *v);
/* A file creation property list tracking link and attribute creation order (netCDF-C). */
hid_t ps_h5_file_create_plist(void);
/* Creates every variable of L in loc (dims sized by name), its attributes and scales; the
 * open datasets in dsets[L->n_vars], in the table's order. */
void ps_h5_create_layout(hid_t loc, const ps_layout *L, const char *const *dim_names,
                         const hsize_t *dim_sizes, int n_dims, hid_t *dsets);
/* The root attributes layout_version (0 when missing) and file_kind ("" when missing). */
int ps_h5_file_layout(hid_t f, char *kind, size_t len);

/* ---- learning curves of sweep --curves (h5_curves.c) ---- */
#define PS_CURVES_MAX_VARS 8
typedef struct ps_curves ps_curves;
/* The curve variables of L (open in file, dims: task_dims, then ps_curve_points(o)). */
ps_curves *ps_curves_open(hid_t file, const ps_layout *L, const hsize_t *task_dims,
                          int n_task_dims, const ps_options *o);
/* One task's curves (task: its index per task dim) from its trace: iterations 0, K, 2K, ...,
 * NaN after the last recorded one. Independent I/O through dxpl; allocates nothing. */
void ps_curves_write(ps_curves *c, const hsize_t *task, const ps_trace *tr, hid_t dxpl);
void ps_curves_close(ps_curves *c); /* NULL: nothing */
/* 1 for a curve variable (a PS_ONLY_CURVES row of rank > 1). */
int ps_curves_is_var(const ps_layout_var *v);
/* The `iteration` scale's values, ps_curve_points(o) of them. */
void ps_curve_iterations(const ps_options *o, int64_t *it);
/* "" or why file's `iteration` variable (of the right shape: checked before) differs from
 * the values a sweep of o writes. */
void ps_curves_iteration_problem(hid_t file, const ps_options *o, char *why, size_t len);

#endif

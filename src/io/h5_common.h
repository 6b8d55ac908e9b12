/* h5_common: helpers shared by the files that read or write phasesweep's HDF5 files (h5io.c,
 * h5_options.c, h5_trace.c, h5_sweep.c, h5_layout.c, info.c, part.c, merge.c); private to
 * them (the attribute writers below them: h5_attr.h). Options are stored as root attributes named
 * after the option with '-' -> '_', run-steering options (cli.h) prefixed run_:
 * INT/GROUP/FLAG int64 (flags 0/1, group 0 = auto), U64 uint64, DOUBLE/BYTES float64, RANGE
 * float64[3] {a, b, n}, MODE/STRING variable-length UTF-8 strings. */
#ifndef PS_H5_COMMON_H
#define PS_H5_COMMON_H

#include <hdf5.h>

#include "cli.h"
#include "h5_attr.h"
#include "layout.h"
#include "provenance.h"

#define PS_H5_MSG 4096 /* room for a one-line message listing every difference */

/* Turns HDF5's own error-stack printing off around calls whose failure we report ourselves. */
typedef struct ps_h5_errors { H5E_auto2_t fn; void *data; } ps_h5_errors;
void ps_h5_quiet(ps_h5_errors *saved);
void ps_h5_loud(const ps_h5_errors *saved);

/* Opens path serially (read-only or RDWR); -1 with "<what>: <path>: <reason>" in why when it
 * is missing, unreadable or not HDF5 (the caller refuses it: exit status 2). */
hid_t ps_h5_open_serial(const char *path, unsigned flags, const char *what, char *why,
                        size_t len);
/* "" when path's directory exists and is writable, else the reason (for --out). */
void ps_h5_out_dir_problem(const char *path, char *why, size_t len);

void ps_h5_attr_name(const ps_option *opt, char *buf, size_t len);
/* layout_version, file_kind and Conventions, every option o->cmd takes, then provenance. */
void ps_h5_attr_write_record(hid_t loc, const ps_options *o, const char *kind,
                             const ps_provenance *pv);

/* A string attribute (fixed or variable length) as a malloc'ed C string; NULL if not one. */
char *ps_h5_attr_read_string(hid_t loc, const char *name);
/* Reads opt's attribute into opt's field of dst. 0: read; 1: missing; 2: of another type.
 * A string read is malloc'ed and stored in the field: the caller frees it. */
int ps_h5_attr_read_option(hid_t loc, const ps_option *opt, ps_options *dst);

/* ---- layouts (h5_layout.c) ---- */
hid_t ps_h5_var_mem_type(const ps_layout_var *v);
H5T_class_t ps_h5_var_class(const ps_layout_var *v);
/* A file creation property list tracking link and attribute creation order (netCDF-C). */
hid_t ps_h5_file_create_plist(void);
/* Creates every variable of L in loc (dims sized by name), its attributes and scales; the
 * open datasets in dsets[L->n_vars], in the table's order. */
void ps_h5_create_layout(hid_t loc, const ps_layout *L, const char *const *dim_names,
                         const hsize_t *dim_sizes, int n_dims, hid_t *dsets);
/* The first variable of L missing in loc or not of its type and shape, as a line in why;
 * "" when none. dim_sizes NULL: any shape of the right rank. */
void ps_h5_layout_problem(hid_t loc, const ps_layout *L, const char *const *dim_names,
                          const hsize_t *dim_sizes, int n_dims, char *why, size_t len);
/* The root attributes layout_version (0 when missing) and file_kind ("" when missing). */
int ps_h5_file_layout(hid_t f, char *kind, size_t len);
/* NULL when f is a file of this layout version and of kind want_kind, else why it is not
 * ("a phasesweep file of the older layout 1 ...", "a phasesweep trace file, not a sweep
 * file", ...), written into why. */
const char *ps_h5_not_this_layout(hid_t f, const char *want_kind, char *why, size_t len);

#endif

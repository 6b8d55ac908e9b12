/* h5_file: what the commands (info, merge) need of the io layer's HDF5 helpers to look at a
 * phasesweep file: open it serially, tell its layout and kind, check its variables' shapes,
 * read its option and string attributes. Implemented in src/io (h5io.c, h5_layout.c); the
 * rest of those helpers is private to src/io (src/io/h5_common.h). Options are stored as
 * root attributes named after the option with '-' -> '_', run-steering options (cli.h)
 * prefixed run_. */
#ifndef PS_H5_FILE_H
#define PS_H5_FILE_H

#include <hdf5.h>
#include <stddef.h>

#include "cli.h"
#include "layout.h"

#define PS_H5_MSG 4096 /* room for a one-line message listing every difference */

/* Opens path serially (read-only or RDWR); "<what>: <path>: <reason>" with exit status 2 when
 * it is missing, unreadable or not HDF5. Returns -1 and fills why instead when why != NULL. */
hid_t ps_h5_open_serial(const char *path, unsigned flags, const char *what, char *why,
                        size_t len);
void ps_h5_attr_name(const ps_option *opt, char *buf, size_t len);
/* A string attribute (fixed or variable length) as a malloc'ed C string; NULL if not one. */
char *ps_h5_attr_read_string(hid_t loc, const char *name);
/* Reads opt's attribute into opt's field of dst. 0: read; 1: missing; 2: of another type.
 * A string read is malloc'ed and stored in the field: the caller frees it. */
int ps_h5_attr_read_option(hid_t loc, const ps_option *opt, ps_options *dst);
/* The first variable of L missing in loc or not of its type and shape, as a line in why;
 * "" when none. dim_sizes NULL: any shape of the right rank. */
void ps_h5_layout_problem(hid_t loc, const ps_layout *L, const char *const *dim_names,
                          const hsize_t *dim_sizes, int n_dims, char *why, size_t len);
/* NULL when f is a file of this layout version and of kind want_kind, else why it is not
 * ("a phasesweep file of the older layout 1 ...", "a phasesweep trace file, not a sweep
 * file", ...), written into why. */
const char *ps_h5_not_this_layout(hid_t f, const char *want_kind, char *why, size_t len);

#endif

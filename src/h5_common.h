/* h5_common: helpers shared by the HDF5 files of h5io (h5io.c, h5_trace.c, h5_sweep.c,
 * info.c); private to them. Options are stored as root attributes named after the option with
 * '-' -> '_': INT/GROUP/FLAG int64 (flags 0/1, group 0 = auto), U64 uint64, DOUBLE/BYTES
 * float64, RANGE float64[3] {a, b, n}, MODE/STRING variable-length UTF-8 strings. */
#ifndef PS_H5_COMMON_H
#define PS_H5_COMMON_H

#include <hdf5.h>

#include "cli.h"

#ifndef PS_VERSION
#define PS_VERSION "0.1.0"
#endif

#define PS_H5_MSG 4096 /* room for a one-line message listing every difference */

/* Turns HDF5's own error-stack printing off around calls whose failure we report ourselves. */
typedef struct ps_h5_errors { H5E_auto2_t fn; void *data; } ps_h5_errors;
void ps_h5_quiet(ps_h5_errors *saved);
void ps_h5_loud(const ps_h5_errors *saved);

/* Opens path serially (read-only or RDWR); "<what>: <path>: <reason>" with exit status 2 when
 * it is missing, unreadable or not HDF5. Returns -1 and fills why instead when why != NULL. */
hid_t ps_h5_open_serial(const char *path, unsigned flags, const char *what, char *why,
                        size_t len);
/* "" when path's directory exists and is writable, else the reason (for --out). */
void ps_h5_out_dir_problem(const char *path, char *why, size_t len);

void ps_h5_attr_name(const ps_option *opt, char *buf, size_t len);
void ps_h5_attr_write(hid_t loc, const char *name, hid_t type, hsize_t n, const void *buf);
void ps_h5_attr_write_string(hid_t loc, const char *name, const char *s);
/* Every option o->cmd takes, then version, created and command_line. */
void ps_h5_attr_write_record(hid_t loc, const ps_options *o, const char *created);
/* ISO 8601 UTC, e.g. 2024-05-01T12:00:00Z. */
void ps_h5_now(char *buf, size_t len);

/* A string attribute (fixed or variable length) as a malloc'ed C string; NULL if not one. */
char *ps_h5_attr_read_string(hid_t loc, const char *name);
/* Reads opt's attribute into opt's field of dst. 0: read; 1: missing; 2: of another type.
 * A string read is malloc'ed and stored in the field: the caller frees it. */
int ps_h5_attr_read_option(hid_t loc, const ps_option *opt, ps_options *dst);

#endif

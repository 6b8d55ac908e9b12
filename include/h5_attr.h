/* h5_attr: the lowest HDF5 helpers: write one attribute (a scalar or a 1-D array of n) or one
 * variable-length UTF-8 string attribute, failures through PS_H5; and the UTC time stamp
 * stored in files and lock files. Below every file-layer module; uses none of them. */
#ifndef PS_H5_ATTR_H
#define PS_H5_ATTR_H

#include <hdf5.h>
#include <stddef.h>

/* n == 0: a scalar; else a 1-D array of n elements of type. */
void ps_h5_attr_write(hid_t loc, const char *name, hid_t type, hsize_t n, const void *buf);
/* NULL s is written as "". */
void ps_h5_attr_write_string(hid_t loc, const char *name, const char *s);
/* ISO 8601 UTC, e.g. 2024-05-01T12:00:00Z ("unknown" when the clock fails). */
void ps_h5_now(char *buf, size_t len);

#endif

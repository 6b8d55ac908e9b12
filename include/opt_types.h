/* opt_types: the operations of each option value type (enum ps_opt_type), one row per type:
 * parse text into the field, format the field as text, the accepted range as text, equality.
 * The parser, --help, the records in files and the --resume comparison go through this table
 * only; adding a type is one row here (and one in the HDF5 table, h5_common.h). The element
 * parsers below read one scalar number with its range check, for a later parser of axes
 * (A:B:N, v1,v2,...) to reuse element by element. */
#ifndef PS_OPT_TYPES_H
#define PS_OPT_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include "cli.h"

typedef struct ps_opt_type_ops {
    const char *metavar; /* the value's name in --help ("" for a flag) */
    /* text into the field at `field`; 0, or -1 with one line in err (no option name) */
    int (*parse)(const ps_option *opt, const char *text, void *field, char *err, size_t len);
    void (*format)(const ps_option *opt, const void *field, char *buf, size_t len);
    /* the accepted values, e.g. "[2, 65536]", "(0, 1e+12]", "reduced | explicit" */
    void (*range)(const ps_option *opt, char *buf, size_t len);
    int (*equal)(const ps_option *opt, const void *a, const void *b);
    /* the default as --help shows it; NULL: format */
    void (*help_default)(const ps_option *opt, const void *field, char *buf, size_t len);
    int help_range; /* --help prints the range (numbers, modes; not flags and file names) */
    /* "CMD needs --NAME <needs>", followed by the range and ")" when help_range */
    const char *needs;
    int takes_value; /* 0: a flag, given alone (--no-theory); 1: --NAME VALUE or --NAME=VALUE */
    size_t size;     /* bytes of the field in ps_options (to copy a value from one to another) */
} ps_opt_type_ops;

const ps_opt_type_ops *ps_opt_type(enum ps_opt_type type);

/* One scalar element of a number option, the whole of text, checked against opt's range
 * (min, max, min_open). 0, or one of these with one line in err naming the text and, out of
 * range, the accepted range: "'x' is not a number", "'300' is out of range [1, 256]". */
enum { PS_ELEM_OK = 0, PS_ELEM_MALFORMED = -1, PS_ELEM_NONFINITE = -2, PS_ELEM_RANGE = -3 };
int ps_opt_elem_double(const ps_option *opt, const char *text, double *v, char *err,
                       size_t len);
int ps_opt_elem_int64(const ps_option *opt, const char *text, int64_t *v, char *err,
                      size_t len);

#endif

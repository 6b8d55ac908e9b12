/* ini_read: the --config reader. The file is read whole into memory first, so that nothing
 * but a regular file of at most PS_INI_MAX_BYTES is ever parsed (a device such as /dev/zero
 * or a FIFO is refused before a byte is read, and cannot hang the reader). Lines: blank,
 * comments (';' or '#' first), "[section]", "key = value" or "key: value" (an inline comment
 * after whitespace and ';' is dropped; key and value trimmed). Refused, with the line number:
 * a NUL byte, a line longer than PS_INI_MAX_LINE, an indented line that is not a comment
 * (inih's continuation lines, which silently extend or replace the previous value), a key
 * given twice, any other line. The handler sees each pair once, in file order. */
#ifndef PS_INI_READ_H
#define PS_INI_READ_H

#include <stddef.h>

#define PS_INI_MAX_BYTES (1 << 20)
#define PS_INI_MAX_LINE 200

/* Returns 0 to go on; non-zero stops the reading (the handler has recorded its error). */
typedef int (*ps_ini_handler)(void *user, int line, const char *section, const char *key,
                              const char *value);

/* 0: every line read and handled. -1: the file cannot be used at all: err holds
 * "--config: PATH: why". n > 0: line n is refused by the reader (err holds "why", without
 * the place) or by the handler (err empty). */
int ps_ini_read(const char *path, ps_ini_handler fn, void *user, char *err, size_t errlen);

#endif

/* merge_core: what merge.c and merge_ranges.c share, private to them (the contract is
 * include/merge.h): the files given, and the replica ranges they hold. A merge's files fall
 * into replica ranges (--replicas A:B; R is 0:R), each one whole sweep or the parts of one
 * split; the ranges, side by side, make the output's. */
#ifndef PS_MERGE_CORE_H
#define PS_MERGE_CORE_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

typedef struct part {
    const char *path;
    hid_t f;
    ps_options o;
    int64_t total; /* its tasks */
    uint8_t *done;
} part;

/* Sorts the n files by replica range (first, then count), then part index, and checks that
 * each range is one whole sweep or the parts of one split, each once, and that the ranges lie
 * side by side, without overlap or gap. Returns the number of ranges, or 0 with the refusal
 * (one line, naming the files and replicas) in why. Pure: reads p[].path and p[].o only. */
int ps_merge_ranges(part *p, int n, char *why, size_t len);
int ps_merge_same_range(const part *a, const part *b);
/* "A:B", replicas A .. B-1 */
void ps_merge_range_text(const ps_options *o, char *buf, size_t len);
/* The output's task of q's task t: the same point and replica number (the replica is the
 * fastest dimension of every sweep file). */
int64_t ps_merge_out_task(const ps_options *out, const ps_options *q, int64_t t);
/* What the range of the n files p misses (from: the output's tasks' sources, -1 missing),
 * appended to what, after "replicas A:B: " when label: the dealing's missing parts, or a
 * whole sweep's tasks left. */
void ps_merge_range_missing(const ps_options *out, const part *p, int n, const int *from,
                            int label, char *what, size_t len);

#endif

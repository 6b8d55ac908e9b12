/* merge: part files and `phasesweep merge`. A part (sweep --part I/N) is a sweep file of the
 * whole grid in which only part I's tasks are computed; its root attributes say which part of
 * which sweep it is (part_index, part_count, sweep_id, a hash of the identity options but
 * part). ps_merge_main joins parts into one file whose result datasets equal, bit for bit, a
 * single sweep's; it refuses (one line, exit 2) parts of other sweeps or splits, duplicate or
 * overlapping parts, and unfinished ones unless --partial. Serial (rank 0 only). */
#ifndef PS_MERGE_H
#define PS_MERGE_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* 16 hex digits (FNV-1a 64) of every identity option of sweep but part, as formatted text. */
void ps_sweep_id(const ps_options *o, char id[17]);
/* The root attributes sweep_id (always) and part_index, part_count (with --part); called by
 * ps_sweep_create with the other attributes, collectively. */
void ps_part_write_attrs(hid_t file, const ps_options *o);
/* Every sweep option recorded in f's root attributes, into o (defaults first; o->cmd =
 * sweep; part parsed into part_index/part_count). 0, or 1 with the first problem in why. */
int ps_sweep_options_read(hid_t f, ps_options *o, char *why, size_t len);
/* For info: when f is a part, prints "part: I/N of sweep ID ..." and sets *tasks and *n_done
 * to the part's own counts (done: the file's [n_s][n_w][R] flags); returns 1. 0 otherwise. */
int ps_part_summary(hid_t f, const uint8_t *done, size_t total, size_t *tasks,
                    size_t *n_done);

/* `phasesweep merge --out FILE [--force] [--partial] PART...`: returns the exit status. */
int ps_merge_main(const ps_options *o);

#endif

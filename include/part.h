/* part: a sweep file's identity. A part (sweep --part I/N) is a sweep file of the whole grid
 * in which only part I's tasks are computed; its root attributes say which part of which
 * sweep it is (part_index, part_count, and sweep_id, a hash of the identity options but part,
 * which every sweep file carries; the replica range is outside it). Written by the sweep writer,
 * read by merge and info. */
#ifndef PS_PART_H
#define PS_PART_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

#define PS_PART_ATTR_SWEEP_ID "sweep_id"

/* 16 hex digits (FNV-1a 64) of every identity option of sweep but part and the replica range
 * (PS_OPT_REPLICA_RANGE), as formatted text: sweeps of one study that differ only in their
 * replicas (--replicas 0:2, 2:3) share it. */
void ps_sweep_id(const ps_options *o, char id[17]);
/* stored is o's sweep_id, or the one files made before --replicas A:B carry (a hash over the
 * replica count too) for replicas from 0. */
int ps_sweep_id_matches(const ps_options *o, const char *stored);
/* The root attributes sweep_id (always) and part_index, part_count (with --part); called by
 * ps_sweep_create with the other attributes, collectively. */
void ps_part_write_attrs(hid_t file, const ps_options *o);
/* The part_index/part_count attributes, or 0, 0 when missing. */
void ps_part_read_attrs(hid_t f, int64_t *index, int64_t *count);
/* Every sweep option recorded in f's root attributes, into o (defaults first; o->cmd =
 * sweep; part parsed into part_index/part_count). 0, or 1 with the first problem in why. */
int ps_sweep_options_read(hid_t f, ps_options *o, char *why, size_t len);
/* "name=A (an) vs B (bn)" for the first identity option (but part and the replica range) in
 * which a and b differ, or "". */
void ps_part_first_difference(const ps_options *a, const ps_options *b, const char *an,
                              const char *bn, char *msg, size_t len);
/* For info: when f is a part, prints "part: I/N of sweep ID ..." and sets *tasks and *n_done
 * to the part's own counts (done: the file's [n_s][n_w][R] flags); returns 1. 0 otherwise. */
int ps_part_summary(hid_t f, const uint8_t *done, size_t total, size_t *tasks,
                    size_t *n_done);

#endif

/* merge: `phasesweep merge`. ps_merge_main joins part files (part.h), and sweeps (or their
 * parts) that differ only in their replica range (--replicas 0:2, 2:3), into one file whose
 * result datasets equal, bit for bit, a single sweep's of the whole range; it refuses (one
 * line, exit 2) files of other sweeps (naming the first option that differs), parts of other
 * splits within a range, duplicate or overlapping parts, overlapping replica ranges, a gap
 * between them (naming the missing replicas), and unfinished ones unless --partial. Serial
 * (rank 0 only). */
#ifndef PS_MERGE_H
#define PS_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include "cli.h"

/* What a merge did, for the command's lines. */
typedef struct ps_merge_report {
    int parts, part_count;     /* files given; the (first range's) split's count */
    int ranges;                /* replica ranges joined (1: the parts of one sweep) */
    char replicas[32];         /* the output's replica range A:B */
    int64_t total, missing;    /* tasks, and those no part has done (--partial) */
    char sweep_id[17];
    char missing_parts[1024];  /* where the missing tasks belong, when missing */
} ps_merge_report;

#define PS_MERGE_STOPPED 130 /* a signal stopped the merge: nothing written */

/* The merge itself, serial, the output's lock held by the caller: 0 with *rep filled and
 * o->out written (built under OUT.merge.PID, renamed when complete); PS_EXIT_USAGE with a
 * one-line refusal in msg (len bytes) and nothing written; PS_MERGE_STOPPED (a signal
 * caught; the temporary removed) or PS_EXIT_FAIL (the file just made cannot be reopened)
 * with the line in msg. A part whose HDF5 reads fail is still bad input through
 * h5_errors.h's ps_h5_input (exit 2). Prints nothing. */
int ps_merge(const ps_options *o, ps_merge_report *rep, char *msg, size_t len);

/* `phasesweep merge --out FILE [--force] [--partial] PART...`: the path checked, the lock
 * taken, ps_merge, its lines printed; returns the exit status (refusals exit 2). */
int ps_merge_main(const ps_options *o);

#endif

/* merge: `phasesweep merge`. ps_merge_main joins part files (part.h) into one file whose
 * result datasets equal, bit for bit, a single sweep's; it refuses (one line, exit 2) parts of
 * other sweeps or splits, duplicate or overlapping parts, and unfinished ones unless
 * --partial. Serial (rank 0 only). */
#ifndef PS_MERGE_H
#define PS_MERGE_H

#include "cli.h"

/* `phasesweep merge --out FILE [--force] [--partial] PART...`: returns the exit status. */
int ps_merge_main(const ps_options *o);

#endif

/* trace_from: `phasesweep trace --from SWEEP.h5 --task I,J,...` (or --at NAME=X,...; run
 * takes them too): one task of a sweep file recomputed from the file alone. The sweep's
 * options come from its root attributes, the file is validated as --resume and merge
 * validate it, the task is picked by its indices in the order of the per-task variables'
 * dimensions (read from the file, replica last) or by coordinate values (the nearest stored
 * point of a real axis, with a note), and its params are built as the sweep built them
 * (ps_task_params, then the axes table of axes.h), so that the run reproduces the stored
 * values bit for bit. Only run-steering options may come from the command line. */
#ifndef PS_TRACE_FROM_H
#define PS_TRACE_FROM_H

#include "cli.h"

/* Turns o (run or trace with --from, --task or --at) into the options of that task's run:
 * o->p from the file with o's run-steering values, gs and gw marked given. Called on every
 * rank (each reads the file); rank 0 prints the notes (a task not done yet, the nearest point
 * taken). Bad input exits with status 2 and one line (ps_usage_error: quiet on other ranks). */
void ps_from_resolve(ps_options *o, int rank);

#endif

/* estimate: `phasesweep estimate`, the cost of a sweep before it runs. Takes the sweep's own
 * options; prints the number of tasks, one iteration timed at the sweep's d on this machine
 * (with and without the theory), an upper bound (every task runs --max-iter iterations) and an
 * expected figure in core-hours whose basis it states (a pilot sweep at a small d on a
 * subgrid), and #SBATCH lines for --ranks or --wall. Rank 0 only; a few seconds. */
#ifndef PS_ESTIMATE_H
#define PS_ESTIMATE_H

#include "cli.h"

/* "HH:MM" or "HH:MM:SS" (MM, SS < 60) in seconds, or -1 when malformed or zero. */
double ps_parse_wall(const char *s);
int ps_estimate_main(const ps_options *o);

#endif

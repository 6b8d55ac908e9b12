/* progress: what rank 0 tells the user on stderr during a sweep. On a terminal one live line,
 * rewritten at most 4 times a second; otherwise (a Slurm log) a plain line every 10 s; at the
 * end a summary with the wall time and the parallel efficiency = sum of task seconds /
 * (wall x ranks). The ETA weighs the tasks left by their estimated cost (their expected flops,
 * cost.h), since the expensive ones run first. */
#ifndef PS_PROGRESS_H
#define PS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ps_progress {
    int tty, line_open;
    int ranks;                        /* of the farm: ranks, or groups of ranks */
    const char *unit;                 /* "rank" or "group" */
    double t0, last_print, interval;
    int64_t total, done, done_before; /* done counts every done task of the file */
    double cost_done, cost_left;      /* estimated work of this session's tasks */
    double task_seconds;              /* of the tasks completed in this session */
} ps_progress;

double ps_progress_now(void); /* monotonic seconds */
void ps_progress_start(ps_progress *pr, int64_t total, int64_t done, double cost_left,
                       int ranks, int tty, double now);
void ps_progress_task_done(ps_progress *pr, double cost, double seconds);
/* Prints the progress line when one is due. */
void ps_progress_tick(ps_progress *pr, double now);
/* The summary line; with signal != 0 also "stopped by signal: X of Y tasks done; ...". */
void ps_progress_finish(ps_progress *pr, double now, int signal);

/* The text of the progress line (no newline), for ps_progress_tick and tests. */
void ps_progress_format(char *buf, size_t len, const ps_progress *pr, double now);
/* A duration as "42s", "12m05s", "3h07m" or "2d05h". */
void ps_format_duration(char *buf, size_t len, double seconds);

#endif

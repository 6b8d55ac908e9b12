/* signals: the one signal flag. SIGTERM, SIGUSR1, SIGUSR2 (what Slurm sends before a time limit
 * and what mpirun forwards) and SIGINT (Ctrl-C) only record that they arrived; the sweep polls
 * the flag once per iteration and stops cleanly. Handlers use SA_RESTART, so no system call
 * or MPI call fails with EINTR because of them. */
#ifndef PS_SIGNALS_H
#define PS_SIGNALS_H

typedef struct ps_signals ps_signals;

/* Installs the handlers first thing in main, before MPI_Init (0.1-0.3 s), so that a signal
 * that early is recorded like a later one instead of killing the process. */
void ps_signals_early(void);
/* For commands that do not poll the flag (info, estimate, help...): the default actions back,
 * and a signal caught meanwhile is raised again now (the process ends by it, as without
 * handlers). Also how run, trace and merge end after cleaning up on a signal. */
void ps_signals_default(void);
/* Installs the handlers (keeping a flag already set); ps_signals_restore puts the old ones
 * back. */
ps_signals *ps_signals_install(void);
void ps_signals_restore(ps_signals *s);
/* The first signal caught since ps_signals_early, 0 if none. */
int ps_signal_caught(void);

#endif

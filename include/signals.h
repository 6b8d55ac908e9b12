/* signals: the one signal flag. SIGTERM, SIGUSR1, SIGUSR2 (what Slurm sends before a time limit
 * and what mpirun forwards) and SIGINT (Ctrl-C) only record that they arrived; the sweep polls
 * the flag once per iteration and stops cleanly. Handlers use SA_RESTART, so no system call
 * or MPI call fails with EINTR because of them. */
#ifndef PS_SIGNALS_H
#define PS_SIGNALS_H

typedef struct ps_signals ps_signals;

/* Installs the handlers and clears the flag; ps_signals_restore puts the old ones back. */
ps_signals *ps_signals_install(void);
void ps_signals_restore(ps_signals *s);
/* The first signal caught since ps_signals_install, 0 if none. */
int ps_signal_caught(void);

#endif

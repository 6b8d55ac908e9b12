/* signals: a flag set from the handler, read by the sweep. */
#define _POSIX_C_SOURCE 200809L
#include "signals.h"

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>

#include "check.h"

static const int caught_signals[] = {SIGTERM, SIGUSR1, SIGUSR2, SIGINT};
#define N_CAUGHT (sizeof caught_signals / sizeof caught_signals[0])

struct ps_signals {
    struct sigaction old[N_CAUGHT];
};

/* The one global outside main.c: a handler can reach nothing else. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
    if (!caught) caught = sig;
}

void ps_signals_early(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    /* nothing to report yet (MPI is not up): a failure leaves that signal's default */
    for (size_t i = 0; i < N_CAUGHT; i++) sigaction(caught_signals[i], &sa, NULL);
}

void ps_signals_default(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_CAUGHT; i++) sigaction(caught_signals[i], &sa, NULL);
    if (caught) raise(caught);
}

ps_signals *ps_signals_install(void)
{
    ps_signals *s = ps_malloc(sizeof *s, "signal handlers");
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    /* the flag is kept: a signal caught since ps_signals_early (during MPI_Init, the file's
     * creation) stops the sweep as one caught later would */
    for (size_t i = 0; i < N_CAUGHT; i++)
        if (sigaction(caught_signals[i], &sa, &s->old[i]) != 0)
            ps_fail(PS_EXIT_FAIL, "sigaction", "cannot install the handler of signal %d",
                    caught_signals[i]);
    return s;
}

void ps_signals_restore(ps_signals *s)
{
    if (!s) return;
    for (size_t i = 0; i < N_CAUGHT; i++) sigaction(caught_signals[i], &s->old[i], NULL);
    free(s);
}

int ps_signal_caught(void)
{
    return caught;
}

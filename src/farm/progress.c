/* progress: rank 0's progress lines on stderr. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double ps_progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ps_format_duration(char *buf, size_t len, double s)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "?");
        return;
    }
    long long n = llround(s);
    if (n < 60) snprintf(buf, len, "%llds", n);
    else if (n < 3600) snprintf(buf, len, "%lldm%02llds", n / 60, n % 60);
    else if (n < 86400) snprintf(buf, len, "%lldh%02lldm", n / 3600, n % 3600 / 60);
    else snprintf(buf, len, "%lldd%02lldh", n / 86400, n % 86400 / 3600);
}

void ps_progress_start(ps_progress *pr, int64_t total, int64_t done, double cost_left,
                       int ranks, int tty, double now)
{
    *pr = (ps_progress){.tty = tty, .ranks = ranks, .unit = "rank", .t0 = now, .last_print = now,
                        .interval = tty ? 0.25 : 10.0, .total = total, .done = done,
                        .done_before = done, .cost_left = cost_left};
    fprintf(stderr, "phasesweep: sweep of %lld tasks (%lld done before) on %d rank%s\n",
            (long long)total, (long long)done, ranks, ranks == 1 ? "" : "s");
}

void ps_progress_task_done(ps_progress *pr, double cost, double seconds)
{
    pr->done++;
    pr->cost_done += cost;
    pr->cost_left -= cost;
    if (pr->cost_left < 0) pr->cost_left = 0;
    pr->task_seconds += seconds;
}

void ps_progress_format(char *buf, size_t len, const ps_progress *pr, double now)
{
    double elapsed = now - pr->t0;
    int64_t ran = pr->done - pr->done_before;
    double rate = elapsed > 0 ? (double)ran / elapsed : 0;
    char eta[32] = "?";
    if (pr->done == pr->total) snprintf(eta, sizeof eta, "0s");
    else if (pr->cost_done > 0) ps_format_duration(eta, sizeof eta,
                                                   elapsed * pr->cost_left / pr->cost_done);
    snprintf(buf, len, "phasesweep: %lld/%lld tasks done (%.1f%%), %.3g tasks/s, ETA %s",
             (long long)pr->done, (long long)pr->total,
             pr->total ? 100.0 * (double)pr->done / (double)pr->total : 100.0, rate, eta);
}

void ps_progress_tick(ps_progress *pr, double now)
{
    if (now - pr->last_print < pr->interval) return;
    char line[256];
    ps_progress_format(line, sizeof line, pr, now);
    pr->last_print = now;
    if (pr->tty) {
        fprintf(stderr, "\r%s\033[K", line);
        pr->line_open = 1;
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

void ps_progress_finish(ps_progress *pr, double now, int signal)
{
    double wall = now - pr->t0;
    int64_t ran = pr->done - pr->done_before;
    char w[40] = "";
    if (pr->line_open) fputc('\n', stderr);
    pr->line_open = 0;
    if (wall >= 60) {
        w[0] = ' ';
        w[1] = '(';
        ps_format_duration(w + 2, sizeof w - 3, wall);
        strcat(w, ")");
    }
    if (ran > 0)
        fprintf(stderr,
                "phasesweep: %lld of %lld tasks done; %lld run in %.3f s%s on %d %s%s: "
                "%.3f task seconds, parallel efficiency %.1f%%\n",
                (long long)pr->done, (long long)pr->total, (long long)ran, wall, w, pr->ranks,
                pr->unit, pr->ranks == 1 ? "" : "s", pr->task_seconds,
                wall > 0 ? 100.0 * pr->task_seconds / (wall * pr->ranks) : 0.0);
    else
        fprintf(stderr, "phasesweep: %lld of %lld tasks done; none run in this session\n",
                (long long)pr->done, (long long)pr->total);
    if (signal)
        fprintf(stderr, "phasesweep: stopped by signal: %lld of %lld tasks done; resume with "
                        "--resume\n", (long long)pr->done, (long long)pr->total);
    fflush(stderr);
}

/* estimate: what a sweep will cost, from one timed iteration and a pilot sweep. */
#define _POSIX_C_SOURCE 200809L
#include "estimate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blascheck.h"
#include "check.h"
#include "cost.h"
#include "eigensolver.h"
#include "engine.h"
#include "h5io.h"
#include "run.h"
#include "tasks.h"

#define CALIB_BUDGET 3.0 /* predicted seconds of the calibration at most, roughly */
#define FARM_EFFICIENCY 0.95 /* `make bench`: 97-98% on 2 ranks with >= 32 tasks per rank */
#define MARGIN 1.25          /* on the expected wall time, in the #SBATCH --time we print */
/* An iteration runs at about half the dgemm rate (the eigensolver, the passes over memory):
 * the calibration's time is predicted as twice its flops at that rate. */
#define CALIB_SLOWDOWN 2.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The process's CPU time: the core-seconds a step costs, whether or not other jobs share the
 * cores (wall time under a load of 10 on 2 cores measured 3-5x more). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ps_parse_wall(const char *s)
{
    long f[3];
    int n = 0;
    const char *c = s;
    while (n < 3) {
        if (*c < '0' || *c > '9') return -1;
        long v = 0;
        for (int digits = 0; *c >= '0' && *c <= '9'; c++)
            if (++digits > 6) return -1;
            else v = 10 * v + (*c - '0');
        f[n++] = v;
        if (!*c || *c != ':') break;
        c++;
    }
    if (*c || n < 2 || f[1] > 59 || (n == 3 && f[2] > 59)) return -1;
    double t = 3600.0 * f[0] + 60.0 * f[1] + (n == 3 ? f[2] : 0);
    return t > 0 ? t : -1;
}

/* ---- one iteration, timed ---- */

typedef struct calib {
    int d;               /* where it was measured */
    double gd_s, th_s;   /* seconds of (measure + GD step) and of one theory step, at m = 2d */
    double seconds;      /* the calibration's own time */
    ps_cost at;          /* the cost model's figures there */
} calib;

/* The run the calibration times: m = 2d (w = d^2), the theory on. */
static ps_cost calib_cost(int d, int k)
{
    ps_params p;
    ps_params_default(&p);
    p.d = d;
    p.k = k < d ? k : d;
    p.gw = 2.0;
    p.theory = 1;
    return ps_cost_params(&p, 1, 0);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of as many repetitions as fit in the budget (at least one, after a warm-up when
 * the step is short), in CPU time: other jobs on the machine do not count. */
static calib calibrate(int d, int k, double budget, const char *eigensolver)
{
    calib c = {d, 1e300, 1e300, 0, calib_cost(d, k)};
    double t0 = now();
    ps_params p;
    ps_params_default(&p);
    p.d = d;
    p.k = k < d ? k : d;
    p.gs = -1.5;
    p.gw = 2.0; /* w = d^2 >= 2d: m = 2d, the most a reduced run costs */
    ps_teacher t;
    ps_teacher_generate(&t, &p);
    int64_t w = ps_width(d, p.gw);
    double s2 = ps_sigma2(d, p.gs), eta = 1e-12; /* tiny: timing must not run into overflow */
    ps_coords x;
    ps_coords_draw(&x, &p, w, s2);
    ps_engine e = ps_engine_local_solver(&t, &x, 1, 0, eigensolver);
    ps_record r;
    for (int kind = 0; kind < 2; kind++) {
        double samples[50], start = now();
        int n = 0;
        for (int rep = 0; rep < 50; rep++) {
            double s = cpu_now();
            if (kind) {
                e.ops->sc_step(&e, eta, s2 * (double)w, s2 * (double)w);
            } else {
                e.ops->measure(&e, &r);
                e.ops->gd_step(&e, eta);
            }
            s = cpu_now() - s;
            if (rep > 0 || s > 0.2) samples[n++] = s; /* rep 0 warms up short steps */
            if (now() - start > budget / 2 && n > 0) break;
        }
        /* the median: a sweep's steps share caches with other work, the fastest ones less */
        qsort(samples, (size_t)n, sizeof *samples, by_value);
        *(kind ? &c.th_s : &c.gd_s) = n % 2 ? samples[n / 2]
                                           : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
    }
    e.ops->destroy(&e);
    ps_teacher_free(&t);
    c.seconds = now() - t0;
    return c;
}

/* Seconds of one iteration of a task at the sweep's d: each part of the calibrated iteration
 * scaled by the cost model's flops (cost.h), the GD part with the task's m. */
static double iter_seconds(const ps_params *p, const calib *c)
{
    ps_cost x = ps_cost_params(p, 1, 0);
    double gd = c->gd_s * x.flops_gd / c->at.flops_gd;
    return gd + (p->theory ? c->th_s * x.flops_theory / c->at.flops_theory : 0.0);
}

/* The cost model's expected iterations at dimension d, uncapped: ~c (1 + (1 - gs - gw)_+ ln d). */
static double iter_model(const ps_params *p, int d)
{
    ps_params q = *p;
    q.d = d;
    q.max_iter = 2147483647;
    q.stop_rules = 1;
    return ps_cost_params(&q, 1, 0).iterations;
}

static void hms(double s, char *buf, size_t len)
{
    long t = (long)ceil(s / 60.0) * 60; /* whole minutes, rounded up */
    if (t < 60) t = 60;
    snprintf(buf, len, "%02ld:%02ld:00", t / 3600, t / 60 % 60);
    if (t >= 360000) snprintf(buf, len, "%ld:%02ld:00", t / 3600, t / 60 % 60);
}

static void human(double s, char *buf, size_t len)
{
    if (s < 120) snprintf(buf, len, "%.0f s", s);
    else if (s < 7200) snprintf(buf, len, "%.1f min", s / 60);
    else snprintf(buf, len, "%.1f h", s / 3600);
}

int ps_estimate_main(const ps_options *o)
{
    double wall = -1;
    if (o->est_wall && (wall = ps_parse_wall(o->est_wall)) < 0)
        ps_usage_error("--wall: '%s' is not a time HH:MM or HH:MM:SS above zero (e.g. 02:30)",
                       o->est_wall);
    if (o->est_pilot_d == 1)
        ps_usage_error("--pilot-d: '1' is out of range: 0 (min(d, 48)) or [2, 65536]");
    char emsg[512];
    if (ps_eigensolver_check(o->p.eigensolver, o->group_size > 1 ? PS_DENSE_DIST : PS_DENSE_LOCAL,
                             emsg, sizeof emsg))
        ps_usage_error("%s", emsg);
    ps_blas_warn(stderr);
    const int R = o->replicas, P = o->group_size > 0 ? o->group_size : 1;
    const int64_t tasks = ps_task_count(o);
    /* the calibration at the largest d of the sweep; the extra axes' points, their product */
    int d = o->p.d;
    int64_t n_extra = 1;
    char axes[256] = "";
    for (int k = 0; k < o->n_axes; k++) {
        n_extra *= o->axes[k].n;
        size_t used = strlen(axes);
        snprintf(axes + used, sizeof axes - used, "%d %s x ", o->axes[k].n, o->axes[k].axis->dim);
        if (!strcmp(o->axes[k].axis->dim, "d"))
            for (int i = 0; i < o->axes[k].n; i++)
                if (o->axes[k].v[i].i > d) d = (int)o->axes[k].v[i].i;
    }
    printf("estimate: an estimate, not a measurement: what the sweep with these options would "
           "cost on this machine\n");
    printf("tasks: %lld (%s%d gamma_s x %d gamma_w x %d replicas) at d = %d%s, max-iter = %d%s\n",
           (long long)tasks, axes, o->gs_range.n, o->gw_range.n, R, d,
           d != o->p.d ? " (the largest)" : "", o->p.max_iter,
           o->p.stop_rules ? "" : ", --no-stop");
    /* the file: its data bytes, the curves' share; what sweep's --max-file refusal reads */
    double curve_bytes, file_bytes = ps_sweep_file_bytes(o, &curve_bytes);
    const double MiB = 1048576.0;
    if (o->curves)
        printf("file: %.4g MiB of data, of which curves %.4g MiB (5 variables x %d iterations "
               "x %lld tasks x 8 bytes; --curves-every %d)", file_bytes / MiB, curve_bytes / MiB,
               ps_curve_points(o), (long long)tasks, o->curves_every);
    else
        printf("file: %.4g MiB of data (no curves; --curves would add %.4g MiB at "
               "--curves-every %d)", file_bytes / MiB,
               5.0 * 8.0 * (double)tasks * ((o->p.max_iter - 1) / o->curves_every + 1) / MiB,
               o->curves_every);
    printf("; %s --max-file %.4g GiB\n", file_bytes > o->max_file ? "ABOVE" : "within",
           o->max_file / 1073741824.0);
    const double gflops = ps_blas_dgemm_gflops(256, 3);
    printf("blas: OpenBLAS kernel %s on a CPU with %s; dgemm %.1f GFLOP/s at n = 256, %d "
           "thread%s\n", ps_blas_core(), ps_cpu_best_isa(), gflops, o->p.threads,
           o->p.threads > 1 ? "s" : "");
    fflush(stdout);

    /* Time the sweep's d itself when that fits the budget; else a smaller d, scaled by the
     * cost model's flops (both steps are O(d^3): products and one eigendecomposition). */
    const ps_cost full = calib_cost(d, o->p.k);
    double pred = CALIB_SLOWDOWN * full.flops_iter / (gflops * 1e9 + 1.0);
    int dc = d;
    if (pred > CALIB_BUDGET) {
        dc = (int)(d * cbrt(CALIB_BUDGET / pred)) / 16 * 16;
        if (dc < 64) dc = d < 64 ? d : 64;
    }
    /* calibration and pilots run on one rank: a group's eigensolver is timed as the local auto */
    const char *local_eig =
        ps_eigensolver_check(o->p.eigensolver, PS_DENSE_LOCAL, emsg, sizeof emsg) ? NULL
                                                                                  : o->p.eigensolver;
    calib c = calibrate(dc, o->p.k, CALIB_BUDGET, local_eig);
    double gd_ms = 1e3 * c.gd_s * full.flops_gd / c.at.flops_gd;
    double th_ms = 1e3 * c.th_s * full.flops_theory / c.at.flops_theory;
    printf("calibration: one iteration at d = %d, m = 2d: %.3g ms GD only, %.3g ms with the "
           "theory (CPU time, measured here in %.1f s, %d BLAS thread%s",
           d, gd_ms, gd_ms + th_ms, c.seconds, o->p.threads, o->p.threads > 1 ? "s" : "");
    if (dc != d)
        printf("; timed at d = %d and scaled by the cost model's flops, ~(%d/%d)^3", dc, d, dc);
    printf(")\n");

    /* upper bound: every task runs max-iter iterations; with --part I/N, the part's share of
     * the whole sweep's (the same dealing as the sweep's, so the same tasks) */
    double upper = 0, longest = 0, upper_part = 0;
    int *part_of = NULL;
    int64_t tasks_part = tasks;
    if (o->part_count > 0) {
        part_of = ps_malloc(sizeof *part_of * (size_t)(tasks ? tasks : 1), "estimate parts");
        ps_tasks_partition(o, o->part_count, part_of);
        tasks_part = 0;
    }
    for (int64_t t = 0; t < tasks; t++) {
        ps_params p = ps_task_params(o, t);
        double s = iter_seconds(&p, &c) * o->p.max_iter;
        upper += s;
        if (part_of && part_of[t] != o->part_index) continue;
        upper_part += s;
        tasks_part++;
        longest = fmax(longest, s);
    }
    free(part_of);
    const double share = upper > 0 ? upper_part / upper : 1.0;
    if (o->part_count > 0)
        printf("part: %d/%d: %lld of the %lld tasks, %.1f%% of the sweep's cost; the figures "
               "below are this part's\n", o->part_index, o->part_count, (long long)tasks_part,
               (long long)tasks, 100 * share);
    upper = upper_part;
    printf("upper_bound: %.3g core-hours (every task runs all %d iterations; longest task "
           "%.3g s)\n",
           upper * P / 3600, o->p.max_iter, longest);

    /* expected: iteration counts of a pilot sweep at a small d on an even subgrid */
    int pd = o->est_pilot_d ? o->est_pilot_d : (d < 48 ? d : 48);
    int S = o->est_pilot;
    int ns = S ? (int)fmin(o->gs_range.n, fmax(1, round(sqrt(S)))) : 0;
    int nw = S ? (int)fmin(o->gw_range.n, fmax(1, S / ns)) : 0;
    double expected = 0, frac = 0, pilot_iters = 0, t0 = now();
    int runs = 0;
    if (S) {
        ps_teacher teach[4];
        int teacher_axes = 0;
        for (int k = 0; k < o->n_axes; k++) teacher_axes |= o->axes[k].axis->teacher;
        int have[4] = {0, 0, 0, 0};
        double sum = 0;
        for (int a = 0; a < ns; a++)
            for (int b = 0; b < nw; b++) {
                /* the centre of each of ns x nw equal blocks of the grid: each point stands
                 * for as many tasks as the others (endpoints would over-weight the corners) */
                int is = (int)((a + 0.5) * o->gs_range.n / ns);
                int iw = (int)((b + 0.5) * o->gw_range.n / nw);
                int r = (a * nw + b) % (R < 4 ? R : 4);
                /* the extra axes' points in turn (every one once when there are enough) */
                const int64_t x = (a * nw + b) % n_extra;
                ps_params p = ps_task_params(o, ((x * o->gs_range.n + is) * o->gw_range.n + iw)
                                                    * R + r);
                ps_params q = p;
                q.d = pd;
                q.k = p.k < pd ? p.k : pd;
                q.mode = PS_MODE_REDUCED; /* same law, cost independent of w */
                q.eigensolver = local_eig;
                q.max_mem = 1e300;
                /* one teacher per replica, unless an axis (rank, noise, seed) redraws it */
                if (have[r] && teacher_axes) ps_teacher_free(&teach[r]), have[r] = 0;
                if (!have[r]) {
                    ps_teacher_generate(&teach[r], &q);
                    have[r] = 1;
                }
                ps_result res;
                char why[512];
                if (ps_run_task(&q, &teach[r], &res, NULL, NULL, NULL, why, sizeof why))
                    ps_usage_error("%s", why);
                double it = res.n_iter;
                pilot_iters += it;
                if (pd != p.d && it < p.max_iter)
                    it = fmin(p.max_iter, it * iter_model(&p, p.d) / iter_model(&p, pd));
                sum += it * iter_seconds(&p, &c);
                frac += it / p.max_iter;
                runs++;
            }
        for (int r = 0; r < 4; r++)
            if (have[r]) ps_teacher_free(&teach[r]);
        expected = sum / runs * (double)tasks * share;
        frac /= runs;
        printf("pilot: %d grid points (centres of a %d x %d tiling of the grid) run at d = %d in "
               "%.1f s: mean %.1f iterations", runs, ns, nw, pd, now() - t0, pilot_iters / runs);
        if (pd != d)
            printf("; scaled to d = %d by (1 + (1 - gs - gw)_+ ln d) / (same at d = %d)", d, pd);
        printf("; %.0f%% of max-iter on average\n", 100 * frac);
        printf("expected: %.3g core-hours (basis: the pilot's iteration counts times the "
               "calibrated iteration; checked against real sweeps in docs/performance.md)\n",
               expected * P / 3600);
    } else {
        for (int64_t t = 0; t < tasks; t += R) {
            ps_params p = ps_task_params(o, t);
            double it = ps_cost_params(&p, 1, 0).iterations;
            expected += R * it * iter_seconds(&p, &c);
            frac += R * it / p.max_iter;
        }
        frac /= (double)tasks;
        expected *= share;
        printf("expected: %.3g core-hours (basis: a model, c (1 + (1 - gs - gw)_+ ln d) "
               "iterations per task, no pilot; rough)\n", expected * P / 3600);
    }
    if (P > 1)
        printf("groups: with --group-size %d the figures count %d cores per task at one "
               "rank's speed; groups are slower than that (docs/cluster.md, Large d): "
               "a lower bound\n", P, P);

    /* plans */
    char a[32], b[32], u[32];
    if (o->est_ranks) {
        int N = o->est_ranks;
        double leaders = N / P > 0 ? N / P : 1;
        if (leaders > tasks_part) leaders = (double)tasks_part; /* the rest would idle */
        double exp_wall = expected / (leaders * FARM_EFFICIENCY) + longest * frac;
        double up_wall = upper / (leaders * FARM_EFFICIENCY) + longest;
        human(exp_wall, a, sizeof a);
        human(up_wall, u, sizeof u);
        hms(exp_wall * MARGIN, b, sizeof b);
        printf("plan: %d rank%s: expected wall time %s (upper bound %s); with a %.0f%% margin, "
               "paste:\n#SBATCH --ntasks=%d\n#SBATCH --time=%s\n",
               N, N > 1 ? "s" : "", a, u, 100 * (MARGIN - 1), N, b);
        if (wall > 0)
            printf("plan: --wall %s %s the expected %s\n", o->est_wall,
                   wall >= exp_wall * MARGIN ? "covers" : "is shorter than", b);
    } else if (wall > 0) {
        double usable = wall / MARGIN - longest * frac;
        if (usable <= 0) {
            human(longest * frac * MARGIN, a, sizeof a);
            printf("plan: --wall %s is too short: one task alone is expected to take %s; "
                   "the sweep resumes across jobs (--resume), but ask for more\n",
                   o->est_wall, a);
        } else {
            double leaders = ceil(expected / (usable * FARM_EFFICIENCY));
            if (leaders > tasks_part) leaders = (double)tasks_part;
            if (leaders < 1) leaders = 1;
            long N = (long)leaders * P;
            hms(wall, b, sizeof b);
            human(expected / (leaders * FARM_EFFICIENCY) + longest * frac, a, sizeof a);
            printf("plan: %ld rank%s finish in about %s, within --wall %s with a %.0f%% margin; "
                   "paste:\n#SBATCH --ntasks=%ld\n#SBATCH --time=%s\n",
                   N, N > 1 ? "s" : "", a, o->est_wall, 100 * (MARGIN - 1), N, b);
        }
    }
    fflush(stdout);
    return 0;
}

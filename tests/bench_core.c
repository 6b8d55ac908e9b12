/* bench_core: per-step cost of the local engine, printed, never asserted.
 *   GD step (A = U2^T U1, R, both updates: 12 d^3 flops at m = 2d) vs OpenBLAS dgemm's rate,
 *   theory step (and its ratio to a GD step, next to the cost model's flops ratio, cost.h:
 *   docs/performance.md states the factor between them), the theory's eigensolvers (time,
 *   orthogonality), reduced vs explicit at d = 100, and a full 750-iteration run at d = 200.
 * Times are medians of repeats: the machine may be shared. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blascheck.h"
#include "cost.h"
#include "dynamics.h"
#include "run.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static int reps_for(int d) { return d <= 100 ? 200 : d <= 200 ? 60 : 12; }

static double dgemm_gflops(int d)
{
    double *a = calloc((size_t)d * d, 8), *b = calloc((size_t)d * d, 8), *c = calloc((size_t)d * d, 8);
    int reps = 3 * reps_for(d);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1, a, d, b, d, 0, c, d);
    double t = now();
    for (int i = 0; i < reps; i++)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1, a, d, b, d, 0, c, d);
    t = now() - t;
    free(a); free(b); free(c);
    return 2.0 * d * d * (double)d * reps / t * 1e-9;
}

static ps_params params_at(int d, double gs, double gw, enum ps_mode mode)
{
    ps_params p;
    ps_params_default(&p);
    p.d = d;
    p.gs = gs;
    p.gw = gw;
    p.mode = mode;
    return p;
}

/* ms per GD step (measure + gd_step) on the network drawn for p */
static double gd_step_ms(const ps_params *pp, const ps_teacher *t, int reps)
{
    ps_params p = *pp;
    int64_t w = ps_width(p.d, p.gw);
    double s2 = ps_sigma2(p.d, p.gs);
    ps_coords x;
    ps_coords_draw(&x, &p, w, s2);
    ps_engine e = ps_engine_local(t, &x, 0, 0);
    double eta = 1e-12; /* tiny: the timing must not run into overflow */
    ps_record r;
    e.ops->measure(&e, &r);
    e.ops->gd_step(&e, eta);
    double t0 = now();
    for (int i = 0; i < reps; i++) {
        e.ops->measure(&e, &r);
        e.ops->gd_step(&e, eta);
    }
    t0 = now() - t0;
    e.ops->destroy(&e);
    return 1e3 * t0 / reps;
}

/* Median ms per theory step with each of nsolv solvers, interleaved step by step so that all
 * see the same load. */
static void sc_steps_ms(int d, const ps_teacher *t, int reps, int nsolv,
                        const char *const *solvers, double *med)
{
    ps_sc_work w[2];
    double *B = malloc(sizeof(double) * d * d), *G = malloc(sizeof(double) * d * d);
    double *ms = malloc(sizeof(double) * reps * nsolv);
    for (int i = 0; i < d * d; i++) {
        B[i] = t->Y[i];
        G[i] = 1e-3 * t->Y[i];
    }
    for (int k = 0; k < nsolv; k++) {
        ps_sc_work_alloc_solver(&w[k], d, solvers[k]);
        ps_sc_step(d, B, G, 1e-9, 3.0, &w[k]);
    }
    for (int i = 0; i < reps; i++)
        for (int k = 0; k < nsolv; k++) {
            double t0 = now();
            ps_sc_step(d, B, G, 1e-9, 3.0, &w[k]);
            ms[k * reps + i] = 1e3 * (now() - t0);
        }
    for (int k = 0; k < nsolv; k++) {
        med[k] = median(ms + k * reps, reps);
        ps_sc_work_free(&w[k]);
    }
    free(ms);
    free(B);
    free(G);
}

static double sc_step_ms(int d, const ps_teacher *t, int reps)
{
    const char *const evd = "dsyevd";
    double med;
    sc_steps_ms(d, t, reps, 1, &evd, &med);
    return med;
}

/* Both eigensolvers on the theory's own matrix B^T B (B = Y, a rank-5 teacher plus noise),
 * interleaved so that both see the same load: median ms of reps solves each (workspace
 * allocated once, outside the timing) and max |Q^T Q - I|. */
static void eig_bench(int d, const ps_teacher *t, int reps, double ms[2], double orth[2])
{
    const char *const solvers[2] = {"dsyevd", "dsyevr"};
    ps_sc_work w[2];
    double *gram = malloc(sizeof(double) * d * d), *QtQ = malloc(sizeof(double) * d * d);
    double *tm[2] = {malloc(sizeof(double) * reps), malloc(sizeof(double) * reps)};
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, d, d, 1.0, t->Y, d, 0.0, gram, d);
    for (int k = 0; k < 2; k++) ps_sc_work_alloc_solver(&w[k], d, solvers[k]);
    for (int i = 0; i <= reps; i++)
        for (int k = 0; k < 2; k++) {
            memcpy(w[k].H.a, gram, sizeof(double) * d * d);
            double t0 = now();
            ps_sc_eigh(&w[k], w[k].H.a);
            if (i > 0) tm[k][i - 1] = 1e3 * (now() - t0); /* the first one warms up */
        }
    for (int k = 0; k < 2; k++) {
        ms[k] = median(tm[k], reps);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, d, 1.0, w[k].Q.a, d, w[k].Q.a, d,
                    0.0, QtQ, d);
        double e = 0.0;
        for (int j = 0; j < d; j++)
            for (int i = 0; i < d; i++) e = fmax(e, fabs(QtQ[i + (size_t)j * d] - (i == j)));
        orth[k] = e;
        ps_sc_work_free(&w[k]);
        free(tm[k]);
    }
    free(gram);
    free(QtQ);
}

int main(void)
{
    const int ds[] = {50, 100, 200, 400};
    printf("phasesweep bench_core (1 BLAS thread; OpenBLAS kernel %s, CPU %s)\n", ps_blas_core(),
           ps_cpu_best_isa());
    printf("%5s %12s %12s %12s %12s %9s %10s %10s %10s\n", "d", "gd_ms/step", "gd_GFLOP/s",
           "dgemm_GFLOP/s", "theory_ms", "gd/dgemm", "theory/gd", "model", "meas/model");
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        int d = ds[i];
        ps_params p = params_at(d, -1.5, 2.0, PS_MODE_REDUCED); /* w = d^2 >= 2d: m = 2d */
        p.k = 5;
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        double ms = gd_step_ms(&p, &t, reps_for(d));
        double gf = 12.0 * d * d * (double)d / (ms * 1e-3) * 1e-9, ref = dgemm_gflops(d);
        double th = sc_step_ms(d, &t, reps_for(d) / 2);
        p.theory = 1;
        ps_cost c = ps_cost_params(&p, 1, 0); /* the model's theory/GD flops */
        double model = c.flops_theory / c.flops_gd;
        printf("%5d %12.3f %12.2f %12.2f %12.3f %8.0f%% %9.2fx %9.2fx %10.2f\n", d, ms, gf, ref,
               th, 100 * gf / ref, th / ms, model, th / ms / model);
        ps_teacher_free(&t);
    }

    /* the theory step's eigensolver, chosen by this table: dsyevd (used) vs dsyevr */
    printf("\ntheory eigensolver on B^T B (median ms; max |Q^T Q - I|); theory step ms with "
           "each\n");
    printf("%5s %10s %10s %10s %10s %9s %12s %12s\n", "d", "dsyevd_ms", "dsyevr_ms", "dsyevd_orth",
           "dsyevr_orth", "evr/evd", "step_evd_ms", "step_evr_ms");
    {
        const int eds[] = {200, 400, 1000};
        for (size_t i = 0; i < sizeof eds / sizeof eds[0]; i++) {
            int d = eds[i], reps = d <= 200 ? 21 : d <= 400 ? 9 : 5;
            ps_params p = params_at(d, -1.5, 2.0, PS_MODE_REDUCED);
            ps_teacher t;
            ps_teacher_generate(&t, &p);
            double ms[2], o[2];
            eig_bench(d, &t, reps, ms, o);
            double ms_d = ms[0], ms_r = ms[1], o_d = o[0], o_r = o[1];
            const char *const both[2] = {"dsyevd", "dsyevr"};
            double st[2] = {NAN, NAN};
            if (d <= 400) sc_steps_ms(d, &t, reps, 2, both, st);
            double st_d = st[0], st_r = st[1];
            printf("%5d %10.2f %10.2f %10.1e %10.1e %8.2fx %12.2f %12.2f\n", d, ms_d, ms_r,
                   o_d, o_r, ms_r / ms_d, st_d, st_r);
            fflush(stdout);
            ps_teacher_free(&t);
        }
    }

    printf("\nreduced vs explicit at d = 100 (ms per GD step; explicit/reduced measured and in the "
           "cost model's flops)\n%10s %12s %12s %10s %10s\n", "w", "reduced", "explicit", "ratio",
           "model");
    {
        ps_params p = params_at(100, -2.0, 2.0, PS_MODE_REDUCED);
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        const double gws[] = {2.0, 2.5}; /* w = 10^4, 10^5 */
        for (int i = 0; i < 2; i++) {
            ps_params pr = params_at(100, -2.0, gws[i], PS_MODE_REDUCED);
            ps_params pe = params_at(100, -2.0, gws[i], PS_MODE_EXPLICIT);
            double r = gd_step_ms(&pr, &t, 100), e = gd_step_ms(&pe, &t, 5);
            double model = ps_cost_params(&pe, 1, 0).flops_gd / ps_cost_params(&pr, 1, 0).flops_gd;
            printf("%10lld %12.3f %12.3f %9.1fx %9.1fx\n", (long long)ps_width(100, gws[i]), r, e,
                   e / r, model);
        }
        ps_teacher_free(&t);
    }

    printf("\nfull run at d = 200, 750 iterations with theory (max_iter reached unless stopped)\n");
    {
        /* the protocol would stop this point early: time the loop of ps_run_engine itself,
         * 750 x (measure, keep best, GD step, theory step) */
        ps_params p = params_at(200, -1.5, 2.0, PS_MODE_REDUCED);
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        int64_t w = ps_width(p.d, p.gw);
        double s2 = ps_sigma2(p.d, p.gs), t0 = now();
        ps_coords x;
        ps_coords_draw(&x, &p, w, s2);
        ps_engine e = ps_engine_local(&t, &x, 1, 0);
        double eta = ps_learning_rate(&p, w, s2, t.astar_op);
        for (int i = 0; i < 750; i++) {
            ps_record r;
            e.ops->measure(&e, &r);
            e.ops->keep_best(&e);
            e.ops->gd_step(&e, eta);
            e.ops->sc_step(&e, eta, s2 * (double)w, s2 * (double)w);
        }
        double sr = e.ops->best_stable_rank(&e);
        printf("  750 iterations: %.2f s (target < 10 s); final stable rank %.3f\n", now() - t0, sr);
        e.ops->destroy(&e);
        ps_teacher_free(&t);
    }
    return 0;
}

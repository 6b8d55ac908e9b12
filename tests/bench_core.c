/* bench_core: per-step cost of the local engine, printed, never asserted.
 *   GD step (A = U2^T U1, R, both updates: 12 d^3 flops at m = 2d) vs OpenBLAS dgemm's rate,
 *   theory step, reduced vs explicit at d = 100, and a full 750-iteration run at d = 200. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "blascheck.h"
#include "dynamics.h"
#include "run.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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

static double sc_step_ms(int d, const ps_teacher *t, int reps)
{
    ps_sc_work w;
    ps_sc_work_alloc(&w, d);
    double *B = malloc(sizeof(double) * d * d), *G = malloc(sizeof(double) * d * d);
    for (int i = 0; i < d * d; i++) {
        B[i] = t->Y[i];
        G[i] = 1e-3 * t->Y[i];
    }
    sc_step(d, B, G, 1e-9, 3.0, &w);
    double t0 = now();
    for (int i = 0; i < reps; i++) sc_step(d, B, G, 1e-9, 3.0, &w);
    t0 = now() - t0;
    ps_sc_work_free(&w);
    free(B);
    free(G);
    return 1e3 * t0 / reps;
}

int main(void)
{
    const int ds[] = {50, 100, 200, 400};
    printf("phasesweep bench_core (1 BLAS thread; OpenBLAS kernel %s, CPU %s)\n", ps_blas_core(),
           ps_cpu_best_isa());
    printf("%5s %12s %12s %12s %12s %9s\n", "d", "gd_ms/step", "gd_GFLOP/s", "dgemm_GFLOP/s",
           "theory_ms", "gd/dgemm");
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        int d = ds[i];
        ps_params p = params_at(d, -1.5, 2.0, PS_MODE_REDUCED); /* w = d^2 >= 2d: m = 2d */
        p.k = 5;
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        double ms = gd_step_ms(&p, &t, reps_for(d));
        double gf = 12.0 * d * d * (double)d / (ms * 1e-3) * 1e-9, ref = dgemm_gflops(d);
        double th = sc_step_ms(d, &t, reps_for(d) / 2);
        printf("%5d %12.3f %12.2f %12.2f %12.3f %8.0f%%\n", d, ms, gf, ref, th, 100 * gf / ref);
        ps_teacher_free(&t);
    }

    printf("\nreduced vs explicit at d = 100 (ms per GD step)\n%10s %12s %12s\n", "w", "reduced",
           "explicit");
    {
        ps_params p = params_at(100, -2.0, 2.0, PS_MODE_REDUCED);
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        const double gws[] = {2.0, 2.5}; /* w = 10^4, 10^5 */
        for (int i = 0; i < 2; i++) {
            ps_params pr = params_at(100, -2.0, gws[i], PS_MODE_REDUCED);
            ps_params pe = params_at(100, -2.0, gws[i], PS_MODE_EXPLICIT);
            double r = gd_step_ms(&pr, &t, 100), e = gd_step_ms(&pe, &t, 5);
            printf("%10lld %12.3f %12.3f\n", (long long)ps_width(100, gws[i]), r, e);
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
            e.ops->sc_step(&e, eta, s2 * (double)w);
        }
        double sr = e.ops->best_stable_rank(&e);
        printf("  750 iterations: %.2f s (target < 10 s); final stable rank %.3f\n", now() - t0, sr);
        e.ops->destroy(&e);
        ps_teacher_free(&t);
    }
    return 0;
}

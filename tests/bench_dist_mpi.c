/* bench_dist_mpi: ms per GD step (measure + gd_step) and per theory step for the local engine
 * on one rank (P = 1) and the ScaLAPACK engine on a group of 2 (P = 2) with its default
 * eigensolver (ELPA 1-stage when built with it) and with pdsyevd, the speedups (best of a few
 * steps each), and the crossover: the smallest d of the ladder from which on a 2-rank group's
 * iteration (GD + theory step) beats one rank's -- what --group-size auto's
 * PS_GROUP_CROSSOVER_D should be on this machine. Printed, never asserted. Run as
 * `mpirun -n 2` with OPENBLAS_NUM_THREADS=1 (it also sets one BLAS thread itself).
 * While rank 0 times P = 1, rank 1 sleeps in an MPI_Iprobe + nanosleep loop: an MPI_Recv or
 * MPI_Barrier would spin and take the core rank 0's BLAS is meant to have to itself.
 * Optional arguments: d values (e.g. `bench_dist_mpi 512 1024`), then nb=N, grid=RxC.
 * `bench_dist_mpi solvers D...` instead compares the group's theory-step variants at each D in
 * one process, interleaved step by step so that all see the same load (median of 5 each):
 * ELPA 1-stage and pdsyevd on the 1x2 and 2x1 grids, nb = 64 and 128. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blascheck.h"
#include "dist.h"
#include "elpa_eigh.h"
#include "group.h"
#include "run.h"

enum { TAG_DONE = 7 };

typedef struct timing {
    double gd_ms, th_ms;
} timing;

/* Until rank `from` says done, sleep in 1 ms naps instead of spinning in MPI. */
static void idle_until_done(MPI_Comm comm, int from)
{
    int flag = 0, token;
    struct timespec nap = {0, 1000000};
    while (!flag) {
        MPI_Iprobe(from, TAG_DONE, comm, &flag, MPI_STATUS_IGNORE);
        if (!flag) nanosleep(&nap, NULL);
    }
    MPI_Recv(&token, 1, MPI_INT, from, TAG_DONE, comm, MPI_STATUS_IGNORE);
}

static double barrier_time(MPI_Comm comm)
{
    if (comm != MPI_COMM_NULL) MPI_Barrier(comm);
    return MPI_Wtime();
}

/* Best of gd_reps GD steps and of reps theory steps (after one of each to warm up): the machine
 * may be shared, and the best is the one least disturbed. comm is the group, for a barrier
 * around each timed step (MPI_COMM_NULL for the local engine). */
static timing time_engine(ps_engine *e, MPI_Comm comm, int gd_reps, int reps, double c)
{
    const double eta = 1e-12; /* tiny: timing must not run into overflow */
    ps_record r;
    timing best = {1e300, 1e300};
    e->ops->measure(e, &r);
    e->ops->gd_step(e, eta);
    for (int i = 0; i < gd_reps; i++) {
        double t0 = barrier_time(comm);
        e->ops->measure(e, &r);
        e->ops->gd_step(e, eta);
        double t = barrier_time(comm) - t0;
        if (t < best.gd_ms) best.gd_ms = t;
    }
    e->ops->sc_step(e, eta, c, c);
    for (int i = 0; i < reps; i++) {
        double t0 = barrier_time(comm);
        e->ops->sc_step(e, eta, c, c);
        double t = barrier_time(comm) - t0;
        if (t < best.th_ms) best.th_ms = t;
    }
    best.gd_ms *= 1e3;
    best.th_ms *= 1e3;
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The `solvers` mode: see the head of the file. */
static void compare_solvers(MPI_Comm group, int rank, const int *ds, int nd)
{
    enum { NV = 6, REPS = 5 };
    static const struct { const char *solver; int prow, pcol, nb; const char *name; }
    v[NV] = {{"elpa", 1, 2, 64, "elpa 1x2 nb64"},
             {"elpa", 2, 1, 64, "elpa 2x1 nb64"},
             {"elpa", 1, 2, 128, "elpa 1x2 nb128"},
             {"pdsyevd", 1, 2, 64, "pdsyevd 1x2 nb64"},
             {"pdsyevd", 2, 1, 64, "pdsyevd 2x1 nb64"},
             {"pdsyevd", 1, 2, 128, "pdsyevd 1x2 nb128"}};
    int nv = ps_elpa_available() ? NV : 0;
    if (rank == 0) {
        printf("group theory step, 2 ranks, interleaved (median ms of %d; x = vs %s)\n", REPS,
               nv ? v[3].name : "none: no ELPA in this build");
        fflush(stdout);
    }
    for (int k = 0; k < nd && nv; k++) {
        int d = ds[k];
        ps_params p;
        ps_params_default(&p);
        p.d = d;
        p.gs = -1.5;
        p.gw = 2.0;
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        int64_t w = ps_width(d, p.gw);
        double s2 = ps_sigma2(d, p.gs), c = s2 * (double)w, ms[NV][REPS];
        ps_engine e[NV];
        ps_record r;
        for (int i = 0; i < nv; i++) {
            ps_coords x;
            ps_coords_draw(&x, &p, w, s2);
            e[i] = ps_engine_dist_solver(group, &t, &x, 1, 0, v[i].nb, v[i].prow, v[i].pcol,
                                         v[i].solver);
            e[i].ops->measure(&e[i], &r);
            e[i].ops->sc_step(&e[i], 1e-12, c, c); /* warm-up */
        }
        ps_teacher_free(&t);
        for (int j = 0; j < REPS; j++)
            for (int i = 0; i < nv; i++) {
                double t0 = barrier_time(group);
                e[i].ops->sc_step(&e[i], 1e-12, c, c);
                ms[i][j] = 1e3 * (barrier_time(group) - t0);
            }
        double med[NV];
        for (int i = 0; i < nv; i++) {
            qsort(ms[i], REPS, sizeof(double), cmp_double);
            med[i] = ms[i][REPS / 2];
            e[i].ops->destroy(&e[i]);
        }
        if (rank == 0) {
            for (int i = 0; i < nv; i++)
                printf("  d = %5d  %-18s %10.1f ms  %5.2fx\n", d, v[i].name, med[i],
                       med[3] / med[i]);
            fflush(stdout);
        }
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    openblas_set_num_threads(1); /* one core per rank, as in a sweep */
    int rank, size, nb = PS_DIST_NB, prow = 0, pcol = 0, nd = 0, ds[16];
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int solvers = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "solvers") == 0) solvers = 1;
        else if (strncmp(argv[i], "nb=", 3) == 0) nb = atoi(argv[i] + 3);
        else if (strncmp(argv[i], "grid=", 5) == 0) sscanf(argv[i] + 5, "%dx%d", &prow, &pcol);
        else if (nd < 16) ds[nd++] = atoi(argv[i]);
    }
    if (nd == 0 && solvers) ds[nd++] = 1024;
    if (nd == 0) {
        static const int ladder[] = {384, 512, 768, 1024, 1536, 2048};
        for (size_t i = 0; i < sizeof ladder / sizeof ladder[0]; i++) ds[nd++] = ladder[i];
    }
    double speedup[16];
    /* ranks 0 and 1 are the group; any further rank only waits */
    MPI_Comm group;
    MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : MPI_UNDEFINED, rank, &group);
    if (group == MPI_COMM_NULL) {
        MPI_Finalize();
        return 0;
    }
    int P;
    MPI_Comm_size(group, &P);
    if (solvers) {
        if (P == 2) compare_solvers(group, rank, ds, nd);
        MPI_Comm_free(&group);
        MPI_Finalize();
        return 0;
    }
    if (prow * pcol != P) ps_dist_grid_shape(P, &prow, &pcol);
    if (rank == 0) {
        printf("phasesweep bench_dist_mpi (1 BLAS thread per rank; m = 2d, theory on; nb = %d, "
               "P = %d grid %dx%d; group eigensolver %s, and pdsyevd)\n", nb, P, prow, pcol,
               ps_elpa_available() ? "ELPA 1-stage" : "pdsyevd");
        printf("%6s %11s %11s %11s %11s %11s %7s %7s %7s %7s\n", "d", "gd_ms P=1",
               "gd_ms P=2", "th_ms P=1", "th_ms P=2", "th_ms evd", "gd x", "th x", "evd x",
               "iter x");
        printf("OpenBLAS kernel %s, CPU %s, dgemm %.1f GFLOP/s at n = 1024 on rank 0\n",
               ps_blas_core(), ps_cpu_best_isa(), ps_blas_dgemm_gflops(1024, 2));
        fflush(stdout);
    }
    for (int k = 0; k < nd; k++) {
        int d = ds[k], reps = d <= 1024 ? 3 : 2;
        ps_params p;
        ps_params_default(&p);
        p.d = d;
        p.gs = -1.5;
        p.gw = 2.0; /* w = d^2 >= 2d: Bartlett, m = 2d */
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        int64_t w = ps_width(d, p.gw);
        double s2 = ps_sigma2(d, p.gs), c = s2 * (double)w;
        ps_coords x;
        timing one = {0, 0}, two;
        if (rank == 0) {
            ps_coords_draw(&x, &p, w, s2);
            ps_engine e = ps_engine_local(&t, &x, 1, 0);
            one = time_engine(&e, MPI_COMM_NULL, reps, reps, c);
            e.ops->destroy(&e);
            int token = 1;
            for (int r = 1; r < P; r++) MPI_Send(&token, 1, MPI_INT, r, TAG_DONE, group);
        } else {
            idle_until_done(group, 0);
        }
        ps_coords_draw(&x, &p, w, s2);
        ps_engine e = ps_engine_dist_grid(group, &t, &x, 1, 0, nb, prow, pcol);
        two = time_engine(&e, group, reps, reps, c);
        e.ops->destroy(&e);
        timing evd = two;
        if (ps_elpa_available()) {
            ps_coords_draw(&x, &p, w, s2);
            e = ps_engine_dist_solver(group, &t, &x, 1, 0, nb, prow, pcol, "pdsyevd");
            evd = time_engine(&e, group, 0, reps, c); /* theory only */
            e.ops->destroy(&e);
        }
        ps_teacher_free(&t);
        speedup[k] = (one.gd_ms + one.th_ms) / (two.gd_ms + two.th_ms);
        if (rank == 0) {
            printf("%6d %11.1f %11.1f %11.1f %11.1f %11.1f %6.2fx %6.2fx %6.2fx %6.2fx\n", d,
                   one.gd_ms, two.gd_ms, one.th_ms, two.th_ms, evd.th_ms, one.gd_ms / two.gd_ms,
                   one.th_ms / two.th_ms, one.th_ms / evd.th_ms, speedup[k]);
            fflush(stdout);
        }
    }
    if (rank == 0) {
        /* the smallest d from which on every larger d of the list also gains */
        int cross = -1;
        for (int k = nd - 1; k >= 0 && speedup[k] > 1.0; k--) cross = ds[k];
        if (cross > 0)
            printf("crossover: a 2-rank group's iteration beats one rank's from d = %d on "
                   "(of the d measured); --group-size auto uses d >= %d\n", cross,
                   PS_GROUP_CROSSOVER_D);
        else
            printf("crossover: no gain up to d = %d; --group-size auto uses d >= %d\n",
                   ds[nd - 1], PS_GROUP_CROSSOVER_D);
    }
    MPI_Comm_free(&group);
    MPI_Finalize();
    return 0;
}

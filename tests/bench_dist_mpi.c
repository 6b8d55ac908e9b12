/* bench_dist_mpi: ms per GD step (measure + gd_step) and per theory step at d = 1024, 2048 for
 * the local engine on one rank (P = 1) and the ScaLAPACK engine on a group of 2 (P = 2), and
 * the speedup (best of a few steps each). Printed, never asserted. Run as `mpirun -n 2` with
 * OPENBLAS_NUM_THREADS=1 (it also sets one BLAS thread itself).
 * While rank 0 times P = 1, rank 1 sleeps in an MPI_Iprobe + nanosleep loop: an MPI_Recv or
 * MPI_Barrier would spin and take the core rank 0's BLAS is meant to have to itself.
 * Optional arguments: d values (e.g. `bench_dist_mpi 512 1024`), then nb=N, grid=RxC. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blascheck.h"
#include "dist.h"
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

/* Best of reps GD steps and of reps theory steps (after one of each to warm up): the machine
 * may be shared, and the best is the one least disturbed. comm is the group, for a barrier
 * around each timed step (MPI_COMM_NULL for the local engine). */
static timing time_engine(ps_engine *e, MPI_Comm comm, int reps, double c)
{
    const double eta = 1e-12; /* tiny: timing must not run into overflow */
    ps_record r;
    timing best = {1e300, 1e300};
    e->ops->measure(e, &r);
    e->ops->gd_step(e, eta);
    for (int i = 0; i < reps; i++) {
        double t0 = barrier_time(comm);
        e->ops->measure(e, &r);
        e->ops->gd_step(e, eta);
        double t = barrier_time(comm) - t0;
        if (t < best.gd_ms) best.gd_ms = t;
    }
    e->ops->sc_step(e, eta, c);
    for (int i = 0; i < reps; i++) {
        double t0 = barrier_time(comm);
        e->ops->sc_step(e, eta, c);
        double t = barrier_time(comm) - t0;
        if (t < best.th_ms) best.th_ms = t;
    }
    best.gd_ms *= 1e3;
    best.th_ms *= 1e3;
    return best;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    openblas_set_num_threads(1); /* one core per rank, as in a sweep */
    int rank, size, nb = PS_DIST_NB, prow = 0, pcol = 0, nd = 0, ds[8];
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "nb=", 3) == 0) nb = atoi(argv[i] + 3);
        else if (strncmp(argv[i], "grid=", 5) == 0) sscanf(argv[i] + 5, "%dx%d", &prow, &pcol);
        else if (nd < 8) ds[nd++] = atoi(argv[i]);
    }
    if (nd == 0) {
        ds[nd++] = 1024;
        ds[nd++] = 2048;
    }
    /* ranks 0 and 1 are the group; any further rank only waits */
    MPI_Comm group;
    MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : MPI_UNDEFINED, rank, &group);
    if (group == MPI_COMM_NULL) {
        MPI_Finalize();
        return 0;
    }
    int P;
    MPI_Comm_size(group, &P);
    if (prow * pcol != P) ps_dist_grid_shape(P, &prow, &pcol);
    if (rank == 0) {
        printf("phasesweep bench_dist_mpi (1 BLAS thread per rank; m = 2d, theory on; nb = %d, "
               "P = %d grid %dx%d)\n", nb, P, prow, pcol);
        printf("OpenBLAS kernel %s, CPU %s, dgemm %.1f GFLOP/s at n = 1024 on rank 0\n",
               ps_blas_core(), ps_cpu_best_isa(), ps_blas_dgemm_gflops(1024, 2));
        printf("%6s %14s %14s %14s %14s %9s %9s\n", "d", "gd_ms P=1", "gd_ms P=2",
               "theory_ms P=1", "theory_ms P=2", "gd x", "theory x");
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
            one = time_engine(&e, MPI_COMM_NULL, reps, c);
            e.ops->destroy(&e);
            int token = 1;
            for (int r = 1; r < P; r++) MPI_Send(&token, 1, MPI_INT, r, TAG_DONE, group);
        } else {
            idle_until_done(group, 0);
        }
        ps_coords_draw(&x, &p, w, s2);
        ps_engine e = ps_engine_dist_grid(group, &t, &x, 1, 0, nb, prow, pcol);
        ps_teacher_free(&t);
        two = time_engine(&e, group, reps, c);
        e.ops->destroy(&e);
        if (rank == 0) {
            printf("%6d %14.1f %14.1f %14.1f %14.1f %9.2f %9.2f\n", d, one.gd_ms, two.gd_ms,
                   one.th_ms, two.th_ms, one.gd_ms / two.gd_ms, one.th_ms / two.th_ms);
            fflush(stdout);
        }
    }
    MPI_Comm_free(&group);
    MPI_Finalize();
    return 0;
}

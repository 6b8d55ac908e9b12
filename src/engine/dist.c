/* dist: the ScaLAPACK group engine -- the shared steps (steps.c) on the ScaLAPACK backend
 * (dense_dist.c) -- its grid shape and its memory. */
#include "dist.h"

#include "check.h"
#include "steps.h"

ps_engine ps_engine_dist_solver(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                                int trace, int nb, int prow, int pcol, const char *solver)
{
    return ps_engine_dense(ps_dense_dist(group, nb, prow, pcol), t, x0, theory, trace, solver);
}

ps_engine ps_engine_dist_grid(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                              int trace, int nb, int prow, int pcol)
{
    return ps_engine_dist_solver(group, t, x0, theory, trace, nb, prow, pcol, NULL);
}

int ps_dist_grid_shape(int P, int *prow, int *pcol)
{
    *prow = *pcol = 0;
    if (P < 1) return -1;
    int r = 1;
    for (int q = 1; q * q <= P; q++)
        if (P % q == 0) r = q;
    *prow = r;
    *pcol = P / r;
    return 0;
}

ps_engine ps_engine_dist(MPI_Comm group, const ps_teacher *t, ps_coords *x0, int theory,
                         int trace, int nb)
{
    int P, prow, pcol;
    PS_MPI(MPI_Comm_size(group, &P));
    ps_dist_grid_shape(P, &prow, &pcol);
    return ps_engine_dist_grid(group, t, x0, theory, trace, nb, prow, pcol);
}

/* dynamics: the array-level GD and theory steps and the local engine, as the shared steps
 * (steps.c) on the local backend (dense_local.c). */
#include "dynamics.h"

#include "dense.h"

void ps_gd_step_reduced(int m, int d, double *U1, double *U2, const double *R, double eta)
{
    ps_dense b = ps_dense_local();
    ps_mat u1 = ps_mat_view(U1, m, d), u2 = ps_mat_view(U2, m, d);
    ps_mat r = ps_mat_view((double *)R, d, d); /* read only */
    ps_gd_step(&b, m, d, &u1, &u2, &r, eta);
}

void ps_sc_work_alloc_solver(ps_sc_work *w, int d, const char *solver)
{
    w->own = ps_dense_local();
    ps_theory_work_init(w, &w->own, d, solver);
}

void ps_sc_work_alloc(ps_sc_work *w, int d) { ps_sc_work_alloc_solver(w, d, NULL); }

void ps_sc_eigh(ps_sc_work *w, double *H)
{
    ps_mat h = ps_mat_view(H, w->d, w->d);
    ps_theory_eigh(w, &h);
}

void ps_sc_work_free(ps_sc_work *w)
{
    ps_theory_work_free(w);
    w->own.ops->destroy(&w->own);
}

void ps_sc_step(int d, double *B, const double *G, double eta, double c, ps_sc_work *w)
{
    ps_mat b = ps_mat_view(B, d, d), g = ps_mat_view((double *)G, d, d); /* G read only */
    ps_theory_step(w, &b, &g, eta, c);
}

ps_engine ps_engine_local_solver(const ps_teacher *t, ps_coords *x0, int theory, int trace,
                                 const char *eigensolver)
{
    return ps_engine_dense(ps_dense_local(), t, x0, theory, trace, eigensolver);
}

ps_engine ps_engine_local(const ps_teacher *t, ps_coords *x0, int theory, int trace)
{
    return ps_engine_local_solver(t, x0, theory, trace, NULL);
}

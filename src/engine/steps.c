/* steps: the dynamics written once over the dense seam -- the measure, the GD step, the
 * theory step and B(0) -- and the engine every backend becomes with them. Each line is one op
 * of dense.h; the backends keep the bits of the hand-written engines they replaced. */
#include "steps.h"

#include <math.h>
#include <stdlib.h>

#include "check.h"

void ps_theory_work_init(ps_sc_work *w, ps_dense *b, int d, const char *solver)
{
    const ps_dense_ops *o = b->ops;
    w->d = d;
    w->b = b;
    o->mat_init(b, &w->Q, d, d, "theory Q");
    o->mat_init(b, &w->H, d, d, "theory H");
    o->mat_init(b, &w->K, d, d, "theory K");
    o->mat_init(b, &w->T1, d, d, "theory T1");
    o->mat_init(b, &w->T2, d, d, "theory T2");
    w->ev = ps_malloc(sizeof(double) * (size_t)d, "theory eigenvalues");
    w->sh = ps_malloc(sizeof(double) * (size_t)d, "theory scales");
    w->sg = ps_malloc(sizeof(double) * (size_t)d, "theory scales");
    w->solver = ps_eigensolver_pick(solver, b, d);
    w->eig = w->solver->setup(b, d, &w->H, &w->Q);
}

void ps_theory_work_free(ps_sc_work *w)
{
    ps_dense *b = w->b;
    ps_mat *all[] = {&w->Q, &w->H, &w->K, &w->T1, &w->T2};
    w->solver->release(w->eig);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) b->ops->mat_free(b, all[i]);
    free(w->ev); free(w->sh); free(w->sg);
    w->eig = NULL;
}

void ps_theory_eigh(ps_sc_work *w, ps_mat *H) { w->solver->solve(w->eig, w->b, H, &w->Q, w->ev); }

/* With B^T B = Q S^2 Q^T and B = P S Q^T, write sqrt(s^2 + c^2) = c + g(s) where
 * g = s^2 h, h = 1 / (sqrt(s^2 + c^2) + c). Then
 *   (B^T B + c1^2)^{1/2} = c1 I + Q g1 Q^T = c1 I + K,
 *   (B B^T + c2^2)^{1/2} = c2 I + P g2 P^T = c2 I + B (Q h2 Q^T) B^T = c2 I + B H B^T,
 * so one symmetric eigendecomposition replaces the SVD, zero singular values need no care,
 * and the large-c (lazy) case loses nothing to cancellation: the update is
 *   eta ((c1 + c2) G + B H B^T G + G K),  H = T1 T1^T, K = T2 T2^T, T1 = Q h2^{1/2},
 * T2 = Q g1^{1/2}. At c1 == c2 = c every number is the one-constant step's: h1 = h2 and
 * c1 + c2 = 2 c exactly. */
void ps_theory_step2(ps_sc_work *w, ps_mat *B, const ps_mat *G, double eta, double c1,
                     double c2)
{
    ps_dense *b = w->b;
    const ps_dense_ops *o = b->ops;
    int d = w->d;
    o->syrk(b, 'T', d, d, B, &w->H);
    ps_theory_eigh(w, &w->H);
    for (int j = 0; j < d; j++) {
        double s2 = w->ev[j] > 0.0 ? w->ev[j] : 0.0; /* rounding can make S^2 slightly < 0 */
        double h1 = 1.0 / (hypot(sqrt(s2), c1) + c1), h2 = 1.0 / (hypot(sqrt(s2), c2) + c2);
        w->sh[j] = sqrt(h2);
        w->sg[j] = sqrt(s2 * h1);
    }
    o->scale_cols(b, &w->T1, &w->Q, w->sh);
    o->scale_cols(b, &w->T2, &w->Q, w->sg);
    o->syrk(b, 'N', d, d, &w->T1, &w->H);
    o->syrk(b, 'N', d, d, &w->T2, &w->K);
    o->gemm(b, 'T', 'N', d, d, d, 1.0, B, G, 0.0, &w->T1);
    o->symm(b, 'L', d, d, &w->H, &w->T1, 0.0, &w->T2);
    o->gemm(b, 'N', 'N', d, d, d, 1.0, B, &w->T2, 0.0, &w->T1);
    o->symm(b, 'R', d, d, &w->K, G, 1.0, &w->T1);
    o->sub_comb(b, B, eta, c1 + c2, G, &w->T1);
}

void ps_theory_step(ps_sc_work *w, ps_mat *B, const ps_mat *G, double eta, double c)
{
    ps_theory_step2(w, B, G, eta, c, c);
}

void ps_gd_step(ps_dense *b, int m, int d, ps_mat *U1, ps_mat *U2, const ps_mat *R, double eta)
{
    b->ops->gemm(b, 'N', 'N', m, d, d, -eta, U2, R, 1.0, U1);
    b->ops->gemm(b, 'N', 'T', m, d, d, -eta, U1, R, 1.0, U2);
}

void ps_gd_step_simultaneous(ps_dense *b, int m, int d, ps_mat *U1, ps_mat *U2,
                             const ps_mat *R, double eta, ps_mat *U1_old)
{
    b->ops->copy(b, U1_old, U1);
    b->ops->gemm(b, 'N', 'N', m, d, d, -eta, U2, R, 1.0, U1);
    b->ops->gemm(b, 'N', 'T', m, d, d, -eta, U1_old, R, 1.0, U2);
}

/* ---- the engine ---- */

typedef struct dense_engine {
    ps_dense b;
    int d, m, theory;
    int masked;   /* completion: R and G are (1/P) M o (. - Y) */
    double P;     /* the observed share (1 for denoise) */
    enum ps_update update;
    ps_mat U1, U2, A, R, Astar, Y, A_best, B, G, M;
    ps_mat U1_old; /* simultaneous: the U1 a step started from (made once, by set_update) */
    ps_sc_work sc;
} dense_engine;

/* A = U2^T U1 (the same product gives B(0) = A(0)). */
static void form_A(dense_engine *s, ps_mat *A)
{
    s->b.ops->gemm(&s->b, 'T', 'N', s->d, s->d, s->m, 1.0, &s->U2, &s->U1, 0.0, A);
}

/* The residual of X in place into out: X - Y, or (1/P) M o (X - Y) for completion, the gradient
 * of the train loss ||M o (X - Y)||^2 / (2 P) that both dynamics descend. */
static void residual(dense_engine *s, ps_mat *out, const ps_mat *X)
{
    s->b.ops->sub(&s->b, out, X, &s->Y);
    if (s->masked) s->b.ops->mask(&s->b, out, &s->M, 1.0 / s->P);
}

/* L_train = ||M o (X - Y)||^2 / (P d^2) = P ||residual||^2 / d^2 (denoise: P = 1, exactly the
 * plain ||X - Y||^2 / d^2). */
static double train_loss(const dense_engine *s, double residual2, double dd)
{
    return s->masked ? residual2 * s->P / dd : residual2 / dd;
}

static void measure(ps_engine *e, ps_record *rec)
{
    dense_engine *s = e->state;
    ps_dense *b = &s->b;
    const ps_dense_ops *o = b->ops;
    double dd = (double)s->d * s->d, v[5] = {0, 0, 0, 0, 0};
    form_A(s, &s->A);
    residual(s, &s->R, &s->A);
    v[0] = o->dist2_part(b, &s->R, NULL);
    v[1] = o->dist2_part(b, &s->A, &s->Astar);
    if (s->theory) {
        residual(s, &s->G, &s->B);
        v[2] = o->dist2_part(b, &s->G, NULL);
        v[3] = o->dist2_part(b, &s->B, &s->Astar);
        v[4] = o->dist2_part(b, &s->A, &s->B);
    }
    o->sums(b, v, 5);
    rec->train = train_loss(s, v[0], dd);
    rec->test = v[1] / dd;
    rec->th_train = rec->th_test = rec->distance = NAN;
    if (!s->theory) return;
    rec->th_train = train_loss(s, v[2], dd);
    rec->th_test = v[3] / dd;
    rec->distance = v[4] / dd;
}

static void gd_step(ps_engine *e, double eta)
{
    dense_engine *s = e->state;
    if (s->update == PS_UPDATE_SIMULTANEOUS)
        ps_gd_step_simultaneous(&s->b, s->m, s->d, &s->U1, &s->U2, &s->R, eta, &s->U1_old);
    else
        ps_gd_step(&s->b, s->m, s->d, &s->U1, &s->U2, &s->R, eta);
}

static void set_update(ps_engine *e, enum ps_update u)
{
    dense_engine *s = e->state;
    if (u == PS_UPDATE_SIMULTANEOUS && !s->U1_old.a)
        s->b.ops->mat_init(&s->b, &s->U1_old, s->m, s->d, "U1 of the step");
    s->update = u;
}

static void sc_step(ps_engine *e, double eta, double c1, double c2)
{
    dense_engine *s = e->state;
    ps_theory_step2(&s->sc, &s->B, &s->G, eta, c1, c2);
}

static void keep_best(ps_engine *e)
{
    dense_engine *s = e->state;
    s->b.ops->copy(&s->b, &s->A_best, &s->A);
}

/* ||A||_F^2 / ||A||_op^2; runs once per run (op_norm2 allocates its scratch). */
static double best_stable_rank(ps_engine *e)
{
    dense_engine *s = e->state;
    ps_dense *b = &s->b;
    double f = b->ops->dist2_part(b, &s->A_best, NULL);
    b->ops->sums(b, &f, 1);
    double op2 = b->ops->op_norm2(b, &s->A_best);
    return op2 > 0.0 ? f / op2 : 0.0;
}

static void singular_values(ps_engine *e, double *sv_gd, double *sv_th)
{
    dense_engine *s = e->state;
    s->b.ops->singular_values(&s->b, &s->A, sv_gd);
    if (s->theory) s->b.ops->singular_values(&s->b, &s->B, sv_th);
}

static void destroy(ps_engine *e)
{
    dense_engine *s = e->state;
    ps_dense *b = &s->b;
    ps_mat *all[] = {&s->U1, &s->U2, &s->A, &s->R, &s->Astar, &s->Y, &s->A_best, &s->B, &s->G,
                     &s->M, &s->U1_old};
    if (s->theory) ps_theory_work_free(&s->sc);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i]->a) b->ops->mat_free(b, all[i]);
    b->ops->destroy(b);
    free(s);
    e->state = NULL;
}

static const ps_engine_ops dense_ops = {
    .name = "dense",
    .measure = measure,
    .gd_step = gd_step,
    .set_update = set_update,
    .sc_step = sc_step,
    .keep_best = keep_best,
    .best_stable_rank = best_stable_rank,
    .singular_values = singular_values,
    .destroy = destroy,
};

ps_engine ps_engine_dense(ps_dense b, const ps_teacher *t, ps_coords *x0, int theory, int trace,
                          const char *eigensolver)
{
    dense_engine *s = ps_calloc(1, sizeof *s, "engine");
    const ps_dense_ops *o = b.ops;
    int d = t->d;
    if (x0->d != d)
        ps_fail(PS_EXIT_FAIL, "ps_engine_dense", "coordinates of d = %d for a teacher of d = %d",
                x0->d, d);
    s->b = b;
    s->d = d;
    s->m = x0->m;
    s->theory = theory;
    /* x0 is one allocation, U2 = U1 + m d (init.h): U2 is read before U1 takes it over */
    o->mat_borrow(&s->b, &s->U2, x0->U2, s->m, d, "U2");
    o->mat_take(&s->b, &s->U1, x0->U1, s->m, d, "U1");
    x0->U1 = x0->U2 = NULL;
    o->mat_init(&s->b, &s->A, d, d, "A");
    o->mat_init(&s->b, &s->R, d, d, "R");
    o->mat_init(&s->b, &s->A_best, d, d, "A_best");
    o->mat_borrow(&s->b, &s->Astar, t->Astar, d, d, "A*");
    o->mat_borrow(&s->b, &s->Y, t->Y, d, d, "Y");
    s->masked = t->mask != NULL;
    s->P = t->mask ? t->observed : 1.0;
    if (s->masked) o->mat_borrow(&s->b, &s->M, t->mask, d, d, "completion mask");
    if (theory) {
        o->mat_init(&s->b, &s->B, d, d, "B");
        o->mat_init(&s->b, &s->G, d, d, "G");
        form_A(s, &s->B); /* B(0) = A(0) */
        ps_theory_work_init(&s->sc, &s->b, d, eigensolver);
    }
    if (trace) o->svd_prepare(&s->b, d);
    return (ps_engine){.ops = &dense_ops, .state = s};
}

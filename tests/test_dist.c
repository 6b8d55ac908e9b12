/* dist: the ScaLAPACK group engine reproduces the local engine -- every per-iteration record
 * and the metrics of whole runs with the theory, for d a multiple of the block size and not,
 * m = 2d (Bartlett) and m = w < 2d, on both 2-rank grids (1x2, 2x1) -- and gives every rank of
 * the group the same bits. Run under mpirun -n 2: ranks 0, 1 form the group. With more ranks
 * the others form a second group of their own, and one extra case runs on all ranks at once
 * (test_world_group, 3 ranks or more; tests/run_all.sh runs both counts).
 * mpirun-ranks: 2 3 */
#include <math.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cblas.h>

#include "dist.h"
#include "elpa_eigh.h"
#include "group.h"
#include "run.h"

typedef struct ctx {
    MPI_Comm comm;
    int P;
} ctx;

/* An engine that forwards to another and keeps what measure recorded. */
typedef struct recorder {
    ps_engine inner;
    ps_record *recs;
    int n, cap;
} recorder;

static void rec_measure(ps_engine *e, ps_record *r)
{
    recorder *w = e->state;
    w->inner.ops->measure(&w->inner, r);
    if (w->n < w->cap) w->recs[w->n++] = *r;
}
static void rec_gd(ps_engine *e, double eta)
{
    recorder *w = e->state;
    w->inner.ops->gd_step(&w->inner, eta);
}
static void rec_sc(ps_engine *e, double eta, double c1, double c2)
{
    recorder *w = e->state;
    w->inner.ops->sc_step(&w->inner, eta, c1, c2);
}
static void rec_keep(ps_engine *e)
{
    recorder *w = e->state;
    w->inner.ops->keep_best(&w->inner);
}
static double rec_rank(ps_engine *e)
{
    recorder *w = e->state;
    return w->inner.ops->best_stable_rank(&w->inner);
}
static void rec_sv(ps_engine *e, double *a, double *b)
{
    recorder *w = e->state;
    w->inner.ops->singular_values(&w->inner, a, b);
}
static void rec_destroy(ps_engine *e)
{
    recorder *w = e->state;
    w->inner.ops->destroy(&w->inner);
}
static void rec_update(ps_engine *e, enum ps_update u)
{
    recorder *w = e->state;
    w->inner.ops->set_update(&w->inner, u);
}
static const ps_engine_ops rec_ops = {"recorder", rec_measure, rec_gd, rec_sc, rec_keep,
                                      rec_rank, rec_sv, rec_destroy, rec_update};

typedef struct run_case {
    int d, nb;
    double gs, gw;
    int theory, max_iter;
} run_case;

typedef struct run_out {
    ps_result res;
    ps_record *recs;
    int n;
} run_out;

static ps_params case_params(const run_case *c)
{
    ps_params p;
    ps_params_default(&p);
    p.d = c->d;
    p.k = 5;
    p.gs = c->gs;
    p.gw = c->gw;
    p.theory = c->theory;
    p.max_iter = c->max_iter;
    return p;
}

/* The group eigensolver of the dist runs below (NULL = auto: ELPA when built with it). */
static const char *solver_under_test = NULL;

/* One whole run with the local engine (comm == MPI_COMM_NULL) or the dist engine. */
static void run_one(const run_case *c, MPI_Comm comm, int nb, int prow, int pcol, run_out *out)
{
    ps_params p = case_params(c);
    ps_teacher t;
    ps_teacher_generate(&t, &p);
    int64_t w = ps_width(p.d, p.gw);
    double s2 = ps_sigma2(p.d, p.gs), lr = ps_learning_rate(&p, w, s2, t.astar_op);
    ps_coords x;
    ps_coords_draw(&x, &p, w, s2);
    recorder r = {.cap = p.max_iter, .recs = calloc((size_t)p.max_iter, sizeof(ps_record))};
    if (comm == MPI_COMM_NULL) {
        r.inner = ps_engine_local(&t, &x, p.theory, 0);
    } else {
        r.inner = ps_engine_dist_solver(comm, &t, &x, p.theory, 0, nb, prow, pcol,
                                        solver_under_test);
        assert_null(x.U1); /* taken over */
        ps_teacher_free(&t); /* the engine keeps its own blocks */
    }
    ps_engine e = {&rec_ops, &r};
    ps_run_engine(&p, &e, s2, w, lr, &out->res, NULL, NULL);
    e.ops->destroy(&e);
    if (comm == MPI_COMM_NULL) ps_teacher_free(&t);
    out->recs = r.recs;
    out->n = r.n;
}

/* |a - b| <= rtol max(|a|, |b|); *worst keeps the largest relative difference, for the log. */
static void assert_close(double a, double b, double rtol, const char *what, int i,
                         double *worst)
{
    double scale = fmax(fabs(a), fabs(b));
    if (scale > 0.0 && fabs(a - b) / scale > *worst) *worst = fabs(a - b) / scale;
    if (!(fabs(a - b) <= rtol * scale)) {
        print_error("%s at iteration %d: local %.17g, dist %.17g\n", what, i, a, b);
        fail();
    }
}

/* Every value the run produced, packed, is the same on all ranks of comm (bitwise). */
static void assert_same_on_all_ranks(MPI_Comm comm, const run_out *o)
{
    int n = 5 * o->n + 6;
    double *v = malloc(sizeof(double) * n), *lo = malloc(sizeof(double) * n),
           *hi = malloc(sizeof(double) * n);
    for (int i = 0; i < o->n; i++) {
        const ps_record *r = &o->recs[i];
        double f[5] = {r->train, r->test, r->th_train, r->th_test, r->distance};
        for (int k = 0; k < 5; k++) v[5 * i + k] = isnan(f[k]) ? -1.0 : f[k];
    }
    double *tail = v + 5 * o->n;
    tail[0] = o->res.min_test_error;
    tail[1] = o->res.stable_rank;
    tail[2] = isnan(o->res.log_distance) ? -1.0 : o->res.log_distance;
    tail[3] = o->res.iterations;
    tail[4] = o->res.n_iter;
    tail[5] = o->res.stop;
    assert_int_equal(MPI_Allreduce(v, lo, n, MPI_DOUBLE, MPI_MIN, comm), MPI_SUCCESS);
    assert_int_equal(MPI_Allreduce(v, hi, n, MPI_DOUBLE, MPI_MAX, comm), MPI_SUCCESS);
    assert_memory_equal(lo, v, sizeof(double) * n);
    assert_memory_equal(hi, v, sizeof(double) * n);
    free(v); free(lo); free(hi);
}

static void compare_case(const ctx *g, const run_case *c, int prow, int pcol)
{
    run_out loc, dist;
    double worst = 0.0;
    run_one(c, MPI_COMM_NULL, 0, 0, 0, &loc);
    run_one(c, g->comm, c->nb, prow, pcol, &dist);
    assert_same_on_all_ranks(g->comm, &dist);
    assert_int_equal(dist.n, loc.n);
    for (int i = 0; i < loc.n; i++) {
        const ps_record *a = &loc.recs[i], *b = &dist.recs[i];
        assert_close(a->train, b->train, 1e-9, "train", i, &worst);
        assert_close(a->test, b->test, 1e-9, "test", i, &worst);
        if (c->theory) {
            assert_close(a->th_train, b->th_train, 1e-9, "th_train", i, &worst);
            assert_close(a->th_test, b->th_test, 1e-9, "th_test", i, &worst);
            assert_close(a->distance, b->distance, 1e-9, "distance", i, &worst);
        } else {
            assert_true(isnan(b->th_train) && isnan(b->th_test) && isnan(b->distance));
        }
    }
    assert_int_equal(dist.res.iterations, loc.res.iterations);
    assert_int_equal(dist.res.n_iter, loc.res.n_iter);
    assert_int_equal(dist.res.stop, loc.res.stop);
    const ps_result *l = &loc.res, *r = &dist.res;
    assert_close(l->min_test_error, r->min_test_error, 1e-9, "min_test_error", -1, &worst);
    assert_close(l->stable_rank, r->stable_rank, 1e-9, "stable_rank", -1, &worst);
    assert_close(l->final_train_error, r->final_train_error, 1e-9, "final train", -1, &worst);
    if (c->theory)
        assert_close(l->log_distance, r->log_distance, 1e-9, "log_distance", -1, &worst);
    else
        assert_true(isnan(dist.res.log_distance));
    int rank;
    MPI_Comm_rank(g->comm, &rank);
    if (rank == 0)
        print_message("[%s] d=%d nb=%d grid %dx%d theory=%d: %d iterations (%s), min test %.6g"
                      " at %d, stable rank %.6g; largest relative difference %.1e\n",
                      solver_under_test ? solver_under_test : "auto", c->d, c->nb,
                      prow, pcol, c->theory, loc.res.n_iter, ps_stop_name(loc.res.stop),
                      loc.res.min_test_error, loc.res.iterations, loc.res.stable_rank, worst);
    free(loc.recs);
    free(dist.recs);
}

/* The case on the group's default grid and on its transpose (1x2 and 2x1 for 2 ranks). */
static void compare_both_grids(void **state, const run_case *c)
{
    const ctx *g = *state;
    int prow, pcol;
    assert_int_equal(ps_dist_grid_shape(g->P, &prow, &pcol), 0);
    compare_case(g, c, prow, pcol);
    if (prow != pcol) compare_case(g, c, pcol, prow);
}

/* d = 64 with nb = 32 (two blocks each way) and nb = 64 (one block: on a 1x2 grid one rank
 * owns no column at all); m = 2d from the Bartlett factor (w = 4096). */
static void test_reduced_d64(void **state)
{
    run_case c = {.d = 64, .nb = 32, .gs = -1.5, .gw = 2.0, .theory = 1, .max_iter = 400};
    compare_both_grids(state, &c);
    c.nb = 64;
    compare_both_grids(state, &c);
}

/* d = 150 is no multiple of the block size: ragged last blocks (64, 64, 22 and 32 x 4, 22). */
static void test_reduced_d150(void **state)
{
    run_case c = {.d = 150, .nb = 64, .gs = -1.5, .gw = 2.0, .theory = 1, .max_iter = 300};
    compare_both_grids(state, &c);
    c.nb = 32;
    compare_both_grids(state, &c);
}

/* m = w = d/2 < 2d: the coordinates are the dense draw of M, m x d with m < d. */
static void test_narrow_width(void **state)
{
    run_case c = {.d = 64, .nb = 16, .gs = -1.0, .gw = log(32.0) / log(64.0), .theory = 1,
                  .max_iter = 400};
    compare_both_grids(state, &c);
    run_case c2 = {.d = 150, .nb = 64, .gs = -1.0, .gw = log(75.0) / log(150.0), .theory = 1,
                   .max_iter = 300};
    compare_both_grids(state, &c2);
}

/* GD alone on the lazy side: the theory fields stay NaN. */
static void test_without_theory(void **state)
{
    run_case c = {.d = 100, .nb = 32, .gs = -0.5, .gw = 2.0, .theory = 0, .max_iter = 200};
    compare_both_grids(state, &c);
}

/* Tracing: pdgesvd's singular values of A and B match LAPACK's on the first iterations. */
static void test_singular_values(void **state)
{
    const ctx *g = *state;
    run_case c = {.d = 150, .nb = 32, .gs = -1.5, .gw = 2.0, .theory = 1, .max_iter = 6};
    ps_params p = case_params(&c);
    ps_teacher t;
    ps_teacher_generate(&t, &p);
    int64_t w = ps_width(p.d, p.gw);
    double s2 = ps_sigma2(p.d, p.gs), lr = ps_learning_rate(&p, w, s2, t.astar_op);
    ps_trace tl, td;
    ps_result rl, rd;
    ps_trace_alloc(&tl, p.max_iter, p.d);
    ps_trace_alloc(&td, p.max_iter, p.d);
    ps_coords x;
    ps_coords_draw(&x, &p, w, s2);
    ps_engine e = ps_engine_local(&t, &x, 1, 1);
    ps_run_engine(&p, &e, s2, w, lr, &rl, &tl, NULL);
    e.ops->destroy(&e);
    ps_coords_draw(&x, &p, w, s2);
    e = ps_engine_dist(g->comm, &t, &x, 1, 1, c.nb);
    ps_run_engine(&p, &e, s2, w, lr, &rd, &td, NULL);
    e.ops->destroy(&e);
    assert_int_equal(td.n, tl.n);
    assert_true(tl.n >= 2);
    for (int i = 0; i < tl.n; i++) {
        const double *a = tl.gd_sv + (size_t)i * p.d, *b = td.gd_sv + (size_t)i * p.d;
        const double *ta = tl.th_sv + (size_t)i * p.d, *tb = td.th_sv + (size_t)i * p.d;
        for (int j = 0; j < p.d; j++) {
            assert_true(fabs(a[j] - b[j]) <= 1e-9 * a[0]);
            assert_true(fabs(ta[j] - tb[j]) <= 1e-9 * ta[0]);
        }
        assert_true(a[0] >= a[p.d - 1] && b[0] >= b[p.d - 1]); /* descending */
    }
    ps_trace_free(&tl);
    ps_trace_free(&td);
    ps_teacher_free(&t);
}

/* A farm makes one engine per task: many in a row, on matrices smaller than one block (on a
 * 1x2 grid one rank then owns nothing), must neither fail nor leak BLACS contexts. */
static void test_many_small_engines(void **state)
{
    const ctx *g = *state;
    for (int k = 0; k < 60; k++) {
        ps_params p;
        ps_params_default(&p);
        p.d = 1 + k % 9;
        p.k = 1;
        p.gs = -1.0;
        p.gw = k % 2 ? 0.5 : 2.0;
        ps_teacher t;
        ps_teacher_generate(&t, &p);
        int64_t w = ps_width(p.d, p.gw);
        double s2 = ps_sigma2(p.d, p.gs);
        ps_coords xl, xd;
        ps_coords_draw(&xl, &p, w, s2);
        ps_coords_draw(&xd, &p, w, s2);
        ps_engine el = ps_engine_local(&t, &xl, 1, 0);
        ps_engine ed = ps_engine_dist(g->comm, &t, &xd, 1, 0, 0);
        for (int i = 0; i < 3; i++) {
            ps_record a, b;
            el.ops->measure(&el, &a);
            ed.ops->measure(&ed, &b);
            assert_true(fabs(a.train - b.train) <= 1e-12 * a.train);
            assert_true(fabs(a.distance - b.distance) <= 1e-12 * a.train);
            el.ops->keep_best(&el);
            ed.ops->keep_best(&ed);
            el.ops->gd_step(&el, 0.01);
            ed.ops->gd_step(&ed, 0.01);
            el.ops->sc_step(&el, 0.01, s2 * (double)w, s2 * (double)w);
            ed.ops->sc_step(&ed, 0.01, s2 * (double)w, s2 * (double)w);
        }
        double ra = el.ops->best_stable_rank(&el), rb = ed.ops->best_stable_rank(&ed);
        assert_true(fabs(ra - rb) <= 1e-12 * ra);
        el.ops->destroy(&el);
        ed.ops->destroy(&ed);
        assert_null(ed.state);
        ps_teacher_free(&t);
    }
}

/* Both group eigensolvers forced, whatever the default: pdsyevd (the fallback without ELPA
 * and for grids ELPA cannot take) and ELPA 1-stage (skipped in a build without it). */
static void test_pdsyevd_forced(void **state)
{
    run_case c = {.d = 150, .nb = 32, .gs = -1.5, .gw = 2.0, .theory = 1, .max_iter = 300};
    solver_under_test = "pdsyevd";
    compare_both_grids(state, &c);
    solver_under_test = NULL;
}

static void test_elpa_forced(void **state)
{
    if (!ps_elpa_available()) skip();
    run_case c = {.d = 100, .nb = 16, .gs = -1.2, .gw = 1.6, .theory = 1, .max_iter = 300};
    solver_under_test = "elpa";
    compare_both_grids(state, &c);
    solver_under_test = NULL;
}

static void test_grid_shape(void **state)
{
    static const int P[] = {1, 2, 3, 4, 6, 7, 8, 12, 16};
    static const int rows[] = {1, 1, 1, 2, 2, 1, 2, 3, 4};
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++) {
        int r, c;
        assert_int_equal(ps_dist_grid_shape(P[i], &r, &c), 0);
        assert_int_equal(r, rows[i]);
        assert_int_equal(r * c, P[i]);
    }
    int r, c;
    assert_int_equal(ps_dist_grid_shape(0, &r, &c), -1);
}

/* The widest run of a sweep at (d, m) with the theory (m <= 2d: reduced, w = m). */
static ps_cost_in widest(int d, int64_t m, int P, int theory)
{
    return (ps_cost_in){.d = d, .k = d / 4, .width = m, .mode = PS_MODE_REDUCED,
                        .theory = theory, .P = P, .max_iter = 1000, .lr_scale = 8,
                        .stop_rules = 1};
}
static int auto_size(int d, int nranks, int64_t ntasks, int64_t m, int theory, double max_mem)
{
    ps_cost_in in = widest(d, m, 1, theory);
    return ps_group_auto_size(&in, nranks, ntasks, max_mem);
}
static double peak_bytes(int d, int64_t m, int P, int theory)
{
    ps_cost_in in = widest(d, m, P, theory);
    return ps_cost_of(&in).bytes;
}

/* --group-size auto (ps_group_auto_size): P = 1 while tasks >= ranks and a run fits; groups
 * only for memory or, above the crossover d, for fewer tasks than ranks. */
static void test_group_auto_size(void **state)
{
    const double big = 1e18;
    const int dx = PS_GROUP_CROSSOVER_D;
    /* many tasks, runs that fit: one rank per task, whatever d */
    assert_int_equal(auto_size(200, 8, 900, 400, 1, big), 1);
    assert_int_equal(auto_size(1024, 2, 2, 2048, 1, big), 1);
    assert_int_equal(auto_size(4 * dx, 16, 16, 8 * dx, 1, big), 1);
    assert_int_equal(auto_size(4096, 1, 1, 8192, 1, big), 1);
    /* fewer tasks than ranks below the crossover: still 1 (a group would be slower) */
    assert_int_equal(auto_size(dx - 1, 2, 1, 2 * dx, 1, big), 1);
    assert_int_equal(auto_size(200, 64, 1, 400, 1, big), 1);
    /* fewer tasks than ranks at and above it: the tasks spread over all ranks */
    assert_int_equal(auto_size(dx, 2, 1, 2 * dx, 1, big), 2);
    assert_int_equal(auto_size(dx, 8, 4, 2 * dx, 1, big), 2);   /* 8 / 4 tasks */
    assert_int_equal(auto_size(dx, 8, 3, 2 * dx, 1, big), 2);   /* floor(8 / 3) */
    assert_int_equal(auto_size(dx, 6, 1, 2 * dx, 1, big), 2);   /* d^3/3 < X^3/2 */
    assert_int_equal(auto_size(2 * dx, 16, 1, 4 * dx, 1, big), 16); /* 8 X^3/16 */
    assert_int_equal(auto_size(2 * dx, 32, 1, 4 * dx, 1, big), 16); /* not 32 */
    assert_int_equal(auto_size(2 * dx, 6, 1, 4 * dx, 1, big), 6);
    assert_int_equal(auto_size(2 * dx, 7, 1, 4 * dx, 1, big), 7); /* prime: all or 1 */
    /* memory: the smallest divisor whose share fits, even with many tasks and small d */
    double one = peak_bytes(400, 800, 1, 1), two = peak_bytes(400, 800, 2, 1);
    double three = peak_bytes(400, 800, 3, 1);
    assert_true(two < one && three < two);
    assert_int_equal(auto_size(400, 6, 1000, 800, 1, one), 1);
    assert_int_equal(auto_size(400, 6, 1000, 800, 1, 0.99 * one), 2);
    assert_int_equal(auto_size(400, 6, 1000, 800, 1, 0.99 * two), 3);
    assert_int_equal(auto_size(400, 5, 1000, 800, 1, 0.99 * one), 5); /* 5 is prime */
    assert_int_equal(auto_size(400, 6, 1000, 800, 1, 1.0), 6); /* nothing fits */
    /* memory and the split together: the larger of the two */
    double mem2 = peak_bytes(2 * dx, 4 * dx, 2, 1);
    assert_int_equal(auto_size(2 * dx, 4, 2, 4 * dx, 1, mem2), 2);
    assert_int_equal(auto_size(2 * dx, 4, 1, 4 * dx, 1, mem2), 4);
}

/* With 3 or more ranks: one case on a grid over every rank (e.g. 1x3). */
static void test_world_group(void **state)
{
    ctx world = {MPI_COMM_WORLD, 0};
    MPI_Comm_size(MPI_COMM_WORLD, &world.P);
    ctx *pw = &world;
    run_case c = {.d = 100, .nb = 16, .gs = -1.5, .gw = 2.0, .theory = 1, .max_iter = 200};
    compare_both_grids((void **)&pw, &c);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    openblas_set_num_threads(1); /* one core per rank, as in a sweep */
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    ctx g;
    MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : 1, rank, &g.comm);
    MPI_Comm_set_errhandler(g.comm, MPI_ERRORS_RETURN);
    MPI_Comm_size(g.comm, &g.P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_shape),
        cmocka_unit_test(test_group_auto_size),
        cmocka_unit_test_prestate(test_reduced_d64, &g),
        cmocka_unit_test_prestate(test_reduced_d150, &g),
        cmocka_unit_test_prestate(test_narrow_width, &g),
        cmocka_unit_test_prestate(test_without_theory, &g),
        cmocka_unit_test_prestate(test_singular_values, &g),
        cmocka_unit_test_prestate(test_many_small_engines, &g),
        cmocka_unit_test_prestate(test_pdsyevd_forced, &g),
        cmocka_unit_test_prestate(test_elpa_forced, &g),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (size >= 3) {
        const struct CMUnitTest world_tests[] = {cmocka_unit_test(test_world_group)};
        failed += cmocka_run_group_tests(world_tests, NULL, NULL);
    } else if (rank == 0) {
        printf("test_world_group: not run at %d ranks (it needs 3 or more: mpirun -n 3)\n", size);
    }
    MPI_Comm_free(&g.comm);
    MPI_Finalize();
    return failed ? 1 : 0;
}

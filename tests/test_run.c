/* run: each stopping rule on crafted series, the metrics of a run, divergence as a result,
 * metrics on hand-made matrices, and the width/learning-rate rules of the protocol. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "run.h"

static ps_params defaults(void)
{
    ps_params p;
    ps_params_default(&p);
    return p;
}

/* Feeds the series one record at a time; returns the first i at which the rules stop. */
static int first_stop(const double *train, const double *test, int n, enum ps_stop *why)
{
    ps_params p = defaults();
    for (int i = 0; i < n; i++)
        if (ps_should_stop(&p, i, train, test, why)) return i;
    return -1;
}

static void test_stop_converged(void **state)
{
    double train[] = {1.0, 0.5, 0.01, 0.0009, 0.0001}, test[] = {1, 0.9, 0.8, 0.7, 0.6};
    enum ps_stop why;
    assert_int_equal(first_stop(train, test, 5, &why), 3);
    assert_int_equal(why, PS_STOP_CONVERGED);
}

static void test_stop_overfitting(void **state)
{
    /* test rises three records in a row; at i = 3 that is not yet allowed (i > 3) */
    double train[] = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    double test1[] = {0.5, 0.6, 0.7, 0.8, 0.9, 0.3, 0.2};
    double test2[] = {0.5, 0.4, 0.3, 0.2, 0.1, 0.2, 0.3};
    enum ps_stop why;
    assert_int_equal(first_stop(train, test1, 7, &why), 4);
    assert_int_equal(why, PS_STOP_OVERFITTING);
    assert_int_equal(first_stop(train, test2, 7, &why), 6);
    assert_int_equal(why, PS_STOP_OVERFITTING);
    double flat[] = {0.5, 0.4, 0.3, 0.3, 0.3, 0.3, 0.3}; /* equal is not rising */
    assert_int_equal(first_stop(train, flat, 7, &why), -1);
}

static void test_stop_plateau(void **state)
{
    double test[] = {1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    /* small change, and a drop of more than 1e-2 since the start */
    double train[] = {1.0, 0.5, 0.3, 0.2, 0.19995, 0.19990, 0.1};
    enum ps_stop why;
    assert_int_equal(first_stop(train, test, 7, &why), 4);
    assert_int_equal(why, PS_STOP_PLATEAU);
    /* a flat start without progress is no plateau */
    double stuck[] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
    assert_int_equal(first_stop(stuck, test, 7, &why), -1);
    /* steps of 2.5e-4, just above the 2e-4 tolerance, are still progress */
    double edge[] = {1.0, 0.5, 0.3, 0.2, 0.2 - 2.5e-4, 0.2 - 5e-4, 0.2 - 7.5e-4};
    assert_int_equal(first_stop(edge, test, 7, &why), -1);
}

/* A fake engine whose records come from tables: the protocol's bookkeeping is then exact. */
typedef struct {
    const double *train, *test, *dist;
    int i, steps_gd, steps_sc, best;
    double A_best_rank;
} fake;

static void fake_measure(ps_engine *e, ps_record *r)
{
    fake *f = e->state;
    r->train = f->train[f->i];
    r->test = f->test[f->i];
    r->th_train = r->train;
    r->th_test = r->test;
    r->distance = f->dist[f->i];
    f->i++;
}
static void fake_gd(ps_engine *e, double eta) { ((fake *)e->state)->steps_gd++; }
static void fake_sc(ps_engine *e, double eta, double c) { ((fake *)e->state)->steps_sc++; }
static void fake_keep(ps_engine *e) { fake *f = e->state; f->best = f->i - 1; }
static double fake_rank(ps_engine *e) { return 100.0 + ((fake *)e->state)->best; }
static const ps_engine_ops fake_ops = {"fake", fake_measure, fake_gd, fake_sc, fake_keep,
                                       fake_rank, NULL, NULL};

static void test_protocol_bookkeeping(void **state)
{
    double train[] = {4.0, 3.0, 2.0, 1.5, 1.2, 1.1, 1.05, 1.0};
    double test[] = {2.0, 1.0, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9}; /* overfits at i = 5 */
    double dist[] = {0.0, 1e-3, 4e-3, 2e-3, 1e-3, 1e-3, 1e-3, 1e-3};
    fake f = {train, test, dist, 0, 0, 0, -1, 0};
    ps_engine e = {&fake_ops, &f};
    ps_params p = defaults();
    p.d = 3;
    ps_result r;
    ps_run_engine(&p, &e, 0.5, 10, 0.01, &r, NULL, NULL);
    assert_int_equal(r.stop, PS_STOP_OVERFITTING);
    assert_int_equal(r.n_iter, 6); /* the step of iteration 5 is taken, then the stop */
    assert_int_equal(f.steps_gd, 6);
    assert_int_equal(f.steps_sc, 6);
    assert_int_equal(r.iterations, 2); /* first argmin on ties */
    assert_true(r.min_test_error == 0.5);
    assert_true(r.stable_rank == 102.0);
    assert_true(r.log_distance == log(4e-3));
    assert_true(r.final_train_error == 1.1);
    assert_int_equal(r.width, 10);
    assert_true(r.sigma2 == 0.5 && r.lr == 0.01);
}

static void test_no_stop_runs_to_max_iter(void **state)
{
    double train[] = {4.0, 3.0, 2.0, 1.5, 1.2, 1.1, 1.05, 1.0};
    double test[] = {2.0, 1.0, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9}; /* would overfit at i = 5 */
    double dist[8] = {0};
    fake f = {train, test, dist, 0, 0, 0, -1, 0};
    ps_engine e = {&fake_ops, &f};
    ps_params p = defaults();
    p.stop_rules = 0;
    p.max_iter = 8;
    ps_result r;
    ps_run_engine(&p, &e, 0.5, 10, 0.01, &r, NULL, NULL);
    assert_int_equal(r.stop, PS_STOP_MAX_ITER);
    assert_int_equal(r.n_iter, 8);
    assert_int_equal(r.iterations, 2);
    assert_true(r.final_train_error == 1.0);
}

static void test_divergence_is_a_result(void **state)
{
    double train[] = {4.0, 3.0, 5e6, NAN};
    double test[] = {2.0, 1.0, 5e6, NAN};
    double dist[] = {0.0, 0.1, 0.2, 0.3};
    fake f = {train, test, dist, 0, 0, 0, -1, 0};
    ps_engine e = {&fake_ops, &f};
    ps_params p = defaults();
    p.d = 3;
    ps_result r;
    ps_run_engine(&p, &e, 0.5, 10, 0.01, &r, NULL, NULL);
    /* 5e6 > 1e6 * max(1, 4): the record at i = 2 is not kept */
    assert_int_equal(r.stop, PS_STOP_DIVERGED);
    assert_int_equal(r.n_iter, 2);
    assert_int_equal(r.iterations, 1);
    assert_true(r.min_test_error == 1.0);
    assert_true(r.log_distance == log(0.1));
    assert_true(r.final_train_error == 3.0);
}

static int abort_at_three(void *ctx)
{
    int *calls = ctx;
    return ++*calls > 3;
}

static void test_hook_aborts(void **state)
{
    double train[] = {4, 3, 2.5, 2.2, 2.1, 2.0}, test[] = {4, 3, 2, 1, 0.5, 0.4};
    double dist[] = {0, 0, 0, 0, 0, 0};
    fake f = {train, test, dist, 0, 0, 0, -1, 0};
    ps_engine e = {&fake_ops, &f};
    ps_params p = defaults();
    int calls = 0;
    ps_hooks h = {abort_at_three, &calls};
    ps_result r;
    ps_run_engine(&p, &e, 1, 1, 1, &r, NULL, &h);
    assert_int_equal(r.stop, PS_STOP_ABORTED);
    assert_int_equal(r.n_iter, 3);
}

static void test_real_run_without_theory(void **state)
{
    ps_params p = defaults();
    p.d = 10;
    p.k = 2;
    p.gs = -1.5;
    p.gw = 1.2;
    p.max_iter = 300;
    p.theory = 0;
    ps_teacher t;
    ps_teacher_generate(&t, &p);
    ps_result a, b;
    ps_run_task(&p, &t, &a, NULL, NULL, NULL);
    ps_run_task(&p, &t, &b, NULL, NULL, NULL);
    assert_true(isnan(a.log_distance));
    assert_true(a.min_test_error < 1.0 && a.min_test_error > 0.0);
    assert_true(a.stable_rank >= 1.0 && a.stable_rank <= 10.0);
    assert_int_equal(a.width, 15); /* floor(10^1.2) = 15 */
    /* a task is a pure function of its params */
    assert_memory_equal(&a.min_test_error, &b.min_test_error, sizeof(double));
    assert_memory_equal(&a.stable_rank, &b.stable_rank, sizeof(double));
    assert_int_equal(a.n_iter, b.n_iter);
    ps_teacher_free(&t);
}

static void test_metrics_on_hand_made_matrices(void **state)
{
    /* column-major [[1, 2], [3, 4]]: singular values sqrt(15 +- sqrt(221)) */
    double A[] = {1, 3, 2, 4};
    double s1 = sqrt(15 + sqrt(221.0));
    assert_true(fabs(ps_op_norm(A, 2) - s1) < 1e-14 * s1);
    assert_true(ps_frob2(A, 4) == 30.0);
    assert_true(fabs(ps_stable_rank(A, 2) - 30.0 / (s1 * s1)) < 1e-14);
    double D[] = {3, 0, 0, 0, 1, 0, 0, 0, 0}; /* diag(3, 1, 0) */
    assert_true(fabs(ps_stable_rank(D, 3) - 10.0 / 9.0) < 1e-14);
    double R1[] = {1, 2, 3, 2, 4, 6, -1, -2, -3}; /* rank one */
    assert_true(fabs(ps_stable_rank(R1, 3) - 1.0) < 1e-13);
    double Z[4] = {0};
    assert_true(ps_stable_rank(Z, 2) == 0.0);
    /* a zero or all-equal matrix of size d: dsyevr finds all d eigenvalues at once (issue
     * #22: it wrote them past a one-double output); the op norm is still 0, resp. d */
    enum { DZ = 64 };
    double *Zd = calloc(DZ * DZ, sizeof *Zd), *Od = malloc(sizeof *Od * DZ * DZ);
    for (int i = 0; i < DZ * DZ; i++) Od[i] = 1.0;
    assert_true(ps_op_norm(Zd, DZ) == 0.0 && ps_stable_rank(Zd, DZ) == 0.0);
    assert_true(fabs(ps_op_norm(Od, DZ) - DZ) < 1e-12 * DZ);
    free(Zd);
    free(Od);
    double B[] = {1, 1, 2, 0};
    assert_true(ps_frob2_diff(A, B, 4) == 0 + 4 + 0 + 16);
}

static void test_width_and_learning_rate(void **state)
{
    assert_int_equal(ps_width(100, 1.5), 1000);
    assert_int_equal(ps_width(200, 0.0), 1);
    assert_int_equal(ps_width(10, 3.0), 1000);
    assert_int_equal(ps_width(200, 2.8), (int64_t)floor(pow(200, 2.8)));
    assert_int_equal(ps_width(1000, 10.0), -1);
    assert_int_equal(ps_reduced_rank(10, 7), 7);
    assert_int_equal(ps_reduced_rank(10, 70), 20);
    ps_params p = defaults();
    p.gs = -1.0;
    p.gw = 2.5; /* lazy side: 1 / (c w sigma2) */
    assert_true(ps_learning_rate(&p, 1000, 0.01, 7.0) == 1.0 / (50.0 * 1000 * 0.01));
    p.gw = 1.5; /* gs + gw = 0.5: active side, 1 / (c ||A*||) */
    assert_true(ps_learning_rate(&p, 1000, 0.01, 7.0) == 1.0 / (50.0 * 7.0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_converged),
        cmocka_unit_test(test_stop_overfitting),
        cmocka_unit_test(test_stop_plateau),
        cmocka_unit_test(test_protocol_bookkeeping),
        cmocka_unit_test(test_no_stop_runs_to_max_iter),
        cmocka_unit_test(test_divergence_is_a_result),
        cmocka_unit_test(test_hook_aborts),
        cmocka_unit_test(test_real_run_without_theory),
        cmocka_unit_test(test_metrics_on_hand_made_matrices),
        cmocka_unit_test(test_width_and_learning_rate),
    };
    return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}

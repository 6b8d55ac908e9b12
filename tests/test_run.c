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

/* ---- every rule exactly at, just below and just above its threshold ----
 * The thresholds are SCIENCE.md's literals, written here and never read from the code's
 * defaults: a change of one comparison (< to <=, i > 3 to i > 2 or 4) or of one default moves
 * a first stop and fails. nextafter() gives the nearest doubles on either side. */

static void test_defaults_are_the_protocol(void **state)
{
    ps_params p = defaults();
    assert_true(p.tol_converged == 1e-3);
    assert_true(p.tol_plateau == 2e-4);
    assert_true(p.plateau_min_drop == 1e-2);
    assert_true(p.lr_scale == 50.0); /* c of Figure 2 */
    assert_int_equal(p.max_iter, 750);
    assert_true(p.noise == 1.0);
    assert_int_equal(p.k, 5);
    assert_int_equal(p.d, 200);
    assert_true(p.diverge_factor == 1e6);
    assert_int_equal(p.stop_rules, 1);
    assert_int_equal(p.theory, 1);
}

static int first_stop_p(const ps_params *p, const double *train, const double *test, int n,
                        enum ps_stop *why)
{
    for (int i = 0; i < n; i++)
        if (ps_should_stop(p, i, train, test, why)) return i;
    return -1;
}

static void test_converged_at_its_threshold(void **state)
{
    ps_params p = defaults();
    enum ps_stop why = PS_STOP_MAX_ITER;
    /* the rule has no i > 3: it applies from i = 0 on */
    for (int at = 0; at < 6; at++) {
        double train[6] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, test[6] = {1, 1, 1, 1, 1, 1};
        train[at] = 1e-3; /* equal: not below, no stop */
        assert_int_equal(first_stop_p(&p, train, test, 6, &why), -1);
        train[at] = nextafter(1e-3, 0.0); /* just below: converged */
        assert_int_equal(first_stop_p(&p, train, test, 6, &why), at);
        assert_int_equal(why, PS_STOP_CONVERGED);
        train[at] = nextafter(1e-3, 1.0);
        assert_int_equal(first_stop_p(&p, train, test, 6, &why), -1);
    }
    /* the tolerance is a parameter */
    p.tol_converged = 0.5;
    double train[] = {1.0, 0.75, 0.5, 0.25}, test[] = {1, 1, 1, 1};
    assert_int_equal(first_stop_p(&p, train, test, 4, &why), 3);
    assert_int_equal(why, PS_STOP_CONVERGED);
}

static void test_overfitting_at_its_threshold(void **state)
{
    ps_params p = defaults();
    enum ps_stop why = PS_STOP_MAX_ITER;
    /* train flat (no plateau: nothing dropped), test rising from the start: the three-record
     * rise holds at every i >= 2, and the rule waits for i > 3, i.e. i = 4 */
    double train[] = {1, 1, 1, 1, 1, 1, 1, 1};
    double rise[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    assert_int_equal(first_stop_p(&p, train, rise, 8, &why), 4);
    assert_int_equal(why, PS_STOP_OVERFITTING);
    /* a rise that starts later stops two records after it starts (i - 2, i - 1, i) */
    double late[] = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.5, 0.6};
    assert_int_equal(first_stop_p(&p, train, late, 8, &why), 7);
    /* the smallest strict rises count */
    double a = 0.4, b = nextafter(a, 1.0), c = nextafter(b, 1.0);
    double tiny[] = {0.9, 0.8, 0.7, 0.6, a, b, c, c};
    assert_int_equal(first_stop_p(&p, train, tiny, 8, &why), 6);
    assert_int_equal(why, PS_STOP_OVERFITTING);
    /* equal is not rising, on either side of the middle record */
    double flat1[] = {0.9, 0.8, 0.7, 0.6, a, a, c, 0.1};
    assert_int_equal(first_stop_p(&p, train, flat1, 8, &why), -1);
    double flat2[] = {0.9, 0.8, 0.7, 0.6, a, c, c, 0.1};
    assert_int_equal(first_stop_p(&p, train, flat2, 8, &why), -1);
    /* two rises are not three records rising */
    double two[] = {0.9, 0.8, 0.7, 0.6, 0.5, 0.6, 0.4, 0.5, 0.3};
    double train9[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(first_stop_p(&p, train9, two, 9, &why), -1);
    /* the rule reads the test error, not the train error */
    double down[] = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2};
    double up[] = {1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7};
    assert_int_equal(first_stop_p(&p, up, down, 8, &why), -1);
}

static void test_plateau_at_its_thresholds(void **state)
{
    ps_params p = defaults();
    enum ps_stop why = PS_STOP_MAX_ITER;
    double test[] = {1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3};
    /* the plateau condition holds at every i >= 2: the rule waits for i > 3 */
    double flat[] = {1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    assert_int_equal(first_stop_p(&p, flat, test, 8, &why), 4);
    assert_int_equal(why, PS_STOP_PLATEAU);

    /* |dL| = 2e-4 exactly (2t - t is exact): not below, no stop; a hair less stops.
     * Here train >= 2e-4 < 1e-3, so the converged rule is moved out of the way. */
    p.tol_converged = 1e-4;
    double t = 2e-4;
    double step[] = {1.0, 0.5, 0.3, 0.2, 2 * t, t, t / 2, t / 4};
    assert_true(fabs(step[5] - step[4]) == 2e-4);
    assert_int_equal(first_stop_p(&p, step, test, 6, &why), -1);
    step[5] = nextafter(t, 1.0); /* |dL| just below 2e-4 */
    assert_int_equal(first_stop_p(&p, step, test, 6, &why), 5);
    assert_int_equal(why, PS_STOP_PLATEAU);
    step[5] = nextafter(t, 0.0); /* just above */
    assert_int_equal(first_stop_p(&p, step, test, 6, &why), -1);
    /* an increase counts by its size too (|dL|) */
    double rise[] = {1.0, 0.5, 0.3, 0.2, t, 2 * t};
    assert_int_equal(first_stop_p(&p, rise, test, 6, &why), -1);
    rise[5] = nextafter(2 * t, 0.0);
    assert_int_equal(first_stop_p(&p, rise, test, 6, &why), 5);
    assert_int_equal(why, PS_STOP_PLATEAU);
    p = defaults();

    /* the drop L0 - Li = 1e-2 exactly (2m - m is exact): not above, no plateau */
    double m = 1e-2;
    double drop[] = {2 * m, 2 * m, 2 * m, 2 * m, m, m, m, m};
    assert_true(drop[0] - drop[5] == 1e-2);
    assert_int_equal(first_stop_p(&p, drop, test, 8, &why), -1);
    double m2 = nextafter(m, 0.0); /* a drop just above 1e-2 */
    double drop2[] = {2 * m, 2 * m, 2 * m, 2 * m, m2, m2, m2, m2};
    assert_int_equal(first_stop_p(&p, drop2, test, 8, &why), 5);
    assert_int_equal(why, PS_STOP_PLATEAU);
    double m3 = nextafter(m, 1.0);
    double drop3[] = {2 * m, 2 * m, 2 * m, 2 * m, m3, m3, m3, m3};
    assert_int_equal(first_stop_p(&p, drop3, test, 8, &why), -1);

    /* the parameters move the thresholds */
    p.tol_plateau = 0.25;
    p.plateau_min_drop = 0.5;
    double wide[] = {2.0, 1.75, 1.5, 1.25, 1.0, 0.75, 0.625, 0.5};
    assert_int_equal(first_stop_p(&p, wide, test, 8, &why), 6); /* |dL| 0.125, drop 1.375 */
}

/* A fake engine whose records come from tables: the protocol's bookkeeping is then exact. */
typedef struct {
    const double *train, *test, *dist;
    int i, steps_gd, steps_sc, best;
    double A_best_rank;
    double eta_gd, eta_sc, c_sc; /* what the protocol passed to the last steps */
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
static void fake_gd(ps_engine *e, double eta)
{
    fake *f = e->state;
    f->steps_gd++;
    f->eta_gd = eta;
}
static void fake_sc(ps_engine *e, double eta, double c, double c2)
{
    fake *f = e->state;
    f->steps_sc++;
    f->eta_sc = eta;
    f->c_sc = c;
    assert_true(c2 == c); /* gr = 0: one constant */
}
static void fake_keep(ps_engine *e) { fake *f = e->state; f->best = f->i - 1; }
static double fake_rank(ps_engine *e) { return 100.0 + ((fake *)e->state)->best; }
static const ps_engine_ops fake_ops = {"fake", fake_measure, fake_gd, fake_sc, fake_keep,
                                       fake_rank, NULL, NULL, NULL};

static void test_protocol_bookkeeping(void **state)
{
    double train[] = {4.0, 3.0, 2.0, 1.5, 1.2, 1.1, 1.05, 1.0};
    double test[] = {2.0, 1.0, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9}; /* overfits at i = 5 */
    double dist[] = {0.0, 1e-3, 4e-3, 2e-3, 1e-3, 1e-3, 1e-3, 1e-3};
    fake f = {train, test, dist, 0, 0, 0, -1, 0, 0, 0, 0};
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
    /* both dynamics take the run's eta; the theory's constant is sigma2 * w = 0.5 * 10 */
    assert_true(f.eta_gd == 0.01 && f.eta_sc == 0.01);
    assert_true(f.c_sc == 5.0);
}

static void test_no_stop_runs_to_max_iter(void **state)
{
    double train[] = {4.0, 3.0, 2.0, 1.5, 1.2, 1.1, 1.05, 1.0};
    double test[] = {2.0, 1.0, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9}; /* would overfit at i = 5 */
    double dist[8] = {0};
    fake f = {train, test, dist, 0, 0, 0, -1, 0, 0, 0, 0};
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
    fake f = {train, test, dist, 0, 0, 0, -1, 0, 0, 0, 0};
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

/* The diverged rule: L_train > 1e6 max(1, L_train(0)); equal is not above. */
static void test_divergence_at_its_threshold(void **state)
{
    double dist[] = {0, 0, 0, 0};
    double test[] = {1, 1, 1, 1};
    const double L0[] = {4.0, 0.25};
    for (int c = 0; c < 2; c++) {
        double limit = c == 0 ? 4e6 : 1e6; /* 1e6 * max(1, L0) */
        double train[] = {L0[c], limit, 1.0, 1.0};
        fake f = {train, test, dist, 0, 0, 0, -1, 0, 0, 0, 0};
        ps_engine e = {&fake_ops, &f};
        ps_params p = defaults();
        p.max_iter = 3;
        p.stop_rules = 0;
        ps_result r;
        ps_run_engine(&p, &e, 0.5, 10, 0.01, &r, NULL, NULL);
        assert_int_equal(r.stop, PS_STOP_MAX_ITER);
        train[1] = nextafter(limit, INFINITY);
        fake g = {train, test, dist, 0, 0, 0, -1, 0, 0, 0, 0};
        e.state = &g;
        ps_run_engine(&p, &e, 0.5, 10, 0.01, &r, NULL, NULL);
        assert_int_equal(r.stop, PS_STOP_DIVERGED);
        assert_int_equal(r.n_iter, 1);
    }
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
    fake f = {train, test, dist, 0, 0, 0, -1, 0, 0, 0, 0};
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
    char msg[512];
    assert_int_equal(ps_run_task(&p, &t, &a, NULL, NULL, NULL, msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    assert_int_equal(ps_run_task(&p, &t, &b, NULL, NULL, NULL, msg, sizeof msg), 0);
    assert_true(isnan(a.log_distance));
    assert_true(a.min_test_error < 1.0 && a.min_test_error > 0.0);
    assert_true(a.stable_rank >= 1.0 && a.stable_rank <= 10.0);
    assert_int_equal(a.width, 15); /* floor(10^1.2) = 15 */
    /* a task is a pure function of its params */
    assert_memory_equal(&a.min_test_error, &b.min_test_error, sizeof(double));
    assert_memory_equal(&a.stable_rank, &b.stable_rank, sizeof(double));
    assert_int_equal(a.n_iter, b.n_iter);
    /* a refusal is returned with its line, before anything runs: nothing printed, no exit */
    p.max_mem = 1000.0;
    ps_result c = {.n_iter = -7};
    assert_int_equal(ps_run_task(&p, &t, &c, NULL, NULL, NULL, msg, sizeof msg), 2);
    assert_non_null(strstr(msg, "--max-mem: reduced mode at d=10, w=15 needs "));
    assert_null(strchr(msg, '\n'));
    assert_int_equal(c.n_iter, -7);
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
    /* sigma2 = d^gs, written out */
    assert_true(fabs(ps_sigma2(100, -1.5) - 1e-3) <= 1e-15 * 1e-3);
    assert_true(fabs(ps_sigma2(200, -1.0) - 0.005) <= 1e-15 * 0.005);
    assert_true(ps_sigma2(7, 0.0) == 1.0);
    ps_params p = defaults();
    p.gs = -1.0;
    p.gw = 2.5; /* lazy side: 1 / (c w sigma2) = 1 / (50 * 1000 * 0.01) = 1 / 500 */
    assert_true(fabs(ps_learning_rate(&p, 1000, 0.01, 7.0) - 0.002) <= 1e-15 * 0.002);
    p.gw = 1.5; /* gs + gw = 0.5: active side, 1 / (c ||A*||) = 1 / 350 */
    assert_true(fabs(ps_learning_rate(&p, 1000, 0.01, 7.0) - 1.0 / 350.0) <= 1e-15 / 350.0);
    p.lr_scale = 5.0; /* c is the parameter's: 1 / 35 and 1 / 50 */
    assert_true(fabs(ps_learning_rate(&p, 1000, 0.01, 7.0) - 1.0 / 35.0) <= 1e-15 / 35.0);
    p.gw = 2.5;
    assert_true(fabs(ps_learning_rate(&p, 1000, 0.01, 7.0) - 0.02) <= 1e-15 * 0.02);
}

/* The side condition gs + gw > 1 at the line itself: -0.5 + 1.5 is exactly 1.0 (active), the
 * next double above 1.5 makes the sum 1 + 2^-52 (lazy). */
static void test_learning_rate_side_at_its_threshold(void **state)
{
    const double lazy = 1.0 / (50.0 * 1000.0 * 0.01), active = 1.0 / (50.0 * 7.0);
    ps_params p = defaults();
    const double gs[] = {-0.5, -1.25, -0.75, -2.0};
    for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++) {
        p.gs = gs[i];
        p.gw = 1.0 - gs[i]; /* exact for these values */
        assert_true(p.gs + p.gw == 1.0);
        assert_true(ps_learning_rate(&p, 1000, 0.01, 7.0) == active);
        p.gw = nextafter(1.0 - gs[i], 10.0);
        assert_true(p.gs + p.gw > 1.0);
        assert_true(ps_learning_rate(&p, 1000, 0.01, 7.0) == lazy);
        p.gw = nextafter(1.0 - gs[i], -10.0);
        assert_true(ps_learning_rate(&p, 1000, 0.01, 7.0) == active);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_converged),
        cmocka_unit_test(test_stop_overfitting),
        cmocka_unit_test(test_stop_plateau),
        cmocka_unit_test(test_defaults_are_the_protocol),
        cmocka_unit_test(test_converged_at_its_threshold),
        cmocka_unit_test(test_overfitting_at_its_threshold),
        cmocka_unit_test(test_plateau_at_its_thresholds),
        cmocka_unit_test(test_divergence_at_its_threshold),
        cmocka_unit_test(test_protocol_bookkeeping),
        cmocka_unit_test(test_no_stop_runs_to_max_iter),
        cmocka_unit_test(test_divergence_is_a_result),
        cmocka_unit_test(test_hook_aborts),
        cmocka_unit_test(test_real_run_without_theory),
        cmocka_unit_test(test_metrics_on_hand_made_matrices),
        cmocka_unit_test(test_width_and_learning_rate),
        cmocka_unit_test(test_learning_rate_side_at_its_threshold),
    };
    return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}

/* run: the recording and stopping protocol of docs/PROTOCOL.md, written once over an engine. */
#define _POSIX_C_SOURCE 200809L
#include "run.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "cost.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ps_trace_alloc(ps_trace *tr, int max_iter, int d)
{
    size_t n = (size_t)max_iter;
    tr->n = 0;
    tr->gd_train = ps_malloc(sizeof(double) * n, "trace");
    tr->gd_test = ps_malloc(sizeof(double) * n, "trace");
    tr->th_train = ps_malloc(sizeof(double) * n, "trace");
    tr->th_test = ps_malloc(sizeof(double) * n, "trace");
    tr->distance = ps_malloc(sizeof(double) * n, "trace");
    tr->gd_sv = ps_malloc(sizeof(double) * n * (size_t)d, "trace singular values");
    tr->th_sv = ps_malloc(sizeof(double) * n * (size_t)d, "trace singular values");
}

void ps_trace_alloc_curves(ps_trace *tr, int max_iter)
{
    size_t n = (size_t)max_iter;
    *tr = (ps_trace){0};
    tr->gd_train = ps_malloc(sizeof(double) * n, "curves");
    tr->gd_test = ps_malloc(sizeof(double) * n, "curves");
    tr->th_train = ps_malloc(sizeof(double) * n, "curves");
    tr->th_test = ps_malloc(sizeof(double) * n, "curves");
    tr->distance = ps_malloc(sizeof(double) * n, "curves");
}

/* What tr records, for the engine and the cost model. */
static int trace_kind(const ps_trace *tr)
{
    return !tr ? PS_TRACE_NONE : tr->gd_sv ? PS_TRACE_FULL : PS_TRACE_CURVES;
}

void ps_trace_free(ps_trace *tr)
{
    free(tr->gd_train); free(tr->gd_test); free(tr->th_train); free(tr->th_test);
    free(tr->distance); free(tr->gd_sv); free(tr->th_sv);
}

int ps_should_stop(const ps_params *p, int i, const double *train, const double *test,
                   enum ps_stop *why)
{
    if (train[i] < p->tol_converged) {
        *why = PS_STOP_CONVERGED;
        return 1;
    }
    if (i > 3 && test[i - 2] < test[i - 1] && test[i - 1] < test[i]) {
        *why = PS_STOP_OVERFITTING;
        return 1;
    }
    if (i > 3 && fabs(train[i] - train[i - 1]) < p->tol_plateau &&
        train[0] - train[i] > p->plateau_min_drop) {
        *why = PS_STOP_PLATEAU;
        return 1;
    }
    return 0;
}

/* Non-finite or exploding errors (of GD or of the theory) end the run; the bound is relative
 * to the initial error, which is already huge where the initial A has unbounded norm. */
static int diverged(const ps_record *r, int theory, double limit)
{
    if (!(r->train <= limit) || !isfinite(r->test)) return 1;
    return theory && (!(r->th_train <= limit) || !isfinite(r->th_test) || !isfinite(r->distance));
}

void ps_run_engine(const ps_params *p, ps_engine *e, double sigma2, int64_t width, double lr,
                   ps_result *res, ps_trace *tr, const ps_hooks *hooks)
{
    double t0 = now_seconds(), limit = INFINITY, v1, v2;
    ps_layer_vars(p, sigma2, &v1, &v2); /* at gr = 0 both sigma2: c1 = c2 = sigma2 w */
    const double c1 = v1 * (double)width, c2 = v2 * (double)width;
    double *train = ps_malloc(sizeof(double) * (size_t)p->max_iter, "train series");
    double *test = ps_malloc(sizeof(double) * (size_t)p->max_iter, "test series");
    double best = INFINITY, max_distance = -INFINITY, last_train = NAN;
    int best_i = -1, steps = 0;
    const size_t d = (size_t)p->d;
    enum ps_stop why = PS_STOP_MAX_ITER;

    for (int i = 0; i < p->max_iter; i++) {
        ps_record rec;
        if (hooks && hooks->poll && hooks->poll(hooks->ctx)) {
            why = PS_STOP_ABORTED;
            break;
        }
        e->ops->measure(e, &rec);
        if (i == 0) limit = p->diverge_factor * fmax(1.0, rec.train);
        if (diverged(&rec, p->theory, limit)) { /* this iteration is not recorded */
            why = PS_STOP_DIVERGED;
            break;
        }
        train[i] = last_train = rec.train;
        test[i] = rec.test;
        if (rec.test < best) {
            best = rec.test;
            best_i = i;
            e->ops->keep_best(e);
        }
        if (p->theory && rec.distance > max_distance) max_distance = rec.distance;
        if (tr) {
            tr->gd_train[i] = rec.train;
            tr->gd_test[i] = rec.test;
            tr->th_train[i] = rec.th_train;
            tr->th_test[i] = rec.th_test;
            tr->distance[i] = rec.distance;
            if (tr->gd_sv)
                e->ops->singular_values(e, tr->gd_sv + (size_t)i * d, tr->th_sv + (size_t)i * d);
            tr->n = i + 1;
        }
        e->ops->gd_step(e, lr);
        if (p->theory) e->ops->sc_step(e, lr, c1, c2);
        steps = i + 1;
        if (p->stop_rules && ps_should_stop(p, i, train, test, &why)) break;
    }

    res->min_test_error = best_i >= 0 ? best : NAN;
    res->iterations = best_i;
    res->stable_rank = best_i >= 0 ? e->ops->best_stable_rank(e) : NAN;
    res->log_distance = p->theory && best_i >= 0 ? log(max_distance) : NAN;
    res->final_train_error = last_train;
    res->n_iter = steps;
    res->stop = why;
    res->width = width;
    res->sigma2 = sigma2;
    res->lr = lr;
    res->seconds = now_seconds() - t0;
    free(train);
    free(test);
}

void ps_run_coords(const ps_params *p, const ps_teacher *t, ps_coords *x0, ps_result *res,
                   ps_trace *tr, const ps_hooks *hooks, const ps_engine_maker *mk)
{
    int64_t width = x0->width;
    double sigma2 = ps_sigma2(p->d, p->gs);
    int sv = trace_kind(tr) == PS_TRACE_FULL;
    ps_engine e = mk && mk->make ? mk->make(mk->ctx, t, x0, p, sv)
                                 : ps_engine_local_solver(t, x0, p->theory, sv, p->eigensolver);
    double lr = ps_learning_rate(p, width, sigma2, t->astar_op);
    if (p->update != PS_UPDATE_SEQUENTIAL) {
        if (!e.ops->set_update)
            ps_fail(PS_EXIT_FAIL, "ps_run_coords", "the %s engine has only the sequential update",
                    e.ops->name);
        e.ops->set_update(&e, p->update); /* before the loop: its copy of U1 is made here */
    }
    ps_run_engine(p, &e, sigma2, width, lr, res, tr, hooks);
    e.ops->destroy(&e);
}

int ps_run_task(const ps_params *p, const ps_teacher *t, ps_result *res, ps_trace *tr,
                const ps_hooks *hooks, const ps_engine_maker *mk, char *msg, size_t len)
{
    double t0 = now_seconds();
    int64_t width = ps_width(p->d, p->gw);
    double sigma2 = ps_sigma2(p->d, p->gs);
    int64_t m = p->mode == PS_MODE_EXPLICIT ? width : ps_reduced_rank(p->d, width);
    double need = ps_cost_params(p, 1, trace_kind(tr)).bytes;
    msg[0] = 0;
    if (width < 1)
        snprintf(msg, len, "--gw: d^gw = %g^%g exceeds 2^53", (double)p->d, p->gw);
    else if (!(mk && mk->make) && need > p->max_mem)
        snprintf(msg, len, "--max-mem: %s mode at d=%d, w=%lld needs %.3g GiB, above the limit "
                 "of %.3g GiB (raise --max-mem or use --mode reduced)",
                 p->mode == PS_MODE_EXPLICIT ? "explicit" : "reduced", p->d, (long long)width,
                 need / 1073741824.0, p->max_mem / 1073741824.0);
    else if (m > INT_MAX / 2)
        snprintf(msg, len, "--mode explicit: w=%lld exceeds the %d an explicit run can index",
                 (long long)width, INT_MAX / 2);
    if (msg[0]) return PS_EXIT_USAGE;
    ps_coords x;
    ps_coords_draw(&x, p, width, sigma2);
    ps_run_coords(p, t, &x, res, tr, hooks, mk);
    res->seconds = now_seconds() - t0;
    return 0;
}

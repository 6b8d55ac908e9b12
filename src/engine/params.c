/* params: defaults and derived quantities of one run. */
#include "params.h"

#include <math.h>
#include <stdio.h>

const char *ps_stop_name(enum ps_stop s)
{
    switch (s) {
    case PS_STOP_CONVERGED: return "converged";
    case PS_STOP_OVERFITTING: return "overfitting";
    case PS_STOP_PLATEAU: return "plateau";
    case PS_STOP_MAX_ITER: return "max_iter";
    case PS_STOP_DIVERGED: return "diverged";
    case PS_STOP_ABORTED: return "aborted";
    }
    return "unknown";
}

void ps_params_default(ps_params *p)
{
    *p = (ps_params){
        .d = 200, .k = 5, .noise = 1.0, .gs = 0.0, .gw = 0.0, .seed = 0, .replica = 0,
        .max_iter = 750, .lr_scale = 50.0, .mode = PS_MODE_REDUCED, .theory = 1, .stop_rules = 1,
        .tol_converged = 1e-3, .tol_plateau = 2e-4, .plateau_min_drop = 1e-2,
        .diverge_factor = 1e6, .max_mem = 4.0 * 1024 * 1024 * 1024, .threads = 1,
        .problem = PS_PROBLEM_DENOISE, .observed = 1.0,
    };
}

int64_t ps_width(int d, double gw)
{
    double r = pow((double)d, gw);
    if (!(r <= 9007199254740992.0)) return -1; /* 2^53: beyond it w is no longer exact */
    double w = floor(r);
    if (w + 1.0 - r <= 1e-12 * r) w += 1.0; /* pow's rounding must not drop an exact power */
    return w < 1.0 ? 1 : (int64_t)w;
}

double ps_sigma2(int d, double gs) { return pow((double)d, gs); }

void ps_layer_vars(const ps_params *p, double sigma2, double *v1, double *v2)
{
    if (p->gr == 0.0) {
        *v1 = *v2 = sigma2;
        return;
    }
    *v1 = pow((double)p->d, p->gs + p->gr);
    *v2 = pow((double)p->d, p->gs - p->gr);
}

void ps_layer_vars_problem(int d, double gs, double gr, char *msg, size_t len)
{
    double v1 = pow((double)d, gs + gr), v2 = pow((double)d, gs - gr);
    msg[0] = 0;
    /* a normal double both ways, and room for the sums and products the run forms with them */
    const double lo = 1e-290, hi = 1e290;
    if (!(v1 >= lo && v1 <= hi) || !(v2 >= lo && v2 <= hi))
        snprintf(msg, len, "--gr: %.17g with --gs %.17g at d = %d gives the variances "
                 "d^(gs+gr) = %g and d^(gs-gr) = %g; each must lie in [1e-290, 1e290]", gr, gs,
                 d, v1, v2);
}

double ps_learning_rate(const ps_params *p, int64_t width, double sigma2, double astar_op)
{
    double v1, v2;
    ps_layer_vars(p, sigma2, &v1, &v2);
    /* at gr = 0, (v + v) / 2 is v exactly: today's rate, bit for bit */
    if (p->gs + p->gw > 1.0) return 1.0 / (p->lr_scale * (double)width * ((v1 + v2) / 2.0));
    return 1.0 / (p->lr_scale * astar_op);
}

int ps_reduced_rank(int d, int64_t width) { return width < 2 * (int64_t)d ? (int)width : 2 * d; }

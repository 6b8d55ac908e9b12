/* params: the values that define one run (one grid point x replica), their defaults, and the
 * quantities derived from them (width, sigma2, learning rate). Pure data; no I/O. The sweep
 * adds its grid on top (ps_options in cli.h); a task's params are the sweep's with gs/gw/replica set. */
#ifndef PS_PARAMS_H
#define PS_PARAMS_H

#include <stdint.h>

enum ps_mode { PS_MODE_REDUCED = 0, PS_MODE_EXPLICIT = 1 };

/* Why a run stopped; the numbering is the HDF5 enum's and must not change. */
enum ps_stop {
    PS_STOP_CONVERGED = 0,
    PS_STOP_OVERFITTING = 1,
    PS_STOP_PLATEAU = 2,
    PS_STOP_MAX_ITER = 3,
    PS_STOP_DIVERGED = 4,
    PS_STOP_ABORTED = 5 /* interrupted by a signal: not a result, never stored */
};
#define PS_N_STOP_REASONS 5
const char *ps_stop_name(enum ps_stop s);

typedef struct ps_params {
    int d;                   /* dimension of A (d x d) */
    int k;                   /* teacher rank */
    double noise;            /* std of the observation noise E */
    double gs, gw;           /* gamma_s, gamma_w */
    uint64_t seed;
    int replica;
    int max_iter;
    double lr_scale;         /* c in eta = 1/(c ...) */
    enum ps_mode mode;
    int theory;              /* run the self-consistent dynamics alongside GD */
    int stop_rules;          /* apply the three stopping rules (else run to max_iter) */
    double tol_converged;    /* stop when L_train < this */
    double tol_plateau;      /* |L_train(i) - L_train(i-1)| < this ... */
    double plateau_min_drop; /* ... and L_train(0) - L_train(i) > this */
    double diverge_factor;   /* diverged when L_train > factor * max(1, L_train(0)) */
    double max_mem;          /* bytes one run may allocate */
    int threads;             /* BLAS threads */
    const char *eigensolver; /* the theory's, by registry name (eigensolver.h); NULL: auto */
} ps_params;

void ps_params_default(ps_params *p);

/* w = floor(d^gw); a power within 1e-12 relative of an integer counts as that integer, so
 * that e.g. 100^1.5 is 1000 and not 999. Returns -1 when d^gw exceeds 2^53. */
int64_t ps_width(int d, double gw);
double ps_sigma2(int d, double gs);
/* The protocol's learning rate: 1/(c w sigma2) on the lazy side (gs + gw > 1), else
 * 1/(c ||A*||_op). */
double ps_learning_rate(const ps_params *p, int64_t width, double sigma2, double astar_op);
/* m = min(w, 2d): the rank of the reduced coordinates. */
int ps_reduced_rank(int d, int64_t width);

#endif

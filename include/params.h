/* params: the values that define one run (one grid point x replica), their defaults, and the
 * quantities derived from them (width, sigma2, learning rate). Pure data; no I/O. The sweep
 * adds its grid on top (ps_options in cli.h); a task's params are the sweep's with gs/gw/replica set. */
#ifndef PS_PARAMS_H
#define PS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

enum ps_mode { PS_MODE_REDUCED = 0, PS_MODE_EXPLICIT = 1 };
/* What the network fits: all of Y (denoise, the paper's) or a Bernoulli(observed) share of
 * its entries (completion; docs/science.md "Beyond the paper"). */
enum ps_problem { PS_PROBLEM_DENOISE = 0, PS_PROBLEM_COMPLETION = 1 };
/* The order of the two factor updates of one GD step: sequential (W2's step uses the new W1;
 * the paper's code and the default) or simultaneous (both from the old weights). */
enum ps_update { PS_UPDATE_SEQUENTIAL = 0, PS_UPDATE_SIMULTANEOUS = 1 };

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
    double gr;               /* gamma_r, the layer imbalance: W1 variance d^(gs+gr), W2 d^(gs-gr) */
    enum ps_update update;   /* the order of the two factor updates */
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
    enum ps_problem problem; /* denoise (default) or completion */
    double observed;         /* completion: P, the probability that an entry is observed */
} ps_params;

void ps_params_default(ps_params *p);

/* w = floor(d^gw); a power within 1e-12 relative of an integer counts as that integer, so
 * that e.g. 100^1.5 is 1000 and not 999. Returns -1 when d^gw exceeds 2^53. */
int64_t ps_width(int d, double gw);
double ps_sigma2(int d, double gs);
/* The entry variances of W1 (v1 = d^(gs+gr)) and W2 (v2 = d^(gs-gr)); sigma2 = d^gs as given
 * by the caller: at gr = 0 both are sigma2 itself (the same bits as before gr existed). */
void ps_layer_vars(const ps_params *p, double sigma2, double *v1, double *v2);
/* Why gr cannot be used with d and gs (a variance overflows or underflows), "" if it can. */
void ps_layer_vars_problem(int d, double gs, double gr, char *msg, size_t len);
/* The protocol's learning rate: 1/(c w (v1 + v2)/2) on the lazy side (gs + gw > 1; v1, v2 of
 * ps_layer_vars, so 1/(c w sigma2) at gr = 0), else 1/(c ||A*||_op). */
double ps_learning_rate(const ps_params *p, int64_t width, double sigma2, double astar_op);
/* m = min(w, 2d): the rank of the reduced coordinates. */
int ps_reduced_rank(int d, int64_t width);

#endif

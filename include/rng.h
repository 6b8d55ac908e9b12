/* rng: counter-based random streams (Philox4x64-10 from Random123). A stream is keyed by
 * (seed, replica, bit patterns of gamma_s and gamma_w, purpose), so the numbers a task draws
 * depend on its key only -- never on which rank draws them or in what order tasks run.
 * Streams with different keys are independent; a stream is a pure function of its key. */
#ifndef PS_RNG_H
#define PS_RNG_H

#include <stdint.h>

enum ps_purpose {
    PS_RNG_TEACHER_U = 1,
    PS_RNG_TEACHER_V = 2,
    PS_RNG_NOISE = 3,
    PS_RNG_INIT_DENSE = 4,    /* the entries of M = [W1 | W2^T], explicit mode or w < 2d */
    PS_RNG_INIT_BARTLETT = 5, /* the triangular factor of M, reduced mode with w >= 2d */
    PS_RNG_MASK = 6,          /* the observed entries of matrix completion (a teacher stream) */
};

typedef struct ps_rng {
    uint64_t key[2];
    uint64_t ctr[4];
    uint64_t buf[4];
    int used;        /* words of buf consumed */
    double spare;    /* second Box-Muller normal */
    int has_spare;
} ps_rng;

/* The teacher's streams ignore gs, gw: pass 0.0 for both (one teacher per (seed, replica)). */
void ps_rng_init(ps_rng *r, uint64_t seed, int replica, double gs, double gw,
                 enum ps_purpose purpose);
uint64_t ps_rng_u64(ps_rng *r);
double ps_rng_uniform(ps_rng *r);      /* in (0, 1), 53 random bits */
double ps_rng_normal(ps_rng *r);       /* N(0, 1) */
double ps_rng_chi2(ps_rng *r, double dof); /* chi-squared with dof > 0 degrees of freedom */
void ps_rng_fill_normal(ps_rng *r, double *x, int64_t n, double std);

#endif

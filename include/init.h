/* init: the teacher (A*, Y = A* + E) and the initial network, as column-major arrays.
 * The teacher depends on (seed, replica) only. The initial network is held in the reduced
 * coordinates of docs/PROTOCOL.md: W1 = Q U1, W2^T = Q U2 with U1, U2 of size m x d; explicit
 * mode is the same shape with m = w and Q = I (U1 = W1, U2 = W2^T literally). */
#ifndef PS_INIT_H
#define PS_INIT_H

#include <stdint.h>
#include "params.h"

typedef struct ps_teacher {
    int d, k;
    double *Astar;   /* d x d */
    double *Y;       /* d x d, A* + E */
    double astar_op; /* ||A*||_op, for the active-side learning rate */
    double *mask;    /* completion: d x d, 1 where Y is observed, else 0; NULL: denoise */
    double observed; /* P, the probability of an observed entry (1 for denoise) */
} ps_teacher;

typedef struct ps_coords {
    int d, m;
    int64_t width;  /* w of the network these coordinates represent */
    double *U1;     /* m x d, column-major */
    double *U2;     /* m x d */
} ps_coords;

/* Draws U (d x k), V (d x k) ~ N(0, 1/sqrt(k)) and E ~ N(0, noise^2); for completion also the
 * mask, entry (i, j) observed when the (i + j d)-th uniform of the replica's mask stream is
 * below P (so P = 1 observes every entry). Every rank draws the same full arrays. Allocates. */
void ps_teacher_generate(ps_teacher *t, const ps_params *p);
/* Takes A* and E as given (column-major, copied); no mask (denoise). */
void ps_teacher_from(ps_teacher *t, int d, int k, const double *Astar, const double *E);
/* The completion mask of p's (seed, replica) as above, into t (d x d; allocates). */
void ps_teacher_draw_mask(ps_teacher *t, const ps_params *p);
/* A given 0/1 mask (column-major d x d, copied) with P = observed. */
void ps_teacher_set_mask(ps_teacher *t, const double *mask, double observed);
void ps_teacher_free(ps_teacher *t);

/* Initial coordinates for the params' (gs, gw, gr, seed, replica): explicit mode draws W1
 * (variance d^(gs+gr)) and W2 (d^(gs-gr)) in full (m = w); reduced mode draws M = [W1 | W2^T]
 * when w < 2d (the same numbers as explicit mode) and the Bartlett factor of M when w >= 2d
 * (m = 2d). sigma2 = d^gs (ps_layer_vars). Allocates. */
void ps_coords_draw(ps_coords *x, const ps_params *p, int64_t width, double sigma2);
/* Bartlett: the upper-triangular factor Rm (n x n, n = 2d) of a w x n Gaussian matrix with
 * entry variance sigma2, in column-major order. Exposed for its test. */
void ps_bartlett(double *Rm, int n, int64_t w, double sigma2, uint64_t seed, int replica,
                 double gs, double gw);
/* The same with the first n/2 columns of variance var1 and the last n/2 of var2 (the factor
 * of [W1 | W2^T] at gr != 0); var1 = var2 = sigma2 is ps_bartlett, bit for bit. */
void ps_bartlett_scaled(double *Rm, int n, int64_t w, double var1, double var2, uint64_t seed,
                        int replica, double gs, double gw);
/* From given weights W1 (w x d) and W2T = W2^T (w x d), column-major: explicit copies them,
 * reduced takes the thin QR of [W1 | W2^T]. Allocates. */
void ps_coords_from_weights(ps_coords *x, int d, int64_t w, const double *W1, const double *W2T,
                            enum ps_mode mode);
void ps_coords_free(ps_coords *x);

#endif

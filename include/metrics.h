/* metrics: norms and errors of d x d column-major matrices. The op norm comes from the top
 * eigenvalue of A^T A alone (dsyevr, one eigenvalue): no full SVD for bookkeeping. */
#ifndef PS_METRICS_H
#define PS_METRICS_H

#include <stdint.h>

double ps_frob2(const double *A, int64_t n);                    /* sum of squares */
double ps_frob2_diff(const double *A, const double *B, int64_t n); /* ||A - B||_F^2 */
double ps_op_norm(const double *A, int d);       /* largest singular value; allocates */
double ps_stable_rank(const double *A, int d);   /* ||A||_F^2 / ||A||_op^2; 0 for A = 0 */

#endif

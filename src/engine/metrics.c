/* metrics: errors and norms. */
#include "metrics.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"

double ps_frob2(const double *A, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += A[i] * A[i];
    return s;
}

double ps_frob2_diff(const double *A, const double *B, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double r = A[i] - B[i];
        s += r * r;
    }
    return s;
}

/* dsyevr writes every eigenvalue it finds into w and may find more than il..iu asks for (a
 * zero or a degenerate matrix: all d of them), so w, z and isuppz are full size. */
double ps_op_norm(const double *A, int d)
{
    double *G = ps_malloc(sizeof(double) * (size_t)d * d, "A^T A");
    double *w = ps_malloc(sizeof(double) * (size_t)d, "eigenvalues");
    double *z = ps_malloc(sizeof(double) * (size_t)d, "eigenvector");
    lapack_int *isuppz = ps_malloc(sizeof(lapack_int) * 2 * (size_t)d, "isuppz");
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, d, d, 1.0, A, d, 0.0, G, d);
    lapack_int found = 0;
    w[0] = 0.0;
    PS_LAPACK(LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'N', 'I', 'U', d, G, d, 0.0, 0.0, d, d, 0.0,
                             &found, w, z, 1, isuppz));
    /* the largest of those found (ascending): the top one */
    const double lambda = found > 0 ? w[found - 1] : 0.0;
    free(G);
    free(w);
    free(z);
    free(isuppz);
    return lambda > 0.0 ? sqrt(lambda) : 0.0;
}

double ps_stable_rank(const double *A, int d)
{
    double op = ps_op_norm(A, d);
    return op > 0.0 ? ps_frob2(A, (int64_t)d * d) / (op * op) : 0.0;
}

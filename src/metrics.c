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

double ps_op_norm(const double *A, int d)
{
    double *G = ps_malloc(sizeof(double) * (size_t)d * d, "A^T A");
    double *z = ps_malloc(sizeof(double) * (size_t)d, "eigenvector");
    lapack_int *isuppz = ps_malloc(sizeof(lapack_int) * 2, "isuppz");
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, d, d, 1.0, A, d, 0.0, G, d);
    double lambda = 0.0;
    lapack_int found = 0;
    PS_LAPACK(LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'N', 'I', 'U', d, G, d, 0.0, 0.0, d, d, 0.0,
                             &found, &lambda, z, d, isuppz));
    free(G);
    free(z);
    free(isuppz);
    return lambda > 0.0 ? sqrt(lambda) : 0.0;
}

double ps_stable_rank(const double *A, int d)
{
    double op = ps_op_norm(A, d);
    return op > 0.0 ? ps_frob2(A, (int64_t)d * d) / (op * op) : 0.0;
}

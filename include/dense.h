/* dense: the linear-algebra seam under the dynamics. The measure, the GD step, the theory step
 * and B(0) are written once (steps.c) over these operations; a backend implements them on its
 * storage: dense_local.c (one rank, column-major arrays, OpenBLAS/LAPACK) and dense_dist.c (a
 * ScaLAPACK group, 2D block-cyclic blocks, PBLAS). A new backend (a batched GPU one) is one new
 * implementation of ps_dense_ops and nothing else.
 *
 * Bitwise contract: each op issues the one BLAS/PBLAS call or the one element-wise loop its
 * comment names, with the operands in the order given, so the shared steps reproduce the bits
 * of the hand-written engines they replaced. Sums are split in two: a rank's partial sum in
 * storage order (dist2_part), then the group's rank-ordered reduction (sums): the same bits on
 * every rank. A distributed backend's ops are collective over its group: every rank calls
 * them in the same order. */
#ifndef PS_DENSE_H
#define PS_DENSE_H

/* The backend kinds an eigensolver can serve (eigensolver.h). */
enum ps_dense_kind { PS_DENSE_LOCAL = 0, PS_DENSE_DIST = 1 };

/* A matrix handle, filled by the backend that made it (the shared steps never read its entries):
 * this rank's entries a (column-major, leading dimension ld, mloc x nloc of the global
 * rows x cols; all of it for a local backend) and, for a ScaLAPACK backend, its descriptor. */
typedef struct ps_mat {
    double *a;
    int rows, cols, mloc, nloc, ld;
    int owned; /* a is freed with the handle */
    int desc[9];
} ps_mat;

typedef struct ps_dense ps_dense;
typedef struct ps_dense_ops {
    const char *name;
    enum ps_dense_kind kind;
    /* M: a zeroed rows x cols matrix; mat_free frees what the backend allocated. */
    void (*mat_init)(ps_dense *b, ps_mat *M, int rows, int cols, const char *what);
    void (*mat_free)(ps_dense *b, ps_mat *M);
    /* M from a full column-major rows x cols array: borrowed (a local backend keeps the
     * pointer: full must outlive M; others copy their share) or taken (full is consumed: kept
     * by a local backend, freed after the copy by others). */
    void (*mat_borrow)(ps_dense *b, ps_mat *M, const double *full, int rows, int cols,
                       const char *what);
    void (*mat_take)(ps_dense *b, ps_mat *M, double *full, int rows, int cols,
                     const char *what);
    void (*copy)(ps_dense *b, ps_mat *dst, const ps_mat *src); /* same shape */
    /* C <- alpha op(A) op(B) + beta C (dgemm / pdgemm) */
    void (*gemm)(ps_dense *b, char ta, char tb, int m, int n, int k, double alpha,
                 const ps_mat *A, const ps_mat *B, double beta, ps_mat *C);
    /* C <- A A^T (trans 'N') or A^T A ('T'), upper triangle, C n x n (dsyrk / pdsyrk) */
    void (*syrk)(ps_dense *b, char trans, int n, int k, const ps_mat *A, ps_mat *C);
    /* C <- S X + beta C (side 'L') or X S + beta C ('R'), S symmetric upper (dsymm / pdsymm) */
    void (*symm)(ps_dense *b, char side, int m, int n, const ps_mat *S, const ps_mat *X,
                 double beta, ps_mat *C);
    /* out(:, j) <- s[j] in(:, j), s indexed by the global column j (s replicated) */
    void (*scale_cols)(ps_dense *b, ps_mat *out, const ps_mat *in, const double *s);
    /* out <- X - Y, element by element */
    void (*sub)(ps_dense *b, ps_mat *out, const ps_mat *X, const ps_mat *Y);
    /* X <- (s M) o X, element by element, as `X[i] = (s * M[i]) * X[i]` (M the 0/1 mask of
     * matrix completion, s = 1/P; M = 1 and s = 1 leave X's bits as they are) */
    void (*mask)(ps_dense *b, ps_mat *X, const ps_mat *M, double s);
    /* X <- X - a (c Y + Z), element by element, as `X[i] -= a * (c * Y[i] + Z[i])` */
    void (*sub_comb)(ps_dense *b, ps_mat *X, double a, double c, const ps_mat *Y,
                     const ps_mat *Z);
    /* This rank's sum of (X - Y)^2 (of X^2 when Y is NULL), in storage order. */
    double (*dist2_part)(ps_dense *b, const ps_mat *X, const ps_mat *Y);
    /* v[0..n) <- the group's rank-ordered sums of every rank's v (n <= 8; identity on one rank) */
    void (*sums)(ps_dense *b, double *v, int n);
    /* ||M||_op^2 of a square M: the top eigenvalue of M^T M (one eigenvalue, no vectors; 0
     * when it is <= 0), replicated; allocates its scratch (call once per run, not per step). */
    double (*op_norm2)(ps_dense *b, const ps_mat *M);
    /* All singular values of a square M (descending, replicated); svd_prepare(b, d) first
     * makes their workspace (once per engine, for tracing). */
    void (*svd_prepare)(ps_dense *b, int d);
    void (*singular_values)(ps_dense *b, const ps_mat *M, double *sv);
    void (*destroy)(ps_dense *b);
} ps_dense_ops;

struct ps_dense {
    const ps_dense_ops *ops;
    void *state;
};

/* The local backend (one rank; allocates nothing until svd_prepare). */
ps_dense ps_dense_local(void);
/* M viewing the caller's column-major rows x cols array (local backend; nothing to free). */
ps_mat ps_mat_view(double *a, int rows, int cols);

#endif

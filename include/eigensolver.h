/* eigensolver: the registry of the theory step's symmetric eigensolvers (SLEPc-style): one
 * row per solver {name, backend kind, workspace bytes, set-up, solve}, each implemented in
 * src/engine/eig_NAME.c and listed on one line of src/engine/eigensolver.c. `--eigensolver
 * NAME|auto` picks one for run, trace, sweep and estimate.
 *
 * auto is the first row of the backend's kind that is available in this build and fits the
 * grid (table order: dsyevd before dsyevr locally, elpa before pdsyevd in groups); a named
 * solver that does not fit the grid (ELPA when a rank owns no block column) gives way to the
 * next row of its kind that does. */
#ifndef PS_EIGENSOLVER_H
#define PS_EIGENSOLVER_H

#include <stddef.h>

#include "dense.h"

typedef struct ps_eigensolver {
    const char *name;
    enum ps_dense_kind kind;
    int (*available)(void);               /* NULL: always (else 1 when this build has it) */
    int (*fits)(const ps_dense *b, int d); /* NULL: every grid */
    /* Bytes of its workspace on one rank of a P-rank group (P = 1 locally) with ScaLAPACK
     * block size nb (unused locally), d x d matrices: what the cost model (cost.h) counts. */
    double (*bytes)(int d, int P, int nb);
    /* Queries and allocates the workspace for d x d H and Q made by b (once per run). */
    void *(*setup)(ps_dense *b, int d, ps_mat *H, ps_mat *Q);
    /* All eigenpairs of the symmetric H (upper triangle; destroyed): values ascending into ev
     * (d, replicated), orthonormal vectors into Q. Allocates nothing. */
    void (*solve)(void *ws, ps_dense *b, ps_mat *H, ps_mat *Q, double *ev);
    void (*release)(void *ws);
} ps_eigensolver;

/* The rows, in table order. */
const ps_eigensolver *const *ps_eigensolver_table(size_t *n);
/* The row of that name, or NULL ("auto" is no row). */
const ps_eigensolver *ps_eigensolver_find(const char *name);
/* The names a backend of this kind accepts in this build, "auto, dsyevd, dsyevr". */
void ps_eigensolver_names(enum ps_dense_kind kind, char *buf, size_t len);
/* 0 when name (NULL or "" = auto) can serve a backend of this kind in this build; else -1 and
 * one line in msg naming --eigensolver and the accepted names. */
int ps_eigensolver_check(const char *name, enum ps_dense_kind kind, char *msg, size_t len);
/* The row b runs for name at this d (auto and the fallback resolved); dies with one line
 * (ps_fail) when name cannot serve b -- callers check with ps_eigensolver_check first. */
const ps_eigensolver *ps_eigensolver_pick(const char *name, const ps_dense *b, int d);
/* Workspace bytes of the solver name (auto: the kind's first available row; P == 1 local,
 * P > 1 a group, block size nb, <= 0 for PS_DIST_NB) at d on one rank of P, for the cost
 * model; -1 for a name that cannot serve. */
double ps_eigensolver_bytes(const char *name, int d, int P, int nb);

#endif

/* h5io: every HDF5 file phasesweep reads or writes (sweep and trace files: layout.h's tables,
 * netCDF-4 compatible, with provenance.h's root attributes). Trace files and --load inputs
 * are serial; the sweep file is one parallel file (MPI-IO driver) whose datasets are
 * created, filled and flushed up front, so that afterwards only raw data is written: a
 * SIGKILL at any moment leaves it readable, and a task's `done` flag is written after its
 * values. Arrays here are column-major; files hold numpy's row-major layout. Bad input files
 * are refused with a line naming the file and dataset (exit status 2). */
#ifndef PS_H5IO_H
#define PS_H5IO_H

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>
#include "cli.h"
#include "layout.h"
#include "run.h"

/* --load: A_star and noise (d x d, required), W1 (w x d) and W2 (d x w) (optional, together),
 * mask (d x d, optional: the observed entries of matrix completion, each 0 or 1). */
typedef struct ps_loaded {
    int d;
    int64_t w;            /* 0 when no weights */
    double *Astar, *E;    /* d x d */
    double *W1, *W2T;     /* w x d each, or NULL */
    double *mask;         /* d x d, or NULL */
    size_t n_observed;    /* the mask's ones */
} ps_loaded;
/* 0, or PS_H5_BAD_INPUT with one line "--load: PATH: why" in why (L empty) for: a file that
 * is missing, unreadable or not HDF5; datasets missing, of another type or shape, or whose
 * declared sizes exceed max_mem bytes (checked before reading); non-finite entries, an
 * all-zero A_star, W1 and W2 both all zero, a mask of another shape, with an entry other than 0
 * or 1, or without an observed entry. The caller prints the line and exits 2. A damaged
 * file (a failing HDF5 read) still exits 2 at once (h5_errors.h). */
#define PS_H5_BAD_INPUT 2
int ps_h5_load(const char *path, double max_mem, ps_loaded *L, char *why, size_t len);
void ps_loaded_free(ps_loaded *L);

/* Writes the trace of one run to path (via a temporary file renamed at the end). 0, or
 * PS_H5_BAD_INPUT with one line in why (len bytes) when --out cannot be written there (checked
 * before anything is made); a failing write is the one error path's. */
int ps_h5_write_trace(const char *path, const ps_options *o, const ps_result *res,
                      const ps_trace *tr, char *why, size_t len);

/* The sweep file. Collective over comm: create (refusing an existing file unless o->force),
 * open for --resume (refusing, with the differences listed, when an identity option differs),
 * close. Create and resume return 0 with *f open on every rank, or, on every rank alike,
 * PS_EXIT_USAGE with the one-line refusal in msg (len bytes, the same on every rank; at
 * least PS_H5_MSG to hold every difference) and *f NULL: rank 0 checks, ps_verdict tells
 * the others; nothing is printed. Rank 0 alone builds a new file, serially. Writing one
 * task's result is independent I/O from any rank. */
typedef struct ps_sweep_file ps_sweep_file;
/* The layout of o's sweep file (layout.h's sweep table with o's extra axes) and its task
 * dimensions: names and sizes, the extra axes first, then gamma_s, gamma_w, replica
 * (ndims of them); then, with --curves, iteration (the file's dims: nfile of them). */
typedef struct ps_sweep_shape {
    ps_layout_nd nd;
    const ps_layout *L;
    int ndims, nfile;
    const char *dims[PS_LAYOUT_MAX_DIMS];
    hsize_t sizes[PS_LAYOUT_MAX_DIMS];
    ps_layout_axis axes[PS_MAX_AXES];
} ps_sweep_shape;
void ps_sweep_shape_of(const ps_options *o, ps_sweep_shape *s);
int ps_sweep_create(MPI_Comm comm, const ps_options *o, ps_sweep_file **f, char *msg,
                    size_t len);
int ps_sweep_resume(MPI_Comm comm, const ps_options *o, ps_sweep_file **f, char *msg,
                    size_t len);
/* done flags, one per task in the task numbering (tasks.h: row-major over the task
 * dimensions, [n_s][n_w][R] without extra axes), read by every rank. */
void ps_sweep_read_done(ps_sweep_file *f, uint8_t *done);
/* Task t's values (t in that numbering). */
void ps_sweep_write_result(ps_sweep_file *f, int64_t t, const ps_result *res);
/* One task's stored values into res (the per-task fields; width, sigma2, lr untouched);
 * returns its done flag. Independent I/O, like a write. */
int ps_sweep_read_result(ps_sweep_file *f, int64_t t, ps_result *res);
/* sweep --curves: one task's learning curves from its trace (before its result: `done` is
 * written last); nothing without --curves. */
void ps_sweep_write_curves(ps_sweep_file *f, int64_t t, const ps_trace *tr);
/* The points of the `iteration` dimension: 0 without --curves, else iterations 0, K, 2K, ...
 * below --max-iter (K = --curves-every). */
int ps_curve_points(const ps_options *o);
/* The data bytes of the sweep file o makes (every variable of its layout; HDF5's own
 * metadata, some KiB, aside); *curve_bytes: the curve variables' share of it. */
double ps_sweep_file_bytes(const ps_options *o, double *curve_bytes);
/* Collective: records the end time and wall seconds (provenance.h), closes. */
void ps_sweep_close(ps_sweep_file *f);
/* The --resume checks of path against o, serial and never exiting (ps_sweep_resume runs them
 * on rank 0): 0 when the sweep can be continued, else 1 with one line in msg, e.g. "--resume:
 * F was made with other parameters: d=200 (file) vs 100 (now); gs=... (file) vs ... (now)". */
int ps_sweep_check(const char *path, const ps_options *o, char *msg, size_t len);
/* "" or why the grid variables of the open sweep file (the extra axes', gamma_s, gamma_w,
 * replica, sigma2, width) differ, bit for bit, from those a sweep of o writes. */
void ps_sweep_grid_problem(hid_t file, const ps_options *o, char *why, size_t len);

/* `phasesweep info FILE`: parameters, completion, min/median/max per metric on stdout.
 * Returns 0 when every task is done, 3 when some are not (for scripts); PS_EXIT_USAGE with a
 * one-line refusal in msg (len bytes) and nothing on stdout when FILE is missing, not HDF5,
 * of another layout or kind, or not a complete sweep file. */
int ps_info(const char *path, char *msg, size_t len);

#endif

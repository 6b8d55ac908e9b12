/* h5io: --load input files, and the helpers every HDF5 file of phasesweep shares (quiet
 * opens with our own one-line messages; options as root attributes are h5_options.c). Bad
 * input is returned as a code and one line, never exits: the command prints it. */
#define _POSIX_C_SOURCE 200809L
#include "h5io.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "h5_common.h"
#include "h5_errors.h"

/* ---- shared helpers ---- */

void ps_h5_quiet(ps_h5_errors *saved)
{
    PS_H5(H5Eget_auto2(H5E_DEFAULT, &saved->fn, &saved->data));
    PS_H5(H5Eset_auto2(H5E_DEFAULT, NULL, NULL));
}

void ps_h5_loud(const ps_h5_errors *saved)
{
    PS_H5(H5Eset_auto2(H5E_DEFAULT, saved->fn, saved->data));
}

hid_t ps_h5_open_serial(const char *path, unsigned flags, const char *what, char *why,
                        size_t len)
{
    char reason[512] = "";
    hid_t f = -1;
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(reason, sizeof reason, "%s", strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        snprintf(reason, sizeof reason, "is a directory, not an HDF5 file");
    } else if (access(path, flags == H5F_ACC_RDONLY ? R_OK : R_OK | W_OK) != 0) {
        snprintf(reason, sizeof reason, "cannot %s it: %s",
                 flags == H5F_ACC_RDONLY ? "read" : "write", strerror(errno));
    } else {
        ps_h5_errors saved;
        ps_h5_quiet(&saved);
        htri_t is = H5Fis_hdf5(path);
        if (is <= 0)
            snprintf(reason, sizeof reason, "not an HDF5 file");
        else if ((f = H5Fopen(path, flags, H5P_DEFAULT)) < 0)
            snprintf(reason, sizeof reason,
                     "HDF5 cannot open it (damaged, or locked by a running writer)");
        ps_h5_loud(&saved);
    }
    if (f >= 0) return f;
    snprintf(why, len, "%s: %s: %s", what, path, reason);
    return H5I_INVALID_HID;
}

void ps_h5_out_dir_problem(const char *path, char *why, size_t len)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    struct stat st;
    why[0] = 0;
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (stat(dir, &st) != 0)
        snprintf(why, len, "directory %s does not exist", dir);
    else if (!S_ISDIR(st.st_mode))
        snprintf(why, len, "%s is not a directory", dir);
    else if (access(dir, W_OK | X_OK) != 0)
        snprintf(why, len, "directory %s is not writable", dir);
}


/* ---- --load ---- */

/* why = "--load: PATH: <fmt>"; returns PS_H5_BAD_INPUT. */
static int refuse(char *why, size_t len, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(char *why, size_t len, const char *path, const char *fmt, ...)
{
    int n = snprintf(why, len, "--load: %s: ", path);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < len) vsnprintf(why + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return PS_H5_BAD_INPUT;
}

/* Opens name as a 2-D float matrix into *d, its shape in dims: 0 (*d = -1 when absent), or
 * PS_H5_BAD_INPUT with why when it is not one. */
static int open_matrix(hid_t f, const char *path, const char *name, hid_t *d, hsize_t dims[2],
                       char *why, size_t len)
{
    *d = H5I_INVALID_HID;
    if (PS_H5(H5Lexists(f, name, H5P_DEFAULT)) == 0) return 0;
    ps_h5_errors saved;
    ps_h5_quiet(&saved);
    hid_t set = H5Dopen2(f, name, H5P_DEFAULT);
    ps_h5_loud(&saved);
    if (set < 0) return refuse(why, len, path, "%s is not a dataset", name);
    hid_t space = (hid_t)PS_H5(H5Dget_space(set));
    hid_t type = (hid_t)PS_H5(H5Dget_type(set));
    int rank = (int)PS_H5(H5Sget_simple_extent_ndims(space));
    H5T_class_t cls = (H5T_class_t)PS_H5(H5Tget_class(type));
    size_t size = H5Tget_size(type);
    int rc = 0;
    if (rank == 2) PS_H5(H5Sget_simple_extent_dims(space, dims, NULL));
    if (rank != 2)
        rc = refuse(why, len, path, "dataset %s has %d dimensions, expected 2 (a matrix)", name,
                    rank);
    else if (cls != H5T_FLOAT || (size != 4 && size != 8))
        rc = refuse(why, len, path, "dataset %s is not float32 or float64", name);
    else if (dims[0] == 0 || dims[1] == 0)
        rc = refuse(why, len, path, "dataset %s is empty (%llu x %llu)", name,
                    (unsigned long long)dims[0], (unsigned long long)dims[1]);
    PS_H5(H5Tclose(type));
    PS_H5(H5Sclose(space));
    if (rc) PS_H5(H5Dclose(set));
    else *d = set;
    return rc;
}

/* Reads the row-major rows x cols dataset into dst, column-major rows x cols (transpose =
 * 1) or in the file's order (transpose = 0), a block of rows at a time: W1 can be gigabytes,
 * and a second full-size copy for the transposition would double the peak memory. 0, or
 * PS_H5_BAD_INPUT with why at the first non-finite entry. */
static int read_matrix(hid_t d, const char *path, const char *name, hsize_t rows,
                       hsize_t cols, double *dst, int transpose, char *why, size_t len)
{
    hsize_t block = (1u << 20) / cols;
    if (block < 1) block = 1;
    if (block > rows) block = rows;
    double *buf = transpose ? ps_malloc(sizeof(double) * block * cols, "--load rows") : NULL;
    hid_t fspace = (hid_t)PS_H5(H5Dget_space(d));
    int rc = 0;
    for (hsize_t r0 = 0; r0 < rows && !rc; r0 += block) {
        hsize_t nb = rows - r0 < block ? rows - r0 : block;
        hsize_t start[2] = {r0, 0}, count[2] = {nb, cols};
        double *into = transpose ? buf : dst + r0 * cols;
        PS_H5(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
        hid_t mspace = (hid_t)PS_H5(H5Screate_simple(2, count, NULL));
        PS_H5(H5Dread(d, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, into));
        PS_H5(H5Sclose(mspace));
        for (hsize_t i = 0; i < nb && !rc; i++)
            for (hsize_t j = 0; j < cols && !rc; j++) {
                double v = into[i * cols + j];
                if (!isfinite(v))
                    rc = refuse(why, len, path, "dataset %s has a non-finite entry %g at "
                                "[%llu, %llu]", name, v, (unsigned long long)(r0 + i),
                                (unsigned long long)j);
                else if (transpose) dst[(r0 + i) + j * rows] = v;
            }
    }
    PS_H5(H5Sclose(fspace));
    free(buf);
    return rc;
}

/* Whether all n entries are zero. */
static int all_zero(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0.0) return 0;
    return 1;
}

/* The shapes of A_star, noise, W1 and W2 (da, de, d1, d2; has_w1, has_w2: present) against
 * each other and max_mem bytes, before a byte is read or allocated. */
static int check_shapes(const char *path, double max_mem, const hsize_t da[2],
                        const hsize_t de[2], const hsize_t d1[2], const hsize_t d2[2],
                        int has_w1, int has_w2, char *why, size_t len)
{
    const int weights = has_w1;
    if (da[0] != da[1])
        return refuse(why, len, path, "dataset A_star is %llu x %llu, expected square (d x d)",
                      (unsigned long long)da[0], (unsigned long long)da[1]);
    if (da[0] > INT_MAX)
        return refuse(why, len, path, "dataset A_star is %llu x %llu, d above %d",
                      (unsigned long long)da[0], (unsigned long long)da[1], INT_MAX);
    const hsize_t d = da[0], w = weights ? d1[0] : 0;
    if (de[0] != d || de[1] != d)
        return refuse(why, len, path, "dataset noise is %llu x %llu, expected %llu x %llu like "
                      "A_star", (unsigned long long)de[0], (unsigned long long)de[1],
                      (unsigned long long)d, (unsigned long long)d);
    if (has_w1 != has_w2)
        return refuse(why, len, path, "dataset %s is missing (W1 and W2 come together or not "
                      "at all)", has_w1 ? "W2" : "W1");
    if (weights) {
        if (d1[1] != d)
            return refuse(why, len, path, "dataset W1 is %llu x %llu, expected w x %llu (w x d)",
                          (unsigned long long)d1[0], (unsigned long long)d1[1],
                          (unsigned long long)d);
        if (d2[0] != d || d2[1] != w)
            return refuse(why, len, path, "dataset W2 is %llu x %llu, expected %llu x %llu (d x "
                          "w, w of W1)", (unsigned long long)d2[0], (unsigned long long)d2[1],
                          (unsigned long long)d, (unsigned long long)w);
        if (w > (hsize_t)INT64_MAX || w > SIZE_MAX / sizeof(double) / d)
            return refuse(why, len, path, "dataset W1 is too large (%llu x %llu)",
                          (unsigned long long)w, (unsigned long long)d);
    }
    /* a small file can declare a 40000 x 40000 dataset that it never wrote (chunked, empty) */
    const double need = 8.0 * ((double)d * (double)d * 2.0 + (double)w * (double)d * 2.0);
    if (need > max_mem) {
        const int big = (double)w * (double)d > (double)d * (double)d;
        return refuse(why, len, path, "datasets %s (%llu x %llu) and %s declare %.3g GiB, more "
                      "than --max-mem %.3g GiB", big ? "W1" : "A_star",
                      (unsigned long long)(big ? w : d), (unsigned long long)d,
                      big ? "W2" : "noise", need / 1073741824.0, max_mem / 1073741824.0);
    }
    return 0;
}

/* A completion mask holds 0 (unobserved) and 1 (observed) only, and observes something. */
static int check_mask(const char *path, ps_loaded *L, char *why, size_t len)
{
    const size_t d = (size_t)L->d;
    L->n_observed = 0;
    for (size_t j = 0; j < d; j++)
        for (size_t i = 0; i < d; i++) {
            double v = L->mask[i + j * d];
            if (v != 0.0 && v != 1.0)
                return refuse(why, len, path, "dataset mask has the entry %g at [%zu, %zu]; "
                              "expected 0 (unobserved) or 1 (observed)", v, i, j);
            L->n_observed += v == 1.0;
        }
    if (!L->n_observed)
        return refuse(why, len, path, "dataset mask observes no entry (all zero): the train "
                      "loss would be empty; give at least one 1");
    return 0;
}

int ps_h5_load(const char *path, double max_mem, ps_loaded *L, char *why, size_t len)
{
    memset(L, 0, sizeof *L);
    why[0] = 0;
    hid_t f = ps_h5_open_serial(path, H5F_ACC_RDONLY, "--load", why, len);
    if (f < 0) return PS_H5_BAD_INPUT;
    ps_h5_input("--load", path); /* a failing read is the file's fault: exit 2 */
    hsize_t da[2], de[2], d1[2] = {0, 0}, d2[2] = {0, 0};
    hsize_t dm[2] = {0, 0};
    hid_t m[5] = {H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID,
                  H5I_INVALID_HID};
    enum { A, E, W1, W2, MASK };
    int rc = open_matrix(f, path, "A_star", &m[A], da, why, len);
    if (!rc) rc = open_matrix(f, path, "noise", &m[E], de, why, len);
    if (!rc) rc = open_matrix(f, path, "W1", &m[W1], d1, why, len);
    if (!rc) rc = open_matrix(f, path, "W2", &m[W2], d2, why, len);
    if (!rc) rc = open_matrix(f, path, "mask", &m[MASK], dm, why, len);
    if (!rc && (m[A] < 0 || m[E] < 0))
        rc = refuse(why, len, path, "dataset %s is missing (needed: A_star and noise, d x d)",
                    m[A] >= 0 ? "noise" : "A_star");
    if (!rc) rc = check_shapes(path, max_mem, da, de, d1, d2, m[W1] >= 0, m[W2] >= 0, why, len);
    if (!rc && m[MASK] >= 0 && (dm[0] != da[0] || dm[1] != da[1]))
        rc = refuse(why, len, path, "dataset mask is %llu x %llu, expected %llu x %llu like "
                    "A_star", (unsigned long long)dm[0], (unsigned long long)dm[1],
                    (unsigned long long)da[0], (unsigned long long)da[1]);
    const hsize_t d = da[0], w = m[W1] >= 0 ? d1[0] : 0;
    if (!rc) {
        L->d = (int)d;
        L->w = (int64_t)w;
        L->Astar = ps_malloc(sizeof(double) * d * d, "A_star");
        L->E = ps_malloc(sizeof(double) * d * d, "noise");
        rc = read_matrix(m[A], path, "A_star", d, d, L->Astar, 1, why, len);
        if (!rc) rc = read_matrix(m[E], path, "noise", d, d, L->E, 1, why, len);
    }
    if (!rc && w) {
        L->W1 = ps_malloc(sizeof(double) * w * d, "W1");
        L->W2T = ps_malloc(sizeof(double) * w * d, "W2");
        rc = read_matrix(m[W1], path, "W1", w, d, L->W1, 1, why, len);
        /* W2 (d x w) row-major is W2^T (w x d) column-major: same bytes, no transposition */
        if (!rc) rc = read_matrix(m[W2], path, "W2", d, w, L->W2T, 0, why, len);
    }
    if (!rc && m[MASK] >= 0) {
        L->mask = ps_malloc(sizeof(double) * d * d, "mask");
        rc = read_matrix(m[MASK], path, "mask", d, d, L->mask, 1, why, len);
    }
    for (int i = 0; i < 5; i++)
        if (m[i] >= 0) PS_H5(H5Dclose(m[i]));
    PS_H5(H5Fclose(f));
    ps_h5_input(NULL, NULL);
    /* Zero inputs have no defined run: the learning rate of gs + gw <= 1 is 1/(c ||A*||_op),
     * and W1 = W2 = 0 is a saddle point gradient descent never leaves. (Non-finite entries
     * were refused while reading.) */
    if (!rc && all_zero(L->Astar, (size_t)d * d))
        rc = refuse(why, len, path, "dataset A_star is all zero: a teacher without signal has "
                    "no learning rate (1/(c ||A_star||_op)) and no relative error; give a "
                    "nonzero A_star");
    if (!rc && L->W1 && all_zero(L->W1, (size_t)w * d) && all_zero(L->W2T, (size_t)w * d))
        rc = refuse(why, len, path, "datasets W1 and W2 are all zero: gradient descent never "
                    "leaves W1 = W2 = 0 (a saddle point); give nonzero weights or leave them "
                    "out");
    if (!rc && L->mask) rc = check_mask(path, L, why, len);
    if (rc) ps_loaded_free(L);
    return rc;
}

void ps_loaded_free(ps_loaded *L)
{
    free(L->Astar);
    free(L->E);
    free(L->W1);
    free(L->W2T);
    free(L->mask);
    memset(L, 0, sizeof *L);
}

/* test_h5io: every HDF5 file phasesweep touches. --load (numpy's row-major layout comes out
 * column-major, every class of bad file is refused with code 2 and one line naming file and
 * dataset, leaving nothing allocated or open), options as root attributes (every type's write
 * and read back), the trace file's layout, and the sweep file: names, shapes, types, fill values, the stop_reason
 * enum, dimension scales, attributes, one task's write, --resume (same parameters continue,
 * other ones are refused with every difference listed), --force, and `info`.
 * The serial part runs before MPI_Init (its checks fork children that exit); the sweep part
 * runs collectively, under mpirun -n 2 and -n 3 in `make check` (any count works).
 * mpirun-ranks: 2 3 */
#define _GNU_SOURCE /* mkdtemp, nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "commands_stub.h"
#include "h5_file.h"
#include "h5io.h"
#include "layout.h"
#include "../src/io/h5_common.h" /* the option attributes, private to the file layer */

static char dir[256]; /* this run's scratch directory (shared by the ranks in the MPI part) */

static const char *at(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void options(ps_options *o, const char *line)
{
    char buf[1024], err[512], *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "phasesweep %s", line);
    for (char *t = strtok(buf, " "); t && argc < 64; t = strtok(NULL, " ")) argv[argc++] = t;
    int rc = ps_cli_parse_args(test_commands, argc, argv, o, err, sizeof err);
    if (rc != PS_CLI_OK) fail_msg("'%s' refused: %s", line, err);
}

/* ---- children: functions that exit ---- */

typedef struct child_out { int status; char err[2048]; } child_out;

/* Runs fn(arg) in a child with stderr captured; status is the exit status (-1: signalled). */
static child_out in_child(void (*fn)(const void *), const void *arg)
{
    child_out c = {.status = -1};
    char name[64];
    snprintf(name, sizeof name, "child%ld.stderr", (long)getpid()); /* one per rank */
    const char *path = at(name);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, 2) < 0) _exit(99);
        fn(arg);
        _exit(0);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    if (WIFEXITED(ws)) c.status = WEXITSTATUS(ws);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(c.err, 1, sizeof c.err - 1, f);
    c.err[n] = 0;
    fclose(f);
    return c;
}

/* Exit status 2 and one line "phasesweep: ..." holding every given word. */
static void refused_(child_out c, ...)
{
    if (c.status != 2) fail_msg("exit status %d, expected 2; stderr: %s", c.status, c.err);
    if (strncmp(c.err, "phasesweep: ", 12)) fail_msg("message lacks the prefix: %s", c.err);
    char *nl = strchr(c.err, '\n');
    if (!nl || nl[1]) fail_msg("message is not one line: '%s'", c.err);
    va_list ap;
    va_start(ap, c);
    for (const char *w = va_arg(ap, const char *); w; w = va_arg(ap, const char *))
        if (!strstr(c.err, w)) fail_msg("message '%s' lacks '%s'", c.err, w);
    va_end(ap);
}
#define refused(...) refused_(__VA_ARGS__, (const char *)NULL)

/* ---- writing input files with the C API, as h5py would ---- */

/* data is row-major dims[0] x dims[1] (or 1-D / 3-D), stored as file type ftype. */
static void put(hid_t f, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                const double *data)
{
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(d >= 0);
    assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(d);
    H5Sclose(s);
}

static void put2(hid_t f, const char *name, hsize_t r, hsize_t c, double base)
{
    double *x = malloc(sizeof(double) * r * c);
    for (hsize_t i = 0; i < r; i++)
        for (hsize_t j = 0; j < c; j++) x[i * c + j] = base + 10.0 * (double)i + (double)j;
    const hsize_t dims[2] = {r, c};
    put(f, name, H5T_IEEE_F64LE, 2, dims, x);
    free(x);
}

/* A_star d x d, noise d x d, and W1 (w x d) / W2 (d x w) when w > 0 (negative: omit W2). */
static const char *input(const char *name, hsize_t d, long long w)
{
    const char *path = at(name);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    put2(f, "A_star", d, d, 0);
    put2(f, "noise", d, d, 1000);
    if (w) put2(f, "W1", (hsize_t)llabs(w), d, 2000);
    if (w > 0) put2(f, "W2", d, (hsize_t)w, 3000);
    H5Fclose(f);
    return path;
}

/* ---- --load ---- */

static void test_load_transposes_row_major(void **state)
{
    /* d = 3, w = 5: A_star[i][j] = 10 i + j is not symmetric and W1, W2 are not square */
    ps_loaded L;
    char why[1024];
    assert_int_equal(ps_h5_load(input("in.h5", 3, 5), 4.0 * 1073741824.0, &L, why, sizeof why), 0);
    assert_int_equal(L.d, 3);
    assert_int_equal(L.w, 5);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            assert_true(L.Astar[i + 3 * j] == 10.0 * i + j);
            assert_true(L.E[i + 3 * j] == 1000 + 10.0 * i + j);
        }
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 3; j++) {
            assert_true(L.W1[i + 5 * j] == 2000 + 10.0 * i + j);      /* W1(i, j) */
            assert_true(L.W2T[i + 5 * j] == 3000 + 10.0 * j + i);     /* W2^T(i, j) = W2(j, i) */
        }
    ps_loaded_free(&L);
    assert_null(L.Astar);
}

static void test_load_float32_without_weights(void **state)
{
    const char *path = at("f32.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const double a[4] = {1.5, 2.5, -3.0, 4.0}, e[4] = {0.25, 0, 0, -1};
    const hsize_t dims[2] = {2, 2};
    put(f, "A_star", H5T_IEEE_F32LE, 2, dims, a);
    put(f, "noise", H5T_IEEE_F32BE, 2, dims, e);
    H5Fclose(f);
    ps_loaded L;
    char why[1024];
    assert_int_equal(ps_h5_load(path, 4.0 * 1073741824.0, &L, why, sizeof why), 0);
    assert_int_equal(L.d, 2);
    assert_int_equal(L.w, 0);
    assert_null(L.W1);
    assert_null(L.W2T);
    assert_true(L.Astar[0] == 1.5 && L.Astar[2] == 2.5 && L.Astar[1] == -3.0);
    assert_true(L.E[0] == 0.25 && L.E[1] == 0 && L.E[3] == -1);
    ps_loaded_free(&L);
}

/* More rows than one read block holds (2^20 entries): the blocks join up. */
static void test_load_tall_weights_in_blocks(void **state)
{
    const long long w = 400000;
    ps_loaded L;
    char why[1024];
    assert_int_equal(ps_h5_load(input("tall.h5", 3, w), 4.0 * 1073741824.0, &L, why, sizeof why), 0);
    assert_int_equal(L.w, w);
    for (long long i = 0; i < w; i += 997)
        for (int j = 0; j < 3; j++) {
            assert_true(L.W1[i + w * j] == 2000 + 10.0 * (double)i + j);
            assert_true(L.W2T[i + w * j] == 3000 + 10.0 * j + (double)i);
        }
    assert_true(L.W1[(w - 1) + w * 2] == 2000 + 10.0 * (double)(w - 1) + 2);
    ps_loaded_free(&L);
}

/* ps_h5_load of path in this process, its refusal as a child's would be: status the code
 * (PS_H5_BAD_INPUT is exit status 2), err the line main prints. A refusal leaves L empty and
 * no HDF5 object open. */
static child_out load(const char *path)
{
    child_out c = {.status = 0};
    ps_loaded L;
    char why[1024] = "unset";
    c.status = ps_h5_load(path, 4.0 * 1073741824.0, &L, why, sizeof why);
    if (c.status) {
        assert_int_equal(c.status, PS_H5_BAD_INPUT);
        snprintf(c.err, sizeof c.err, "phasesweep: %s\n", why);
        assert_null(L.Astar);
        assert_null(L.E);
        assert_null(L.W1);
        assert_null(L.W2T);
        assert_int_equal(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
    }
    ps_loaded_free(&L);
    return c;
}

/* A file with A_star and noise as given (row-major doubles) plus optional extras. */
static const char *bad_input(const char *name, int ra, const hsize_t *da, int re,
                             const hsize_t *de, double poison)
{
    const char *path = at(name);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    double x[64];
    for (int i = 0; i < 64; i++) x[i] = i;
    x[3] = poison;
    if (ra) put(f, "A_star", H5T_IEEE_F64LE, ra, da, x);
    x[3] = 3;
    if (re) put(f, "noise", H5T_IEEE_F64LE, re, de, x);
    H5Fclose(f);
    return path;
}

static void test_load_rejects_bad_files(void **state)
{
    const hsize_t d3[2] = {3, 3}, d2[2] = {2, 2}, d34[2] = {3, 4}, v9[1] = {9},
                  c[3] = {3, 3, 1};
    refused(load(at("missing.h5")), "--load", "missing.h5");
    FILE *t = fopen(at("text.h5"), "w");
    fputs("not hdf5\n", t);
    fclose(t);
    refused(load(at("text.h5")), "text.h5", "not an HDF5 file");
    refused(load(dir), "directory");
    refused(load(bad_input("noa.h5", 0, NULL, 2, d3, 0)), "noa.h5", "A_star",
            "missing");
    refused(load(bad_input("noe.h5", 2, d3, 0, NULL, 0)), "noe.h5", "noise",
            "missing");
    refused(load(bad_input("r1.h5", 1, v9, 2, d3, 0)), "r1.h5", "A_star",
            "1 dimensions");
    refused(load(bad_input("r3.h5", 3, c, 2, d3, 0)), "A_star", "3 dimensions");
    refused(load(bad_input("rect.h5", 2, d34, 2, d3, 0)), "rect.h5", "A_star",
            "3 x 4", "square");
    refused(load(bad_input("mism.h5", 2, d3, 2, d2, 0)), "noise", "2 x 2",
            "3 x 3");
    refused(load(bad_input("nan.h5", 2, d3, 2, d3, NAN)), "nan.h5", "A_star",
            "non-finite");
    refused(load(bad_input("inf.h5", 2, d3, 2, d3, -INFINITY)), "A_star",
            "non-finite");
    refused(load(input("w1only.h5", 3, -4)), "w1only.h5", "W2", "missing");

    /* W2 without W1, W1 of the wrong width, W2 not d x w, an integer A_star, a group */
    const char *path = input("w2only.h5", 3, 0);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    put2(f, "W2", 3, 4, 0);
    H5Fclose(f);
    refused(load(path), "W1", "missing");
    path = input("w1cols.h5", 3, 0);
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    put2(f, "W1", 4, 2, 0);
    put2(f, "W2", 3, 4, 0);
    H5Fclose(f);
    refused(load(path), "w1cols.h5", "W1", "4 x 2");
    path = input("w2shape.h5", 3, 0);
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    put2(f, "W1", 4, 3, 0);
    put2(f, "W2", 3, 5, 0);
    H5Fclose(f);
    refused(load(path), "W2", "3 x 5", "3 x 4");
    path = at("int.h5");
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const double x[9] = {0};
    put(f, "A_star", H5T_STD_I32LE, 2, d3, x);
    put(f, "noise", H5T_IEEE_F64LE, 2, d3, x);
    H5Fclose(f);
    refused(load(path), "int.h5", "A_star", "float32 or float64");
    path = at("group.h5");
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(H5Gcreate2(f, "A_star", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
    refused(load(path), "group.h5", "A_star", "not a dataset");

    /* all-zero inputs, and declared sizes beyond --max-mem (before anything is read) */
    path = at("zero.h5");
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    put(f, "A_star", H5T_IEEE_F64LE, 2, d3, x);
    put(f, "noise", H5T_IEEE_F64LE, 2, d3, x);
    H5Fclose(f);
    refused(load(path), "zero.h5", "A_star is all zero");
    path = input("zerow.h5", 3, 0);
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    const hsize_t d43[2] = {4, 3}, d34w[2] = {3, 4};
    const double z[12] = {0};
    put(f, "W1", H5T_IEEE_F64LE, 2, d43, z);
    put(f, "W2", H5T_IEEE_F64LE, 2, d34w, z);
    H5Fclose(f);
    refused(load(path), "zerow.h5", "W1 and W2 are all zero");
    ps_loaded L;
    char why[1024];
    assert_int_equal(ps_h5_load(input("big.h5", 3, 5), 100.0, &L, why, sizeof why),
                     PS_H5_BAD_INPUT);
    assert_non_null(strstr(why, "more than --max-mem"));
    assert_null(L.Astar);
}

/* ---- options as root attributes ---- */

/* Every option of a sweep (one of each type) written by the per-type HDF5 row reads back
 * equal; a run-steering option carries run_; an attribute of another type reads as 2. */
static void test_option_attributes_round_trip(void **state)
{
    ps_options o, back;
    options(&o, "sweep --gs -2.5:0.5:7 --gw 0:1.5:4 --d 12 --seed 18446744073709551615 "
                "--mode explicit --no-theory --max-mem 1536M --group-size auto --threads 3 "
                "--replicas 2:4 --lr-scale 0.1 --out x.h5 --part 1/3");
    const char *path = at("attrs.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    ps_provenance pv;
    ps_provenance_collect(&pv, MPI_COMM_SELF, &o);
    ps_h5_attr_write_record(f, &o, "sweep", &pv);
    size_t n;
    const ps_option *t = ps_option_table(&n);
    int types = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(t[i].commands & (1u << PS_CMD_SWEEP))) continue;
        ps_options_default(&back);
        char name[64];
        ps_h5_attr_name(&t[i], name, sizeof name);
        assert_int_equal(!strncmp(name, "run_", 4), !!(t[i].props & PS_OPT_STEERS));
        if (ps_h5_attr_read_option(f, &t[i], &back)) fail_msg("--%s: not read back", t[i].name);
        if (!ps_option_equal(&t[i], &o, &back)) fail_msg("--%s: read back differs", t[i].name);
        types |= 1 << t[i].type;
        if (t[i].type == PS_OPT_STRING) free(*(char **)((char *)&back + t[i].offset));
    }
    assert_int_equal(types, (1 << PS_OPT_N_TYPES) - 1);
    /* the integer d stored as a string, the grid with 2 values: of another type */
    ps_options_default(&back);
    H5Adelete(f, "d");
    ps_h5_attr_write_string(f, "d", "12");
    assert_int_equal(ps_h5_attr_read_option(f, ps_option_find("d", PS_CMD_SWEEP), &back), 2);
    H5Adelete(f, "gs");
    const double two[2] = {0, 1};
    ps_h5_attr_write(f, "gs", H5T_NATIVE_DOUBLE, 2, two);
    assert_int_equal(ps_h5_attr_read_option(f, ps_option_find("gs", PS_CMD_SWEEP), &back), 2);
    H5Adelete(f, "mode");
    ps_h5_attr_write_string(f, "mode", "full");
    assert_int_equal(ps_h5_attr_read_option(f, ps_option_find("mode", PS_CMD_SWEEP), &back), 2);
    H5Adelete(f, "seed");
    assert_int_equal(ps_h5_attr_read_option(f, ps_option_find("seed", PS_CMD_SWEEP), &back), 1);
    H5Fclose(f);
    ps_options_free(&o);
}

/* ---- reading back ---- */

static hid_t open_ro(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    return f;
}

/* Opens a dataset, checking its rank, dims and file type. */
static hid_t dataset(hid_t f, const char *name, int rank, const hsize_t *dims, hid_t type)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) fail_msg("no dataset %s", name);
    hid_t s = H5Dget_space(d), t = H5Dget_type(d);
    hsize_t got[3] = {0, 0, 0};
    assert_int_equal(H5Sget_simple_extent_ndims(s), rank);
    H5Sget_simple_extent_dims(s, got, NULL);
    for (int i = 0; i < rank; i++)
        if (got[i] != dims[i]) fail_msg("%s: dim %d is %llu, expected %llu", name, i,
                                        (unsigned long long)got[i], (unsigned long long)dims[i]);
    if (type >= 0 && H5Tequal(t, type) <= 0) fail_msg("%s has another type", name);
    H5Tclose(t);
    H5Sclose(s);
    return d;
}

static void read_doubles(hid_t f, const char *name, double *x)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    assert_true(d >= 0);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0);
    H5Dclose(d);
}

/* A scalar numeric attribute's type and value. */
static double attr_number(hid_t f, const char *name, hid_t type)
{
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0) fail_msg("no attribute %s", name);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    if (H5Tequal(t, type) <= 0) fail_msg("attribute %s has another type", name);
    assert_int_equal(H5Sget_simple_extent_npoints(s), 1);
    double x;
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &x) >= 0);
    H5Sclose(s);
    H5Tclose(t);
    H5Aclose(a);
    return x;
}

static void attr_string(hid_t f, const char *name, char *buf, size_t len)
{
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0) fail_msg("no attribute %s", name);
    hid_t t = H5Aget_type(a);
    assert_int_equal(H5Tget_class(t), H5T_STRING);
    if (H5Tis_variable_str(t) > 0) {
        char *s = NULL;
        assert_true(H5Aread(a, t, &s) >= 0);
        snprintf(buf, len, "%s", s);
        H5free_memory(s);
    } else { /* fixed length: provenance_end_utc */
        size_t n = H5Tget_size(t);
        assert_true(n < len);
        memset(buf, 0, len);
        assert_true(H5Aread(a, t, buf) >= 0);
    }
    H5Tclose(t);
    H5Aclose(a);
}

/* No "<name>.tmp.<pid>" is left in the scratch directory. */
/* Every provenance_* attribute present and non-empty; closed files have an end time. */
static void assert_provenance(hid_t f, long long sessions)
{
    static const char *const strings[] = {"version", "git_commit", "command_line",
                                          "mpi_library", "hdf5_version", "blas", "blas_core",
                                          "lapack_version", "compiler", "host", "start_utc",
                                          "end_utc"};
    char name[64], s[4096];
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++) {
        snprintf(name, sizeof name, "provenance_%s", strings[k]);
        attr_string(f, name, s, sizeof s);
        if (!s[0]) fail_msg("%s is empty", name);
    }
    attr_string(f, "provenance_start_utc", s, sizeof s);
    assert_int_equal(strlen(s), 20); /* 2024-05-01T12:00:00Z */
    assert_true(s[4] == '-' && s[10] == 'T' && s[19] == 'Z');
    attr_string(f, "provenance_end_utc", s, sizeof s);
    assert_int_equal(strlen(s), 20);
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    char want[32];
    snprintf(want, sizeof want, "%u.%u.%u", maj, min, rel);
    attr_string(f, "provenance_hdf5_version", s, sizeof s);
    assert_string_equal(s, want);
    assert_true(attr_number(f, "provenance_ranks", H5T_STD_I64LE) >= 1);
    assert_true(attr_number(f, "provenance_group_size", H5T_STD_I64LE) >= 1);
    assert_true(attr_number(f, "provenance_wall_seconds", H5T_IEEE_F64LE) >= 0);
    assert_true(attr_number(f, "provenance_sessions", H5T_STD_I64LE) == sessions);
}

static int no_temporaries(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int clean = 1;
    for (struct dirent *e; (e = readdir(d));) clean = clean && !strstr(e->d_name, ".tmp.");
    closedir(d);
    return clean;
}

/* ---- trace ---- */

static void test_trace_layout(void **state)
{
    ps_options o;
    char line[512];
    snprintf(line, sizeof line, "trace --d 4 --rank 2 --gs -1.25 --gw 1 --max-iter 9 --out %s",
             at("trace.h5"));
    options(&o, line);
    ps_trace tr;
    ps_trace_alloc(&tr, 9, 4);
    tr.n = 3;
    for (int i = 0; i < 3; i++) {
        tr.gd_train[i] = 1 + i, tr.gd_test[i] = 2 + i, tr.th_train[i] = 3 + i;
        tr.th_test[i] = 4 + i, tr.distance[i] = 5 + i;
        for (int j = 0; j < 4; j++) {
            tr.gd_sv[i * 4 + j] = 10 * i + 4 - j;
            tr.th_sv[i * 4 + j] = -(10 * i + j);
        }
    }
    ps_result res = {.min_test_error = 0.5, .stable_rank = 2.5, .log_distance = -3,
                     .final_train_error = 0.25, .seconds = 1.5, .iterations = 2, .n_iter = 3,
                     .stop = PS_STOP_OVERFITTING, .width = 4, .sigma2 = 0.125, .lr = 0.01};
    char why[512];
    assert_int_equal(ps_h5_write_trace(o.out, &o, &res, &tr, why, sizeof why), 0);
    assert_true(no_temporaries());

    hid_t f = open_ro(o.out);
    const hsize_t n[1] = {3}, nd[2] = {3, 4};
    const char *series[] = {"/gd_train_error", "/gd_test_error", "/theory_train_error",
                            "/theory_test_error", "/distance"};
    for (int k = 0; k < 5; k++) {
        double x[3];
        H5Dclose(dataset(f, series[k], 1, n, H5T_IEEE_F64LE));
        read_doubles(f, series[k], x);
        for (int i = 0; i < 3; i++) assert_true(x[i] == k + 1 + i);
    }
    double sv[12];
    H5Dclose(dataset(f, "/gd_singular_values", 2, nd, H5T_IEEE_F64LE));
    read_doubles(f, "/gd_singular_values", sv);
    assert_true(sv[1 * 4 + 0] == 14 && sv[1 * 4 + 3] == 11); /* row i = iteration, descending */
    H5Dclose(dataset(f, "/theory_singular_values", 2, nd, H5T_IEEE_F64LE));
    read_doubles(f, "/theory_singular_values", sv);
    assert_true(sv[2 * 4 + 1] == -21);
    /* the two dimension scales, attached to every series */
    double idx[4];
    const hsize_t nn[1] = {4};
    H5Dclose(dataset(f, "/iteration", 1, n, H5T_STD_I64LE));
    H5Dclose(dataset(f, "/sv_index", 1, nn, H5T_STD_I64LE));
    read_doubles(f, "/iteration", idx);
    assert_true(idx[0] == 0 && idx[2] == 2);
    read_doubles(f, "/sv_index", idx);
    assert_true(idx[0] == 0 && idx[3] == 3);
    hid_t it = H5Dopen2(f, "/iteration", H5P_DEFAULT), sx = H5Dopen2(f, "/sv_index", H5P_DEFAULT);
    hid_t gsv = H5Dopen2(f, "/gd_singular_values", H5P_DEFAULT);
    assert_true(H5DSis_scale(it) > 0 && H5DSis_scale(sx) > 0);
    assert_true(H5DSis_attached(gsv, it, 0) > 0 && H5DSis_attached(gsv, sx, 1) > 0);
    H5Dclose(gsv), H5Dclose(sx), H5Dclose(it);
    assert_true(attr_number(f, "layout_version", H5T_STD_I64LE) == 2);

    assert_true(attr_number(f, "d", H5T_STD_I64LE) == 4);
    assert_true(attr_number(f, "rank", H5T_STD_I64LE) == 2);
    assert_true(attr_number(f, "gs", H5T_IEEE_F64LE) == -1.25);
    assert_true(attr_number(f, "max_iter", H5T_STD_I64LE) == 9);
    assert_true(attr_number(f, "seed", H5T_STD_U64LE) == 0);
    assert_true(attr_number(f, "no_theory", H5T_STD_I64LE) == 0);
    assert_true(attr_number(f, "run_max_mem", H5T_IEEE_F64LE) == o.p.max_mem); /* steering */
    assert_int_equal(H5Aexists(f, "max_mem"), 0);
    assert_true(attr_number(f, "replica", H5T_STD_I64LE) == 0); /* a parameter of a trace */
    assert_true(attr_number(f, "sigma2", H5T_IEEE_F64LE) == 0.125);
    assert_true(attr_number(f, "width", H5T_STD_I64LE) == 4);
    assert_true(attr_number(f, "threshold", H5T_IEEE_F64LE) == 0.5);
    assert_true(attr_number(f, "lr", H5T_IEEE_F64LE) == 0.01);
    assert_true(attr_number(f, "min_test_error", H5T_IEEE_F64LE) == 0.5);
    assert_true(attr_number(f, "stable_rank", H5T_IEEE_F64LE) == 2.5);
    assert_true(attr_number(f, "iterations", H5T_STD_I64LE) == 2);
    assert_true(attr_number(f, "n_iter", H5T_STD_I64LE) == 3);
    assert_true(attr_number(f, "log_distance", H5T_IEEE_F64LE) == -3);
    assert_int_equal(H5Aexists(f, "replicas"), 0); /* a sweep option */
    char s[512];
    attr_string(f, "stop_reason", s, sizeof s);
    assert_string_equal(s, "overfitting");
    attr_string(f, "mode", s, sizeof s);
    assert_string_equal(s, "reduced");
    attr_string(f, "file_kind", s, sizeof s);
    assert_string_equal(s, "trace");
    attr_string(f, "provenance_version", s, sizeof s);
    assert_string_equal(s, PS_VERSION);
    attr_string(f, "load", s, sizeof s);
    assert_string_equal(s, "");
    attr_string(f, "run_out", s, sizeof s);
    assert_string_equal(s, o.out);
    attr_string(f, "provenance_command_line", s, sizeof s);
    assert_string_equal(s, o.command_line);
    assert_provenance(f, 1);
    H5Fclose(f);
    ps_trace_free(&tr);
    ps_options_free(&o);
}

typedef struct trace_job { const ps_options *o; const char *path; } trace_job;

static void trace_child(const void *arg)
{
    const trace_job *j = arg;
    ps_trace tr;
    ps_trace_alloc(&tr, 2, j->o->p.d);
    tr.n = 0;
    ps_result res = {.stop = PS_STOP_MAX_ITER};
    char why[512];
    if (ps_h5_write_trace(j->path, j->o, &res, &tr, why, sizeof why)) {
        fprintf(stderr, "phasesweep: %s\n", why);
        exit(2);
    }
    ps_trace_free(&tr);
}

static void test_trace_refuses_missing_directory(void **state)
{
    ps_options o;
    options(&o, "trace --d 4 --rank 2 --gs -1 --gw 1 --out x.h5");
    trace_job j = {&o, at("nodir/t.h5")};
    refused(in_child(trace_child, &j), "--out", "nodir/t.h5", "does not exist");
    assert_int_equal(access(j.path, F_OK), -1);
    assert_true(no_temporaries());
    ps_options_free(&o);
}

/* ps_info returns its refusal; the child prints it as the command does. */
static void info_child(const void *path)
{
    char msg[PS_H5_MSG] = "";
    int rc = ps_info(path, msg, sizeof msg);
    if (rc == 2 && (!msg[0] || strchr(msg, '\n'))) _exit(98);
    if (rc == 2) ps_usage_error("%s", msg);
    exit(rc);
}

/* A file of layout 1: /grid and /results groups, no layout_version. */
static const char *old_layout_file(void)
{
    const char *path = at("layout1.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(H5Gcreate2(f, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Gclose(H5Gcreate2(f, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
    return path;
}

static void test_info_refuses_non_sweeps(void **state)
{
    refused(in_child(info_child, at("nothere.h5")), "info", "nothere.h5");
    refused(in_child(info_child, input("notsweep.h5", 2, 0)), "notsweep.h5",
            "not a phasesweep file");
    refused(in_child(info_child, old_layout_file()), "layout1.h5", "older layout 1",
            "reads layout 2");
    refused(in_child(info_child, at("trace.h5")), "trace.h5", "trace file, not a sweep file");
}

/* ---- the sweep file (collective) ---- */

#define SWEEP_LINE "sweep --d 10 --rank 2 --gs -2:-1:3 --gw 0.5:1.5:2 --replicas 2 --out "

static const char *const metrics[] = {"min_test_error", "stable_rank", "log_distance",
                                      "final_train_error", "seconds"};
static const char *const counts[] = {"iterations", "n_iter"};

/* A sweep file that must be made or opened (fails the test on a refusal). */
static ps_sweep_file *sweep_open(const ps_options *o, int create)
{
    char msg[PS_H5_MSG];
    ps_sweep_file *f;
    int rc = create ? ps_sweep_create(MPI_COMM_WORLD, o, &f, msg, sizeof msg)
                    : ps_sweep_resume(MPI_COMM_WORLD, o, &f, msg, sizeof msg);
    if (rc) fail_msg("refused (%d): %s", rc, msg);
    assert_non_null(f);
    return f;
}

static void test_sweep_create_layout(void **state)
{
    ps_options o;
    options(&o, SWEEP_LINE "/dev/null/x");
    free((void *)o.out);
    o.out = strdup(at("layout.h5"));
    ps_sweep_close(sweep_open(&o, 1));
    MPI_Barrier(MPI_COMM_WORLD);
    assert_true(no_temporaries());

    hid_t f = open_ro(o.out);
    const hsize_t ns[1] = {3}, nw[1] = {2}, nr[1] = {2}, all[3] = {3, 2, 2};
    double gs[3], gw[2], s2[3], w[2], rep[2];
    H5Dclose(dataset(f, "/gamma_s", 1, ns, H5T_IEEE_F64LE));
    H5Dclose(dataset(f, "/gamma_w", 1, nw, H5T_IEEE_F64LE));
    H5Dclose(dataset(f, "/sigma2", 1, ns, H5T_IEEE_F64LE));
    H5Dclose(dataset(f, "/width", 1, nw, H5T_STD_I64LE));
    H5Dclose(dataset(f, "/replica", 1, nr, H5T_STD_I64LE));
    read_doubles(f, "/gamma_s", gs);
    read_doubles(f, "/gamma_w", gw);
    read_doubles(f, "/sigma2", s2);
    read_doubles(f, "/width", w);
    read_doubles(f, "/replica", rep);
    for (int i = 0; i < 3; i++) {
        assert_true(gs[i] == ps_range_at(&o.gs_range, i));
        assert_true(s2[i] == ps_sigma2(10, gs[i]));
    }
    assert_true(gs[0] == -2 && gs[1] == -1.5 && gs[2] == -1);
    for (int i = 0; i < 2; i++) {
        assert_true(gw[i] == ps_range_at(&o.gw_range, i));
        assert_true(w[i] == (double)ps_width(10, gw[i]));
        assert_true(rep[i] == i);
    }
    assert_true(w[0] == 3 && w[1] == 31); /* floor(10^0.5), floor(10^1.5) */

    hid_t scale[3] = {H5Dopen2(f, "/gamma_s", H5P_DEFAULT),
                      H5Dopen2(f, "/gamma_w", H5P_DEFAULT),
                      H5Dopen2(f, "/replica", H5P_DEFAULT)};
    for (int i = 0; i < 3; i++) assert_true(H5DSis_scale(scale[i]) > 0);
    /* the coordinates sigma2(gamma_s), width(gamma_w): attached, not scales themselves */
    hid_t s2d = H5Dopen2(f, "/sigma2", H5P_DEFAULT), wd = H5Dopen2(f, "/width", H5P_DEFAULT);
    assert_true(H5DSis_scale(s2d) == 0 && H5DSis_attached(s2d, scale[0], 0) > 0);
    assert_true(H5DSis_scale(wd) == 0 && H5DSis_attached(wd, scale[1], 0) > 0);
    H5Dclose(s2d), H5Dclose(wd);
    /* netCDF-C needs link creation order tracked */
    hid_t root = H5Gopen2(f, "/", H5P_DEFAULT), gcpl = H5Gget_create_plist(root);
    unsigned crt = 0;
    H5Pget_link_creation_order(gcpl, &crt);
    assert_true(crt & H5P_CRT_ORDER_TRACKED);
    H5Pclose(gcpl), H5Gclose(root);
    const char *names[9];
    hid_t types[9];
    for (int k = 0; k < 5; k++) names[k] = metrics[k], types[k] = H5T_IEEE_F64LE;
    for (int k = 0; k < 2; k++) names[5 + k] = counts[k], types[5 + k] = H5T_STD_I32LE;
    names[7] = "stop_reason", types[7] = H5T_STD_I8LE;
    names[8] = "done", types[8] = H5T_STD_U8LE;
    for (int k = 0; k < 9; k++) {
        char path[64];
        snprintf(path, sizeof path, "/%s", names[k]);
        hid_t d = dataset(f, path, 3, all, types[k]);
        hid_t dcpl = H5Dget_create_plist(d);
        assert_int_equal(H5Pget_layout(dcpl), H5D_CONTIGUOUS);
        H5D_fill_value_t fs;
        H5Pfill_value_defined(dcpl, &fs);
        /* done's fill is HDF5's default 0: no _FillValue, so xarray keeps it 0/1 */
        assert_int_equal(fs, k == 8 ? H5D_FILL_VALUE_DEFAULT : H5D_FILL_VALUE_USER_DEFINED);
        assert_int_equal(H5Aexists(d, "_FillValue"), k == 8 ? 0 : 1);
        H5Pclose(dcpl);
        char text[512];
        const ps_layout_var *v = ps_layout_find(ps_layout_sweep(), names[k]);
        assert_non_null(v);
        attr_string(d, "units", text, sizeof text);
        assert_string_equal(text, k == 4 ? "s" : "1"); /* seconds */
        attr_string(d, "long_name", text, sizeof text);
        assert_string_equal(text, v->long_name);
        attr_string(d, "description", text, sizeof text);
        assert_true(strlen(text) > 10);
        attr_string(d, "coordinates", text, sizeof text);
        assert_string_equal(text, "sigma2 width");
        for (unsigned dim = 0; dim < 3; dim++) {
            assert_true(H5DSis_attached(d, scale[dim], dim) > 0);
            assert_true(H5DSis_attached(d, scale[(dim + 1) % 3], dim) == 0);
        }
        /* the fill is in the file from the start: what a not-done task reads as */
        if (k < 7) {
            double x[12];
            read_doubles(f, path, x);
            for (int i = 0; i < 12; i++) assert_true(k < 5 ? isnan(x[i]) : x[i] == -1);
        } else if (k == 8) {
            uint8_t x[12];
            H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
            for (int i = 0; i < 12; i++) assert_int_equal(x[i], 0);
        } else {
            /* CF flags: flag_values 0 .. 4 named by flag_meanings in ps_stop's order */
            char meanings[256] = "", want[256] = "";
            attr_string(d, "flag_meanings", meanings, sizeof meanings);
            for (int s = 0; s < PS_N_STOP_REASONS; s++)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", s ? " " : "",
                         ps_stop_name((enum ps_stop)s));
            assert_string_equal(meanings, want);
            hid_t a = H5Aopen(d, "flag_values", H5P_DEFAULT), as = H5Aget_space(a);
            int8_t fv[8];
            assert_int_equal(H5Sget_simple_extent_npoints(as), PS_N_STOP_REASONS);
            H5Aread(a, H5T_NATIVE_INT8, fv);
            for (int s = 0; s < PS_N_STOP_REASONS; s++) assert_int_equal(fv[s], s);
            H5Sclose(as), H5Aclose(a);
            int8_t x[12];
            assert_true(H5Dread(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0);
            for (int i = 0; i < 12; i++) assert_int_equal(x[i], -1);
        }
        H5Dclose(d);
    }
    for (int i = 0; i < 3; i++) H5Dclose(scale[i]);

    assert_true(attr_number(f, "d", H5T_STD_I64LE) == 10);
    assert_true(attr_number(f, "replicas", H5T_STD_I64LE) == 2);
    assert_true(attr_number(f, "lr_scale", H5T_IEEE_F64LE) == 50);
    assert_true(attr_number(f, "run_group_size", H5T_STD_I64LE) == 1);
    assert_true(attr_number(f, "layout_version", H5T_STD_I64LE) == 2);
    hid_t a = H5Aopen(f, "gs", H5P_DEFAULT);
    double r[3];
    hid_t as = H5Aget_space(a);
    assert_int_equal(H5Sget_simple_extent_npoints(as), 3);
    H5Aread(a, H5T_NATIVE_DOUBLE, r);
    assert_true(r[0] == -2 && r[1] == -1 && r[2] == 3);
    H5Sclose(as);
    H5Aclose(a);
    char s[512];
    attr_string(f, "run_out", s, sizeof s);
    assert_string_equal(s, o.out);
    attr_string(f, "file_kind", s, sizeof s);
    assert_string_equal(s, "sweep");
    assert_provenance(f, 1);
    assert_int_equal(H5Aexists(f, "gw"), 1);
    assert_int_equal(H5Aexists(f, "no_theory"), 1);
    assert_int_equal(H5Aexists(f, "min_test_error"), 0); /* the metrics are datasets here */
    assert_int_equal(H5Aexists(f, "replica"), 0);        /* run/trace only */
    H5Fclose(f);
    MPI_Barrier(MPI_COMM_WORLD);
    ps_options_free(&o);
}

static ps_result result_of(int task)
{
    return (ps_result){.min_test_error = 0.5 + task, .stable_rank = 1.5 + task,
                       .log_distance = -task, .final_train_error = 0.25 * task,
                       .seconds = 2.0 * task, .iterations = 10 + task, .n_iter = 20 + task,
                       .stop = (enum ps_stop)(task % PS_N_STOP_REASONS)};
}

typedef struct sweep_job { const ps_options *o; int create; } sweep_job;

/* The library refuses by returning: nothing printed, no file; the child prints the line as
 * the command does. */
static void sweep_child(const void *arg)
{
    const sweep_job *j = arg;
    char msg[PS_H5_MSG] = "";
    ps_sweep_file *f = (ps_sweep_file *)&msg;
    int rc = j->create ? ps_sweep_create(MPI_COMM_SELF, j->o, &f, msg, sizeof msg)
                       : ps_sweep_resume(MPI_COMM_SELF, j->o, &f, msg, sizeof msg);
    if (rc && (f || !msg[0] || strchr(msg, '\n'))) _exit(98);
    if (rc) ps_refuse_collective(MPI_COMM_SELF, rc, msg);
}

static void test_sweep_write_resume_refuse(void **state)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    ps_options o;
    options(&o, SWEEP_LINE "/dev/null/x");
    free((void *)o.out);
    o.out = strdup(at("tasks.h5"));
    uint8_t done[12];

    /* every rank writes its own tasks: (is, iw, r) = (rank % 3, 1, rank % 2), and (2, 0, 1)
     * from the last rank */
    ps_sweep_file *f = sweep_open(&o, 1);
    ps_sweep_read_done(f, done);
    for (int t = 0; t < 12; t++) assert_int_equal(done[t], 0);
    MPI_Barrier(MPI_COMM_WORLD); /* no rank's write before every rank's read */
    int mine = (rank % 3) * 4 + 1 * 2 + rank % 2;
    ps_result res = result_of(mine);
    ps_sweep_write_result(f, mine, &res);
    if (rank == size - 1) {
        res = result_of(9);
        ps_sweep_write_result(f, 2 * 4 + 0 * 2 + 1, &res);
    }
    ps_sweep_close(f);

    /* --resume with the same parameters: the done flags of every rank's writes */
    f = sweep_open(&o, 0);
    ps_sweep_read_done(f, done);
    ps_sweep_close(f);
    MPI_Barrier(MPI_COMM_WORLD);
    int expect[12] = {0};
    for (int q = 0; q < size; q++) expect[(q % 3) * 4 + 2 + q % 2] = 1;
    expect[9] = 1;
    for (int t = 0; t < 12; t++) assert_int_equal(done[t], expect[t]);

    hid_t h = open_ro(o.out);
    double x[12], it[12];
    for (int k = 0; k < 5; k++) {
        char path[64];
        snprintf(path, sizeof path, "/%s", metrics[k]);
        read_doubles(h, path, x);
        for (int t = 0; t < 12; t++) {
            ps_result r = result_of(t);
            const double want[5] = {r.min_test_error, r.stable_rank, r.log_distance,
                                    r.final_train_error, r.seconds};
            assert_true(expect[t] ? x[t] == want[k] : isnan(x[t]));
        }
    }
    read_doubles(h, "/iterations", x);
    read_doubles(h, "/n_iter", it);
    hid_t d = H5Dopen2(h, "/stop_reason", H5P_DEFAULT);
    int8_t stop[12];
    H5Dread(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, stop);
    H5Dclose(d);
    for (int t = 0; t < 12; t++) {
        assert_true(x[t] == (expect[t] ? 10 + t : -1));
        assert_true(it[t] == (expect[t] ? 20 + t : -1));
        assert_int_equal(stop[t], expect[t] ? t % PS_N_STOP_REASONS : -1);
    }
    H5Fclose(h);

    /* other parameters: refused, with every difference on one line */
    ps_options other;
    char msg[4096], line[512];
    assert_int_equal(ps_sweep_check(o.out, &o, msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    snprintf(line, sizeof line, "sweep --d 12 --rank 2 --gs -2:-1:4 --gw 0.5:1.5:2 --replicas 2 "
             "--no-theory --out %s", o.out);
    options(&other, line);
    assert_int_equal(ps_sweep_check(o.out, &other, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "--resume: "));
    assert_non_null(strstr(msg, "was made with other parameters: d=10 (file) vs 12 (now); "));
    assert_non_null(strstr(msg, "; gs=-2:-1:3 (file) vs -2:-1:4 (now)"));
    assert_non_null(strstr(msg, "; no-theory=false (file) vs true (now)"));
    assert_null(strstr(msg, "gw="));
    assert_null(strchr(msg, '\n'));
    ps_options_free(&other);
    snprintf(line, sizeof line, SWEEP_LINE "%s --threads 2 --max-mem 1G", o.out);
    options(&other, line);
    assert_int_equal(ps_sweep_check(o.out, &other, msg, sizeof msg), 0); /* not identity */
    ps_options_free(&other);
    assert_int_equal(ps_sweep_check(at("absent.h5"), &o, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "does not exist"));

    /* the exiting paths, each rank in its own child on MPI_COMM_SELF */
    snprintf(line, sizeof line, "sweep --d 12 --rank 2 --gs -2:-1:3 --gw 0.5:1.5:2 --replicas 2 "
             "--out %s", o.out);
    options(&other, line);
    sweep_job resume_other = {&other, 0}, create_again = {&o, 1};
    refused(in_child(sweep_child, &resume_other), "--resume", "tasks.h5",
            "d=10 (file) vs 12 (now)");
    refused(in_child(sweep_child, &create_again), "--out", "tasks.h5", "exists", "--force");
    ps_options_free(&other);
    other = o;
    other.out = at("absent.h5");
    sweep_job resume_absent = {&other, 0};
    refused(in_child(sweep_child, &resume_absent), "absent.h5", "does not exist");
    other.out = at("nodir/s.h5");
    sweep_job create_nodir = {&other, 1};
    refused(in_child(sweep_child, &create_nodir), "nodir/s.h5", "does not exist");
    MPI_Barrier(MPI_COMM_WORLD);

    /* `info`: incomplete (3), then complete (0) */
    if (rank == 0) {
        fflush(stdout);
        int saved = dup(1), fd = open(at("info.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        char msg_[PS_H5_MSG];
        int rc = ps_info(o.out, msg_, sizeof msg_);
        fflush(stdout);
        dup2(saved, 1);
        close(fd);
        close(saved);
        assert_int_equal(rc, 3);
        char text[8192] = "";
        FILE *tf = fopen(at("info.txt"), "r");
        text[fread(text, 1, sizeof text - 1, tf)] = 0;
        fclose(tf);
        char want[64];
        int n_done = 0;
        for (int t = 0; t < 12; t++) n_done += expect[t];
        snprintf(want, sizeof want, "done: %d / 12 (%.1f%%)\n", n_done, 100.0 * n_done / 12);
        assert_non_null(strstr(text, want));
        assert_true(!strncmp(text, "d = 10\n", 7)); /* the options first, in --help's order */
        assert_non_null(strstr(text, "\ngs = -2:-1:3\n"));
        assert_non_null(strstr(text, "\nmode = reduced\n"));
        assert_non_null(strstr(text, "\nprovenance_version = " PS_VERSION "\n"));
        assert_non_null(strstr(text, "\nrun_threads = 1\n"));
        assert_non_null(strstr(text, "\nlayout_version = 2\n"));
        int lo = 12, hi = -1;
        for (int t = 0; t < 12; t++)
            if (expect[t]) lo = t < lo ? t : lo, hi = t > hi ? t : hi;
        snprintf(want, sizeof want, "\nmin_test_error     min %g / ", result_of(lo).min_test_error);
        assert_non_null(strstr(text, want));
        snprintf(want, sizeof want, " / max %g\nstable_rank ", result_of(hi).min_test_error);
        assert_non_null(strstr(text, want));
        assert_non_null(strstr(text, "\nstop_reason        converged "));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    f = sweep_open(&o, 0);
    for (int t = rank; t < 12; t += size) {
        res = result_of(t);
        ps_sweep_write_result(f, t, &res);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    /* read back: every task, from every rank */
    for (int t = 0; t < 12; t++) {
        ps_result got = {0}, want = result_of(t);
        assert_int_equal(ps_sweep_read_result(f, t, &got), 1);
        assert_true(got.min_test_error == want.min_test_error);
        assert_true(got.stable_rank == want.stable_rank);
        assert_true(got.log_distance == want.log_distance);
        assert_true(got.final_train_error == want.final_train_error);
        assert_true(got.seconds == want.seconds);
        assert_int_equal(got.iterations, want.iterations);
        assert_int_equal(got.n_iter, want.n_iter);
        assert_int_equal(got.stop, want.stop);
    }
    ps_sweep_close(f);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) { /* created, resumed twice: three sessions */
        hid_t h3 = open_ro(o.out);
        assert_provenance(h3, 3);
        assert_true(attr_number(h3, "provenance_ranks", H5T_STD_I64LE) == size);
        H5Fclose(h3);
        char m[4096];
        assert_int_equal(ps_sweep_check(old_layout_file(), &o, m, sizeof m), 1);
        assert_non_null(strstr(m, "older layout 1"));
        trace_job tj = {&o, at("trace.h5")};
        trace_child(&tj); /* writes a (empty) trace file, exits nothing */
        assert_int_equal(ps_sweep_check(at("trace.h5"), &o, m, sizeof m), 1);
        assert_non_null(strstr(m, "trace file, not a sweep file"));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        fflush(stdout);
        int saved = dup(1), fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        char msg_[PS_H5_MSG];
        int rc = ps_info(o.out, msg_, sizeof msg_);
        fflush(stdout);
        dup2(saved, 1);
        close(fd);
        close(saved);
        assert_int_equal(rc, 0);
    }

    /* --force starts over */
    o.force = 1;
    f = sweep_open(&o, 1);
    ps_sweep_read_done(f, done);
    ps_sweep_close(f);
    for (int t = 0; t < 12; t++) assert_int_equal(done[t], 0);
    assert_true(no_temporaries());
    MPI_Barrier(MPI_COMM_WORLD);
    ps_options_free(&o);
}

/* ---- main ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_h5io.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    /* before MPI_Init: these children exit, which a child of an MPI process should not do
     * while the parent holds HDF5 files or MPI state it would share */
    const struct CMUnitTest serial[] = {
        cmocka_unit_test(test_load_transposes_row_major),
        cmocka_unit_test(test_load_float32_without_weights),
        cmocka_unit_test(test_load_tall_weights_in_blocks),
        cmocka_unit_test(test_load_rejects_bad_files),
        cmocka_unit_test(test_option_attributes_round_trip),
        cmocka_unit_test(test_trace_layout),
        cmocka_unit_test(test_trace_refuses_missing_directory),
        cmocka_unit_test(test_info_refuses_non_sweeps),
    };
    const struct CMUnitTest collective[] = {
        cmocka_unit_test(test_sweep_create_layout),
        cmocka_unit_test(test_sweep_write_resume_refuse),
    };
    make_dir();
    int failed = cmocka_run_group_tests_name("h5io serial", serial, NULL, NULL);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

    int rank;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) make_dir();
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    failed += cmocka_run_group_tests_name("h5io sweep file", collective, NULL, NULL);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    MPI_Finalize();
    return failed ? 1 : 0;
}

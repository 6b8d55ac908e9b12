/* provenance: the provenance_* root attributes (include/provenance.h). The three a close
 * updates (end_utc, wall_seconds, sessions) are of fixed size: overwriting them rewrites bytes
 * in place and allocates nothing, so a sweep file's structure stays what its creation made. */
#define _POSIX_C_SOURCE 200809L
#include "provenance.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "group.h"
#include "h5_attr.h"
#include "version.h"

#ifndef PS_GIT_COMMIT
#define PS_GIT_COMMIT "unknown"
#endif

/* Weak: a build against another BLAS still links, and then says it does not know. */
extern char *openblas_get_corename(void) __attribute__((weak));
extern char *openblas_get_config(void) __attribute__((weak));
extern void ilaver_(int *major, int *minor, int *patch) __attribute__((weak));

static int started;
static double start_wall;
static char start_utc[32];

/* Monotonic seconds; usable before MPI_Init (the serial unit tests write files there). */
static double wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int mpi_up(void)
{
    int up = 0, down = 0;
    MPI_Initialized(&up);
    MPI_Finalized(&down);
    return up && !down;
}

void ps_provenance_mark_start(void)
{
    started = 1;
    start_wall = wall_now();
    ps_h5_now(start_utc, sizeof start_utc);
}

static void one_line(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = 0;
    for (char *c = s; *c; c++)
        if (*c == '\n') *c = ' ';
}

void ps_provenance_collect(ps_provenance *pv, MPI_Comm comm, const ps_options *o)
{
    int rank = 0, mpi = mpi_up();
    if (mpi) PS_MPI(MPI_Comm_rank(comm, &rank));
    memset(pv, 0, sizeof *pv);
    if (rank == 0) {
        if (!started) ps_provenance_mark_start();
        snprintf(pv->version, sizeof pv->version, "%s", PS_VERSION);
        snprintf(pv->git_commit, sizeof pv->git_commit, "%s", PS_GIT_COMMIT);
        int len = 0;
        char lib[MPI_MAX_LIBRARY_VERSION_STRING];
        PS_MPI(MPI_Get_library_version(lib, &len)); /* callable before MPI_Init */
        snprintf(pv->mpi_library, sizeof pv->mpi_library, "%s", lib);
        one_line(pv->mpi_library);
        unsigned maj, min, rel;
        PS_H5(H5get_libversion(&maj, &min, &rel));
        snprintf(pv->hdf5_version, sizeof pv->hdf5_version, "%u.%u.%u", maj, min, rel);
        const char *config = openblas_get_config ? openblas_get_config() : NULL;
        const char *core = openblas_get_corename ? openblas_get_corename() : NULL;
        snprintf(pv->blas, sizeof pv->blas, "%s", config ? config : "unknown (not OpenBLAS)");
        one_line(pv->blas);
        snprintf(pv->blas_core, sizeof pv->blas_core, "%s", core ? core : "unknown");
        int a = 0, b = 0, c = 0;
        if (ilaver_) ilaver_(&a, &b, &c);
        if (ilaver_) snprintf(pv->lapack_version, sizeof pv->lapack_version, "%d.%d.%d", a, b, c);
        else snprintf(pv->lapack_version, sizeof pv->lapack_version, "unknown");
#if defined(__clang__)
        snprintf(pv->compiler, sizeof pv->compiler, "clang %s", __VERSION__);
#elif defined(__GNUC__)
        snprintf(pv->compiler, sizeof pv->compiler, "gcc %s", __VERSION__);
#elif defined(__VERSION__)
        snprintf(pv->compiler, sizeof pv->compiler, "%s", __VERSION__);
#else
        snprintf(pv->compiler, sizeof pv->compiler, "unknown");
#endif
        if (gethostname(pv->host, sizeof pv->host - 1) != 0 || !pv->host[0])
            snprintf(pv->host, sizeof pv->host, "unknown");
        snprintf(pv->start_utc, sizeof pv->start_utc, "%s", start_utc);
        snprintf(pv->command_line, sizeof pv->command_line, "%s",
                 o->command_line ? o->command_line : "");
        int world = 1;
        char msg[512];
        if (mpi) PS_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world));
        pv->ranks = world;
        pv->group_size = ps_group_resolve(o, world, msg, sizeof msg);
        pv->start_wall = start_wall;
    }
    if (mpi) PS_MPI(MPI_Bcast(pv, (int)sizeof *pv, MPI_BYTE, 0, comm));
}

static void put_string(hid_t loc, const char *key, const char *value)
{
    char name[64];
    snprintf(name, sizeof name, "provenance_%s", key);
    ps_h5_attr_write_string(loc, name, value);
}

static void put_number(hid_t loc, const char *key, hid_t type, const void *value)
{
    char name[64];
    snprintf(name, sizeof name, "provenance_%s", key);
    ps_h5_attr_write(loc, name, type, 0, value);
}

#define PS_END_UTC_LEN 20 /* 2024-05-01T12:00:00Z */

static hid_t fixed_string(void)
{
    hid_t t = (hid_t)PS_H5(H5Tcopy(H5T_C_S1));
    PS_H5(H5Tset_size(t, PS_END_UTC_LEN));
    PS_H5(H5Tset_strpad(t, H5T_STR_NULLPAD));
    return t;
}

void ps_provenance_write(hid_t loc, const ps_provenance *pv)
{
    const double nan = NAN;
    const long long zero = 0;
    put_string(loc, "version", pv->version);
    put_string(loc, "git_commit", pv->git_commit);
    put_string(loc, "command_line", pv->command_line);
    put_string(loc, "mpi_library", pv->mpi_library);
    put_string(loc, "hdf5_version", pv->hdf5_version);
    put_string(loc, "blas", pv->blas);
    put_string(loc, "blas_core", pv->blas_core);
    put_string(loc, "lapack_version", pv->lapack_version);
    put_string(loc, "compiler", pv->compiler);
    put_string(loc, "host", pv->host);
    put_number(loc, "ranks", H5T_NATIVE_LLONG, &pv->ranks);
    put_number(loc, "group_size", H5T_NATIVE_LLONG, &pv->group_size);
    put_string(loc, "start_utc", pv->start_utc);
    /* fixed size, so that overwriting it at close changes no structure of the file */
    char end[PS_END_UTC_LEN] = "";
    hid_t t = fixed_string();
    ps_h5_attr_write(loc, "provenance_end_utc", t, 0, end);
    PS_H5(H5Tclose(t));
    put_number(loc, "wall_seconds", H5T_NATIVE_DOUBLE, &nan);
    put_number(loc, "sessions", H5T_NATIVE_LLONG, &zero);
}

static void overwrite(hid_t loc, const char *name, hid_t type, const void *value)
{
    hid_t a = (hid_t)PS_H5(H5Aopen(loc, name, H5P_DEFAULT));
    PS_H5(H5Awrite(a, type, value));
    PS_H5(H5Aclose(a));
}

static int read_number(hid_t loc, const char *name, hid_t type, void *value)
{
    if (PS_H5(H5Aexists(loc, name)) <= 0) return 0;
    hid_t a = (hid_t)PS_H5(H5Aopen(loc, name, H5P_DEFAULT));
    PS_H5(H5Aread(a, type, value));
    PS_H5(H5Aclose(a));
    return 1;
}

void ps_provenance_finish(hid_t loc, MPI_Comm comm, const ps_provenance *pv)
{
    int rank = 0, mpi = mpi_up();
    struct { double wall; char end[32]; } now = {0, ""};
    if (mpi) PS_MPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0) {
        now.wall = wall_now() - pv->start_wall;
        ps_h5_now(now.end, sizeof now.end);
    }
    if (mpi) PS_MPI(MPI_Bcast(&now, (int)sizeof now, MPI_BYTE, 0, comm));
    double wall = NAN;
    long long sessions = 0;
    /* a file of another writer may lack them: then there is nothing to update */
    if (!read_number(loc, "provenance_wall_seconds", H5T_NATIVE_DOUBLE, &wall) ||
        !read_number(loc, "provenance_sessions", H5T_NATIVE_LLONG, &sessions) ||
        PS_H5(H5Aexists(loc, "provenance_end_utc")) <= 0)
        return;
    wall = isnan(wall) ? now.wall : wall + now.wall;
    sessions++;
    overwrite(loc, "provenance_wall_seconds", H5T_NATIVE_DOUBLE, &wall);
    overwrite(loc, "provenance_sessions", H5T_NATIVE_LLONG, &sessions);
    char end[PS_END_UTC_LEN];
    memset(end, 0, sizeof end);
    memcpy(end, now.end, strnlen(now.end, sizeof end));
    hid_t t = fixed_string();
    overwrite(loc, "provenance_end_utc", t, end);
    PS_H5(H5Tclose(t));
}

/* Whether attribute name is absent (1 then, nothing to check) or a scalar of class cls and,
 * for a string, fixed size `size` (0: any class-cls number). */
static int attr_is(hid_t loc, const char *name, H5T_class_t cls, size_t size)
{
    if (PS_H5(H5Aexists(loc, name)) <= 0) return 1;
    hid_t a = (hid_t)PS_H5(H5Aopen(loc, name, H5P_DEFAULT));
    hid_t t = (hid_t)PS_H5(H5Aget_type(a)), sp = (hid_t)PS_H5(H5Aget_space(a));
    int ok = PS_H5(H5Tget_class(t)) == cls && PS_H5(H5Sget_simple_extent_npoints(sp)) == 1 &&
             PS_H5(H5Sget_simple_extent_ndims(sp)) == 0;
    if (ok && cls == H5T_STRING)
        ok = PS_H5(H5Tis_variable_str(t)) == 0 && H5Tget_size(t) == size;
    PS_H5(H5Sclose(sp));
    PS_H5(H5Tclose(t));
    PS_H5(H5Aclose(a));
    return ok;
}

void ps_provenance_problem(hid_t loc, char *why, size_t len)
{
    why[0] = 0;
    if (!attr_is(loc, "provenance_wall_seconds", H5T_FLOAT, 0))
        snprintf(why, len, "attribute provenance_wall_seconds is not a float64 scalar");
    else if (!attr_is(loc, "provenance_sessions", H5T_INTEGER, 0))
        snprintf(why, len, "attribute provenance_sessions is not an integer scalar");
    else if (!attr_is(loc, "provenance_end_utc", H5T_STRING, PS_END_UTC_LEN))
        snprintf(why, len, "attribute provenance_end_utc is not a string of %d bytes",
                 PS_END_UTC_LEN);
}

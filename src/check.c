/* check: the one place that reports a failure and exits. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void (*cleanup_fn)(void *);
static int usage_quiet;

void ps_usage_quiet(int quiet) { usage_quiet = quiet; }
static void *cleanup_arg;

void ps_set_cleanup(void (*fn)(void *), void *arg)
{
    cleanup_fn = fn;
    cleanup_arg = arg;
}

static void run_cleanup(void)
{
    void (*fn)(void *) = cleanup_fn;
    cleanup_fn = NULL; /* a failure inside the cleanup must not loop */
    if (fn) fn(cleanup_arg);
}

void ps_fail(int status, const char *call, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "phasesweep: %s: ", call);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    run_cleanup();
    exit(status);
}

void ps_usage_error(const char *fmt, ...)
{
    va_list ap;
    if (!usage_quiet) {
        fputs("phasesweep: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    run_cleanup();
    exit(PS_EXIT_USAGE);
}

long long ps_h5_check_(long long rc, const char *call)
{
    if (rc < 0) ps_fail(PS_EXIT_FAIL, call, "HDF5 call failed");
    return rc;
}

void *ps_malloc(size_t bytes, const char *what)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        ps_fail(PS_EXIT_FAIL, "malloc", "out of memory allocating %zu bytes for %s", bytes, what);
    return p;
}

void *ps_calloc(size_t n, size_t size, const char *what)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ps_fail(PS_EXIT_FAIL, "calloc", "out of memory allocating %zu x %zu bytes for %s", n,
                size, what);
    return p;
}

/* blascheck: the OpenBLAS kernel against the CPU's instruction sets. */
#define _POSIX_C_SOURCE 200809L
#include "blascheck.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cblas.h>

/* Weak: a BLAS other than OpenBLAS links too, and then there is no kernel to check. */
extern char *openblas_get_corename(void) __attribute__((weak));

const char *ps_blas_core(void)
{
    const char *c = openblas_get_corename ? openblas_get_corename() : NULL;
    return c && *c ? c : "unknown";
}

const char *ps_cpu_best_isa(void)
{
    __builtin_cpu_init();
    /* dgemm kernels for AVX-512 (SkylakeX and later) need F, DQ, BW and VL */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return "AVX-512";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "AVX2";
    return "none";
}

/* OpenBLAS x86-64 kernels built on AVX2 (with FMA) or AVX-512; every other name (Prescott,
 * Core2, Penryn, Nehalem, Atom, Sandybridge, the Opteron/Barcelona/Bulldozer line, ...) or one
 * OpenBLAS does not report is generic here. */
static const char *const fast_kernels[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake",
                                           "SapphireRapids"};

int ps_blas_verdict(const char *core, int has_avx2, int has_avx512, char *msg, size_t len)
{
    if (len) msg[0] = 0;
    if (!has_avx2 && !has_avx512) return 0;
    for (size_t i = 0; i < sizeof fast_kernels / sizeof fast_kernels[0]; i++)
        if (!strcasecmp(core, fast_kernels[i])) return 0;
    snprintf(msg, len,
             "warning: OpenBLAS runs its generic '%s' kernel on a CPU with %s; dgemm and so every "
             "run may be 2-3x slower than this machine allows. Try OPENBLAS_CORETYPE=%s in the "
             "environment of the run (check one short run first: an OpenBLAS too old for that "
             "kernel can crash)",
             core, has_avx512 ? "AVX-512" : "AVX2", has_avx512 ? "SkylakeX" : "Haswell");
    return 1;
}

int ps_blas_warn(FILE *f)
{
    if (!openblas_get_corename) return 0; /* not OpenBLAS: nothing known to check */
    const char *isa = ps_cpu_best_isa();
    char msg[512];
    int warn = ps_blas_verdict(ps_blas_core(), !strcmp(isa, "AVX2"), !strcmp(isa, "AVX-512"),
                               msg, sizeof msg);
    if (warn) {
        fprintf(f, "phasesweep: %s\n", msg);
        fflush(f);
    }
    return warn;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ps_blas_dgemm_gflops(int n, int reps)
{
    size_t nn = (size_t)n * n;
    double *a = malloc(3 * nn * sizeof *a);
    if (!a) return 0.0;
    for (size_t i = 0; i < 3 * nn; i++) a[i] = 1.0 / (double)(1 + i % 7);
    double *b = a + nn, *c = b + nn;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    double best = 1e300;
    for (int r = 0; r < reps; r++) { /* best of reps: the machine may be shared */
        double t = now();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        t = now() - t;
        if (t < best) best = t;
    }
    free(a);
    return 2.0 * (double)n * n * n / best * 1e-9;
}

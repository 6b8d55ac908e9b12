/* blascheck and estimate's pure parts: which OpenBLAS kernels are generic on which CPU, the
 * warning's content and edges, what ps_blas_warn prints, the CPU's ISA against /proc/cpuinfo,
 * the dgemm rate against one timed here, and the --wall parser. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cblas.h>

#include "blascheck.h"
#include "estimate.h"

static void test_generic_kernels_warn_on_avx512(void **state)
{
    const char *generic[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom",
                             "Sandybridge", "Barcelona", "Bulldozer", "Katmai", "unknown", ""};
    for (size_t i = 0; i < sizeof generic / sizeof *generic; i++) {
        char msg[512];
        assert_int_equal(ps_blas_verdict(generic[i], 1, 1, msg, sizeof msg), 1);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "'%s'", generic[i]);
        assert_non_null(strstr(msg, quoted));            /* names the kernel */
        assert_non_null(strstr(msg, "AVX-512"));         /* the CPU's best ISA */
        assert_non_null(strstr(msg, "OPENBLAS_CORETYPE=SkylakeX")); /* what to try */
        assert_null(strchr(msg, '\n'));                  /* one line */
    }
}

static void test_avx2_cpu_gets_haswell(void **state)
{
    char msg[512];
    assert_int_equal(ps_blas_verdict("Nehalem", 1, 0, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "AVX2"));
    assert_null(strstr(msg, "AVX-512"));
    assert_non_null(strstr(msg, "OPENBLAS_CORETYPE=Haswell"));
}

static void test_fast_kernels_and_old_cpus_are_quiet(void **state)
{
    const char *fast[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids",
                          "haswell"};
    char msg[512] = "x";
    for (size_t i = 0; i < sizeof fast / sizeof *fast; i++) {
        assert_int_equal(ps_blas_verdict(fast[i], 1, 1, msg, sizeof msg), 0);
        assert_string_equal(msg, "");
    }
    /* a generic kernel is the right one on a CPU without AVX2 */
    assert_int_equal(ps_blas_verdict("Prescott", 0, 0, msg, sizeof msg), 0);
}

static void test_process_core_is_named(void **state)
{
    const char *core = ps_blas_core();
    assert_true(strlen(core) > 0);
    assert_null(strchr(core, '\n'));
}

/* The CPU's best ISA against the kernel's own account of it (/proc/cpuinfo's flags), not
 * against the compiler builtins the code asks. */
static int cpu_flag(const char *line, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = strstr(line, flag); p; p = strstr(p + 1, flag))
        if ((p[-1] == ' ' || p[-1] == '\t') && (p[n] == ' ' || p[n] == '\n' || !p[n])) return 1;
    return 0;
}

static void test_best_isa_matches_cpuinfo(void **state)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) skip();
    static char line[1 << 16];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "flags", 5)) {
            found = 1;
            break;
        }
    fclose(f);
    if (!found) skip();
    const char *want = "none";
    if (cpu_flag(line, "avx512f") && cpu_flag(line, "avx512dq") && cpu_flag(line, "avx512bw") &&
        cpu_flag(line, "avx512vl"))
        want = "AVX-512";
    else if (cpu_flag(line, "avx2") && cpu_flag(line, "fma"))
        want = "AVX2";
    assert_string_equal(ps_cpu_best_isa(), want);
}

/* ps_blas_warn prints exactly the verdict's line (or nothing) for this process's kernel. */
static void test_warn_prints_the_verdict(void **state)
{
    const char *isa = ps_cpu_best_isa();
    char msg[512], got[1024] = "";
    int want = ps_blas_verdict(ps_blas_core(), !strcmp(isa, "AVX2"), !strcmp(isa, "AVX-512"), msg,
                               sizeof msg);
    FILE *f = tmpfile();
    assert_non_null(f);
    int warned = ps_blas_warn(f);
    rewind(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    assert_int_equal(warned, want);
    if (want) {
        char line[600];
        snprintf(line, sizeof line, "phasesweep: %s\n", msg);
        assert_string_equal(got, line);
    } else {
        assert_string_equal(got, "");
    }
}

/* The verdict's edges: exact kernel names (any case), the AVX-512 flag alone, a short buffer
 * (truncated, terminated) and no buffer at all. */
static void test_verdict_edges(void **state)
{
    char msg[512];
    assert_int_equal(ps_blas_verdict("HASWELL", 1, 0, msg, sizeof msg), 0);
    assert_int_equal(ps_blas_verdict("zen", 1, 1, msg, sizeof msg), 0);
    assert_int_equal(ps_blas_verdict("Haswellx", 1, 0, msg, sizeof msg), 1); /* not a prefix */
    assert_int_equal(ps_blas_verdict("Zen ", 1, 0, msg, sizeof msg), 1);
    assert_int_equal(ps_blas_verdict("Nehalem", 0, 1, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "with AVX-512;"));
    assert_non_null(strstr(msg, "OPENBLAS_CORETYPE=SkylakeX in"));
    assert_int_equal(strncmp(msg, "warning: OpenBLAS runs its generic 'Nehalem' kernel", 51), 0);
    char shortbuf[16];
    memset(shortbuf, 'x', sizeof shortbuf);
    assert_int_equal(ps_blas_verdict("Prescott", 1, 0, shortbuf, sizeof shortbuf), 1);
    assert_int_equal(strlen(shortbuf), 15);
    assert_int_equal(strncmp(shortbuf, "warning: OpenBL", 15), 0);
    char untouched = 'x';
    assert_int_equal(ps_blas_verdict("Prescott", 1, 0, &untouched, 0), 1);
    assert_true(untouched == 'x');
    msg[0] = 'x';
    assert_int_equal(ps_blas_verdict("Haswell", 0, 0, msg, sizeof msg), 0);
    assert_true(msg[0] == 0); /* cleared even when quiet */
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The dgemm rate is 2 n^3 flops over the time of one call: timed here independently (best of
 * several, the machine may be shared), the two agree within a factor of 4. */
static void test_dgemm_rate_is_plausible(void **state)
{
    const int n = 160;
    double *a = malloc(sizeof(double) * 3 * n * n);
    for (int i = 0; i < 3 * n * n; i++) a[i] = 1.0 / (1 + i % 5);
    double *b = a + n * n, *c = b + n * n, best = 1e300;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    for (int r = 0; r < 7; r++) {
        double t = now_s();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        t = now_s() - t;
        if (t < best) best = t;
    }
    free(a);
    double mine = 2.0 * n * n * n / best * 1e-9, theirs = ps_blas_dgemm_gflops(n, 7);
    if (!(theirs > mine / 4 && theirs < mine * 4))
        fail_msg("ps_blas_dgemm_gflops %.3g GFLOP/s, timed here %.3g", theirs, mine);
}

static void test_parse_wall(void **state)
{
    assert_true(ps_parse_wall("02:30") == 9000);
    assert_true(ps_parse_wall("2:05") == 7500);
    assert_true(ps_parse_wall("00:00:30") == 30);
    assert_true(ps_parse_wall("48:00") == 172800);
    const char *bad[] = {"", "2", "2:", ":30", "1:60", "1:00:60", "00:00", "1:2:3:4", "a:b",
                         "1h", "-1:00", "1:00 ", "1234567:00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (ps_parse_wall(bad[i]) >= 0) fail_msg("'%s' accepted", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic_kernels_warn_on_avx512),
        cmocka_unit_test(test_avx2_cpu_gets_haswell),
        cmocka_unit_test(test_fast_kernels_and_old_cpus_are_quiet),
        cmocka_unit_test(test_process_core_is_named),
        cmocka_unit_test(test_best_isa_matches_cpuinfo),
        cmocka_unit_test(test_warn_prints_the_verdict),
        cmocka_unit_test(test_verdict_edges),
        cmocka_unit_test(test_dgemm_rate_is_plausible),
        cmocka_unit_test(test_parse_wall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

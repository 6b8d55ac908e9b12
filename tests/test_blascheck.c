/* blascheck and estimate's pure parts: which OpenBLAS kernels are generic on which CPU, the
 * warning's content, and the --wall parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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
    assert_true(strlen(ps_blas_core()) > 0);
    const char *isa = ps_cpu_best_isa();
    assert_true(!strcmp(isa, "AVX-512") || !strcmp(isa, "AVX2") || !strcmp(isa, "none"));
    assert_true(ps_blas_dgemm_gflops(32, 2) > 0);
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
        cmocka_unit_test(test_parse_wall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

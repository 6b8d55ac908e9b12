/* rng: streams are pure functions of their key, distinct keys give unrelated streams, and the
 * samplers have the right moments. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <Random123/philox.h>

#include "rng.h"

static void test_same_key_same_stream(void **state)
{
    ps_rng a, b;
    ps_rng_init(&a, 42, 3, -1.5, 2.25, PS_RNG_INIT_DENSE);
    ps_rng_init(&b, 42, 3, -1.5, 2.25, PS_RNG_INIT_DENSE);
    for (int i = 0; i < 1000; i++) assert_true(ps_rng_normal(&a) == ps_rng_normal(&b));
}

/* The stream is Philox4x64-10 at counter (bits(gs), bits(gw), block, 0) under key
 * (seed, replica << 8 | purpose): nothing else feeds it. */
static void test_stream_is_philox_of_key(void **state)
{
    ps_rng r;
    double gs = -1.85, gw = 2.25;
    ps_rng_init(&r, 7, 2, gs, gw, PS_RNG_NOISE);
    philox4x64_key_t k = {{7, (2u << 8) | PS_RNG_NOISE}};
    philox4x64_ctr_t c = {{0, 0, 1, 0}};
    memcpy(&c.v[0], &gs, 8);
    memcpy(&c.v[1], &gw, 8);
    uint64_t first[8];
    for (int i = 0; i < 8; i++) first[i] = ps_rng_u64(&r);
    philox4x64_ctr_t out = philox4x64(c, k); /* block 1 = words 4..7 */
    for (int i = 0; i < 4; i++) assert_true(first[4 + i] == out.v[i]);
}

static double correlation(ps_rng *a, ps_rng *b, int n)
{
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        double x = ps_rng_normal(a), y = ps_rng_normal(b);
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    return sab / sqrt(saa * sbb);
}

static void test_distinct_keys_independent(void **state)
{
    const int n = 200000; /* |corr| of independent streams ~ 1/sqrt(n) = 0.0022 */
    ps_rng base, other;
    struct { uint64_t seed; int rep; double gs, gw; enum ps_purpose p; } keys[] = {
        {1, 0, -1.0, 2.0, PS_RNG_INIT_DENSE}, {0, 1, -1.0, 2.0, PS_RNG_INIT_DENSE},
        {0, 0, -1.0 + 1e-15, 2.0, PS_RNG_INIT_DENSE}, {0, 0, -1.0, 2.0 + 4e-16, PS_RNG_INIT_DENSE},
        {0, 0, -1.0, 2.0, PS_RNG_NOISE}, {0, 0, 2.0, -1.0, PS_RNG_INIT_DENSE},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ps_rng_init(&base, 0, 0, -1.0, 2.0, PS_RNG_INIT_DENSE);
        ps_rng_init(&other, keys[i].seed, keys[i].rep, keys[i].gs, keys[i].gw, keys[i].p);
        double rho = correlation(&base, &other, n);
        assert_true(fabs(rho) < 5.0 / sqrt((double)n));
    }
}

static void test_negative_zero_is_zero(void **state)
{
    ps_rng a, b;
    ps_rng_init(&a, 0, 0, -0.0, 1.0, PS_RNG_INIT_DENSE);
    ps_rng_init(&b, 0, 0, 0.0, 1.0, PS_RNG_INIT_DENSE);
    for (int i = 0; i < 10; i++) assert_true(ps_rng_u64(&a) == ps_rng_u64(&b));
}

static void test_uniform_and_normal_moments(void **state)
{
    ps_rng r;
    ps_rng_init(&r, 11, 0, 0.0, 0.0, PS_RNG_TEACHER_U);
    const int n = 400000;
    double su = 0, sn = 0, sn2 = 0, sn4 = 0;
    for (int i = 0; i < n; i++) {
        double u = ps_rng_uniform(&r);
        assert_true(u > 0.0 && u < 1.0);
        su += u;
    }
    for (int i = 0; i < n; i++) {
        double z = ps_rng_normal(&r);
        sn += z;
        sn2 += z * z;
        sn4 += z * z * z * z;
    }
    assert_true(fabs(su / n - 0.5) < 5 * sqrt(1.0 / 12 / n));
    assert_true(fabs(sn / n) < 5 / sqrt((double)n));
    assert_true(fabs(sn2 / n - 1.0) < 5 * sqrt(2.0 / n));
    assert_true(fabs(sn4 / n - 3.0) < 5 * sqrt(96.0 / n));
}

static void test_chi2_moments(void **state)
{
    const double dofs[] = {0.5, 1.0, 3.0, 17.0, 1e4, 1e15};
    ps_rng r;
    ps_rng_init(&r, 5, 0, 0.0, 0.0, PS_RNG_INIT_BARTLETT);
    for (size_t j = 0; j < sizeof dofs / sizeof dofs[0]; j++) {
        double k = dofs[j], s = 0, s2 = 0;
        const int n = 100000;
        for (int i = 0; i < n; i++) {
            double x = ps_rng_chi2(&r, k);
            assert_true(x > 0.0 && isfinite(x));
            s += x;
            s2 += (x - k) * (x - k);
        }
        /* mean k and variance 2k, within 5 standard errors */
        assert_true(fabs(s / n - k) < 5 * sqrt(2 * k / n));
        assert_true(fabs(s2 / n / (2 * k) - 1.0) < 5 * sqrt((12.0 / k + 2.0) / n) + 0.02);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_key_same_stream),
        cmocka_unit_test(test_stream_is_philox_of_key),
        cmocka_unit_test(test_distinct_keys_independent),
        cmocka_unit_test(test_negative_zero_is_zero),
        cmocka_unit_test(test_uniform_and_normal_moments),
        cmocka_unit_test(test_chi2_moments),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}

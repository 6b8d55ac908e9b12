/* rng: Philox4x64-10 streams. The key holds (seed, replica, purpose); the counter holds the bit
 * patterns of gamma_s and gamma_w and a block index, so every (task, purpose) owns a disjoint
 * part of Philox's space and a stream never depends on anything outside its key. */
#include "rng.h"

#include <math.h>
#include <string.h>
#include <Random123/philox.h>

static uint64_t double_bits(double x)
{
    uint64_t u;
    if (x == 0.0) x = 0.0; /* -0.0 and 0.0 are one grid point */
    memcpy(&u, &x, sizeof u);
    return u;
}

void ps_rng_init(ps_rng *r, uint64_t seed, int replica, double gs, double gw,
                 enum ps_purpose purpose)
{
    memset(r, 0, sizeof *r);
    r->key[0] = seed;
    r->key[1] = ((uint64_t)(uint32_t)replica << 8) | (uint64_t)purpose;
    r->ctr[0] = double_bits(gs);
    r->ctr[1] = double_bits(gw);
    r->used = 4; /* empty buffer: the first draw generates block 0 */
}

static void next_block(ps_rng *r)
{
    philox4x64_ctr_t c = {{r->ctr[0], r->ctr[1], r->ctr[2], r->ctr[3]}};
    philox4x64_key_t k = {{r->key[0], r->key[1]}};
    philox4x64_ctr_t out = philox4x64(c, k);
    memcpy(r->buf, out.v, sizeof r->buf);
    if (++r->ctr[2] == 0) ++r->ctr[3];
    r->used = 0;
}

uint64_t ps_rng_u64(ps_rng *r)
{
    if (r->used == 4) next_block(r);
    return r->buf[r->used++];
}

double ps_rng_uniform(ps_rng *r)
{
    /* (k + 0.5) / 2^53: strictly inside (0, 1), so log() below is always finite */
    return ((double)(ps_rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

double ps_rng_normal(ps_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = ps_rng_uniform(r), u2 = ps_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586476925286766559 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

/* Gamma(a, 1) by Marsaglia & Tsang (2000); for a < 1 through Gamma(a + 1) * U^(1/a).
 * Accurate for any shape up to 2^53, which the Bartlett diagonal needs (dof up to w). */
static double gamma_draw(ps_rng *r, double a)
{
    if (a < 1.0) {
        double g = gamma_draw(r, a + 1.0);
        return g * pow(ps_rng_uniform(r), 1.0 / a);
    }
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = ps_rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = ps_rng_uniform(r);
        if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
    }
}

double ps_rng_chi2(ps_rng *r, double dof) { return 2.0 * gamma_draw(r, 0.5 * dof); }

void ps_rng_fill_normal(ps_rng *r, double *x, int64_t n, double std)
{
    for (int64_t i = 0; i < n; i++) x[i] = std * ps_rng_normal(r);
}

/* rng.c — xoshiro256** (Blackman and Vigna, 2018) seeded by splitmix64, and
 * Box-Muller normal draws. */
#include "rng.h"

#include <math.h>

#include "fastmath.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void anc_rng_seed(anc_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    r->spare = 0.0;
    r->has_spare = 0;
}

uint64_t anc_rng_next(anc_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double anc_rng_uniform(anc_rng *r)
{
    return (double)(anc_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t anc_rng_below(anc_rng *r, uint64_t n)
{
    /* Rejection sampling: discard the top partial range. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = anc_rng_next(r);
    while (x >= limit);
    return x % n;
}

double anc_rng_normal(anc_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1, u2;
    do
        u1 = anc_rng_uniform(r);
    while (u1 <= 0.0);
    u2 = anc_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1));
    double ang = 6.283185307179586476925 * u2;
    r->spare = rad * sin(ang);
    r->has_spare = 1;
    return rad * cos(ang);
}

void anc_rng_normal_fill(anc_rng *r, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)anc_rng_normal(r);
}

void anc_rng_normal_fill_fast(anc_rng *r, float *out, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        const uint64_t x = anc_rng_next(r);
        /* radius: u in (0, 1] from the top 24 bits */
        const float u = (float)((x >> 40) + 1) * 0x1.0p-24f;
        const float rad = sqrtf(-2.0f * anc_logf_fast(u));
        /* angle = q pi/2 + a, quadrant q from 2 bits, a uniform in [-pi/4, pi/4)
         * from 24 more: uniform over the circle without a range reduction */
        const int q = (int)(x >> 38) & 3;
        const float a = ((float)(x & 0xffffff) * 0x1.0p-24f - 0.5f) * 1.57079632679f;
        float s, c;
        anc_sincosf_reduced(a, &s, &c);
        /* (cos, sin) of q pi/2 + a */
        const float cq = q == 0 ? c : q == 1 ? -s : q == 2 ? -c : s;
        const float sq = q == 0 ? s : q == 1 ? c : q == 2 ? -s : -c;
        out[i] = rad * cq;
        if (i + 1 < n)
            out[i + 1] = rad * sq;
    }
}

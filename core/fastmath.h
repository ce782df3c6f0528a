/* fastmath.h — the float approximations of exp, log and sin/cos that the
 * real-time path and the activations use instead of libm calls.
 *
 * Each is inline branch-free arithmetic on one float, so loops over them
 * vectorise (a libm call per element does not, and costs more than the
 * arithmetic here), and each is accurate to about float rounding, which is all
 * their callers need. Shared by nn.c (SiLU), feature.c (dB -> magnitude on the
 * audio path), phase.c (log magnitudes, phasors) and rng.c (float normals). */
#ifndef ANC_FASTMATH_H
#define ANC_FASTMATH_H

#include <stdint.h>
#include <string.h>

/* e^x, relative error below 2.5e-7 (about two float ulps): x = n ln2 + r with
 * |r| <= ln2/2, e^r by a degree-6 Taylor polynomial, 2^n put into the exponent
 * bits. Inputs are clamped to [-87, 88], so the result is a finite normal float;
 * NaN lands on the lower clamp (callers that multiply by x keep the NaN). */
static inline float anc_expf_fast(float x)
{
    x = x > -87.0f ? x : -87.0f;
    x = x < 88.0f ? x : 88.0f;
    /* round to nearest by the 1.5 * 2^23 trick (floorf stays a call without
     * -fno-trapping-math, which would stop vectorisation) */
    const float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
    const float r = x - n * 0.693145752f - n * 1.42860677e-6f; /* ln2 split for exactness */
    const float p =
        1.0f +
        r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
    const uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* Natural log of a positive normal float, within 1e-7 + 1.2e-7 |log x|: x =
 * 2^k m with m in [sqrt(2)/2, sqrt(2)), and log m = 2 atanh(s), s = (m - 1) /
 * (m + 1), |s| <= 0.1716, by its series to s^7 (the next term is below 3e-8).
 * Zero, negative, denormal, infinite and NaN inputs give meaningless (finite)
 * values: callers floor their input first. */
static inline float anc_logf_fast(float x)
{
    uint32_t ix;
    memcpy(&ix, &x, sizeof ix);
    ix += 0x3f800000 - 0x3f3504f3; /* 0x3f3504f3 = sqrt(2)/2 */
    const int k = (int)(ix >> 23) - 0x7f;
    ix = (ix & 0x007fffff) + 0x3f3504f3;
    float m;
    memcpy(&m, &ix, sizeof m);
    const float s = (m - 1.0f) / (m + 1.0f), z = s * s;
    const float series = 2.0f + z * (2.0f / 3.0f + z * (2.0f / 5.0f + z * (2.0f / 7.0f)));
    return (float)k * 0.69314718056f + s * series;
}

/* sin and cos of r in [-pi/4, pi/4] (a little beyond is fine), about 1e-7
 * absolute: Cephes sinf.c / cosf.c minimax polynomials. Callers reduce the
 * angle by quarter turns themselves (see phase.c and rng.c). */
static inline void anc_sincosf_reduced(float r, float *s, float *c)
{
    const float z = r * r;
    *s = r + r * z * ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f);
    *c = 1.0f - 0.5f * z +
         z * z * ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f);
}

#endif

/* test_fastmath.c — unit test of the real-time approximations: the float exp,
 * log and sin/cos of core/fastmath.h against libm in double over their whole
 * input ranges, the audio path's feature -> magnitude conversion against the
 * exact one, and the fast normal draws (moments, Kolmogorov-Smirnov distance to
 * the normal distribution, repeatability). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fastmath.h"
#include "feature.h"
#include "rng.h"

#define PI 3.141592653589793238463

static void test_exp(void)
{
    double worst = 0.0, at = 0.0;
    for (int i = 0; i <= 2000000; i++) {
        const float x = (float)(-87.0 + 175.0 * i / 2000000.0);
        const double want = exp((double)x), got = anc_expf_fast(x);
        const double rel = fabs(got - want) / want;
        if (!(rel <= worst)) {
            worst = rel;
            at = x;
        }
    }
    printf("expf_fast: worst relative error %.3g at %.6g\n", worst, at);
    check_true(worst < 4e-7, "expf_fast: relative error %.3g at %g (limit 4e-7)", worst, at);
    check_true(anc_expf_fast(-1000.0f) > 0.0f && anc_expf_fast(-1000.0f) < 1e-37f,
               "expf_fast(-1000) is not the lower clamp: %g", (double)anc_expf_fast(-1000.0f));
    check_true(isfinite(anc_expf_fast(1000.0f)) && isfinite(anc_expf_fast(INFINITY)) &&
                   isfinite(anc_expf_fast(NAN)),
               "expf_fast of a huge, infinite or NaN input is not finite");
}

static void test_log(void)
{
    double worst = 0.0, at = 0.0;
    /* every 97th float from the smallest normal to FLT_MAX */
    uint32_t lo, hi;
    const float fmin = FLT_MIN, fmax = FLT_MAX;
    memcpy(&lo, &fmin, sizeof lo);
    memcpy(&hi, &fmax, sizeof hi);
    for (uint32_t b = lo; b <= hi && b >= lo; b += 97) {
        float x;
        memcpy(&x, &b, sizeof x);
        const double want = log((double)x), got = anc_logf_fast(x);
        const double err = fabs(got - want) / (1e-7 + 1.2e-7 * fabs(want));
        if (!(err <= worst)) {
            worst = err;
            at = x;
        }
    }
    printf("logf_fast: worst error %.3g of the bound 1e-7 + 1.2e-7 |log x| at %.6g\n", worst, at);
    check_true(worst <= 1.0, "logf_fast: error %.3g times its bound at %g", worst, at);
}

static void test_sincos(void)
{
    double worst = 0.0, at = 0.0;
    for (int i = -1000000; i <= 1000000; i++) {
        const float r = (float)(0.25 * PI * i / 1000000.0);
        float s, c;
        anc_sincosf_reduced(r, &s, &c);
        const double e = fmax(fabs(s - sin((double)r)), fabs(c - cos((double)r)));
        if (!(e <= worst)) {
            worst = e;
            at = r;
        }
    }
    printf("sincosf_reduced: worst absolute error %.3g at %.6g\n", worst, at);
    check_true(worst < 2e-7, "sincosf_reduced: error %.3g at %g (limit 2e-7)", worst, at);
}

static void test_features_to_mag_fast(void)
{
    enum { N = 4096 };
    static float mean[N], std[N], z[N], exact[N], fast[N];
    anc_rng r;
    anc_rng_seed(&r, 7);
    for (int k = 0; k < N; k++) {
        mean[k] = (float)(-60.0 + 20.0 * anc_rng_uniform(&r));
        std[k] = (float)(1.0 + 15.0 * anc_rng_uniform(&r));
        z[k] = (float)(4.0 * anc_rng_normal(&r));
    }
    const float ceiling = 12.0f;
    anc_features_to_mag(mean, std, z, exact, N);
    for (int k = 0; k < N; k++) /* the ceiling, applied to the exact path by hand */
        if (!(z[k] * std[k] + mean[k] < ceiling))
            exact[k] = powf(10.0f, ceiling / 20.0f);
    anc_features_to_mag_fast(mean, std, z, fast, N, ceiling);
    check_close_f("features_to_mag_fast", fast, exact, N, 0.0, 1e-6);

    /* NaN and +Inf read as the ceiling, -Inf as (nearly) silence; all finite */
    float zz[4] = {NAN, INFINITY, -INFINITY, 100.0f}, m[4];
    anc_features_to_mag_fast(mean, std, zz, m, 4, ceiling);
    const float top = powf(10.0f, ceiling / 20.0f);
    check_true(fabsf(m[0] - top) < 1e-5f * top && fabsf(m[1] - top) < 1e-5f * top &&
                   m[2] >= 0.0f && m[2] < 1e-30f && fabsf(m[3] - top) < 1e-5f * top,
               "features_to_mag_fast of NaN/Inf/-Inf/huge: %g %g %g %g", (double)m[0],
               (double)m[1], (double)m[2], (double)m[3]);
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_normal_fast(void)
{
    const size_t n = 1000001; /* odd: the last pair is cut */
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!check_true(x && y, "out of memory")) {
        free(x);
        free(y);
        return;
    }
    anc_rng r;
    anc_rng_seed(&r, 11);
    anc_rng_normal_fill_fast(&r, x, n);
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0, amax = 0;
    int finite = 1;
    for (size_t i = 0; i < n; i++) {
        const double v = x[i];
        finite &= isfinite(v);
        m1 += v;
        m2 += v * v;
        m3 += v * v * v;
        m4 += v * v * v * v;
        amax = fmax(amax, fabs(v));
    }
    m1 /= n;
    m2 /= n;
    m3 /= n;
    m4 /= n;
    /* standard errors at n = 1e6: mean 1e-3, variance 1.4e-3, skew 2.4e-3, kurtosis 4.9e-3 */
    printf("normal_fill_fast: mean %.5f variance %.5f third %.5f fourth %.5f max |x| %.3f\n", m1,
           m2, m3, m4, amax);
    check_true(finite, "normal_fill_fast: non-finite draw");
    check_true(fabs(m1) < 5e-3 && fabs(m2 - 1) < 7e-3 && fabs(m3) < 1.2e-2 &&
                   fabs(m4 - 3) < 5e-2,
               "normal_fill_fast: moments %g %g %g %g, want 0 1 0 3", m1, m2, m3, m4);
    check_true(amax > 4.5 && amax < 5.8, "normal_fill_fast: largest |x| %g, want 4.5..5.8", amax);

    /* Kolmogorov-Smirnov distance to Phi; 1.63 / sqrt(n) is the 1 % critical value */
    memcpy(y, x, n * sizeof *y);
    qsort(y, n, sizeof *y, cmp_float);
    double ks = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double cdf = 0.5 * erfc(-y[i] / sqrt(2.0));
        ks = fmax(ks, fmax(fabs(cdf - (double)i / n), fabs(cdf - (double)(i + 1) / n)));
    }
    printf("normal_fill_fast: Kolmogorov-Smirnov distance %.5f (1%% critical %.5f)\n", ks,
           1.63 / sqrt((double)n));
    check_true(ks < 1.63 / sqrt((double)n), "normal_fill_fast: KS distance %g", ks);

    /* the same seed repeats; consecutive calls continue the stream */
    anc_rng_seed(&r, 11);
    anc_rng_normal_fill_fast(&r, y, 1000);
    anc_rng_normal_fill_fast(&r, y + 1000, 1000);
    check_true(memcmp(x, y, 2000 * sizeof *x) == 0, "normal_fill_fast does not repeat for a seed");
    free(x);
    free(y);
}

int main(void)
{
    test_exp();
    test_log();
    test_sincos();
    test_features_to_mag_fast();
    test_normal_fast();
    return check_exit();
}

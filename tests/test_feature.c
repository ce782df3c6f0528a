/* test_feature.c — unit test of core/feature: dB conversion against known values
 * and the floor, the round trips mag -> dB -> mag, dB -> mag -> dB and
 * dB -> z -> dB, the combined feature functions against the two-step path, and
 * the Welford statistics against a plain two-pass computation in double, and
 * the frame level: sines and noise analysed by core's STFT read their level re a
 * full-scale sine, and a shift to 0 dB and back restores the frame. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "feature.h"
#include "rng.h"
#include "stft.h"

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        printf("FAIL: out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return p;
}

static void test_known_levels(void)
{
    const float mag[] = {1.0f, 0.1f, 10.0f, 0.5f, 1e-5f, 1e-6f, 0.0f, -3.0f, NAN, 1e-4f, 2.0f};
    const double want[] = {0.0, -20.0, 20.0, -6.020599913279624, -100.0, -100.0, -100.0, -100.0,
                           -100.0, -80.0, 6.020599913279624};
    const int n = (int)(sizeof mag / sizeof mag[0]);
    float db[16];
    double got[16];
    anc_mag_to_db(mag, db, n);
    for (int i = 0; i < n; i++)
        got[i] = db[i];
    check_close_d("mag_to_db known levels and floor", got, want, (size_t)n, 2e-5, 0.0);
    check_true(ANC_FEATURE_FLOOR_DB == -100.0f, "floor is %g dB", (double)ANC_FEATURE_FLOOR_DB);

    float inf = INFINITY, dbi;
    anc_mag_to_db(&inf, &dbi, 1);
    check_true(isinf(dbi) && dbi > 0, "mag_to_db(+inf) = %g", (double)dbi);
}

/* Magnitudes spread log-uniformly over [1e-5, 1e3] plus the endpoints. */
static void fill_mags(float *mag, int n, anc_rng *r)
{
    for (int i = 0; i < n; i++)
        mag[i] = (float)pow(10.0, -5.0 + 8.0 * anc_rng_uniform(r));
    mag[0] = 1e-5f;
    mag[1] = 1e3f;
    mag[2] = 1.0f;
}

static void test_round_trips(void)
{
    enum { N = 20000 };
    anc_rng r;
    anc_rng_seed(&r, 42);
    float *mag = xmalloc(sizeof(float) * N), *db = xmalloc(sizeof(float) * N);
    float *back = xmalloc(sizeof(float) * N), *z = xmalloc(sizeof(float) * N);
    float *mean = xmalloc(sizeof(float) * N), *std = xmalloc(sizeof(float) * N);
    float *db2 = xmalloc(sizeof(float) * N), *tmp = xmalloc(sizeof(float) * N);
    double *got = xmalloc(sizeof(double) * N), *want = xmalloc(sizeof(double) * N);

    /* mag -> dB against 20 log10 in double, then back */
    fill_mags(mag, N, &r);
    anc_mag_to_db(mag, db, N);
    for (int i = 0; i < N; i++) {
        got[i] = db[i];
        want[i] = 20.0 * log10(fmax((double)mag[i], 1e-5));
    }
    check_close_d("mag_to_db vs 20 log10 (double)", got, want, N, 1e-5, 1e-7);
    anc_db_to_mag(db, back, N);
    check_close_f("mag -> dB -> mag", back, mag, N, 0.0, 2e-6);

    /* dB -> mag against 10^(dB/20) in double, then back */
    for (int i = 0; i < N; i++)
        db[i] = (float)(-100.0 + 160.0 * anc_rng_uniform(&r));
    db[0] = -100.0f;
    db[1] = 60.0f;
    anc_db_to_mag(db, mag, N);
    for (int i = 0; i < N; i++) {
        got[i] = mag[i];
        want[i] = pow(10.0, (double)db[i] / 20.0);
    }
    check_close_d("db_to_mag vs 10^(dB/20) (double)", got, want, N, 0.0, 2e-7);
    anc_mag_to_db(mag, back, N);
    check_close_f("dB -> mag -> dB", back, db, N, 1e-5, 0.0);

    /* dB -> z -> dB with arbitrary per-bin statistics */
    for (int i = 0; i < N; i++) {
        mean[i] = (float)(-90.0 + 80.0 * anc_rng_uniform(&r));
        std[i] = (float)(1.0 + 29.0 * anc_rng_uniform(&r));
    }
    anc_features_normalize(mean, std, db, z, N);
    for (int i = 0; i < N; i++) {
        got[i] = z[i];
        want[i] = ((double)db[i] - mean[i]) / std[i];
    }
    check_close_d("normalize vs (dB - mean) / std (double)", got, want, N, 1e-6, 1e-6);
    anc_features_denormalize(mean, std, z, db2, N);
    check_close_f("dB -> z -> dB", db2, db, N, 2e-5, 1e-6);

    /* the combined functions equal the two steps, and invert each other */
    fill_mags(mag, N, &r);
    anc_features_from_mag(mean, std, mag, z, N);
    anc_mag_to_db(mag, tmp, N);
    anc_features_normalize(mean, std, tmp, db2, N);
    check_close_f("features_from_mag vs two steps", z, db2, N, 1e-7, 1e-7);
    anc_features_to_mag(mean, std, z, back, N);
    anc_features_denormalize(mean, std, z, tmp, N);
    anc_db_to_mag(tmp, db2, N);
    check_close_f("features_to_mag vs two steps", back, db2, N, 0.0, 1e-7);
    check_close_f("mag -> features -> mag", back, mag, N, 0.0, 5e-6);

    /* below the floor, the level is lost on purpose: everything maps to 1e-5 */
    float tiny[4] = {1e-6f, 1e-9f, 0.0f, 1e-30f}, out[4], zz[4], one[4] = {1, 1, 1, 1},
          zero[4] = {0, 0, 0, 0}, floor_mag[4] = {1e-5f, 1e-5f, 1e-5f, 1e-5f};
    anc_features_from_mag(zero, one, tiny, zz, 4);
    anc_features_to_mag(zero, one, zz, out, 4);
    check_close_f("below-floor magnitudes return as 1e-5", out, floor_mag, 4, 0.0, 2e-6);

    free(mag), free(db), free(back), free(z), free(mean), free(std), free(db2), free(tmp);
    free(got), free(want);
}

/* Two-pass population statistics in double, clamped like featstats. */
static void two_pass(const float *x, size_t frames, int nb, float min_std, double *mean,
                     double *std)
{
    for (int k = 0; k < nb; k++) {
        double s = 0.0, ss = 0.0;
        for (size_t t = 0; t < frames; t++)
            s += x[t * (size_t)nb + (size_t)k];
        double m = s / (double)frames;
        for (size_t t = 0; t < frames; t++) {
            double d = x[t * (size_t)nb + (size_t)k] - m;
            ss += d * d;
        }
        mean[k] = m;
        std[k] = fmax(sqrt(ss / (double)frames), (double)min_std);
    }
}

static void run_stats(const char *what, const float *x, size_t frames, int nb, float min_std)
{
    anc_featstats *fs = NULL;
    anc_error err;
    anc_error_clear(&err);
    if (anc_featstats_create(&fs, nb, &err) != ANC_OK || !fs) {
        check_true(0, "featstats_create(%d): %s", nb, err.message);
        return;
    }
    for (size_t t = 0; t < frames; t++)
        anc_featstats_add(fs, x + t * (size_t)nb);
    check_true(anc_featstats_count(fs) == frames, "%s: count %zu, want %zu", what,
               anc_featstats_count(fs), frames);
    float *mean = xmalloc(sizeof(float) * (size_t)nb), *std = xmalloc(sizeof(float) * (size_t)nb);
    double *gm = xmalloc(sizeof(double) * (size_t)nb), *gs = xmalloc(sizeof(double) * (size_t)nb);
    double *rm = xmalloc(sizeof(double) * (size_t)nb), *rs = xmalloc(sizeof(double) * (size_t)nb);
    anc_featstats_finish(fs, mean, std, min_std);
    two_pass(x, frames, nb, min_std, rm, rs);
    for (int k = 0; k < nb; k++) {
        gm[k] = mean[k];
        gs[k] = std[k];
    }
    char name[96];
    /* results are floats: allow their rounding, nothing more */
    snprintf(name, sizeof name, "%s mean vs two-pass", what);
    check_close_d(name, gm, rm, (size_t)nb, 1e-6, 2e-7);
    snprintf(name, sizeof name, "%s std vs two-pass", what);
    check_close_d(name, gs, rs, (size_t)nb, 1e-6, 2e-7);
    free(mean), free(std), free(gm), free(gs), free(rm), free(rs);
    anc_featstats_free(fs);
}

static void test_featstats(void)
{
    anc_rng r;
    anc_rng_seed(&r, 7);

    /* a training-set-like case: 513 bins, levels around -60 dB with per-bin
     * spreads; bin 0 constant and bin 1 nearly constant (both clamp to min_std) */
    const int nb = 513;
    const size_t frames = 5000;
    float *x = xmalloc(sizeof(float) * frames * (size_t)nb);
    for (size_t t = 0; t < frames; t++)
        for (int k = 0; k < nb; k++) {
            double spread = 0.5 + 20.0 * (double)k / nb;
            double level = -60.0 + 30.0 * sin(0.01 * k) + spread * anc_rng_normal(&r);
            x[t * (size_t)nb + (size_t)k] = (float)fmax(level, -100.0);
        }
    for (size_t t = 0; t < frames; t++) {
        x[t * (size_t)nb + 0] = -100.0f;
        x[t * (size_t)nb + 1] = (float)(-40.0 + 0.1 * anc_rng_normal(&r));
    }
    run_stats("5000 frames", x, frames, nb, ANC_FEATURE_MIN_STD_DB);

    /* a large common offset with a small spread: naive sum-of-squares loses it */
    for (size_t i = 0; i < frames * (size_t)nb; i++)
        x[i] = (float)(1e4 + 3.0 * anc_rng_normal(&r));
    run_stats("offset 1e4", x, frames, nb, 0.1f);

    /* few frames: population (n) and sample (n - 1) deviations differ by 8% */
    for (size_t i = 0; i < 7 * (size_t)nb; i++)
        x[i] = (float)(-30.0 + 10.0 * anc_rng_normal(&r));
    run_stats("7 frames", x, 7, nb, 0.0f);
    run_stats("1 frame", x, 1, nb, ANC_FEATURE_MIN_STD_DB);
    free(x);

    /* no frames: mean = floor, std = min_std */
    anc_featstats *fs = NULL;
    float mean[3], std[3];
    double gm[3], gs[3], wm[3] = {-100, -100, -100}, ws[3] = {2.5, 2.5, 2.5};
    if (anc_featstats_create(&fs, 3, NULL) == ANC_OK) {
        anc_featstats_finish(fs, mean, std, 2.5f);
        for (int k = 0; k < 3; k++)
            gm[k] = mean[k], gs[k] = std[k];
        check_close_d("empty featstats mean", gm, wm, 3, 0.0, 0.0);
        check_close_d("empty featstats std", gs, ws, 3, 0.0, 0.0);
        check_true(anc_featstats_count(fs) == 0, "empty count");
    } else {
        check_true(0, "featstats_create(3) failed");
    }
    anc_featstats_free(fs);
    anc_featstats_free(NULL);

    anc_error err;
    anc_error_clear(&err);
    fs = (anc_featstats *)&fs;
    anc_status s = anc_featstats_create(&fs, 0, &err);
    check_true(s == ANC_E_INVALID && fs == NULL && err.message[0], "featstats_create(0): %d '%s'",
               (int)s, err.message);
    printf("ok rejected 0 bins: %s\n", err.message);
    check_true(anc_featstats_create(NULL, 4, NULL) == ANC_E_INVALID, "featstats_create(NULL)");
}

/* The statistics tolerance must be able to fail: a sample deviation (n - 1)
 * instead of the population one, on 7 frames, must fall outside it. */
static void test_check_can_fail(void)
{
    anc_rng r;
    anc_rng_seed(&r, 3);
    enum { F = 7, B = 16 };
    float x[F * B];
    double m[B], s[B], wrong[B];
    for (int i = 0; i < F * B; i++)
        x[i] = (float)(-30.0 + 10.0 * anc_rng_normal(&r));
    two_pass(x, F, B, 0.0f, m, s);
    int caught = 0;
    for (int k = 0; k < B; k++) {
        wrong[k] = s[k] * sqrt((double)F / (F - 1)); /* sample instead of population */
        double d = fabs(wrong[k] - s[k]);
        caught += d > 1e-6 + 2e-7 * fabs(s[k]);
    }
    check_true(caught == B, "sample-vs-population std caught in %d of %d bins", caught, B);
    printf("%s sabotage 'sample std (n-1)' caught in %d of %d bins\n", caught == B ? "ok" : "FAIL",
           caught, B);
}

static void test_frame_level(void)
{
    const int N = 2048, nb = N / 2 + 1;
    anc_stft *st;
    anc_error err;
    if (!check_true(anc_stft_create(&st, N, N / 4, &err) == ANC_OK, "stft: %s", err.message))
        return;
    float *x = xmalloc(sizeof(float) * N), *mag = xmalloc(sizeof(float) * nb);
    float *db = xmalloc(sizeof(float) * nb), *back = xmalloc(sizeof(float) * nb);
    /* Sines off and on bin centres, at several amplitudes: 20 log10 A. */
    const double amp[] = {1.0, 0.25, 0.01}, cyc[] = {37.0, 100.3, 411.77};
    double worst = 0.0;
    for (int a = 0; a < 3; a++)
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < N; i++)
                x[i] = (float)(amp[a] * sin(2.0 * M_PI * cyc[c] * i / N + 0.3));
            anc_stft_magnitude(st, x, mag);
            anc_mag_to_db(mag, db, nb);
            const double want = 20.0 * log10(amp[a]);
            double e1 = fabs(anc_frame_level_mag(mag, nb) - want);
            double e2 = fabs(anc_frame_level_db(db, nb) - want);
            worst = fmax(worst, fmax(e1, e2));
        }
    check_true(worst < 0.05, "sine levels off by up to %.3f dB", worst);
    /* White noise of RMS r reads 20 log10 r + 3.01 dB. */
    anc_rng rng;
    anc_rng_seed(&rng, 3);
    anc_rng_normal_fill(&rng, x, (size_t)N);
    for (int i = 0; i < N; i++)
        x[i] *= 0.1f;
    anc_stft_magnitude(st, x, mag);
    const double noise = anc_frame_level_mag(mag, nb), want_noise = -20.0 + 10.0 * log10(2.0);
    check_true(fabs(noise - want_noise) < 0.5, "noise of RMS 0.1 reads %.2f dB, want %.2f",
               noise, want_noise);
    /* Shift to 0 dB, then back: the same frame above the floor. */
    anc_mag_to_db(mag, db, nb);
    const float level = anc_frame_level_db(db, nb);
    memcpy(back, db, sizeof(float) * nb);
    anc_frame_level_shift(back, nb, -level, ANC_FEATURE_FLOOR_DB);
    const float zero = anc_frame_level_db(back, nb);
    anc_frame_level_shift(back, nb, level, ANC_FEATURE_FLOOR_DB);
    double diff = 0.0;
    for (int k = 0; k < nb; k++)
        diff = fmax(diff, fabs(back[k] - db[k]));
    check_true(fabs(zero) < 1e-3 && diff < 1e-4, "normalised level %.5f dB, round trip off by "
               "%.6f dB", zero, diff);
    /* A silent frame reads the floor's level and stays at the floor. */
    memset(mag, 0, sizeof(float) * nb);
    const float silent = anc_frame_level_mag(mag, nb);
    check_true(silent < -60.0f && isfinite(silent), "silence reads %.1f dB", silent);
    printf("ok frame level: sines within %.3f dB, noise %.2f dB (want %.2f), silence %.1f dB\n",
           worst, noise, want_noise, silent);
    free(x); free(mag); free(db); free(back);
    anc_stft_free(st);
}

int main(void)
{
    test_known_levels();
    test_frame_level();
    test_round_trips();
    test_featstats();
    test_check_can_fail();
    return check_exit();
}

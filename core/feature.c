/* feature.c — magnitudes to floored dB levels to per-bin standardised features
 * and back (see feature.h), and Welford statistics for fitting the
 * standardisation. Level conversions run in double so that the round trip
 * mag -> dB -> mag is exact to float rounding; it costs one log or exp per bin. */
#include "feature.h"

#include <math.h>
#include <stdlib.h>

#include "fastmath.h"

/* 10^(ANC_FEATURE_FLOOR_DB / 20) = 1e-5, the smallest magnitude that keeps its level. */
#define FLOOR_MAG 1e-5
/* dB -> natural log of magnitude: ln(10) / 20. */
#define DB_TO_LN 0.11512925464970228420

/* fmax() returns the other argument for NaN, so a NaN magnitude reads as the floor. */
static float mag_db(float mag) { return (float)(20.0 * log10(fmax((double)mag, FLOOR_MAG))); }
static float db_mag(float db) { return (float)exp((double)db * DB_TO_LN); }

void anc_mag_to_db(const float *mag, float *db, int n)
{
    for (int k = 0; k < n; k++)
        db[k] = mag_db(mag[k]);
}

void anc_mag_to_db_fast(const float *mag, float *db, int n)
{
    const float floor_mag = (float)FLOOR_MAG, top = 3.0e38f, ln_to_db = 8.68588963806503655f;
    for (int k = 0; k < n; k++) {
        float m = mag[k] > floor_mag ? mag[k] : floor_mag; /* NaN fails mag > floor */
        m = m < top ? m : top;
        db[k] = ln_to_db * anc_logf_fast(m);
    }
}

void anc_db_to_mag(const float *db, float *mag, int n)
{
    for (int k = 0; k < n; k++)
        mag[k] = db_mag(db[k]);
}

float anc_frame_level_mag(const float *mag, int n)
{
    double p = 0.0;
    for (int k = 0; k < n; k++) {
        const double m = fmax((double)mag[k], FLOOR_MAG); /* NaN reads as the floor */
        p += m * m;
    }
    return (float)(10.0 * log10(p / ANC_FRAME_SINE_POWER));
}

float anc_frame_level_db(const float *db, int n)
{
    double p = 0.0;
    for (int k = 0; k < n; k++)
        p += exp((double)db[k] * (2.0 * DB_TO_LN));
    p = fmax(p, (double)n * FLOOR_MAG * FLOOR_MAG); /* NaN and -inf levels read as the floor */
    return (float)(10.0 * log10(p / ANC_FRAME_SINE_POWER));
}

void anc_frame_level_shift(float *db, int n, float shift_db, float floor_db)
{
    for (int k = 0; k < n; k++)
        db[k] = fmaxf(db[k] + shift_db, floor_db);
}

void anc_features_normalize(const float *mean, const float *std, const float *db, float *z, int n)
{
    for (int k = 0; k < n; k++)
        z[k] = (db[k] - mean[k]) / std[k];
}

void anc_features_denormalize(const float *mean, const float *std, const float *z, float *db, int n)
{
    for (int k = 0; k < n; k++)
        db[k] = z[k] * std[k] + mean[k];
}

void anc_features_from_mag(const float *mean, const float *std, const float *mag, float *z, int n)
{
    for (int k = 0; k < n; k++)
        z[k] = (mag_db(mag[k]) - mean[k]) / std[k];
}

void anc_features_to_mag(const float *mean, const float *std, const float *z, float *mag, int n)
{
    for (int k = 0; k < n; k++)
        mag[k] = db_mag(z[k] * std[k] + mean[k]);
}

void anc_features_to_mag_fast(const float *mean, const float *std, const float *z, float *mag,
                              int n, float ceiling_db)
{
    for (int k = 0; k < n; k++) {
        const float db = z[k] * std[k] + mean[k];
        const float v = db < ceiling_db ? db : ceiling_db; /* NaN fails db < ceiling */
        mag[k] = anc_expf_fast(v * (float)DB_TO_LN);
    }
}

struct anc_featstats {
    int n_bins;
    size_t count;
    double *mean; /* [n_bins] running mean */
    double *m2;   /* [n_bins] running sum of squared deviations from the mean */
};

anc_status anc_featstats_create(anc_featstats **out, int n_bins, anc_error *err)
{
    if (!out)
        return anc_error_set(err, ANC_E_INVALID, "anc_featstats_create: no output pointer");
    *out = NULL;
    if (n_bins < 1)
        return anc_error_set(err, ANC_E_INVALID, "feature statistics need at least 1 bin, got %d",
                             n_bins);
    anc_featstats *fs = calloc(1, sizeof *fs);
    if (!fs)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for feature statistics");
    fs->n_bins = n_bins;
    fs->mean = calloc((size_t)n_bins, sizeof *fs->mean);
    fs->m2 = calloc((size_t)n_bins, sizeof *fs->m2);
    if (!fs->mean || !fs->m2) {
        anc_featstats_free(fs);
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for statistics of %d bins", n_bins);
    }
    *out = fs;
    return ANC_OK;
}

void anc_featstats_free(anc_featstats *fs)
{
    if (!fs)
        return;
    free(fs->mean);
    free(fs->m2);
    free(fs);
}

void anc_featstats_add(anc_featstats *fs, const float *db_frame)
{
    fs->count++;
    const double inv = 1.0 / (double)fs->count;
    for (int k = 0; k < fs->n_bins; k++) {
        double x = db_frame[k];
        double d = x - fs->mean[k];
        fs->mean[k] += d * inv;
        fs->m2[k] += d * (x - fs->mean[k]);
    }
}

size_t anc_featstats_count(const anc_featstats *fs) { return fs->count; }

void anc_featstats_finish(const anc_featstats *fs, float *mean, float *std, float min_std)
{
    for (int k = 0; k < fs->n_bins; k++) {
        if (fs->count == 0) {
            mean[k] = ANC_FEATURE_FLOOR_DB;
            std[k] = min_std;
            continue;
        }
        double s = sqrt(fs->m2[k] / (double)fs->count);
        mean[k] = (float)fs->mean[k];
        std[k] = s > (double)min_std ? (float)s : min_std;
    }
}

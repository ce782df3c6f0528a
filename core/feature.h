/* feature.h — the spectral features the VAE sees, and their exact inverse.
 *
 * magnitude (full-scale sine = 1.0, see stft.h)
 *   -> level in dB: 20 log10(max(mag, 10^(floor_db/20))), floor_db = -100 dB
 *   -> per-bin standardisation: (dB - mean[k]) / std[k]
 * and back. The same code serves the trainer, the evaluator and the real-time
 * engine, so a feature is computed one way only. All per-frame functions are
 * real-time safe (no allocation). */
#ifndef ANC_FEATURE_H
#define ANC_FEATURE_H

#include <stddef.h>

#include "status.h"

#define ANC_FEATURE_FLOOR_DB (-100.0f)
/* Per-bin deviations are clamped below to this (dB) so bins that never move do
 * not turn rounding noise into large features. */
#define ANC_FEATURE_MIN_STD_DB 1.0f

/* dB[k] = 20 log10(max(mag[k], 1e-5)); NaN or negative magnitudes read as the floor. */
void anc_mag_to_db(const float *mag, float *db, int n);
/* The real-time engines' anc_mag_to_db(): log by anc_logf_fast() (fastmath.h),
 * within 2e-5 dB of it at any level, and vectorisable; an infinite magnitude
 * reads as 3e38 (+770 dB). Not for the trainer, whose features must stay
 * exactly as they are. */
void anc_mag_to_db_fast(const float *mag, float *db, int n);
/* mag[k] = 10^(dB[k]/20): the exact inverse for levels at or above the floor. */
void anc_db_to_mag(const float *db, float *mag, int n);
/* z[k] = (dB[k] - mean[k]) / std[k]; std[k] > 0 (featstats guarantees it). */
void anc_features_normalize(const float *mean, const float *std, const float *db, float *z, int n);
/* dB[k] = z[k] * std[k] + mean[k]. */
void anc_features_denormalize(const float *mean, const float *std, const float *z, float *db, int n);
/* Magnitudes -> normalised features, and back (the two steps above combined). */
void anc_features_from_mag(const float *mean, const float *std, const float *mag, float *z, int n);
void anc_features_to_mag(const float *mean, const float *std, const float *z, float *mag, int n);
/* The audio path's anc_features_to_mag(): levels above ceiling_db, and NaN,
 * read as ceiling_db; 10^(dB/20) by anc_expf_fast() (fastmath.h), within
 * 1e-6 relative of the exact inverse, and vectorisable. */
void anc_features_to_mag_fast(const float *mean, const float *std, const float *z, float *mag,
                              int n, float ceiling_db);

/* Frame level (DESIGN.md, "Pitch, MIDI and timbre transfer": the knobs hold
 * timbre, not loudness). The level of a frame is its power relative to a
 * full-scale sine's, in dB: 10 log10(sum_k mag[k]^2 / ANC_FRAME_SINE_POWER),
 * where ANC_FRAME_SINE_POWER is the sum of squared magnitudes a full-scale sine
 * gives under the Hann window with stft.h's scaling (1 at its bin, 1/2 at both
 * neighbours: the window's equivalent noise bandwidth, 1.5 bins). A sine of
 * amplitude A reads 20 log10 A; any signal reads its RMS in dBFS + 3.01 dB. A
 * level-normalised model (model.h, level_mode) learns frames shifted to level 0
 * dB: their spectral shape; the player sets the level. */
#define ANC_FRAME_SINE_POWER 1.5
/* The level of magnitudes mag[n], dB; an all-zero frame reads the floor's level. */
float anc_frame_level_mag(const float *mag, int n);
/* The level of the frame whose levels are db[n] (dB per bin). */
float anc_frame_level_db(const float *db, int n);
/* db[k] = max(db[k] + shift_db, floor_db): the frame moved by shift_db, no bin
 * below the floor. Normalising is a shift by -level, restoring by +level. */
void anc_frame_level_shift(float *db, int n, float shift_db, float floor_db);

/* Streaming per-bin statistics of dB frames, accumulated in double precision
 * (Welford), for fitting the normalisation on a training set. */
typedef struct anc_featstats anc_featstats;
anc_status anc_featstats_create(anc_featstats **out, int n_bins, anc_error *err);
void anc_featstats_free(anc_featstats *fs); /* accepts NULL */
void anc_featstats_add(anc_featstats *fs, const float *db_frame);
size_t anc_featstats_count(const anc_featstats *fs);
/* mean and std (n_bins each); std is the population deviation (divided by the
 * frame count), clamped below at min_std. With no frames, mean = floor and
 * std = min_std. */
void anc_featstats_finish(const anc_featstats *fs, float *mean, float *std, float min_std);

#endif

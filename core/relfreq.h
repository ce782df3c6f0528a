/* relfreq.h — pitch-relative log-frequency frames, the representation of a
 * pitch-relative model (DESIGN.md, "Pitch, MIDI and timbre transfer").
 *
 * A frame of STFT magnitudes on linear bins, whose fundamental is f0, maps to K
 * points on a log-frequency axis that starts `octaves_below` octaves under f0:
 *   point i  <->  frequency f0 * 2^(i / ppo - octaves_below),  i = 0 .. K-1,
 * with ppo points per octave. Harmonic h of every note then sits at the same
 * point, ppo * (octaves_below + log2 h), so the network never has to learn where
 * harmonics lie: the frame holds timbre, f0 holds pitch. K is fixed by the
 * lowest f0 the model covers (f0_min): its axis reaches the Nyquist frequency;
 * for higher f0 the points above Nyquist read 0. Unvoiced frames (noise,
 * breath) map at a fixed reference f0 instead of their own.
 *
 * Frames are levels in dB (feature.h's anc_mag_to_db), as the features are.
 * Linear -> relative: where a point is narrower than a bin (low frequencies),
 * its level is a Catmull-Rom cubic through the four nearest bins' levels: a
 * partial's peak then lands between bins where it really is (linear
 * interpolation would pin every peak to a bin centre, up to half a bin off: 3
 * semitones at C2 with a 2048-point FFT at 48 kHz). Where a point spans bins
 * (high frequencies), its level is the mean power of the bins inside its band
 * (edges half a point either side), so no partial's energy is lost between
 * points. Relative -> linear: each bin reads the axis at its own position,
 * interpolated linearly in dB between points; bins under the axis start read
 * point 0, bins past its end read the floor.
 *
 * Threading: create and free allocate; the per-frame maps are real-time safe
 * (no allocation: tables of logarithms and powers are made at create). */
#ifndef ANC_RELFREQ_H
#define ANC_RELFREQ_H

#include "status.h"

typedef struct anc_relfreq_config {
    double rate;          /* sample rate of the frames, Hz */
    int n_fft;            /* their FFT size; bins = n_fft / 2 + 1 */
    int points_per_octave;/* ppo, 12 .. 384 */
    double octaves_below; /* where the axis starts, in octaves under f0, 0 .. 4 */
    double f0_min;        /* lowest f0 whose axis must reach Nyquist, Hz */
    double f0_ref;        /* the f0 unvoiced frames map at, Hz */
} anc_relfreq_config;

/* 96 points per octave from one octave under f0 (the prototype's measured
 * choice), f0_min 30 Hz, f0_ref 100 Hz. */
void anc_relfreq_config_default(anc_relfreq_config *c, double rate, int n_fft);

/* ANC_E_INVALID with the reason unless c is usable. */
anc_status anc_relfreq_config_check(const anc_relfreq_config *c, anc_error *err);
/* K for a checked configuration: ceil(ppo (log2(rate / 2 / f0_min) + below)) + 1. */
int anc_relfreq_size(const anc_relfreq_config *c);

typedef struct anc_relfreq anc_relfreq;

anc_status anc_relfreq_create(anc_relfreq **out, const anc_relfreq_config *c, anc_error *err);
void anc_relfreq_free(anc_relfreq *m); /* accepts NULL */

/* K, the points of a relative frame. */
int anc_relfreq_points(const anc_relfreq *m);
const anc_relfreq_config *anc_relfreq_get_config(const anc_relfreq *m);

/* The f0 a frame maps at: f0 itself when voiced, finite and inside
 * [f0_min / 4, rate / 2]; else f0_ref. */
float anc_relfreq_anchor(const anc_relfreq *m, float f0, int voiced);

/* Levels db[n_fft / 2 + 1] on linear bins at anchor f0 -> rel[K]; points above
 * Nyquist read floor_db. Real-time safe. Both maps read a non-finite or
 * non-positive f0 as f0_ref. */
void anc_relfreq_from_linear(const anc_relfreq *m, const float *db, float f0, float floor_db,
                             float *rel);
/* The real-time engines' anc_relfreq_from_linear(): band powers by
 * anc_expf_fast() and anc_logf_fast() (fastmath.h) instead of libm, within
 * 1e-3 dB of it for levels from the floor (-100 dB) to +100 dB; power is
 * scratch [n_fft / 2 + 1]. Not for the trainer, whose frames must stay exactly
 * as they are. Real-time safe. */
void anc_relfreq_from_linear_fast(const anc_relfreq *m, const float *db, float f0, float floor_db,
                                  float *rel, float *power);
/* rel[K] at anchor f0 -> levels db[n_fft / 2 + 1]; bins past the axis end read
 * floor_db. Real-time safe. */
void anc_relfreq_to_linear(const anc_relfreq *m, const float *rel, float f0, float floor_db,
                           float *db);

#endif

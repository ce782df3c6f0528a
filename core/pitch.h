/* pitch.h — fundamental frequency (f0) and periodicity, frame by frame: a
 * YIN-family estimator (de Cheveigné and Kawahara, "YIN, a fundamental frequency
 * estimator for speech and music", JASA 2002) whose difference function is
 * computed through FFTW, in two forms:
 *  - causal, one analysis window at a time, allocation-free: for the real-time
 *    engines (the transfer effect follows a live input's pitch);
 *  - offline, a whole signal at once: every frame keeps its candidate periods,
 *    and a Viterbi path through them (cost of aperiodicity plus cost of pitch
 *    jumps and of voicing changes) removes octave and fifth jumps and isolated
 *    voicing flips; for the trainer, which may look ahead.
 *
 * Why our own and not aubio: aubio is GPL-3 and this project is ISC; YIN is a
 * page of arithmetic on an autocorrelation, which FFTW already computes well.
 * Tests hold it to aubiopitch (an independent implementation) and to the known
 * pitch of rendered instrument notes.
 *
 * Per window of W samples, with T = the longest period searched (rate / fmin)
 * and W = 2T:
 *   d(tau)  = sum_{j<T} (x_j - x_{j+tau})^2             (difference function)
 *   d'(tau) = d(tau) tau / sum_{k=1..tau} d(k), d'(0) = 1 (cumulative mean
 *                                                          normalised difference)
 * The period is the first dip of d' under the threshold (else its global
 * minimum), refined by parabolic interpolation; aperiodicity = d' there and
 * periodicity = 1 - aperiodicity. A window quieter than the silence gate is
 * unvoiced with periodicity 0.
 *
 * Threading: create and free plan FFTs under the library's planner lock (not
 * in a real-time thread); anc_pitch_causal() and anc_pitch_reset() are real-time
 * safe; one object serves one thread. anc_pitch_track() allocates. */
#ifndef ANC_PITCH_H
#define ANC_PITCH_H

#include <stddef.h>

#include "status.h"

typedef struct anc_pitch_config {
    double rate;      /* sample rate, Hz (8000 .. 384000) */
    double fmin;      /* lowest f0 searched, Hz; sets the window W = 2 rate / fmin */
    double fmax;      /* highest f0 searched, Hz (at most rate / 4) */
    float threshold;  /* d' threshold of YIN's first-dip rule */
    float voicing;    /* a frame is voiced when its aperiodicity is below this */
    float gate_db;    /* a window whose RMS is below this (dB re full-scale 1.0) is silent */
} anc_pitch_config;

/* Defaults: fmin 50 Hz, fmax 2000 Hz (or rate / 4), threshold 0.1, voicing 0.3,
 * gate -60 dB. */
void anc_pitch_config_default(anc_pitch_config *c, double rate);

typedef struct anc_pitch_frame {
    float f0;          /* Hz; 0 when unvoiced */
    float periodicity; /* 1 - aperiodicity in [0, 1]; 0 for silence */
    int voiced;
} anc_pitch_frame;

typedef struct anc_pitch anc_pitch;

/* Checks c and builds an estimator (FFTW plans, buffers). Free with
 * anc_pitch_free(). */
anc_status anc_pitch_create(anc_pitch **out, const anc_pitch_config *c, anc_error *err);
void anc_pitch_free(anc_pitch *p); /* accepts NULL */

/* Samples per analysis window (W). */
int anc_pitch_window(const anc_pitch *p);

/* Forgets the previous frame (the causal form's continuity). Real-time safe. */
void anc_pitch_reset(anc_pitch *p);

/* Causal estimate from the newest window: x holds W samples, oldest first.
 * Prefers, among near-equal dips, the period nearest the previous voiced
 * frame's, and keeps voicing with hysteresis. Real-time safe. */
void anc_pitch_causal(anc_pitch *p, const float *x, anc_pitch_frame *out);

/* Offline track of a whole signal x[n]: frame t is the window centred on sample
 * first_centre + t * hop (samples outside the signal read as 0), for t in
 * [0, n_frames). Writes out[n_frames]. ANC_E_NOMEM or ANC_E_INVALID with a
 * message on failure. Not real-time: allocates. Does not change the causal
 * form's state. */
anc_status anc_pitch_track(anc_pitch *p, const float *x, size_t n, long first_centre, int hop,
                           anc_pitch_frame *out, size_t n_frames, anc_error *err);

#endif

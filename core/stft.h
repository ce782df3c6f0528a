/* stft.h — short-time Fourier transform analysis and weighted overlap-add
 * synthesis with FFTW (single precision) and a periodic Hann window.
 *
 * Conventions (shared by the trainer, the evaluator and the real-time engine):
 *  - n_fft: any even size from 256 to 16384; hop: 1 .. n_fft/2. n_bins = n_fft/2 + 1.
 *  - Spectra are scaled so that a full-scale sine centred on a bin reads
 *    magnitude 1.0 in that bin: X[k] = (2 / sum(w)) * FFT(w * x)[k].
 *  - Synthesis multiplies the inverse FFT by the window again and divides by the
 *    window-square sum S[j] = sum over m = j (mod hop) of w[m]^2, so overlap-adding
 *    the frames at hop spacing gives back the signal exactly (any hop in range).
 *  - Whole-signal framing: the signal is padded with n_fft - hop zeros in front;
 *    frame t covers padded samples [t*hop, t*hop + n_fft). Every input sample is
 *    therefore covered by the full set of overlapping frames.
 *
 * Threading: anc_stft_create() and anc_stft_free() plan and destroy FFTW plans
 * under a process-wide lock (FFTW's planner is not thread-safe); call them outside
 * any real-time thread. The per-frame functions use the object's own buffers: they
 * are real-time safe (no allocation, no lock) but one object serves one thread. */
#ifndef ANC_STFT_H
#define ANC_STFT_H

#include <stddef.h>

#include "status.h"

/* FFTW's planner is not thread-safe: every module of the library that makes or
 * destroys an FFTW plan holds this process-wide lock around the call. */
void anc_fftw_planner_lock(void);
void anc_fftw_planner_unlock(void);

#define ANC_STFT_MIN_FFT 256
#define ANC_STFT_MAX_FFT 16384 /* the engine scales a model FFT of up to 8192 to 192 kHz hosts */

typedef enum anc_window { ANC_WINDOW_HANN = 0 } anc_window;

typedef struct anc_stft anc_stft;

/* Creates an STFT for n_fft and hop (ranges above); *out is freed with anc_stft_free(). */
anc_status anc_stft_create(anc_stft **out, int n_fft, int hop, anc_error *err);
void anc_stft_free(anc_stft *st); /* accepts NULL */

int anc_stft_n_fft(const anc_stft *st);
int anc_stft_hop(const anc_stft *st);
int anc_stft_n_bins(const anc_stft *st);
const float *anc_stft_window(const anc_stft *st); /* n_fft values */

/* One frame of n_fft unwindowed samples -> n_bins complex values (re, im), scaled
 * as above; re or im may be NULL. Real-time safe. */
void anc_stft_forward(anc_stft *st, const float *frame, float *re, float *im);
/* One frame -> n_bins magnitudes. Real-time safe. */
void anc_stft_magnitude(anc_stft *st, const float *frame, float *mag);
/* n_bins complex values -> n_fft samples, windowed and normalised for overlap-add
 * at hop spacing (the exact inverse of anc_stft_forward under overlap-add of
 * frames hop apart, from any origin). The imaginary parts of bins 0 and
 * n_bins-1 are ignored. Real-time safe. */
void anc_stft_inverse(anc_stft *st, const float *re, const float *im, float *frame);

/* Number of frames whole-signal analysis produces for n samples:
 * ceil((n + n_fft - hop) / hop), and 0 for n = 0. */
size_t anc_stft_num_frames(const anc_stft *st, size_t n);
/* Whole-signal analysis: re and im (may be NULL), or magnitudes, are
 * [num_frames][n_bins]. Not real-time (it loops over a signal) but allocation-free. */
void anc_stft_analyze(anc_stft *st, const float *x, size_t n, float *re, float *im);
void anc_stft_analyze_magnitude(anc_stft *st, const float *x, size_t n, float *mag);
/* Whole-signal synthesis of n samples from n_frames frames laid out as above;
 * y receives exactly the n samples that analysis read (padding removed).
 * ANC_E_INVALID unless n_frames == anc_stft_num_frames(st, n). Allocation-free. */
anc_status anc_stft_synthesize(anc_stft *st, const float *re, const float *im,
                               size_t n_frames, float *y, size_t n, anc_error *err);

#endif

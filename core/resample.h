/* resample.h — a real-time, fixed-ratio, band-limited sample-rate converter for
 * a stream of mono samples (polyphase Kaiser-windowed sinc, linear interpolation
 * between 256 phases).
 *
 * The engine uses it for the last fraction of a percent: it synthesises at a
 * "virtual" rate whose STFT bins fall exactly on the model's bins, and converts
 * that to the host rate (a ratio within a few percent of 1). It is general
 * enough for any ratio from 1/4 to 4.
 *
 * Band: the converter passes 0 .. pass_hz (ripple well under 0.01 dB) and
 * suppresses by at least 80 dB everything that would alias or image into the
 * pass band. The filter is as long as that takes, up to ANC_RESAMPLE_MAX_TAPS.
 *
 * Use: hand runs of input and room for output to anc_resampler_process().
 * Output sample n stands for input time n * in_rate / out_rate -
 * anc_resampler_delay_in(). The output depends only on the input stream, never
 * on how the caller splits it into calls.
 *
 * Threading: create/free allocate; the rest is real-time safe (no allocation,
 * lock or I/O) and one object serves one thread. */
#ifndef ANC_RESAMPLE_H
#define ANC_RESAMPLE_H

#include "status.h"

#define ANC_RESAMPLE_MAX_TAPS 96

typedef struct anc_resampler anc_resampler;

/* pass_hz must be below half of the lower rate. */
anc_status anc_resampler_create(anc_resampler **out, double in_rate, double out_rate,
                                double pass_hz, anc_error *err);
void anc_resampler_free(anc_resampler *r); /* accepts NULL */
void anc_resampler_reset(anc_resampler *r); /* silence in the history, time 0 */

int anc_resampler_taps(const anc_resampler *r);
/* Group delay in input samples (taps / 2). */
double anc_resampler_delay_in(const anc_resampler *r);

/* Reads input from in[0 .. n_in) as needed and writes up to n_out outputs;
 * returns the outputs written and sets *n_used to the inputs read. It reads only
 * what those outputs need, and stops early only when the input runs out. */
int anc_resampler_process(anc_resampler *r, const float *in, int n_in, int *n_used, float *out,
                          int n_out);

#endif

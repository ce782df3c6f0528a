/* transfer.h — the timbre transfer engine: re-voices a live input in a model's
 * timbre (DESIGN.md, "Pitch, MIDI and timbre transfer"); the heart of the
 * transfer plugin (urn:ancestral:transfer) and of ancestral-render --input.
 *
 * Hop by hop, on the model's STFT frame: the magnitudes of the newest input
 * frame; its f0 and periodicity (pitch.h, causal, on a window centred on the
 * frame when the window fits inside it, else the newest one). Once per model
 * hop (the engine's hop is shorter), and at once for the first frame after
 * silence or when the voicing changes: the frame mapped onto the model's
 * representation exactly as the trainer made its frames (level-normalised,
 * relative at its f0, standardised); the encoder's mean mu(x) (no sampling);
 * the knobs added as offsets, in prior standard deviations; the decoder's
 * mean. Every hop again: the newest decoded frame mapped back to linear bins
 * at the input's f0 shifted by `transpose` semitones and set to the input
 * frame's level (loudness follows the input whatever the model); phase
 * (harmonic phase for the partials' main lobes in voiced frames of a relative
 * model, random phase for the floor between them, RTPGHI for voiced frames of
 * an absolute one, random phase for unvoiced frames, so breath and noise stay
 * noise); inverse FFT and overlap-add. A frame quieter than
 * ANC_TRANSFER_GATE_DB comes out as exact silence: the model adds no hiss.
 *
 * Rates: as the synth engine (engine.h), the STFT runs at a synthesis rate
 * whose bins fall exactly on the model's, within 1 % of the host rate; when the
 * two differ, band-limited converters (resample.h) take the input there and
 * the output back.
 *
 * Latency: an input sample reaches the output anc_transfer_latency() host
 * samples later: the analysis frame (the model's, unchanged) has its centre
 * half a frame in the past when it is complete; the engine runs at a hop of an
 * eighth of the frame (at most the model's hop) and plays only the middle two
 * hops of each synthesised frame, starting at once, so its centre sounds one
 * hop later: n_fft / 2 + n_fft / 8 synthesis samples (1280 = 26.67 ms for an
 * FFT of 2048 at 48 kHz; a whole frame before), plus the converters' delays
 * and a few samples of margin when converting. The dry signal (mix, enabled
 * off) is delayed by the same amount, so the reported latency holds for every
 * setting and never changes while an engine plays.
 *
 * Threading and real time: create and free allocate and plan FFTs (a worker
 * thread). Everything else is hard real time: no allocation, lock or I/O, any
 * block length, the input may alias the output, and the output is always
 * finite and never denormal whatever the input and the parameters. */
#ifndef ANC_TRANSFER_H
#define ANC_TRANSFER_H

#include <stdint.h>

#include "engine.h"
#include "model.h"
#include "snapshot.h"
#include "status.h"

/* Input frames below this level (dB re a full-scale sine, feature.h) are
 * silence: the output frame is zero. -80 dB is 20 dB under the metrics' frame
 * gate and under the floor of 16-bit recordings' noise. */
#define ANC_TRANSFER_GATE_DB (-80.0f)

typedef struct anc_transfer anc_transfer;

/* Builds a transfer engine for model m at host_rate (as anc_engine_create());
 * m may be freed afterwards. seed starts the generator of the random phases.
 * Free with anc_transfer_free(). */
anc_status anc_transfer_create(anc_transfer **out, const anc_model *m, double host_rate,
                               uint64_t seed, anc_error *err);
void anc_transfer_free(anc_transfer *t); /* accepts NULL */

/* Clears all signal state (activate()). RT safe. */
void anc_transfer_reset(anc_transfer *t);
/* The controls that apply: knobs (offsets), transpose, mix, gain_db, enabled;
 * sanitised as the control table says. RT safe. */
void anc_transfer_set_params(anc_transfer *t, const anc_engine_params *p);
/* Reads n input samples and writes n output samples; in may equal out. RT safe. */
void anc_transfer_process(anc_transfer *t, const float *in, float *out, uint32_t n);

/* Host samples from an input to the output it makes (see above). */
uint32_t anc_transfer_latency(const anc_transfer *t);
/* The same for an engine of m at host_rate, without building one. Not real
 * time (allocates briefly). */
anc_status anc_transfer_latency_for(const anc_model *m, double host_rate, uint32_t *latency,
                                    anc_error *err);
int anc_transfer_n_latent(const anc_transfer *t);
double anc_transfer_synthesis_rate(const anc_transfer *t);
int anc_transfer_fft(const anc_transfer *t);
int anc_transfer_hop(const anc_transfer *t);

/* The encoder's mean mu[n_latent] of normalised features x[n_input], through
 * the engine's own allocation-free walk of the model's encoder. RT safe. */
void anc_transfer_encode(anc_transfer *t, const float *x, float *mu);

/* What the engine saw in its most recent frame. */
typedef struct anc_transfer_frame {
    float f0;          /* input f0, Hz; 0 when unvoiced */
    float periodicity; /* the pitch tracker's, 0 .. 1 */
    float level_db;    /* input frame level, dB re a full-scale sine */
    int voiced;
    int silent;        /* below ANC_TRANSFER_GATE_DB: output silence */
} anc_transfer_frame;
const anc_transfer_frame *anc_transfer_last_frame(const anc_transfer *t);
/* What plays, for a display (snapshot.h): the bands of the newest output
 * frame (the re-voiced magnitudes times the current gain, mix and enable; the
 * dry share is not included) and one mark (ANC_SNAPSHOT_INPUT) at the input's
 * f0 while it is voiced. RT safe. */
void anc_transfer_snapshot(const anc_transfer *t, anc_snapshot_frame *f);
/* Output samples the converter found no input for since the last reset (0
 * unless the margin is wrong). */
uint64_t anc_transfer_underruns(const anc_transfer *t);

#endif

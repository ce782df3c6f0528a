/* engine.h — the real-time synthesis engine: the heart of the plugin and of
 * ancestral-render.
 *
 * A polyphonic synth of ancestral samplers. Each sampler, hop by hop, moves its
 * latent vector z towards its target (the knobs, or its own draws from the
 * prior in the drawing modes) with glide, decodes the mean spectrum f(z), draws
 * x ~ N(f(z), (noise * sigma)^2 I) in feature space (ancestral sampling), turns
 * features back into magnitudes, rebuilds phase (RTPGHI by default; harmonic
 * phase from the voice's f0 for voiced frames of a pitch-relative model, see
 * engine.c), and overlap-adds the inverse FFT; the samplers share the decoder's weights and
 * the FFT plan, and the decoder runs once per hop for all of them together.
 *
 * Voices: MIDI (anc_engine_midi) plays up to 8 notes through core/voices.h
 * (velocity, sustain pedal, pitch bend, stealing, mono legato, ADSR), each on a
 * sampler of its own; a ninth sampler is the drone, the sound played without
 * MIDI at the `note` control (drone off: never; on: always; auto: until the
 * first note-on, and again after every reset). The latent knobs set the timbre
 * of every voice. Voices add up, each scaled by its envelope and its velocity
 * (note-on velocity / 127, linear); the drone plays at velocity 1 with the
 * attack and release but no decay.
 *
 * Pitch: a pitch-relative model's decoded frame (dB on the log-frequency axis
 * of relfreq.h) is mapped to the model's linear bins at the voice's f0 (note,
 * bend, portamento), so notes sound at their pitch. An absolute model decodes
 * linear bins directly: notes gate it and shape it with their envelope and
 * velocity, but its pitch is the model's and no note can move it.
 *
 * Timing: MIDI takes effect at the next frame of the hop grid, like a control
 * change: a note starts 0 .. hop - 1 synthesis samples after its event (plus
 * the converter's delay), on average at anc_engine_latency(). Measured
 * (tests/test_synth.c, first sample above 1e-6): 64 .. 526 samples at 48 kHz
 * with hop 512 (mean 281, latency 256); the ~35 samples beyond the hop grid are
 * the synthesis window's and the attack's rise from zero. Callers split their
 * blocks at each event's frame offset and call anc_engine_midi() between the
 * pieces.
 *
 * Sample rates: the engine's STFT has the model's frame and hop durations and its
 * bin spacing exactly: it runs at a synthesis rate within 1 % of the host rate
 * (n_fft scaled by host_rate / model_rate and rounded to a size FFTW is fast at),
 * and a band-limited converter takes the result to the host rate. Time and
 * frequency resolution, and therefore the timbre, are the same at every host rate.
 * Content above the model's Nyquist frequency is silent, and above 90 % of the
 * host's Nyquist frequency it is filtered out.
 *
 * Threading and real time: anc_engine_create() and anc_engine_free() allocate and
 * plan FFTs (call them from a non-real-time thread, e.g. an LV2 worker).
 * Everything else is hard real time: no allocation, lock, I/O or FFTW planning,
 * any block length from 0 up, and the output is always finite, never denormal,
 * whatever the parameter values (NaN, Inf and huge values are sanitised). */
#ifndef ANC_ENGINE_H
#define ANC_ENGINE_H

#include <math.h>
#include <stdint.h>

#include "controls.h"
#include "model.h"
#include "phase.h"
#include "snapshot.h"
#include "status.h"

/* Output guard: a decoded spectrum far outside the training data can be loud;
 * beyond this the output is clamped (12 dB above full scale). */
#define ANC_ENGINE_OUT_LIMIT 4.0f

/* The guard every output sample gets: clamped to +-ANC_ENGINE_OUT_LIMIT, and
 * flushed to 0 below 1e-30 so that no denormal reaches the host. */
static inline float anc_engine_guard(float v)
{
    const float lim = ANC_ENGINE_OUT_LIMIT;
    v = v > lim ? lim : v < -lim ? -lim : v;
    return fabsf(v) < 1e-30f ? 0.0f : v;
}

typedef enum anc_engine_mode {
    ANC_MODE_KNOBS = 0,      /* z follows the knobs */
    ANC_MODE_ANCESTRAL = 1,  /* z follows draws from the prior N(0, temperature^2 I) */
    ANC_MODE_KNOBS_NOISE = 2 /* z follows the knobs plus prior draws scaled by temperature */
} anc_engine_mode;

/* The controls, in the plugins' units. Ranges and defaults are those of the
 * table in controls.h (repeated in brackets here); out-of-range values are
 * clamped and non-finite ones replaced by the default by anc_engine_set_params(). */
typedef struct anc_engine_params {
    float knobs[ANC_KNOBS];        /* z1..z16 in prior standard deviations [-4, 4], 0 */
    int mode;                      /* anc_engine_mode, 0 */
    float temperature;             /* spread of drawn z [0, 3], 1 */
    float rate;                    /* new draws per second in the drawing modes [0.01, 50], 2 */
    float glide;                   /* seconds of smoothing towards the target [0, 10], 0.05 */
    float noise;                   /* observation noise scale (times sigma) [0, 2], 0 */
    float gain_db;                 /* output gain [-60, 12], 0 */
    int enabled;                   /* 0 fades to silence without a click, 1 */
    int phase;                     /* anc_phase_method, RTPGHI */
    float note;                    /* MIDI note of the drone [0, 127], 60 (rounded) */
    int drone;                     /* anc_engine_drone, auto */
    float voices;                  /* voices [1, 8], 8 (rounded); 1 = mono legato */
    float attack, decay;           /* seconds [0, 10], 0.01 and 0.2 */
    float sustain;                 /* level [0, 1], 0.8 */
    float release;                 /* seconds [0, 10], 0.3 */
    float bend_range;              /* semitones of a full bend [0, 48], 2 */
    float transpose;               /* transfer: semitones the input's pitch moves [-24, 24], 0 */
    float mix;                     /* transfer: share of the re-voiced signal [0, 1], 1 */
} anc_engine_params;

typedef enum anc_engine_drone {
    ANC_DRONE_OFF = 0,
    ANC_DRONE_ON = 1,
    ANC_DRONE_AUTO = 2 /* until the first note-on after a reset */
} anc_engine_drone;

void anc_engine_params_default(anc_engine_params *p);

typedef struct anc_engine anc_engine;

/* The seed of the plugin's engines (a session renders the same prior draws and
 * phases every time it is exported), and of ancestral-render's unless asked
 * otherwise, so that both play the same samples. */
#define ANC_ENGINE_SEED UINT64_C(0x414e434553545241)

/* Builds an engine for model m at host_rate (22050 .. 192000 Hz; other rates from
 * 8000 to 384000 work too when the scaled FFT fits). The engine copies what it needs
 * from m, so m may be freed afterwards. seed starts its random generator. Free with
 * anc_engine_free(). */
anc_status anc_engine_create(anc_engine **out, const anc_model *m, double host_rate,
                             uint64_t seed, anc_error *err);
void anc_engine_free(anc_engine *e); /* accepts NULL */

/* Clears all signal state (activate()): z returns to the current target, overlap
 * buffers and phase memory are zeroed, the random generator is reseeded. RT safe. */
void anc_engine_reset(anc_engine *e);
/* Sanitises and stores the controls; they take effect at the next frame. RT safe. */
void anc_engine_set_params(anc_engine *e, const anc_engine_params *p);
/* Writes n output samples. RT safe. */
void anc_engine_process(anc_engine *e, float *out, uint32_t n);
/* One MIDI message of size bytes, at the current position of the output (the
 * next anc_engine_process() starts where it applies). Malformed messages,
 * running status, system and sysex messages are ignored. RT safe. */
void anc_engine_midi(anc_engine *e, const uint8_t *msg, uint32_t size);
/* Voices sounding now (notes and the drone). */
int anc_engine_voices_active(const anc_engine *e);

/* Samples from a control change to the output that reflects it (see engine.c). */
uint32_t anc_engine_latency(const anc_engine *e);
/* What anc_engine_latency() gives for an engine of m at host_rate, without
 * building one (no FFT plans); fails where anc_engine_create() would for the
 * rate or the synthesis FFT size. Not real time (allocates briefly). */
anc_status anc_engine_latency_for(const anc_model *m, double host_rate, uint32_t *latency,
                                  anc_error *err);
int anc_engine_n_latent(const anc_engine *e);
/* The synthesis STFT (FFT size, hop) and its rate; equal to the host rate at
 * whole-number multiples of the model rate (22.05 kHz models at 44.1, 88.2 kHz). */
int anc_engine_host_fft(const anc_engine *e);
int anc_engine_host_hop(const anc_engine *e);
double anc_engine_synthesis_rate(const anc_engine *e);
/* The latent vector used for the most recent frame (n_latent values). */
const float *anc_engine_current_z(const anc_engine *e);
/* For tests and offline analysis: the magnitudes of the most recent frame on the
 * model's linear bins (*n = model n_fft / 2 + 1 values; for an absolute model
 * its n_input), as decoded, sampled and (relative models) mapped at the voice's
 * f0, before phase reconstruction and envelope. Valid until the next frame. */
const float *anc_engine_last_magnitudes(const anc_engine *e, int *n);
/* What plays, for a display (snapshot.h): the bands of the most recent frame's
 * mix (every sounding voice's magnitudes with its envelope and velocity,
 * summed in power, times the output gain) and one mark per sampler (the eight
 * note voices, then the drone: level = envelope x velocity, pitch in Hz). RT
 * safe; fills every field of f but its serial. */
void anc_engine_snapshot(const anc_engine *e, anc_snapshot_frame *f);

/* Offline helpers for ancestral-render --input: set the latent target directly
 * (in model dimensions, bypassing the knobs and modes) for the next frame, the
 * f0 it plays at (a relative model: f0 in Hz of a voiced frame; an unvoiced
 * frame, voiced = 0, plays at the model's unvoiced reference; an absolute model
 * ignores it), and the level it plays at (a level-normalised model: dB re a
 * full-scale sine, feature.h; other models ignore it). They apply to every
 * voice, the drone included, until reset. */
void anc_engine_set_latent(anc_engine *e, const float *z, int n);
void anc_engine_set_pitch(anc_engine *e, float f0_hz, int voiced);
void anc_engine_set_level(anc_engine *e, float level_db);

#endif

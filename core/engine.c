/* engine.c — the real-time synthesis engine (see engine.h for the contract).
 *
 * One frame per hop, for every sounding voice: latent target -> glide ->
 * decoder mean f(z) (all voices in one pass over the weights) -> feature noise
 * (ancestral sampling of x) -> dB -> (relative models: mapped to linear bins at
 * the voice's f0) -> magnitudes on the model's bins, which are the synthesis
 * bins -> phase (harmonic phase for voiced frames of relative models, else
 * RTPGHI or random) -> inverse FFT -> the voice's overlap-add -> its ADSR
 * envelope and velocity -> the mix. The newest frame completes the next hop of
 * output, which is played from a FIFO; a new frame is made whenever the FIFO
 * runs dry, so any block length works, including blocks that do not divide the
 * hop. MIDI and controls change the voices between frames only, so what a
 * block renders does not depend on how the host cuts its blocks.
 *
 * Rates: the synthesis runs at a rate whose FFT size is 7-smooth and whose bins
 * fall exactly on the model's (n_fft * model_rate / model_n_fft); when that is
 * not the host rate (most rates: it is within 1 % of it), a band-limited
 * converter (resample.h) takes the FIFO to the host rate. Interpolating the
 * magnitudes onto a host-rate grid instead was tried and measured: it smooths
 * the spectrum's fine structure, and RTPGHI turns that into a darker sound
 * (centroid up to 4 % low at 32 kHz with Lanczos-3, 2.5 % with linear).
 *
 * Latency: controls are read once per run() and picked up by the next frame,
 * which starts playing 0 .. hop-1 synthesis samples later depending on where
 * the block falls on the frame grid. The engine reports the middle of that
 * range, hop/2, plus the converter's delay, in host samples: the delay that
 * centres host latency compensation on the true one. */
#include "engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define ANC_HAVE_MXCSR 1
#endif

#include "fastmath.h"
#include "feature.h"
#include "nn.h"
#include "resample.h"
#include "rng.h"
#include "stft.h"
#include "synth_frame.h"
#include "voices.h"

/* Time constant of the gain and enable ramps: 10 ms, click-free. */
#define RAMP_SECONDS 0.01

/* One ancestral sampler: a voice's own latent state, random stream, phase
 * memory and overlap-add. */
typedef struct sampler {
    float *z, *target, *drawn; /* [L] */
    double since_draw;         /* seconds since the last prior draw */
    int drawn_once;
    anc_rng rng;
    anc_phase *phase;
    float *ola;                /* [n_fft] */
    float *theta;              /* [bins] phase of harmonic h at the frame centre (harmonic
                                * phase); theta[0] unused */
    int harmonic;              /* the last frame used harmonic phase */
    int sounding;              /* its overlap-add holds sound */
} sampler;

/* Samplers 0 .. ANC_VOICES_MAX - 1 play the notes' voices, the last the drone. */
#define SAMPLERS (ANC_VOICES_MAX + 1)
#define DRONE ANC_VOICES_MAX

struct anc_engine {
    /* model */
    int L, D, maxw;
    anc_mlp dec;    /* the model's decoder over our own copy of its weights */
    float *weights; /* that copy */
    float *post[ANC_MLP_MAX_LAYERS]; /* layer outputs [SAMPLERS][width]: h1, h2, h1, .., feat */
    float *mean, *std; /* [D] */
    float sigma, floor_db;
    double model_rate;
    int model_bins;       /* the model's linear bins, n_fft / 2 + 1 */
    anc_relfreq *rel;     /* the relative axis; NULL for an absolute model */
    /* synthesis (at synth_rate) and host */
    double host_rate, synth_rate, hop_seconds;
    int n_fft, hop, bins; /* of the synthesis STFT, at synth_rate */
    int band;             /* synthesis bins that carry model bins; the rest are silent */
    anc_resampler *rs;    /* synth_rate -> host_rate, NULL when they are equal */
    anc_stft *stft;
    /* voices */
    anc_voices notes, drone; /* MIDI voices; the drone as a mono voice of its own */
    int drone_armed;         /* auto drone: no note-on since the last reset */
    int drone_note;          /* the note the drone holds, -1 if none */
    sampler smp[SAMPLERS];
    int rows[SAMPLERS];      /* samplers decoded this frame, in batch order */
    int last;                /* the sampler decoded last (anc_engine_current_z) */
    /* signal state */
    float *ext;           /* [L] */
    int have_ext, have_ext_f0, ext_voiced, have_ext_level;
    float ext_f0, ext_level_db;
    int level_norm;       /* the model's frames are level-normalised (model.h) */
    float level_db;       /* ... and play at this level */
    float *zb, *h1, *h2, *feat; /* [SAMPLERS][L], [SAMPLERS][maxw] x2, [SAMPLERS][D] */
    float *eps;           /* [D] standard normal draws for the feature noise */
    float *lin;           /* [model_bins] levels, then magnitudes, on the model's bins */
    float *played;        /* [model_bins] the frame's mix: every voice's magnitudes with
                           * its envelope and velocity, summed in power (before gain) */
    float *env;           /* [hop] a voice's envelope over the frame */
    float *mag, *re, *im; /* [bins] */
    float *frame;         /* [n_fft] */
    float *fifo;          /* [hop] finished output */
    int fifo_pos;         /* next sample to play; hop = empty */
    float gain, enable;   /* current ramped values */
    float ramp;           /* per-sample ramp coefficient */
    uint64_t seed;
    anc_engine_params p;
    float *block;         /* one allocation behind every float buffer */
};

void anc_engine_params_default(anc_engine_params *p)
{
    memset(p, 0, sizeof *p);
    anc_controls_default(p);
    p->phase = ANC_PHASE_RTPGHI;
}

static float clampf(float v, float lo, float hi, float dflt)
{
    if (!isfinite(v))
        return dflt;
    return v < lo ? lo : v > hi ? hi : v;
}

/* The voice settings of the controls; the drone is a mono voice that holds
 * at full level (no decay) and ignores the bend wheel. */
static void configure_voices(anc_engine *e)
{
    const anc_engine_params *p = &e->p;
    anc_voice_settings s = {.voices = (int)lrintf(p->voices),
                            .attack = p->attack,
                            .decay = p->decay,
                            .sustain = p->sustain,
                            .release = p->release,
                            .glide = p->glide,
                            .bend_range = p->bend_range};
    anc_voices_configure(&e->notes, &s);
    s.voices = 1;
    s.decay = 0.0f;
    s.sustain = 1.0f;
    s.bend_range = 0.0f;
    anc_voices_configure(&e->drone, &s);
}

void anc_engine_set_params(anc_engine *e, const anc_engine_params *in)
{
    anc_controls_clamp(&e->p, in);
    e->p.phase = (in->phase >= 0 && in->phase < ANC_PHASE_METHOD_COUNT) ? in->phase
                                                                        : ANC_PHASE_RTPGHI;
    configure_voices(e);
}

void anc_engine_free(anc_engine *e)
{
    if (!e)
        return;
    anc_stft_free(e->stft);
    for (int i = 0; i < SAMPLERS; i++)
        anc_phase_free(e->smp[i].phase);
    anc_relfreq_free(e->rel);
    free(e->weights);
    anc_resampler_free(e->rs);
    free(e->block);
    free(e);
}

/* hop/2 synthesis samples (see the top of this file) plus the converter's delay,
 * in host samples. */
static uint32_t latency_frames(int hop, const anc_resampler *rs, double host_rate,
                               double synth_rate)
{
    if (!rs)
        return (uint32_t)(hop / 2);
    double in = hop / 2 + anc_resampler_delay_in(rs);
    return (uint32_t)lround(in * host_rate / synth_rate);
}

anc_status anc_engine_latency_for(const anc_model *m, double host_rate, uint32_t *latency,
                                  anc_error *err)
{
    *latency = 0;
    anc_synth_geometry g;
    anc_status s = anc_synth_geometry_for(m, host_rate, &g, err);
    if (s != ANC_OK)
        return s;
    const anc_model_header *h = g.h;
    /* The sizes anc_stft_create() and anc_phase_create() accept. */
    if (g.n_fft < ANC_STFT_MIN_FFT || g.n_fft > ANC_STFT_MAX_FFT) {
        anc_error_set(err, ANC_E_INVALID, "FFT size %d invalid: must be even, %d..%d", g.n_fft,
                      ANC_STFT_MIN_FFT, ANC_STFT_MAX_FFT);
        return anc_synth_cannot_run(err, ANC_E_INVALID, h, host_rate);
    }
    anc_resampler *rs = NULL;
    if (g.convert && (s = anc_resampler_create(&rs, g.synth_rate, host_rate, g.pass, err)) != ANC_OK)
        return anc_synth_cannot_run(err, s, h, host_rate);
    *latency = latency_frames(g.hop, rs, host_rate, g.synth_rate);
    anc_resampler_free(rs);
    return ANC_OK;
}

anc_status anc_engine_create(anc_engine **out, const anc_model *m, double host_rate,
                             uint64_t seed, anc_error *err)
{
    *out = NULL;
    anc_synth_geometry g;
    anc_status s = anc_synth_geometry_for(m, host_rate, &g, err);
    if (s != ANC_OK)
        return s;
    const anc_model_header *h = g.h;
    anc_engine *e = calloc(1, sizeof *e);
    if (!e)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the engine");
    e->L = h->arch.n_latent;
    e->D = h->arch.n_input;
    e->model_rate = h->sample_rate;
    e->model_bins = (int)h->n_fft / 2 + 1;
    e->floor_db = h->floor_db;
    e->level_norm = h->level_mode == ANC_LEVEL_NORMALIZED;
    e->level_db = h->level_db;
    e->host_rate = host_rate;
    e->seed = seed;

    e->n_fft = g.n_fft;
    e->synth_rate = g.synth_rate;
    e->hop = g.hop;
    e->hop_seconds = e->hop / e->synth_rate;
    s = anc_stft_create(&e->stft, e->n_fft, e->hop, err);
    for (int i = 0; i < SAMPLERS && s == ANC_OK; i++)
        s = anc_phase_create(&e->smp[i].phase, e->n_fft, e->hop, err);
    if (s == ANC_OK && g.convert)
        s = anc_resampler_create(&e->rs, e->synth_rate, host_rate, g.pass, err);
    if (s == ANC_OK && h->pitch_mode == ANC_PITCH_RELATIVE) {
        anc_relfreq_config rc;
        anc_model_relfreq_config(h, &rc);
        s = anc_relfreq_create(&e->rel, &rc, err);
        if (s == ANC_OK && anc_relfreq_points(e->rel) != e->D)
            s = anc_error_set(err, ANC_E_INVALID, "relative axis of %d points, decoder gives %d",
                              anc_relfreq_points(e->rel), e->D);
    }
    if (s != ANC_OK) {
        anc_engine_free(e);
        return anc_synth_cannot_run(err, s, h, host_rate);
    }
    e->bins = e->n_fft / 2 + 1;

    /* Decoder: the model's layers, over a copy of their weights (the caller may
     * free m once we return). */
    anc_mlp model_dec;
    anc_model_decoder(m, &model_dec);
    e->maxw = anc_mlp_max_width(&model_dec);
    e->weights = malloc(anc_mlp_num_floats(&model_dec) * sizeof *e->weights);
    const size_t S = SAMPLERS;
    size_t nf = (size_t)e->L * (1 + S * 4) + S * (2 * (size_t)e->maxw + (size_t)e->D) +
                3 * (size_t)e->D + 2 * (size_t)e->model_bins + 3 * (size_t)e->bins +
                (size_t)e->n_fft * (1 + S) + S * (size_t)e->bins + 2 * (size_t)e->hop;
    e->block = calloc(nf, sizeof *e->block);
    if (!e->weights || !e->block) {
        anc_engine_free(e);
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the engine");
    }
    anc_mlp_copy(&e->dec, &model_dec, e->weights);
    anc_vae_tensors t;
    anc_model_tensors(m, &t);
    e->sigma = expf(t.log_sigma[0]);

    float *b = e->block;
#define TAKE(ptr, n) (ptr = b, b += (n))
    TAKE(e->ext, e->L);
    TAKE(e->zb, S * e->L);
    TAKE(e->h1, S * e->maxw);
    TAKE(e->h2, S * e->maxw);
    TAKE(e->feat, S * e->D);
    TAKE(e->eps, e->D);
    TAKE(e->mean, e->D);
    TAKE(e->std, e->D);
    TAKE(e->lin, e->model_bins);
    TAKE(e->played, e->model_bins);
    TAKE(e->mag, e->bins);
    TAKE(e->re, e->bins);
    TAKE(e->im, e->bins);
    TAKE(e->frame, e->n_fft);
    TAKE(e->fifo, e->hop);
    TAKE(e->env, e->hop);
    for (int i = 0; i < SAMPLERS; i++) {
        TAKE(e->smp[i].z, e->L);
        TAKE(e->smp[i].target, e->L);
        TAKE(e->smp[i].drawn, e->L);
        TAKE(e->smp[i].ola, e->n_fft);
        TAKE(e->smp[i].theta, e->bins);
    }
#undef TAKE
    for (int i = 0; i < e->dec.n_layers; i++)
        e->post[i] = i == e->dec.n_layers - 1 ? e->feat : i % 2 ? e->h2 : e->h1;
    memcpy(e->mean, anc_model_feature_mean_const(m), sizeof(float) * e->D);
    memcpy(e->std, anc_model_feature_std_const(m), sizeof(float) * e->D);

    /* Synthesis bin j is model bin j; bins above the model's Nyquist frequency
     * stay silent and need no phase work. */
    e->band = e->bins < e->model_bins ? e->bins : e->model_bins;
    for (int i = 0; i < SAMPLERS; i++)
        anc_phase_set_band(e->smp[i].phase, e->band);
    e->ramp = (float)(1.0 - exp(-1.0 / (RAMP_SECONDS * host_rate)));
    anc_voice_settings vs;
    anc_voice_settings_default(&vs);
    anc_voices_init(&e->notes, e->synth_rate, &vs);
    anc_voices_init(&e->drone, e->synth_rate, &vs);
    anc_engine_params_default(&e->p);
    configure_voices(e);
    anc_engine_reset(e);
    *out = e;
    return ANC_OK;
}

static void knob_target(const anc_engine *e, float *dst)
{
    for (int l = 0; l < e->L; l++)
        dst[l] = l < ANC_KNOBS ? e->p.knobs[l] : 0.0f;
}

/* Sampler i forgets its sound: the next frame starts from silence. */
static void sampler_clear(anc_engine *e, int i)
{
    sampler *v = &e->smp[i];
    anc_phase_reset(v->phase);
    memset(v->ola, 0, sizeof(float) * e->n_fft);
    v->sounding = 0;
    v->harmonic = 0;
}

/* Sampler i starts a new latent path: a new draw, and z at its target at once. */
static void sampler_restart(anc_engine *e, int i)
{
    e->smp[i].drawn_once = 0;
    e->smp[i].since_draw = 0.0;
}

void anc_engine_reset(anc_engine *e)
{
    memset(e->fifo, 0, sizeof(float) * e->hop);
    e->fifo_pos = e->hop;
    if (e->rs)
        anc_resampler_reset(e->rs);
    e->have_ext = 0;
    e->have_ext_f0 = 0;
    e->have_ext_level = 0;
    anc_voices_reset(&e->notes);
    anc_voices_reset(&e->drone);
    e->drone_armed = 1;
    e->drone_note = -1;
    e->last = DRONE;
    for (int i = 0; i < SAMPLERS; i++) {
        sampler *v = &e->smp[i];
        /* The drone keeps the engine's own seed: a drone plays the draws a
         * single-voice engine played. */
        anc_rng_seed(&v->rng, i == DRONE ? e->seed
                                         : e->seed ^ (UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)(i + 1)));
        sampler_clear(e, i);
        sampler_restart(e, i);
        memset(v->drawn, 0, sizeof(float) * e->L);
        knob_target(e, v->target);
        memcpy(v->z, v->target, sizeof(float) * e->L);
    }
    e->gain = e->p.enabled ? powf(10.0f, e->p.gain_db / 20.0f) : 0.0f;
    e->enable = e->p.enabled ? 1.0f : 0.0f;
}

void anc_engine_set_latent(anc_engine *e, const float *z, int n)
{
    for (int l = 0; l < e->L; l++)
        e->ext[l] = l < n ? clampf(z[l], -8.0f, 8.0f, 0.0f) : 0.0f;
    e->have_ext = 1;
}

void anc_engine_set_pitch(anc_engine *e, float f0_hz, int voiced)
{
    if (!e->rel)
        return;
    e->ext_f0 = anc_relfreq_anchor(e->rel, f0_hz, voiced);
    e->ext_voiced = voiced && e->ext_f0 == f0_hz;
    e->have_ext_f0 = 1;
}

void anc_engine_set_level(anc_engine *e, float level_db)
{
    e->ext_level_db = isfinite(level_db) ? clampf(level_db, -200.0f, 20.0f, 0.0f) : -200.0f;
    e->have_ext_level = 1;
}

void anc_engine_midi(anc_engine *e, const uint8_t *msg, uint32_t size)
{
    const int note_on = msg && size >= 3 && (msg[0] & 0xF0) == 0x90 && !(msg[1] & 0x80) &&
                        !(msg[2] & 0x80) && msg[2] > 0;
    if (note_on)
        e->drone_armed = 0; /* the auto drone gives way to the first note */
    anc_voices_midi(&e->notes, msg, size); /* it ignores what is malformed */
}

/* Next latent target of sampler v from the mode; draws from the prior at the
 * given rate, from the sampler's own random stream. */
static void update_target(anc_engine *e, sampler *v)
{
    const anc_engine_params *p = &e->p;
    if (e->have_ext) {
        memcpy(v->target, e->ext, sizeof(float) * e->L);
        return;
    }
    if (p->mode == ANC_MODE_KNOBS) {
        knob_target(e, v->target);
        return;
    }
    v->since_draw += e->hop_seconds;
    if (!v->drawn_once || v->since_draw >= 1.0 / p->rate) {
        for (int l = 0; l < e->L; l++)
            v->drawn[l] = p->temperature * (float)anc_rng_normal(&v->rng);
        v->since_draw = 0.0;
        v->drawn_once = 1;
    }
    if (p->mode == ANC_MODE_ANCESTRAL) {
        memcpy(v->target, v->drawn, sizeof(float) * e->L);
    } else {
        knob_target(e, v->target);
        for (int l = 0; l < e->L; l++)
            v->target[l] += v->drawn[l];
    }
}

/* The drone follows its control: held at the `note` control while it should
 * sound (a new note glides there, mono legato), released when it should not. */
static void drive_drone(anc_engine *e)
{
    const int want = e->p.drone == ANC_DRONE_ON || (e->p.drone == ANC_DRONE_AUTO && e->drone_armed);
    int note = (int)lrintf(e->p.note);
    note = note < 0 ? 0 : note > 127 ? 127 : note;
    const anc_voice *v = &e->drone.v[0];
    const int held = v->stage != ANC_ENV_OFF && v->stage != ANC_ENV_RELEASE;
    if (want && (!held || e->drone_note != note)) {
        const uint8_t on[3] = {0x90, (uint8_t)note, 127};
        anc_voices_midi(&e->drone, on, 3);
        if (held && e->drone_note >= 0) {
            const uint8_t off[3] = {0x80, (uint8_t)e->drone_note, 0};
            anc_voices_midi(&e->drone, off, 3);
        }
        e->drone_note = note;
    } else if (!want && held) {
        const uint8_t off[3] = {0x80, (uint8_t)e->drone_note, 0};
        anc_voices_midi(&e->drone, off, 3);
    }
}

/* The voice manager and index of sampler i. */
static anc_voices *voices_of(anc_engine *e, int i, int *vi)
{
    *vi = i == DRONE ? 0 : i;
    return i == DRONE ? &e->drone : &e->notes;
}

/* A level-normalised model's frame (e->lin, on the model's bins) is shaped,
 * not scaled: it is set to exactly the level it plays at (feature.h, "Frame
 * level"), whatever the knobs, the noise or the mapping at f0 did to its power.
 * Velocity and envelope scale it afterwards. */
static void set_frame_level(anc_engine *e)
{
    anc_synth_set_level(e->lin, e->model_bins, e->have_ext_level ? e->ext_level_db : e->level_db);
}

/* Harmonic phase (synth_frame.h) for a voiced frame of a pitch-relative model,
 * whose f0 the engine knows. */
static void harmonic_phase(anc_engine *e, sampler *v, float f0)
{
    anc_synth_harmonic_phase(v->theta, !v->harmonic, &v->rng, f0, e->synth_rate, e->n_fft, e->hop,
                             e->band, e->bins, e->mag, e->re, e->im);
    v->harmonic = 1;
}

/* Decodes, samples and resynthesises one hop of every sounding voice into the
 * FIFO. */
static void next_frame(anc_engine *e)
{
    const anc_engine_params *p = &e->p;
    const int L = e->L, D = e->D, N = e->n_fft, H = e->hop;
    drive_drone(e);

    /* Which samplers play this frame, and their latent paths. */
    const float a = p->glide > 0.0f ? (float)exp(-e->hop_seconds / p->glide) : 0.0f;
    int B = 0;
    for (int i = 0; i < SAMPLERS; i++) {
        int vi;
        anc_voices *vs = voices_of(e, i, &vi);
        anc_voice *voice = &vs->v[vi];
        sampler *v = &e->smp[i];
        if (voice->stage == ANC_ENV_OFF) {
            if (v->sounding)
                sampler_clear(e, i);
            continue;
        }
        int fresh = voice->fresh;
        voice->fresh = 0;
        if (fresh)
            sampler_restart(e, i);
        update_target(e, v);
        const float ai = fresh ? 0.0f : a; /* a new note starts at its target */
        for (int l = 0; l < L; l++)
            v->z[l] = v->target[l] + ai * (v->z[l] - v->target[l]); /* lands exactly */
        memcpy(e->zb + (size_t)B * L, v->z, sizeof(float) * L);
        e->rows[B++] = i;
    }
    memset(e->fifo, 0, sizeof(float) * H);
    memset(e->played, 0, sizeof(float) * e->band);
    e->fifo_pos = 0;
    if (B == 0)
        return;

    /* f(z) of every playing voice at once: one pass over the weights. */
    anc_mlp_forward(&e->dec, anc_dense_kernel_rows, e->zb, B, NULL, e->post);

    for (int r = 0; r < B; r++) {
        const int i = e->rows[r];
        sampler *v = &e->smp[i];
        int vi;
        anc_voices *vs = voices_of(e, i, &vi);
        float *feat = e->feat + (size_t)r * D;
        const float f0 = e->have_ext_f0 ? e->ext_f0 : anc_voices_hz(vs, vi);
        const float vel = vs->v[vi].velocity;

        /* x ~ N(f(z), (noise sigma)^2 I), then magnitudes on the model's bins. */
        if (p->noise > 0.0f) {
            const float sd = p->noise * e->sigma;
            anc_rng_normal_fill_fast(&v->rng, e->eps, (size_t)D);
            for (int d = 0; d < D; d++)
                feat[d] += sd * e->eps[d];
        }
        /* e->eps is free again once the noise is added */
        anc_synth_features_to_mag(e->rel, e->mean, e->std, feat, D, f0, e->floor_db, e->eps,
                                  e->lin, e->model_bins);
        if (e->level_norm)
            set_frame_level(e);
        memcpy(e->mag, e->lin, sizeof(float) * e->band);
        memset(e->mag + e->band, 0, sizeof(float) * (e->bins - e->band));
        const int voiced = !e->have_ext_f0 || e->ext_voiced;
        if (e->rel && voiced && p->phase == ANC_PHASE_RTPGHI) {
            harmonic_phase(e, v, f0);
        } else {
            if (v->harmonic)
                anc_phase_reset(v->phase);
            v->harmonic = 0;
            anc_phase_next(v->phase, (anc_phase_method)p->phase, e->mag, e->re, e->im, &v->rng);
        }
        anc_stft_inverse(e->stft, e->re, e->im, e->frame);

        /* Overlap-add: after adding the new frame the first hop samples are final. */
        int bad = 0;
        for (int k = 0; k < N; k++) {
            v->ola[k] += e->frame[k];
            bad |= !isfinite(v->ola[k]);
        }
        if (bad) {
            /* Cannot happen with finite weights; if it does, heal instead of hissing. */
            sampler_clear(e, i);
        }
        v->sounding = 1;
        e->last = i;
        anc_voices_run(vs, vi, e->env, (uint32_t)H);
        float env_sum = 0.0f;
        for (int k = 0; k < H; k++) {
            e->fifo[k] += v->ola[k] * e->env[k] * vel;
            env_sum += e->env[k];
        }
        const float w = env_sum / (float)H * vel;
        for (int k = 0; k < e->band; k++)
            e->played[k] += (e->lin[k] * w) * (e->lin[k] * w);
        memmove(v->ola, v->ola + H, sizeof(float) * (N - H));
        memset(v->ola + N - H, 0, sizeof(float) * H);
        if (vs->v[vi].stage == ANC_ENV_OFF)
            sampler_clear(e, i);
    }
    for (int k = 0; k < e->band; k++)
        e->played[k] = sqrtf(e->played[k]);
}
/* Applies the gain ramp, the output guard and the denormal flush to one sample. */
static inline float finish(float v, float *g, float target, float r)
{
    *g += r * (target - *g);
    return anc_engine_guard(v * *g);
}

void anc_engine_process(anc_engine *e, float *out, uint32_t n)
{
#ifdef ANC_HAVE_MXCSR
    /* Flush denormals to zero while we run (tails of decaying frames), and put the
     * host's mode back afterwards. */
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);
#endif
    const float gain_target = e->p.enabled ? powf(10.0f, e->p.gain_db / 20.0f) : 0.0f;
    const float r = e->ramp;
    float g = e->gain;
    if (e->rs) {
        /* Synthesis rate -> host rate, from the FIFO into out, then the gain. */
        uint32_t done = 0;
        while (done < n) {
            if (e->fifo_pos >= e->hop)
                next_frame(e);
            int used = 0;
            int k = anc_resampler_process(e->rs, e->fifo + e->fifo_pos, e->hop - e->fifo_pos,
                                          &used, out + done, (int)(n - done));
            e->fifo_pos += used;
            for (int i = 0; i < k; i++)
                out[done + i] = finish(out[done + i], &g, gain_target, r);
            done += (uint32_t)k;
        }
    } else {
        uint32_t done = 0;
        while (done < n) {
            if (e->fifo_pos >= e->hop)
                next_frame(e);
            uint32_t k = (uint32_t)(e->hop - e->fifo_pos);
            if (k > n - done)
                k = n - done;
            const float *src = e->fifo + e->fifo_pos;
            for (uint32_t i = 0; i < k; i++)
                out[done + i] = finish(src[i], &g, gain_target, r);
            e->fifo_pos += (int)k;
            done += k;
        }
    }
    e->gain = fabsf(g) < 1e-30f ? 0.0f : g;
#ifdef ANC_HAVE_MXCSR
    _mm_setcsr(csr);
#endif
}

uint32_t anc_engine_latency(const anc_engine *e)
{
    return latency_frames(e->hop, e->rs, e->host_rate, e->synth_rate);
}
int anc_engine_n_latent(const anc_engine *e) { return e->L; }
int anc_engine_host_fft(const anc_engine *e) { return e->n_fft; }
int anc_engine_voices_active(const anc_engine *e)
{
    return anc_voices_active(&e->notes) + anc_voices_active(&e->drone);
}
int anc_engine_host_hop(const anc_engine *e) { return e->hop; }
double anc_engine_synthesis_rate(const anc_engine *e) { return e->synth_rate; }
const float *anc_engine_current_z(const anc_engine *e) { return e->smp[e->last].z; }
const float *anc_engine_last_magnitudes(const anc_engine *e, int *n)
{
    *n = e->model_bins;
    return e->lin;
}

void anc_engine_snapshot(const anc_engine *e, anc_snapshot_frame *f)
{
    anc_snapshot_set_spectrum(f, e->played, e->band, e->synth_rate / e->n_fft, e->gain);
    f->n_voices = SAMPLERS < ANC_SNAPSHOT_VOICES ? SAMPLERS : ANC_SNAPSHOT_VOICES;
    for (int i = 0; i < f->n_voices; i++) {
        const anc_voices *vs = i == DRONE ? &e->drone : &e->notes;
        const int vi = i == DRONE ? 0 : i;
        const anc_voice *v = &vs->v[vi];
        const int on = v->stage != ANC_ENV_OFF;
        f->voice_level[i] = on ? v->level * v->velocity : 0.0f;
        f->voice_hz[i] = on ? anc_voices_hz(vs, vi) : 0.0f;
        f->voice_kind[i] = i == DRONE ? ANC_SNAPSHOT_DRONE : ANC_SNAPSHOT_NOTE;
    }
}

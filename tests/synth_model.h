/* synth_model.h — small untrained models of any rate and size, for tests that
 * need a model to run but not a trained one (header only), and a hand-made
 * pitch-relative model that plays a harmonic tone at any pitch.
 *
 * The weights are deterministic and small (0.05 * (-8 .. 8)), so the decoder
 * makes a quiet, finite spectrum; feature statistics stay at their defaults
 * (mean 0, deviation 1) for the caller to set. Frames are n_fft with hop n_fft/4. */
#ifndef ANC_TEST_SYNTH_MODEL_H
#define ANC_TEST_SYNTH_MODEL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feature.h"
#include "model.h"
#include "relfreq.h"
#include "stft.h"

#define SYNTH_BUILD_F0 261.6256f /* C4: the tone whose relative frame synth_relative_model decodes */

/* Returns the model, or NULL with err set. */
static inline anc_model *synth_model(uint32_t rate, uint32_t n_fft, int latent, const int *hidden,
                                     int n_hidden, anc_activation act, anc_error *err)
{
    anc_model_header h;
    memset(&h, 0, sizeof h);
    h.sample_rate = rate;
    h.n_fft = n_fft;
    h.hop = n_fft / 4;
    h.window = ANC_WINDOW_HANN;
    h.floor_db = -80.0f;
    h.arch.n_input = (int)n_fft / 2 + 1;
    h.arch.n_latent = latent;
    h.arch.n_hidden = n_hidden;
    for (int i = 0; i < n_hidden && i < ANC_MAX_HIDDEN; i++)
        h.arch.hidden[i] = hidden[i];
    h.arch.act = act;
    anc_model *m = NULL;
    if (anc_model_create(&m, &h, err) != ANC_OK)
        return NULL;
    float *w = anc_model_params(m);
    for (size_t i = 0; i < anc_model_num_params(m); i++)
        w[i] = 0.05f * (float)((int)(i * 2654435761u % 17u) - 8);
    return m;
}

/* A pitch-relative model at rate with FFT n_fft (hop n_fft/4, the default
 * relative axis, 4 latents, one hidden layer of 8) whose decoder outputs, for
 * every z, the relative frame (dB) of a harmonic tone at SYNTH_SYNTH_BUILD_F0 with
 * partials 0.2/h: zero weights, the frame as the output bias, feature mean 0
 * and deviation 1. Returns NULL when something fails (out of memory). */
static inline anc_model *synth_relative_model(uint32_t rate, uint32_t n_fft)
{
    anc_model_header h;
    memset(&h, 0, sizeof h);
    h.sample_rate = rate;
    h.n_fft = n_fft;
    h.hop = n_fft / 4;
    h.window = ANC_WINDOW_HANN;
    h.floor_db = ANC_FEATURE_FLOOR_DB;
    h.pitch_mode = ANC_PITCH_RELATIVE;
    anc_relfreq_config rc;
    anc_relfreq_config_default(&rc, rate, n_fft);
    h.rel_points_per_octave = (uint32_t)rc.points_per_octave;
    h.rel_octaves_below = (float)rc.octaves_below;
    h.rel_f0_min = (float)rc.f0_min;
    h.rel_f0_ref = (float)rc.f0_ref;
    const int K = anc_relfreq_size(&rc);
    h.arch.n_input = K;
    h.arch.n_latent = 4;
    h.arch.n_hidden = 1;
    h.arch.hidden[0] = 8;
    h.arch.act = ANC_ACT_SILU;
    anc_model *m = NULL;
    anc_error err;
    anc_relfreq *rel = NULL;
    if (anc_model_create(&m, &h, &err) != ANC_OK || anc_relfreq_create(&rel, &rc, &err) != ANC_OK) {
        anc_model_free(m);
        return NULL;
    }
    /* The tone, its STFT magnitudes in the middle, in dB, then relative. */
    const size_t n = rate / 2;
    float *x = calloc(n, sizeof *x);
    for (size_t i = 0; i < n; i++)
        for (int k = 1; k * SYNTH_BUILD_F0 < 0.45f * rate; k++)
            x[i] += 0.2f / (float)k * sinf(2.0f * (float)M_PI * k * SYNTH_BUILD_F0 * (float)i / rate);
    anc_stft *st = NULL;
    const int bins = (int)n_fft / 2 + 1;
    const size_t nf = (size_t)n / (n_fft / 4) + 8;
    float *mag = calloc(nf * (size_t)bins, sizeof *mag), *db = calloc((size_t)bins, sizeof *db);
    if (!x || !mag || !db || anc_stft_create(&st, (int)n_fft, (int)n_fft / 4, &err) != ANC_OK ||
        anc_stft_num_frames(st, n) > nf) {
        free(x), free(mag), free(db), anc_stft_free(st), anc_relfreq_free(rel), anc_model_free(m);
        return NULL;
    }
    const size_t frames = anc_stft_num_frames(st, n);
    anc_stft_analyze_magnitude(st, x, n, mag);
    anc_mag_to_db(mag + (frames / 2) * (size_t)bins, db, bins);
    float *params = anc_model_params(m);
    memset(params, 0, sizeof(float) * anc_model_num_params(m));
    anc_mlp dec;
    anc_model_decoder(m, &dec);
    anc_relfreq_from_linear(rel, db, SYNTH_BUILD_F0, ANC_FEATURE_FLOOR_DB, dec.layer[dec.n_layers - 1].b);
    free(x);
    free(mag);
    free(db);
    anc_stft_free(st);
    anc_relfreq_free(rel);
    return m; /* feature mean 0, std 1: the bias is the level in dB */
}

#endif

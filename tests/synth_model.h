/* synth_model.h — small untrained models of any rate and size, for tests that
 * need a model to run but not a trained one (header only).
 *
 * The weights are deterministic and small (0.05 * (-8 .. 8)), so the decoder
 * makes a quiet, finite spectrum; feature statistics stay at their defaults
 * (mean 0, deviation 1) for the caller to set. Frames are n_fft with hop n_fft/4. */
#ifndef ANC_TEST_SYNTH_MODEL_H
#define ANC_TEST_SYNTH_MODEL_H

#include <stdint.h>
#include <string.h>

#include "model.h"
#include "stft.h"

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

#endif

/* model_vae.c — a loaded model's parameters in a batched anc_vae, the frame
 * space of a model, and the posterior-mean LSD (see model_vae.h). */
#include "model_vae.h"

#include <stdlib.h>
#include <string.h>

#include "feature.h"
#include "synth_frame.h"

anc_status anc_vae_from_model(const anc_model *m, int max_batch, anc_vae **out, anc_error *err)
{
    if (!out)
        return anc_error_set(err, ANC_E_INVALID, "anc_vae_from_model: no output pointer");
    *out = NULL;
    if (!m)
        return anc_error_set(err, ANC_E_INVALID, "anc_vae_from_model: no model");
    const anc_model_header *h = anc_model_get_header(m);
    anc_vae *vae;
    anc_status s = anc_vae_create(&vae, &h->arch, max_batch, err);
    if (s != ANC_OK)
        return s;
    /* Both blocks come from anc_vae_layout() of the same configuration, so equal
     * sizes mean equal layouts; a mismatch would be a bug in one of the two. */
    const size_t n = anc_vae_num_params(vae);
    if (n != anc_model_num_params(m)) {
        anc_vae_free(vae);
        return anc_error_set(err, ANC_E_INVALID,
                             "model holds %zu parameters, its architecture needs %zu",
                             anc_model_num_params(m), n);
    }
    memcpy(anc_vae_params(vae), anc_model_params_const(m), n * sizeof(float));
    *out = vae;
    return ANC_OK;
}

anc_status anc_frame_space_init(anc_frame_space *fs, double rate, int n_fft, int hop,
                                const anc_relfreq_config *rel, anc_error *err)
{
    *fs = (anc_frame_space){.rate = rate, .n_fft = n_fft, .hop = hop, .n_bins = n_fft / 2 + 1};
    fs->n_input = fs->n_bins;
    /* The tracker's defaults (50 Hz .. 2 kHz) cover the notes of real
     * instruments; a frame outside that range maps at the reference f0. An
     * absolute space tracks too, for the voiced share its users report. */
    anc_pitch_config pc;
    anc_pitch_config_default(&pc, rate);
    anc_status s = anc_pitch_create(&fs->pitch, &pc, err);
    if (s != ANC_OK)
        return s;
    fs->lin = malloc(sizeof(float) * (size_t)fs->n_bins);
    if (!fs->lin)
        return anc_error_set(err, ANC_E_NOMEM, "frame space: out of memory");
    if (!rel)
        return ANC_OK;
    s = anc_relfreq_create(&fs->rel, rel, err);
    if (s != ANC_OK)
        return s;
    fs->n_input = anc_relfreq_points(fs->rel);
    fs->scratch = malloc(sizeof(float) * (size_t)fs->n_input);
    if (!fs->scratch)
        return anc_error_set(err, ANC_E_NOMEM, "relative frames: out of memory");
    return ANC_OK;
}

anc_status anc_frame_space_from_model(anc_frame_space *fs, const anc_model *m, anc_error *err)
{
    const anc_model_header *h = anc_model_get_header(m);
    anc_relfreq_config rc;
    int relative = h->pitch_mode == ANC_PITCH_RELATIVE;
    if (relative)
        anc_model_relfreq_config(h, &rc);
    anc_status s = anc_frame_space_init(fs, (double)h->sample_rate, (int)h->n_fft, (int)h->hop,
                                        relative ? &rc : NULL, err);
    if (s != ANC_OK)
        return s;
    if (fs->n_input != h->arch.n_input)
        return anc_error_set(err, ANC_E_INVALID, "the model's %d inputs do not match its %s "
                             "frames of %d values", h->arch.n_input,
                             relative ? "relative" : "absolute", fs->n_input);
    fs->mean = anc_model_feature_mean_const(m);
    fs->std = anc_model_feature_std_const(m);
    fs->level_norm = h->level_mode == ANC_LEVEL_NORMALIZED;
    return ANC_OK;
}

void anc_frame_space_clear(anc_frame_space *fs)
{
    if (!fs)
        return;
    anc_relfreq_free(fs->rel);
    anc_pitch_free(fs->pitch);
    free(fs->scratch);
    free(fs->lin);
    *fs = (anc_frame_space){0};
}

anc_status anc_frame_space_anchors(const anc_frame_space *fs, const float *x, size_t n,
                                   size_t nf, float *anchor, unsigned char *voiced,
                                   anc_error *err)
{
    anc_pitch_frame *fr = malloc(sizeof *fr * (nf ? nf : 1));
    if (!fr)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for a pitch track of %zu frames",
                             nf);
    /* Frame t covers padded samples [t hop, t hop + n_fft) with n_fft - hop zeros
     * in front: its centre is sample t hop + hop - n_fft / 2 of x. */
    anc_status s = anc_pitch_track(fs->pitch, x, n, (long)fs->hop - fs->n_fft / 2, fs->hop, fr,
                                   nf, err);
    if (s == ANC_OK)
        for (size_t t = 0; t < nf; t++) {
            anchor[t] = fs->rel ? anc_relfreq_anchor(fs->rel, fr[t].f0, fr[t].voiced)
                        : fr[t].voiced ? fr[t].f0 : 0.0f;
            if (voiced)
                voiced[t] = fr[t].voiced && anchor[t] == fr[t].f0;
        }
    free(fr);
    return s;
}

void anc_frame_space_encode(const anc_frame_space *fs, const float *db, float f0, float *z)
{
    anc_synth_encode_frame(fs->rel, fs->mean, fs->std, fs->level_norm, db, fs->n_bins, f0,
                           fs->lin, z, fs->n_input);
}

void anc_frame_space_decode_db(const anc_frame_space *fs, const float *z, float f0,
                               float level_db, float *db)
{
    if (fs->rel) {
        anc_features_denormalize(fs->mean, fs->std, z, fs->scratch, fs->n_input);
        anc_relfreq_to_linear(fs->rel, fs->scratch, f0, ANC_FEATURE_FLOOR_DB, db);
    } else {
        anc_features_denormalize(fs->mean, fs->std, z, db, fs->n_input);
    }
    if (fs->level_norm)
        anc_frame_level_shift(db, fs->n_bins, level_db - anc_frame_level_db(db, fs->n_bins),
                              ANC_FEATURE_FLOOR_DB);
}

void anc_frame_space_decode_mag(const anc_frame_space *fs, const float *z, float f0,
                                float level_db, float *mag)
{
    anc_frame_space_decode_db(fs, z, f0, level_db, mag);
    anc_db_to_mag(mag, mag, fs->n_bins);
}

void anc_frame_space_add_lsd(const anc_frame_space *fs, const float *x, const float *rec,
                             const float *ref_db, float f0, float *a, float *b, anc_lsd *acc)
{
    if (fs->rel || fs->level_norm) {
        anc_frame_space_decode_db(fs, rec, f0, anc_frame_level_db(ref_db, fs->n_bins), b);
        anc_lsd_add_db(acc, ref_db, b, fs->n_bins);
    } else {
        anc_features_denormalize(fs->mean, fs->std, x, a, fs->n_input);
        anc_features_denormalize(fs->mean, fs->std, rec, b, fs->n_input);
        anc_lsd_add_db(acc, a, b, fs->n_input);
    }
}

void anc_vae_add_recon_lsd(anc_vae *vae, const anc_frame_space *fs, const float *x, int m,
                           const float *ref_db, const float *f0, float *mu, float *lv, float *f,
                           float *a, float *b, anc_lsd *acc)
{
    const size_t D = (size_t)fs->n_input, nb = (size_t)fs->n_bins;
    anc_vae_encode(vae, x, m, mu, lv);
    anc_vae_decode(vae, mu, m, f);
    for (int j = 0; j < m; j++)
        anc_frame_space_add_lsd(fs, x + j * D, f + j * D, ref_db ? ref_db + j * nb : NULL,
                                f0 ? f0[j] : 0.0f, a, b, acc);
}

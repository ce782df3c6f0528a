/* recon.c — decode path, resynthesis and a clip's three spectrograms (recon.h). */
#include "recon.h"

#include <stdlib.h>
#include <string.h>

#include "feature.h"

void anc_recon_decode_path(anc_vae *vae, const anc_frame_space *fs, const float *feat,
                           const float *anchor, const float *mag, size_t nf, float *mu, float *f,
                           float *dec_mag)
{
    const size_t B = (size_t)anc_vae_max_batch(vae), D = (size_t)fs->n_input,
                 nb = (size_t)fs->n_bins;
    for (size_t i = 0; i < nf; i += B) {
        int m = (int)(nf - i < B ? nf - i : B);
        anc_vae_encode(vae, feat + i * D, m, mu, NULL);
        anc_vae_decode(vae, mu, m, f);
        for (int j = 0; j < m; j++)
            anc_frame_space_decode_mag(fs, f + (size_t)j * D, anchor[i + (size_t)j],
                                       anc_frame_level_mag(mag + (i + (size_t)j) * nb, (int)nb),
                                       dec_mag + (i + (size_t)j) * nb);
    }
}

anc_status anc_recon_resynthesize(anc_stft *st, anc_phase *ph, anc_phase_method m, anc_rng *rng,
                                  const float *M, size_t nf, size_t n, float *re, float *im,
                                  float *y, float *remag, anc_error *err)
{
    const size_t nb = (size_t)anc_stft_n_bins(st);
    anc_phase_reset(ph);
    for (size_t t = 0; t < nf; t++)
        anc_phase_next(ph, m, M + t * nb, re + t * nb, im + t * nb, rng);
    anc_status s = anc_stft_synthesize(st, re, im, nf, y, n, err);
    if (s != ANC_OK)
        return s;
    anc_stft_analyze_magnitude(st, y, n, remag);
    return ANC_OK;
}

anc_status anc_recon_clip(anc_vae *vae, const anc_frame_space *fs, anc_stft *st, anc_phase *ph,
                          const float *x, size_t n, float *out[3], size_t *nf_out, anc_error *err)
{
    const size_t nf = anc_stft_num_frames(st, n), nb = (size_t)fs->n_bins,
                 D = (size_t)fs->n_input, L = (size_t)anc_vae_get_config(vae)->n_latent,
                 B = (size_t)anc_vae_max_batch(vae);
    out[0] = out[1] = out[2] = NULL;
    *nf_out = 0;
    float *feat = malloc(sizeof(float) * (nf ? nf : 1) * D);
    float *anchor = malloc(sizeof(float) * (nf ? nf : 1));
    float *db = malloc(sizeof(float) * nb), *mu = malloc(sizeof(float) * B * L);
    float *f = malloc(sizeof(float) * B * D), *re = malloc(sizeof(float) * (nf ? nf : 1) * nb);
    float *im = malloc(sizeof(float) * (nf ? nf : 1) * nb), *y = malloc(sizeof(float) * (n ? n : 1));
    for (int k = 0; k < 3; k++)
        out[k] = malloc(sizeof(float) * (nf ? nf : 1) * nb);
    anc_status s = ANC_OK;
    if (!feat || !anchor || !db || !mu || !f || !re || !im || !y || !out[0] || !out[1] || !out[2])
        s = anc_error_set(err, ANC_E_NOMEM, "out of memory for the spectrograms of %zu frames", nf);
    if (s == ANC_OK)
        s = anc_frame_space_anchors(fs, x, n, nf, anchor, NULL, err);
    if (s == ANC_OK) {
        anc_stft_analyze_magnitude(st, x, n, out[0]);
        for (size_t t = 0; t < nf; t++) {
            anc_mag_to_db(out[0] + t * nb, db, (int)nb);
            anc_frame_space_encode(fs, db, anchor[t], feat + t * D);
        }
        anc_recon_decode_path(vae, fs, feat, anchor, out[0], nf, mu, f, out[1]);
        s = anc_recon_resynthesize(st, ph, ANC_PHASE_RTPGHI, NULL, out[1], nf, n, re, im, y,
                                   out[2], err);
    }
    free(feat); free(anchor); free(db); free(mu); free(f); free(re); free(im); free(y);
    if (s != ANC_OK) {
        for (int k = 0; k < 3; k++) {
            free(out[k]);
            out[k] = NULL;
        }
        return s;
    }
    *nf_out = nf;
    return ANC_OK;
}

anc_status anc_recon_spectra(anc_report_spectra *s, const char *label, anc_vae *vae,
                             const anc_frame_space *fs, anc_stft *st, anc_phase *ph,
                             const float *x, size_t n, anc_error *err)
{
    const size_t most = (size_t)ANC_RECON_REPORT_HOPS * (size_t)fs->hop;
    float *mags[3];
    size_t nf;
    *s = (anc_report_spectra){.label = label, .rate = fs->rate, .n_fft = fs->n_fft,
                              .hop = fs->hop};
    anc_status st_ = anc_recon_clip(vae, fs, st, ph, x, n < most ? n : most, mags, &nf, err);
    if (st_ != ANC_OK)
        return st_;
    s->n_frames = nf;
    s->orig = mags[0];
    s->recon = mags[1];
    s->resynth = mags[2];
    return ANC_OK;
}

void anc_recon_spectra_free(anc_report_spectra *s)
{
    free((void *)s->orig);
    free((void *)s->recon);
    free((void *)s->resynth);
    s->orig = s->recon = s->resynth = NULL;
}

const char *anc_recon_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

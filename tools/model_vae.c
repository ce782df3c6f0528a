/* model_vae.c — a loaded model's parameters in a batched anc_vae, and the
 * posterior-mean LSD (see model_vae.h). */
#include "model_vae.h"

#include <string.h>

#include "feature.h"

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

void anc_vae_add_recon_lsd(anc_vae *vae, const float *x, int m, const float *mean,
                           const float *std, float *mu, float *lv, float *f, float *db_x,
                           float *db_f, anc_lsd *acc)
{
    const int D = anc_vae_get_config(vae)->n_input;
    anc_vae_encode(vae, x, m, mu, lv);
    anc_vae_decode(vae, mu, m, f);
    for (int j = 0; j < m; j++) {
        anc_features_denormalize(mean, std, x + (size_t)j * D, db_x, D);
        anc_features_denormalize(mean, std, f + (size_t)j * D, db_f, D);
        anc_lsd_add_db(acc, db_x, db_f, D);
    }
}

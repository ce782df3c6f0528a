/* model_vae.c — a loaded model's parameters in a batched anc_vae (see model_vae.h). */
#include "model_vae.h"

#include <string.h>

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

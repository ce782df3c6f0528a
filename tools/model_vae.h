/* model_vae.h — a trained model's network as a batched anc_vae, for the programs
 * that encode and score frames (evaluator, renderer, trainer). The real-time
 * engine does not use it: it decodes with core's allocation-free kernels. */
#ifndef ANC_MODEL_VAE_H
#define ANC_MODEL_VAE_H

#include "model.h"
#include "status.h"
#include "vae.h"

/* Creates an anc_vae with m's architecture for batches of up to max_batch frames
 * and copies m's parameter block into it (gradients and Adam moments stay zero).
 * m is only read and may be freed afterwards. On success the caller owns *out
 * and frees it with anc_vae_free(); on failure *out is NULL and err says why
 * (ANC_E_INVALID, ANC_E_NOMEM). */
anc_status anc_vae_from_model(const anc_model *m, int max_batch, anc_vae **out, anc_error *err);

#endif

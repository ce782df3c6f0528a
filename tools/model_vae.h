/* model_vae.h — a trained model's network as a batched anc_vae, for the programs
 * that encode and score frames (evaluator, renderer, trainer), and the
 * reconstruction measure they share. The real-time
 * engine does not use it: it decodes with core's allocation-free kernels. */
#ifndef ANC_MODEL_VAE_H
#define ANC_MODEL_VAE_H

#include "metrics.h"
#include "model.h"
#include "status.h"
#include "vae.h"

/* Creates an anc_vae with m's architecture for batches of up to max_batch frames
 * and copies m's parameter block into it (gradients and Adam moments stay zero).
 * m is only read and may be freed afterwards. On success the caller owns *out
 * and frees it with anc_vae_free(); on failure *out is NULL and err says why
 * (ANC_E_INVALID, ANC_E_NOMEM). */
anc_status anc_vae_from_model(const anc_model *m, int max_batch, anc_vae **out, anc_error *err);

/* The posterior-mean reconstruction error that the trainer and the evaluator
 * report: encodes m normalised frames x [m][D], decodes the means, f =
 * decode(mu(x)), and adds the LSD between x and f, both turned back into dB with
 * the feature normalisation mean and std [D], to acc (metrics.h; frames below its
 * gate are not counted). Writes mu [m][L], lv [m][L] unless NULL, and f [m][D];
 * db_x and db_f [D] are scratch. m is at most anc_vae_max_batch(vae). */
void anc_vae_add_recon_lsd(anc_vae *vae, const float *x, int m, const float *mean,
                           const float *std, float *mu, float *lv, float *f, float *db_x,
                           float *db_f, anc_lsd *acc);

#endif

/* vae.h — the variational autoencoder training object: loss (-ELBO), full
 * backward pass, and batched encode/decode for training and evaluation.
 *
 * Model (Prince, Understanding Deep Learning, ch. 17), per frame x in R^D:
 *   encoder  h = MLP_enc(x);  mu = W_mu h + b_mu;  lv = W_lv h + b_lv  (lv = log sigma_q^2)
 *   sample   z = mu + exp(lv / 2) * eps,  eps ~ N(0, I)   (reparameterisation)
 *   decoder  f = W_out MLP_dec(z) + b_out                  (linear output, the mean)
 *   rec  = 0.5 * sum_d (x_d - f_d)^2 / sigma^2 + D * log sigma + 0.5 * D * log(2 pi)
 *   kl   = 0.5 * sum_l (mu_l^2 + exp(lv_l) - lv_l - 1)
 *   loss = rec + beta * kl   (= -ELBO at beta = 1), averaged over the batch.
 * sigma = exp(log_sigma) is one learned scalar shared by all bins. Layer widths,
 * the tensor layout and the layer lists are in vae_layout.h; the forward passes
 * here are anc_mlp_forward() (nn.h) over those lists, the same walk the
 * real-time engine runs, with the sgemm kernel instead of the vector one.
 *
 * Parameters, gradients and the two Adam moments are four blocks of the same
 * size; anc_vae_point() lays named pointers over any of them (llm.c style). */
#ifndef ANC_VAE_H
#define ANC_VAE_H

#include <stddef.h>

#include "nn.h"
#include "rng.h"
#include "status.h"
#include "vae_layout.h"

typedef struct anc_vae anc_vae;

/* Allocates parameters, gradients, Adam moments and a workspace for batches of up
 * to max_batch frames. Parameters start at zero: call anc_vae_init(). Free with
 * anc_vae_free(). */
anc_status anc_vae_create(anc_vae **out, const anc_vae_config *cfg, int max_batch, anc_error *err);
void anc_vae_free(anc_vae *vae); /* accepts NULL */

const anc_vae_config *anc_vae_get_config(const anc_vae *vae);
int anc_vae_max_batch(const anc_vae *vae);
size_t anc_vae_num_params(const anc_vae *vae);
float *anc_vae_params(anc_vae *vae);    /* the blocks, anc_vae_num_params() floats each */
float *anc_vae_grads(anc_vae *vae);
float *anc_vae_adam_m(anc_vae *vae);
float *anc_vae_adam_v(anc_vae *vae);
const anc_vae_tensors *anc_vae_param_tensors(const anc_vae *vae);
const anc_vae_tensors *anc_vae_grad_tensors(const anc_vae *vae);

/* Weights ~ U(-a, a) with a = sqrt(6 / (in + out)) (Glorot), biases 0, logvar
 * bias -2 (small initial posterior spread), log_sigma 0. Zeroes grads and moments. */
void anc_vae_init(anc_vae *vae, anc_rng *rng);
void anc_vae_zero_grad(anc_vae *vae);

typedef struct anc_vae_loss {
    double total; /* rec + beta * kl, mean per frame */
    double rec;   /* mean per frame, nats */
    double kl;    /* mean per frame, nats */
    double sq_err;/* mean per frame of sum_d (x_d - f_d)^2 */
} anc_vae_loss;

/* Forward pass on x[B][D] with noise eps[B][L] (B <= max_batch). When backward is
 * non-zero, ACCUMULATES d(total)/d(params) into the gradient block and, when dx is
 * not NULL, writes d(total)/dx [B][D]. Returns ANC_E_NUMERIC (and skips the
 * backward pass) if the loss is not finite. */
anc_status anc_vae_loss_batch(anc_vae *vae, const float *x, const float *eps, int B, float beta,
                              int backward, float *dx, anc_vae_loss *out);

/* Batched inference, B <= max_batch: mu and lv [B][L] (lv may be NULL), xhat [B][D]. */
void anc_vae_encode(anc_vae *vae, const float *x, int B, float *mu, float *lv);
void anc_vae_decode(anc_vae *vae, const float *z, int B, float *xhat);

/* Reorders latent dimensions: new dimension j is old dimension perm[j]. Moves the
 * rows of the mu and logvar heads and the columns of the first decoder layer (or
 * of out.w without hidden layers) in parameters, gradients and moments alike, so
 * the model computes the same function with its latents relabelled. */
anc_status anc_vae_permute_latents(anc_vae *vae, const int *perm, anc_error *err);

#endif

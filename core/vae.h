/* vae.h — the variational autoencoder: parameter layout, loss (-ELBO), full
 * backward pass, and batched encode/decode for training and evaluation.
 *
 * Model (Prince, Understanding Deep Learning, ch. 17), per frame x in R^D:
 *   encoder  h = MLP_enc(x);  mu = W_mu h + b_mu;  lv = W_lv h + b_lv  (lv = log sigma_q^2)
 *   sample   z = mu + exp(lv / 2) * eps,  eps ~ N(0, I)   (reparameterisation)
 *   decoder  f = W_out MLP_dec(z) + b_out                  (linear output, the mean)
 *   rec  = 0.5 * sum_d (x_d - f_d)^2 / sigma^2 + D * log sigma + 0.5 * D * log(2 pi)
 *   kl   = 0.5 * sum_l (mu_l^2 + exp(lv_l) - lv_l - 1)
 *   loss = rec + beta * kl   (= -ELBO at beta = 1), averaged over the batch.
 * sigma = exp(log_sigma) is one learned scalar shared by all bins. Encoder hidden
 * widths are hidden[0..n_hidden-1] in order; the decoder uses them reversed, so
 * with hidden = {512, 256}: enc D->512->256->(L, L), dec L->256->512->D. Every
 * hidden layer is followed by the activation; the heads and the output are linear.
 *
 * Parameters, gradients and the two Adam moments are four blocks of the same
 * size; anc_vae_point() lays named pointers over any of them (llm.c style). */
#ifndef ANC_VAE_H
#define ANC_VAE_H

#include <stddef.h>

#include "nn.h"
#include "rng.h"
#include "status.h"

#define ANC_MAX_HIDDEN 8
#define ANC_MAX_LATENT 64
#define ANC_MAX_WIDTH 8192
#define ANC_TENSOR_NAME_MAX 32

typedef struct anc_vae_config {
    int n_input;                 /* D: feature bins, 1 .. ANC_MAX_WIDTH + 1 */
    int n_latent;                /* L: 1 .. ANC_MAX_LATENT */
    int n_hidden;                /* 0 .. ANC_MAX_HIDDEN */
    int hidden[ANC_MAX_HIDDEN];  /* encoder widths in order, each 1 .. ANC_MAX_WIDTH */
    anc_activation act;
} anc_vae_config;

/* Named pointers into one block. Shapes in comments; e(i) = hidden[i],
 * in(i) = i ? hidden[i-1] : D, H = hidden[n_hidden-1] (or D with no hidden layer),
 * decoder layer i maps din(i) = i ? hidden[n_hidden-i] : L to hidden[n_hidden-1-i]. */
typedef struct anc_vae_tensors {
    float *enc_w[ANC_MAX_HIDDEN]; /* [e(i)][in(i)]  names "enc.<i>.w" */
    float *enc_b[ANC_MAX_HIDDEN]; /* [e(i)]         "enc.<i>.b" */
    float *mu_w, *mu_b;           /* [L][H], [L]    "mu.w", "mu.b" */
    float *lv_w, *lv_b;           /* [L][H], [L]    "logvar.w", "logvar.b" */
    float *dec_w[ANC_MAX_HIDDEN]; /* [hidden[n_hidden-1-i]][din(i)]  "dec.<i>.w" */
    float *dec_b[ANC_MAX_HIDDEN]; /* [hidden[n_hidden-1-i]]          "dec.<i>.b" */
    float *out_w, *out_b;         /* [D][hidden[0]] (or [D][L]), [D]  "out.w", "out.b" */
    float *log_sigma;             /* [1]            "log_sigma" */
} anc_vae_tensors;

typedef struct anc_tensor_info {
    char name[ANC_TENSOR_NAME_MAX];
    size_t offset;  /* in floats from the start of the block */
    int rows, cols; /* a vector has rows = n, cols = 1 */
} anc_tensor_info;

#define ANC_VAE_MAX_TENSORS (4 * ANC_MAX_HIDDEN + 7)

/* Checks a configuration; ANC_E_INVALID with the reason if it is out of range. */
anc_status anc_vae_config_check(const anc_vae_config *cfg, anc_error *err);
/* Fills infos (may be NULL; else room for ANC_VAE_MAX_TENSORS) in block order,
 * sets *total to the block size in floats, and returns the tensor count. cfg must
 * pass anc_vae_config_check(). */
int anc_vae_layout(const anc_vae_config *cfg, anc_tensor_info *infos, size_t *total);
/* Lays the named pointers of t over block. */
void anc_vae_point(const anc_vae_config *cfg, float *block, anc_vae_tensors *t);

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

/* vae_layout.h — the VAE's architecture and its parameter layout: the
 * configuration, the one table that lists every tensor (file name, shape, place
 * in the flat block and the pointer it fills), and the decoder and encoder as
 * lists of dense layers (nn.h) derived from it. No BLAS and no training state:
 * the model loader and the real-time engine use this header, the trainer's vae.h
 * builds on it.
 *
 * Shapes: D = n_input, L = n_latent, nh = n_hidden. Encoder hidden widths are
 * hidden[0..nh-1] in order; the decoder uses them reversed, so with
 * hidden = {512, 256}: enc D->512->256->(L, L), dec L->256->512->D. Every hidden
 * layer is followed by the activation; the heads and the output are linear.
 * Which width each layer has is decided in one place, vae_layout.c. */
#ifndef ANC_VAE_LAYOUT_H
#define ANC_VAE_LAYOUT_H

#include <stddef.h>

#include "nn.h"
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

/* Named pointers into one block; the layout table gives each its shape. The
 * decoder's layer i < nh is dec_w[i], dec_b[i]; its last layer is out_w, out_b. */
typedef struct anc_vae_tensors {
    float *enc_w[ANC_MAX_HIDDEN]; /* "enc.<i>.w" */
    float *enc_b[ANC_MAX_HIDDEN]; /* "enc.<i>.b" */
    float *mu_w, *mu_b;           /* "mu.w", "mu.b" */
    float *lv_w, *lv_b;           /* "logvar.w", "logvar.b" */
    float *dec_w[ANC_MAX_HIDDEN]; /* "dec.<i>.w" */
    float *dec_b[ANC_MAX_HIDDEN]; /* "dec.<i>.b" */
    float *out_w, *out_b;         /* "out.w", "out.b" */
    float *log_sigma;             /* [1] "log_sigma" */
} anc_vae_tensors;

typedef struct anc_tensor_info {
    char name[ANC_TENSOR_NAME_MAX]; /* the record name in a model file */
    size_t offset;  /* in floats from the start of the block */
    int rows, cols; /* a vector has rows = n, cols = 1 */
    int ndim;       /* 2 for weight matrices (even [n][1]), 1 for vectors */
    int decoder;    /* 1 when the decoder (engine) needs it: decoder layers and log_sigma */
    size_t slot;    /* offsetof(anc_vae_tensors, the pointer this tensor fills) */
} anc_tensor_info;

#define ANC_VAE_MAX_TENSORS (4 * ANC_MAX_HIDDEN + 7)

/* Checks a configuration; ANC_E_INVALID with the reason if it is out of range. */
anc_status anc_vae_config_check(const anc_vae_config *cfg, anc_error *err);
/* Fills infos (may be NULL; else room for ANC_VAE_MAX_TENSORS) in block order,
 * sets *total (may be NULL) to the block size in floats, and returns the tensor
 * count. cfg must pass anc_vae_config_check(). */
int anc_vae_layout(const anc_vae_config *cfg, anc_tensor_info *infos, size_t *total);
/* Lays the named pointers of t over block (unused ones NULL). */
void anc_vae_point(const anc_vae_config *cfg, float *block, anc_vae_tensors *t);

/* The decoder L -> .. -> D as nh + 1 dense layers over t (hidden layers with
 * cfg->act, the output linear). */
void anc_vae_decoder(const anc_vae_config *cfg, const anc_vae_tensors *t, anc_mlp *dec);
/* The encoder's hidden layers D -> .. -> H (nh layers, all with cfg->act; none
 * without hidden layers); the mu and logvar heads read H = its last width, or D. */
void anc_vae_encoder_trunk(const anc_vae_config *cfg, const anc_vae_tensors *t, anc_mlp *enc);

#endif

/* vae_layout.c — the VAE's configuration check, its parameter layout (which
 * tensor sits where in the flat parameter block, and which pointer it fills) and
 * the decoder and encoder layer lists. No BLAS, so the real-time side (model
 * loader, engine) can use it. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vae_layout.h"

anc_status anc_vae_config_check(const anc_vae_config *cfg, anc_error *err)
{
    if (!cfg)
        return anc_error_set(err, ANC_E_INVALID, "no VAE configuration");
    if (cfg->n_input < 1 || cfg->n_input > ANC_MAX_WIDTH + 1)
        return anc_error_set(err, ANC_E_INVALID, "input size %d out of range 1..%d", cfg->n_input,
                             ANC_MAX_WIDTH + 1);
    if (cfg->n_latent < 1 || cfg->n_latent > ANC_MAX_LATENT)
        return anc_error_set(err, ANC_E_INVALID, "latent size %d out of range 1..%d",
                             cfg->n_latent, ANC_MAX_LATENT);
    if (cfg->n_hidden < 0 || cfg->n_hidden > ANC_MAX_HIDDEN)
        return anc_error_set(err, ANC_E_INVALID, "%d hidden layers, at most %d allowed",
                             cfg->n_hidden, ANC_MAX_HIDDEN);
    for (int i = 0; i < cfg->n_hidden; i++)
        if (cfg->hidden[i] < 1 || cfg->hidden[i] > ANC_MAX_WIDTH)
            return anc_error_set(err, ANC_E_INVALID, "hidden layer %d has width %d, range 1..%d",
                                 i + 1, cfg->hidden[i], ANC_MAX_WIDTH);
    if ((int)cfg->act < 0 || (int)cfg->act >= ANC_ACT_COUNT)
        return anc_error_set(err, ANC_E_INVALID, "unknown activation %d", (int)cfg->act);
    return ANC_OK;
}

/* The one place that decides layer widths. Encoder hidden layer i (0 .. nh-1):
 * in(i) -> hidden[i]. Decoder layer i (0 .. nh): the hidden widths reversed,
 * starting from L and ending at D. */
static void encoder_shape(const anc_vae_config *c, int i, int *in, int *out)
{
    *in = i ? c->hidden[i - 1] : c->n_input;
    *out = c->hidden[i];
}

static void decoder_shape(const anc_vae_config *c, int i, int *in, int *out)
{
    const int nh = c->n_hidden;
    *in = i ? c->hidden[nh - i] : c->n_latent;
    *out = i < nh ? c->hidden[nh - 1 - i] : c->n_input;
}

/* Width the mu and logvar heads read. */
static int head_input(const anc_vae_config *c)
{
    return c->n_hidden ? c->hidden[c->n_hidden - 1] : c->n_input;
}

typedef struct builder {
    anc_tensor_info *infos; /* NULL: count only */
    int count;
    size_t off;
} builder;

static void add(builder *b, size_t slot, int ndim, int decoder, int rows, int cols,
                const char *stem, const char *suffix)
{
    if (b->infos) {
        anc_tensor_info *t = &b->infos[b->count];
        /* at most "logvar.w" or "enc.7.w": never truncated */
        if (snprintf(t->name, sizeof t->name, "%s%s", stem, suffix) >= (int)sizeof t->name)
            t->name[0] = '\0';
        t->offset = b->off;
        t->rows = rows;
        t->cols = cols;
        t->ndim = ndim;
        t->decoder = decoder;
        t->slot = slot;
    }
    b->count++;
    b->off += (size_t)rows * (size_t)cols;
}

#define SLOT(field) offsetof(anc_vae_tensors, field)
#define SLOT_I(array, i) (offsetof(anc_vae_tensors, array) + (size_t)(i) * sizeof(float *))

/* A dense layer's weight "<stem>.w" [out][in] and bias "<stem>.b" [out]. */
static void add_dense(builder *b, size_t w_slot, size_t b_slot, int decoder, int in, int out,
                      const char *stem)
{
    add(b, w_slot, 2, decoder, out, in, stem, ".w");
    add(b, b_slot, 1, decoder, out, 1, stem, ".b");
}

int anc_vae_layout(const anc_vae_config *cfg, anc_tensor_info *infos, size_t *total)
{
    const int L = cfg->n_latent, nh = cfg->n_hidden, H = head_input(cfg);
    builder b = {.infos = infos};
    char stem[ANC_TENSOR_NAME_MAX];
    int in, out;
    for (int i = 0; i < nh; i++) {
        encoder_shape(cfg, i, &in, &out);
        snprintf(stem, sizeof stem, "enc.%d", i);
        add_dense(&b, SLOT_I(enc_w, i), SLOT_I(enc_b, i), 0, in, out, stem);
    }
    add_dense(&b, SLOT(mu_w), SLOT(mu_b), 0, H, L, "mu");
    add_dense(&b, SLOT(lv_w), SLOT(lv_b), 0, H, L, "logvar");
    for (int i = 0; i < nh; i++) {
        decoder_shape(cfg, i, &in, &out);
        snprintf(stem, sizeof stem, "dec.%d", i);
        add_dense(&b, SLOT_I(dec_w, i), SLOT_I(dec_b, i), 1, in, out, stem);
    }
    decoder_shape(cfg, nh, &in, &out);
    add_dense(&b, SLOT(out_w), SLOT(out_b), 1, in, out, "out");
    add(&b, SLOT(log_sigma), 1, 1, 1, 1, "log_sigma", "");
    if (total)
        *total = b.off;
    return b.count;
}

void anc_vae_point(const anc_vae_config *cfg, float *block, anc_vae_tensors *t)
{
    anc_tensor_info infos[ANC_VAE_MAX_TENSORS];
    int n = anc_vae_layout(cfg, infos, NULL);
    memset(t, 0, sizeof *t);
    for (int i = 0; i < n; i++) {
        float **slot = (float **)(void *)((char *)t + infos[i].slot);
        *slot = block + infos[i].offset;
    }
}

_Static_assert(ANC_MLP_MAX_LAYERS >= ANC_MAX_HIDDEN + 1, "anc_mlp holds the whole decoder");

static void set_layer(anc_dense_layer *l, int in, int out, anc_activation act, float *W, float *b)
{
    *l = (anc_dense_layer){.in = in, .out = out, .act = act, .W = W, .b = b};
}

void anc_vae_decoder(const anc_vae_config *cfg, const anc_vae_tensors *t, anc_mlp *dec)
{
    const int nh = cfg->n_hidden;
    int in, out;
    memset(dec, 0, sizeof *dec);
    for (int i = 0; i < nh; i++) {
        decoder_shape(cfg, i, &in, &out);
        set_layer(&dec->layer[i], in, out, cfg->act, t->dec_w[i], t->dec_b[i]);
    }
    decoder_shape(cfg, nh, &in, &out);
    set_layer(&dec->layer[nh], in, out, ANC_ACT_LINEAR, t->out_w, t->out_b);
    dec->n_layers = nh + 1;
}

void anc_vae_encoder_trunk(const anc_vae_config *cfg, const anc_vae_tensors *t, anc_mlp *enc)
{
    int in, out;
    memset(enc, 0, sizeof *enc);
    for (int i = 0; i < cfg->n_hidden; i++) {
        encoder_shape(cfg, i, &in, &out);
        set_layer(&enc->layer[i], in, out, cfg->act, t->enc_w[i], t->enc_b[i]);
    }
    enc->n_layers = cfg->n_hidden;
}

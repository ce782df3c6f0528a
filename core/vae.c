/* vae.c — the VAE training object: parameter/gradient/moment blocks, the batch
 * workspace, the loss (-ELBO) with its full backward pass, batched encode and
 * decode, and latent reordering. The model and every derivative are written out
 * in vae.h; shapes of every buffer are in the struct below. */
#include "vae.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

struct anc_vae {
    anc_vae_config cfg;
    int max_batch;
    size_t n_params;
    float *block;          /* 4 * n_params: params | grads | adam m | adam v */
    anc_vae_tensors p, g;  /* named pointers into params and grads */
    anc_mlp enc, dec;      /* encoder hidden layers and decoder, over params */
    anc_mlp enc_g, dec_g;  /* the same layers over grads */
    /* Workspace, each [max_batch][width of layer i's output]: */
    float *enc_pre[ANC_MLP_MAX_LAYERS], *enc_post[ANC_MLP_MAX_LAYERS];
    /* the decoder's last layer is linear: its pre and post are both f */
    float *dec_pre[ANC_MLP_MAX_LAYERS], *dec_post[ANC_MLP_MAX_LAYERS];
    float *mu, *lv, *sd, *z;  /* width L */
    float *f;                 /* width D: decoder mean */
    float *d1, *d2, *d3;      /* width max_width: backward scratch */
    float *dmu, *dlv;         /* width L */
    float *work;              /* one allocation behind all of the above */
};

static int max_width(const anc_vae_config *c)
{
    int w = c->n_input > c->n_latent ? c->n_input : c->n_latent;
    for (int i = 0; i < c->n_hidden; i++)
        if (c->hidden[i] > w)
            w = c->hidden[i];
    return w;
}

anc_status anc_vae_create(anc_vae **out, const anc_vae_config *cfg, int max_batch, anc_error *err)
{
    *out = NULL;
    anc_status st = anc_vae_config_check(cfg, err);
    if (st != ANC_OK)
        return st;
    if (max_batch < 1 || max_batch > (1 << 20))
        return anc_error_set(err, ANC_E_INVALID, "batch size %d out of range 1..%d", max_batch,
                             1 << 20);
    anc_vae *v = calloc(1, sizeof *v);
    if (!v)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the VAE");
    v->cfg = *cfg;
    v->max_batch = max_batch;
    size_t n_params;
    anc_vae_layout(cfg, NULL, &n_params);
    v->n_params = n_params;
    v->block = calloc(4 * n_params, sizeof *v->block);

    const int nh = cfg->n_hidden, L = cfg->n_latent, D = cfg->n_input, W = max_width(cfg);
    size_t per_row = 0;
    for (int i = 0; i < nh; i++)
        per_row += 4 * (size_t)cfg->hidden[i];
    per_row += 6 * (size_t)L + (size_t)D + 3 * (size_t)W;
    v->work = calloc(per_row * (size_t)max_batch, sizeof *v->work);
    if (!v->block || !v->work) {
        anc_vae_free(v);
        return anc_error_set(err, ANC_E_NOMEM,
                             "out of memory for %zu VAE parameters and a workspace of %zu floats",
                             n_params, per_row * (size_t)max_batch);
    }
    anc_vae_point(cfg, v->block, &v->p);
    anc_vae_point(cfg, v->block + n_params, &v->g);
    anc_vae_encoder_trunk(cfg, &v->p, &v->enc);
    anc_vae_encoder_trunk(cfg, &v->g, &v->enc_g);
    anc_vae_decoder(cfg, &v->p, &v->dec);
    anc_vae_decoder(cfg, &v->g, &v->dec_g);

    float *w = v->work;
#define TAKE(ptr, width) (ptr = w, w += (size_t)(width) * (size_t)max_batch)
    for (int i = 0; i < nh; i++) {
        TAKE(v->enc_pre[i], v->enc.layer[i].out);
        TAKE(v->enc_post[i], v->enc.layer[i].out);
        TAKE(v->dec_pre[i], v->dec.layer[i].out);
        TAKE(v->dec_post[i], v->dec.layer[i].out);
    }
    TAKE(v->mu, L);
    TAKE(v->lv, L);
    TAKE(v->sd, L);
    TAKE(v->z, L);
    TAKE(v->dmu, L);
    TAKE(v->dlv, L);
    TAKE(v->f, D);
    TAKE(v->d1, W);
    TAKE(v->d2, W);
    TAKE(v->d3, W);
#undef TAKE
    v->dec_pre[nh] = v->dec_post[nh] = v->f;
    *out = v;
    return ANC_OK;
}

void anc_vae_free(anc_vae *vae)
{
    if (!vae)
        return;
    free(vae->block);
    free(vae->work);
    free(vae);
}

const anc_vae_config *anc_vae_get_config(const anc_vae *vae) { return &vae->cfg; }
int anc_vae_max_batch(const anc_vae *vae) { return vae->max_batch; }
size_t anc_vae_num_params(const anc_vae *vae) { return vae->n_params; }
float *anc_vae_params(anc_vae *vae) { return vae->block; }
float *anc_vae_grads(anc_vae *vae) { return vae->block + vae->n_params; }
float *anc_vae_adam_m(anc_vae *vae) { return vae->block + 2 * vae->n_params; }
float *anc_vae_adam_v(anc_vae *vae) { return vae->block + 3 * vae->n_params; }
const anc_vae_tensors *anc_vae_param_tensors(const anc_vae *vae) { return &vae->p; }
const anc_vae_tensors *anc_vae_grad_tensors(const anc_vae *vae) { return &vae->g; }

void anc_vae_zero_grad(anc_vae *vae)
{
    memset(anc_vae_grads(vae), 0, vae->n_params * sizeof(float));
}

void anc_vae_init(anc_vae *vae, anc_rng *rng)
{
    anc_tensor_info infos[ANC_VAE_MAX_TENSORS];
    int n = anc_vae_layout(&vae->cfg, infos, NULL);
    memset(vae->block, 0, 4 * vae->n_params * sizeof(float));
    for (int t = 0; t < n; t++) {
        const anc_tensor_info *ti = &infos[t];
        if (ti->cols == 1)
            continue; /* biases and log_sigma start at 0 */
        float *p = vae->block + ti->offset;
        double a = sqrt(6.0 / (ti->rows + ti->cols));
        for (size_t i = 0; i < (size_t)ti->rows * ti->cols; i++)
            p[i] = (float)((2.0 * anc_rng_uniform(rng) - 1.0) * a);
    }
    for (int l = 0; l < vae->cfg.n_latent; l++)
        vae->p.lv_b[l] = -2.0f;
}

/* Width the mu and logvar heads read: the encoder's last width, or D. */
static int head_width(const anc_vae *v)
{
    return v->enc.n_layers ? v->enc.layer[v->enc.n_layers - 1].out : v->cfg.n_input;
}

/* x[B][D] -> mu, lv [B][L]; keeps every layer's pre- and post-activation. */
static void encoder_forward(anc_vae *v, const float *x, int B)
{
    const anc_vae_config *c = &v->cfg;
    const float *h =
        anc_mlp_forward(&v->enc, anc_dense_kernel_batch, x, B, v->enc_pre, v->enc_post);
    const int H = head_width(v);
    anc_dense_forward(v->mu, h, v->p.mu_w, v->p.mu_b, B, H, c->n_latent);
    anc_dense_forward(v->lv, h, v->p.lv_w, v->p.lv_b, B, H, c->n_latent);
}

/* z[B][L] -> f[B][D]; keeps every layer's pre- and post-activation. */
static void decoder_forward(anc_vae *v, const float *z, int B)
{
    anc_mlp_forward(&v->dec, anc_dense_kernel_batch, z, B, v->dec_pre, v->dec_post);
}

anc_status anc_vae_loss_batch(anc_vae *v, const float *x, const float *eps, int B, float beta,
                              int backward, float *dx, anc_vae_loss *out)
{
    const anc_vae_config *c = &v->cfg;
    const int D = c->n_input, L = c->n_latent, nh = c->n_hidden;
    if (B < 1 || B > v->max_batch)
        return ANC_E_INVALID;

    encoder_forward(v, x, B);
    const size_t nl = (size_t)B * L;
    for (size_t i = 0; i < nl; i++) {
        v->sd[i] = expf(0.5f * v->lv[i]);
        v->z[i] = v->mu[i] + v->sd[i] * eps[i];
    }
    decoder_forward(v, v->z, B);

    const double log_sigma = v->p.log_sigma[0];
    const double inv_var = exp(-2.0 * log_sigma);
    double sq = 0.0, kl = 0.0;
    for (size_t i = 0; i < (size_t)B * D; i++) {
        double e = (double)x[i] - v->f[i];
        sq += e * e;
    }
    for (size_t i = 0; i < nl; i++) {
        double m = v->mu[i], lvi = v->lv[i];
        kl += m * m + exp(lvi) - lvi - 1.0;
    }
    kl *= 0.5;
    const double rec = 0.5 * sq * inv_var + (double)B * D * (log_sigma + 0.5 * LOG_2PI);
    anc_vae_loss loss = {
        .rec = rec / B, .kl = kl / B, .total = (rec + beta * kl) / B, .sq_err = sq / B};
    if (out)
        *out = loss;
    if (!isfinite(loss.total))
        return ANC_E_NUMERIC;
    if (!backward)
        return ANC_OK;

    const float invB = 1.0f / (float)B;
    /* d total / d f = -(x - f) / sigma^2 / B; d total / d log_sigma = (D B - sq/sigma^2) / B */
    float *df = v->d3; /* kept until the end: dx needs it */
    for (size_t i = 0; i < (size_t)B * D; i++)
        df[i] = (float)(-((double)x[i] - v->f[i]) * inv_var) * invB;
    v->g.log_sigma[0] += (float)(((double)B * D - sq * inv_var) / B);

    /* Decoder, from the output layer back to z; dcur = d/d(layer output),
     * then d/d(layer input), ping-ponging between d1 and d2. The output layer is
     * linear, so df itself is never written. */
    float *dcur = df, *dnext = v->d1;
    for (int i = v->dec.n_layers - 1; i >= 0; i--) {
        const anc_dense_layer *l = &v->dec.layer[i], *lg = &v->dec_g.layer[i];
        const float *gin = i ? v->dec_post[i - 1] : v->z;
        if (l->act != ANC_ACT_LINEAR)
            anc_act_backward(l->act, dcur, dcur, v->dec_pre[i], v->dec_post[i],
                             (size_t)B * l->out);
        anc_dense_backward(dnext, lg->W, lg->b, dcur, gin, l->W, B, l->in, l->out);
        dcur = dnext;
        dnext = dnext == v->d1 ? v->d2 : v->d1;
    }
    /* dcur = d/dz [B][L]. Through z = mu + sd * eps and the KL term:
     * d/dmu = dz + beta mu / B;  d/dlv = dz eps sd / 2 + beta (exp(lv) - 1) / (2B). */
    for (size_t i = 0; i < nl; i++) {
        v->dmu[i] = dcur[i] + beta * v->mu[i] * invB;
        v->dlv[i] = 0.5f * dcur[i] * eps[i] * v->sd[i] +
                    0.5f * beta * (v->sd[i] * v->sd[i] - 1.0f) * invB;
    }

    /* Encoder heads, then the hidden layers back to x. */
    const float *hin = nh ? v->enc_post[nh - 1] : x;
    const int H = head_width(v);
    float *dh = v->d1, *dh2 = v->d2;
    anc_dense_backward(dh, v->g.mu_w, v->g.mu_b, v->dmu, hin, v->p.mu_w, B, H, L);
    anc_dense_backward(dh2, v->g.lv_w, v->g.lv_b, v->dlv, hin, v->p.lv_w, B, H, L);
    for (size_t i = 0; i < (size_t)B * H; i++)
        dh[i] += dh2[i];
    for (int i = nh - 1; i >= 0; i--) {
        const anc_dense_layer *l = &v->enc.layer[i], *lg = &v->enc_g.layer[i];
        const float *xin = i ? v->enc_post[i - 1] : x;
        anc_act_backward(l->act, dh, dh, v->enc_pre[i], v->enc_post[i], (size_t)B * l->out);
        float *din = (i == 0 && !dx) ? NULL : dh2;
        anc_dense_backward(din, lg->W, lg->b, dh, xin, l->W, B, l->in, l->out);
        float *t = dh;
        dh = dh2;
        dh2 = t;
    }
    /* dh = d/dx through the encoder [B][D]; add the direct reconstruction path. */
    if (dx)
        for (size_t i = 0; i < (size_t)B * D; i++)
            dx[i] = dh[i] - df[i];
    return ANC_OK;
}

void anc_vae_encode(anc_vae *v, const float *x, int B, float *mu, float *lv)
{
    const size_t nl = (size_t)B * v->cfg.n_latent;
    encoder_forward(v, x, B);
    memcpy(mu, v->mu, nl * sizeof *mu);
    if (lv)
        memcpy(lv, v->lv, nl * sizeof *lv);
}

void anc_vae_decode(anc_vae *v, const float *z, int B, float *xhat)
{
    decoder_forward(v, z, B);
    memcpy(xhat, v->f, (size_t)B * v->cfg.n_input * sizeof *xhat);
}

static void permute_rows(float *a, int rows, int cols, const int *perm, float *tmp)
{
    memcpy(tmp, a, (size_t)rows * cols * sizeof *tmp);
    for (int r = 0; r < rows; r++)
        memcpy(a + (size_t)r * cols, tmp + (size_t)perm[r] * cols, (size_t)cols * sizeof *a);
}

static void permute_cols(float *a, int rows, int cols, const int *perm, float *tmp)
{
    memcpy(tmp, a, (size_t)rows * cols * sizeof *tmp);
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < cols; k++)
            a[(size_t)r * cols + k] = tmp[(size_t)r * cols + perm[k]];
}

anc_status anc_vae_permute_latents(anc_vae *v, const int *perm, anc_error *err)
{
    const anc_vae_config *c = &v->cfg;
    const int L = c->n_latent;
    int seen[ANC_MAX_LATENT] = {0};
    for (int j = 0; j < L; j++) {
        if (perm[j] < 0 || perm[j] >= L || seen[perm[j]])
            return anc_error_set(err, ANC_E_INVALID, "latent order is not a permutation of 0..%d",
                                 L - 1);
        seen[perm[j]] = 1;
    }
    /* the decoder's first layer reads z: its columns follow the latents */
    const int H = head_width(v), drows = v->dec.layer[0].out;
    size_t biggest = (size_t)L * H > (size_t)drows * L ? (size_t)L * H : (size_t)drows * L;
    float *tmp = malloc(biggest * sizeof *tmp);
    if (!tmp)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory reordering latents");
    for (int b = 0; b < 4; b++) {
        anc_vae_tensors t;
        anc_vae_point(c, v->block + (size_t)b * v->n_params, &t);
        permute_rows(t.mu_w, L, H, perm, tmp);
        permute_rows(t.mu_b, L, 1, perm, tmp);
        permute_rows(t.lv_w, L, H, perm, tmp);
        permute_rows(t.lv_b, L, 1, perm, tmp);
        anc_mlp layers;
        anc_vae_decoder(c, &t, &layers);
        permute_cols(layers.layer[0].W, drows, L, perm, tmp);
    }
    free(tmp);
    return ANC_OK;
}

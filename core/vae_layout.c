/* vae_layout.c — the VAE's configuration check and parameter layout: which named
 * tensor sits where in the flat parameter block. No BLAS, so the real-time side
 * (model loader, engine) can use it. */
#include <stdio.h>
#include <string.h>

#include "vae.h"

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

static void add(anc_tensor_info *infos, int *count, size_t *off, const char *name, int rows,
                int cols)
{
    if (infos) {
        anc_tensor_info *t = &infos[*count];
        snprintf(t->name, sizeof t->name, "%s", name);
        t->offset = *off;
        t->rows = rows;
        t->cols = cols;
    }
    (*count)++;
    *off += (size_t)rows * (size_t)cols;
}

int anc_vae_layout(const anc_vae_config *cfg, anc_tensor_info *infos, size_t *total)
{
    const int D = cfg->n_input, L = cfg->n_latent, nh = cfg->n_hidden;
    const int H = nh ? cfg->hidden[nh - 1] : D;
    char name[ANC_TENSOR_NAME_MAX];
    int count = 0;
    size_t off = 0;

    for (int i = 0; i < nh; i++) {
        int in = i ? cfg->hidden[i - 1] : D;
        snprintf(name, sizeof name, "enc.%d.w", i);
        add(infos, &count, &off, name, cfg->hidden[i], in);
        snprintf(name, sizeof name, "enc.%d.b", i);
        add(infos, &count, &off, name, cfg->hidden[i], 1);
    }
    add(infos, &count, &off, "mu.w", L, H);
    add(infos, &count, &off, "mu.b", L, 1);
    add(infos, &count, &off, "logvar.w", L, H);
    add(infos, &count, &off, "logvar.b", L, 1);
    for (int i = 0; i < nh; i++) {
        int in = i ? cfg->hidden[nh - i] : L;
        int out = cfg->hidden[nh - 1 - i];
        snprintf(name, sizeof name, "dec.%d.w", i);
        add(infos, &count, &off, name, out, in);
        snprintf(name, sizeof name, "dec.%d.b", i);
        add(infos, &count, &off, name, out, 1);
    }
    add(infos, &count, &off, "out.w", D, nh ? cfg->hidden[0] : L);
    add(infos, &count, &off, "out.b", D, 1);
    add(infos, &count, &off, "log_sigma", 1, 1);
    if (total)
        *total = off;
    return count;
}

void anc_vae_point(const anc_vae_config *cfg, float *block, anc_vae_tensors *t)
{
    anc_tensor_info infos[ANC_VAE_MAX_TENSORS];
    int n = anc_vae_layout(cfg, infos, NULL);
    memset(t, 0, sizeof *t);
    for (int i = 0; i < n; i++) {
        float *p = block + infos[i].offset;
        const char *nm = infos[i].name;
        int layer;
        char kind;
        if (sscanf(nm, "enc.%d.%c", &layer, &kind) == 2)
            *(kind == 'w' ? &t->enc_w[layer] : &t->enc_b[layer]) = p;
        else if (sscanf(nm, "dec.%d.%c", &layer, &kind) == 2)
            *(kind == 'w' ? &t->dec_w[layer] : &t->dec_b[layer]) = p;
        else if (!strcmp(nm, "mu.w")) t->mu_w = p;
        else if (!strcmp(nm, "mu.b")) t->mu_b = p;
        else if (!strcmp(nm, "logvar.w")) t->lv_w = p;
        else if (!strcmp(nm, "logvar.b")) t->lv_b = p;
        else if (!strcmp(nm, "out.w")) t->out_w = p;
        else if (!strcmp(nm, "out.b")) t->out_b = p;
        else if (!strcmp(nm, "log_sigma")) t->log_sigma = p;
    }
}

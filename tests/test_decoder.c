/* test_decoder.c — one decoder for training and real time:
 *  1. the layout table against the configuration, written out independently here:
 *     block order, shapes, ndim, every pointer slot filled once, and the decoder
 *     and encoder layer lists chaining L -> hidden reversed -> D and D -> hidden;
 *  2. the engine's noise-free magnitudes for random z equal features_to_mag of
 *     the trainer's decode(z) (sgemm path, exact feature code) within float
 *     rounding, for 0, 1, 2 and 3 hidden layers and every activation. The model
 *     is freed before the engine runs: the engine keeps its own weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "feature.h"
#include "model.h"
#include "rng.h"
#include "synth_model.h"
#include "vae.h"

typedef struct arch {
    int latent, n_hidden, hidden[3];
    anc_activation act;
} arch;

static const arch ARCHS[] = {
    {3, 0, {0}, ANC_ACT_LINEAR},
    {5, 1, {24}, ANC_ACT_RELU},
    {4, 2, {32, 16}, ANC_ACT_SILU},
    {8, 3, {40, 20, 12}, ANC_ACT_TANH},
    {6, 2, {33, 17}, ANC_ACT_LEAKY_RELU},
};
#define N_ARCHS (int)(sizeof ARCHS / sizeof *ARCHS)

static void test_layout(const anc_vae_config *c)
{
    const int nh = c->n_hidden, D = c->n_input, L = c->n_latent;
    anc_tensor_info ti[ANC_VAE_MAX_TENSORS];
    size_t total = 0;
    const int n = anc_vae_layout(c, ti, &total);
    float *block = malloc((total ? total : 1) * sizeof *block);
    if (!check_true(block != NULL, "out of memory"))
        return;
    anc_vae_tensors t;
    anc_vae_point(c, block, &t);
    int bad = 0;

    /* Widths of the decoder's activations: L, hidden reversed, D. */
    int dw[ANC_MAX_HIDDEN + 2], ew[ANC_MAX_HIDDEN + 1];
    dw[0] = L;
    for (int i = 0; i < nh; i++)
        dw[1 + i] = c->hidden[nh - 1 - i];
    dw[nh + 1] = D;
    ew[0] = D;
    for (int i = 0; i < nh; i++)
        ew[1 + i] = c->hidden[i];

    /* Block order and contiguity, names unique, slots filled once. */
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        bad += !check_true(ti[i].offset == off, "%s at %zu, expected %zu", ti[i].name, ti[i].offset,
                           off);
        off += (size_t)ti[i].rows * ti[i].cols;
        float *const *slot = (float *const *)(const void *)((const char *)&t + ti[i].slot);
        bad += !check_true(*slot == block + ti[i].offset, "%s: slot not pointed at its offset",
                           ti[i].name);
        size_t len = strlen(ti[i].name);
        int is_w = len > 2 && !strcmp(ti[i].name + len - 2, ".w");
        bad += !check_true(ti[i].ndim == (is_w ? 2 : 1), "%s: ndim %d", ti[i].name, ti[i].ndim);
        for (int j = 0; j < i; j++)
            bad += !check_true(strcmp(ti[i].name, ti[j].name) && ti[i].slot != ti[j].slot,
                               "%s and %s share a name or slot", ti[i].name, ti[j].name);
    }
    bad += !check_true(off == total, "total %zu, tensors add up to %zu", total, off);
    int filled = 0;
    for (size_t k = 0; k < sizeof t / sizeof(float *); k++)
        filled += ((float *const *)(const void *)&t)[k] != NULL;
    bad += !check_true(filled == n && n == 4 * nh + 7, "%d slots filled, %d tensors", filled, n);

    /* Decoder layers chain dw[] and sit on dec.i / out; encoder trunk chains ew[]. */
    anc_mlp dec, enc;
    anc_vae_decoder(c, &t, &dec);
    anc_vae_encoder_trunk(c, &t, &enc);
    bad += !check_true(dec.n_layers == nh + 1 && enc.n_layers == nh, "%d decoder, %d encoder layers",
                       dec.n_layers, enc.n_layers);
    for (int i = 0; i <= nh; i++) {
        const anc_dense_layer *l = &dec.layer[i];
        const int last = i == nh;
        bad += !check_true(l->in == dw[i] && l->out == dw[i + 1], "decoder layer %d: %d -> %d", i,
                           l->in, l->out);
        bad += !check_true(l->W == (last ? t.out_w : t.dec_w[i]) &&
                               l->b == (last ? t.out_b : t.dec_b[i]) &&
                               l->act == (last ? ANC_ACT_LINEAR : c->act),
                           "decoder layer %d: tensors or activation", i);
    }
    for (int i = 0; i < nh; i++) {
        const anc_dense_layer *l = &enc.layer[i];
        bad += !check_true(l->in == ew[i] && l->out == ew[i + 1] && l->W == t.enc_w[i] &&
                               l->b == t.enc_b[i] && l->act == c->act,
                           "encoder layer %d", i);
    }
    /* The table's shapes agree with the layers they hold. */
    for (int i = 0; i < n; i++)
        for (int k = 0; k <= nh; k++)
            if (block + ti[i].offset == dec.layer[k].W)
                bad += !check_true(ti[i].rows == dec.layer[k].out && ti[i].cols == dec.layer[k].in,
                                   "%s shape %dx%d", ti[i].name, ti[i].rows, ti[i].cols);
    printf("%s layout: %d hidden, %d tensors, %zu floats\n", bad ? "FAIL" : "ok", nh, n, total);
    free(block);
}

/* Magnitudes through the trainer's path: anc_vae_decode (sgemm), anc_features_to_mag. */
static int trainer_mags(const anc_model *m, const float *z, int nz, float *mag)
{
    const anc_model_header *h = anc_model_get_header(m);
    const int D = h->arch.n_input;
    anc_vae *vae = NULL;
    anc_error err;
    if (!check_true(anc_vae_create(&vae, &h->arch, nz, &err) == ANC_OK, "vae: %s", err.message))
        return 0;
    if (!check_true(anc_vae_num_params(vae) == anc_model_num_params(m), "parameter counts differ")) {
        anc_vae_free(vae);
        return 0;
    }
    memcpy(anc_vae_params(vae), anc_model_params_const(m),
           anc_model_num_params(m) * sizeof(float));
    float *f = malloc((size_t)nz * D * sizeof *f);
    if (!check_true(f != NULL, "out of memory")) {
        anc_vae_free(vae);
        return 0;
    }
    anc_vae_decode(vae, z, nz, f);
    for (int k = 0; k < nz; k++)
        anc_features_to_mag(anc_model_feature_mean_const(m), anc_model_feature_std_const(m),
                            f + (size_t)k * D, mag + (size_t)k * D, D);
    free(f);
    anc_vae_free(vae);
    return 1;
}

static void test_engine_matches_trainer(const arch *a, uint64_t seed)
{
    enum { NZ = 16 };
    const uint32_t rate = 22050, n_fft = 512;
    anc_error err;
    anc_model *m = synth_model(rate, n_fft, a->latent, a->hidden, a->n_hidden, a->act, &err);
    if (!check_true(m != NULL, "model: %s", err.message))
        return;
    const anc_model_header *h = anc_model_get_header(m);
    const int D = h->arch.n_input, L = a->latent;
    test_layout(&h->arch);

    /* Random weights and latents; levels kept well below the engine's dB ceiling. */
    anc_rng rng;
    anc_rng_seed(&rng, seed);
    float *w = anc_model_params(m);
    for (size_t i = 0; i < anc_model_num_params(m); i++)
        w[i] = (float)(0.6 * anc_rng_uniform(&rng) - 0.3);
    float *mean = anc_model_feature_mean(m), *std = anc_model_feature_std(m);
    for (int k = 0; k < D; k++) {
        mean[k] = -50.0f - 20.0f * (float)k / (float)D;
        std[k] = 6.0f;
    }
    float z[NZ * 8];
    for (int i = 0; i < NZ * L; i++)
        z[i] = (float)anc_rng_normal(&rng);

    float *want = malloc((size_t)NZ * D * sizeof *want), *got = malloc((size_t)NZ * D * sizeof *got);
    float *out = NULL;
    anc_engine *e = NULL;
    if (!check_true(want && got, "out of memory") || !trainer_mags(m, z, NZ, want))
        goto done;
    if (!check_true(anc_engine_create(&e, m, rate, 7, &err) == ANC_OK, "engine: %s", err.message))
        goto done;
    anc_model_free(m); /* the engine must not need it any more */
    m = NULL;

    anc_engine_params p;
    anc_engine_params_default(&p);
    p.glide = 0.0f;
    p.noise = 0.0f;
    anc_engine_set_params(e, &p);
    const int hop = anc_engine_host_hop(e);
    out = malloc((size_t)hop * sizeof *out);
    if (!check_true(out != NULL, "out of memory"))
        goto done;
    int zbad = 0;
    for (int k = 0; k < NZ; k++) {
        anc_engine_set_latent(e, z + k * L, L);
        anc_engine_process(e, out, (uint32_t)hop); /* exactly one frame, decoded first */
        zbad += memcmp(anc_engine_current_z(e), z + k * L, (size_t)L * sizeof *z) != 0;
        int n = 0;
        const float *mag = anc_engine_last_magnitudes(e, &n);
        if (!check_true(n == D, "engine has %d magnitudes, model %d", n, D))
            goto done;
        memcpy(got + (size_t)k * D, mag, (size_t)D * sizeof *got);
    }
    check_true(zbad == 0, "%d frames decoded another z than the one set", zbad);
    float peak_db = -1000.0f;
    for (int i = 0; i < NZ * D; i++)
        peak_db = fmaxf(peak_db, 20.0f * log10f(want[i]));
    check_true(peak_db < 6.0f, "test levels reach %.1f dB, near the engine's ceiling",
               (double)peak_db);
    char what[96];
    snprintf(what, sizeof what, "engine vs trainer magnitudes, L %d, %d hidden, %s", L, a->n_hidden,
             anc_activation_name(a->act));
    /* float rounding: the two kernels sum in different orders (about 1e-6 of the
     * feature), and the engine's 10^x is within 1e-6 relative (fastmath.h) */
    check_close_f(what, got, want, (size_t)NZ * D, 1e-12, 1e-5);
    double worst_rel = 0.0;
    for (int i = 0; i < NZ * D; i++)
        worst_rel = fmax(worst_rel, fabs((double)got[i] - want[i]) / fabs((double)want[i]));
    printf("   worst relative difference %.3g\n", worst_rel);
done:
    anc_engine_free(e);
    anc_model_free(m);
    free(out);
    free(want);
    free(got);
}

int main(void)
{
    for (int i = 0; i < N_ARCHS; i++)
        test_engine_matches_trainer(&ARCHS[i], 100 + (uint64_t)i);
    return check_exit();
}

/* test_vae.c — the VAE's pieces against independent numbers:
 *  - the closed-form KL(q || N(0, I)) against a Monte-Carlo estimate (200,000 draws);
 *  - three Adam steps against values computed by hand (step 2 of parameter 0 is
 *    worked below) — and gradient clipping;
 *  - training a tiny VAE on a synthetic data set lowers the loss by more than half;
 *  - reordering latents leaves the encoded/decoded function unchanged;
 *  - a configuration too large for memory is refused with ANC_E_NOMEM and a
 *    message, and the failure path touches nothing it freed (AddressSanitizer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "check.h"
#include "rng.h"
#include "vae.h"

#if defined(__SANITIZE_ADDRESS__)
/* A refused allocation comes back as NULL instead of aborting, as glibc's does:
 * the refusal path is what test_huge_config exercises. ASAN_OPTIONS still
 * overrides this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

static void test_kl_monte_carlo(void)
{
    enum { L = 4, DRAWS = 200000 };
    const float mu[L] = {0.0f, 1.5f, -0.7f, 0.3f};
    const float lv[L] = {0.0f, -1.2f, 0.8f, -3.0f}; /* log sigma_q^2 */
    /* A linear VAE with zero weights: the encoder outputs mu, lv for any x. */
    anc_vae_config cfg = {.n_input = 3, .n_latent = L, .n_hidden = 0, .act = ANC_ACT_LINEAR};
    anc_vae *vae;
    if (!check_true(anc_vae_create(&vae, &cfg, 1, NULL) == ANC_OK, "create"))
        return;
    const anc_vae_tensors *t = anc_vae_param_tensors(vae);
    memcpy(t->mu_b, mu, sizeof mu);
    memcpy(t->lv_b, lv, sizeof lv);
    float x[3] = {0.1f, 0.2f, 0.3f}, eps[L] = {0};
    anc_vae_loss loss;
    anc_vae_loss_batch(vae, x, eps, 1, 1.0f, 0, NULL, &loss);

    /* KL = E_q[log q(z) - log p(z)], z = mu + s eps:
     * log q - log p = sum_l (-eps^2/2 - log s_l + z_l^2/2). */
    anc_rng rng;
    anc_rng_seed(&rng, 42);
    double sum = 0.0;
    for (int n = 0; n < DRAWS; n++)
        for (int l = 0; l < L; l++) {
            double e = anc_rng_normal(&rng), s = exp(0.5 * lv[l]), z = mu[l] + s * e;
            sum += -0.5 * e * e - log(s) + 0.5 * z * z;
        }
    double mc = sum / DRAWS;
    double rel = fabs(loss.kl - mc) / mc;
    printf("%s KL closed form %.6f, Monte Carlo (%d draws) %.6f, relative difference %.4f%%\n",
           rel < 0.01 ? "ok" : "FAIL", loss.kl, DRAWS, mc, 100 * rel);
    check_true(rel < 0.01, "closed-form KL differs from Monte Carlo by %.3f %%", 100 * rel);
    anc_vae_free(vae);
}

static void test_adam(void)
{
    /* lr 0.01, beta1 0.9, beta2 0.999, eps 1e-8. Worked by hand, parameter 0, step 2:
     * m = 0.9*0.01 + 0.1*0.3 = 0.039, m^ = 0.039 / (1 - 0.81) = 0.205263;
     * v = 0.999*1e-5 + 0.001*0.09 = 9.999e-5, v^ = 9.999e-5 / 0.001999 = 0.050020;
     * p = 0.99 - 0.01 * 0.205263 / sqrt(0.050020) = 0.980822. */
    float p[4] = {1.0f, -2.0f, 0.5f, 0.0f}, m[4] = {0}, v[4] = {0};
    const float g[3][4] = {{0.1f, -0.2f, 0.0f, 1e-3f},
                           {0.3f, 0.1f, -0.5f, -2.0f},
                           {-0.05f, 0.4f, 0.2f, 0.7f}};
    const double want[3][4] = {{0.990000001, -1.990000001, 0.500000000, -0.009999900},
                               {0.980822190, -1.987336630, 0.507441368, -0.002561881},
                               {0.974813057, -1.991909948, 0.510408265, 0.000753376}};
    anc_adam opt;
    anc_adam_init(&opt, 0.01f);
    for (int s = 0; s < 3; s++) {
        anc_adam_step(&opt, p, g[s], m, v, 4);
        double got[4];
        for (int i = 0; i < 4; i++)
            got[i] = p[i];
        char what[32];
        snprintf(what, sizeof what, "adam step %d", s + 1);
        check_close_d(what, got, want[s], 4, 2e-7, 1e-6);
    }
    float f[19] = {0};
    check_true(anc_all_finite(f, 19), "all_finite: zeros");
    f[18] = INFINITY;
    check_true(!anc_all_finite(f, 19), "all_finite missed +Inf in the tail");
    f[18] = 0.0f;
    f[3] = NAN;
    check_true(!anc_all_finite(f, 19), "all_finite missed NaN");
    f[3] = -INFINITY;
    check_true(!anc_all_finite(f, 19), "all_finite missed -Inf");
    float big[40];
    for (int i = 0; i < 40; i++)
        big[i] = 1e38f * (i % 2 ? 1.0f : -1.0f);
    check_true(anc_all_finite(big, 40), "all_finite: huge finite values are finite");
    float gn[21];
    for (int i = 0; i < 21; i++)
        gn[i] = (float)(i - 10);
    check_true(fabs(anc_grad_norm(gn, 21) - sqrt(770.0)) < 1e-9, "grad norm %.9g", anc_grad_norm(gn, 21));
    float c[3] = {3.0f, 4.0f, 0.0f};
    double n = anc_grad_clip(c, 3, 1.0);
    check_true(fabs(n - 5.0) < 1e-9 && fabs(c[0] - 0.6f) < 1e-7 && fabs(c[1] - 0.8f) < 1e-7,
               "clip: norm %.9g, clipped (%g, %g)", n, c[0], c[1]);
}

/* Frames on a 2-D curved manifold in 16 dimensions plus a little noise. */
static void make_data(float *x, int N, int D, anc_rng *rng)
{
    for (int n = 0; n < N; n++) {
        double a = 2.0 * anc_rng_uniform(rng) - 1.0, b = 2.0 * anc_rng_uniform(rng) - 1.0;
        for (int d = 0; d < D; d++) {
            double t = (double)d / D;
            x[(size_t)n * D + d] = (float)(2.0 * a * sin(3.0 * t + b) + b * cos(5.0 * t) +
                                           0.05 * anc_rng_normal(rng));
        }
    }
}

static void test_tiny_training(void)
{
    enum { N = 1024, D = 16, B = 64, STEPS = 1500 };
    anc_vae_config cfg = {.n_input = D, .n_latent = 2, .n_hidden = 1, .hidden = {32},
                          .act = ANC_ACT_SILU};
    anc_vae *vae;
    anc_rng rng;
    anc_rng_seed(&rng, 7);
    if (!check_true(anc_vae_create(&vae, &cfg, N, NULL) == ANC_OK, "create"))
        return;
    anc_vae_init(vae, &rng);
    float *x = malloc(sizeof(float) * N * D), *eps = malloc(sizeof(float) * N * 2);
    make_data(x, N, D, &rng);

    anc_vae_loss before, after;
    anc_rng_normal_fill(&rng, eps, N * 2);
    anc_vae_loss_batch(vae, x, eps, N, 1.0f, 0, NULL, &before);

    anc_adam opt;
    anc_adam_init(&opt, 3e-3f);
    const size_t np = anc_vae_num_params(vae);
    for (int s = 0; s < STEPS; s++) {
        int start = (int)anc_rng_below(&rng, N - B + 1);
        anc_rng_normal_fill(&rng, eps, B * 2);
        anc_vae_zero_grad(vae);
        anc_vae_loss l;
        anc_vae_loss_batch(vae, x + (size_t)start * D, eps, B, 1.0f, 1, NULL, &l);
        anc_grad_clip(anc_vae_grads(vae), np, 100.0);
        anc_adam_step(&opt, anc_vae_params(vae), anc_vae_grads(vae), anc_vae_adam_m(vae),
                      anc_vae_adam_v(vae), np);
    }
    anc_rng_normal_fill(&rng, eps, N * 2);
    anc_vae_loss_batch(vae, x, eps, N, 1.0f, 0, NULL, &after);
    printf("tiny training: loss %.3f -> %.3f nats/frame, squared error %.3f -> %.3f, KL %.3f\n",
           before.total, after.total, before.sq_err, after.sq_err, after.kl);
    check_true(before.total > 0 && after.total < 0.5 * before.total,
               "training did not halve the loss (%.3f -> %.3f)", before.total, after.total);
    check_true(after.sq_err < 0.5 * before.sq_err, "training did not halve the squared error");
    free(x);
    free(eps);
    anc_vae_free(vae);
}

static void test_permute(void)
{
    enum { D = 6, L = 3, B = 4 };
    anc_vae_config cfg = {.n_input = D, .n_latent = L, .n_hidden = 2, .hidden = {5, 4},
                          .act = ANC_ACT_TANH};
    anc_vae *vae;
    anc_rng rng;
    anc_rng_seed(&rng, 3);
    if (!check_true(anc_vae_create(&vae, &cfg, B, NULL) == ANC_OK, "create"))
        return;
    anc_vae_init(vae, &rng);
    float x[B * D], mu0[B * L], mu1[B * L], f0[B * D], f1[B * D], z[B * L], zp[B * L];
    anc_rng_normal_fill(&rng, x, B * D);
    anc_rng_normal_fill(&rng, z, B * L);
    anc_vae_encode(vae, x, B, mu0, NULL);
    anc_vae_decode(vae, z, B, f0);
    const int perm[L] = {2, 0, 1};
    check_true(anc_vae_permute_latents(vae, perm, NULL) == ANC_OK, "permute");
    anc_vae_encode(vae, x, B, mu1, NULL);
    float mu0p[B * L];
    for (int n = 0; n < B; n++)
        for (int j = 0; j < L; j++) {
            mu0p[n * L + j] = mu0[n * L + perm[j]];
            zp[n * L + j] = z[n * L + perm[j]];
        }
    anc_vae_decode(vae, zp, B, f1);
    check_close_f("permuted encoder", mu1, mu0p, B * L, 1e-6, 1e-5);
    check_close_f("permuted decoder", f1, f0, B * D, 1e-6, 1e-5);
    const int bad[L] = {0, 0, 1};
    check_true(anc_vae_permute_latents(vae, bad, NULL) == ANC_E_INVALID, "bad permutation accepted");
    anc_vae_free(vae);
}

/* Widest layers, most hidden layers, largest batch: the workspace alone is
 * about 1.2 TB, which no allocator grants. */
static void test_huge_config(void)
{
    anc_vae_config cfg = {.n_input = ANC_MAX_WIDTH + 1, .n_latent = ANC_MAX_LATENT,
                          .n_hidden = ANC_MAX_HIDDEN, .act = ANC_ACT_SILU};
    for (int i = 0; i < ANC_MAX_HIDDEN; i++)
        cfg.hidden[i] = ANC_MAX_WIDTH;
    anc_vae *vae = (anc_vae *)&cfg; /* create must clear it */
    anc_error err = {0};
    anc_status st = anc_vae_create(&vae, &cfg, 1 << 20, &err);
    const int ok = check_true(st == ANC_E_NOMEM && vae == NULL && err.status == ANC_E_NOMEM &&
                                  strstr(err.message, "out of memory") != NULL,
                              "huge configuration: status %d, vae %p, message \"%s\"", (int)st,
                              (void *)vae, err.message);
    if (ok)
        printf("ok huge configuration refused: %s\n", err.message);
    if (st == ANC_OK)
        anc_vae_free(vae);
}

int main(void)
{
    test_kl_monte_carlo();
    test_adam();
    test_tiny_training();
    test_permute();
    test_huge_config();
    return check_exit();
}

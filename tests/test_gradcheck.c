/* test_gradcheck.c — finite-difference check of the whole VAE loss.
 *
 * The core computes the loss and its gradients in float. This test carries its
 * own double-precision forward pass of the same loss (written from the formulas
 * in vae.h, independently of vae.c), checks that the core's loss agrees with it,
 * and compares every analytic gradient — every parameter tensor and the input —
 * with central differences of the double loss. Pass: worst relative error under
 * 1e-2 and median under 1e-3 per configuration. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "vae.h"

typedef struct ref {
    const anc_vae_config *c;
    anc_tensor_info ti[ANC_VAE_MAX_TENSORS];
    int nt;
    size_t np;
} ref;

static const double *tensor(const ref *r, const double *P, const char *name)
{
    for (int i = 0; i < r->nt; i++)
        if (!strcmp(r->ti[i].name, name))
            return P + r->ti[i].offset;
    fprintf(stderr, "no tensor %s\n", name);
    exit(1);
}

static double act_d(anc_activation a, double v)
{
    switch (a) {
    case ANC_ACT_LINEAR: return v;
    case ANC_ACT_RELU: return v > 0 ? v : 0;
    case ANC_ACT_LEAKY_RELU: return v > 0 ? v : 0.01 * v;
    case ANC_ACT_TANH: return tanh(v);
    case ANC_ACT_SILU: return v / (1.0 + exp(-v));
    }
    return v;
}

/* y[out] = act(W[out][in] . x + b) */
static void dense_d(double *y, const double *x, const double *W, const double *b, int in, int out,
                    anc_activation a)
{
    for (int o = 0; o < out; o++) {
        double s = b[o];
        for (int i = 0; i < in; i++)
            s += W[(size_t)o * in + i] * x[i];
        y[o] = act_d(a, s);
    }
}

/* -ELBO per frame (beta-weighted KL), averaged over B frames, in double. */
static double loss_d(const ref *r, const double *P, const double *x, const double *eps, int B,
                     double beta)
{
    const anc_vae_config *c = r->c;
    const int D = c->n_input, L = c->n_latent, nh = c->n_hidden;
    double bufa[256], bufb[256], mu[16], lv[16], z[16], f[256];
    char nm[32];
    double total = 0.0;
    for (int n = 0; n < B; n++) {
        const double *h = x + (size_t)n * D;
        int in = D;
        double *cur = bufa, *other = bufb;
        for (int i = 0; i < nh; i++) {
            snprintf(nm, sizeof nm, "enc.%d.w", i);
            const double *W = tensor(r, P, nm);
            snprintf(nm, sizeof nm, "enc.%d.b", i);
            dense_d(cur, h, W, tensor(r, P, nm), in, c->hidden[i], c->act);
            h = cur;
            in = c->hidden[i];
            double *t = cur; cur = other; other = t;
        }
        dense_d(mu, h, tensor(r, P, "mu.w"), tensor(r, P, "mu.b"), in, L, ANC_ACT_LINEAR);
        dense_d(lv, h, tensor(r, P, "logvar.w"), tensor(r, P, "logvar.b"), in, L, ANC_ACT_LINEAR);
        double kl = 0.0;
        for (int l = 0; l < L; l++) {
            z[l] = mu[l] + exp(0.5 * lv[l]) * eps[(size_t)n * L + l];
            kl += 0.5 * (mu[l] * mu[l] + exp(lv[l]) - lv[l] - 1.0);
        }
        const double *g = z;
        in = L;
        for (int i = 0; i < nh; i++) {
            int out = c->hidden[nh - 1 - i];
            snprintf(nm, sizeof nm, "dec.%d.w", i);
            const double *W = tensor(r, P, nm);
            snprintf(nm, sizeof nm, "dec.%d.b", i);
            dense_d(cur, g, W, tensor(r, P, nm), in, out, c->act);
            g = cur;
            in = out;
            double *t = cur; cur = other; other = t;
        }
        dense_d(f, g, tensor(r, P, "out.w"), tensor(r, P, "out.b"), in, D, ANC_ACT_LINEAR);
        double ls = tensor(r, P, "log_sigma")[0], sq = 0.0;
        for (int d = 0; d < D; d++) {
            double e = x[(size_t)n * D + d] - f[d];
            sq += e * e;
        }
        double rec = 0.5 * sq * exp(-2.0 * ls) + D * (ls + 0.5 * log(2.0 * M_PI));
        total += rec + beta * kl;
    }
    return total / B;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Relative error of an analytic gradient a against a finite difference b. The
 * floor keeps entries that are zero up to rounding from reading as 100 % off. */
static double rel_err(double a, double b, double floor)
{
    return fabs(a - b) / fmax(fabs(a) + fabs(b), floor);
}

static void check_config(const char *label, anc_vae_config cfg, int B, float beta, uint64_t seed)
{
    anc_vae *vae;
    anc_error err;
    if (anc_vae_create(&vae, &cfg, B, &err) != ANC_OK) {
        check_true(0, "%s: anc_vae_create: %s", label, err.message);
        return;
    }
    ref r = {.c = &cfg};
    r.nt = anc_vae_layout(&cfg, r.ti, &r.np);
    const int D = cfg.n_input, L = cfg.n_latent;

    anc_rng rng;
    anc_rng_seed(&rng, seed);
    anc_vae_init(vae, &rng);
    float *p = anc_vae_params(vae);
    /* Move away from the symmetric start: random biases, sigma != 1. */
    for (int t = 0; t < r.nt; t++)
        if (r.ti[t].cols == 1)
            for (int i = 0; i < r.ti[t].rows; i++)
                p[r.ti[t].offset + i] = (float)(0.3 * anc_rng_normal(&rng));
    anc_vae_param_tensors(vae)->log_sigma[0] = -0.3f;

    float *x = malloc(sizeof(float) * B * D), *eps = malloc(sizeof(float) * B * L);
    float *dx = malloc(sizeof(float) * B * D);
    double *P = malloc(sizeof(double) * r.np), *X = malloc(sizeof(double) * B * D);
    double *E = malloc(sizeof(double) * B * L);
    double *errs = malloc(sizeof(double) * (r.np + (size_t)B * D));
    anc_rng_normal_fill(&rng, x, (size_t)B * D);
    anc_rng_normal_fill(&rng, eps, (size_t)B * L);
    for (size_t i = 0; i < r.np; i++) P[i] = p[i];
    for (int i = 0; i < B * D; i++) X[i] = x[i];
    for (int i = 0; i < B * L; i++) E[i] = eps[i];

    anc_vae_zero_grad(vae);
    anc_vae_loss loss;
    anc_status st = anc_vae_loss_batch(vae, x, eps, B, beta, 1, dx, &loss);
    check_true(st == ANC_OK, "%s: loss status %d", label, st);
    const float *g = anc_vae_grads(vae);

    double ref_loss = loss_d(&r, P, X, E, B, beta);
    double loss_rel = fabs(loss.total - ref_loss) / fabs(ref_loss);
    check_true(loss_rel < 1e-5, "%s: core loss %.9g vs double reference %.9g (rel %.2g)", label,
               loss.total, ref_loss, loss_rel);

    size_t n_err = 0;
    double worst_all = 0.0;
    const char *worst_name = "";
    for (int t = 0; t <= r.nt; t++) {
        /* t == r.nt is the input x */
        int is_x = t == r.nt;
        size_t n = is_x ? (size_t)B * D : (size_t)r.ti[t].rows * r.ti[t].cols;
        double *base = is_x ? X : P + r.ti[t].offset;
        const float *an = is_x ? dx : g + r.ti[t].offset;
        double gmax = 0.0;
        for (size_t i = 0; i < n; i++)
            gmax = fmax(gmax, fabs(an[i]));
        double worst = 0.0;
        for (size_t i = 0; i < n; i++) {
            double keep = base[i], h = 1e-5 * fmax(1.0, fabs(keep));
            base[i] = keep + h;
            double lp = loss_d(&r, P, X, E, B, beta);
            base[i] = keep - h;
            double lm = loss_d(&r, P, X, E, B, beta);
            base[i] = keep;
            double fd = (lp - lm) / (2.0 * h);
            double e = rel_err(an[i], fd, 1e-4 * gmax + 1e-8);
            errs[n_err++] = e;
            worst = fmax(worst, e);
            if (e > 1e-2)
                printf("  %s %s[%zu]: analytic %.9g finite difference %.9g\n", label,
                       is_x ? "x" : r.ti[t].name, i, an[i], fd);
        }
        if (worst > worst_all) {
            worst_all = worst;
            worst_name = is_x ? "x" : r.ti[t].name;
        }
    }
    qsort(errs, n_err, sizeof *errs, cmp_double);
    double median = errs[n_err / 2];
    printf("%s %s: %zu gradient entries, worst relative error %.3g (%s), median %.3g, loss rel "
           "%.2g\n",
           (worst_all < 1e-2 && median < 1e-3) ? "ok" : "FAIL", label, n_err, worst_all, worst_name,
           median, loss_rel);
    check_true(worst_all < 1e-2, "%s: worst relative gradient error %.3g >= 1e-2", label,
               worst_all);
    check_true(median < 1e-3, "%s: median relative gradient error %.3g >= 1e-3", label, median);

    free(x); free(eps); free(dx); free(P); free(X); free(E); free(errs);
    anc_vae_free(vae);
}

int main(void)
{
    check_config("silu 12-10-7-3", (anc_vae_config){.n_input = 12, .n_latent = 3, .n_hidden = 2,
                                                     .hidden = {10, 7}, .act = ANC_ACT_SILU},
                 5, 0.8f, 1);
    check_config("tanh 9-8-2", (anc_vae_config){.n_input = 9, .n_latent = 2, .n_hidden = 1,
                                                 .hidden = {8}, .act = ANC_ACT_TANH},
                 4, 1.0f, 2);
    check_config("linear 7-3", (anc_vae_config){.n_input = 7, .n_latent = 3, .n_hidden = 0,
                                                 .act = ANC_ACT_LINEAR},
                 3, 0.5f, 3);
    check_config("leaky 10-9-6-5-4", (anc_vae_config){.n_input = 10, .n_latent = 4, .n_hidden = 3,
                                                       .hidden = {9, 6, 5},
                                                       .act = ANC_ACT_LEAKY_RELU},
                 4, 1.0f, 4);
    return check_exit();
}

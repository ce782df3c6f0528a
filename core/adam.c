/* adam.c — Adam over flat parameter blocks, and global-norm gradient clipping. */
#include "adam.h"

#include <math.h>

void anc_adam_init(anc_adam *opt, float lr)
{
    opt->lr = lr;
    opt->beta1 = 0.9f;
    opt->beta2 = 0.999f;
    opt->eps = 1e-8f;
    opt->t = 0;
}

void anc_adam_step(anc_adam *opt, float *params, const float *grads, float *m, float *v, size_t n)
{
    opt->t++;
    const float b1 = opt->beta1, b2 = opt->beta2;
    /* Bias corrections in double: pow() of a float near 1 loses digits fast. */
    const float c1 = (float)(1.0 / (1.0 - pow((double)b1, (double)opt->t)));
    const float c2 = (float)(1.0 / (1.0 - pow((double)b2, (double)opt->t)));
    const float lr = opt->lr, eps = opt->eps;
    for (size_t i = 0; i < n; i++) {
        float g = grads[i];
        float mi = b1 * m[i] + (1.0f - b1) * g;
        float vi = b2 * v[i] + (1.0f - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] -= lr * (mi * c1) / (sqrtf(vi * c2) + eps);
    }
}

/* Eight independent partial sums: one chain of dependent double additions would
 * limit the loop to one add per latency, and the compiler may not reorder it. */
#define LANES 8

double anc_grad_norm(const float *g, size_t n)
{
    double acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++)
            acc[k] += (double)g[i + k] * (double)g[i + k];
    double s = 0.0;
    for (; i < n; i++)
        s += (double)g[i] * (double)g[i];
    for (int k = 0; k < LANES; k++)
        s += acc[k];
    return sqrt(s);
}

int anc_all_finite(const float *p, size_t n)
{
    /* x - x is 0 for every finite x and NaN for NaN and +-Inf. */
    float acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++)
            acc[k] += p[i + k] - p[i + k];
    float s = 0.0f;
    for (; i < n; i++)
        s += p[i] - p[i];
    for (int k = 0; k < LANES; k++)
        s += acc[k];
    return s == 0.0f;
}

double anc_grad_clip(float *g, size_t n, double max_norm)
{
    double norm = anc_grad_norm(g, n);
    if (norm > max_norm && norm > 0.0) {
        float scale = (float)(max_norm / norm);
        for (size_t i = 0; i < n; i++)
            g[i] *= scale;
    }
    return norm;
}

/* nn.c — activations, plain reference dense layers, and the single-vector
 * inference kernel the real-time engine uses (no BLAS, no allocation).
 *
 * The inference kernel keeps 16 independent partial sums per dot product so the
 * compiler can vectorise it without -ffast-math, and is compiled for several
 * instruction sets at once (target_clones): a shipped binary runs the AVX2+FMA
 * path where the CPU has it and SSE2 elsewhere. */
#include "nn.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fastmath.h"

static const char *const act_names[ANC_ACT_COUNT] = {"linear", "relu", "leaky_relu", "tanh",
                                                     "silu"};

int anc_activation_from_name(const char *name)
{
    for (int i = 0; i < ANC_ACT_COUNT; i++)
        if (!strcmp(name, act_names[i]))
            return i;
    return -1;
}

const char *anc_activation_name(anc_activation a)
{
    return (unsigned)a < ANC_ACT_COUNT ? act_names[a] : "unknown";
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define ANC_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ANC_MULTIVERSION
#endif

static inline float sigmoidf(float x)
{
    return 1.0f / (1.0f + anc_expf_fast(-x));
}

ANC_MULTIVERSION
static void silu_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * sigmoidf(x[i]);
}

/* d/dx x s(x) = s(x) (1 + x (1 - s(x))). */
ANC_MULTIVERSION
static void silu_backward(float *dx, const float *dy, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float s = sigmoidf(x[i]);
        dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

void anc_act_forward(anc_activation a, float *y, const float *x, size_t n)
{
    switch (a) {
    case ANC_ACT_LINEAR:
        if (y != x)
            memmove(y, x, n * sizeof *y);
        break;
    case ANC_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case ANC_ACT_LEAKY_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : ANC_LEAKY_SLOPE * x[i];
        break;
    case ANC_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            y[i] = tanhf(x[i]);
        break;
    case ANC_ACT_SILU:
        silu_forward(y, x, n);
        break;
    }
}

void anc_act_backward(anc_activation a, float *dx, const float *dy, const float *x,
                      const float *y, size_t n)
{
    switch (a) {
    case ANC_ACT_LINEAR:
        if (dx != dy)
            memmove(dx, dy, n * sizeof *dx);
        break;
    case ANC_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
        break;
    case ANC_ACT_LEAKY_RELU:
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0.0f ? dy[i] : ANC_LEAKY_SLOPE * dy[i];
        break;
    case ANC_ACT_TANH:
        /* tanh' = 1 - tanh^2 */
        for (size_t i = 0; i < n; i++)
            dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    case ANC_ACT_SILU:
        silu_backward(dx, dy, x, n);
        break;
    }
}

void anc_dense_forward_ref(float *out, const float *in, const float *W, const float *b, int B,
                           int IN, int OUT)
{
    for (int n = 0; n < B; n++)
        for (int o = 0; o < OUT; o++) {
            double s = b ? b[o] : 0.0;
            for (int i = 0; i < IN; i++)
                s += (double)W[(size_t)o * IN + i] * in[(size_t)n * IN + i];
            out[(size_t)n * OUT + o] = (float)s;
        }
}

void anc_dense_backward_ref(float *din, float *dW, float *db, const float *dout, const float *in,
                            const float *W, int B, int IN, int OUT)
{
    for (int o = 0; o < OUT; o++) {
        double sb = 0.0;
        for (int n = 0; n < B; n++)
            sb += dout[(size_t)n * OUT + o];
        if (db)
            db[o] += (float)sb;
        for (int i = 0; i < IN; i++) {
            double s = 0.0;
            for (int n = 0; n < B; n++)
                s += (double)dout[(size_t)n * OUT + o] * in[(size_t)n * IN + i];
            dW[(size_t)o * IN + i] += (float)s;
        }
    }
    if (din)
        for (int n = 0; n < B; n++)
            for (int i = 0; i < IN; i++) {
                double s = 0.0;
                for (int o = 0; o < OUT; o++)
                    s += (double)dout[(size_t)n * OUT + o] * W[(size_t)o * IN + i];
                din[(size_t)n * IN + i] = (float)s;
            }
}

#define DOT_LANES 16

ANC_MULTIVERSION
static float dot(const float *restrict w, const float *restrict x, int n)
{
    float acc[DOT_LANES] = {0};
    int i = 0;
    for (; i + DOT_LANES <= n; i += DOT_LANES)
        for (int k = 0; k < DOT_LANES; k++)
            acc[k] += w[i + k] * x[i + k];
    float s = 0.0f;
    for (; i < n; i++)
        s += w[i] * x[i];
    for (int k = 0; k < DOT_LANES; k++)
        s += acc[k];
    return s;
}

/* Four rows at once (w, w + n, w + 2n, w + 3n) against one x: each x vector is
 * loaded once for four products, and the four accumulators are independent
 * chains, so the multiply-adds overlap instead of waiting on each other.
 * Written with GCC vector extensions: 8 floats per vector, which the AVX2 clone
 * keeps in one register and the baseline clone splits into two SSE registers. */
typedef float v8sf __attribute__((vector_size(32)));

/* Horizontal sum; a macro, not a function: passing AVX-sized vectors to a
 * function compiled without AVX would change the calling convention. */
#define HSUM8(v) (((v)[0] + (v)[4]) + ((v)[1] + (v)[5]) + (((v)[2] + (v)[6]) + ((v)[3] + (v)[7])))

ANC_MULTIVERSION
static void dot4(const float *restrict w, const float *restrict x, int n, float *restrict out)
{
    v8sf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, xv, v0, v1, v2, v3;
    const float *w1 = w + n, *w2 = w + 2 * (size_t)n, *w3 = w + 3 * (size_t)n;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        /* memcpy: unaligned loads without breaking aliasing rules */
        memcpy(&xv, x + i, sizeof xv);
        memcpy(&v0, w + i, sizeof v0);
        memcpy(&v1, w1 + i, sizeof v1);
        memcpy(&v2, w2 + i, sizeof v2);
        memcpy(&v3, w3 + i, sizeof v3);
        a0 += v0 * xv;
        a1 += v1 * xv;
        a2 += v2 * xv;
        a3 += v3 * xv;
    }
    float s0 = HSUM8(a0), s1 = HSUM8(a1), s2 = HSUM8(a2), s3 = HSUM8(a3);
    for (; i < n; i++) {
        s0 += w[i] * x[i];
        s1 += w1[i] * x[i];
        s2 += w2[i] * x[i];
        s3 += w3[i] * x[i];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
}

/* dot4 for two input rows at once (x and x2): each weight vector loaded serves
 * two products, eight independent accumulators. The compiler may fuse the
 * multiply-adds of the tail differently from dot4's, so results agree with it
 * to float rounding, not bit for bit. */
ANC_MULTIVERSION
static void dot4x2(const float *restrict w, const float *restrict x, const float *restrict x2,
                   int n, float *restrict out, float *restrict out2)
{
    v8sf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
    v8sf xv, yv, v0, v1, v2, v3;
    const float *w1 = w + n, *w2 = w + 2 * (size_t)n, *w3 = w + 3 * (size_t)n;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&xv, x + i, sizeof xv);
        memcpy(&yv, x2 + i, sizeof yv);
        memcpy(&v0, w + i, sizeof v0);
        memcpy(&v1, w1 + i, sizeof v1);
        memcpy(&v2, w2 + i, sizeof v2);
        memcpy(&v3, w3 + i, sizeof v3);
        a0 += v0 * xv;
        a1 += v1 * xv;
        a2 += v2 * xv;
        a3 += v3 * xv;
        b0 += v0 * yv;
        b1 += v1 * yv;
        b2 += v2 * yv;
        b3 += v3 * yv;
    }
    float s0 = HSUM8(a0), s1 = HSUM8(a1), s2 = HSUM8(a2), s3 = HSUM8(a3);
    float t0 = HSUM8(b0), t1 = HSUM8(b1), t2 = HSUM8(b2), t3 = HSUM8(b3);
    for (; i < n; i++) {
        s0 += w[i] * x[i];
        s1 += w1[i] * x[i];
        s2 += w2[i] * x[i];
        s3 += w3[i] * x[i];
        t0 += w[i] * x2[i];
        t1 += w1[i] * x2[i];
        t2 += w2[i] * x2[i];
        t3 += w3[i] * x2[i];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
    out2[0] = t0;
    out2[1] = t1;
    out2[2] = t2;
    out2[3] = t3;
}

static inline float act1(anc_activation a, float v)
{
    switch (a) {
    case ANC_ACT_LINEAR: return v;
    case ANC_ACT_RELU: return v > 0.0f ? v : 0.0f;
    case ANC_ACT_LEAKY_RELU: return v > 0.0f ? v : ANC_LEAKY_SLOPE * v;
    case ANC_ACT_TANH: return tanhf(v);
    case ANC_ACT_SILU: return v * sigmoidf(v);
    }
    return v;
}

void anc_dense_act_vec(float *y, const float *x, const float *W, const float *b, int IN, int OUT,
                       anc_activation a)
{
    int o = 0;
    for (; o + 4 <= OUT; o += 4) {
        dot4(W + (size_t)o * IN, x, IN, y + o);
        for (int k = 0; k < 4; k++)
            y[o + k] += b[o + k];
    }
    for (; o < OUT; o++)
        y[o] = b[o] + dot(W + (size_t)o * IN, x, IN);
    anc_act_forward(a, y, y, (size_t)OUT); /* over the whole row: vectorises */
}

void anc_dense_act_vec_ref(float *y, const float *x, const float *W, const float *b, int IN,
                           int OUT, anc_activation a)
{
    for (int o = 0; o < OUT; o++) {
        double s = b[o];
        for (int i = 0; i < IN; i++)
            s += (double)W[(size_t)o * IN + i] * x[i];
        y[o] = act1(a, (float)s);
    }
}

void anc_dense_kernel_vec(float *y, float *pre, const float *x, const anc_dense_layer *l, int B)
{
    for (int n = 0; n < B; n++) {
        const float *xn = x + (size_t)n * l->in;
        float *yn = y + (size_t)n * l->out;
        if (pre) {
            float *pn = pre + (size_t)n * l->out;
            anc_dense_act_vec(pn, xn, l->W, l->b, l->in, l->out, ANC_ACT_LINEAR);
            anc_act_forward(l->act, yn, pn, (size_t)l->out);
        } else {
            anc_dense_act_vec(yn, xn, l->W, l->b, l->in, l->out, l->act);
        }
    }
}

void anc_dense_kernel_rows(float *y, float *pre, const float *x, const anc_dense_layer *l, int B)
{
    const int IN = l->in, OUT = l->out;
    float *dst = pre ? pre : y; /* pre-activation first, activation after */
    int o = 0;
    /* Four weight rows stay in L1 while every input row passes them, two input
     * rows at a time. */
    for (; o + 4 <= OUT; o += 4) {
        const float *w = l->W + (size_t)o * IN;
        int n = 0;
        for (; n + 2 <= B; n += 2)
            dot4x2(w, x + (size_t)n * IN, x + (size_t)(n + 1) * IN, IN, dst + (size_t)n * OUT + o,
                   dst + (size_t)(n + 1) * OUT + o);
        for (; n < B; n++)
            dot4(w, x + (size_t)n * IN, IN, dst + (size_t)n * OUT + o);
        for (n = 0; n < B; n++)
            for (int k = 0; k < 4; k++)
                dst[(size_t)n * OUT + o + k] += l->b[o + k];
    }
    for (; o < OUT; o++)
        for (int n = 0; n < B; n++)
            dst[(size_t)n * OUT + o] = l->b[o] + dot(l->W + (size_t)o * IN, x + (size_t)n * IN, IN);
    for (int n = 0; n < B; n++)
        anc_act_forward(l->act, y + (size_t)n * OUT, dst + (size_t)n * OUT, (size_t)OUT);
}

const float *anc_mlp_forward(const anc_mlp *m, anc_dense_kernel k, const float *x, int B,
                             float *const *pre, float *const *post)
{
    const float *h = x;
    for (int i = 0; i < m->n_layers; i++) {
        k(post[i], pre ? pre[i] : NULL, h, &m->layer[i], B);
        h = post[i];
    }
    return h;
}

size_t anc_mlp_num_floats(const anc_mlp *m)
{
    size_t n = 0;
    for (int i = 0; i < m->n_layers; i++)
        n += (size_t)m->layer[i].out * ((size_t)m->layer[i].in + 1);
    return n;
}

int anc_mlp_max_width(const anc_mlp *m)
{
    int w = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (m->layer[i].out > w)
            w = m->layer[i].out;
    return w;
}

void anc_mlp_copy(anc_mlp *dst, const anc_mlp *src, float *storage)
{
    *dst = *src;
    for (int i = 0; i < src->n_layers; i++) {
        const anc_dense_layer *s = &src->layer[i];
        anc_dense_layer *d = &dst->layer[i];
        const size_t nw = (size_t)s->out * (size_t)s->in;
        d->W = storage;
        memcpy(d->W, s->W, nw * sizeof *storage);
        storage += nw;
        d->b = storage;
        memcpy(d->b, s->b, (size_t)s->out * sizeof *storage);
        storage += s->out;
    }
}

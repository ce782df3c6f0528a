/* test_nn.c — every optimised dense kernel against its plain twin, every
 * activation derivative against central differences, and the layer walk
 * (anc_mlp_forward) with the sgemm and the vector kernels against plain loops. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn.h"
#include "rng.h"

static float *randv(anc_rng *r, size_t n)
{
    float *v = malloc(n * sizeof *v);
    anc_rng_normal_fill(r, v, n);
    return v;
}

static void test_dense(int B, int IN, int OUT, anc_rng *r)
{
    float *in = randv(r, (size_t)B * IN), *W = randv(r, (size_t)OUT * IN), *b = randv(r, OUT);
    float *dout = randv(r, (size_t)B * OUT);
    float *o1 = malloc(sizeof(float) * B * OUT), *o2 = malloc(sizeof(float) * B * OUT);
    float *dW1 = randv(r, (size_t)OUT * IN), *dW2 = malloc(sizeof(float) * OUT * IN);
    float *db1 = randv(r, OUT), *db2 = malloc(sizeof(float) * OUT);
    float *di1 = malloc(sizeof(float) * B * IN), *di2 = malloc(sizeof(float) * B * IN);
    memcpy(dW2, dW1, sizeof(float) * OUT * IN); /* backward accumulates: same start */
    memcpy(db2, db1, sizeof(float) * OUT);
    char what[64];
    anc_dense_forward(o1, in, W, b, B, IN, OUT);
    anc_dense_forward_ref(o2, in, W, b, B, IN, OUT);
    snprintf(what, sizeof what, "dense forward %dx%dx%d", B, IN, OUT);
    check_close_f(what, o1, o2, (size_t)B * OUT, 1e-4, 1e-4);
    anc_dense_backward(di1, dW1, db1, dout, in, W, B, IN, OUT);
    anc_dense_backward_ref(di2, dW2, db2, dout, in, W, B, IN, OUT);
    snprintf(what, sizeof what, "dense backward dW %dx%dx%d", B, IN, OUT);
    check_close_f(what, dW1, dW2, (size_t)OUT * IN, 1e-4, 1e-4);
    snprintf(what, sizeof what, "dense backward db %dx%dx%d", B, IN, OUT);
    check_close_f(what, db1, db2, OUT, 1e-4, 1e-4);
    snprintf(what, sizeof what, "dense backward din %dx%dx%d", B, IN, OUT);
    check_close_f(what, di1, di2, (size_t)B * IN, 1e-4, 1e-4);
    free(in); free(W); free(b); free(dout); free(o1); free(o2);
    free(dW1); free(dW2); free(db1); free(db2); free(di1); free(di2);
}

static void test_vec(int IN, int OUT, anc_activation a, anc_rng *r)
{
    float *x = randv(r, IN), *W = randv(r, (size_t)OUT * IN), *b = randv(r, OUT);
    float *y1 = malloc(sizeof(float) * OUT), *y2 = malloc(sizeof(float) * OUT);
    anc_dense_act_vec(y1, x, W, b, IN, OUT, a);
    anc_dense_act_vec_ref(y2, x, W, b, IN, OUT, a);
    char what[64];
    snprintf(what, sizeof what, "inference kernel %dx%d %s", IN, OUT, anc_activation_name(a));
    check_close_f(what, y1, y2, OUT, 1e-4, 1e-4);
    free(x); free(W); free(b); free(y1); free(y2);
}

static void test_activation(anc_activation a, anc_rng *r)
{
    enum { N = 200 };
    float x[N], y[N], dy[N], dx[N];
    double fd[N], an[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)(4.0 * anc_rng_normal(r));
        if (fabsf(x[i]) < 1e-2f)
            x[i] = 0.5f; /* keep away from the kinks of relu and leaky relu */
        dy[i] = (float)anc_rng_normal(r);
    }
    anc_act_forward(a, y, x, N);
    anc_act_backward(a, dx, dy, x, y, N);
    for (int i = 0; i < N; i++) {
        double h = 1e-3, xp[1], xm[1];
        float fp, fm, vp = (float)(x[i] + h), vm = (float)(x[i] - h);
        anc_act_forward(a, &fp, &vp, 1);
        anc_act_forward(a, &fm, &vm, 1);
        xp[0] = vp;
        xm[0] = vm;
        fd[i] = dy[i] * (fp - fm) / (xp[0] - xm[0]);
        an[i] = dx[i];
    }
    char what[64];
    snprintf(what, sizeof what, "activation %s derivative", anc_activation_name(a));
    check_close_d(what, an, fd, N, 2e-3, 2e-3);
    check_true(anc_activation_from_name(anc_activation_name(a)) == (int)a, "activation name %s",
               anc_activation_name(a));
}

/* 17 -> 33 (silu) -> 9 (tanh) -> 20 (linear), B rows, through both kernels, with
 * and without pre-activations, and over a copy of the weights. */
static void test_mlp(anc_rng *r)
{
    enum { B = 5, NL = 3, MAXW = 33 };
    static const int width[NL + 1] = {17, 33, 9, 20};
    static const anc_activation act[NL] = {ANC_ACT_SILU, ANC_ACT_TANH, ANC_ACT_LINEAR};
    anc_mlp m = {.n_layers = NL};
    size_t nf = 0;
    for (int i = 0; i < NL; i++) {
        m.layer[i] = (anc_dense_layer){.in = width[i], .out = width[i + 1], .act = act[i],
                                       .W = randv(r, (size_t)width[i + 1] * width[i]),
                                       .b = randv(r, (size_t)width[i + 1])};
        nf += (size_t)width[i + 1] * (width[i] + 1);
    }
    check_true(anc_mlp_num_floats(&m) == nf && anc_mlp_max_width(&m) == MAXW,
               "mlp counts %zu floats (want %zu), width %d", anc_mlp_num_floats(&m), nf,
               anc_mlp_max_width(&m));
    float *x = randv(r, (size_t)B * width[0]);
    /* plain reference, row by row, layer by layer */
    float want[B * 20], h[2][MAXW];
    for (int n = 0; n < B; n++) {
        const float *in = x + (size_t)n * width[0];
        for (int i = 0; i < NL; i++) {
            float *out = i == NL - 1 ? want + (size_t)n * 20 : h[i % 2];
            anc_dense_act_vec_ref(out, in, m.layer[i].W, m.layer[i].b, width[i], width[i + 1],
                                  act[i]);
            in = out;
        }
    }
    float pre_b[NL][B * MAXW], post_b[NL][B * MAXW], pre_v[NL][B * MAXW], post_v[NL][B * MAXW];
    float post_f[NL][B * MAXW];
    float *pb[NL], *qb[NL], *pv[NL], *qv[NL], *qf[NL];
    for (int i = 0; i < NL; i++) {
        pb[i] = pre_b[i], qb[i] = post_b[i], pv[i] = pre_v[i], qv[i] = post_v[i];
        qf[i] = post_f[i];
    }
    const float *yb = anc_mlp_forward(&m, anc_dense_kernel_batch, x, B, pb, qb);
    const float *yv = anc_mlp_forward(&m, anc_dense_kernel_vec, x, B, pv, qv);
    const float *yf = anc_mlp_forward(&m, anc_dense_kernel_vec, x, B, NULL, qf);
    check_true(yb == qb[NL - 1] && yv == qv[NL - 1] && yf == qf[NL - 1],
               "anc_mlp_forward returns the last layer's output");
    check_close_f("mlp sgemm kernel", yb, want, B * 20, 1e-5, 1e-5);
    check_close_f("mlp vector kernel", yv, want, B * 20, 1e-5, 1e-5);
    check_close_f("mlp vector kernel, fused activation", yf, want, B * 20, 1e-5, 1e-5);
    for (int i = 0; i < NL; i++) {
        char what[64];
        snprintf(what, sizeof what, "mlp layer %d pre-activation, vector vs sgemm", i);
        check_close_f(what, pre_v[i], pre_b[i], (size_t)B * width[i + 1], 1e-5, 1e-5);
    }
    float *store = malloc(nf * sizeof *store);
    anc_mlp copy;
    anc_mlp_copy(&copy, &m, store);
    for (int i = 0; i < NL; i++)
        memset(m.layer[i].W, 0, (size_t)width[i + 1] * width[i] * sizeof(float));
    const float *yc = anc_mlp_forward(&copy, anc_dense_kernel_vec, x, B, NULL, qf);
    check_close_f("mlp over a copy of its weights", yc, yv, B * 20, 0.0, 0.0);
    for (int i = 0; i < NL; i++) {
        free(m.layer[i].W);
        free(m.layer[i].b);
    }
    free(store);
    free(x);
}

int main(void)
{
    anc_rng r;
    anc_rng_seed(&r, 11);
    test_dense(1, 1, 1, &r);
    test_dense(7, 13, 5, &r);
    test_dense(64, 300, 257, &r);
    const int sizes[][2] = {{1, 1}, {15, 3}, {16, 16}, {17, 31}, {16, 256}, {256, 512}, {512, 513}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int a = 0; a < ANC_ACT_COUNT; a++)
            test_vec(sizes[i][0], sizes[i][1], (anc_activation)a, &r);
    for (int a = 0; a < ANC_ACT_COUNT; a++)
        test_activation((anc_activation)a, &r);
    check_true(anc_activation_from_name("gelu") == -1, "unknown activation accepted");
    test_mlp(&r);
    return check_exit();
}

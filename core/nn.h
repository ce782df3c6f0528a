/* nn.h — dense layers and activations: batched forward and backward passes for
 * training (CBLAS), allocation-free single-thread kernels for inference, and the
 * multilayer perceptron (anc_mlp) that both walk: one layer list, one forward
 * loop, the matrix kernel chosen by the caller.
 *
 * Shapes are written [rows][cols], row-major. A dense layer with IN inputs and
 * OUT outputs has W [OUT][IN] and b [OUT] (the PyTorch nn.Linear layout).
 * Backward passes ACCUMULATE into dW and db (+=) and OVERWRITE din, as in llm.c.
 * Every optimised kernel has a plain reference twin (`_ref`) that tests compare
 * it with. */
#ifndef ANC_NN_H
#define ANC_NN_H

#include <stddef.h>

typedef enum anc_activation {
    ANC_ACT_LINEAR = 0,
    ANC_ACT_RELU = 1,
    ANC_ACT_LEAKY_RELU = 2, /* slope 0.01 below zero */
    ANC_ACT_TANH = 3,
    ANC_ACT_SILU = 4        /* x * sigmoid(x) */
} anc_activation;

#define ANC_ACT_COUNT 5
#define ANC_LEAKY_SLOPE 0.01f

/* "silu" -> ANC_ACT_SILU etc.; returns -1 for an unknown name. */
int anc_activation_from_name(const char *name);
const char *anc_activation_name(anc_activation a);

/* out[B][OUT] = in[B][IN] . W^T + b  (CBLAS sgemm). */
void anc_dense_forward(float *out, const float *in, const float *W, const float *b,
                       int B, int IN, int OUT);
/* dW[OUT][IN] += dout^T . in;  db[OUT] += sum over batch of dout;
 * din[B][IN] = dout . W  (skipped when din is NULL). */
void anc_dense_backward(float *din, float *dW, float *db, const float *dout,
                        const float *in, const float *W, int B, int IN, int OUT);
/* Plain loops, the reference the tests hold the sgemm versions to. */
void anc_dense_forward_ref(float *out, const float *in, const float *W, const float *b,
                           int B, int IN, int OUT);
void anc_dense_backward_ref(float *din, float *dW, float *db, const float *dout,
                            const float *in, const float *W, int B, int IN, int OUT);

/* y = act(x), elementwise over n values (in place allowed). */
void anc_act_forward(anc_activation a, float *y, const float *x, size_t n);
/* dx = dy * act'(x), given the pre-activation x and the output y = act(x)
 * (in place on dy allowed). */
void anc_act_backward(anc_activation a, float *dx, const float *dy, const float *x,
                      const float *y, size_t n);

/* Inference: y[OUT] = act(W . x + b) for one vector, no BLAS, no allocation,
 * vectorised through function multi-versioning (safe on any x86-64 CPU).
 * y may not alias x. Real-time safe. */
void anc_dense_act_vec(float *y, const float *x, const float *W, const float *b,
                       int IN, int OUT, anc_activation a);
void anc_dense_act_vec_ref(float *y, const float *x, const float *W, const float *b,
                           int IN, int OUT, anc_activation a);

/* One dense layer y = act(W . x + b): W [out][in], b [out]. */
typedef struct anc_dense_layer {
    int in, out;
    anc_activation act;
    float *W, *b;
} anc_dense_layer;

#define ANC_MLP_MAX_LAYERS 9

/* Layers applied in order; layer[i].in == layer[i-1].out. */
typedef struct anc_mlp {
    int n_layers; /* 0 .. ANC_MLP_MAX_LAYERS */
    anc_dense_layer layer[ANC_MLP_MAX_LAYERS];
} anc_mlp;

/* A matrix kernel for one layer on B rows: y[B][out] = act(x[B][in] . W^T + b).
 * When pre is not NULL it receives the pre-activation [B][out] (pre == y allowed
 * for a linear layer). */
typedef void (*anc_dense_kernel)(float *y, float *pre, const float *x, const anc_dense_layer *l,
                                 int B);
/* Rows one at a time through anc_dense_act_vec(): no BLAS, no allocation, real-time
 * safe. */
void anc_dense_kernel_vec(float *y, float *pre, const float *x, const anc_dense_layer *l, int B);
/* All B rows against each group of four weight rows in turn, two rows at a
 * time, so the weights are read from memory once per call, not once per row:
 * the engine decodes its voices with it. Agrees with anc_dense_kernel_vec to
 * float rounding (tests/test_synth.c holds both to the reference); real-time
 * safe. */
void anc_dense_kernel_rows(float *y, float *pre, const float *x, const anc_dense_layer *l, int B);
/* CBLAS sgemm (anc_dense_forward() then anc_act_forward()); training library only. */
void anc_dense_kernel_batch(float *y, float *pre, const float *x, const anc_dense_layer *l,
                            int B);

/* Runs x[B][layer[0].in] through every layer with kernel k: layer i writes
 * post[i] (and pre[i] when pre is not NULL; a NULL entry skips it). Returns the
 * last output, post[n_layers-1] (x when there are no layers). */
const float *anc_mlp_forward(const anc_mlp *m, anc_dense_kernel k, const float *x, int B,
                             float *const *pre, float *const *post);
/* Floats of all weights and biases, and the widest layer output. */
size_t anc_mlp_num_floats(const anc_mlp *m);
int anc_mlp_max_width(const anc_mlp *m);
/* Copies src's weights into storage (anc_mlp_num_floats(src) floats) and makes
 * dst the same network over that copy. */
void anc_mlp_copy(anc_mlp *dst, const anc_mlp *src, float *storage);

#endif

/* nn_blas.c — batched dense layers for training, on CBLAS sgemm. Shapes and
 * accumulation rules are in nn.h; the plain twins live in nn.c. */
#include <cblas.h>
#include <string.h>

#include "nn.h"

void anc_dense_forward(float *out, const float *in, const float *W, const float *b, int B,
                       int IN, int OUT)
{
    /* out = b broadcast over rows, then out += in . W^T */
    for (int n = 0; n < B; n++)
        memcpy(out + (size_t)n * OUT, b, (size_t)OUT * sizeof *out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OUT, IN, 1.0f, in, IN, W, IN, 1.0f,
                out, OUT);
}

void anc_dense_backward(float *din, float *dW, float *db, const float *dout, const float *in,
                        const float *W, int B, int IN, int OUT)
{
    /* dW[OUT][IN] += dout^T[OUT][B] . in[B][IN] */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OUT, IN, B, 1.0f, dout, OUT, in, IN,
                1.0f, dW, IN);
    if (db)
        for (int n = 0; n < B; n++) {
            const float *d = dout + (size_t)n * OUT;
            for (int o = 0; o < OUT; o++)
                db[o] += d[o];
        }
    /* din[B][IN] = dout[B][OUT] . W[OUT][IN] */
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, IN, OUT, 1.0f, dout, OUT, W, IN,
                    0.0f, din, IN);
}

void anc_dense_kernel_batch(float *y, float *pre, const float *x, const anc_dense_layer *l, int B)
{
    float *p = pre ? pre : y;
    anc_dense_forward(p, x, l->W, l->b, B, l->in, l->out);
    /* A linear layer computed in place needs no second pass. */
    if (l->act != ANC_ACT_LINEAR || p != y)
        anc_act_forward(l->act, y, p, (size_t)B * (size_t)l->out);
}

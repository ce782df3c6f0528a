/* adam.h — the Adam optimiser (Kingma and Ba, 2015) over flat parameter blocks,
 * and global-norm gradient clipping. */
#ifndef ANC_ADAM_H
#define ANC_ADAM_H

#include <stddef.h>

typedef struct anc_adam {
    float lr, beta1, beta2, eps;
    long long t; /* steps taken so far */
} anc_adam;

/* lr as given, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, t = 0. */
void anc_adam_init(anc_adam *opt, float lr);
/* One step over n values, with bias correction:
 *   t += 1; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps). */
void anc_adam_step(anc_adam *opt, float *params, const float *grads, float *m, float *v, size_t n);
/* Euclidean norm of g (accumulated in double). */
double anc_grad_norm(const float *g, size_t n);
/* 1 when every value is finite, 0 when any is NaN or infinite. */
int anc_all_finite(const float *p, size_t n);
/* Scales g so its norm is at most max_norm; returns the norm before clipping. */
double anc_grad_clip(float *g, size_t n, double max_norm);

#endif

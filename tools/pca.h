/* pca.h — the linear baseline the trainer reports beside the VAE: principal
 * component analysis with as many components as latent dimensions, fitted on
 * the same training frames (covariance by BLAS, eigenvectors by LAPACK). */
#ifndef ANC_PCA_H
#define ANC_PCA_H

#include <stddef.h>

#include "status.h"

typedef struct anc_pca {
    int dim, k;
    float *mean; /* [dim] */
    float *V;    /* [k][dim] orthonormal components, largest variance first */
} anc_pca;

/* Fits on rows idx[0..n-1] of x [*][dim]. Free with anc_pca_free(). */
anc_status anc_pca_fit(const float *x, const size_t *idx, size_t n, int dim, int k, anc_pca **out,
                       anc_error *err);
void anc_pca_free(anc_pca *p); /* accepts NULL */
/* out = mean + V^T V (x - mean); tmp has room for k floats. */
void anc_pca_reconstruct(const anc_pca *p, const float *x, float *out, float *tmp);

#endif

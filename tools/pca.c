/* pca.c — PCA baseline: covariance accumulated in double with dsyrk over blocks
 * of rows, top-k eigenvectors with LAPACKE_dsyevr. */
#include "pca.h"

#include <cblas.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

void anc_pca_free(anc_pca *p)
{
    if (!p)
        return;
    free(p->mean);
    free(p->V);
    free(p);
}

anc_status anc_pca_fit(const float *x, const size_t *idx, size_t n, int dim, int k, anc_pca **out,
                       anc_error *err)
{
    enum { BLOCK = 2048 };
    *out = NULL;
    if (n < 2 || k < 1 || k > dim)
        return anc_error_set(err, ANC_E_INVALID, "PCA needs at least 2 frames and 1..%d components",
                             dim);
    anc_pca *p = calloc(1, sizeof *p);
    double *mean = calloc((size_t)dim, sizeof *mean);
    double *C = calloc((size_t)dim * dim, sizeof *C);
    double *A = malloc((size_t)BLOCK * dim * sizeof *A);
    double *w = malloc((size_t)dim * sizeof *w);
    double *Z = malloc((size_t)dim * k * sizeof *Z);
    lapack_int *isuppz = malloc(2 * (size_t)k * sizeof *isuppz);
    if (p) {
        p->mean = malloc((size_t)dim * sizeof *p->mean);
        p->V = malloc((size_t)k * dim * sizeof *p->V);
    }
    anc_status s = ANC_OK;
    if (!p || !mean || !C || !A || !w || !Z || !isuppz || !p->mean || !p->V) {
        s = anc_error_set(err, ANC_E_NOMEM, "out of memory for the PCA baseline");
        goto done;
    }
    p->dim = dim;
    p->k = k;
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < dim; d++)
            mean[d] += x[idx[i] * dim + d];
    for (int d = 0; d < dim; d++)
        mean[d] /= (double)n;
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        size_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
        for (size_t r = 0; r < m; r++)
            for (int d = 0; d < dim; d++)
                A[r * dim + d] = x[idx[i0 + r] * dim + d] - mean[d];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, (int)m, 1.0, A, dim, 1.0, C, dim);
    }
    lapack_int found = 0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', dim, C, dim, 0.0, 0.0,
                                     dim - k + 1, dim, 0.0, &found, w, Z, k, isuppz);
    if (info != 0 || found != k) {
        s = anc_error_set(err, ANC_E_NUMERIC, "PCA eigen-decomposition failed (LAPACK info %d)",
                          (int)info);
        goto done;
    }
    /* dsyevr returns ascending eigenvalues: component 0 is the last column. */
    for (int c = 0; c < k; c++)
        for (int d = 0; d < dim; d++)
            p->V[(size_t)c * dim + d] = (float)Z[(size_t)d * k + (k - 1 - c)];
    for (int d = 0; d < dim; d++)
        p->mean[d] = (float)mean[d];
    *out = p;
    p = NULL;
done:
    anc_pca_free(p);
    free(mean);
    free(C);
    free(A);
    free(w);
    free(Z);
    free(isuppz);
    return s;
}

void anc_pca_reconstruct(const anc_pca *p, const float *x, float *out, float *tmp)
{
    const int D = p->dim;
    for (int c = 0; c < p->k; c++) {
        double s = 0.0;
        for (int d = 0; d < D; d++)
            s += (double)p->V[(size_t)c * D + d] * (x[d] - p->mean[d]);
        tmp[c] = (float)s;
    }
    for (int d = 0; d < D; d++) {
        double s = p->mean[d];
        for (int c = 0; c < p->k; c++)
            s += (double)p->V[(size_t)c * D + d] * tmp[c];
        out[d] = (float)s;
    }
}

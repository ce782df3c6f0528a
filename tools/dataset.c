/* dataset.c — corpus -> gated, normalised spectral frames with a file-level
 * validation split (see dataset.h). */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "feature.h"
#include "metrics.h"
#include "rng.h"
#include "stft.h"

void anc_dataset_free(anc_dataset *ds)
{
    if (!ds)
        return;
    free(ds->z);
    free(ds->clip);
    free(ds->is_val);
    free(ds->train);
    free(ds->val);
    free(ds->mean);
    free(ds->std);
    free(ds);
}

anc_status anc_dataset_build(const anc_audio_corpus *corpus, int n_fft, int hop,
                             double val_fraction, uint64_t seed, anc_dataset **out,
                             anc_error *err)
{
    *out = NULL;
    anc_stft *st = NULL;
    anc_featstats *fs = NULL;
    float *mag = NULL;
    anc_status s = anc_stft_create(&st, n_fft, hop, err);
    if (s != ANC_OK)
        return s;
    const int nb = anc_stft_n_bins(st);
    anc_dataset *ds = calloc(1, sizeof *ds);
    size_t cap = 0, longest = 0;
    for (size_t c = 0; c < corpus->n_clips; c++) {
        size_t nf = anc_stft_num_frames(st, corpus->clips[c].n);
        cap += nf;
        if (nf > longest)
            longest = nf;
    }
    if (!ds)
        goto nomem;
    ds->n_bins = nb;
    ds->n_clips = corpus->n_clips;
    ds->z = malloc((cap ? cap : 1) * nb * sizeof *ds->z);
    ds->clip = malloc((cap ? cap : 1) * sizeof *ds->clip);
    ds->is_val = calloc(corpus->n_clips ? corpus->n_clips : 1, 1);
    ds->mean = malloc(nb * sizeof *ds->mean);
    ds->std = malloc(nb * sizeof *ds->std);
    mag = malloc((longest ? longest : 1) * nb * sizeof *mag);
    if (!ds->z || !ds->clip || !ds->is_val || !ds->mean || !ds->std || !mag)
        goto nomem;

    /* Validation files: a seeded shuffle of the clip indices, the first n_val. */
    size_t n_val_files = 0;
    if (val_fraction > 0 && corpus->n_clips >= 2) {
        n_val_files = (size_t)(val_fraction * (double)corpus->n_clips + 0.5);
        if (n_val_files < 1)
            n_val_files = 1;
        if (n_val_files > corpus->n_clips - 1)
            n_val_files = corpus->n_clips - 1;
        size_t *order = malloc(corpus->n_clips * sizeof *order);
        if (!order)
            goto nomem;
        for (size_t i = 0; i < corpus->n_clips; i++)
            order[i] = i;
        anc_rng rng;
        anc_rng_seed(&rng, seed ^ 0x5eed0f5a11d5ULL);
        for (size_t i = corpus->n_clips - 1; i > 0; i--) {
            size_t j = (size_t)anc_rng_below(&rng, i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t i = 0; i < n_val_files; i++)
            ds->is_val[order[i]] = 1;
        free(order);
    }
    ds->val_files = n_val_files;
    ds->train_files = corpus->n_clips - n_val_files;

    /* Frames in dB, gated like the metrics: a frame whose peak is below -60 dBFS
     * is silence or a tail and teaches the model nothing it can play. */
    if (anc_featstats_create(&fs, nb, err) != ANC_OK)
        goto fail;
    size_t n = 0;
    for (size_t c = 0; c < corpus->n_clips; c++) {
        const anc_audio_clip *cl = &corpus->clips[c];
        size_t nf = anc_stft_num_frames(st, cl->n);
        anc_stft_analyze_magnitude(st, cl->samples, cl->n, mag);
        for (size_t f = 0; f < nf; f++) {
            float *db = ds->z + n * nb;
            anc_mag_to_db(mag + f * nb, db, nb);
            if (!anc_frame_above_gate(db, nb))
                continue;
            ds->clip[n] = (uint32_t)c;
            if (!ds->is_val[c])
                anc_featstats_add(fs, db);
            n++;
        }
    }
    ds->n_frames = n;
    for (size_t i = 0; i < n; i++)
        *(ds->is_val[ds->clip[i]] ? &ds->n_val : &ds->n_train) += 1;
    if (ds->n_train == 0) {
        anc_error_set(err, ANC_E_INVALID,
                      "no training frame above %.0f dBFS: the usable files are silent",
                      ANC_LSD_GATE_DB);
        goto fail;
    }
    ds->train = malloc(ds->n_train * sizeof *ds->train);
    ds->val = malloc((ds->n_val ? ds->n_val : 1) * sizeof *ds->val);
    if (!ds->train || !ds->val)
        goto nomem;
    size_t a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        if (ds->is_val[ds->clip[i]])
            ds->val[b++] = i;
        else
            ds->train[a++] = i;
    }
    anc_featstats_finish(fs, ds->mean, ds->std, ANC_FEATURE_MIN_STD_DB);
    for (size_t i = 0; i < n; i++)
        anc_features_normalize(ds->mean, ds->std, ds->z + i * nb, ds->z + i * nb, nb);

    free(mag);
    anc_featstats_free(fs);
    anc_stft_free(st);
    *out = ds;
    return ANC_OK;
nomem:
    anc_error_set(err, ANC_E_NOMEM, "out of memory for the training frames");
fail:
    free(mag);
    anc_featstats_free(fs);
    anc_stft_free(st);
    anc_dataset_free(ds);
    return err ? err->status : ANC_E_NOMEM;
}

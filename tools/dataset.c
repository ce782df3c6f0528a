/* dataset.c — corpus -> gated, normalised spectral frames with a file-level
 * validation split (see dataset.h). */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "feature.h"
#include "metrics.h"
#include "rng.h"

void anc_dataset_free(anc_dataset *ds)
{
    if (!ds)
        return;
    free(ds->z);
    free(ds->clip);
    free(ds->pos);
    free(ds->f0);
    free(ds->is_val);
    free(ds->train);
    free(ds->val);
    free(ds->mean);
    free(ds->std);
    free(ds->frame);
    anc_frame_space_clear(&ds->space);
    anc_stft_free(ds->st);
    free(ds);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Validation files: a seeded shuffle of the clip indices, the first n_val. */
static int split_files(anc_dataset *ds, size_t n_clips, double val_fraction, uint64_t seed)
{
    size_t n_val_files = 0;
    if (val_fraction > 0 && n_clips >= 2) {
        n_val_files = (size_t)(val_fraction * (double)n_clips + 0.5);
        if (n_val_files < 1)
            n_val_files = 1;
        if (n_val_files > n_clips - 1)
            n_val_files = n_clips - 1;
        size_t *order = malloc(n_clips * sizeof *order);
        if (!order)
            return 0;
        for (size_t i = 0; i < n_clips; i++)
            order[i] = i;
        anc_rng rng;
        anc_rng_seed(&rng, seed ^ 0x5eed0f5a11d5ULL);
        for (size_t i = n_clips - 1; i > 0; i--) {
            size_t j = (size_t)anc_rng_below(&rng, i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t i = 0; i < n_val_files; i++)
            ds->is_val[order[i]] = 1;
        free(order);
    }
    ds->val_files = n_val_files;
    ds->train_files = n_clips - n_val_files;
    return 1;
}

/* Percentiles of the voiced training frames' f0 and the voiced share. */
static int pitch_stats(anc_dataset *ds, const unsigned char *voiced)
{
    float *v = malloc(sizeof *v * (ds->n_train ? ds->n_train : 1));
    if (!v)
        return 0;
    size_t nv = 0;
    for (size_t i = 0; i < ds->n_train; i++)
        if (voiced[ds->train[i]])
            v[nv++] = ds->f0[ds->train[i]];
    if (nv) {
        qsort(v, nv, sizeof *v, cmp_float);
        ds->pitch_lo_hz = v[(size_t)(0.05 * (double)(nv - 1) + 0.5)];
        ds->pitch_hi_hz = v[(size_t)(0.95 * (double)(nv - 1) + 0.5)];
    }
    ds->voiced_fraction = (float)((double)nv / (double)ds->n_train);
    free(v);
    return 1;
}

anc_status anc_dataset_build(const anc_audio_corpus *corpus, double rate, int n_fft, int hop,
                             const anc_relfreq_config *rel, int level_norm, double val_fraction,
                             uint64_t seed,
                             anc_dataset **out, anc_error *err)
{
    *out = NULL;
    anc_featstats *fs = NULL;
    float *mag = NULL, *lin = NULL, *anchor = NULL;
    unsigned char *voiced = NULL, *clip_voiced = NULL;
    anc_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the training frames");
    ds->corpus = corpus;
    if (anc_stft_create(&ds->st, n_fft, hop, err) != ANC_OK ||
        anc_frame_space_init(&ds->space, rate, n_fft, hop, rel, err) != ANC_OK)
        goto fail;
    ds->space.level_norm = level_norm;
    const int nb = anc_stft_n_bins(ds->st), D = ds->space.n_input;
    size_t cap = 0, longest = 0;
    for (size_t c = 0; c < corpus->n_clips; c++) {
        size_t nf = anc_stft_num_frames(ds->st, corpus->clips[c].n);
        cap += nf;
        if (nf > longest)
            longest = nf;
    }
    cap = cap ? cap : 1;
    longest = longest ? longest : 1;
    ds->n_input = D;
    ds->n_clips = corpus->n_clips;
    ds->z = malloc(cap * D * sizeof *ds->z);
    ds->clip = malloc(cap * sizeof *ds->clip);
    ds->pos = malloc(cap * sizeof *ds->pos);
    ds->is_val = calloc(corpus->n_clips ? corpus->n_clips : 1, 1);
    ds->mean = malloc(D * sizeof *ds->mean);
    ds->std = malloc(D * sizeof *ds->std);
    ds->frame = malloc((size_t)n_fft * sizeof *ds->frame);
    mag = malloc(longest * nb * sizeof *mag);
    lin = malloc(nb * sizeof *lin);
    anchor = malloc(longest * sizeof *anchor);
    clip_voiced = malloc(longest);
    if (!ds->z || !ds->clip || !ds->pos || !ds->is_val || !ds->mean || !ds->std || !ds->frame ||
        !mag || !lin || !anchor || !clip_voiced)
        goto nomem;
    if (rel) {
        ds->f0 = malloc(cap * sizeof *ds->f0);
        voiced = malloc(cap);
        if (!ds->f0 || !voiced)
            goto nomem;
    }
    if (!split_files(ds, corpus->n_clips, val_fraction, seed))
        goto nomem;

    /* Frames in dB, gated like the metrics on their linear levels: a frame whose
     * peak is below -60 dBFS is silence or a tail and teaches the model nothing
     * it can play. */
    if (anc_featstats_create(&fs, D, err) != ANC_OK)
        goto fail;
    size_t n = 0;
    for (size_t c = 0; c < corpus->n_clips; c++) {
        const anc_audio_clip *cl = &corpus->clips[c];
        size_t nf = anc_stft_num_frames(ds->st, cl->n);
        anc_stft_analyze_magnitude(ds->st, cl->samples, cl->n, mag);
        if (rel && anc_frame_space_anchors(&ds->space, cl->samples, cl->n, nf, anchor,
                                           clip_voiced, err) != ANC_OK)
            goto fail;
        for (size_t f = 0; f < nf; f++) {
            float *db = ds->z + n * D;
            if (rel) {
                anc_mag_to_db(mag + f * nb, lin, nb);
                if (!anc_frame_above_gate(lin, nb))
                    continue;
                if (level_norm)
                    anc_frame_level_shift(lin, nb, -anc_frame_level_db(lin, nb),
                                          ANC_FEATURE_FLOOR_DB);
                anc_relfreq_from_linear(ds->space.rel, lin, anchor[f], ANC_FEATURE_FLOOR_DB, db);
                ds->f0[n] = anchor[f];
                voiced[n] = clip_voiced[f];
            } else {
                anc_mag_to_db(mag + f * nb, db, nb);
                if (!anc_frame_above_gate(db, nb))
                    continue;
                if (level_norm)
                    anc_frame_level_shift(db, nb, -anc_frame_level_db(db, nb),
                                          ANC_FEATURE_FLOOR_DB);
            }
            ds->clip[n] = (uint32_t)c;
            ds->pos[n] = (uint32_t)f;
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
    if (rel && !pitch_stats(ds, voiced))
        goto nomem;
    anc_featstats_finish(fs, ds->mean, ds->std, ANC_FEATURE_MIN_STD_DB);
    for (size_t i = 0; i < n; i++)
        anc_features_normalize(ds->mean, ds->std, ds->z + i * D, ds->z + i * D, D);
    ds->space.mean = ds->mean;
    ds->space.std = ds->std;

    free(mag);
    free(lin);
    free(anchor);
    free(voiced);
    free(clip_voiced);
    anc_featstats_free(fs);
    *out = ds;
    return ANC_OK;
nomem:
    anc_error_set(err, ANC_E_NOMEM, "out of memory for the training frames");
fail:
    free(mag);
    free(lin);
    free(anchor);
    free(voiced);
    free(clip_voiced);
    anc_featstats_free(fs);
    anc_dataset_free(ds);
    return err ? err->status : ANC_E_NOMEM;
}

void anc_dataset_linear_db(const anc_dataset *ds, size_t i, float *db)
{
    /* Frame t covers padded samples [t hop, t hop + n_fft), with n_fft - hop
     * zeros in front (stft.h). */
    const anc_audio_clip *cl = &ds->corpus->clips[ds->clip[i]];
    const int n_fft = anc_stft_n_fft(ds->st), hop = anc_stft_hop(ds->st);
    const long start = (long)ds->pos[i] * hop - (n_fft - hop);
    for (int m = 0; m < n_fft; m++) {
        long k = start + m;
        ds->frame[m] = k >= 0 && (size_t)k < cl->n ? cl->samples[k] : 0.0f;
    }
    anc_stft_magnitude(ds->st, ds->frame, db);
    anc_mag_to_db(db, db, anc_stft_n_bins(ds->st));
}

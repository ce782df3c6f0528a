/* dataset.h — a training set of spectral frames made from a sound corpus: STFT
 * levels of every clip, the frames above the -60 dBFS gate of the metrics, on
 * linear bins (absolute) or on the pitch-relative axis at each frame's anchor f0
 * (relative, model_vae.h's anc_frame_space), level-normalised if asked, a validation split by file (never
 * by frame: neighbouring frames are nearly equal, so a frame split would leak),
 * and per-feature normalisation fitted on the training files only. */
#ifndef ANC_DATASET_H
#define ANC_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "audio_in.h"
#include "model_vae.h"
#include "status.h"
#include "stft.h"

typedef struct anc_dataset {
    int n_input;        /* features per frame: bins, or points of the relative axis */
    size_t n_frames;
    float *z;           /* [n_frames][n_input] normalised features (feature.h) */
    uint32_t *clip;     /* [n_frames] the clip each frame comes from */
    uint32_t *pos;      /* [n_frames] the frame's index within its clip */
    float *f0;          /* [n_frames] anchor f0 of each frame (relative), else NULL */
    size_t n_clips;
    uint8_t *is_val;    /* [n_clips] 1 for validation files */
    size_t *train, n_train; /* frame indices of training files */
    size_t *val, n_val;     /* frame indices of validation files */
    size_t train_files, val_files;
    float *mean, *std;  /* [n_input] dB normalisation */
    /* Pitch statistics of the training frames (relative only; else 0): the 5th
     * and 95th percentiles of the voiced frames' f0 and the voiced share. */
    float pitch_lo_hz, pitch_hi_hz, voiced_fraction;
    anc_frame_space space; /* the frames' space, with mean and std */
    const anc_audio_corpus *corpus; /* the clips the frames come from */
    anc_stft *st;          /* for anc_dataset_linear_db */
    float *frame;          /* [n_fft] scratch */
} anc_dataset;

/* Builds the dataset from corpus, which must outlive it. rel NULL gives absolute
 * frames; level_norm shifts every frame to level 0 dB before it becomes features
 * (feature.h, "Frame level"; the gate reads the true levels). val_fraction of the clips (rounded, at least one when the fraction is
 * above zero and there are two clips or more) go to validation, chosen by seed.
 * Fails with ANC_E_INVALID when no frame passes the gate. */
anc_status anc_dataset_build(const anc_audio_corpus *corpus, double rate, int n_fft, int hop,
                             const anc_relfreq_config *rel, int level_norm, double val_fraction,
                             uint64_t seed, anc_dataset **out, anc_error *err);
void anc_dataset_free(anc_dataset *ds); /* accepts NULL */

/* The true levels in dB on linear bins of frame i, db[n_fft / 2 + 1], analysed
 * again from the corpus (the reference that relative reconstructions are
 * measured against; keeping them for every frame would double the memory). One
 * thread at a time. */
void anc_dataset_linear_db(const anc_dataset *ds, size_t i, float *db);

#endif

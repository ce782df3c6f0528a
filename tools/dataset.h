/* dataset.h — a training set of spectral frames made from a sound corpus: STFT
 * magnitudes of every clip, the frames above the -60 dBFS gate of the metrics,
 * a validation split by file (never by frame: neighbouring frames are nearly
 * equal, so a frame split would leak), and per-bin feature normalisation fitted
 * on the training files only. */
#ifndef ANC_DATASET_H
#define ANC_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "audio_in.h"
#include "status.h"

typedef struct anc_dataset {
    int n_bins;
    size_t n_frames;
    float *z;           /* [n_frames][n_bins] normalised features (feature.h) */
    uint32_t *clip;     /* [n_frames] the clip each frame comes from */
    size_t n_clips;
    uint8_t *is_val;    /* [n_clips] 1 for validation files */
    size_t *train, n_train; /* frame indices of training files */
    size_t *val, n_val;     /* frame indices of validation files */
    size_t train_files, val_files;
    float *mean, *std;  /* [n_bins] dB normalisation */
} anc_dataset;

/* Builds the dataset. val_fraction of the clips (rounded, at least one when the
 * fraction is above zero and there are two clips or more) go to validation,
 * chosen by seed. Fails with ANC_E_INVALID when no frame passes the gate. */
anc_status anc_dataset_build(const anc_audio_corpus *corpus, int n_fft, int hop,
                             double val_fraction, uint64_t seed, anc_dataset **out,
                             anc_error *err);
void anc_dataset_free(anc_dataset *ds); /* accepts NULL */

#endif

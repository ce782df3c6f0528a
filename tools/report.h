/* report.h — the HTML report of a training run or an evaluation
 * (ancestral-train --report, ancestral-eval --report): one self-contained file
 * that opens offline in any browser, with no script and nothing fetched — the
 * drawings are inline SVG (svg.h) and the spectrograms PNG data: URIs.
 *
 * Sections, each drawn when its data is given and otherwise replaced by a line
 * saying why: a table of figures; loss, KL and LSD per epoch for the training
 * and validation frames, with the PCA baseline on the LSD plot; the KL of each
 * latent dimension in importance order; a map of the files at their mean
 * posterior mean in the two most important dimensions; and for a few files the
 * spectrograms of the original, of the decoder's reconstruction and of the
 * resynthesised audio side by side on one dB colour scale. The file is written
 * atomically (atomic_file.h), so a browser reloading it while the trainer
 * rewrites it after each epoch sees the old or the new page, never a part. */
#ifndef ANC_REPORT_H
#define ANC_REPORT_H

#include <stddef.h>

#include "status.h"

/* One epoch's figures (NAN where not measured, e.g. no validation files). Loss
 * is the negative ELBO at beta = 1 in nats per frame (the normalised feature
 * space), so training and validation compare whatever the KL warm-up did. */
typedef struct anc_report_epoch {
    double epoch;                  /* 1, 2, ... */
    double train_loss, val_loss;
    double train_kl, val_kl;       /* nats per frame */
    double train_lsd_db, val_lsd_db;
    double beta;                   /* the KL weight at the epoch's end */
} anc_report_epoch;
#define ANC_REPORT_EPOCH_VALUES 8  /* doubles per anc_report_epoch, in field order */

/* A file's place on the latent map: its frames' mean posterior mean in the two
 * most important dimensions. */
typedef struct anc_report_point {
    const char *label; /* the file name */
    double z1, z2;
    int is_val;        /* a validation file (drawn hollow) */
} anc_report_point;

/* One file's three spectrograms, magnitudes [n_frames][n_fft / 2 + 1] in
 * stft.h's whole-signal framing and scaling (a full-scale sine reads 1). */
typedef struct anc_report_spectra {
    const char *label; /* the file name */
    double rate;
    int n_fft, hop;
    size_t n_frames;
    const float *orig, *recon, *resynth;
} anc_report_spectra;

typedef struct anc_report_row {
    const char *key;
    char value[160];
} anc_report_row;

typedef struct anc_report {
    const char *title, *subtitle;    /* subtitle may be NULL */
    const anc_report_row *rows;      /* the table of figures */
    size_t n_rows;
    const anc_report_epoch *history; /* per epoch, in order */
    size_t n_epochs;
    int epochs_planned;              /* the x axis reaches it, so progress shows */
    const char *history_note;        /* why there are no curves, when n_epochs == 0 */
    double pca_train_lsd_db, pca_val_lsd_db; /* NAN when unknown */
    int n_latent;
    const double *latent_kl;         /* [n_latent] nats per frame, importance order; or NULL */
    const char *latent_note;         /* what latent_kl was measured on */
    const anc_report_point *points;
    size_t n_points;
    const anc_report_spectra *spectra;
    size_t n_spectra;
    const char *spectra_note;        /* which files these are, or why there are none */
    const char *pending_note;        /* for sections without data (NULL: "not available") */
} anc_report;

/* Writes the page to path atomically. ANC_E_NOMEM or ANC_E_IO with the path
 * and reason in err. */
anc_status anc_report_write(const anc_report *r, const char *path, anc_error *err);

/* The history as f32 values (ANC_REPORT_EPOCH_VALUES per epoch), for a
 * trainer's checkpoint record, and back; from_values returns the epochs read
 * (count / ANC_REPORT_EPOCH_VALUES, at most max). */
void anc_report_history_to_values(const anc_report_epoch *h, size_t n, float *out);
size_t anc_report_history_from_values(const float *v, size_t count, anc_report_epoch *h,
                                      size_t max);

#endif

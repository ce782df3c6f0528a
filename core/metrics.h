/* metrics.h — the quality measures, computed the same way by the trainer, the
 * evaluator and the tests (definitions from DESIGN.md, "Metrics"):
 *  - log-spectral distance (LSD): for each frame whose reference peak is above
 *    -60 dBFS, the RMS over bins of the dB difference between reference and
 *    reconstruction, both clipped below at -80 dBFS; averaged over those frames.
 *  - spectral convergence: 20 log10(||A - M|| / ||M||) over all frames and bins,
 *    with M the reference magnitudes and A the measured ones.
 * Magnitudes use the STFT scaling of stft.h (a full-scale sine reads 1.0 = 0 dBFS).
 * Accumulators are plain structs: add frames one at a time, then read the result. */
#ifndef ANC_METRICS_H
#define ANC_METRICS_H

#include <stddef.h>

#define ANC_LSD_GATE_DB (-60.0)
#define ANC_LSD_CLIP_DB (-80.0)

typedef struct anc_lsd {
    double sum;    /* sum over counted frames of the per-frame RMS dB difference */
    size_t frames; /* frames counted (reference peak above the gate) */
} anc_lsd;

/* 1 when a frame given as levels in dB (20 log10 of the magnitude) peaks above
 * ANC_LSD_GATE_DB, else 0: the frames LSD counts, and the only frames the trainer
 * learns from and the evaluator scores (quieter ones are silence or tails). NaN
 * levels are ignored. */
int anc_frame_above_gate(const float *db, int n_bins);

/* Adds one frame given as levels in dB (20 log10 of the magnitude). */
void anc_lsd_add_db(anc_lsd *acc, const float *ref_db, const float *rec_db, int n_bins);
/* Adds one frame given as magnitudes. */
void anc_lsd_add_mag(anc_lsd *acc, const float *ref_mag, const float *rec_mag, int n_bins);
/* Mean LSD in dB over the counted frames; NaN when no frame passed the gate. */
double anc_lsd_result(const anc_lsd *acc);

typedef struct anc_sc {
    double err2; /* sum of (A - M)^2 */
    double ref2; /* sum of M^2 */
} anc_sc;

void anc_sc_add(anc_sc *acc, const float *ref_mag, const float *mag, int n_bins);
/* dB; NaN when the reference is all zero. */
double anc_sc_result(const anc_sc *acc);

#endif

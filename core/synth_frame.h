/* synth_frame.h — the pieces of frame synthesis that the synth engine
 * (engine.h) and the transfer engine (transfer.h) share: the synthesis STFT
 * for a model at a host rate, decoded features turned into magnitudes on the
 * model's linear bins (and the way back, for the transfer engine's encoder),
 * a frame set to a level, and harmonic phase.
 *
 * Every per-frame function here is real-time safe (no allocation, lock or
 * I/O); anc_synth_geometry_for() is plain arithmetic. */
#ifndef ANC_SYNTH_FRAME_H
#define ANC_SYNTH_FRAME_H

#include "model.h"
#include "relfreq.h"
#include "rng.h"
#include "status.h"

/* Decoded levels are clamped to this ceiling (dBFS per bin) before exp. */
#define ANC_SYNTH_DB_CEILING 12.0f

/* The synthesis STFT for a model at a host rate: the model's frame and hop
 * durations, with the FFT rounded to the nearest even 7-smooth size (FFTW is
 * fast at those and never allocates in execute), and the synthesis rate that
 * puts that FFT's bins exactly on the model's. */
typedef struct anc_synth_geometry {
    const anc_model_header *h; /* the model's */
    int n_fft, hop;
    double synth_rate;
    int convert; /* synth_rate differs from the host rate: a converter is needed */
    double pass; /* the converter's pass band, Hz */
} anc_synth_geometry;

/* ANC_E_INVALID for no model or a host rate outside 8000 .. 384000 Hz. */
anc_status anc_synth_geometry_for(const anc_model *m, double host_rate, anc_synth_geometry *g,
                                  anc_error *err);
/* Rewrites err as "model FFT .. cannot run at .. Hz: <err's own message>" and
 * returns s. */
anc_status anc_synth_cannot_run(anc_error *err, anc_status s, const anc_model_header *h,
                                double host_rate);

/* Decoded features feat[D] -> magnitudes lin[model_bins] on the model's linear
 * bins: denormalised, clamped at ANC_SYNTH_DB_CEILING (NaN too), and for a
 * relative model (rel not NULL) mapped from the axis at f0; scratch [D]. */
void anc_synth_features_to_mag(const anc_relfreq *rel, const float *mean, const float *std,
                               const float *feat, int D, float f0, float floor_db,
                               float *scratch, float *lin, int model_bins);

/* The analysis twin of anc_synth_features_to_mag(), the way the trainer makes
 * its features: levels db[n_bins] on the model's linear bins -> normalised
 * features z[D]. A level-normalised model (level_norm) sees the frame shifted to
 * level 0 dB first (feature.h, "Frame level"); a relative one (rel not NULL)
 * sees it on the axis at anchor f0. scratch [n_bins]. */
void anc_synth_encode_frame(const anc_relfreq *rel, const float *mean, const float *std,
                            int level_norm, const float *db, int n_bins, float f0,
                            float *scratch, float *z, int D);

/* Scales mag[n] to exactly level_db (feature.h, "Frame level"); a frame that is
 * near silence is raised by at most 60 dB rather than turned into loud floor
 * noise, and an all-zero frame stays zero. */
void anc_synth_set_level(float *mag, int n, float level_db);

/* Harmonic phase (see engine.c): mag[band] -> re, im [bins] for a voiced frame
 * at f0 of an STFT of n_fft at rate with hop; theta [bins] is the phase memory
 * of the stream, fresh = 1 when the previous frame was not harmonic (partials
 * then start at random phases from rng). Bins from band on are zero. */
void anc_synth_harmonic_phase(float *theta, int fresh, anc_rng *rng, float f0, double rate,
                              int n_fft, int hop, int band, int bins, const float *mag, float *re,
                              float *im);

#endif

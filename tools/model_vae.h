/* model_vae.h — a trained model's network as a batched anc_vae, for the programs
 * that encode and score frames (evaluator, renderer, trainer), the space its
 * frames live in (linear bins or the pitch-relative axis), and the
 * reconstruction measure they share. The real-time engine does not use it: it
 * decodes with core's allocation-free kernels. */
#ifndef ANC_MODEL_VAE_H
#define ANC_MODEL_VAE_H

#include <stddef.h>

#include "metrics.h"
#include "model.h"
#include "pitch.h"
#include "relfreq.h"
#include "status.h"
#include "vae.h"

/* Creates an anc_vae with m's architecture for batches of up to max_batch frames
 * and copies m's parameter block into it (gradients and Adam moments stay zero).
 * m is only read and may be freed afterwards. On success the caller owns *out
 * and frees it with anc_vae_free(); on failure *out is NULL and err says why
 * (ANC_E_INVALID, ANC_E_NOMEM). */
anc_status anc_vae_from_model(const anc_model *m, int max_batch, anc_vae **out, anc_error *err);

/* The space a model's frames live in, and the way back to linear STFT bins, so
 * that every figure (LSD, spectral convergence) is measured on linear bins
 * whatever the representation (DESIGN.md, "Pitch, MIDI and timbre transfer").
 * Absolute: features are the n_bins levels themselves. Relative: levels mapped
 * onto the relfreq axis at each frame's anchor f0 (anc_relfreq_anchor of the
 * offline pitch track), n_input = K points. mean and std [n_input] are the
 * feature normalisation, set by the owner (a model's, or a dataset's once
 * fitted). level_norm (a model's level_mode, or the trainer's choice): frames
 * are shifted to level 0 dB before they become features (feature.h, "Frame
 * level"), and decoded frames are shifted to the level their caller gives. One
 * object serves one thread (the pitch tracker and scratch). */
typedef struct anc_frame_space {
    double rate;
    int n_fft, hop, n_bins, n_input;
    const float *mean, *std;
    anc_relfreq *rel;   /* NULL for an absolute model */
    anc_pitch *pitch;   /* the offline tracker */
    int level_norm;     /* 1: features are of level-normalised frames */
    float *scratch;     /* [n_input] */
    float *lin;         /* [n_bins] */
} anc_frame_space;

/* rel NULL: absolute frames. Frees with anc_frame_space_clear() (also after a
 * failure). */
anc_status anc_frame_space_init(anc_frame_space *fs, double rate, int n_fft, int hop,
                                const anc_relfreq_config *rel, anc_error *err);
/* The space of model m, its normalisation included (valid while m lives). */
anc_status anc_frame_space_from_model(anc_frame_space *fs, const anc_model *m, anc_error *err);
void anc_frame_space_clear(anc_frame_space *fs);

/* The anchor f0 of each of the nf whole-signal STFT frames of x[n] (stft.h's
 * framing: frame t is centred on sample t*hop + hop - n_fft/2), from the
 * offline pitch track: the frame's f0 when voiced, else the relative axis's
 * reference (0 in an absolute space); voiced[t] = 1 where the frame maps at its
 * own f0. voiced may be NULL. Allocates. */
anc_status anc_frame_space_anchors(const anc_frame_space *fs, const float *x, size_t n,
                                   size_t nf, float *anchor, unsigned char *voiced,
                                   anc_error *err);

/* Levels db[n_bins] at anchor f0 -> normalised features z[n_input]. */
void anc_frame_space_encode(const anc_frame_space *fs, const float *db, float f0, float *z);
/* Normalised features z[n_input] at anchor f0 -> levels db[n_bins] on linear
 * bins; a level-normalised space shifts the frame to level_db (feature.h), the
 * others ignore it. */
void anc_frame_space_decode_db(const anc_frame_space *fs, const float *z, float f0,
                               float level_db, float *db);
/* The same as magnitudes mag[n_bins]. */
void anc_frame_space_decode_mag(const anc_frame_space *fs, const float *z, float f0,
                                float level_db, float *mag);

/* Adds to acc the LSD on linear bins of one reconstruction rec[n_input] of the
 * normalised frame x[n_input]. Absolute: the reference is x turned back into dB
 * (ref_db unused). Relative or level-normalised: the reference is the frame's
 * true levels ref_db[n_bins], and rec is mapped back at the frame's anchor f0
 * and level. a and b
 * [n_bins] are scratch. Frames below the metrics gate are not counted. */
void anc_frame_space_add_lsd(const anc_frame_space *fs, const float *x, const float *rec,
                             const float *ref_db, float f0, float *a, float *b, anc_lsd *acc);

/* The posterior-mean reconstruction error that the trainer and the evaluator
 * report: encodes m normalised frames x [m][n_input], decodes the means, f =
 * decode(mu(x)), and adds each frame's anc_frame_space_add_lsd() to acc, with
 * ref_db [m][n_bins] and anchors f0 [m] (both may be NULL for an absolute
 * space). Writes mu [m][L], lv [m][L] unless NULL, and f [m][n_input]; a and b
 * [n_bins] are scratch. m is at most anc_vae_max_batch(vae). */
void anc_vae_add_recon_lsd(anc_vae *vae, const anc_frame_space *fs, const float *x, int m,
                           const float *ref_db, const float *f0, float *mu, float *lv, float *f,
                           float *a, float *b, anc_lsd *acc);

#endif

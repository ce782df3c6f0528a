/* recon.h — a clip's reconstruction as the evaluator and the reports see it:
 * the decoder's magnitudes along the clip's latent path (decode(mu(x)) of every
 * frame, on linear bins at the frame's anchor f0) and their resynthesis, the
 * phase rebuilt causally frame by frame with anc_phase_next as the engine does,
 * overlap-added and analysed again. tools/ only. */
#ifndef ANC_RECON_H
#define ANC_RECON_H

#include <stddef.h>

#include "model_vae.h"
#include "phase.h"
#include "report.h"
#include "rng.h"
#include "status.h"
#include "stft.h"
#include "vae.h"

/* Decodes the posterior means of the nf frames feat[nf][n_input] (features of
 * fs, anchors anchor[nf]) into magnitudes dec_mag[nf][n_bins], each at the
 * level (feature.h) of the input's magnitudes mag[nf][n_bins] (a
 * level-normalised space; others ignore it). mu and f are scratch for
 * anc_vae_max_batch(vae) frames ([B][n_latent], [B][n_input]). */
void anc_recon_decode_path(anc_vae *vae, const anc_frame_space *fs, const float *feat,
                           const float *anchor, const float *mag, size_t nf, float *mu, float *f,
                           float *dec_mag);

/* Rebuilds the phase of the magnitudes M[nf][n_bins] causally with method m
 * (ph is reset first; rng as in anc_phase_next), resynthesises the n samples
 * y[n] that nf whole-signal frames cover (nf == anc_stft_num_frames(st, n)) and
 * analyses them again into remag[nf][n_bins]. re and im [nf][n_bins] are
 * scratch. ANC_E_INVALID when nf does not fit n. */
anc_status anc_recon_resynthesize(anc_stft *st, anc_phase *ph, anc_phase_method m, anc_rng *rng,
                                  const float *M, size_t nf, size_t n, float *re, float *im,
                                  float *y, float *remag, anc_error *err);

/* The three spectrograms of the first n samples of x[] that a report shows:
 * the input's STFT magnitudes, the decoder's along its latent path, and those of
 * the resynthesised audio (RTPGHI), each [*nf][n_bins], malloc'd into out[0],
 * out[1] and out[2] (the caller frees them). ph is reset; its own generator
 * draws the random phases, so the result depends on the inputs only.
 * ANC_E_NOMEM, or the frame space's error. */
anc_status anc_recon_clip(anc_vae *vae, const anc_frame_space *fs, anc_stft *st, anc_phase *ph,
                          const float *x, size_t n, float *out[3], size_t *nf, anc_error *err);

/* The longest stretch a report shows of a file: its first this many hops. */
#define ANC_RECON_REPORT_HOPS 400

/* s = the three spectrograms (anc_recon_clip) of the first
 * ANC_RECON_REPORT_HOPS hops of x[n], at fs's rate and STFT settings, labelled
 * label (kept, not copied). Free with anc_recon_spectra_free(). */
anc_status anc_recon_spectra(anc_report_spectra *s, const char *label, anc_vae *vae,
                             const anc_frame_space *fs, anc_stft *st, anc_phase *ph,
                             const float *x, size_t n, anc_error *err);
void anc_recon_spectra_free(anc_report_spectra *s); /* accepts a zeroed s */

/* The file name at the end of path. */
const char *anc_recon_basename(const char *path);

#endif

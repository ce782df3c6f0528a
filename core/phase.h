/* phase.h — causal phase reconstruction for STFT magnitude frames: the engine
 * turns each decoded magnitude frame into a complex frame that anc_stft_inverse()
 * can overlap-add.
 *
 * ANC_PHASE_RTPGHI is real-time phase gradient heap integration without
 * lookahead:
 *   Z. Průša and P. L. Søndergaard, "Real-time spectrogram inversion using phase
 *   gradient heap integration", DAFx 2016;
 *   Z. Průša, P. Balazs and P. L. Søndergaard, "A noniterative method for
 *   reconstruction of phase from STFT magnitude", IEEE/ACM TASLP 25(5), 2017.
 * Each frame uses only the current and earlier magnitude frames, so the plugin
 * needs no future frame and adds no latency. ANC_PHASE_RANDOM draws every phase
 * uniformly: the baseline the evaluation compares with.
 *
 * Output follows stft.h: bins 0 .. n_fft/2, phase referred to the first sample
 * of the frame, magnitude as given (a full-scale sine reads 1.0).
 *
 * Threading: create and free allocate; call them outside the audio thread.
 * anc_phase_reset() and anc_phase_next() are hard real time (no allocation,
 * lock, I/O or printing); one object serves one thread and one stream. */
#ifndef ANC_PHASE_H
#define ANC_PHASE_H

#include "rng.h"
#include "status.h"

typedef enum anc_phase_method {
    ANC_PHASE_RTPGHI = 0,
    ANC_PHASE_RANDOM = 1
} anc_phase_method;

#define ANC_PHASE_METHOD_COUNT 2

/* Bins whose magnitude is this far below the louder of the current and the
 * previous frame's peaks (relative, 1e-5 = -100 dB) carry no usable phase
 * gradient and get a random phase (the tolerance of the papers above). */
#define ANC_PHASE_REL_TOL 1e-5

typedef struct anc_phase anc_phase;

/* Creates the reconstructor for one STFT setting (n_fft and hop in the ranges of
 * stft.h) with every buffer, the heap included, allocated here. The caller frees
 * *out with anc_phase_free(). The object starts as after anc_phase_reset(). */
anc_status anc_phase_create(anc_phase **out, int n_fft, int hop, anc_error *err);
void anc_phase_free(anc_phase *ph); /* accepts NULL */

/* Forgets the stream: the next frame is treated as following silence. Also
 * reseeds the object's own generator, so a reset stream repeats itself. */
void anc_phase_reset(anc_phase *ph);

/* Declares bins n_active .. n_fft/2 silent for this stream (n_active is clamped
 * to 1 .. n_fft/2 + 1; the default is all bins): anc_phase_next() then outputs
 * 0 there whatever the magnitude and spends no work on them. The engine uses it
 * for the host bins above the model's Nyquist frequency. Resets the stream. */
void anc_phase_set_band(anc_phase *ph, int n_active);

/* "rtpghi" -> ANC_PHASE_RTPGHI, "random" -> ANC_PHASE_RANDOM; -1 if unknown. */
int anc_phase_method_from_name(const char *name);
const char *anc_phase_method_name(anc_phase_method m);

/* Takes the next frame's n_fft/2 + 1 magnitudes and writes its complex
 * spectrum re, im (n_fft/2 + 1 each). Magnitudes that are NaN or negative read
 * as 0, +Inf as FLT_MAX; outputs are always finite. rng supplies random phases
 * (for ANC_PHASE_RANDOM and for bins below ANC_PHASE_REL_TOL); with NULL the
 * object's own generator is used. Both methods keep the state current, so the
 * method may change from one frame to the next. mag may not alias re or im. */
void anc_phase_next(anc_phase *ph, anc_phase_method m, const float *mag, float *re, float *im,
                    anc_rng *rng);

#endif

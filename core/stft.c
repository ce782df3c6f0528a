/* stft.c — STFT analysis and weighted overlap-add synthesis on FFTW (single
 * precision), to the conventions in stft.h. Not a resampler or a phase
 * reconstructor: it only maps frames to spectra and back.
 *
 * Scaling, with c = 2 / sum(w) and FFTW's unnormalised transforms:
 *   forward  X = c * FFT(w .* frame)
 *   inverse  frame[m] = IFFT_unnormalised(X)[m] * w[m] / (c * n_fft * S[m mod hop])
 * so inverse(forward(x)) = w^2 x / S, and overlap-adding at hop spacing sums
 * w^2 over one residue class, which is exactly S: the signal comes back. Frames
 * hop apart give one output sample the same m mod hop in every frame covering
 * it, so this holds for any frame origin, not only whole-signal framing. */
#include "stft.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

struct anc_stft {
    int n_fft, hop, n_bins;
    float scale;         /* c = 2 / sum(w) */
    float *window;       /* [n_fft] analysis window w (periodic Hann) */
    float *synth;        /* [n_fft] w[m] / (c * n_fft * S[m mod hop]) */
    float *buf;          /* [n_fft] time-domain work buffer, both plans' real side */
    fftwf_complex *spec; /* [n_bins] frequency-domain work buffer */
    fftwf_plan r2c;      /* buf -> spec */
    fftwf_plan c2r;      /* spec -> buf (destroys spec, which is ours) */
};

/* FFTW's planner (plan creation and destruction) is not thread-safe; executing
 * an existing plan on its own arrays is. This lock covers every plan this
 * library makes or destroys. A plugin shares FFTW with its host and the host's
 * other plugins, whose planner calls this lock cannot see: so before the first
 * plan, FFTW's own planner is made thread-safe too (libfftw3f_threads'
 * fftwf_make_planner_thread_safe: every planner call in the process then takes
 * FFTW's lock, ours included). */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t planner_once = PTHREAD_ONCE_INIT;

static void make_planner_thread_safe(void) { fftwf_make_planner_thread_safe(); }

void anc_fftw_planner_lock(void)
{
    pthread_once(&planner_once, make_planner_thread_safe);
    pthread_mutex_lock(&planner_lock);
}
void anc_fftw_planner_unlock(void) { pthread_mutex_unlock(&planner_lock); }

static void destroy(anc_stft *st)
{
    anc_fftw_planner_lock();
    if (st->r2c)
        fftwf_destroy_plan(st->r2c);
    if (st->c2r)
        fftwf_destroy_plan(st->c2r);
    anc_fftw_planner_unlock();
    if (st->window)
        fftwf_free(st->window);
    if (st->synth)
        fftwf_free(st->synth);
    if (st->buf)
        fftwf_free(st->buf);
    if (st->spec)
        fftwf_free(st->spec);
    free(st);
}

/* Fills window, scale and synth. Sums run in double over the float window that
 * analysis actually uses, so the normalisation matches it to float rounding. */
static void make_windows(anc_stft *st)
{
    const int n = st->n_fft, hop = st->hop;
    const double two_pi = 6.283185307179586476925;
    double sum = 0.0;
    for (int m = 0; m < n; m++) {
        st->window[m] = (float)(0.5 - 0.5 * cos(two_pi * (double)m / (double)n));
        sum += st->window[m];
    }
    const double c = 2.0 / sum;
    st->scale = (float)c;
    for (int j = 0; j < hop; j++) {
        double s = 0.0; /* S[j]: > 0, since class j holds j + hop and w is 0 only at 0 */
        for (int m = j; m < n; m += hop)
            s += (double)st->window[m] * (double)st->window[m];
        for (int m = j; m < n; m += hop)
            st->synth[m] = (float)((double)st->window[m] / (c * (double)n * s));
    }
}

anc_status anc_stft_create(anc_stft **out, int n_fft, int hop, anc_error *err)
{
    if (!out)
        return anc_error_set(err, ANC_E_INVALID, "anc_stft_create: no output pointer");
    *out = NULL;
    if (n_fft < ANC_STFT_MIN_FFT || n_fft > ANC_STFT_MAX_FFT || n_fft % 2 != 0)
        return anc_error_set(err, ANC_E_INVALID, "FFT size %d invalid: must be even, %d..%d",
                             n_fft, ANC_STFT_MIN_FFT, ANC_STFT_MAX_FFT);
    if (hop < 1 || hop > n_fft / 2)
        return anc_error_set(err, ANC_E_INVALID, "hop %d invalid for FFT size %d: must be 1..%d",
                             hop, n_fft, n_fft / 2);

    anc_stft *st = calloc(1, sizeof *st);
    if (!st)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for an STFT of size %d", n_fft);
    st->n_fft = n_fft;
    st->hop = hop;
    st->n_bins = n_fft / 2 + 1;
    st->window = fftwf_malloc(sizeof(float) * (size_t)n_fft);
    st->synth = fftwf_malloc(sizeof(float) * (size_t)n_fft);
    st->buf = fftwf_malloc(sizeof(float) * (size_t)n_fft);
    st->spec = fftwf_malloc(sizeof(fftwf_complex) * (size_t)st->n_bins);
    if (!st->window || !st->synth || !st->buf || !st->spec) {
        destroy(st);
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for STFT buffers of size %d", n_fft);
    }
    memset(st->buf, 0, sizeof(float) * (size_t)n_fft);
    memset(st->spec, 0, sizeof(fftwf_complex) * (size_t)st->n_bins);
    make_windows(st);

    /* FFTW_ESTIMATE neither measures nor touches the arrays, so planning is fast
     * and deterministic; the plans are bound to buf and spec. */
    anc_fftw_planner_lock();
    st->r2c = fftwf_plan_dft_r2c_1d(n_fft, st->buf, st->spec, FFTW_ESTIMATE);
    st->c2r = fftwf_plan_dft_c2r_1d(n_fft, st->spec, st->buf, FFTW_ESTIMATE);
    anc_fftw_planner_unlock();
    if (!st->r2c || !st->c2r) {
        destroy(st);
        return anc_error_set(err, ANC_E_NOMEM, "FFTW could not plan a transform of size %d", n_fft);
    }
    *out = st;
    return ANC_OK;
}

void anc_stft_free(anc_stft *st)
{
    if (st)
        destroy(st);
}

int anc_stft_n_fft(const anc_stft *st) { return st->n_fft; }
int anc_stft_hop(const anc_stft *st) { return st->hop; }
int anc_stft_n_bins(const anc_stft *st) { return st->n_bins; }
const float *anc_stft_window(const anc_stft *st) { return st->window; }

/* buf holds the windowed frame: transform it and write scaled spectra
 * (re, im and mag each may be NULL). */
static void finish_forward(anc_stft *st, float *re, float *im, float *mag)
{
    fftwf_execute(st->r2c);
    const float c = st->scale;
    fftwf_complex *s = st->spec;
    for (int k = 0; k < st->n_bins; k++) {
        float a = c * s[k][0], b = c * s[k][1];
        if (re)
            re[k] = a;
        if (im)
            im[k] = b;
        if (mag)
            mag[k] = sqrtf(a * a + b * b);
    }
}

void anc_stft_forward(anc_stft *st, const float *frame, float *re, float *im)
{
    for (int m = 0; m < st->n_fft; m++)
        st->buf[m] = st->window[m] * frame[m];
    finish_forward(st, re, im, NULL);
}

void anc_stft_magnitude(anc_stft *st, const float *frame, float *mag)
{
    for (int m = 0; m < st->n_fft; m++)
        st->buf[m] = st->window[m] * frame[m];
    finish_forward(st, NULL, NULL, mag);
}

/* Leaves the unnormalised inverse FFT of (re, im) in buf; the caller applies
 * synth. The imaginary parts of DC and Nyquist are dropped: no real frame has
 * them, and FFTW's c2r does not promise to ignore them. */
static void inverse_to_buf(anc_stft *st, const float *re, const float *im)
{
    fftwf_complex *s = st->spec;
    const int nb = st->n_bins;
    for (int k = 0; k < nb; k++) {
        s[k][0] = re[k];
        s[k][1] = im[k];
    }
    s[0][1] = 0.0f;
    s[nb - 1][1] = 0.0f;
    fftwf_execute(st->c2r);
}

void anc_stft_inverse(anc_stft *st, const float *re, const float *im, float *frame)
{
    inverse_to_buf(st, re, im);
    for (int m = 0; m < st->n_fft; m++)
        frame[m] = st->buf[m] * st->synth[m];
}

size_t anc_stft_num_frames(const anc_stft *st, size_t n)
{
    if (n == 0)
        return 0;
    /* ceil((n + pad) / hop) without forming n + pad, which could overflow. */
    const size_t hop = (size_t)st->hop, pad = (size_t)(st->n_fft - st->hop);
    return n / hop + (n % hop + pad + hop - 1) / hop;
}

/* Frame t covers padded samples [t*hop, t*hop + n_fft); padded sample q is input
 * sample q - pad. Returns, for frame t, the range [*lo, *hi) of frame offsets
 * that hold input samples, and the input index of offset *lo. Needs t within
 * anc_stft_num_frames(n), which makes *lo < *hi. */
static size_t frame_span(const anc_stft *st, size_t t, size_t n, int *lo, int *hi)
{
    const size_t start = t * (size_t)st->hop, pad = (size_t)(st->n_fft - st->hop);
    const size_t first = start < pad ? pad - start : 0; /* offset of input sample 0 or later */
    const size_t end = pad + n - start;                 /* offset one past the last input sample */
    *lo = (int)first;
    *hi = end < (size_t)st->n_fft ? (int)end : st->n_fft;
    return start + first - pad;
}

/* Windows frame t of x (zeros outside the signal) into buf. */
static void load_frame(anc_stft *st, const float *x, size_t n, size_t t)
{
    int lo, hi;
    const float *src = x + frame_span(st, t, n, &lo, &hi);
    for (int m = 0; m < lo; m++)
        st->buf[m] = 0.0f;
    for (int m = lo; m < hi; m++)
        st->buf[m] = st->window[m] * src[m - lo];
    for (int m = hi; m < st->n_fft; m++)
        st->buf[m] = 0.0f;
}

void anc_stft_analyze(anc_stft *st, const float *x, size_t n, float *re, float *im)
{
    const size_t frames = anc_stft_num_frames(st, n), nb = (size_t)st->n_bins;
    if (!re && !im)
        return;
    for (size_t t = 0; t < frames; t++) {
        load_frame(st, x, n, t);
        finish_forward(st, re ? re + t * nb : NULL, im ? im + t * nb : NULL, NULL);
    }
}

void anc_stft_analyze_magnitude(anc_stft *st, const float *x, size_t n, float *mag)
{
    const size_t frames = anc_stft_num_frames(st, n), nb = (size_t)st->n_bins;
    for (size_t t = 0; t < frames; t++) {
        load_frame(st, x, n, t);
        finish_forward(st, NULL, NULL, mag + t * nb);
    }
}

anc_status anc_stft_synthesize(anc_stft *st, const float *re, const float *im,
                               size_t n_frames, float *y, size_t n, anc_error *err)
{
    if (!st)
        return anc_error_set(err, ANC_E_INVALID, "anc_stft_synthesize: no STFT");
    const size_t want = anc_stft_num_frames(st, n), nb = (size_t)st->n_bins;
    if (n_frames != want)
        return anc_error_set(err, ANC_E_INVALID,
                             "%zu frames given for %zu samples; FFT %d hop %d needs %zu",
                             n_frames, n, st->n_fft, st->hop, want);
    if (n == 0)
        return ANC_OK;
    if (!re || !im || !y)
        return anc_error_set(err, ANC_E_INVALID, "anc_stft_synthesize: NULL spectrum or output");
    memset(y, 0, sizeof(float) * n);
    for (size_t t = 0; t < n_frames; t++) {
        int lo, hi;
        inverse_to_buf(st, re + t * nb, im + t * nb);
        float *dst = y + frame_span(st, t, n, &lo, &hi);
        for (int m = lo; m < hi; m++)
            dst[m - lo] += st->buf[m] * st->synth[m];
    }
    return ANC_OK;
}

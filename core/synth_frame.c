/* synth_frame.c — frame synthesis shared by the engines (see synth_frame.h). */
#include "synth_frame.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fastmath.h"
#include "feature.h"

/* True when n has no prime factor above 7: FFTW is fast on such sizes and slow
 * on large primes (2230 = 2 * 5 * 223 runs several times slower than 2240), and
 * worse, its plans for sizes with a large prime factor (Rader's algorithm)
 * allocate inside fftwf_execute(): 2230 makes 10 heap calls per transform.
 * Every even 7-smooth size from 256 to 16384 makes none (tests/test_engine.c),
 * so the engines use only those, also at the model's own rate. */
static int smooth(int n)
{
    static const int primes[] = {2, 3, 5, 7};
    for (int i = 0; i < 4; i++)
        while (n % primes[i] == 0)
            n /= primes[i];
    return n == 1;
}

/* The even 7-smooth size nearest to x (ties go up). */
static int nearest_smooth_even(double x)
{
    int c = 2 * (int)lround(0.5 * x);
    for (int d = 0;; d += 2) {
        if (smooth(c + d))
            return c + d;
        if (c - d >= 2 && smooth(c - d))
            return c - d;
    }
}

anc_status anc_synth_geometry_for(const anc_model *m, double host_rate, anc_synth_geometry *g,
                                  anc_error *err)
{
    if (!m)
        return anc_error_set(err, ANC_E_INVALID, "no model");
    const anc_model_header *h = g->h = anc_model_get_header(m);
    if (!(host_rate >= 8000.0 && host_rate <= 384000.0))
        return anc_error_set(err, ANC_E_INVALID, "host sample rate %g Hz out of range 8000..384000",
                             host_rate);
    /* Same frame and hop durations as the model, scaled to the host rate, with
     * the FFT rounded to the nearest size FFTW handles fast; the synthesis rate
     * is what puts that FFT's bins exactly on the model's. */
    double ratio = host_rate / (double)h->sample_rate;
    g->n_fft = nearest_smooth_even(h->n_fft * ratio);
    g->synth_rate = (double)g->n_fft * h->sample_rate / h->n_fft;
    g->hop = (int)lround((double)h->hop * g->n_fft / h->n_fft);
    if (g->hop < 1)
        g->hop = 1;
    if (g->hop > g->n_fft / 2)
        g->hop = g->n_fft / 2;
    g->convert = fabs(g->synth_rate / host_rate - 1.0) > 1e-12;
    /* Pass what the model can hold, up to 90 % of the lower Nyquist frequency. */
    double lo = g->synth_rate < host_rate ? g->synth_rate : host_rate;
    g->pass = 0.5 * h->sample_rate < 0.45 * lo ? 0.5 * h->sample_rate : 0.45 * lo;
    return ANC_OK;
}

anc_status anc_synth_cannot_run(anc_error *err, anc_status s, const anc_model_header *h,
                                double host_rate)
{
    char why[ANC_ERROR_MESSAGE_MAX] = ""; /* err->message cannot be both format and target */
    if (err)
        snprintf(why, sizeof why, "%s", err->message);
    return anc_error_set(err, s, "model FFT %u at %u Hz cannot run at %g Hz: %s",
                         (unsigned)h->n_fft, (unsigned)h->sample_rate, host_rate, why);
}

void anc_synth_features_to_mag(const anc_relfreq *rel, const float *mean, const float *std,
                               const float *feat, int D, float f0, float floor_db,
                               float *scratch, float *lin, int model_bins)
{
    const float ln = 0.11512925464970228f; /* dB -> natural log of magnitude: ln(10) / 20 */
    if (!rel) {
        anc_features_to_mag_fast(mean, std, feat, lin, D, ANC_SYNTH_DB_CEILING);
        return;
    }
    for (int d = 0; d < D; d++) {
        const float v = feat[d] * std[d] + mean[d];
        scratch[d] = v < ANC_SYNTH_DB_CEILING ? v : ANC_SYNTH_DB_CEILING; /* NaN fails v < c */
    }
    anc_relfreq_to_linear(rel, scratch, f0, floor_db, lin);
    for (int k = 0; k < model_bins; k++)
        lin[k] = anc_expf_fast(lin[k] * ln);
}

void anc_synth_encode_frame(const anc_relfreq *rel, const float *mean, const float *std,
                            int level_norm, const float *db, int n_bins, float f0,
                            float *scratch, float *z, int D)
{
    if (level_norm) {
        memcpy(scratch, db, sizeof(float) * (size_t)n_bins);
        anc_frame_level_shift(scratch, n_bins, -anc_frame_level_db(db, n_bins),
                              ANC_FEATURE_FLOOR_DB);
        db = scratch;
    }
    if (rel) {
        anc_relfreq_from_linear(rel, db, f0, ANC_FEATURE_FLOOR_DB, z);
        anc_features_normalize(mean, std, z, z, D);
    } else {
        anc_features_normalize(mean, std, db, z, D);
    }
}

void anc_synth_set_level(float *mag, int n, float level_db)
{
    double p = 0.0;
    for (int k = 0; k < n; k++)
        p += (double)mag[k] * mag[k];
    const double want = ANC_FRAME_SINE_POWER * pow(10.0, level_db / 10.0);
    const float g = p > want * 1e-6 ? (float)sqrt(want / p) : p > 0.0 ? 1000.0f : 0.0f;
    for (int k = 0; k < n; k++)
        mag[k] *= g;
}

/* Every bin belongs to its nearest harmonic h of f0, whose phase theta[h] at
 * the frame centre advances by 2 pi h f0 hop / rate per frame, and bin k of a
 * partial analysed with a window centred on the frame has phase theta[h] - pi k
 * (phase referred to the frame's first sample, as stft.h wants). Partials then
 * sound exactly at h f0 and the bins of one partial stay locked together.
 * RTPGHI estimates each bin's frequency from the slope of the magnitudes
 * instead, which is exact only for lobes as wide as the analysis window's; a
 * relative frame mapped at another f0 than the one it was learnt at has
 * narrower or wider lobes (measured: C3 from a frame made at C4 played partials
 * tens of Hz off). A partial that starts gets a random phase. */
void anc_synth_harmonic_phase(float *theta, int fresh, anc_rng *rng, float f0, double rate,
                              int n_fft, int hop, int band, int bins, const float *mag, float *re,
                              float *im)
{
    const double bin_hz = rate / n_fft;
    const float step = (float)(2.0 * M_PI * f0 * hop / rate);
    int top = 0;            /* highest harmonic advanced so far (h grows with k) */
    float c = 1.0f, sn = 0.0f; /* cos and sin of theta[top] */
    for (int k = 0; k < band; k++) {
        int h = (int)lrint(k * bin_hz / f0);
        h = h < 1 ? 1 : h >= bins ? bins - 1 : h;
        if (top < h) {
            while (top < h) {
                top++;
                float t = fresh ? (float)(2.0 * M_PI * anc_rng_uniform(rng))
                                : theta[top] + step * (float)top;
                theta[top] = t - (float)(2.0 * M_PI) * floorf(t * (float)(0.5 / M_PI));
            }
            c = cosf(theta[h]);
            sn = sinf(theta[h]);
        }
        const float sign = k & 1 ? -1.0f : 1.0f; /* e^{-i pi k} */
        re[k] = sign * mag[k] * c;
        im[k] = sign * mag[k] * sn;
    }
    for (int k = band; k < bins; k++)
        re[k] = im[k] = 0.0f;
}

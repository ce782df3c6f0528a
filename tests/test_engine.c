/* test_engine.c — the real-time engine's promises that do not need a host:
 *  1. FFTW: every even 7-smooth size from 256 to 16384 (the only sizes the
 *     engine uses) transforms both ways without a heap call (FFTW's plans for
 *     sizes with a large prime factor allocate inside fftwf_execute());
 *  2. models of several rates and FFT sizes, some of them not 7-smooth, at
 *     host rates from 8 to 192 kHz including odd ones: the engine's FFT is
 *     7-smooth, and processing makes no heap call and gives finite, never
 *     denormal, audible output that stays below the output guard (so the guard
 *     hides nothing there);
 *  3. the output guard: a model decoding every bin at the dB ceiling drives the
 *     signal far past 4, and the output stops at exactly +-4.
 * Heap calls are counted by alloc_count.c, linked into this executable. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "check.h"
#include "engine.h"
#include "model.h"
#include "stft.h"
#include "synth_model.h"

/* The real-time side's headers stay independent of the training object. */
#ifdef ANC_VAE_H
#error "engine.h or model.h includes vae.h, the training object"
#endif

static int smooth(int n)
{
    static const int p[] = {2, 3, 5, 7};
    for (int i = 0; i < 4; i++)
        while (n % p[i] == 0)
            n /= p[i];
    return n == 1;
}

static void test_fft_sizes(void)
{
    int sizes = 0, allocating = 0;
    for (int n = ANC_STFT_MIN_FFT; n <= ANC_STFT_MAX_FFT; n += 2) {
        if (!smooth(n))
            continue;
        anc_stft *st = NULL;
        anc_error err;
        if (!check_true(anc_stft_create(&st, n, n / 4, &err) == ANC_OK, "stft %d: %s", n,
                        err.message))
            continue;
        const int nb = n / 2 + 1;
        float *frame = calloc((size_t)n, sizeof *frame), *re = calloc((size_t)nb, sizeof *re),
              *im = calloc((size_t)nb, sizeof *im);
        if (!frame || !re || !im) {
            printf("FAIL: out of memory\n");
            exit(1);
        }
        frame[1] = 1.0f;
        const unsigned long before = anc_alloc_count();
        anc_alloc_watch(1);
        anc_stft_forward(st, frame, re, im);
        anc_stft_inverse(st, re, im, frame);
        anc_alloc_watch(0);
        if (anc_alloc_count() != before) {
            printf("  FFT size %d: %lu heap calls\n", n, anc_alloc_count() - before);
            allocating++;
        }
        sizes++;
        free(frame);
        free(re);
        free(im);
        anc_stft_free(st);
    }
    printf("%s FFT sizes: %d even 7-smooth sizes %d..%d, %d make heap calls\n",
           allocating ? "FAIL" : "ok", sizes, ANC_STFT_MIN_FFT, ANC_STFT_MAX_FFT, allocating);
    check_true(allocating == 0, "%d FFT sizes allocate inside the transform", allocating);
}

static anc_model *make_model(uint32_t rate, uint32_t n_fft)
{
    static const int hidden[] = {32, 16};
    anc_error err;
    anc_model *m = synth_model(rate, n_fft, 4, hidden, 2, ANC_ACT_SILU, &err);
    if (!m) {
        printf("FAIL: anc_model_create: %s\n", err.message);
        exit(1);
    }
    float *mean = anc_model_feature_mean(m), *std = anc_model_feature_std(m);
    for (int k = 0; k < (int)n_fft / 2 + 1; k++) {
        mean[k] = -40.0f - 30.0f * (float)k / (float)((int)n_fft / 2 + 1);
        std[k] = 8.0f;
    }
    return m;
}

static void test_models_and_rates(void)
{
    static const uint32_t models[][2] = {{22050, 1024}, {44100, 2042}, {48000, 1000},
                                         {44100, 2048}, {16000, 1486}, {96000, 8192}};
    static const double rates[] = {8000,  11025, 16000, 22050, 32000,  37800,
                                   44100, 48000, 88200, 96000, 176400, 192000};
    enum { BLOCK = 100 };
    static float out[BLOCK];
    int engines = 0, refused = 0;
    const int failures_before = check_failures;
    double peak_all = 0.0, rms_min = INFINITY;
    for (size_t mi = 0; mi < sizeof models / sizeof *models; mi++) {
        anc_model *m = make_model(models[mi][0], models[mi][1]);
        for (size_t ri = 0; ri < sizeof rates / sizeof *rates; ri++) {
            anc_engine *e = NULL;
            anc_error err;
            if (anc_engine_create(&e, m, rates[ri], 1, &err) != ANC_OK) {
                /* only an FFT outside the sizes the STFT supports may be refused */
                const double want = models[mi][1] * rates[ri] / models[mi][0];
                check_true(want > ANC_STFT_MAX_FFT || want < ANC_STFT_MIN_FFT,
                           "model %u Hz / FFT %u at %.0f Hz refused: %s", models[mi][0],
                           models[mi][1], rates[ri], err.message);
                refused++;
                continue;
            }
            engines++;
            anc_engine_params p;
            anc_engine_params_default(&p);
            p.mode = ANC_MODE_ANCESTRAL;
            p.noise = 1.0f;
            p.rate = 20.0f;
            anc_engine_set_params(e, &p);
            const int fft = anc_engine_host_fft(e);
            check_true(smooth(fft), "model %u Hz / FFT %u at %.0f Hz: host FFT %d is not 7-smooth",
                       models[mi][0], models[mi][1], rates[ri], fft);
            const long frames = (long)(0.3 * rates[ri]);
            long bad = 0;
            double peak = 0.0, energy = 0.0;
            const unsigned long before = anc_alloc_count();
            for (long done = 0; done < frames; done += BLOCK) {
                anc_alloc_watch(1);
                anc_engine_process(e, out, BLOCK);
                anc_alloc_watch(0);
                for (int i = 0; i < BLOCK; i++) {
                    bad += !isfinite(out[i]) || (out[i] != 0.0f && fabsf(out[i]) < FLT_MIN);
                    peak = fmax(peak, fabs((double)out[i]));
                    energy += (double)out[i] * out[i];
                }
            }
            const unsigned long calls = anc_alloc_count() - before;
            const double rms = sqrt(energy / (double)frames);
            check_true(calls == 0 && bad == 0 && peak < 4.0 && rms > 1e-4,
                       "model %u Hz / FFT %u at %.0f Hz (host FFT %d): %lu heap calls, %ld "
                       "non-finite or denormal samples, peak %.3g (want < 4, unclamped), rms %.3g "
                       "(want > 1e-4)",
                       models[mi][0], models[mi][1], rates[ri], fft, calls, bad, peak, rms);
            peak_all = fmax(peak_all, peak);
            rms_min = fmin(rms_min, rms);
            anc_engine_free(e);
        }
        anc_model_free(m);
    }
    check_true(engines >= 60, "only %d model/rate pairs ran", engines);
    printf("%s engines: %d model/rate pairs processed (%d refused: FFT outside %d..%d), "
           "peak %.3f, lowest rms %.3g\n",
           check_failures == failures_before ? "ok" : "FAIL", engines, refused, ANC_STFT_MIN_FFT,
           ANC_STFT_MAX_FFT, peak_all, rms_min);
}

/* Every bin decoded at the engine's ceiling (12 dBFS, magnitude 4) sums to a
 * signal far beyond 4: the guard must hold it at exactly +-4, finite. */
static void test_output_guard(void)
{
    static const int hidden[] = {8};
    anc_error err;
    anc_model *m = synth_model(48000, 1024, 2, hidden, 1, ANC_ACT_TANH, &err);
    if (!check_true(m != NULL, "anc_model_create: %s", err.message))
        return;
    float *mean = anc_model_feature_mean(m), *std = anc_model_feature_std(m);
    for (int k = 0; k < 513; k++) {
        mean[k] = 30.0f; /* above the ceiling, whatever the decoder adds */
        std[k] = 0.01f;
    }
    const double rates[] = {48000, 44100};
    for (int r = 0; r < 2; r++) {
        anc_engine *e = NULL;
        if (!check_true(anc_engine_create(&e, m, rates[r], 3, &err) == ANC_OK, "engine: %s",
                        err.message))
            continue;
        enum { N = 24000 };
        static float out[N];
        anc_engine_process(e, out, N);
        long at_limit = 0, beyond = 0, bad = 0;
        for (int i = 0; i < N; i++) {
            bad += !isfinite(out[i]);
            beyond += fabsf(out[i]) > 4.0f;
            at_limit += fabsf(out[i]) == 4.0f;
        }
        const int ok = check_true(bad == 0 && beyond == 0 && at_limit > 0,
                                  "output guard at %.0f Hz: %ld non-finite, %ld beyond 4, %ld of %d "
                                  "samples at the limit (want some)",
                                  rates[r], bad, beyond, at_limit, N);
        if (ok)
            printf("ok output guard at %.0f Hz: %ld of %d samples held at +-4, none beyond\n",
                   rates[r], at_limit, N);
        anc_engine_free(e);
    }
    anc_model_free(m);
}

int main(void)
{
    const char *how = "";
    if (!check_true(anc_alloc_counting(&how), "the heap-call counter is not active here"))
        return check_exit();
    test_fft_sizes();
    test_models_and_rates();
    test_output_guard();
    return check_exit();
}

/* test_phase.c — phase reconstruction (core/phase.c) measured the way DESIGN.md
 * defines spectral_convergence_db: true magnitudes M of a signal go through
 * anc_phase_next() frame by frame, causally, as in the plugin; the frames are
 * overlap-added into y, and SC = 20 log10(|| |STFT(y)| - M || / ||M||) over all
 * frames and bins.
 *
 * The signals are synthesised here (deterministic): harmonic notes at 110, 220,
 * 440 and 880 Hz with decaying harmonics under a spectral envelope, a note with
 * vibrato, an exponential chirp, a noise burst and a train of clicks, at
 * 44100 Hz. The bounds come from the literature (Průša and Søndergaard, DAFx
 * 2016; Průša, Balazs and Søndergaard, TASLP 2017): on real recordings causal
 * RTPGHI reaches about -16 to -21 dB at
 * hop = n_fft/4 and -22 to -25 dB at n_fft/8, random phase about -4 dB. The test
 * fails if RTPGHI on a harmonic note, the vibrato or the chirp is worse than
 * -16 dB (n_fft/4) or -20 dB (n_fft/8), if it is not at least 8 dB better than
 * random phase on them, or if it is worse than random phase on the noise or the
 * clicks (transients are the causal method's weak case: its time derivative of
 * the log magnitude lags by up to a hop; they catch a wrong sign in the
 * frequency-direction gradient, which the stationary notes barely feel).
 *
 * The bounds hold where the window resolves the partials. The phase gradients
 * come from a Gaussian model of each partial's main lobe; the Hann main lobe
 * spans +-2 bins, so harmonics closer than 3 bins (110 Hz at n_fft 1024 and
 * 44100 Hz is 2.55 bins) interfere in every bin and no RTPGHI variant, causal
 * or with lookahead, reaches -16 dB there (about -15 dB measured). Such a note
 * is still printed and still held to the margin over random phase.
 *
 * It also checks that degenerate frames (silence, one bin, huge, NaN) give
 * finite output with the given magnitudes, that long runs stay exact and that a
 * reset stream repeats itself. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "phase.h"
#include "rng.h"
#include "stft.h"

#define RATE 44100.0
#define TWO_PI 6.283185307179586476925
#define SECONDS 1.5
#define N_SAMPLES ((size_t)(SECONDS * RATE))

/* Bounds for harmonic notes (dB) and the margin over random phase. */
#define BOUND_HOP4 (-16.0)
#define BOUND_HOP8 (-20.0)
#define MIN_GAIN_OVER_RANDOM 8.0
/* Regression guard, not a literature figure: on these clean resolved tonal
 * signals this implementation reaches -28 to -41 dB; a sign or index slip in
 * one of the integration directions costs 5 to 15 dB on some of them while
 * staying inside the bounds above. */
#define REGRESSION_BOUND (-25.0)

typedef enum sig_kind { SIG_NOTE, SIG_VIBRATO, SIG_CHIRP, SIG_NOISE, SIG_CLICKS } sig_kind;

typedef struct signal_spec {
    const char *name;
    sig_kind kind;
    double f0;
    int tonal; /* held to the bounds above where resolved */
} signal_spec;

static const signal_spec signals[] = {
    {"note 110 Hz", SIG_NOTE, 110.0, 1},
    {"note 220 Hz", SIG_NOTE, 220.0, 1},
    {"note 440 Hz", SIG_NOTE, 440.0, 1},
    {"note 880 Hz", SIG_NOTE, 880.0, 1},
    {"vibrato 330 Hz", SIG_VIBRATO, 330.0, 1},
    {"chirp 100-5000 Hz", SIG_CHIRP, 100.0, 1},
    {"noise burst", SIG_NOISE, 0.0, 0},
    {"clicks 8 Hz", SIG_CLICKS, 8.0, 0},
};

/* Harmonic spacing in bins below which partials are not resolved (see top). */
#define MIN_RESOLVED_BINS 3.0

static int resolved(const signal_spec *s, int n_fft)
{
    if (s->kind == SIG_CHIRP)
        return 1; /* a single partial has no neighbour to interfere with */
    return s->f0 * n_fft / RATE >= MIN_RESOLVED_BINS;
}
#define N_SIGNALS (sizeof signals / sizeof signals[0])

typedef struct stft_setting {
    int n_fft, hop;
} stft_setting;

static const stft_setting settings[] = {{1024, 256}, {1024, 128}, {2048, 512}, {2048, 256}};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

/* Spectral envelope: a gentle roll-off with two formant-like bumps, so the
 * harmonic amplitudes are uneven as in an instrument. */
static double envelope(double f)
{
    double b1 = (f - 700.0) / 250.0, b2 = (f - 2600.0) / 500.0;
    return exp(-f / 4000.0) * (0.3 + exp(-0.5 * b1 * b1) + 0.6 * exp(-0.5 * b2 * b2));
}

/* Amplitude envelope of a note: 15 ms attack, exponential decay, 100 ms release. */
static double note_gain(double t)
{
    const double attack = 0.015, release = 0.1;
    double g = t < attack ? t / attack : exp(-(t - attack) / 0.8);
    double tail = SECONDS - t;
    if (tail < release)
        g *= tail > 0.0 ? tail / release : 0.0;
    return g;
}

/* Writes N_SAMPLES samples of the signal, peak about 0.5. */
static void synthesise(const signal_spec *s, float *x, anc_rng *rng)
{
    const size_t n = N_SAMPLES;
    if (s->kind == SIG_NOTE || s->kind == SIG_VIBRATO) {
        double start[64], amp[64];
        const int nh = (int)fmin(64.0, floor(10000.0 / s->f0));
        double norm = 0.0;
        for (int h = 1; h <= nh; h++) {
            start[h - 1] = TWO_PI * anc_rng_uniform(rng);
            amp[h - 1] = envelope(h * s->f0) / pow((double)h, 0.7);
            norm += amp[h - 1];
        }
        double phase0 = 0.0; /* running phase of the fundamental, in cycles */
        for (size_t i = 0; i < n; i++) {
            double t = (double)i / RATE;
            double f = s->f0;
            if (s->kind == SIG_VIBRATO) /* 5.5 Hz, +-2 %, after a 0.2 s onset */
                f *= 1.0 + 0.02 * fmin(1.0, t / 0.2) * sin(TWO_PI * 5.5 * t);
            double v = 0.0;
            for (int h = 1; h <= nh; h++)
                v += amp[h - 1] * sin(TWO_PI * h * phase0 + start[h - 1]);
            x[i] = (float)(0.5 * note_gain(t) * v / norm);
            phase0 += f / RATE;
            phase0 -= floor(phase0);
        }
    } else if (s->kind == SIG_CHIRP) {
        /* Exponential sweep f0 -> 5000 Hz over the signal. */
        const double f1 = 5000.0, k = log(f1 / s->f0) / SECONDS;
        for (size_t i = 0; i < n; i++) {
            double t = (double)i / RATE;
            double cycles = s->f0 * (exp(k * t) - 1.0) / k;
            x[i] = (float)(0.5 * note_gain(t) * sin(TWO_PI * (cycles - floor(cycles))));
        }
    } else if (s->kind == SIG_CLICKS) {
        /* Decaying two-sample clicks at f0 per second: the frequency-direction
         * gradient carries them (their phase slope is their place in the frame). */
        memset(x, 0, n * sizeof *x);
        for (size_t i = (size_t)(0.05 * RATE); i + 1 < n; i += (size_t)(RATE / s->f0)) {
            x[i] = 0.5f;
            x[i + 1] = -0.25f;
        }
    } else {
        /* White noise from 0.4 s to 0.9 s with 5 ms ramps, silence around it. */
        for (size_t i = 0; i < n; i++) {
            double t = (double)i / RATE, g = 0.0;
            if (t > 0.4 && t < 0.9)
                g = fmin(1.0, fmin(t - 0.4, 0.9 - t) / 0.005);
            x[i] = (float)(0.25 * g * anc_rng_normal(rng));
        }
    }
}

typedef struct work {
    float *x, *y, *mag, *mag_y, *re, *im;
    size_t cap_frames;
} work;

/* Spectral convergence in dB of method m for signal x under the setting.
 * Returns NaN on a failure (already counted). */
static double spectral_convergence(const float *x, const stft_setting *set, anc_phase_method m,
                                   work *w)
{
    anc_error err;
    anc_stft *st = NULL;
    anc_phase *ph = NULL;
    double sc = NAN;
    if (!check_true(anc_stft_create(&st, set->n_fft, set->hop, &err) == ANC_OK,
                    "anc_stft_create: %s", err.message) ||
        !check_true(anc_phase_create(&ph, set->n_fft, set->hop, &err) == ANC_OK,
                    "anc_phase_create: %s", err.message))
        goto done;

    const size_t nb = (size_t)anc_stft_n_bins(st), frames = anc_stft_num_frames(st, N_SAMPLES);
    if (!check_true(frames <= w->cap_frames, "work buffers too small"))
        goto done;
    anc_stft_analyze_magnitude(st, x, N_SAMPLES, w->mag);

    anc_rng rng;
    anc_rng_seed(&rng, 1234);
    for (size_t t = 0; t < frames; t++)
        anc_phase_next(ph, m, w->mag + t * nb, w->re + t * nb, w->im + t * nb, &rng);
    if (!check_true(anc_stft_synthesize(st, w->re, w->im, frames, w->y, N_SAMPLES, &err) == ANC_OK,
                    "anc_stft_synthesize: %s", err.message))
        goto done;
    anc_stft_analyze_magnitude(st, w->y, N_SAMPLES, w->mag_y);

    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < frames * nb; i++) {
        double d = (double)w->mag_y[i] - (double)w->mag[i];
        num += d * d;
        den += (double)w->mag[i] * (double)w->mag[i];
    }
    sc = 10.0 * log10(num / den);
    check_true(isfinite(sc), "spectral convergence is not finite (%g / %g)", num, den);
done:
    anc_phase_free(ph);
    anc_stft_free(st);
    return sc;
}

static void test_spectral_convergence(void)
{
    work w;
    /* The smallest hop makes the most frames. */
    w.cap_frames = N_SAMPLES / 128 + 2048 / 128 + 2;
    const size_t cap = w.cap_frames * (2048 / 2 + 1);
    w.x = malloc(N_SAMPLES * sizeof *w.x);
    w.y = malloc(N_SAMPLES * sizeof *w.y);
    w.mag = malloc(cap * sizeof *w.mag);
    w.mag_y = malloc(cap * sizeof *w.mag_y);
    w.re = malloc(cap * sizeof *w.re);
    w.im = malloc(cap * sizeof *w.im);
    if (!check_true(w.x && w.y && w.mag && w.mag_y && w.re && w.im, "out of memory"))
        goto done;

    printf("spectral convergence (dB), causal, %.1f s at %.0f Hz\n", SECONDS, RATE);
    printf("(* partials closer than %.0f bins: not held to the bound)\n", MIN_RESOLVED_BINS);
    printf("%-18s", "n_fft/hop");
    for (size_t j = 0; j < N_SETTINGS; j++)
        printf(" | %8d/%-8d", settings[j].n_fft, settings[j].hop);
    printf("\n%-18s", "signal");
    for (size_t j = 0; j < N_SETTINGS; j++)
        printf(" |  rtpghi  random ");
    printf("\n");

    anc_rng rng;
    anc_rng_seed(&rng, 20240601);
    for (size_t i = 0; i < N_SIGNALS; i++) {
        const signal_spec *s = &signals[i];
        synthesise(s, w.x, &rng);
        printf("%-18s", s->name);
        double sc[N_SETTINGS][2];
        for (size_t j = 0; j < N_SETTINGS; j++) {
            sc[j][0] = spectral_convergence(w.x, &settings[j], ANC_PHASE_RTPGHI, &w);
            sc[j][1] = spectral_convergence(w.x, &settings[j], ANC_PHASE_RANDOM, &w);
            printf(" | %7.2f%c %6.2f ", sc[j][0],
                   s->tonal && !resolved(s, settings[j].n_fft) ? '*' : ' ', sc[j][1]);
        }
        printf("\n");
        fflush(stdout);
        for (size_t j = 0; j < N_SETTINGS; j++) {
            const stft_setting *set = &settings[j];
            double bound = set->hop * 8 <= set->n_fft ? BOUND_HOP8 : BOUND_HOP4;
            if (s->tonal && resolved(s, set->n_fft)) {
                check_true(sc[j][0] <= bound, "%s, %d/%d: RTPGHI %.2f dB, bound %.1f dB", s->name,
                           set->n_fft, set->hop, sc[j][0], bound);
                check_true(sc[j][0] <= REGRESSION_BOUND,
                           "%s, %d/%d: RTPGHI %.2f dB, regression guard %.1f dB", s->name,
                           set->n_fft, set->hop, sc[j][0], REGRESSION_BOUND);
            }
            check_true(sc[j][0] <= sc[j][1] - (s->tonal ? MIN_GAIN_OVER_RANDOM : 0.0),
                       "%s, %d/%d: RTPGHI %.2f dB is not clearly better than random %.2f dB",
                       s->name, set->n_fft, set->hop, sc[j][0], sc[j][1]);
        }
    }
done:
    free(w.x);
    free(w.y);
    free(w.mag);
    free(w.mag_y);
    free(w.re);
    free(w.im);
}

/* Runs frames through a method and checks that every output is finite, has the
 * given magnitude (|re + i im| = mag, up to float rounding; NaN or negative as
 * 0, +Inf as FLT_MAX) and is real at DC and Nyquist. */
static int run_frames(anc_phase *ph, anc_phase_method m, const float *mag, int nb, int repeats,
                      const char *what)
{
    float re[4097], im[4097];
    int bad = 0;
    for (int r = 0; r < repeats; r++) {
        anc_phase_next(ph, m, mag, re, im, NULL);
        for (int k = 0; k < nb; k++) {
            double want = mag[k] > FLT_MAX ? FLT_MAX : (mag[k] > 0.0f ? mag[k] : 0.0);
            double got = hypot((double)re[k], (double)im[k]);
            int ok = isfinite(re[k]) && isfinite(im[k]) && fabs(got - want) <= 1e-6 * want + 1e-30;
            if (k == 0 || k == nb - 1)
                ok = ok && im[k] == 0.0f; /* DC and Nyquist of a real frame are real */
            if (!ok && bad < 3)
                printf("  %s (%s), frame %d bin %d: mag %g -> %g%+gi\n", what,
                       anc_phase_method_name(m), r, k, (double)mag[k], (double)re[k],
                       (double)im[k]);
            bad += !ok;
        }
    }
    return check_true(bad == 0, "%s (%s): %d bad outputs", what, anc_phase_method_name(m), bad);
}

static void test_degenerate(void)
{
    const int n_fft = 1024, hop = 256, nb = n_fft / 2 + 1;
    anc_phase *ph = NULL;
    anc_error err;
    if (!check_true(anc_phase_create(&ph, n_fft, hop, &err) == ANC_OK, "create: %s", err.message))
        return;
    float mag[513];
    for (int m = 0; m < ANC_PHASE_METHOD_COUNT; m++) {
        anc_phase_reset(ph);
        memset(mag, 0, sizeof mag);
        run_frames(ph, m, mag, nb, 5, "silence");
        for (int k = 0; k < nb; k += 73) {
            memset(mag, 0, sizeof mag);
            mag[k] = 0.7f;
            run_frames(ph, m, mag, nb, 3, "one bin");
        }
        memset(mag, 0, sizeof mag);
        mag[nb - 1] = 1.0f;
        run_frames(ph, m, mag, nb, 3, "Nyquist bin");
        for (int k = 0; k < nb; k++)
            mag[k] = FLT_MAX;
        run_frames(ph, m, mag, nb, 3, "all FLT_MAX");
        for (int k = 0; k < nb; k++)
            mag[k] = (k % 3 == 0) ? 1e30f : 1e-30f;
        run_frames(ph, m, mag, nb, 3, "huge and tiny");
        memset(mag, 0, sizeof mag);
        run_frames(ph, m, mag, nb, 2, "silence after huge");
        for (int k = 0; k < nb; k++)
            mag[k] = 0.25f;
        run_frames(ph, m, mag, nb, 4, "all equal");
        for (int k = 0; k < nb; k++)
            mag[k] = (k % 4 == 0) ? NAN : (k % 4 == 1) ? INFINITY : (k % 4 == 2) ? -1.0f : 1.0f;
        run_frames(ph, m, mag, nb, 3, "NaN, Inf, negative");
        for (int k = 0; k < nb; k++)
            mag[k] = (k & 1) ? 1e-38f : 3e-39f; /* denormal and tiny */
        run_frames(ph, m, mag, nb, 3, "tiny");
    }
    anc_phase_free(ph);
}

/* Long running: after 2^18 frames (12 minutes at hop 128, 44.1 kHz) of a steady tone the phases are still
 * wrapped and the output exact in magnitude; and the same stream after a reset
 * gives the same frames. */
static void test_long_run_and_reset(void)
{
    const int n_fft = 512, hop = 128, nb = n_fft / 2 + 1;
    anc_phase *ph = NULL;
    anc_error err;
    if (!check_true(anc_phase_create(&ph, n_fft, hop, &err) == ANC_OK, "create: %s", err.message))
        return;
    float mag[257], re[257], im[257], re2[257], im2[257];
    for (int k = 0; k < nb; k++) {
        double d = (k - 37.3) / 1.5;
        mag[k] = (float)(0.5 * exp(-0.5 * d * d) + 1e-4);
    }
    for (long i = 0; i < (1L << 18); i++)
        anc_phase_next(ph, ANC_PHASE_RTPGHI, mag, re, im, NULL);
    run_frames(ph, ANC_PHASE_RTPGHI, mag, nb, 2, "after 2^18 frames");

    anc_phase_reset(ph);
    for (int i = 0; i < 10; i++)
        anc_phase_next(ph, ANC_PHASE_RTPGHI, mag, re, im, NULL);
    anc_phase_reset(ph);
    for (int i = 0; i < 10; i++)
        anc_phase_next(ph, ANC_PHASE_RTPGHI, mag, re2, im2, NULL);
    check_close_f("re after reset", re2, re, (size_t)nb, 0.0, 0.0);
    check_close_f("im after reset", im2, im, (size_t)nb, 0.0, 0.0);
    anc_phase_free(ph);
}

/* A band limit (anc_phase_set_band) changes nothing below it for a spectrum
 * that is silent above it, and silences whatever is given above it. The
 * spectrum stays within the -100 dB tolerance below the band edge, so no
 * random draw takes place and the two streams must agree exactly. */
static void test_band(void)
{
    const int n_fft = 1024, hop = 256, nb = n_fft / 2 + 1, band = 300;
    anc_phase *full = NULL, *lim = NULL;
    anc_error err;
    if (!check_true(anc_phase_create(&full, n_fft, hop, &err) == ANC_OK &&
                        anc_phase_create(&lim, n_fft, hop, &err) == ANC_OK,
                    "create: %s", err.message)) {
        anc_phase_free(full);
        return;
    }
    anc_phase_set_band(lim, band);
    float mag[513], loud[513], re[513], im[513], re2[513], im2[513];
    int worst_above = 0, differ = 0;
    for (int t = 0; t < 40; t++) {
        for (int k = 0; k < nb; k++) {
            double f0 = 11.0 + 0.05 * t, d = fmod(k, f0) - 0.5 * f0;
            mag[k] = k < band ? (float)(0.3 * exp(-0.5 * d * d) + 1e-3 * (1 + (k % 7))) : 0.0f;
            loud[k] = k < band ? mag[k] : 0.25f; /* content above the band */
        }
        anc_phase_next(full, ANC_PHASE_RTPGHI, mag, re, im, NULL);
        anc_phase_next(lim, ANC_PHASE_RTPGHI, loud, re2, im2, NULL);
        for (int k = 0; k < nb; k++) {
            if (k < band)
                differ += re[k] != re2[k] || im[k] != im2[k];
            else
                worst_above += re2[k] != 0.0f || im2[k] != 0.0f;
        }
    }
    check_true(differ == 0, "band limit changed %d in-band outputs", differ);
    check_true(worst_above == 0, "band limit let %d outputs through above the band", worst_above);
    anc_phase_free(full);
    anc_phase_free(lim);
}

static void test_api(void)
{
    anc_phase *ph = (anc_phase *)1;
    anc_error err;
    check_true(anc_phase_create(&ph, 1000 + 1, 256, &err) == ANC_E_INVALID && ph == NULL,
               "odd FFT size accepted");
    check_true(anc_phase_create(&ph, 1024, 0, &err) == ANC_E_INVALID, "hop 0 accepted");
    check_true(anc_phase_create(&ph, 1024, 513, &err) == ANC_E_INVALID, "hop > n_fft/2 accepted");
    check_true(anc_phase_create(NULL, 1024, 256, &err) == ANC_E_INVALID, "NULL out accepted");
    anc_phase_free(NULL);
    check_true(anc_phase_method_from_name("rtpghi") == ANC_PHASE_RTPGHI &&
                   anc_phase_method_from_name("random") == ANC_PHASE_RANDOM &&
                   anc_phase_method_from_name("griffin-lim") == -1,
               "method names do not round-trip");
    check_true(strcmp(anc_phase_method_name(ANC_PHASE_RANDOM), "random") == 0,
               "random method name");
}

int main(void)
{
    test_api();
    test_degenerate();
    test_long_run_and_reset();
    test_band();
    test_spectral_convergence();
    return check_exit();
}

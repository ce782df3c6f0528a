/* test_pitch.c — the f0 estimator (core/pitch.h) on signals with a known pitch:
 * harmonic tones with bright, dark, strong-second and missing-fundamental
 * spectra from 55 Hz up to 1800 Hz or rate / 24 (periods of 24 samples or more;
 * shorter ones are coarser, 4-7 cents at 16 samples) at four rates, a glide over
 * three octaves, white noise and silence (unvoiced), the Viterbi path against a one-frame octave error, bad settings,
 * and the causal form's promise of no heap calls. Real instrument notes are in
 * test_pitch_notes.sh, against aubiopitch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc_count.h"
#include "check.h"
#include "pitch.h"
#include "rng.h"

#define TWO_PI 6.283185307179586

static float cents_err(double got, double want) { return (float)(1200.0 * log2(got / want)); }

/* Harmonics 1..K with amplitudes amp[k-1] (0 skips one), random phases. */
static void tone(float *x, size_t n, double rate, double f0, const float *amp, int K,
                 anc_rng *rng)
{
    double ph[32];
    for (int k = 0; k < K; k++)
        ph[k] = TWO_PI * anc_rng_uniform(rng);
    for (size_t i = 0; i < n; i++) {
        double v = 0.0;
        for (int k = 1; k <= K && k * f0 < 0.45 * rate; k++)
            v += amp[k - 1] * sin(TWO_PI * f0 * k * (double)i / rate + ph[k - 1]);
        x[i] = (float)(0.3 * v);
    }
}

/* Median |cents| and gross (> 50 cents) count of the voiced frames of a track. */
static void score(const anc_pitch_frame *fr, size_t nf, double f0, double *median, int *gross,
                  int *unvoiced)
{
    float *e = malloc(sizeof *e * nf);
    size_t m = 0;
    *gross = *unvoiced = 0;
    for (size_t t = 0; t < nf; t++) {
        if (!fr[t].voiced) {
            (*unvoiced)++;
            continue;
        }
        float c = fabsf(cents_err(fr[t].f0, f0));
        if (c > 50.0f)
            (*gross)++;
        else
            e[m++] = c;
    }
    for (size_t i = 1; i < m; i++) /* insertion sort: a few hundred values */
        for (size_t j = i; j > 0 && e[j - 1] > e[j]; j--) {
            float t = e[j];
            e[j] = e[j - 1];
            e[j - 1] = t;
        }
    *median = m ? e[m / 2] : 1e9;
    free(e);
}

static void test_tones(void)
{
    static const double rates[] = {22050, 44100, 48000, 96000};
    static const float bright[8] = {1, 0.7f, 0.5f, 0.4f, 0.3f, 0.25f, 0.2f, 0.15f};
    static const float dark[8] = {1, 0.1f, 0.02f};
    static const float missing[8] = {0, 1, 0.8f, 0.6f, 0.4f}; /* heard at f0 all the same */
    static const float strong2[8] = {0.3f, 1, 0.5f, 0.3f};    /* second harmonic dominates */
    const float *spectra[] = {bright, dark, missing, strong2};
    const char *names[] = {"bright", "dark", "missing fundamental", "strong 2nd"};
    anc_rng rng;
    anc_rng_seed(&rng, 7);
    double worst_med = 0.0;
    int worst_gross = 0, tones = 0;
    for (size_t ri = 0; ri < sizeof rates / sizeof *rates; ri++) {
        double rate = rates[ri];
        anc_pitch_config c;
        anc_pitch_config_default(&c, rate);
        anc_pitch *p = NULL;
        anc_error err = {0};
        if (!check_true(anc_pitch_create(&p, &c, &err) == ANC_OK, "create at %g: %s", rate,
                        err.message))
            continue;
        const size_t n = (size_t)(0.5 * rate);
        float *x = malloc(sizeof *x * n);
        const int hop = 256;
        const size_t nf = n / hop + 1;
        anc_pitch_frame *fr = malloc(sizeof *fr * nf);
        for (double f0 = 55.0; f0 <= 1800.0 && f0 <= rate / 24.0; f0 *= 1.37) {
            for (int s = 0; s < 4; s++) {
                tone(x, n, rate, f0, spectra[s], 8, &rng);
                anc_pitch_track(p, x, n, 0, hop, fr, nf, &err);
                /* Frames whose window lies inside the signal. */
                size_t lo = (size_t)anc_pitch_window(p) / 2 / hop + 1;
                size_t hi = (n - (size_t)anc_pitch_window(p) / 2) / hop;
                double med;
                int gross, unv;
                score(fr + lo, hi - lo, f0, &med, &gross, &unv);
                tones++;
                check_true(med < 3.0 && gross == 0 && unv == 0,
                           "%s tone %.1f Hz at %g Hz: median %.2f cents, %d gross, %d unvoiced "
                           "of %zu frames",
                           names[s], f0, rate, med, gross, unv, hi - lo);
                if (med > worst_med)
                    worst_med = med;
                if (gross > worst_gross)
                    worst_gross = gross;
            }
        }
        free(x);
        free(fr);
        anc_pitch_free(p);
    }
    printf("tones: %d tones over 4 rates, worst median error %.3f cents, worst gross count %d\n",
           tones, worst_med, worst_gross);
}

/* An exponential glide over three octaves (80 -> 640 Hz in 2 s): offline and
 * causal stay within 20 cents of the instantaneous frequency (the window
 * averages a changing pitch, 0.06 octave per window at 48 kHz). */
static void test_glide(void)
{
    const double rate = 48000, seconds = 2.0, f_lo = 80, f_hi = 640;
    const size_t n = (size_t)(seconds * rate);
    float *x = malloc(sizeof *x * n);
    double phase = 0.0;
    for (size_t i = 0; i < n; i++) {
        double f = f_lo * pow(f_hi / f_lo, (double)i / n);
        phase += TWO_PI * f / rate;
        x[i] = (float)(0.3 * (sin(phase) + 0.5 * sin(2 * phase) + 0.3 * sin(3 * phase)));
    }
    anc_pitch_config c;
    anc_pitch_config_default(&c, rate);
    anc_pitch *p = NULL;
    anc_pitch_create(&p, &c, NULL);
    const int hop = 240, W = anc_pitch_window(p);
    const size_t nf = n / hop;
    anc_pitch_frame *fr = malloc(sizeof *fr * nf);
    anc_pitch_track(p, x, n, 0, hop, fr, nf, NULL);
    float *win = malloc(sizeof *win * (size_t)W);
    double worst_off = 0.0, worst_causal = 0.0;
    int bad = 0;
    for (size_t t = (size_t)W / hop + 1; t + (size_t)W / hop + 1 < nf; t++) {
        double fc = f_lo * pow(f_hi / f_lo, (double)(t * hop) / n);
        double e = fr[t].voiced ? fabs(cents_err(fr[t].f0, fc)) : 1e9;
        if (e > worst_off)
            worst_off = e;
        /* The causal window ends at t * hop; its centre is W / 2 earlier. */
        size_t end = t * hop;
        for (int j = 0; j < W; j++)
            win[j] = x[end - (size_t)W + 1 + (size_t)j];
        anc_pitch_frame cf;
        anc_pitch_causal(p, win, &cf);
        double fcc = f_lo * pow(f_hi / f_lo, ((double)end - W / 2.0) / n);
        double ec = cf.voiced ? fabs(cents_err(cf.f0, fcc)) : 1e9;
        if (ec > worst_causal)
            worst_causal = ec;
        bad += e > 20.0 || ec > 20.0;
    }
    check_true(bad == 0, "glide: %d frames more than 20 cents off", bad);
    printf("glide 80 -> 640 Hz: worst error offline %.2f cents, causal %.2f cents\n", worst_off,
           worst_causal);
    free(win);
    free(fr);
    free(x);
    anc_pitch_free(p);
}

/* White noise and silence are unvoiced; silence has periodicity 0. */
static void test_unvoiced(void)
{
    const double rate = 44100;
    const size_t n = (size_t)rate;
    float *x = malloc(sizeof *x * n);
    anc_rng rng;
    anc_rng_seed(&rng, 3);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.3f * (float)anc_rng_normal(&rng);
    anc_pitch_config c;
    anc_pitch_config_default(&c, rate);
    anc_pitch *p = NULL;
    anc_pitch_create(&p, &c, NULL);
    const int hop = 256;
    const size_t nf = n / hop;
    anc_pitch_frame *fr = malloc(sizeof *fr * nf);
    anc_pitch_track(p, x, n, 0, hop, fr, nf, NULL);
    int voiced = 0, causal_voiced = 0;
    double per = 0.0;
    const int W = anc_pitch_window(p);
    for (size_t t = 0; t < nf; t++) {
        voiced += fr[t].voiced;
        per += fr[t].periodicity;
        if ((t + 1) * hop >= (size_t)W) {
            anc_pitch_frame cf;
            anc_pitch_causal(p, x + (t + 1) * hop - (size_t)W, &cf);
            causal_voiced += cf.voiced;
        }
    }
    check_true(voiced == 0 && causal_voiced == 0,
               "white noise: %d offline and %d causal frames voiced of %zu", voiced,
               causal_voiced, nf);
    printf("white noise: %d/%zu frames voiced offline, %d causal, mean periodicity %.3f\n", voiced,
           nf, causal_voiced, per / nf);

    for (size_t i = 0; i < n; i++)
        x[i] = 0.0f;
    anc_pitch_track(p, x, n, 0, hop, fr, nf, NULL);
    int bad = 0;
    for (size_t t = 0; t < nf; t++)
        bad += fr[t].voiced || fr[t].periodicity != 0.0f || fr[t].f0 != 0.0f;
    anc_pitch_frame cf;
    anc_pitch_causal(p, x, &cf);
    bad += cf.voiced || cf.periodicity != 0.0f;
    check_true(bad == 0, "silence: %d frames not silent-unvoiced", bad);
    /* Non-finite input is treated as silence, never propagated. */
    x[10] = NAN;
    x[20] = INFINITY;
    anc_pitch_causal(p, x, &cf);
    check_true(!cf.voiced && isfinite(cf.f0) && isfinite(cf.periodicity),
               "NaN/Inf window: voiced %d f0 %g", cf.voiced, cf.f0);
    free(fr);
    free(x);
    anc_pitch_free(p);
}

/* A tone at 220 Hz with one 40 ms stretch whose second harmonic dominates and
 * fundamental vanishes (an octave trap): the Viterbi path stays at 220 Hz. */
static void test_octave_trap(void)
{
    const double rate = 48000;
    const size_t n = (size_t)rate;
    float *x = malloc(sizeof *x * n);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        double a1 = (t > 0.48 && t < 0.52) ? 0.0 : 1.0;
        x[i] = (float)(0.3 * (a1 * sin(TWO_PI * 220 * t) + sin(TWO_PI * 440 * t + 0.3) +
                              0.5 * sin(TWO_PI * 660 * t + 1.0)));
    }
    anc_pitch_config c;
    anc_pitch_config_default(&c, rate);
    anc_pitch *p = NULL;
    anc_pitch_create(&p, &c, NULL);
    const int hop = 240;
    const size_t nf = n / hop;
    anc_pitch_frame *fr = malloc(sizeof *fr * nf);
    anc_pitch_track(p, x, n, 0, hop, fr, nf, NULL);
    int off = 0;
    const size_t margin = (size_t)anc_pitch_window(p) / hop;
    for (size_t t = margin; t + margin < nf; t++)
        off += !fr[t].voiced || fabsf(cents_err(fr[t].f0, 220.0)) > 50.0f;
    check_true(off == 0, "octave trap: %d frames off 220 Hz", off);
    printf("octave trap: %d of %zu frames off 220 Hz\n", off, nf - 2 * margin);
    free(fr);
    free(x);
    anc_pitch_free(p);
}

static void test_settings(void)
{
    anc_pitch_config c;
    anc_pitch_config_default(&c, 48000);
    anc_pitch *p = NULL;
    anc_error err = {0};
    int refused = 0, cases = 0;
    anc_pitch_config bad[6];
    for (int i = 0; i < 6; i++)
        bad[i] = c;
    bad[0].rate = 1000;
    bad[1].fmin = 5;
    bad[2].fmax = 30000;
    bad[3].fmin = 1200; /* fmax < 2 fmin */
    bad[4].threshold = NAN;
    bad[5].voicing = 1.5f;
    for (int i = 0; i < 6; i++) {
        cases++;
        anc_status s = anc_pitch_create(&p, &bad[i], &err);
        refused += s == ANC_E_INVALID && p == NULL && err.message[0];
        anc_pitch_free(p);
        p = NULL;
    }
    check_true(refused == cases, "bad settings: %d of %d refused with a message", refused, cases);
    printf("settings: %d of %d impossible settings refused (last: %s)\n", refused, cases,
           err.message);
}

/* The causal form never touches the heap. */
static void test_realtime(void)
{
    const char *how = "";
    if (!anc_alloc_counting(&how)) {
        printf("realtime: SKIP (allocation counter blind here: %s)\n", how);
        return;
    }
    anc_pitch_config c;
    anc_pitch_config_default(&c, 48000);
    anc_pitch *p = NULL;
    anc_pitch_create(&p, &c, NULL);
    const int W = anc_pitch_window(p);
    float *x = malloc(sizeof *x * (size_t)W);
    anc_rng rng;
    anc_rng_seed(&rng, 1);
    static const float amp[8] = {1, 0.5f, 0.3f};
    anc_pitch_frame f;
    unsigned long before = anc_alloc_count();
    for (int k = 0; k < 200; k++) {
        tone(x, (size_t)W, 48000, 60.0 + 7.0 * k, amp, 3, &rng);
        anc_alloc_watch(1);
        anc_pitch_causal(p, x, &f);
        if (k == 100)
            anc_pitch_reset(p);
        anc_alloc_watch(0);
    }
    unsigned long calls = anc_alloc_count() - before;
    check_true(calls == 0, "causal pitch: %lu heap calls in 200 windows", calls);
    printf("realtime: %lu heap calls in 200 causal windows (%s)\n", calls, how);
    free(x);
    anc_pitch_free(p);
}

int main(void)
{
    test_tones();
    test_glide();
    test_unvoiced();
    test_octave_trap();
    test_settings();
    test_realtime();
    return check_exit();
}

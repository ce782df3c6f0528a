/* test_relfreq.c — pitch-relative log-frequency frames (core/relfreq.h):
 *  1. the round trip linear -> relative -> linear on STFT frames of harmonic
 *     tones from C2 to C6 whose harmonics fall off 9 to 15 dB per octave (as real
 *     instruments' do; fluidsynth notes of six GM instruments measured 0.35 to
 *     1.13 dB at 96 points per octave, 0.31 to 0.80 at 192), measured as log-spectral distance (metrics.h) for 48,
 *     96 and 192 points per octave at 48 kHz / FFT 2048 and 22.05 kHz / FFT 1024
 *     (the figures that chose 96), held to a bound at 96;
 *  2. pitch invariance, the reason for the representation: one timbre (fixed
 *     harmonic amplitudes) at pitches a fifth and an octave apart gives the same
 *     harmonic levels at the same relative points, and different linear frames;
 *  3. harmonics land where the axis says (harmonic h at ppo (below + log2 h));
 *  4. garbage f0 (NaN, 0, negative, huge) gives finite frames; bad settings are
 *     refused; the maps make no heap call;
 *  5. the engines' anc_relfreq_from_linear_fast() and anc_mag_to_db_fast() stay
 *     within 1e-3 dB of the exact maps on tone frames at every f0 of test 1,
 *     and on frames of random levels from the floor to +100 dB. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "check.h"
#include "feature.h"
#include "metrics.h"
#include "relfreq.h"
#include "rng.h"
#include "stft.h"

#define TWO_PI 6.283185307179586
#define FLOOR ANC_FEATURE_FLOOR_DB
/* Noise between the partials, dB per bin: a quiet recording. */
#define NOISE_DB (-80.0)

/* Levels (dB) of one STFT frame of a harmonic tone: amplitude 0.5 / h^tilt,
 * harmonics below 0.45 rate, random phases, plus white noise whose bins read
 * about noise_db. */
static void tone_frame(anc_stft *st, double rate, double f0, double tilt, double noise_db,
                       anc_rng *rng, float *db)
{
    const int n = anc_stft_n_fft(st);
    float *x = malloc(sizeof *x * (size_t)n), *mag = malloc(sizeof *mag * (size_t)(n / 2 + 1));
    /* A bin of white noise of deviation s reads about s * 2 sqrt(1.5 / n) (Hann). */
    const double s = pow(10.0, noise_db / 20.0) / (2.0 * sqrt(1.5 / n));
    for (int i = 0; i < n; i++)
        x[i] = (float)(s * anc_rng_normal(rng));
    for (int h = 1; h * f0 < 0.45 * rate; h++) {
        double a = 0.5 / pow(h, tilt), ph = TWO_PI * anc_rng_uniform(rng);
        for (int i = 0; i < n; i++)
            x[i] += (float)(a * sin(TWO_PI * f0 * h * i / rate + ph));
    }
    anc_stft_magnitude(st, x, mag);
    anc_mag_to_db(mag, db, n / 2 + 1);
    free(x);
    free(mag);
}

static double frame_lsd(const float *a, const float *b, int n)
{
    anc_lsd acc = {0};
    anc_lsd_add_db(&acc, a, b, n);
    return anc_lsd_result(&acc);
}

static void test_round_trip(void)
{
    static const struct { double rate; int n_fft; } setups[] = {{48000, 2048}, {22050, 1024}};
    static const int ppos[] = {48, 96, 192};
    for (size_t si = 0; si < 2; si++) {
        const double rate = setups[si].rate;
        const int n_fft = setups[si].n_fft, bins = n_fft / 2 + 1;
        anc_stft *st = NULL;
        anc_stft_create(&st, n_fft, n_fft / 4, NULL);
        float *mag = malloc(sizeof *mag * (size_t)bins), *back = malloc(sizeof *back * (size_t)bins);
        double prev_lsd = INFINITY;
        for (size_t pi = 0; pi < 3; pi++) {
            anc_relfreq_config c;
            anc_relfreq_config_default(&c, rate, n_fft);
            c.points_per_octave = ppos[pi];
            anc_relfreq *m = NULL;
            anc_error err = {0};
            if (!check_true(anc_relfreq_create(&m, &c, &err) == ANC_OK, "create: %s", err.message))
                continue;
            float *rel = malloc(sizeof *rel * (size_t)anc_relfreq_points(m));
            anc_rng rng;
            anc_rng_seed(&rng, 11);
            anc_lsd acc = {0};
            double worst = 0.0;
            int tones = 0;
            for (int note = 36; note <= 84; note += 3) {
                const double f0 = 440.0 * pow(2.0, (note - 69) / 12.0);
                for (int t = 0; t < 3; t++) {
                    tone_frame(st, rate, f0, 1.5 + 0.5 * t, NOISE_DB, &rng, mag);
                    anc_relfreq_from_linear(m, mag, (float)f0, FLOOR, rel);
                    anc_relfreq_to_linear(m, rel, (float)f0, FLOOR, back);
                    anc_lsd_add_db(&acc, mag, back, bins);
                    double l = frame_lsd(mag, back, bins);
                    worst = l > worst ? l : worst;
                    tones++;
                }
            }
            const double lsd = anc_lsd_result(&acc);
            printf("round trip %g Hz FFT %d, %3d points/octave (K %d): LSD mean %.2f dB, worst "
                   "%.2f dB over %d tones C2..C6\n",
                   rate, n_fft, ppos[pi], anc_relfreq_points(m), lsd, worst, tones);
            /* Finer axes lose less; 96 points per octave stays within the bounds
             * measured here with a margin (2.9 and 5.4 dB at 48 kHz). */
            check_true(pi == 0 || lsd < prev_lsd, "round trip: %d points/octave (%.2f dB) no "
                       "better than %d (%.2f dB)", ppos[pi], lsd, ppos[pi - 1 + (pi == 0)], prev_lsd);
            prev_lsd = lsd;
            if (ppos[pi] == 96)
                check_true(lsd < 3.5 && worst < 6.5,
                           "round trip at 96 points/octave: mean %.2f dB (limit 3.5), worst "
                           "%.2f dB (limit 6.5)",
                           lsd, worst);
            free(rel);
            anc_relfreq_free(m);
        }
        free(mag);
        free(back);
        anc_stft_free(st);
    }
}

static void test_invariance(void)
{
    const double rate = 48000;
    const int n_fft = 2048, bins = n_fft / 2 + 1;
    anc_stft *st = NULL;
    anc_stft_create(&st, n_fft, n_fft / 4, NULL);
    anc_relfreq_config c;
    anc_relfreq_config_default(&c, rate, n_fft);
    anc_relfreq *m = NULL;
    anc_relfreq_create(&m, &c, NULL);
    const int K = anc_relfreq_points(m);
    float *ma = malloc(sizeof(float) * bins), *mb = malloc(sizeof(float) * bins);
    float *ra = malloc(sizeof(float) * K), *rb = malloc(sizeof(float) * K);
    anc_rng rng;
    anc_rng_seed(&rng, 5);
    /* The timbre is the level of each harmonic: read at harmonic h's point in the
     * relative frames, and at harmonic h's bin of the lower note in the linear
     * frames (where the higher note has no partial in general). */
    static const double ratios[] = {1.5, 2.0};
    for (int i = 0; i < 2; i++) {
        const double fa = 146.8, fb = fa * ratios[i];
        tone_frame(st, rate, fa, 1.0, NOISE_DB, &rng, ma);
        tone_frame(st, rate, fb, 1.0, NOISE_DB, &rng, mb);
        anc_relfreq_from_linear(m, ma, (float)fa, FLOOR, ra);
        anc_relfreq_from_linear(m, mb, (float)fb, FLOOR, rb);
        double worst_rel = 0.0, worst_lin = 0.0;
        for (int h = 1; h <= 24; h++) {
            int pt = (int)lround(c.points_per_octave * (c.octaves_below + log2(h)));
            int bin = (int)lround(h * fa / (rate / n_fft));
            worst_rel = fmax(worst_rel, fabs(ra[pt] - rb[pt]));
            worst_lin = fmax(worst_lin, fabs(ma[bin] - mb[bin]));
        }
        printf("invariance: one timbre at %.1f and %.1f Hz, harmonics 1..24: relative frames "
               "differ by at most %.2f dB, linear frames by %.2f dB\n",
               fa, fb, worst_rel, worst_lin);
        /* Up to 3 dB: a partial between bins reads up to 1.4 dB low (the Hann
         * window's scalloping), differently at each pitch. */
        check_true(worst_rel < 3.0 && worst_lin > 20.0,
                   "one timbre a ratio %.1f apart: harmonic levels differ by %.2f dB in relative "
                   "frames (limit 3), %.2f dB in linear ones (expected > 20)",
                   ratios[i], worst_rel, worst_lin);
    }
    /* Harmonic h of a tone peaks at point ppo (below + log2 h). */
    tone_frame(st, rate, 220.0, 1.0, NOISE_DB, &rng, ma);
    anc_relfreq_from_linear(m, ma, 220.0f, FLOOR, ra);
    int off = 0;
    for (int h = 1; h <= 8; h++) {
        double want = c.points_per_octave * (c.octaves_below + log2(h));
        int best = (int)want;
        for (int i = (int)want - 12; i <= (int)want + 12; i++)
            if (i >= 0 && i < K && ra[i] > ra[best])
                best = i;
        if (fabs(best - want) > 1.0) {
            printf("  harmonic %d peaks at point %d, expected %.1f\n", h, best, want);
            off++;
        }
    }
    check_true(off == 0, "%d of 8 harmonics off their points", off);
    free(ma);
    free(mb);
    free(ra);
    free(rb);
    anc_relfreq_free(m);
    anc_stft_free(st);
}

static void test_garbage_and_settings(void)
{
    anc_relfreq_config c;
    anc_relfreq_config_default(&c, 44100, 2048);
    anc_relfreq *m = NULL;
    anc_relfreq_create(&m, &c, NULL);
    const int K = anc_relfreq_points(m), bins = 1025;
    float *mag = malloc(sizeof(float) * bins), *rel = malloc(sizeof(float) * K);
    for (int k = 0; k < bins; k++)
        mag[k] = -40.0f + (float)(k % 7);
    static const float bad[] = {NAN, 0.0f, -5.0f, INFINITY, 1e9f, 1e-9f};
    int nonfinite = 0;
    const char *how = "";
    const int counting = anc_alloc_counting(&how);
    unsigned long before = anc_alloc_count();
    anc_alloc_watch(1);
    for (int i = 0; i < 6; i++) {
        anc_relfreq_from_linear(m, mag, bad[i], FLOOR, rel);
        anc_relfreq_to_linear(m, rel, bad[i], FLOOR, mag);
        for (int k = 0; k < bins; k++)
            nonfinite += !isfinite(mag[k]);
        for (int k = 0; k < K; k++)
            nonfinite += !isfinite(rel[k]);
    }
    anc_alloc_watch(0);
    unsigned long calls = anc_alloc_count() - before;
    check_true(nonfinite == 0, "garbage f0: %d non-finite values", nonfinite);
    if (counting)
        check_true(calls == 0, "maps: %lu heap calls", calls);
    printf("garbage f0: %d non-finite values; %lu heap calls in 12 maps (%s)\n", nonfinite, calls,
           counting ? how : "counter blind");
    check_true(anc_relfreq_anchor(m, NAN, 1) == (float)c.f0_ref &&
                   anc_relfreq_anchor(m, 220.0f, 0) == (float)c.f0_ref &&
                   anc_relfreq_anchor(m, 220.0f, 1) == 220.0f,
               "anchor: unvoiced or garbage f0 maps at f0_ref, voiced at f0");
    free(mag);
    free(rel);
    anc_relfreq_free(m);

    anc_relfreq_config b[5];
    for (int i = 0; i < 5; i++)
        b[i] = c;
    b[0].rate = 10;
    b[1].n_fft = 1001;
    b[2].points_per_octave = 2;
    b[3].f0_min = 30000;
    b[4].octaves_below = NAN;
    int refused = 0;
    anc_error err = {0};
    for (int i = 0; i < 5; i++) {
        m = NULL;
        refused += anc_relfreq_create(&m, &b[i], &err) == ANC_E_INVALID && !m && err.message[0];
        anc_relfreq_free(m);
    }
    check_true(refused == 5, "bad settings: %d of 5 refused", refused);
    printf("settings: %d of 5 impossible settings refused (last: %s)\n", refused, err.message);
}

static void test_fast(void)
{
    const double rate = 48000.0;
    const int n_fft = 2048, bins = n_fft / 2 + 1;
    anc_relfreq_config c;
    anc_relfreq_config_default(&c, rate, n_fft);
    anc_relfreq *m = NULL;
    anc_error err;
    check_true(anc_relfreq_create(&m, &c, &err) == ANC_OK, "create: %s", err.message);
    anc_stft *st = NULL;
    check_true(anc_stft_create(&st, n_fft, n_fft / 4, &err) == ANC_OK, "stft: %s", err.message);
    if (!m || !st)
        return;
    const int K = anc_relfreq_points(m);
    float *db = malloc(sizeof *db * (size_t)bins), *mag = malloc(sizeof *mag * (size_t)bins);
    float *fdb = malloc(sizeof *fdb * (size_t)bins), *pw = malloc(sizeof *pw * (size_t)bins);
    float *ra = malloc(sizeof *ra * (size_t)K), *rb = malloc(sizeof *rb * (size_t)K);
    anc_rng rng;
    anc_rng_seed(&rng, 5);
    double worst_db = 0.0, worst_rel = 0.0;
    for (int trial = 0; trial < 80; trial++) {
        const double f0 = 65.41 * pow(2.0, trial / 16.0); /* C2 up to about C7 */
        if (trial % 2) {
            tone_frame(st, rate, f0, 0.5 + 0.02 * trial, NOISE_DB, &rng, db);
        } else {
            for (int k = 0; k < bins; k++)
                db[k] = (float)(-100.0 + 200.0 * anc_rng_uniform(&rng));
        }
        for (int k = 0; k < bins; k++) /* the magnitudes those levels came from */
            mag[k] = (float)pow(10.0, db[k] / 20.0);
        anc_mag_to_db(mag, db, bins);
        anc_mag_to_db_fast(mag, fdb, bins);
        for (int k = 0; k < bins; k++)
            worst_db = fmax(worst_db, fabs((double)fdb[k] - db[k]));
        anc_relfreq_from_linear(m, db, (float)f0, FLOOR, ra);
        anc_relfreq_from_linear_fast(m, db, (float)f0, FLOOR, rb, pw);
        for (int i = 0; i < K; i++)
            worst_rel = fmax(worst_rel, fabs((double)rb[i] - ra[i]));
    }
    const float odd[] = {0.0f, -1e-30f, NAN, 1e-38f};
    float odd_db[4], odd_fast[4];
    anc_mag_to_db(odd, odd_db, 4);
    anc_mag_to_db_fast(odd, odd_fast, 4);
    for (int i = 0; i < 4; i++)
        worst_db = fmax(worst_db, fabs((double)odd_fast[i] - odd_db[i]));
    check_true(worst_db <= 1e-3, "fast mag -> dB off the exact one by %.2e dB", worst_db);
    check_true(worst_rel <= 1e-3, "fast relative map off the exact one by %.2e dB", worst_rel);
    printf("fast maps: mag -> dB within %.2e dB, linear -> relative within %.2e dB of the exact "
           "ones (bound 1e-3)\n",
           worst_db, worst_rel);
    free(db);
    free(mag);
    free(fdb);
    free(pw);
    free(ra);
    free(rb);
    anc_stft_free(st);
    anc_relfreq_free(m);
}

int main(void)
{
    test_round_trip();
    test_invariance();
    test_garbage_and_settings();
    test_fast();
    return check_exit();
}

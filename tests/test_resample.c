/* test_resample.c — the engine's sample-rate converter (core/resample.c) against
 * the analytic answer. For the conversions the engine makes (synthesis rates a
 * fraction of a percent off the host's, up or down, and whole-number ratios):
 *  1. a sine anywhere in the pass band comes out as the same sine at the output
 *     rate, delayed by exactly the reported delay: the error against
 *     A sin(2 pi f (n in_rate / out_rate - delay) / in_rate) stays below -70 dB
 *     of A, which bounds gain, frequency, delay, phase drift and aliasing at once;
 *  2. when downsampling, a sine in the stop band (where it would alias into the
 *     pass band) comes out at least 75 dB down (upsampling has no stop band in
 *     its input: its images are part of 1's error);
 *  3. the output depends on the input alone: handing it over in calls of other
 *     sizes (1, 7, 333 ... samples) gives the same samples, and a reset starts
 *     it over exactly;
 *  4. rates and pass bands it cannot serve are refused with a message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "resample.h"

#define SECONDS 0.5

/* Converts a sine of frequency f (amplitude 1) in -> out, handing the input and
 * the output over in calls of the sizes in `chunks` (cycled); writes the output to
 * y (n_out samples) and returns the RMS of (y - reference) over its last 80 %
 * (reference: the delayed sine, or silence when expect_silence). */
static double run_sine(anc_resampler *r, double in_rate, double out_rate, double f,
                       int expect_silence, const int *chunks, int n_chunks, float *y, long n_out)
{
    const double step = in_rate / out_rate, delay = anc_resampler_delay_in(r);
    const long n_in = (long)(n_out * step) + 8;
    float *x = malloc(sizeof(float) * (size_t)n_in);
    for (long i = 0; i < n_in; i++)
        x[i] = (float)sin(2.0 * M_PI * f * i / in_rate);
    anc_resampler_reset(r);
    long i = 0, o = 0;
    for (int c = 0; o < n_out; c++) {
        int want = chunks[c % n_chunks], offer = chunks[(c + 1) % n_chunks], used = 0;
        if (want > n_out - o)
            want = (int)(n_out - o);
        if (offer > n_in - i)
            offer = (int)(n_in - i);
        o += anc_resampler_process(r, x + i, offer, &used, y + o, want);
        i += used;
        if (i >= n_in && used == 0)
            break;
    }
    free(x);
    double sum = 0.0;
    long counted = 0;
    for (long n = n_out / 5; n < o; n++) {
        double t = n * step - delay; /* input time of this output sample */
        double want = expect_silence ? 0.0 : sin(2.0 * M_PI * f * t / in_rate);
        sum += (y[n] - want) * (y[n] - want);
        counted++;
    }
    return o == n_out ? sqrt(sum / (double)counted) : INFINITY;
}

static double db(double x) { return 20.0 * log10(x > 1e-12 ? x : 1e-12); }

int main(void)
{
    /* in (synthesis) rate, out (host) rate, pass band */
    static const struct {
        double in, out, pass;
    } cases[] = {
        {48234.375, 48000, 11025},   /* default model (22.05 kHz, FFT 1024) at 48 kHz */
        {32299.8046875, 32000, 11025}, /* the same at 32 kHz: FFT 1500 for 1486.1 */
        {96468.75, 96000, 11025},    /* ... at 96 kHz */
        {48234.375, 48000, 21600},   /* a 44.1 kHz model at 48 kHz: 90 % of Nyquist */
        {44296.875, 44100, 19845},   /* a 48 kHz model at 44.1 kHz: down, 90 % */
        {24000, 48000, 10800},       /* general ratios, both ways (the engine */
        {48000, 24000, 9600},        /* itself converts only within a few %) */
        {50000, 44100, 19845},
    };
    printf("resampler: sines through the engine's conversions (%.1f s each)\n", SECONDS);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const double in = cases[c].in, out = cases[c].out, pass = cases[c].pass;
        anc_resampler *r = NULL;
        anc_error err = {0};
        if (!check_true(anc_resampler_create(&r, in, out, pass, &err) == ANC_OK,
                        "%g -> %g Hz, pass %g: %s", in, out, pass, err.message))
            continue;
        const double lo = in < out ? in : out;
        const long n_out = (long)(SECONDS * out);
        float *y = malloc(sizeof(float) * (size_t)n_out), *y2 = malloc(sizeof(float) * (size_t)n_out);
        static const int whole[] = {1 << 30}, odd[] = {1, 7, 333, 64, 4096, 2, 557};
        double worst_pass = -400.0, worst_stop = -400.0;
        for (int i = 0; i <= 16; i++) {
            double f = 20.0 + (pass - 20.0) * i / 16.0;
            worst_pass = fmax(worst_pass, db(run_sine(r, in, out, f, 0, whole, 1, y, n_out) *
                                             sqrt(2.0)));
        }
        /* Stop band: from lo - pass up to the input's Nyquist frequency. */
        for (int i = 0; i <= 8; i++) {
            double f = (lo - pass) + (0.5 * in - (lo - pass)) * i / 8.0;
            if (f >= 0.5 * in)
                f = 0.499 * in;
            if (f < lo - pass)
                continue;
            worst_stop = fmax(worst_stop, db(run_sine(r, in, out, f, 1, whole, 1, y, n_out) *
                                             sqrt(2.0)));
        }
        printf("  %9.3f -> %6.0f Hz, pass 0..%5.0f Hz, %2d taps: pass-band error %6.1f dB",
               in, out, pass, anc_resampler_taps(r), worst_pass);
        if (worst_stop > -400.0)
            printf(", stop band %.0f..%.0f Hz %6.1f dB\n", lo - pass, 0.5 * in, worst_stop);
        else
            printf(", no stop band below %.0f Hz\n", 0.5 * in);
        check_true(worst_pass < -70.0, "%g -> %g Hz: pass-band error %.1f dB (limit -70)", in, out,
                   worst_pass);
        check_true(worst_stop < -75.0, "%g -> %g Hz: stop band %.1f dB (limit -75)", in, out,
                   worst_stop);

        /* 3. Call sizes do not matter, and a reset starts over. */
        run_sine(r, in, out, 1000.0, 0, whole, 1, y, n_out);
        run_sine(r, in, out, 1000.0, 0, odd, (int)(sizeof odd / sizeof *odd), y2, n_out);
        check_true(!memcmp(y, y2, sizeof(float) * (size_t)n_out),
                   "%g -> %g Hz: calls of other sizes give other samples", in, out);
        run_sine(r, in, out, 1000.0, 0, whole, 1, y2, n_out);
        check_true(!memcmp(y, y2, sizeof(float) * (size_t)n_out),
                   "%g -> %g Hz: a reset does not start over", in, out);
        free(y);
        free(y2);
        anc_resampler_free(r);
    }

    /* 4. Refusals. */
    static const double bad[][3] = {
        {48000, 0, 1000}, {48000, 8000, 1000}, {48000, 44100, 22050}, {48000, 44100, 0},
        {NAN, 44100, 1000}, {48000, 44100, NAN},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        anc_resampler *r = (anc_resampler *)&bad; /* must be cleared */
        anc_error err = {0};
        anc_status s = anc_resampler_create(&r, bad[i][0], bad[i][1], bad[i][2], &err);
        check_true(s == ANC_E_INVALID && !r && err.message[0],
                   "%g -> %g Hz, pass %g: accepted (status %d)", bad[i][0], bad[i][1],
                   bad[i][2], (int)s);
    }
    printf("resampler: 6 impossible settings refused\n");
    anc_resampler_free(NULL);
    return check_failures ? 1 : 0;
}

/* test_transfer_quality.c — timbre transfer on real instrument notes, measured
 * on material the test makes: General MIDI notes rendered with fluidsynth
 * (tools/gm_notes.py, the TimGM6mb soundfont) and a sine sweep.
 *
 * A small pitch-relative model is trained here (ancestral-train, 48 kHz, FFT
 * 2048, hop 512) on clarinet notes (instrument A): 300 epochs with a KL
 * warm-up of 300 steps, because the notes make only 6 steps an epoch and the
 * default warm-up (2000 steps) left 30 epochs at a KL weight of 0.09: an
 * autoencoder that passed the trumpet through. Trumpet notes (instrument
 * B) at three pitches go through the transfer engine (core/transfer.h), and
 * each output must:
 *  1. keep the note's pitch: median f0 by aubiopitch (an independent
 *     estimator) within 10 cents of the input's;
 *  2. keep its loudness contour: the correlation of the 10 ms RMS envelopes of
 *     input and output (latency removed) at least 0.9;
 *  3. take A's timbre: its average spectrum, read at the note's partials up to
 *     10 kHz (level-aligned dB), is closer to A's note at that pitch than to
 *     its own input's.
 * 4. A sine sweep over three octaves (110 .. 880 Hz in 3 s) comes out with
 *    the sweep's pitch all the way: aubiopitch on output and input agree
 *    within 50 cents in at least 95 % of the frames where the input has a
 *    pitch, and the output has a pitch in at least 95 % of them.
 *
 *   test_transfer_quality ANCESTRAL_TRAIN GM_NOTES_PY
 * Exit: 0 pass, 1 fail, 77 skip (fluidsynth, the soundfont or aubiopitch
 * missing). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_in.h"
#include "audio_measure.h"
#include "check.h"
#include "model.h"
#include "stft.h"
#include "transfer.h"

#define RATE 48000
#define SF2 "/usr/share/sounds/sf2/TimGM6mb.sf2"

static const int pitches[] = {55, 61, 67};

static float *read_wav(const char *path, size_t *n)
{
    anc_audio_settings as;
    anc_audio_settings_default(&as);
    as.target_rate = RATE;
    anc_audio_clip clip;
    anc_error err;
    if (!check_true(anc_audio_read_file(path, &as, &clip, &err) == ANC_OK, "%s", err.message))
        exit(check_exit());
    *n = clip.n;
    float *x = xcalloc(clip.n, sizeof *x);
    memcpy(x, clip.samples, clip.n * sizeof *x);
    anc_audio_clip_clear(&clip);
    return x;
}

/* x through the engine, aligned with x (latency removed). */
static float *transfer(anc_transfer *t, const float *x, size_t n)
{
    const uint32_t lat = anc_transfer_latency(t);
    float *in = xcalloc(n + lat, sizeof *in), *out = xcalloc(n + lat, sizeof *out);
    memcpy(in, x, n * sizeof *x);
    anc_transfer_reset(t);
    for (size_t i = 0; i < n + lat; i += 512)
        anc_transfer_process(t, in + i, out + i, (uint32_t)(n + lat - i < 512 ? n + lat - i : 512));
    memmove(out, out + lat, n * sizeof *out);
    free(in);
    return out;
}

/* Correlation of the 10 ms RMS envelopes of a and b. */
static double envelope_correlation(const float *a, const float *b, size_t n)
{
    const size_t w = RATE / 100, m = n / w;
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t j = 0; j < m; j++) {
        double ea = 0, eb = 0;
        for (size_t i = j * w; i < (j + 1) * w; i++) {
            ea += (double)a[i] * a[i];
            eb += (double)b[i] * b[i];
        }
        ea = sqrt(ea / w);
        eb = sqrt(eb / w);
        sa += ea, sb += eb, saa += ea * ea, sbb += eb * eb, sab += ea * eb;
    }
    const double ca = saa - sa * sa / m, cb = sbb - sb * sb / m, cab = sab - sa * sb / m;
    return ca > 0 && cb > 0 ? cab / sqrt(ca * cb) : 0.0;
}

/* Average power spectrum of x between t0 and t1 s, in dB, level-aligned (its
 * mean over the band subtracted), into db[bins]. */
#define NF 2048
#define BINS (NF / 2 + 1)
static void average_spectrum(const float *x, size_t n, double t0, double t1, float *db)
{
    anc_stft *st = NULL;
    anc_error err;
    if (!check_true(anc_stft_create(&st, NF, NF / 4, &err) == ANC_OK, "%s", err.message))
        exit(check_exit());
    const size_t a = (size_t)(t0 * RATE), b = (size_t)(t1 * RATE) < n ? (size_t)(t1 * RATE) : n;
    double *p = xcalloc(BINS, sizeof *p);
    float *mag = xcalloc(BINS, sizeof *mag);
    int frames = 0;
    for (size_t s = a; s + NF <= b; s += NF / 4, frames++) {
        anc_stft_magnitude(st, x + s, mag);
        for (int k = 0; k < BINS; k++)
            p[k] += (double)mag[k] * mag[k];
    }
    for (int k = 0; k < BINS; k++)
        db[k] = (float)(10.0 * log10(p[k] / (frames ? frames : 1) + 1e-12));
    free(p);
    free(mag);
    anc_stft_free(st);
}

/* The average spectrum db[] read at the partials of f0 up to 10 kHz: the peak
 * within a quarter of f0 of each harmonic, in dB, clipped 80 dB under the
 * loudest, then aligned to their mean (level out, shape in). Returns their
 * count. Between the partials a spectrum holds window leakage and the noise
 * floor, which say little about timbre and would outweigh the partials. */
#define MAX_PARTIALS 128
static int partials(const float *db, double f0, double *out)
{
    int n = 0;
    for (int h = 1; h * f0 < 10000.0 && n < MAX_PARTIALS; h++, n++) {
        const int lo = (int)ceil((h - 0.25) * f0 * NF / RATE), hi = (int)((h + 0.25) * f0 * NF / RATE);
        out[n] = -1e30;
        for (int k = lo; k <= hi && k < BINS; k++)
            out[n] = fmax(out[n], db[k]);
    }
    double top = -1e30, mean = 0.0;
    for (int i = 0; i < n; i++)
        top = fmax(top, out[i]);
    for (int i = 0; i < n; i++)
        mean += (out[i] = fmax(out[i], top - 80.0)) / n;
    for (int i = 0; i < n; i++)
        out[i] -= mean;
    return n;
}

/* RMS difference in dB of the partials of two average spectra at f0. */
static double spectral_distance(const float *a, const float *b, double f0)
{
    double pa[MAX_PARTIALS], pb[MAX_PARTIALS], s = 0.0;
    const int n = partials(a, f0, pa);
    partials(b, f0, pb);
    for (int i = 0; i < n; i++)
        s += (pa[i] - pb[i]) * (pa[i] - pb[i]);
    return n ? sqrt(s / n) : INFINITY;
}

/* aubiopitch frames of a file: times and f0 (0 = none), up to cap. */
static int aubio_track(const char *wav, float *f, int cap)
{
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "aubiopitch -i '%s' -p yinfft -r %d -B 2048 -H 512 2>/dev/null", wav,
             RATE);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    int n = 0;
    double t, hz;
    while (n < cap && fscanf(p, "%lf %lf", &t, &hz) == 2)
        f[n++] = (float)hz;
    pclose(p);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_transfer_quality ANCESTRAL_TRAIN GM_NOTES_PY\n");
        return 2;
    }
    if (!have_aubiopitch()) {
        printf("SKIP: aubiopitch is not installed (Debian aubio-tools)\n");
        return 77;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[1024], cmd[4096], path[1200];
    snprintf(dir, sizeof dir, "%s/anc-tq-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!check_true(mkdtemp(dir) != NULL, "cannot make a temporary folder"))
        return check_exit();
    /* Instrument A: clarinet (GM 71) notes G3 .. E5 every second semitone;
     * instrument B: trumpet (GM 56) at the test's pitches, and A there too. */
    snprintf(cmd, sizeof cmd,
             "python3 '%s' --soundfont %s --instrument clar:71 --notes 48-76:2 '%s/a' >/dev/null "
             "2>&1 && python3 '%s' --soundfont %s --instrument clar:71 --instrument trumpet:56 "
             "--notes %d-%d:%d '%s/b' >/dev/null 2>&1",
             argv[2], SF2, dir, argv[2], SF2, pitches[0], pitches[2], pitches[1] - pitches[0], dir);
    int st = system(cmd);
    if (st != 0) {
        printf("SKIP: gm_notes.py could not render notes (fluidsynth or %s missing): status %d\n",
               SF2, st);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            printf("notice: could not remove %s\n", dir);
        return 77;
    }
    snprintf(cmd, sizeof cmd,
             "'%s' --quiet --epochs 300 --warmup 300 --latent 8 --hidden 128 --rate %d --fft 2048 --hop 512 "
             "--threads 2 --seed 1 -o '%s/a.vae' '%s/a' >'%s/train.txt'",
             argv[1], RATE, dir, dir, dir);
    if (!check_true(system(cmd) == 0, "%s failed", cmd))
        return check_exit();
    snprintf(path, sizeof path, "%s/a.vae", dir);
    anc_model *m = NULL;
    anc_transfer *t = NULL;
    anc_error err;
    if (!check_true(anc_model_load_file(&m, path, &err) == ANC_OK &&
                        anc_transfer_create(&t, m, RATE, 1, &err) == ANC_OK,
                    "%s", err.message))
        return check_exit();
    printf("model: relative %d, level-normalised %d, latency %u samples (%.2f ms)\n",
           anc_model_get_header(m)->pitch_mode == ANC_PITCH_RELATIVE,
           anc_model_get_header(m)->level_mode == ANC_LEVEL_NORMALIZED, anc_transfer_latency(t),
           anc_transfer_latency(t) * 1000.0 / RATE);

    float *sa = xcalloc(BINS, sizeof *sa), *sb = xcalloc(BINS, sizeof *sb),
          *so = xcalloc(BINS, sizeof *so);
    for (size_t i = 0; i < sizeof pitches / sizeof *pitches; i++) {
        size_t nb, na;
        snprintf(path, sizeof path, "%s/b/trumpet_%d.wav", dir, pitches[i]);
        float *b = read_wav(path, &nb);
        snprintf(path, sizeof path, "%s/b/clar_%d.wav", dir, pitches[i]);
        float *a = read_wav(path, &na);
        float *y = transfer(t, b, nb);

        snprintf(path, sizeof path, "%s/out_%d.wav", dir, pitches[i]);
        write_wav(path, y, nb, RATE);
        const float fo = aubio_median(path, RATE, 0.2, 0.9);
        snprintf(path, sizeof path, "%s/b/trumpet_%d.wav", dir, pitches[i]);
        const float fi = aubio_median(path, RATE, 0.2, 0.9);
        const double cents = fo > 0 && fi > 0 ? 1200.0 * log2((double)fo / fi) : INFINITY;
        const double corr = envelope_correlation(b, y, nb);
        average_spectrum(a, na, 0.2, 0.9, sa);
        average_spectrum(b, nb, 0.2, 0.9, sb);
        average_spectrum(y, nb, 0.2, 0.9, so);
        const double f0 = 440.0 * exp2((pitches[i] - 69) / 12.0);
        const double da = spectral_distance(so, sa, f0), db = spectral_distance(so, sb, f0),
                     dab = spectral_distance(sa, sb, f0);
        printf("  trumpet %d -> clarinet model: f0 in %.2f Hz out %.2f Hz (%+.2f cents); envelope "
               "correlation %.3f; spectrum %.2f dB from the clarinet, %.2f dB from the trumpet "
               "(they differ by %.2f dB)\n",
               pitches[i], (double)fi, (double)fo, cents, corr, da, db, dab);
        check_true(fabs(cents) <= 10.0, "note %d: pitch %+.2f cents off", pitches[i], cents);
        check_true(corr >= 0.9, "note %d: envelope correlation %.3f", pitches[i], corr);
        check_true(da < db, "note %d: output %.2f dB from A, %.2f dB from its input", pitches[i],
                   da, db);
        free(a);
        free(b);
        free(y);
    }

    /* The sweep: 110 .. 880 Hz, exponential, 3 s, between 0.25 s of silence. */
    const size_t n = (size_t)(3.5 * RATE), lead = RATE / 4, len = 3 * RATE;
    float *x = xcalloc(n, sizeof *x);
    double ph = 0.0;
    for (size_t i = 0; i < len; i++) {
        const double f = 110.0 * exp2(3.0 * (double)i / (double)len);
        ph += 2.0 * M_PI * f / RATE;
        const double fade = fmin(1.0, fmin((double)i, (double)(len - i)) / (0.01 * RATE));
        x[lead + i] = (float)(0.3 * fade * sin(ph));
    }
    float *y = transfer(t, x, n);
    char in_wav[1200], out_wav[1200];
    snprintf(in_wav, sizeof in_wav, "%s/sweep.wav", dir);
    snprintf(out_wav, sizeof out_wav, "%s/sweep_out.wav", dir);
    write_wav(in_wav, x, n, RATE);
    write_wav(out_wav, y, n, RATE);
    static float fi[1024], fo[1024];
    const int ni = aubio_track(in_wav, fi, 1024), no = aubio_track(out_wav, fo, 1024);
    int both = 0, near = 0, had = 0;
    double worst = 0.0;
    for (int k = 0; k < ni && k < no; k++) {
        if (!(fi[k] > 0))
            continue;
        had++;
        if (!(fo[k] > 0))
            continue;
        both++;
        const double c = fabs(1200.0 * log2((double)fo[k] / fi[k]));
        near += c <= 50.0;
        worst = fmax(worst, c);
    }
    const double share_near = had ? (double)near / had : 0.0, share_voiced = had ? (double)both / had : 0.0;
    printf("%s sweep 110 .. 880 Hz: %d frames with a pitch in, %.1f %% with one out, %.1f %% within "
           "50 cents (worst %.1f cents)\n",
           share_near >= 0.95 && share_voiced >= 0.95 ? "ok" : "FAIL", had, 100.0 * share_voiced,
           100.0 * share_near, worst);
    check_true(had > 100 && share_near >= 0.95 && share_voiced >= 0.95,
               "the sweep's pitch is not followed all the way");
    free(x);
    free(y);
    free(sa);
    free(sb);
    free(so);
    anc_transfer_free(t);
    anc_model_free(m);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("notice: could not remove %s\n", dir);
    return check_exit();
}

/* audio_measure.h — what the synth tests share (header only): a float WAV
 * writer, the median f0 by aubiopitch (aubio-tools, an estimator independent
 * of ours), the level at one frequency, note frequencies, and one list of MIDI
 * events at odd frame offsets for the block-length checks. */
#ifndef ANC_TEST_AUDIO_MEASURE_H
#define ANC_TEST_AUDIO_MEASURE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Equal temperament, A4 = 440 Hz. */
static inline float note_hz(int n) { return 440.0f * exp2f((float)(n - 69) / 12.0f); }

static inline void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s);
    if (!p) {
        printf("FAIL: out of memory\n");
        exit(1);
    }
    return p;
}

/* Notes, a bend and the sustain pedal at odd frame offsets over 30000 frames. */
typedef struct midi_event {
    long at;
    uint8_t msg[3];
} midi_event;

static const midi_event midi_test_events[] = {
    {1, {0x90, 60, 100}},    {777, {0x90, 64, 90}},   {4099, {0xE0, 0, 80}},
    {6001, {0x80, 60, 0}},   {9333, {0x90, 67, 50}},  {12345, {0xB0, 64, 100}},
    {13001, {0x80, 64, 0}},  {17777, {0xB0, 64, 0}},  {20001, {0x80, 67, 0}},
    {24999, {0x90, 48, 70}}};
#define MIDI_TEST_EVENTS ((int)(sizeof midi_test_events / sizeof *midi_test_events))
#define MIDI_TEST_FRAMES 30000L

/* The first sample louder than 1e-6 (-120 dBFS), -1 if none: a note's onset
 * in a render that is exactly silent before it. */
static inline long first_sound(const float *x, long n)
{
    for (long i = 0; i < n; i++)
        if (fabsf(x[i]) > 1e-6f)
            return i;
    return -1;
}

/* Onset delays, collected for printing: range, mean and the list. */
typedef struct onset_tally {
    double sum;
    long lo, hi;
    int n;
    char list[512];
} onset_tally;

static inline void onset_add(onset_tally *t, long d)
{
    if (t->n == 0 || d < t->lo)
        t->lo = d;
    if (t->n == 0 || d > t->hi)
        t->hi = d;
    t->sum += (double)d;
    size_t len = strlen(t->list);
    snprintf(t->list + len, sizeof t->list - len, "%s%ld", t->n ? " " : "", d);
    t->n++;
}

/* Whether aubiopitch can be run. */
static inline int have_aubiopitch(void)
{
    return system("command -v aubiopitch >/dev/null 2>&1") == 0;
}

static inline void write_wav(const char *path, const float *x, size_t n, int rate)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        printf("FAIL: cannot write %s\n", path);
        exit(1);
    }
    /* 32-bit float WAV, little-endian like the machines this runs on */
    uint32_t data = (uint32_t)(n * 4), riff = 36 + data, fmt = 16, r = (uint32_t)rate,
             bps = r * 4;
    uint16_t tag = 3, ch = 1, align = 4, bits = 32;
    fwrite("RIFF", 1, 4, f);
    fwrite(&riff, 4, 1, f);
    fwrite("WAVEfmt ", 1, 8, f);
    fwrite(&fmt, 4, 1, f);
    fwrite(&tag, 2, 1, f);
    fwrite(&ch, 2, 1, f);
    fwrite(&r, 4, 1, f);
    fwrite(&bps, 4, 1, f);
    fwrite(&align, 2, 1, f);
    fwrite(&bits, 2, 1, f);
    fwrite("data", 1, 4, f);
    fwrite(&data, 4, 1, f);
    fwrite(x, 4, n, f);
    fclose(f);
}

static inline int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median f0 (Hz) aubiopitch (yinfft, 4096-sample buffer) finds in wav, a file
 * at rate, between t0 and t1 seconds; 0 if none. */
static inline float aubio_median(const char *wav, int rate, double t0, double t1)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "aubiopitch -i '%s' -p yinfft -r %d -B 4096 -H 256 2>/dev/null",
             wav, rate);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0.0f;
    static float f[4096];
    int n = 0;
    double t, hz;
    while (n < 4096 && fscanf(p, "%lf %lf", &t, &hz) == 2)
        if (t >= t0 && t <= t1 && hz > 0.0)
            f[n++] = (float)hz;
    pclose(p);
    if (!n)
        return 0.0f;
    qsort(f, (size_t)n, sizeof *f, cmp_float);
    return f[n / 2];
}

/* Level (dB) of x[n] at hz: Hann-windowed single-bin DFT. */
static inline double level_at(const float *x, size_t n, double rate, double hz)
{
    double re = 0.0, im = 0.0, wsum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double w = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)n);
        const double ph = 2.0 * M_PI * hz * (double)i / rate;
        re += w * x[i] * cos(ph);
        im -= w * x[i] * sin(ph);
        wsum += w;
    }
    return 20.0 * log10(fmax(2.0 * sqrt(re * re + im * im) / wsum, 1e-12));
}

#endif

/* test_synth.c — the engine as a polyphonic MIDI synth (core/engine.h), on a
 * hand-made pitch-relative model whose decoder outputs, for every z, the
 * relative frame of a harmonic tone (zero weights, the frame as the output
 * bias), and on an absolute one:
 *  1. notes C2, C3, C4, C5, C6 come out at their pitch: median f0 by aubiopitch
 *     (aubio-tools, an independent estimator) within 5 cents (skipped, and
 *     said so, where aubiopitch is not installed);
 *  2. a chord (C3 E3 G3 C4) shows each fundamental as a spectral peak, at least
 *     10 dB above the spectrum a quarter tone either side;
 *  3. a note's onset lands where its event is: events at offsets spread over
 *     more than a hop, at 48 kHz (no converter) and 44.1 kHz (converter); every
 *     delay within 0 .. hop + latency host samples; delays printed with their
 *     mean against the reported latency;
 *  4. zero heap calls in anc_engine_process() and anc_engine_midi() with notes,
 *     velocity, bends, sustain pedal, all notes off, all sound off, voice
 *     stealing (12 notes on 8 voices), mono legato and garbage;
 *  5. garbage MIDI (truncated messages, running status, sysex, real-time bytes,
 *     empty) starts no voice and does not disarm the auto drone;
 *  6. block lengths 1 .. 8192 with events at odd offsets render the same
 *     samples as blocks of 256 (the caller splits at events);
 *  7. drone auto sounds without MIDI, gives way to the first note (silence once
 *     the note is released), and comes back after reset; drone off is silent;
 *  8. an absolute model is gated by notes (sound while held, silence after the
 *     release) but keeps its own spectrum whatever the note;
 *  9. the multi-row kernel the engine decodes its voices with
 *     (anc_dense_kernel_rows) and the one-row kernel both equal the plain
 *     reference within 1e-5 + 1e-4 relative, for 1 .. 9 rows and odd widths;
 * 10. ancestral-render --input (argv[1]) with the relative model keeps the
 *     input's pitch: tones at 110, 220 and 440 Hz come out with the same median
 *     f0 by aubiopitch, within 5 cents.
 *
 *   test_synth [ANCESTRAL_RENDER]
 * Heap calls are counted by alloc_count.c, linked into this executable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc_count.h"
#include "audio_measure.h"
#include "check.h"
#include "engine.h"
#include "model.h"
#include "nn.h"
#include "relfreq.h"
#include "stft.h"
#include "synth_model.h"

#define RATE 48000
#define NFFT 2048

static anc_engine *engine(const anc_model *m, double rate, int drone, float voices)
{
    anc_engine *e = NULL;
    anc_error err;
    if (anc_engine_create(&e, m, rate, 5, &err) != ANC_OK) {
        printf("FAIL: engine: %s\n", err.message);
        exit(1);
    }
    anc_engine_params p;
    anc_engine_params_default(&p);
    p.drone = drone;
    p.voices = voices;
    anc_engine_set_params(e, &p);
    anc_engine_reset(e);
    return e;
}

static void midi3(anc_engine *e, int a, int b, int c)
{
    const uint8_t m[3] = {(uint8_t)a, (uint8_t)b, (uint8_t)c};
    anc_engine_midi(e, m, 3);
}

/* ---- 1. pitch by aubiopitch ------------------------------------------------ */

static void test_pitch(const anc_model *m, const char *dir)
{
    if (!have_aubiopitch()) {
        printf("SKIP pitch: aubiopitch is not installed (Debian aubio-tools)\n");
        return;
    }
    const size_t n = RATE; /* one second, the note held throughout */
    float *x = xcalloc(n, sizeof *x);
    double worst = 0.0;
    for (int note = 36; note <= 84; note += 12) {
        anc_engine *e = engine(m, RATE, ANC_DRONE_OFF, 8);
        midi3(e, 0x90, note, 100);
        anc_engine_process(e, x, (uint32_t)n);
        char wav[1200];
        snprintf(wav, sizeof wav, "%s/note%d.wav", dir, note);
        write_wav(wav, x, n, RATE);
        const float got = aubio_median(wav, RATE, 0.2, 0.95), want = note_hz(note);
        const double cents = got > 0 ? 1200.0 * log2((double)got / want) : INFINITY;
        printf("  note %d: %.2f Hz, aubiopitch median %.2f Hz, %+.2f cents\n", note,
               (double)want, (double)got, cents);
        check_true(fabs(cents) <= 5.0, "note %d: %.2f cents off (aubiopitch %.2f Hz, want %.2f)",
                   note, cents, (double)got, (double)want);
        worst = fmax(worst, fabs(cents));
        anc_engine_free(e);
    }
    free(x);
    printf("%s pitch: notes C2..C6 within %.2f cents of their pitch (aubiopitch, want <= 5)\n",
           worst <= 5.0 ? "ok" : "FAIL", worst);
}

/* ---- 2. chord -------------------------------------------------------------- */

static void test_chord(const anc_model *m)
{
    static const int chord[] = {48, 52, 55, 60};
    anc_engine *e = engine(m, RATE, ANC_DRONE_OFF, 8);
    for (int i = 0; i < 4; i++)
        midi3(e, 0x90, chord[i], 100);
    const size_t skip = RATE / 4, n = RATE; /* 1 s after 0.25 s: 1 Hz resolution */
    float *x = xcalloc(skip + n, sizeof *x);
    anc_engine_process(e, x, (uint32_t)(skip + n));
    double worst = INFINITY;
    for (int i = 0; i < 4; i++) {
        const double f = note_hz(chord[i]), q = exp2(0.5 / 12.0);
        const double at = level_at(x + skip, n, RATE, f), lo = level_at(x + skip, n, RATE, f / q),
                     hi = level_at(x + skip, n, RATE, f * q);
        const double margin = at - fmax(lo, hi);
        printf("  chord note %d (%.1f Hz): %.1f dB, quarter tone below %.1f, above %.1f\n",
               chord[i], f, at, lo, hi);
        worst = fmin(worst, margin);
    }
    check_true(worst >= 10.0, "chord: a fundamental stands only %.1f dB above its surroundings",
               worst);
    printf("%s chord C3 E3 G3 C4: every fundamental a peak, at least %.1f dB above a quarter "
           "tone either side (want >= 10)\n",
           worst >= 10.0 ? "ok" : "FAIL", worst);
    free(x);
    anc_engine_free(e);
}

/* ---- 3. onsets ------------------------------------------------------------- */

static void test_onsets(const anc_model *m, double rate)
{
    anc_engine *probe = engine(m, rate, ANC_DRONE_OFF, 8);
    const double ratio = rate / anc_engine_synthesis_rate(probe);
    const long hop = lround(anc_engine_host_hop(probe) * ratio);
    const long latency = (long)anc_engine_latency(probe);
    anc_engine_free(probe);
    const long n = (long)(0.5 * rate);
    float *x = xcalloc((size_t)n, sizeof *x);
    onset_tally ot = {0};
    const int trials = 12;
    for (int t = 0; t < trials; t++) {
        const long at = 3001 + t * (hop * 13 / 10) / trials * 1 + t * 37; /* over > 1 hop */
        anc_engine *e = engine(m, rate, ANC_DRONE_OFF, 8);
        anc_engine_process(e, x, (uint32_t)at);
        midi3(e, 0x90, 60, 127);
        anc_engine_process(e, x + at, (uint32_t)(n - at));
        const long onset = first_sound(x, n), d = onset - at;
        check_true(onset >= 0 && d >= 0 && d <= hop + latency,
                   "%.0f Hz: note at %ld starts at %ld (delay %ld, want 0..%ld)", rate, at, onset,
                   d, hop + latency);
        onset_add(&ot, d);
        anc_engine_free(e);
    }
    printf("  %.0f Hz onset delays (host samples): %s\n", rate, ot.list);
    const int ok = ot.n == trials && ot.lo >= 0 && ot.hi <= hop + latency;
    printf("%s onsets at %.0f Hz: delay %ld..%ld samples (mean %.1f), hop %ld, reported latency "
           "%ld\n",
           ok ? "ok" : "FAIL", rate, ot.lo, ot.hi, ot.sum / trials, hop, latency);
    free(x);
}

/* ---- 4, 5. allocation, garbage --------------------------------------------- */

static void test_allocation_and_garbage(const anc_model *m)
{
    anc_engine *e = engine(m, 44100, ANC_DRONE_AUTO, 8);
    enum { BLOCK = 97 };
    static float out[BLOCK];
    const unsigned long before = anc_alloc_count();
    anc_alloc_watch(1);
    anc_engine_process(e, out, BLOCK);
    /* garbage first: none of it may start a voice or stop the drone */
    static const uint8_t truncated[] = {0x90, 60}, running[] = {60, 100}, note_only[] = {0x90},
                         sysex[] = {0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7}, clock[] = {0xF8},
                         bad_data[] = {0x90, 0x80, 0x40}, long_msg[] = {0x90, 61, 100, 62, 100};
    anc_engine_midi(e, truncated, sizeof truncated);
    anc_engine_midi(e, running, sizeof running);
    anc_engine_midi(e, note_only, sizeof note_only);
    anc_engine_midi(e, sysex, sizeof sysex);
    anc_engine_midi(e, clock, sizeof clock);
    anc_engine_midi(e, bad_data, sizeof bad_data);
    anc_engine_midi(e, NULL, 3);
    anc_engine_midi(e, truncated, 0);
    for (int i = 0; i < 20; i++)
        anc_engine_process(e, out, BLOCK);
    anc_alloc_watch(0);
    const int after_garbage = anc_engine_voices_active(e); /* the drone alone */
    anc_alloc_watch(1);
    anc_engine_midi(e, long_msg, sizeof long_msg); /* a note-on with trailing bytes: note 61 */
    int frames = 0;
    for (int round = 0; round < 3; round++) {
        for (int k = 0; k < 12; k++) { /* 12 notes on 8 voices: stealing */
            midi3(e, 0x90 | (k & 15), 48 + 3 * k, 20 + 8 * k);
            anc_engine_process(e, out, BLOCK);
            midi3(e, 0xE0, k * 1000 & 127, (k * 1000 >> 7) & 127); /* bends */
            anc_engine_process(e, out, BLOCK);
            frames += 2;
        }
        midi3(e, 0xB0, 64, 127); /* pedal down, notes off, pedal up */
        for (int k = 0; k < 12; k += 2)
            midi3(e, 0x80, 48 + 3 * k, 0);
        for (int i = 0; i < 30; i++)
            anc_engine_process(e, out, BLOCK);
        midi3(e, 0xB0, 64, 0);
        midi3(e, 0xB0, 123, 0); /* all notes off */
        for (int i = 0; i < 30; i++)
            anc_engine_process(e, out, BLOCK);
        midi3(e, 0x90, 70, 90);
        midi3(e, 0xB0, 120, 0); /* all sound off */
        anc_engine_process(e, out, BLOCK);
    }
    anc_engine_params p;
    anc_engine_params_default(&p);
    p.voices = 1.0f; /* mono legato with portamento */
    p.mode = ANC_MODE_ANCESTRAL;
    p.noise = 1.0f;
    anc_engine_set_params(e, &p);
    midi3(e, 0x90, 50, 100);
    anc_engine_process(e, out, BLOCK);
    midi3(e, 0x90, 57, 100);
    for (int i = 0; i < 20; i++)
        anc_engine_process(e, out, BLOCK);
    midi3(e, 0x80, 57, 0);
    for (int i = 0; i < 20; i++)
        anc_engine_process(e, out, BLOCK);
    anc_alloc_watch(0);
    const unsigned long calls = anc_alloc_count() - before;
    check_true(calls == 0, "%lu heap calls in process/midi", calls);
    check_true(after_garbage == 1, "garbage MIDI: %d voices sound, want the drone alone",
               after_garbage);
    printf("%s allocation: %lu heap calls over %d note, bend, pedal, all-notes-off, all-sound-off, "
           "stealing and legato events and garbage (want 0)\n",
           calls == 0 ? "ok" : "FAIL", calls, frames);
    printf("%s garbage MIDI (truncated, running status, sysex, clock, bad data bytes, empty) "
           "started no voice and left the drone sounding (%d voice)\n",
           after_garbage == 1 ? "ok" : "FAIL", after_garbage);
    anc_engine_free(e);
}

/* ---- 6. block lengths ------------------------------------------------------ */

static void render_events(anc_engine *e, float *x, long n, const midi_event *ev, int n_ev,
                          long block)
{
    anc_engine_reset(e);
    int k = 0;
    for (long pos = 0; pos < n;) {
        long end = pos + block < n ? pos + block : n;
        /* the plugin's split: pieces between the events inside this block */
        while (pos < end) {
            while (k < n_ev && ev[k].at <= pos)
                anc_engine_midi(e, ev[k].msg, 3), k++;
            long stop = k < n_ev && ev[k].at < end ? ev[k].at : end;
            anc_engine_process(e, x + pos, (uint32_t)(stop - pos));
            pos = stop;
        }
    }
}

static void test_blocks(const anc_model *m)
{
    const midi_event *ev = midi_test_events;
    const int n_ev = MIDI_TEST_EVENTS;
    static const long blocks[] = {1, 7, 63, 64, 1000, 4096, 8192};
    const long n = MIDI_TEST_FRAMES;
    float *ref = xcalloc((size_t)n, sizeof *ref), *x = xcalloc((size_t)n, sizeof *x);
    int bad = 0;
    for (int r = 0; r < 2; r++) {
        const double rate = r ? 44100 : 48000;
        anc_engine *e = engine(m, rate, ANC_DRONE_AUTO, 8);
        render_events(e, ref, n, ev, n_ev, 256);
        for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
            render_events(e, x, n, ev, n_ev, blocks[b]);
            long first = -1;
            for (long i = 0; i < n && first < 0; i++)
                if (x[i] != ref[i])
                    first = i;
            bad += !check_true(first < 0, "%.0f Hz block %ld differs from block 256 at sample %ld",
                               rate, blocks[b], first);
        }
        anc_engine_free(e);
    }
    printf("%s blocks 1..8192 with MIDI events at odd offsets render the samples of block 256 "
           "(48 and 44.1 kHz)\n",
           bad ? "FAIL" : "ok");
    free(ref);
    free(x);
}

/* ---- 7. drone -------------------------------------------------------------- */

static double rms(const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return sqrt(s / (double)(n ? n : 1));
}

static void test_drone(const anc_model *m)
{
    const size_t n = RATE / 2;
    float *x = xcalloc(n, sizeof *x);
    anc_engine *e = engine(m, RATE, ANC_DRONE_AUTO, 8);
    anc_engine_process(e, x, (uint32_t)n);
    const double before = rms(x + n / 2, n / 2);
    midi3(e, 0x90, 72, 100);
    anc_engine_process(e, x, (uint32_t)n);
    const double note = rms(x + n / 2, n / 2);
    midi3(e, 0x80, 72, 0);
    anc_engine_process(e, x, (uint32_t)n); /* release 0.3 s */
    anc_engine_process(e, x, (uint32_t)n);
    const double after = rms(x, n);
    anc_engine_reset(e);
    anc_engine_process(e, x, (uint32_t)n);
    const double rearmed = rms(x + n / 2, n / 2);
    anc_engine_free(e);
    e = engine(m, RATE, ANC_DRONE_OFF, 8);
    anc_engine_process(e, x, (uint32_t)n);
    const double off = rms(x, n);
    anc_engine_free(e);
    const int ok = before > 1e-3 && note > 1e-3 && after == 0.0 && rearmed > 1e-3 && off == 0.0;
    check_true(ok, "drone: auto %.3g, with a note %.3g, after its release %.3g (want 0), after "
               "reset %.3g, off %.3g (want 0)", before, note, after, rearmed, off);
    printf("%s drone: auto sounds without MIDI (rms %.3g), a note takes over (%.3g), silence "
           "after its release (%.3g), back after reset (%.3g); off is silent (%.3g)\n",
           ok ? "ok" : "FAIL", before, note, after, rearmed, off);
    free(x);
}

/* ---- 7b. level-normalised model -------------------------------------------
 * The same hand-made tone, 20 dB quieter in the decoder's output, in a model
 * whose frames are level-normalised at -12 dB: the drone plays at -12 dB re a
 * full-scale sine (-15.01 dBFS RMS) at the pitch the frame was made at, with
 * and without sampling noise, and within 2.5 dB of it two octaves away (a frame
 * mapped at another f0 has narrower or wider partial lobes than an analysis of
 * that note would, so the resynthesis keeps its power only approximately),
 * where the level-kept model plays 20 dB lower and 12 dB apart across them. */
static void test_level(void)
{
    anc_model *m = synth_relative_model(RATE, NFFT);
    if (!check_true(m != NULL, "level: relative model"))
        return;
    anc_mlp dec;
    anc_model_decoder(m, &dec);
    const anc_dense_layer *out = &dec.layer[dec.n_layers - 1];
    for (int k = 0; k < out->out; k++)
        out->b[k] -= 20.0f;
    const size_t n = RATE / 2;
    float *x = xcalloc(n, sizeof *x);
    const double want = -12.0 - 10.0 * log10(2.0);
    double lv[2][3][2];
    for (int pass = 0; pass < 2; pass++) {
        anc_model_header_mut(m)->level_mode = pass ? ANC_LEVEL_NORMALIZED : ANC_LEVEL_KEPT;
        anc_model_header_mut(m)->level_db = pass ? -12.0f : 0.0f;
        for (int i = 0; i < 3; i++)
            for (int noisy = 0; noisy < 2; noisy++) {
                anc_engine *e = engine(m, RATE, ANC_DRONE_ON, 8);
                anc_engine_params p;
                anc_engine_params_default(&p);
                p.drone = ANC_DRONE_ON;
                p.note = (float)(36 + 24 * i);
                p.noise = noisy ? 1.0f : 0.0f;
                anc_engine_set_params(e, &p);
                anc_engine_process(e, x, (uint32_t)n);
                anc_engine_process(e, x, (uint32_t)n);
                lv[pass][i][noisy] = 20.0 * log10(rms(x, n) + 1e-30);
                anc_engine_free(e);
            }
    }
    double at = 0.0, away = 0.0;
    for (int noisy = 0; noisy < 2; noisy++) {
        at = fmax(at, fabs(lv[1][1][noisy] - want));
        away = fmax(away, fmax(fabs(lv[1][0][noisy] - want), fabs(lv[1][2][noisy] - want)));
    }
    const double kept_spread = fabs(lv[0][2][0] - lv[0][0][0]);
    const int ok = at < 0.2 && away < 2.5 && lv[0][1][0] < want - 15.0 && kept_spread > 6.0;
    check_true(ok, "level-normalised drone off its level by %.2f dB at C4 (want < 0.2), %.2f dB "
               "at C2/C6 (want < 2.5); the kept-level model plays at %.1f dBFS at C4, spread "
               "%.1f dB", at, away, lv[0][1][0], kept_spread);
    printf("%s level: a normalised model plays at %.2f dBFS RMS within %.2f dB at C4, %.2f dB "
           "at C2 and C6, with and without noise (kept levels: %.1f dBFS at C4, %.1f dB apart "
           "from C2 to C6)\n", ok ? "ok" : "FAIL", want, at, away, lv[0][1][0], kept_spread);
    free(x);
    anc_model_free(m);
}

/* ---- 8. absolute model ----------------------------------------------------- */

static void test_absolute(void)
{
    static const int hidden[] = {16};
    anc_error err;
    anc_model *m = synth_model(RATE, 1024, 4, hidden, 1, ANC_ACT_SILU, &err);
    if (!check_true(m != NULL, "model: %s", err.message))
        return;
    float *mean = anc_model_feature_mean(m);
    for (int k = 0; k < 513; k++)
        mean[k] = -40.0f;
    const size_t n = RATE / 2;
    float *x = xcalloc(n, sizeof *x);
    anc_engine *e = engine(m, RATE, ANC_DRONE_OFF, 8);
    anc_engine_process(e, x, (uint32_t)n);
    const double silent = rms(x, n);
    int nb = 0;
    midi3(e, 0x90, 40, 127);
    anc_engine_process(e, x, (uint32_t)n);
    const float *mag = anc_engine_last_magnitudes(e, &nb);
    float *low = xcalloc((size_t)nb, sizeof *low);
    memcpy(low, mag, sizeof(float) * (size_t)nb);
    const double held = rms(x + n / 2, n / 2);
    midi3(e, 0x80, 40, 0);
    midi3(e, 0x90, 90, 127);
    anc_engine_process(e, x, (uint32_t)n);
    mag = anc_engine_last_magnitudes(e, &nb);
    int same = 1;
    for (int k = 0; k < nb; k++)
        same &= fabsf(mag[k] - low[k]) <= 1e-6f * fmaxf(1.0f, low[k]);
    midi3(e, 0x80, 90, 0);
    anc_engine_process(e, x, (uint32_t)n);
    anc_engine_process(e, x, (uint32_t)n);
    const double released = rms(x, n);
    const int ok = silent == 0.0 && held > 1e-4 && released == 0.0 && same;
    check_true(ok, "absolute model: %.3g before a note, %.3g held, %.3g after release, "
               "spectrum %s across notes", silent, held, released, same ? "same" : "changes");
    printf("%s absolute model: silent without notes and drone, rms %.3g while a note is held, "
           "silent after release; its spectrum is the same for notes 40 and 90\n",
           ok ? "ok" : "FAIL", held);
    free(low);
    free(x);
    anc_engine_free(e);
    anc_model_free(m);
}

/* ---- 9. kernel ------------------------------------------------------------ */

static void test_kernel(void)
{
    static const int shapes[][2] = {{8, 256}, {256, 513}, {37, 11}, {3, 1}};
    double worst = 0.0;
    int bad = 0;
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        const int IN = shapes[si][0], OUT = shapes[si][1], BMAX = 9;
        float *W = xcalloc((size_t)IN * OUT, sizeof *W), *b = xcalloc((size_t)OUT, sizeof *b);
        float *x = xcalloc((size_t)BMAX * IN, sizeof *x), *y1 = xcalloc((size_t)BMAX * OUT, 4),
              *y2 = xcalloc((size_t)BMAX * OUT, 4), *yr = xcalloc((size_t)OUT, 4);
        for (int i = 0; i < IN * OUT; i++)
            W[i] = 0.1f * (float)((i * 7919) % 23 - 11);
        for (int o = 0; o < OUT; o++)
            b[o] = 0.01f * (float)(o % 13 - 6);
        for (int i = 0; i < BMAX * IN; i++)
            x[i] = 0.05f * (float)((i * 104729) % 31 - 15);
        const anc_dense_layer l = {IN, OUT, ANC_ACT_SILU, W, b};
        for (int B = 1; B <= BMAX; B++) {
            anc_dense_kernel_vec(y1, NULL, x, &l, B);
            anc_dense_kernel_rows(y2, NULL, x, &l, B);
            for (int n = 0; n < B; n++) {
                anc_dense_act_vec_ref(yr, x + (size_t)n * IN, W, b, IN, OUT, ANC_ACT_SILU);
                for (int o = 0; o < OUT; o++) {
                    const double tol = 1e-5 + 1e-4 * fabs((double)yr[o]);
                    const double d1 = fabs((double)y1[(size_t)n * OUT + o] - yr[o]),
                                 d2 = fabs((double)y2[(size_t)n * OUT + o] - yr[o]);
                    worst = fmax(worst, fmax(d1, d2));
                    bad += d1 > tol || d2 > tol;
                }
            }
        }
        free(W), free(b), free(x), free(y1), free(y2), free(yr);
    }
    check_true(bad == 0, "anc_dense_kernel_rows: %d mismatches (worst %.3g against the reference)",
               bad, worst);
    printf("%s kernel: rows and vec kernels for 1..9 rows within 1e-5 + 1e-4 rel of the "
           "reference, worst %.3g\n",
           bad ? "FAIL" : "ok", worst);
}

/* ---- 10. render --input ---------------------------------------------------- */

static void test_render_input(const anc_model *m, const char *render, const char *dir)
{
    if (!have_aubiopitch()) {
        printf("SKIP render --input: aubiopitch is not installed (Debian aubio-tools)\n");
        return;
    }
    char model[1200], in[1200], out[1200], cmd[4000];
    snprintf(model, sizeof model, "%s/relative.vae", dir);
    anc_error err;
    if (!check_true(anc_model_save(m, model, &err) == ANC_OK, "save: %s", err.message))
        return;
    static const float tones[] = {110.0f, 220.0f, 440.0f};
    const size_t n = RATE;
    float *x = xcalloc(n, sizeof *x);
    double worst = 0.0;
    for (int i = 0; i < 3; i++) {
        /* a sawtooth-like tone: partials 1/h up to 10 kHz */
        for (size_t j = 0; j < n; j++) {
            x[j] = 0.0f;
            for (int k = 1; k * tones[i] < 10000.0f; k++)
                x[j] += 0.15f / (float)k * sinf(2.0f * (float)M_PI * k * tones[i] * (float)j / RATE);
        }
        snprintf(in, sizeof in, "%s/in%d.wav", dir, i);
        snprintf(out, sizeof out, "%s/out%d.wav", dir, i);
        write_wav(in, x, n, RATE);
        snprintf(cmd, sizeof cmd, "'%s' --model '%s' --input '%s' -o '%s' >/dev/null", render,
                 model, in, out);
        if (!check_true(system(cmd) == 0, "%s failed", cmd))
            continue;
        const float got = aubio_median(out, RATE, 0.2, 0.9);
        const double cents = got > 0 ? 1200.0 * log2((double)got / tones[i]) : INFINITY;
        printf("  render --input %.0f Hz tone: aubiopitch %.2f Hz, %+.2f cents\n",
               (double)tones[i], (double)got, cents);
        check_true(fabs(cents) <= 5.0, "render --input: %.0f Hz came out at %.2f Hz",
                   (double)tones[i], (double)got);
        worst = fmax(worst, fabs(cents));
    }
    printf("%s render --input on a relative model keeps the input's pitch within %.2f cents\n",
           worst <= 5.0 ? "ok" : "FAIL", worst);
    free(x);
}

int main(int argc, char **argv)
{
    const char *how = "";
    if (!check_true(anc_alloc_counting(&how), "the heap-call counter is not active here"))
        return check_exit();
    const char *tmp = getenv("TMPDIR");
    char dirbuf[1024];
    snprintf(dirbuf, sizeof dirbuf, "%s/anc-synth-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    char *d = mkdtemp(dirbuf);
    if (!check_true(d != NULL, "cannot make a temporary folder"))
        return check_exit();
    anc_model *m = synth_relative_model(RATE, NFFT);
    if (!m) {
        printf("FAIL: relative model\n");
        return 1;
    }
    test_pitch(m, d);
    test_chord(m);
    test_onsets(m, 48000);
    test_onsets(m, 44100);
    test_allocation_and_garbage(m);
    test_blocks(m);
    test_drone(m);
    test_level();
    test_absolute();
    test_kernel();
    if (argc > 1)
        test_render_input(m, argv[1], d);
    else
        printf("SKIP render --input: no ancestral-render given\n");
    anc_model_free(m);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0)
        printf("notice: could not remove %s\n", d);
    return check_exit();
}

/* test_plugin_midi.c — the plugin as an instrument, through lilv
 * (tools/lv2_host.h): MIDI events on the control port, the way a host's MIDI
 * track sends them, to a pitch-relative model loaded by patch:Set (the
 * hand-made harmonic model of tests/synth_model.h, at 48 kHz).
 *
 *   test_plugin_midi        (LV2_PATH names the folder of ancestral.lv2)
 *
 * Checks, each printing its figures:
 *  1. knob-only use sounds on insert: no MIDI, drone auto, the model plays
 *     at the `note` control (60 and 69), median f0 by aubiopitch within 5 cents;
 *  2. notes C2 .. C6 sent as MIDI come out at their pitch (aubiopitch median
 *     within 5 cents);
 *  3. a chord C3 E3 G3 C4 shows every fundamental as a spectral peak at least
 *     10 dB above a quarter tone either side;
 *  4. a note's onset lands where its event is: note-ons at odd frame offsets
 *     inside blocks of 256, spread over more than a hop; every delay within
 *     0 .. hop + latency port; delays printed beside the latency port;
 *  5. no heap call in run() (nor in work_response() / end_run()) with notes,
 *     velocities, bends, sustain pedal, all notes off, all sound off, 12 notes
 *     on 8 voices (stealing), voices = 1 (legato) and garbage, at blocks 1, 64
 *     and 4096; no log call from run();
 *  6. garbage MIDI (truncated, running status, sysex, real-time, bad data
 *     bytes, empty events) is ignored: the output is the same sample for sample
 *     as without it;
 *  7. block lengths 1 .. 8192 with events at odd offsets render the same
 *     samples as blocks of 256.
 * The first SKIP_S seconds of a pitch measurement are not judged (the note's
 * attack and the overlap-add filling). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "audio_measure.h"
#include "check.h"
#include "lv2_host.h"
#include "model.h"
#include "synth_model.h"

#define RATE 48000
#define SKIP_S 0.2
#define SETTLE_CYCLES 100000

static anc_host_world *world;
static char model_path[1200];
static char tmp_root[1024];

static const anc_host_alloc_counter alloc_counter = {anc_alloc_watch, anc_alloc_count};

/* An activated instance at RATE playing the relative model, controls at their
 * defaults except drone; reset (activate) after the load so the drone, the
 * voices and the latent start fresh. NULL after a failed check. */
static anc_host *make(uint32_t block, int drone)
{
    anc_host_config c;
    anc_host_config_default(&c);
    c.alloc_counter = &alloc_counter;
    c.sample_rate = RATE;
    c.max_block = block;
    char err[1024] = "";
    anc_host *h = anc_host_new(world, &c, err, sizeof err);
    if (!check_true(h != NULL, "instantiate: %s", err))
        return NULL;
    anc_host_set_control_sym(h, "drone", (float)drone);
    anc_host_activate(h);
    anc_host_send_model(h, model_path);
    if (!check_true(anc_host_settle(h, block, SETTLE_CYCLES) > 0, "the worker did not settle") ||
        !check_true(!strcmp(anc_host_model_echo(h), model_path), "model not loaded: %s",
                    anc_host_log(h))) {
        anc_host_free(h);
        return NULL;
    }
    anc_host_deactivate(h);
    anc_host_activate(h);
    return h;
}

static void send3(anc_host *h, uint32_t frame, int a, int b, int c)
{
    const uint8_t m[3] = {(uint8_t)a, (uint8_t)b, (uint8_t)c};
    check_true(anc_host_send_midi(h, frame, m, 3) == 0, "control buffer full");
}

static double pitch_cents(const float *x, size_t n, float want, const char *name, float *got)
{
    char wav[1400];
    snprintf(wav, sizeof wav, "%s/%s.wav", tmp_root, name);
    write_wav(wav, x, n, RATE);
    *got = aubio_median(wav, RATE, SKIP_S, (double)n / RATE - 0.05);
    return *got > 0 ? 1200.0 * log2((double)*got / want) : INFINITY;
}

/* ---- 1, 2. pitch --------------------------------------------------------- */

static void test_pitch(void)
{
    if (!have_aubiopitch()) {
        printf("SKIP pitch: aubiopitch is not installed (Debian aubio-tools)\n");
        return;
    }
    const size_t n = RATE;
    float *x = xcalloc(n, sizeof *x);
    double worst = 0.0;
    static const int drone_notes[] = {60, 69};
    for (int i = 0; i < 2; i++) {
        anc_host *h = make(256, 2);
        if (!h)
            continue;
        anc_host_set_control_sym(h, "note", (float)drone_notes[i]);
        anc_host_render(h, x, n, 256);
        float got;
        char name[32];
        snprintf(name, sizeof name, "drone%d", drone_notes[i]);
        const double c = pitch_cents(x, n, note_hz(drone_notes[i]), name, &got);
        printf("  no MIDI, note control %d: aubiopitch %.2f Hz, %+.2f cents\n", drone_notes[i],
               (double)got, c);
        check_true(fabs(c) <= 5.0, "drone at note %d: %.2f cents off", drone_notes[i], c);
        worst = fmax(worst, fabs(c));
        anc_host_free(h);
    }
    printf("%s knob-only use sounds on insert at the note control, within %.2f cents\n",
           worst <= 5.0 ? "ok" : "FAIL", worst);
    worst = 0.0;
    for (int note = 36; note <= 84; note += 12) {
        anc_host *h = make(256, 0);
        if (!h)
            continue;
        send3(h, 0, 0x90, note, 100);
        anc_host_render(h, x, n, 256);
        float got;
        char name[32];
        snprintf(name, sizeof name, "note%d", note);
        const double c = pitch_cents(x, n, note_hz(note), name, &got);
        printf("  MIDI note %d (%.2f Hz): aubiopitch %.2f Hz, %+.2f cents\n", note,
               (double)note_hz(note), (double)got, c);
        check_true(fabs(c) <= 5.0, "note %d: %.2f cents off", note, c);
        worst = fmax(worst, fabs(c));
        anc_host_free(h);
    }
    printf("%s MIDI notes C2..C6 through lilv within %.2f cents (want <= 5)\n",
           worst <= 5.0 ? "ok" : "FAIL", worst);
    free(x);
}

/* ---- 3. chord ------------------------------------------------------------ */

static void test_chord(void)
{
    static const int chord[] = {48, 52, 55, 60};
    anc_host *h = make(256, 0);
    if (!h)
        return;
    for (int i = 0; i < 4; i++)
        send3(h, 0, 0x90, chord[i], 100);
    const size_t skip = RATE / 4, n = RATE;
    float *x = xcalloc(skip + n, sizeof *x);
    anc_host_render(h, x, skip + n, 256);
    double worst = INFINITY;
    for (int i = 0; i < 4; i++) {
        const double f = note_hz(chord[i]), q = exp2(0.5 / 12.0);
        const double at = level_at(x + skip, n, RATE, f),
                     side = fmax(level_at(x + skip, n, RATE, f / q),
                                 level_at(x + skip, n, RATE, f * q));
        printf("  chord note %d (%.1f Hz): %.1f dB, %.1f dB a quarter tone away\n", chord[i], f,
               at, side);
        worst = fmin(worst, at - side);
    }
    check_true(worst >= 10.0, "chord: a fundamental only %.1f dB above its surroundings", worst);
    printf("%s chord through lilv: every fundamental at least %.1f dB above a quarter tone "
           "either side (want >= 10)\n",
           worst >= 10.0 ? "ok" : "FAIL", worst);
    free(x);
    anc_host_free(h);
}

/* ---- 4. onsets ----------------------------------------------------------- */

static void test_onsets(void)
{
    enum { BLOCK = 256 };
    const long n = RATE / 2;
    float *x = xcalloc((size_t)n, sizeof *x);
    onset_tally ot = {0};
    long latency = 0, hop = 512; /* the model's hop at its own rate */
    const int trials = 12;
    for (int t = 0; t < trials; t++) {
        anc_host *h = make(BLOCK, 0);
        if (!h)
            continue;
        const long at = 4 * BLOCK + 3 + t * 57; /* odd offsets, over more than a hop */
        anc_host_render(h, x, (size_t)(at / BLOCK * BLOCK), BLOCK);
        send3(h, (uint32_t)(at % BLOCK), 0x90, 60, 127);
        anc_host_render(h, x + at / BLOCK * BLOCK, (size_t)(n - at / BLOCK * BLOCK), BLOCK);
        latency = lrintf(anc_host_latency(h));
        const long onset = first_sound(x, n), d = onset - at;
        check_true(onset >= 0 && d >= 0 && d <= hop + latency,
                   "note at %ld starts at %ld (delay %ld, want 0..%ld)", at, onset, d,
                   hop + latency);
        onset_add(&ot, d);
        anc_host_free(h);
    }
    printf("  onset delays (frames): %s\n", ot.list);
    const int ok = ot.n == trials && ot.lo >= 0 && ot.hi <= hop + latency;
    printf("%s onsets through lilv: delay %ld..%ld frames (mean %.1f), hop %ld, latency port %ld\n",
           ok ? "ok" : "FAIL", ot.lo, ot.hi, ot.sum / trials, hop, latency);
    free(x);
}

/* ---- 5, 6. allocation and garbage ---------------------------------------- */

static const uint8_t g_trunc[] = {0x90, 60}, g_running[] = {64, 100}, g_status[] = {0x90},
                     g_sysex[] = {0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7}, g_clock[] = {0xF8},
                     g_bad[] = {0x90, 0x80, 0x40}, g_cc_bad[] = {0xB0, 123};

static void send_garbage(anc_host *h, uint32_t frame)
{
    anc_host_send_midi(h, frame, g_trunc, sizeof g_trunc);
    anc_host_send_midi(h, frame, g_running, sizeof g_running);
    anc_host_send_midi(h, frame, g_status, sizeof g_status);
    anc_host_send_midi(h, frame, g_sysex, sizeof g_sysex);
    anc_host_send_midi(h, frame, g_clock, sizeof g_clock);
    anc_host_send_midi(h, frame, g_bad, sizeof g_bad);
    anc_host_send_midi(h, frame, g_cc_bad, sizeof g_cc_bad);
    anc_host_send_midi(h, frame, g_trunc, 0);
}

static void test_allocation(void)
{
    static const uint32_t blocks[] = {1, 64, 4096};
    unsigned long run = 0, resp = 0, logs = 0;
    for (size_t b = 0; b < 3; b++) {
        const uint32_t block = blocks[b];
        anc_host *h = make(block, 2);
        if (!h)
            continue;
        anc_host_reset_counters(h);
        const uint32_t at = block > 1 ? block / 2 + 1 : 0;
        const size_t gap = block >= 1024 ? block : 1024 / block * block; /* about 20 ms */
        for (int round = 0; round < 2; round++) {
            if (round)
                anc_host_set_control_sym(h, "voices", 1.0f); /* mono legato */
            for (int k = 0; k < 12; k++) { /* 12 notes on 8 voices: stealing */
                send3(h, at, 0x90 | (k & 15), 40 + 3 * k, 30 + 7 * k);
                anc_host_render(h, NULL, gap, block);
                send3(h, at, 0xE0, (k * 1111) & 127, (k * 1111 >> 7) & 127);
                send_garbage(h, at);
                anc_host_render(h, NULL, gap, block);
            }
            send3(h, at, 0xB0, 64, 127);
            for (int k = 0; k < 12; k += 3)
                send3(h, at, 0x80, 40 + 3 * k, 0);
            anc_host_render(h, NULL, gap, block);
            send3(h, at, 0xB0, 64, 0);
            send3(h, at, 0xB0, 123, 0);
            anc_host_render(h, NULL, gap, block);
            send3(h, at, 0x90, 77, 64);
            send3(h, at, 0xB0, 120, 0);
            anc_host_render(h, NULL, gap, block);
        }
        run += anc_host_allocs_in_run(h);
        resp += anc_host_allocs_in_response(h);
        logs += anc_host_logs_in_run(h);
        anc_host_free(h);
    }
    check_true(run == 0 && resp == 0 && logs == 0,
               "heap calls in run() %lu, in work_response()/end_run() %lu, log calls in run() %lu",
               run, resp, logs);
    printf("%s allocation through lilv: %lu heap calls in run(), %lu in work_response()/end_run(), "
           "%lu log calls, with notes, bends, pedal, all notes/sound off, stealing, legato and "
           "garbage at blocks 1, 64, 4096\n",
           run || resp || logs ? "FAIL" : "ok", run, resp, logs);
}

static void test_garbage(void)
{
    const size_t n = RATE / 2;
    enum { BLOCK = 128 };
    float *a = xcalloc(n, sizeof *a), *b = xcalloc(n, sizeof *b);
    for (int with = 0; with < 2; with++) {
        anc_host *h = make(BLOCK, 2);
        if (!h)
            continue;
        float *x = with ? b : a;
        for (size_t pos = 0; pos < n; pos += BLOCK) {
            if (with && (pos / BLOCK) % 5 == 0)
                send_garbage(h, 17);
            anc_host_run(h, x + pos, (uint32_t)(n - pos < BLOCK ? n - pos : BLOCK));
        }
        anc_host_free(h);
    }
    double diff = 0.0, energy = 0.0;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs((double)a[i] - b[i]));
        energy += (double)a[i] * a[i];
    }
    const double rms = sqrt(energy / n);
    check_true(diff == 0.0 && rms > 1e-3, "garbage MIDI changed the output by %.3g (rms %.3g)",
               diff, rms);
    printf("%s garbage MIDI ignored: the drone plays the same samples with and without it (max "
           "|diff| %.3g, rms %.3g)\n",
           diff == 0.0 && rms > 1e-3 ? "ok" : "FAIL", diff, rms);
    free(a);
    free(b);
}

/* ---- 7. block lengths ---------------------------------------------------- */

static int render_events(float *x, long n, uint32_t block)
{
    anc_host *h = make(block, 2);
    if (!h)
        return -1;
    const int n_ev = MIDI_TEST_EVENTS;
    const midi_event *events = midi_test_events;
    int k = 0;
    for (long pos = 0; pos < n; pos += block) {
        const uint32_t len = (uint32_t)(n - pos < block ? n - pos : block);
        while (k < n_ev && events[k].at < pos + len) {
            anc_host_send_midi(h, (uint32_t)(events[k].at - pos), events[k].msg, 3);
            k++;
        }
        anc_host_run(h, x + pos, len);
    }
    anc_host_free(h);
    return 0;
}

static void test_blocks(void)
{
    static const uint32_t blocks[] = {1, 7, 63, 64, 1000, 4096, 8192};
    const long n = MIDI_TEST_FRAMES;
    float *ref = xcalloc((size_t)n, sizeof *ref), *x = xcalloc((size_t)n, sizeof *x);
    int bad = 0;
    if (render_events(ref, n, 256) == 0) {
        for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
            if (render_events(x, n, blocks[b]) != 0)
                continue;
            long first = -1;
            for (long i = 0; i < n && first < 0; i++)
                if (x[i] != ref[i])
                    first = i;
            bad += !check_true(first < 0, "block %u differs from block 256 at frame %ld",
                               blocks[b], first);
        }
    }
    printf("%s blocks 1..8192 with MIDI events at odd offsets render the samples of block 256\n",
           bad ? "FAIL" : "ok");
    free(ref);
    free(x);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/anc-midi-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_root)) {
        printf("FAIL: cannot create a temporary folder\n");
        return 1;
    }
    snprintf(model_path, sizeof model_path, "%s/relative.vae", tmp_root);
    anc_model *m = synth_relative_model(RATE, 2048);
    anc_error err;
    if (!check_true(m && anc_model_save(m, model_path, &err) == ANC_OK, "relative model: %s",
                    m ? err.message : "not built"))
        return check_exit();
    anc_model_free(m);
    char e[1024] = "";
    world = anc_host_world_new(NULL, NULL, e, sizeof e);
    if (!check_true(world != NULL, "%s", e))
        return check_exit();
    test_pitch();
    test_chord();
    test_onsets();
    test_allocation();
    test_garbage();
    test_blocks();
    anc_host_world_free(world);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0)
        printf("notice: could not remove %s\n", tmp_root);
    return check_exit();
}

/* test_voices.c — the voice manager (core/voices.h): allocation and stealing
 * order, same-note restarts, sustain pedal, all notes off / all sound off, mono
 * legato with portamento and last-note priority, pitch bend, the ADSR timing,
 * velocity 0 as note off, malformed messages and garbage settings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "voices.h"

#define RATE 48000.0

static void msg3(anc_voices *vs, int a, int b, int c)
{
    uint8_t m[3] = {(uint8_t)a, (uint8_t)b, (uint8_t)c};
    anc_voices_midi(vs, m, 3);
}
static void on(anc_voices *vs, int note) { msg3(vs, 0x90, note, 100); }
static void off(anc_voices *vs, int note) { msg3(vs, 0x80, note, 0); }

/* The voice playing note (not off), or -1. */
static int voice_of(const anc_voices *vs, int note)
{
    for (int i = 0; i < ANC_VOICES_MAX; i++)
        if (vs->v[i].stage != ANC_ENV_OFF && vs->v[i].note == note)
            return i;
    return -1;
}

static void run_all(anc_voices *vs, double seconds)
{
    uint32_t n = (uint32_t)(seconds * RATE);
    for (int i = 0; i < ANC_VOICES_MAX; i++)
        anc_voices_run(vs, i, NULL, n);
}

static void test_poly_and_stealing(void)
{
    anc_voice_settings s;
    anc_voice_settings_default(&s);
    s.voices = 4;
    anc_voices vs;
    anc_voices_init(&vs, RATE, &s);
    on(&vs, 60);
    on(&vs, 64);
    on(&vs, 67);
    on(&vs, 71);
    check_true(anc_voices_active(&vs) == 4, "4 notes: %d voices", anc_voices_active(&vs));
    int v64 = voice_of(&vs, 64), v71 = voice_of(&vs, 71), v60 = voice_of(&vs, 60);
    off(&vs, 64); /* released first */
    off(&vs, 71);
    check_true(vs.v[v64].stage == ANC_ENV_RELEASE && vs.v[v71].stage == ANC_ENV_RELEASE,
               "note off releases");
    on(&vs, 72); /* takes the voice released longest ago: 64's */
    check_true(voice_of(&vs, 72) == v64, "new note took voice %d, want %d (released first)",
               voice_of(&vs, 72), v64);
    on(&vs, 74);
    check_true(voice_of(&vs, 74) == v71, "next new note took voice %d, want %d",
               voice_of(&vs, 74), v71);
    on(&vs, 76); /* all held: steals the oldest held note, 60 */
    check_true(voice_of(&vs, 76) == v60 && voice_of(&vs, 60) < 0,
               "with every voice held, the oldest note (60) is stolen");
    check_true(vs.v[v60].fresh, "a stolen voice is marked fresh");
    /* The same note again restarts its own voice. */
    int v72 = voice_of(&vs, 72);
    off(&vs, 72);
    on(&vs, 72);
    check_true(voice_of(&vs, 72) == v72 && vs.v[v72].stage == ANC_ENV_ATTACK,
               "a note played again restarts its voice");
    /* Velocity 0 is a note off. */
    msg3(&vs, 0x93, 74, 0);
    check_true(vs.v[voice_of(&vs, 74)].stage == ANC_ENV_RELEASE, "velocity 0 releases (channel 4)");
    printf("poly: allocation, release-first stealing, oldest-held stealing, restarts ok\n");
}

static void test_pedal_and_panic(void)
{
    anc_voice_settings s;
    anc_voice_settings_default(&s);
    anc_voices vs;
    anc_voices_init(&vs, RATE, &s);
    msg3(&vs, 0xB0, 64, 127);
    on(&vs, 60);
    off(&vs, 60);
    int v = voice_of(&vs, 60);
    check_true(v >= 0 && vs.v[v].stage != ANC_ENV_RELEASE && vs.v[v].pedal_held,
               "the pedal holds a released key");
    msg3(&vs, 0xB0, 64, 0);
    check_true(vs.v[v].stage == ANC_ENV_RELEASE, "pedal up releases it");
    on(&vs, 62);
    on(&vs, 65);
    msg3(&vs, 0xB0, 123, 0);
    check_true(vs.v[voice_of(&vs, 62)].stage == ANC_ENV_RELEASE &&
                   vs.v[voice_of(&vs, 65)].stage == ANC_ENV_RELEASE,
               "all notes off releases every voice");
    on(&vs, 67);
    msg3(&vs, 0xB0, 120, 0);
    check_true(anc_voices_active(&vs) == 0, "all sound off silences at once (%d active)",
               anc_voices_active(&vs));
    printf("pedal, all notes off, all sound off ok\n");
}

static void test_mono_legato(void)
{
    anc_voice_settings s;
    anc_voice_settings_default(&s);
    s.voices = 1;
    s.glide = 0.1f;
    anc_voices vs;
    anc_voices_init(&vs, RATE, &s);
    on(&vs, 60);
    run_all(&vs, 0.5);
    check_true(vs.v[0].stage == ANC_ENV_SUSTAIN, "mono: sustain after 0.5 s");
    vs.v[0].fresh = 0;
    on(&vs, 67); /* legato: no restart, glide */
    check_true(vs.v[0].stage == ANC_ENV_SUSTAIN && !vs.v[0].fresh,
               "legato note keeps the envelope and the sampler");
    anc_voices_run(&vs, 0, NULL, (uint32_t)(0.05 * RATE));
    float mid = anc_voices_pitch(&vs, 0);
    check_true(mid > 60.5f && mid < 66.5f, "half-way through the glide the pitch is %.2f", mid);
    anc_voices_run(&vs, 0, NULL, (uint32_t)(0.06 * RATE));
    float end = anc_voices_pitch(&vs, 0);
    check_true(fabsf(end - 67.0f) < 0.07f, "after the glide time the pitch is %.3f (want 67 within 1 %%)",
               end);
    off(&vs, 67); /* back to 60, still held */
    run_all(&vs, 1.0);
    check_true(vs.v[0].note == 60 && fabsf(anc_voices_pitch(&vs, 0) - 60.0f) < 1e-3f &&
                   vs.v[0].stage == ANC_ENV_SUSTAIN,
               "releasing the top note returns to the held one");
    off(&vs, 60);
    check_true(vs.v[0].stage == ANC_ENV_RELEASE, "last key up releases");
    run_all(&vs, 1.0);
    check_true(anc_voices_active(&vs) == 0, "release ends");
    printf("mono legato: glide mid-way %.2f, end %.3f, last-note priority ok\n", mid, end);
}

static void test_bend(void)
{
    anc_voice_settings s;
    anc_voice_settings_default(&s);
    s.bend_range = 12.0f;
    anc_voices vs;
    anc_voices_init(&vs, RATE, &s);
    on(&vs, 69);
    run_all(&vs, 0.01);
    int v = voice_of(&vs, 69);
    float hz0 = anc_voices_hz(&vs, v);
    msg3(&vs, 0xE0, 0x7F, 0x7F);
    float up = anc_voices_pitch(&vs, v);
    msg3(&vs, 0xE0, 0x00, 0x00);
    float down = anc_voices_pitch(&vs, v);
    msg3(&vs, 0xE0, 0x00, 0x40);
    float centre = anc_voices_pitch(&vs, v);
    check_true(fabsf(hz0 - 440.0f) < 1e-3f, "A4 is %.4f Hz", hz0);
    check_true(fabsf(up - (69.0f + 12.0f * 8191.0f / 8192.0f)) < 1e-4f &&
                   fabsf(down - 57.0f) < 1e-4f && fabsf(centre - 69.0f) < 1e-6f,
               "bend: up %.4f down %.4f centre %.4f", up, down, centre);
    printf("bend: +%.4f / %.4f / centre %.4f semitones around 69\n", up - 69, down - 69,
           centre - 69);
}

static void test_envelope(void)
{
    anc_voice_settings s;
    anc_voice_settings_default(&s);
    s.attack = 0.1f;
    s.decay = 0.2f;
    s.sustain = 0.5f;
    s.release = 0.4f;
    anc_voices vs;
    anc_voices_init(&vs, RATE, &s);
    on(&vs, 60);
    int v = voice_of(&vs, 60);
    static float g[96000];
    anc_voices_run(&vs, v, g, 48000);
    int peak = 0;
    while (peak < 48000 && g[peak] < 1.0f)
        peak++;
    int settle = peak;
    while (settle < 48000 && fabsf(g[settle] - 0.5f) > 0.005f)
        settle++;
    check_true(abs(peak - 4800) <= 1, "attack peaks at sample %d (want 4800)", peak);
    check_true(abs(settle - peak - 9600) <= 10, "decay within 1 %% after %d samples (want 9600)",
               settle - peak);
    off(&vs, 60);
    anc_voices_run(&vs, v, g, 96000);
    int end = 0;
    while (end < 96000 && g[end] > 0.0f)
        end++;
    /* From 0.5 down to 1e-4 at 80 dB per 0.4 s takes 0.4 * 74 / 80 s. */
    int want = (int)lround(0.4 * RATE * log(0.5 / 1e-4) / log(1e4));
    check_true(abs(end - want) <= 2 && vs.v[v].stage == ANC_ENV_OFF,
               "release ends after %d samples (want %d)", end, want);
    printf("ADSR: attack peak at %d, decay settles after %d, release ends after %d samples\n",
           peak, settle - peak, end);
}

static void test_garbage(void)
{
    anc_voice_settings s = {.voices = 99, .attack = NAN, .decay = -3.0f, .sustain = INFINITY,
                            .release = 1e9f, .glide = NAN, .bend_range = -1.0f};
    anc_voices vs;
    anc_voices_init(&vs, NAN, &s);
    check_true(vs.s.voices == ANC_VOICES_MAX && isfinite(vs.s.attack) && vs.s.decay == 0.0f &&
                   vs.s.sustain == 0.8f && vs.s.release == 10.0f && vs.rate == 48000.0,
               "garbage settings sanitised");
    static const uint8_t bad[][3] = {{0x90, 0x80, 100}, {0x90, 60, 0xFF}, {0x3C, 60, 100},
                                     {0xF0, 1, 2}, {0xB0, 200, 1}, {0xE0, 0x80, 0x80}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        anc_voices_midi(&vs, bad[i], 3);
    uint8_t one = 0x90;
    anc_voices_midi(&vs, &one, 1);
    anc_voices_midi(&vs, NULL, 3);
    check_true(anc_voices_active(&vs) == 0 && vs.bend == 0.0f, "malformed messages ignored");
    /* More notes than voices: the last eight sound; releasing notes that were
     * stolen long ago changes nothing. */
    for (int n = 0; n < 128; n++)
        on(&vs, n);
    for (int n = 0; n < 120; n++)
        off(&vs, n);
    int held = 0;
    for (int n = 120; n < 128; n++)
        held += voice_of(&vs, n) >= 0 && vs.v[voice_of(&vs, n)].key_held;
    check_true(anc_voices_active(&vs) == ANC_VOICES_MAX && held == 8,
               "128 notes on 8 voices: %d active, %d of the last 8 held",
               anc_voices_active(&vs), held);
    printf("garbage: settings sanitised, malformed messages ignored\n");
}

int main(void)
{
    test_poly_and_stealing();
    test_pedal_and_panic();
    test_mono_legato();
    test_bend();
    test_envelope();
    test_garbage();
    return check_exit();
}

/* controls.c — the table of the plugins' controls (see controls.h). */
#include "controls.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "engine.h"

#define UNITS "http://lv2plug.in/ns/extensions/units#"
#define UNIT_SD ANC_PLUGIN_URI "#sd"         /* prior standard deviations */
#define UNIT_CHOICE ANC_PLUGIN_URI "#choice" /* enumerations and toggles */
#define UNIT_COUNT ANC_PLUGIN_URI "#count"   /* how many (voices) */

static const char *const mode_choices[] = {"knobs", "ancestral", "knobs + noise"};
static const char *const drone_choices[] = {"off", "on", "auto"};

#define KNOB(k)                                                                                \
    {"z" #k, "Latent z" #k, UNIT_SD, NULL, "latent dimension " #k ", in prior standard deviations", \
     ANC_CONTROL_REAL, -4.0f, 4.0f, 0.0f, NULL,                                                 \
     offsetof(anc_engine_params, knobs) + ((k) - 1) * sizeof(float), ANC_GROUP_LATENT}

const anc_port_group anc_port_groups[ANC_GROUP_COUNT] = {
    [ANC_GROUP_LATENT] = {"latent", "Latent knobs"},
    [ANC_GROUP_SAMPLING] = {"sampling", "Sampling"},
    [ANC_GROUP_NOTES] = {"notes", "Notes"},
    [ANC_GROUP_ENVELOPE] = {"envelope", "Envelope"},
    [ANC_GROUP_TRANSFER] = {"transfer", "Transfer"},
    [ANC_GROUP_OUTPUT] = {"output", "Output"},
};

const anc_control anc_controls[ANC_CONTROL_COUNT] = {
    KNOB(1), KNOB(2), KNOB(3), KNOB(4), KNOB(5), KNOB(6), KNOB(7), KNOB(8),
    KNOB(9), KNOB(10), KNOB(11), KNOB(12), KNOB(13), KNOB(14), KNOB(15), KNOB(16),
    [ANC_CONTROL_MODE] = {"mode", "Mode", UNIT_CHOICE, "mode", "where z comes from",
                          ANC_CONTROL_CHOICE, 0.0f, 2.0f, 0.0f, mode_choices,
                          offsetof(anc_engine_params, mode), ANC_GROUP_SAMPLING},
    [ANC_CONTROL_TEMPERATURE] = {"temperature", "Temperature", UNITS "coef", "temperature",
                                 "spread of drawn z", ANC_CONTROL_REAL, 0.0f, 3.0f, 1.0f, NULL,
                                 offsetof(anc_engine_params, temperature), ANC_GROUP_SAMPLING},
    /* "draws" for ancestral-render, whose --rate is the sample rate. */
    [ANC_CONTROL_RATE] = {"rate", "Draw rate", UNITS "hz", "draws",
                          "new draws per second in the drawing modes", ANC_CONTROL_REAL, 0.01f,
                          50.0f, 2.0f, NULL, offsetof(anc_engine_params, rate), ANC_GROUP_SAMPLING},
    [ANC_CONTROL_GLIDE] = {"glide", "Glide", UNITS "s", "glide",
                           "seconds of smoothing between latent targets; portamento with voices 1", ANC_CONTROL_REAL, 0.0f, 10.0f,
                           0.05f, NULL, offsetof(anc_engine_params, glide), ANC_GROUP_SAMPLING},
    [ANC_CONTROL_NOISE] = {"noise", "Noise", UNITS "coef", "noise",
                           "observation noise scale, times sigma", ANC_CONTROL_REAL, 0.0f, 2.0f,
                           0.0f, NULL, offsetof(anc_engine_params, noise), ANC_GROUP_SAMPLING},
    [ANC_CONTROL_GAIN] = {"gain", "Gain", UNITS "db", "gain", "output gain in dB",
                          ANC_CONTROL_REAL, -60.0f, 12.0f, 0.0f, NULL,
                          offsetof(anc_engine_params, gain_db), ANC_GROUP_OUTPUT},
    [ANC_CONTROL_ENABLED] = {"enabled", "Enabled", UNIT_CHOICE, NULL,
                             "off fades to silence without a click", ANC_CONTROL_TOGGLE, 0.0f,
                             1.0f, 1.0f, NULL, offsetof(anc_engine_params, enabled),
                             ANC_GROUP_OUTPUT},
    [ANC_CONTROL_NOTE] = {"note", "Note", UNITS "midiNote", "note",
                          "MIDI note played without MIDI input (the drone)", ANC_CONTROL_REAL,
                          0.0f, 127.0f, 60.0f, NULL, offsetof(anc_engine_params, note),
                          ANC_GROUP_NOTES},
    [ANC_CONTROL_DRONE] = {"drone", "Drone", UNIT_CHOICE, "drone",
                           "sound without notes: off, on, or auto (until the first note)",
                           ANC_CONTROL_CHOICE, 0.0f, 2.0f, 2.0f, drone_choices,
                           offsetof(anc_engine_params, drone), ANC_GROUP_NOTES},
    [ANC_CONTROL_VOICES] = {"voices", "Voices", UNIT_COUNT, "voices",
                            "notes sounding at once; 1 = mono legato with glide as portamento",
                            ANC_CONTROL_REAL, 1.0f, 8.0f, 8.0f, NULL,
                            offsetof(anc_engine_params, voices), ANC_GROUP_NOTES},
    [ANC_CONTROL_ATTACK] = {"attack", "Attack", UNITS "s", "attack",
                            "seconds from note on to full level", ANC_CONTROL_REAL, 0.0f, 10.0f,
                            0.01f, NULL, offsetof(anc_engine_params, attack),
                            ANC_GROUP_ENVELOPE},
    [ANC_CONTROL_DECAY] = {"decay", "Decay", UNITS "s", "decay",
                           "seconds from full level to the sustain level", ANC_CONTROL_REAL, 0.0f,
                           10.0f, 0.2f, NULL, offsetof(anc_engine_params, decay),
                           ANC_GROUP_ENVELOPE},
    [ANC_CONTROL_SUSTAIN] = {"sustain", "Sustain", UNITS "coef", "sustain",
                             "level while a key is held, 0..1", ANC_CONTROL_REAL, 0.0f, 1.0f,
                             0.8f, NULL, offsetof(anc_engine_params, sustain),
                             ANC_GROUP_ENVELOPE},
    [ANC_CONTROL_RELEASE] = {"release", "Release", UNITS "s", "release",
                             "seconds from note off to silence (-80 dB)", ANC_CONTROL_REAL, 0.0f,
                             10.0f, 0.3f, NULL, offsetof(anc_engine_params, release),
                             ANC_GROUP_ENVELOPE},
    [ANC_CONTROL_BEND_RANGE] = {"bend_range", "Bend range", UNITS "semitone12TET", "bend-range",
                                "semitones of a full pitch bend", ANC_CONTROL_REAL, 0.0f, 48.0f,
                                2.0f, NULL, offsetof(anc_engine_params, bend_range),
                                ANC_GROUP_NOTES},
    /* Two octaves each way: beyond that a voice leaves the range of its
     * harmonics that any training note covered. */
    [ANC_CONTROL_TRANSPOSE] = {"transpose", "Transpose", UNITS "semitone12TET", "transpose",
                               "semitones the re-voiced input's pitch moves", ANC_CONTROL_REAL,
                               -24.0f, 24.0f, 0.0f, NULL, offsetof(anc_engine_params, transpose),
                               ANC_GROUP_TRANSFER},
    [ANC_CONTROL_MIX] = {"mix", "Mix", UNITS "coef", "mix",
                         "share of the re-voiced signal: 0 dry (delayed by the latency), 1 wet",
                         ANC_CONTROL_REAL, 0.0f, 1.0f, 1.0f, NULL,
                         offsetof(anc_engine_params, mix), ANC_GROUP_TRANSFER},
};

#define KNOB_IDS                                                                               \
    ANC_CONTROL_Z1, ANC_CONTROL_Z1 + 1, ANC_CONTROL_Z1 + 2, ANC_CONTROL_Z1 + 3,                 \
        ANC_CONTROL_Z1 + 4, ANC_CONTROL_Z1 + 5, ANC_CONTROL_Z1 + 6, ANC_CONTROL_Z1 + 7,         \
        ANC_CONTROL_Z1 + 8, ANC_CONTROL_Z1 + 9, ANC_CONTROL_Z1 + 10, ANC_CONTROL_Z1 + 11,       \
        ANC_CONTROL_Z1 + 12, ANC_CONTROL_Z1 + 13, ANC_CONTROL_Z1 + 14, ANC_CONTROL_Z1 + 15

/* The synth's control inputs are the table up to bend_range, in table order
 * (plugin/ports.h places them); the transfer effect's are its knobs (offsets
 * added to the encoded latent), transpose, mix, gain and enabled
 * (plugin/transfer_ports.h). */
static const int synth_ids[] = {
    KNOB_IDS, ANC_CONTROL_MODE, ANC_CONTROL_TEMPERATURE, ANC_CONTROL_RATE, ANC_CONTROL_GLIDE,
    ANC_CONTROL_NOISE, ANC_CONTROL_GAIN, ANC_CONTROL_ENABLED, ANC_CONTROL_NOTE, ANC_CONTROL_DRONE,
    ANC_CONTROL_VOICES, ANC_CONTROL_ATTACK, ANC_CONTROL_DECAY, ANC_CONTROL_SUSTAIN,
    ANC_CONTROL_RELEASE, ANC_CONTROL_BEND_RANGE};
static const int transfer_ids[] = {KNOB_IDS, ANC_CONTROL_TRANSPOSE, ANC_CONTROL_MIX,
                                   ANC_CONTROL_GAIN, ANC_CONTROL_ENABLED};

const anc_plugin_controls anc_plugins[ANC_PLUGIN_COUNT] = {
    [ANC_PLUGIN_SYNTH] = {ANC_PLUGIN_URI, ANC_MODEL_URI, synth_ids,
                          (int)(sizeof synth_ids / sizeof *synth_ids)},
    [ANC_PLUGIN_TRANSFER] = {ANC_TRANSFER_URI, ANC_TRANSFER_MODEL_URI, transfer_ids,
                             (int)(sizeof transfer_ids / sizeof *transfer_ids)},
};

int anc_plugin_has_control(int plugin, int id)
{
    const anc_plugin_controls *pc = &anc_plugins[plugin];
    for (int i = 0; i < pc->n; i++)
        if (pc->ids[i] == id)
            return 1;
    return 0;
}

int anc_plugin_has_group(int plugin, int g)
{
    const anc_plugin_controls *pc = &anc_plugins[plugin];
    for (int i = 0; i < pc->n; i++)
        if ((int)anc_controls[pc->ids[i]].group == g)
            return 1;
    return 0;
}

/* Field access by offset; memcpy keeps it free of casts and aliasing doubts. */
static float get_real(const anc_engine_params *p, int id)
{
    float v;
    memcpy(&v, (const char *)p + anc_controls[id].field, sizeof v);
    return v;
}

static int get_int(const anc_engine_params *p, int id)
{
    int v;
    memcpy(&v, (const char *)p + anc_controls[id].field, sizeof v);
    return v;
}

static void put_real(anc_engine_params *p, int id, float v)
{
    memcpy((char *)p + anc_controls[id].field, &v, sizeof v);
}

static void put_int(anc_engine_params *p, int id, int v)
{
    memcpy((char *)p + anc_controls[id].field, &v, sizeof v);
}

float anc_control_load(const anc_engine_params *p, int id)
{
    return anc_controls[id].kind == ANC_CONTROL_REAL ? get_real(p, id) : (float)get_int(p, id);
}

void anc_control_store(anc_engine_params *p, int id, float v)
{
    const anc_control *c = &anc_controls[id];
    switch (c->kind) {
    case ANC_CONTROL_REAL:
        put_real(p, id, v);
        break;
    case ANC_CONTROL_CHOICE:
        put_int(p, id, isfinite(v) ? (int)lrintf(fminf(fmaxf(v, c->min), c->max)) : (int)c->def);
        break;
    case ANC_CONTROL_TOGGLE:
        put_int(p, id, isfinite(v) ? v > 0.0f : (int)c->def);
        break;
    }
}

float anc_control_clamp(int id, float v)
{
    const anc_control *c = &anc_controls[id];
    if (!isfinite(v))
        return c->def;
    return v < c->min ? c->min : v > c->max ? c->max : v;
}

void anc_controls_clamp(anc_engine_params *out, const anc_engine_params *in)
{
    for (int id = 0; id < ANC_CONTROL_COUNT; id++) {
        const anc_control *c = &anc_controls[id];
        if (c->kind == ANC_CONTROL_REAL) {
            put_real(out, id, anc_control_clamp(id, get_real(in, id)));
        } else {
            const int v = get_int(in, id);
            put_int(out, id, c->kind == ANC_CONTROL_TOGGLE ? v != 0
                             : (v >= (int)c->min && v <= (int)c->max) ? v
                                                                      : (int)c->def);
        }
    }
}

void anc_controls_default(anc_engine_params *p)
{
    for (int id = 0; id < ANC_CONTROL_COUNT; id++)
        anc_control_store(p, id, anc_controls[id].def);
}

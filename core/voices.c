/* voices.c — MIDI to voices, stealing, sustain pedal, mono legato, ADSR and
 * portamento, as specified in voices.h. */
#include "voices.h"

#include <math.h>
#include <string.h>

/* The envelope counts as finished below this level (-80 dB). */
#define ENV_FLOOR 1e-4f
/* Decay reaches within 1 % of the sustain level in `decay` seconds. */
#define LN_DECAY 4.6051702f   /* ln(100) */
#define LN_RELEASE 9.2103404f /* ln(1e4): release to ENV_FLOOR */

void anc_voice_settings_default(anc_voice_settings *s)
{
    s->voices = ANC_VOICES_MAX;
    s->attack = 0.01f;
    s->decay = 0.2f;
    s->sustain = 0.8f;
    s->release = 0.3f;
    s->glide = 0.05f;
    s->bend_range = 2.0f;
}

static float clampf(float v, float lo, float hi, float dflt)
{
    if (!isfinite(v))
        return dflt;
    return v < lo ? lo : v > hi ? hi : v;
}

static void sanitise(anc_voice_settings *o, const anc_voice_settings *in)
{
    anc_voice_settings d;
    anc_voice_settings_default(&d);
    o->voices = in->voices < 1 ? 1 : in->voices > ANC_VOICES_MAX ? ANC_VOICES_MAX : in->voices;
    o->attack = clampf(in->attack, 0.0f, 10.0f, d.attack);
    o->decay = clampf(in->decay, 0.0f, 10.0f, d.decay);
    o->sustain = clampf(in->sustain, 0.0f, 1.0f, d.sustain);
    o->release = clampf(in->release, 0.0f, 10.0f, d.release);
    o->glide = clampf(in->glide, 0.0f, 10.0f, d.glide);
    o->bend_range = clampf(in->bend_range, 0.0f, 48.0f, d.bend_range);
}

static void release(anc_voice *v)
{
    if (v->stage != ANC_ENV_OFF)
        v->stage = ANC_ENV_RELEASE;
    v->key_held = 0;
    v->pedal_held = 0;
}

void anc_voices_reset(anc_voices *vs)
{
    memset(vs->v, 0, sizeof vs->v);
    vs->bend = 0.0f;
    vs->pedal = 0;
    vs->n_held = 0;
}

void anc_voices_init(anc_voices *vs, double rate, const anc_voice_settings *s)
{
    memset(vs, 0, sizeof *vs);
    vs->rate = (isfinite(rate) && rate >= 1000.0) ? rate : 48000.0;
    sanitise(&vs->s, s);
}

void anc_voices_configure(anc_voices *vs, const anc_voice_settings *s)
{
    const int before = vs->s.voices;
    sanitise(&vs->s, s);
    for (int i = vs->s.voices; i < ANC_VOICES_MAX; i++)
        release(&vs->v[i]);
    if ((before == 1) != (vs->s.voices == 1))
        vs->n_held = 0; /* the legato key list means nothing in the other mode */
}

/* (Re)starts voice v on note at velocity vel, from its present level. */
static void start(anc_voices *vs, anc_voice *v, int note, float vel, int glide)
{
    if (v->stage == ANC_ENV_OFF || !glide)
        v->glide_pitch = (float)note;
    v->fresh = v->stage == ANC_ENV_OFF || v->note != note || !glide;
    v->stage = ANC_ENV_ATTACK;
    v->note = note;
    v->velocity = vel;
    v->key_held = 1;
    v->pedal_held = 0;
    v->started = ++vs->clock;
}

/* The voice to take for a new note (voices.h: allocation order). */
static anc_voice *pick(anc_voices *vs, int note)
{
    const int n = vs->s.voices;
    anc_voice *best = NULL;
    for (int i = 0; i < n; i++)
        if (vs->v[i].stage != ANC_ENV_OFF && vs->v[i].note == note)
            return &vs->v[i];
    for (int i = 0; i < n; i++)
        if (vs->v[i].stage == ANC_ENV_OFF)
            return &vs->v[i];
    for (int i = 0; i < n; i++) /* released longest ago */
        if (vs->v[i].stage == ANC_ENV_RELEASE && (!best || vs->v[i].released < best->released))
            best = &vs->v[i];
    if (best)
        return best;
    for (int i = 0; i < n; i++) /* held by the pedal longest */
        if (vs->v[i].pedal_held && (!best || vs->v[i].released < best->released))
            best = &vs->v[i];
    if (best)
        return best;
    for (int i = 0; i < n; i++) /* the oldest held note */
        if (!best || vs->v[i].started < best->started)
            best = &vs->v[i];
    return best;
}

static void held_remove(anc_voices *vs, int note)
{
    int k = 0;
    for (int i = 0; i < vs->n_held; i++)
        if (vs->held[i] != note)
            vs->held[k++] = vs->held[i];
    vs->n_held = k;
}

static void note_on(anc_voices *vs, int note, float vel)
{
    if (vs->s.voices == 1) {
        anc_voice *v = &vs->v[0];
        held_remove(vs, note);
        const int legato = vs->n_held > 0 && v->stage != ANC_ENV_OFF && v->stage != ANC_ENV_RELEASE;
        vs->held[vs->n_held++] = (uint8_t)note;
        if (legato) {
            v->note = note; /* portamento; the envelope goes on */
            v->key_held = 1;
            return;
        }
        start(vs, v, note, vel, v->stage != ANC_ENV_OFF);
        return;
    }
    anc_voice *v = pick(vs, note);
    start(vs, v, note, vel, 0);
}

static void note_off(anc_voices *vs, int note)
{
    if (vs->s.voices == 1) {
        anc_voice *v = &vs->v[0];
        held_remove(vs, note);
        if (v->note != note || !v->key_held)
            return;
        if (vs->n_held > 0) {
            v->note = vs->held[vs->n_held - 1]; /* back to the last key still down */
            return;
        }
        if (vs->pedal) {
            v->key_held = 0;
            v->pedal_held = 1;
            v->released = ++vs->clock;
        } else {
            release(v);
            v->released = ++vs->clock;
        }
        return;
    }
    for (int i = 0; i < ANC_VOICES_MAX; i++) {
        anc_voice *v = &vs->v[i];
        if (v->stage == ANC_ENV_OFF || v->note != note || !v->key_held)
            continue;
        v->released = ++vs->clock;
        if (vs->pedal) {
            v->key_held = 0;
            v->pedal_held = 1;
        } else {
            release(v);
        }
    }
}

void anc_voices_midi(anc_voices *vs, const uint8_t *msg, uint32_t size)
{
    if (!msg || size < 2 || !(msg[0] & 0x80))
        return;
    const uint8_t type = msg[0] & 0xF0;
    if (type == 0xC0 || type == 0xD0 || type >= 0xF0)
        return; /* program change, channel pressure, system: nothing to do */
    if (size < 3 || (msg[1] & 0x80) || (msg[2] & 0x80))
        return;
    const int d1 = msg[1], d2 = msg[2];
    switch (type) {
    case 0x90: /* note on; with velocity 0 a note off */
        if (d2 > 0)
            note_on(vs, d1, (float)d2 / 127.0f);
        else
            note_off(vs, d1);
        break;
    case 0x80:
        note_off(vs, d1);
        break;
    case 0xB0:
        if (d1 == 64) {
            int down = d2 >= 64;
            if (vs->pedal && !down)
                for (int i = 0; i < ANC_VOICES_MAX; i++)
                    if (vs->v[i].pedal_held)
                        release(&vs->v[i]);
            vs->pedal = down;
        } else if (d1 == 123) {
            for (int i = 0; i < ANC_VOICES_MAX; i++) {
                if (vs->v[i].key_held || vs->v[i].pedal_held)
                    vs->v[i].released = ++vs->clock;
                release(&vs->v[i]);
            }
            vs->n_held = 0;
        } else if (d1 == 120) {
            const float bend = vs->bend;
            const int pedal = vs->pedal;
            anc_voices_reset(vs);
            vs->bend = bend;
            vs->pedal = pedal;
        }
        break;
    case 0xE0: {
        const int v = d1 | d2 << 7; /* 0 .. 16383, centre 8192 */
        vs->bend = (float)(v - 8192) / 8192.0f * vs->s.bend_range;
        break;
    }
    default:
        break;
    }
}

void anc_voices_run(anc_voices *vs, int i, float *gain, uint32_t n)
{
    anc_voice *v = &vs->v[i];
    const anc_voice_settings *s = &vs->s;
    const float rate = (float)vs->rate;
    const float att = s->attack > 0.0f ? 1.0f / (s->attack * rate) : 1.0f;
    const float kd = s->decay > 0.0f ? expf(-LN_DECAY / (s->decay * rate)) : 0.0f;
    const float kr = s->release > 0.0f ? expf(-LN_RELEASE / (s->release * rate)) : 0.0f;
    float level = v->level;
    for (uint32_t k = 0; k < n; k++) {
        switch (v->stage) {
        case ANC_ENV_OFF:
            level = 0.0f;
            break;
        case ANC_ENV_ATTACK:
            level += att;
            if (level >= 1.0f) {
                level = 1.0f;
                v->stage = ANC_ENV_DECAY;
            }
            break;
        case ANC_ENV_DECAY:
            level = s->sustain + kd * (level - s->sustain);
            if (fabsf(level - s->sustain) < ENV_FLOOR) {
                level = s->sustain;
                v->stage = ANC_ENV_SUSTAIN;
            }
            break;
        case ANC_ENV_SUSTAIN:
            level = s->sustain; /* follows a sustain knob that moves */
            break;
        case ANC_ENV_RELEASE:
            level *= kr;
            if (level < ENV_FLOOR) {
                level = 0.0f;
                v->stage = ANC_ENV_OFF;
            }
            break;
        }
        if (gain)
            gain[k] = level;
    }
    v->level = level;
    /* Portamento: exponential, 99 % of the way in `glide` seconds (mono only). */
    if (s->voices == 1 && s->glide > 0.0f && v->stage != ANC_ENV_OFF) {
        const float a = expf(-LN_DECAY * (float)n / (s->glide * rate));
        v->glide_pitch = (float)v->note + a * (v->glide_pitch - (float)v->note);
        if (fabsf(v->glide_pitch - (float)v->note) < 1e-4f)
            v->glide_pitch = (float)v->note;
    } else {
        v->glide_pitch = (float)v->note;
    }
}

float anc_voices_pitch(const anc_voices *vs, int i) { return vs->v[i].glide_pitch + vs->bend; }

float anc_voices_hz(const anc_voices *vs, int i)
{
    return 440.0f * exp2f((anc_voices_pitch(vs, i) - 69.0f) / 12.0f);
}

int anc_voices_active(const anc_voices *vs)
{
    int n = 0;
    for (int i = 0; i < ANC_VOICES_MAX; i++)
        n += vs->v[i].stage != ANC_ENV_OFF;
    return n;
}

/* voices.h — the synth's voice manager: MIDI notes in, up to eight voices out,
 * each with its note, velocity, sounding pitch (bend and portamento included)
 * and ADSR envelope. It knows nothing of decoding or phase: the synth engine
 * gives each voice its own ancestral sampler and reads pitch and envelope here.
 *
 * MIDI handled (any channel): note on (velocity 0 = note off), note off,
 * control 64 (sustain pedal), 120 (all sound off: silence at once), 123 (all
 * notes off: release), pitch bend (14 bits, +-bend_range semitones); every
 * other message is ignored, and so is any malformed one.
 *
 * Allocation (voices >= 2): a note already sounding restarts its own voice;
 * else a free voice; else the voice released longest ago; else the one held
 * by the pedal longest; else the oldest held note is stolen. A (re)started
 * voice continues from its present envelope level (no click) and is marked
 * fresh so the sampler can start a new latent state for it.
 * voices = 1 is mono legato: a note played while another is held changes the
 * pitch (portamento over `glide` seconds) without restarting the envelope;
 * releasing it returns to the most recent key still held (last-note priority).
 *
 * Envelope: linear attack to 1 in `attack` seconds, exponential decay reaching
 * within 1 % of `sustain` after `decay` seconds, exponential release reaching
 * -80 dB after `release` seconds, where the voice turns off.
 *
 * Real time: a plain struct, no allocation, no failure path; every call is
 * real-time safe and bounded. Settings are sanitised (clamped, NaN replaced). */
#ifndef ANC_VOICES_H
#define ANC_VOICES_H

#include <stdint.h>

#define ANC_VOICES_MAX 8

typedef enum anc_env_stage {
    ANC_ENV_OFF = 0,
    ANC_ENV_ATTACK,
    ANC_ENV_DECAY,
    ANC_ENV_SUSTAIN,
    ANC_ENV_RELEASE
} anc_env_stage;

typedef struct anc_voice_settings {
    int voices;       /* 1 .. 8; 1 = mono legato */
    float attack;     /* seconds, 0 .. 10 */
    float decay;      /* seconds, 0 .. 10 */
    float sustain;    /* level, 0 .. 1 */
    float release;    /* seconds, 0 .. 10 */
    float glide;      /* portamento seconds (mono legato), 0 .. 10 */
    float bend_range; /* semitones for a full wheel, 0 .. 48 */
} anc_voice_settings;

/* 8 voices, attack 0.01 s, decay 0.2 s, sustain 0.8, release 0.3 s, glide
 * 0.05 s, bend range 2 semitones. */
void anc_voice_settings_default(anc_voice_settings *s);

typedef struct anc_voice {
    anc_env_stage stage;
    float level;       /* envelope now, 0 .. 1 */
    int note;          /* MIDI note 0 .. 127 */
    float velocity;    /* 0 .. 1 */
    int key_held;      /* its key is down */
    int pedal_held;    /* its key is up but the sustain pedal holds it */
    float glide_pitch; /* pitch without bend, gliding to `note` (MIDI note units) */
    uint64_t started;  /* event stamps for stealing */
    uint64_t released;
    int fresh;         /* set at every (re)start and steal; the synth clears it */
} anc_voice;

typedef struct anc_voices {
    anc_voice v[ANC_VOICES_MAX];
    anc_voice_settings s;
    double rate;
    float bend;            /* semitones, from the wheel */
    int pedal;             /* sustain pedal down */
    uint64_t clock;        /* counts note events */
    uint8_t held[128];     /* mono legato: keys down, oldest first */
    int n_held;
} anc_voices;

/* Starts with every voice off, the wheel centred, the pedal up. */
void anc_voices_init(anc_voices *vs, double rate, const anc_voice_settings *s);
/* New settings; voices beyond a smaller count are released. */
void anc_voices_configure(anc_voices *vs, const anc_voice_settings *s);
/* One complete MIDI message (size bytes). */
void anc_voices_midi(anc_voices *vs, const uint8_t *msg, uint32_t size);
/* All voices off at once, pedal up, wheel centred (activate(), transport jumps). */
void anc_voices_reset(anc_voices *vs);

/* Advances voice i by n samples: writes its envelope for each sample into
 * gain (may be NULL) and moves its portamento. A voice whose release ends
 * turns off. */
void anc_voices_run(anc_voices *vs, int i, float *gain, uint32_t n);
/* The sounding pitch of voice i in MIDI note units (glide and bend), and in Hz. */
float anc_voices_pitch(const anc_voices *vs, int i);
float anc_voices_hz(const anc_voices *vs, int i);
/* Voices not off. */
int anc_voices_active(const anc_voices *vs);

#endif

/* snapshot.h — what a plugin is playing, in a small fixed-size picture, handed
 * from the audio thread to a display thread without locks.
 *
 * A frame (anc_snapshot_frame) holds the spectrum of the newest synthesised
 * frame reduced to ANC_SNAPSHOT_BANDS log-spaced bands between
 * ANC_SNAPSHOT_LO_HZ and ANC_SNAPSHOT_HI_HZ, in dB re a full-scale sine (a
 * full-scale sine's band reads 0 dB, feature.h), and up to
 * ANC_SNAPSHOT_VOICES voice marks (level and pitch). Engines fill frames
 * (anc_engine_snapshot(), anc_transfer_snapshot()); displays draw them.
 *
 * anc_snapshot is a triple buffer: one writer thread (the audio thread) fills
 * the back frame and publishes it with one atomic exchange; one reader thread
 * takes the newest published frame with another. Neither waits for the other,
 * neither ever sees a frame the other is writing, and the reader always gets
 * the newest complete frame (or the one it had, if nothing newer came).
 * Exactly one writer thread and one reader thread at a time.
 *
 * Real time: everything here is a plain struct and bounded loops; no
 * allocation, lock or I/O. */
#ifndef ANC_SNAPSHOT_H
#define ANC_SNAPSHOT_H

#include <stdatomic.h>
#include <stdint.h>

/* 128 bands over 20 Hz .. 20 kHz: 12.8 bands per octave, finer than a strip
 * display is wide (Ardour's mixer strip: about 100 .. 200 pixels). */
#define ANC_SNAPSHOT_BANDS 128
#define ANC_SNAPSHOT_LO_HZ 20.0
#define ANC_SNAPSHOT_HI_HZ 20000.0
/* Band levels never read below this (also the level of bands with no bins). */
#define ANC_SNAPSHOT_FLOOR_DB (-120.0f)
/* The synth's eight note voices and its drone. */
#define ANC_SNAPSHOT_VOICES 9

typedef struct anc_snapshot_frame {
    float band_db[ANC_SNAPSHOT_BANDS]; /* dB re a full-scale sine, >= ANC_SNAPSHOT_FLOOR_DB */
    int n_voices;                        /* marks in use, 0 .. ANC_SNAPSHOT_VOICES */
    float voice_level[ANC_SNAPSHOT_VOICES]; /* 0 (silent) .. 1 (full envelope and velocity) */
    float voice_hz[ANC_SNAPSHOT_VOICES];    /* the voice's sounding f0, Hz; 0 if none */
    int voice_kind[ANC_SNAPSHOT_VOICES];    /* anc_snapshot_voice_kind */
    uint32_t serial; /* counts publishes, set by anc_snapshot_publish(); last: the fields
                      * before it are the picture, and displays compare them */
} anc_snapshot_frame;

typedef enum anc_snapshot_voice_kind {
    ANC_SNAPSHOT_NOTE = 0,  /* a MIDI note's voice */
    ANC_SNAPSHOT_DRONE = 1, /* the synth's drone */
    ANC_SNAPSHOT_INPUT = 2  /* the pitch of a live input (timbre transfer) */
} anc_snapshot_voice_kind;

typedef struct anc_snapshot {
    anc_snapshot_frame frame[3];
    atomic_uint middle; /* index of the frame between writer and reader, | FRESH */
    unsigned back;      /* writer's frame */
    unsigned front;     /* reader's frame */
    uint32_t serial;    /* writer's count */
} anc_snapshot;

/* Three silent frames (every band at the floor, no voice); the reader's frame
 * is one of them. Call before either thread starts. */
void anc_snapshot_init(anc_snapshot *s);

/* Writer: the frame to fill. Its content is whatever was last in it (an older
 * frame): fill every field, e.g. starting with anc_snapshot_frame_clear(). */
anc_snapshot_frame *anc_snapshot_back(anc_snapshot *s);
/* Writer: makes the back frame the newest one. */
void anc_snapshot_publish(anc_snapshot *s);
/* Reader: the newest published frame, valid until this thread's next call. */
const anc_snapshot_frame *anc_snapshot_read(anc_snapshot *s);

/* Every band at the floor, no voice. */
void anc_snapshot_frame_clear(anc_snapshot_frame *f);
/* The bands of magnitudes mag[n] on linear bins bin_hz apart (bin k at
 * k * bin_hz), each multiplied by gain: a band covering bins takes the largest
 * of them; a band narrower than a bin takes the magnitude interpolated at its
 * centre. Bands above the last bin read the floor. NaN and negative values read
 * as silence. */
void anc_snapshot_set_spectrum(anc_snapshot_frame *f, const float *mag, int n, double bin_hz,
                               float gain);
/* Lower edge of band b (b = ANC_SNAPSHOT_BANDS gives the top edge), Hz. */
double anc_snapshot_band_hz(double b);

#endif

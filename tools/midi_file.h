/* midi_file.h — reading a Standard MIDI File (.mid) into a time-ordered list of
 * channel messages, through libsmf (Debian libsmf-dev), for ancestral-render
 * --midi and ancestral-plugin-render --midi.
 *
 * tools/ code: it reads files. It never prints; libsmf's own complaints (it
 * logs through GLib) are caught while it parses and the last one becomes part
 * of the error message. */
#ifndef ANC_MIDI_FILE_H
#define ANC_MIDI_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Files larger than this are refused before parsing (a MIDI file of a whole
 * opera is a few hundred kilobytes). */
#define ANC_MIDI_FILE_MAX_BYTES (16u << 20)

/* One channel voice message (note off/on, poly pressure, control change, program
 * change, channel pressure, pitch bend): status byte first, 2 or 3 bytes, the
 * running status already expanded. */
typedef struct anc_midi_event {
    double seconds;   /* from the start of the file, through its tempo map */
    uint8_t data[3];
    uint8_t size;     /* 2 or 3 */
} anc_midi_event;

typedef struct anc_midi_song {
    anc_midi_event *events; /* n_events, in time order (tracks merged) */
    size_t n_events;
    double seconds;         /* time of the last event of any kind (end of track) */
    size_t n_notes;         /* note-on messages with velocity > 0 */
} anc_midi_song;

/* Reads path. ANC_E_IO (cannot open / read), ANC_E_FORMAT (not a Standard MIDI
 * File, or libsmf cannot parse it: the reason in err), ANC_E_INVALID (no note
 * at all, or timing that is not finite), ANC_E_NOMEM. On success the caller
 * frees song->events with anc_midi_song_clear(). */
anc_status anc_midi_file_read(const char *path, anc_midi_song *song, anc_error *err);
/* The same from bytes in memory (for tests and fuzzing); name is used in messages. */
anc_status anc_midi_file_parse(const void *bytes, size_t n, const char *name, anc_midi_song *song,
                               anc_error *err);
void anc_midi_song_clear(anc_midi_song *song); /* accepts NULL */

#endif

/* midi_file.c — Standard MIDI Files through libsmf (see midi_file.h). libsmf
 * merges the tracks in time order and converts pulses to seconds through the
 * tempo map; this file keeps the channel voice messages and checks what libsmf
 * hands back (lengths, status bytes, finite and ordered times) before trusting
 * it.
 *
 * One check comes first: Debian's libsmf is built with assertions, and a track
 * that ends without its end-of-track event, or whose last event runs past the
 * chunk, aborts the process inside libsmf (`parse_next_event: Assertion
 * buffer_length > 0' failed`, found by truncating a valid file). So framing()
 * walks the chunks and the events' framing (delta times, status bytes, data and
 * meta lengths) and refuses a file libsmf would fall over, with the offset; it
 * interprets nothing — times, tempo and merging stay libsmf's. */
#include "midi_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <smf.h>

/* libsmf reports parse errors with g_critical()/g_warning(): keep the last one. */
typedef struct log_capture {
    char last[160]; /* the last message */
    int critical;   /* whether any was a critical one: libsmf skipped part of the file */
} log_capture;

static void capture(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user)
{
    (void)domain;
    log_capture *c = user;
    snprintf(c->last, sizeof c->last, "%s", message ? message : "");
    if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
        c->critical = 1;
}

/* Bytes a channel voice message takes, by its status byte (0 for others). */
static int voice_size(uint8_t status)
{
    switch (status & 0xF0) {
    case 0x80: case 0x90: case 0xA0: case 0xB0: case 0xE0: return 3;
    case 0xC0: case 0xD0: return 2;
    default: return 0;
    }
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A variable-length quantity at p[*i] (at most 4 bytes, inside n); -1 if broken. */
static long vlq(const uint8_t *p, size_t n, size_t *i)
{
    long v = 0;
    for (int k = 0; k < 4; k++) {
        if (*i >= n)
            return -1;
        uint8_t b = p[(*i)++];
        v = (v << 7) | (b & 0x7F);
        if (!(b & 0x80))
            return v;
    }
    return -1;
}

/* The framing of one track's events, t[0..n); 0 when sound, else the offset
 * (from t) of the first problem plus one. */
static size_t track_framing(const uint8_t *t, size_t n)
{
    size_t i = 0;
    uint8_t running = 0;
    while (i < n) {
        const size_t at = i;
        if (vlq(t, n, &i) < 0 || i >= n)
            return at + 1;
        uint8_t b = t[i];
        if (b == 0xFF) {
            if (i + 2 > n)
                return at + 1;
            const uint8_t type = t[i + 1];
            i += 2;
            long len = vlq(t, n, &i);
            if (len < 0 || (size_t)len > n - i)
                return at + 1;
            i += (size_t)len;
            if (type == 0x2F)
                return 0; /* end of track: what follows in the chunk is never read */
            running = 0; /* meta and sysex events cancel running status */
        } else if (b == 0xF0) {
            /* libsmf ends a sysex at its first status byte, not by its length: the
             * data must be 7-bit and end with 0xF7 exactly where the length says. */
            i++;
            long len = vlq(t, n, &i);
            if (len < 1 || (size_t)len > n - i || t[i + (size_t)len - 1] != 0xF7)
                return at + 1;
            for (long k = 0; k + 1 < len; k++)
                if (t[i + (size_t)k] & 0x80)
                    return at + 1;
            i += (size_t)len;
            running = 0;
        } else if (b >= 0xF1) {
            return at + 1; /* sysex escapes (0xF7), system common and real-time bytes:
                            * libsmf misreads them, and a synth needs none */
        } else {
            if (b & 0x80) {
                running = b;
                i++;
            } else if (!running) {
                return at + 1; /* data byte without a status */
            }
            const int data = voice_size(running) - 1;
            if ((size_t)data > n - i)
                return at + 1;
            for (int k = 0; k < data; k++)
                if (t[i + k] & 0x80)
                    return at + 1;
            i += (size_t)data;
        }
    }
    return n + 1; /* no end-of-track event */
}

/* Chunks and tracks framed as libsmf needs them; ANC_OK or ANC_E_FORMAT. */
static anc_status framing(const uint8_t *p, size_t n, const char *name, anc_error *err)
{
    const uint32_t hlen = be32(p + 4);
    if (hlen != 6)
        return anc_error_set(err, ANC_E_FORMAT, "%s: MIDI header of %u bytes (6 expected)", name,
                             hlen);
    const unsigned format = (unsigned)p[8] << 8 | p[9], tracks = (unsigned)p[10] << 8 | p[11];
    const unsigned division = (unsigned)p[12] << 8 | p[13];
    if (format > 2 || tracks == 0 || division == 0)
        return anc_error_set(err, ANC_E_FORMAT, "%s: MIDI header says format %u, %u tracks, "
                             "division %u", name, format, tracks, division);
    /* libsmf refuses these two (and leaks on the way out): say so first. */
    if (format == 2)
        return anc_error_set(err, ANC_E_FORMAT, "%s: format 2 (independent sequences) is not "
                             "supported; save it as format 0 or 1", name);
    if (division & 0x8000)
        return anc_error_set(err, ANC_E_FORMAT, "%s: SMPTE time division is not supported; save "
                             "it with ticks per quarter note", name);
    size_t off = 8 + hlen;
    unsigned found = 0;
    while (found < tracks) {
        if (n - off < 8)
            return anc_error_set(err, ANC_E_FORMAT, "%s: %u of %u tracks, then the file ends "
                                 "(byte %zu)", name, found, tracks, off);
        const uint32_t len = be32(p + off + 4);
        if (len > n - off - 8)
            return anc_error_set(err, ANC_E_FORMAT, "%s: chunk at byte %zu claims %u bytes, "
                                 "%zu remain", name, off, len, n - off - 8);
        if (memcmp(p + off, "MTrk", 4) == 0) {
            size_t bad = track_framing(p + off + 8, len);
            if (bad)
                return anc_error_set(err, ANC_E_FORMAT, bad > len
                                         ? "%s: track %u (byte %zu) has no end-of-track event"
                                         : "%s: track %u: broken event at byte %zu",
                                     name, found + 1, off + 8 + (bad > len ? 0 : bad - 1));
            found++;
        }
        off += 8 + len;
    }
    return ANC_OK;
}

void anc_midi_song_clear(anc_midi_song *song)
{
    if (!song)
        return;
    free(song->events);
    memset(song, 0, sizeof *song);
}

anc_status anc_midi_file_parse(const void *bytes, size_t n, const char *name, anc_midi_song *song,
                               anc_error *err)
{
    memset(song, 0, sizeof *song);
    if (n < 14 || memcmp(bytes, "MThd", 4) != 0)
        return anc_error_set(err, ANC_E_FORMAT, "%s: not a Standard MIDI File (no MThd header)",
                             name);
    if (n > ANC_MIDI_FILE_MAX_BYTES)
        return anc_error_set(err, ANC_E_FORMAT, "%s: %zu bytes, larger than a MIDI file can be "
                             "(limit %u)", name, n, ANC_MIDI_FILE_MAX_BYTES);
    anc_status fs = framing(bytes, n, name, err);
    if (fs != ANC_OK)
        return fs;
    log_capture cap = {{0}, 0};
    GLogFunc old = g_log_set_default_handler(capture, &cap);
    smf_t *smf = smf_load_from_memory(bytes, (int)n);
    g_log_set_default_handler(old, NULL);
    if (!smf || cap.critical) {
        /* A critical message means libsmf dropped part of a track (a meta event
         * longer than 127 bytes, for one, which it reads with a one-byte length). */
        if (smf)
            smf_delete(smf); /* smf_delete(NULL) crashes */
        return anc_error_set(err, ANC_E_FORMAT, "%s: libsmf cannot read this MIDI file (%s)",
                             name, cap.last[0] ? cap.last : "parse error");
    }

    size_t cap_events = 256;
    anc_midi_event *ev = malloc(sizeof *ev * cap_events);
    anc_status st = ev ? ANC_OK : anc_error_set(err, ANC_E_NOMEM, "%s: out of memory", name);
    double last_t = 0.0;
    smf_event_t *e;
    old = g_log_set_default_handler(capture, &cap);
    while (st == ANC_OK && (e = smf_get_next_event(smf)) != NULL) {
        const double t = e->time_seconds;
        if (!isfinite(t) || t < last_t - 1e-9 || t > 1e7) {
            st = anc_error_set(err, ANC_E_INVALID, "%s: event %d of track %d at an impossible "
                               "time (%g s)", name, e->event_number, e->track_number, t);
            break;
        }
        last_t = t > last_t ? t : last_t;
        if (e->midi_buffer_length < 1 || !e->midi_buffer)
            continue;
        const uint8_t status = e->midi_buffer[0];
        const int size = voice_size(status);
        if (size == 0 || e->midi_buffer_length < size)
            continue; /* meta, sysex, system messages: not for a synth's voices */
        if (song->n_events == cap_events) {
            anc_midi_event *grown = realloc(ev, sizeof *ev * cap_events * 2);
            if (!grown) {
                st = anc_error_set(err, ANC_E_NOMEM, "%s: out of memory for %zu events", name,
                                   cap_events * 2);
                break;
            }
            ev = grown;
            cap_events *= 2;
        }
        anc_midi_event *o = &ev[song->n_events++];
        o->seconds = t;
        o->size = (uint8_t)size;
        o->data[0] = status;
        o->data[1] = e->midi_buffer[1] & 0x7F;
        o->data[2] = size == 3 ? e->midi_buffer[2] & 0x7F : 0;
        if ((status & 0xF0) == 0x90 && o->data[2] > 0)
            song->n_notes++;
    }
    g_log_set_default_handler(old, NULL);
    smf_delete(smf);
    if (st == ANC_OK && cap.critical)
        st = anc_error_set(err, ANC_E_FORMAT, "%s: libsmf cannot read this MIDI file (%s)", name,
                           cap.last);
    song->events = ev;
    song->seconds = last_t;
    if (st == ANC_OK && song->n_notes == 0)
        st = anc_error_set(err, ANC_E_INVALID, "%s: holds no note to play", name);
    if (st != ANC_OK)
        anc_midi_song_clear(song);
    return st;
}

anc_status anc_midi_file_read(const char *path, anc_midi_song *song, anc_error *err)
{
    memset(song, 0, sizeof *song);
    FILE *f = fopen(path, "rb");
    if (!f)
        return anc_error_set(err, ANC_E_IO, "%s: cannot open: %s", path, strerror(errno));
    /* Room for the file as it is (one byte more shows a file that grew), or for
     * the limit plus one when its size is unknown or too large: parsing says so. */
    struct stat sb;
    size_t cap = (size_t)ANC_MIDI_FILE_MAX_BYTES + 1;
    if (fstat(fileno(f), &sb) == 0 && sb.st_size > 0 && sb.st_size <= ANC_MIDI_FILE_MAX_BYTES)
        cap = (size_t)sb.st_size + 1;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return anc_error_set(err, ANC_E_NOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, cap, f);
    int bad = ferror(f);
    fclose(f);
    anc_status st = bad ? anc_error_set(err, ANC_E_IO, "%s: cannot read", path)
                        : anc_midi_file_parse(buf, n, path, song, err);
    free(buf);
    return st;
}

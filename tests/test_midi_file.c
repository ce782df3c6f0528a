/* test_midi_file.c — the MIDI file reader (tools/midi_file.h) on files written
 * here byte by byte: a type-0 file with running status and a tempo change, a
 * type-1 file whose two tracks merge in time order, note-on with velocity 0;
 * then hostile input: every truncation of a valid file, random byte damage,
 * absurd tempos, no notes, not MIDI at all. Each must load or be refused with a
 * message, never crash (the sanitizer build watches the reads). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "midi_file.h"
#include "rng.h"

typedef struct buf {
    unsigned char b[4096];
    size_t n;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void put_bytes(buf *o, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        o->b[o->n++] = (unsigned char)va_arg(ap, int);
    va_end(ap);
}
static void put_vlq(buf *o, unsigned v)
{
    unsigned char t[5];
    int k = 0;
    t[k++] = v & 0x7F;
    while (v >>= 7)
        t[k++] = (unsigned char)((v & 0x7F) | 0x80);
    while (k)
        o->b[o->n++] = t[--k];
}
static void put_be32(buf *o, unsigned v) { put_bytes(o, 4, v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255); }

static void header(buf *o, int format, int tracks, int ppqn)
{
    put(o, "MThd", 4);
    put_be32(o, 6);
    put_bytes(o, 6, 0, format, 0, tracks, ppqn >> 8, ppqn & 255);
}
static void track(buf *o, const buf *body)
{
    put(o, "MTrk", 4);
    put_be32(o, (unsigned)body->n);
    put(o, body->b, body->n);
}

/* Type 0, 480 ppqn: tempo 120 bpm; note 60 on at 0, off at 1 beat (0.5 s) as a
 * note-on with velocity 0 in running status; tempo 60 bpm at beat 1; note 64
 * at beat 1 (0.5 s), bend at beat 2 (1.5 s), CC 64 at beat 2, off at beat 3 (2.5 s). */
static void song_type0(buf *o)
{
    buf t = {0};
    put_vlq(&t, 0); put_bytes(&t, 6, 0xFF, 0x51, 3, 0x07, 0xA1, 0x20); /* 500000 us */
    put_vlq(&t, 0); put_bytes(&t, 3, 0x90, 60, 100);
    put_vlq(&t, 480); put_bytes(&t, 2, 60, 0);                          /* running status */
    put_vlq(&t, 0); put_bytes(&t, 6, 0xFF, 0x51, 3, 0x0F, 0x42, 0x40); /* 1000000 us */
    put_vlq(&t, 0); put_bytes(&t, 3, 0x90, 64, 90);
    put_vlq(&t, 480); put_bytes(&t, 3, 0xE0, 0x00, 0x60);
    put_vlq(&t, 0); put_bytes(&t, 3, 0xB0, 64, 127);
    put_vlq(&t, 480); put_bytes(&t, 3, 0x80, 64, 0);
    put_vlq(&t, 0); put_bytes(&t, 3, 0xFF, 0x2F, 0);
    header(o, 0, 1, 480);
    track(o, &t);
}

static void test_type0(void)
{
    buf o = {0};
    song_type0(&o);
    anc_midi_song s;
    anc_error err = {0};
    anc_status st = anc_midi_file_parse(o.b, o.n, "type0.mid", &s, &err);
    if (!check_true(st == ANC_OK, "type 0: %s", err.message))
        return;
    static const double want_t[] = {0.0, 0.5, 0.5, 1.5, 1.5, 2.5};
    static const unsigned char want[6][3] = {{0x90, 60, 100}, {0x90, 60, 0}, {0x90, 64, 90},
                                             {0xE0, 0, 0x60}, {0xB0, 64, 127}, {0x80, 64, 0}};
    int bad = s.n_events != 6;
    for (size_t i = 0; i < s.n_events && i < 6; i++) {
        bad += fabs(s.events[i].seconds - want_t[i]) > 1e-9;
        bad += memcmp(s.events[i].data, want[i], s.events[i].size) != 0;
    }
    check_true(bad == 0 && s.n_notes == 2 && fabs(s.seconds - 2.5) < 1e-9,
               "type 0: %zu events (want 6), %zu notes, %g s, %d mismatches", s.n_events,
               s.n_notes, s.seconds, bad);
    printf("type 0 (running status, tempo change): %zu events, %zu notes, %.3f s, %d mismatches\n",
           s.n_events, s.n_notes, s.seconds, bad);
    anc_midi_song_clear(&s);
}

static void test_type1(void)
{
    buf o = {0}, a = {0}, b = {0};
    put_vlq(&a, 0); put_bytes(&a, 6, 0xFF, 0x51, 3, 0x07, 0xA1, 0x20);
    put_vlq(&a, 96); put_bytes(&a, 3, 0x91, 50, 80);   /* 0.5 s at 96 ppqn, 120 bpm */
    put_vlq(&a, 96); put_bytes(&a, 3, 0x81, 50, 0);
    put_vlq(&a, 0); put_bytes(&a, 3, 0xFF, 0x2F, 0);
    put_vlq(&b, 48); put_bytes(&b, 3, 0x92, 70, 60);   /* 0.25 s */
    put_vlq(&b, 96); put_bytes(&b, 3, 0x82, 70, 0);    /* 0.75 s */
    put_vlq(&b, 0); put_bytes(&b, 3, 0xFF, 0x2F, 0);
    header(&o, 1, 2, 96);
    track(&o, &a);
    track(&o, &b);
    anc_midi_song s;
    anc_error err = {0};
    if (!check_true(anc_midi_file_parse(o.b, o.n, "type1.mid", &s, &err) == ANC_OK, "type 1: %s",
                    err.message))
        return;
    static const double want_t[] = {0.25, 0.5, 0.75, 1.0};
    static const int want_note[] = {70, 50, 70, 50};
    int bad = s.n_events != 4;
    for (size_t i = 0; i < s.n_events && i < 4; i++)
        bad += fabs(s.events[i].seconds - want_t[i]) > 1e-9 || s.events[i].data[1] != want_note[i];
    check_true(bad == 0, "type 1: tracks not merged in time order (%d mismatches)", bad);
    printf("type 1 (two tracks merged): %zu events, %d mismatches\n", s.n_events, bad);
    anc_midi_song_clear(&s);
}

static void test_hostile(void)
{
    buf o = {0};
    song_type0(&o);
    anc_midi_song s;
    anc_error err = {0};
    int loaded = 0, refused = 0, no_message = 0;
    for (size_t n = 0; n < o.n; n++) {
        anc_status st = anc_midi_file_parse(o.b, n, "cut.mid", &s, &err);
        if (st == ANC_OK) {
            loaded++;
            anc_midi_song_clear(&s);
        } else {
            refused++;
            no_message += err.message[0] == 0;
        }
    }
    printf("truncations: %zu lengths, %d loaded, %d refused (no end-of-track event)\n", o.n,
           loaded, refused);
    anc_rng rng;
    anc_rng_seed(&rng, 99);
    int dl = 0, dr = 0;
    for (int k = 0; k < 20000; k++) {
        buf d = o;
        int flips = 1 + (int)anc_rng_below(&rng, 4);
        for (int f = 0; f < flips; f++)
            d.b[anc_rng_below(&rng, d.n)] = (unsigned char)anc_rng_below(&rng, 256);
        err.message[0] = 0;
        if (anc_midi_file_parse(d.b, d.n, "damaged.mid", &s, &err) == ANC_OK) {
            dl++;
            int bad = 0;
            for (size_t i = 0; i < s.n_events; i++)
                bad += !isfinite(s.events[i].seconds) || s.events[i].data[0] < 0x80 ||
                       s.events[i].data[1] > 127 || s.events[i].data[2] > 127;
            check_true(bad == 0, "damaged file loaded with %d bad events", bad);
            anc_midi_song_clear(&s);
        } else {
            dr++;
            no_message += err.message[0] == 0;
        }
    }
    printf("damage: 20000 files, %d loaded, %d refused\n", dl, dr);
    check_true(no_message == 0, "%d refusals without a message", no_message);

    static const char *not_midi = "RIFF....WAVEfmt ";
    check_true(anc_midi_file_parse(not_midi, 16, "x.wav", &s, &err) == ANC_E_FORMAT,
               "a WAV header is not MIDI");
    printf("not MIDI: %s\n", err.message);
    buf e = {0}, t = {0};
    put_vlq(&t, 0); put_bytes(&t, 3, 0xB0, 7, 100);
    put_vlq(&t, 0); put_bytes(&t, 3, 0xFF, 0x2F, 0);
    header(&e, 0, 1, 480);
    track(&e, &t);
    check_true(anc_midi_file_parse(e.b, e.n, "silent.mid", &s, &err) == ANC_E_INVALID,
               "a file without notes is refused");
    printf("no notes: %s\n", err.message);
    check_true(anc_midi_file_read("/nonexistent/ancestral.mid", &s, &err) == ANC_E_IO,
               "a missing file is an I/O error");
    printf("missing: %s\n", err.message);
}

int main(void)
{
    test_type0();
    test_type1();
    test_hostile();
    return check_exit();
}

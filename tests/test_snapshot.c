/* test_snapshot.c — the display snapshot (core/snapshot.h) and the synth
 * engine's hand-over to it (anc_engine_snapshot).
 *
 * Checks, each printing its figures:
 *  1. bands: one bin of magnitude 1 at 1 kHz reads 0 dB in the band that holds
 *     1 kHz and the floor two bands away; gain 0.5 reads -6.02 dB; bands
 *     narrower than a bin take the magnitude interpolated at their centre;
 *     bands above the last bin, NaN, negative and Inf magnitudes read the floor;
 *  2. the triple buffer: before any publish the reader sees a silent frame; it
 *     always gets the newest published frame, keeps it while nothing newer
 *     comes, and the writer never gets the frame the reader holds;
 *  3. a writer thread publishing frames while a reader thread reads, until the
 *     reader has seen 20000 different ones (or 5 s; at least 100 needed):
 *     every frame the reader sees is whole (all its fields from one publish),
 *     its serial never goes back, and once the writer stops the reader gets
 *     the last frame published;
 *  4. the engine (a pitch-relative model that decodes a harmonic tone): note
 *     69 sounds as voice 0 at 440 Hz with a level, the spectrum's loudest band
 *     is the one of 440 Hz, the auto drone's mark goes out once its release
 *     ends; gain -60 dB lowers the loudest band by 60 dB; all voices off
 *     leaves every band at the floor and every mark at 0; no heap call in
 *     anc_engine_snapshot(). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc_count.h"
#include "check.h"
#include "engine.h"
#include "snapshot.h"
#include "synth_model.h"

static int band_of(double hz)
{
    for (int b = 0; b < ANC_SNAPSHOT_BANDS; b++)
        if (hz >= anc_snapshot_band_hz(b) && hz < anc_snapshot_band_hz(b + 1))
            return b;
    return -1;
}

static int loudest(const anc_snapshot_frame *f)
{
    int best = 0;
    for (int b = 1; b < ANC_SNAPSHOT_BANDS; b++)
        if (f->band_db[b] > f->band_db[best])
            best = b;
    return best;
}

static void test_bands(void)
{
    enum { N = 1025 };
    static float mag[N];
    const double bin_hz = 48000.0 / 2048.0; /* 23.4 Hz */
    anc_snapshot_frame f;
    anc_snapshot_frame_clear(&f);
    const int k = 1000; /* bin k at k * bin_hz; pick the bin nearest 1 kHz */
    const int bin = (int)lround(k / bin_hz);
    mag[bin] = 1.0f;
    anc_snapshot_set_spectrum(&f, mag, N, bin_hz, 1.0f);
    const int b = band_of(bin * bin_hz);
    printf("1 kHz bin (%.1f Hz) -> band %d (%.1f .. %.1f Hz): %.3f dB; band %d: %.1f dB\n",
           bin * bin_hz, b, anc_snapshot_band_hz(b), anc_snapshot_band_hz(b + 1),
           (double)f.band_db[b], b + 2, (double)f.band_db[b + 2]);
    check_true(b >= 0 && fabsf(f.band_db[b]) < 1e-4f, "the 1 kHz band reads %.4f dB",
               b >= 0 ? (double)f.band_db[b] : NAN);
    check_true(f.band_db[b + 2] == ANC_SNAPSHOT_FLOOR_DB && f.band_db[b - 2] == ANC_SNAPSHOT_FLOOR_DB,
               "bands two away read %.1f and %.1f dB", (double)f.band_db[b - 2],
               (double)f.band_db[b + 2]);
    anc_snapshot_set_spectrum(&f, mag, N, bin_hz, 0.5f);
    check_true(fabsf(f.band_db[b] + 6.0206f) < 1e-3f, "gain 0.5 reads %.4f dB", (double)f.band_db[b]);

    /* Bands narrower than a bin: bins 1 and 2 at 0.1 and 0.3; the band around
     * 1.5 bins (35 Hz) reads the value interpolated at its centre. */
    memset(mag, 0, sizeof mag);
    mag[1] = 0.1f;
    mag[2] = 0.3f;
    anc_snapshot_set_spectrum(&f, mag, N, bin_hz, 1.0f);
    int worst_b = -1;
    double worst = 0.0;
    for (int i = 0; i < ANC_SNAPSHOT_BANDS; i++) {
        double lo = anc_snapshot_band_hz(i), hi = anc_snapshot_band_hz(i + 1);
        if (ceil(lo / bin_hz) < ceil(hi / bin_hz))
            continue; /* holds a bin */
        double x = sqrt(lo * hi) / bin_hz;
        double want = 0.0;
        if (x >= 1.0 && x <= 2.0)
            want = 0.1 + (x - 1.0) * 0.2;
        else if (x < 1.0)
            want = x * 0.1;
        else if (x <= 3.0)
            want = 0.3 * (3.0 - x);
        if (want <= 1e-6)
            continue;
        double d = fabs(f.band_db[i] - 20.0 * log10(want));
        if (d > worst) {
            worst = d;
            worst_b = i;
        }
    }
    printf("bands narrower than a bin against interpolation: worst %.2g dB (band %d)\n", worst,
           worst_b);
    check_true(worst_b >= 0 && worst < 1e-3, "interpolated bands off by %.3g dB", worst);

    /* Above the last bin, and garbage. */
    for (int i = 0; i < N; i++)
        mag[i] = 1.0f;
    anc_snapshot_set_spectrum(&f, mag, 100, bin_hz, 1.0f); /* bins up to 2.3 kHz */
    const int above = band_of(3000.0);
    check_true(f.band_db[above] == ANC_SNAPSHOT_FLOOR_DB && f.band_db[band_of(1000.0)] == 0.0f,
               "100 bins: 3 kHz band %.1f dB, 1 kHz band %.1f dB", (double)f.band_db[above],
               (double)f.band_db[band_of(1000.0)]);
    mag[bin] = NAN;
    mag[bin + 1] = -1.0f;
    mag[bin - 1] = INFINITY;
    for (int i = 0; i < N; i++)
        if (i < bin - 1 || i > bin + 1)
            mag[i] = 0.0f;
    anc_snapshot_set_spectrum(&f, mag, N, bin_hz, 1.0f);
    int bad = 0;
    for (int i = 0; i < ANC_SNAPSHOT_BANDS; i++)
        bad += !(f.band_db[i] == ANC_SNAPSHOT_FLOOR_DB);
    check_true(bad == 0, "NaN, -1 and Inf bins: %d bands above the floor", bad);
    anc_snapshot_set_spectrum(&f, NULL, 0, bin_hz, 1.0f);
    check_true(f.band_db[0] == ANC_SNAPSHOT_FLOOR_DB, "no bins: not the floor");
    if (!check_failures)
        printf("ok bands\n");
}

static void fill(anc_snapshot_frame *f, int v)
{
    for (int b = 0; b < ANC_SNAPSHOT_BANDS; b++)
        f->band_db[b] = (float)v;
    f->n_voices = v % (ANC_SNAPSHOT_VOICES + 1);
    for (int i = 0; i < ANC_SNAPSHOT_VOICES; i++) {
        f->voice_level[i] = (float)v;
        f->voice_hz[i] = (float)v;
        f->voice_kind[i] = v;
    }
}

/* Whether every field of f holds v (n_voices as fill() sets it). */
static int whole(const anc_snapshot_frame *f, int v)
{
    int ok = f->n_voices == v % (ANC_SNAPSHOT_VOICES + 1);
    for (int b = 0; b < ANC_SNAPSHOT_BANDS; b++)
        ok &= f->band_db[b] == (float)v;
    for (int i = 0; i < ANC_SNAPSHOT_VOICES; i++)
        ok &= f->voice_level[i] == (float)v && f->voice_hz[i] == (float)v && f->voice_kind[i] == v;
    return ok;
}

static void test_triple(void)
{
    static anc_snapshot s;
    anc_snapshot_init(&s);
    const anc_snapshot_frame *r = anc_snapshot_read(&s);
    check_true(r->serial == 0 && r->band_db[0] == ANC_SNAPSHOT_FLOOR_DB && r->n_voices == 0,
               "before any publish: serial %u, band 0 %.1f dB", r->serial, (double)r->band_db[0]);
    for (int v = 1; v <= 3; v++) {
        fill(anc_snapshot_back(&s), v);
        anc_snapshot_publish(&s);
    }
    r = anc_snapshot_read(&s);
    check_true(r->serial == 3 && whole(r, 3), "after 3 publishes the reader has serial %u",
               r->serial);
    const anc_snapshot_frame *again = anc_snapshot_read(&s);
    check_true(again == r && again->serial == 3, "nothing new: the reader's frame changed");
    for (int v = 4; v <= 6; v++) {
        anc_snapshot_frame *w = anc_snapshot_back(&s);
        check_true(w != r, "the writer got the frame the reader holds (publish %d)", v);
        fill(w, v);
        anc_snapshot_publish(&s);
        check_true(whole(r, 3), "the reader's frame changed under it (publish %d)", v);
    }
    r = anc_snapshot_read(&s);
    check_true(r->serial == 6 && whole(r, 6), "the reader has serial %u, not the newest 6",
               r->serial);
    if (!check_failures)
        printf("ok triple buffer: newest frame, reader's frame untouched\n");
}

/* The race runs until the reader has seen RACE_DISTINCT different frames, or
 * for RACE_SECONDS; it needs at least RACE_MIN_DISTINCT to have raced at all. */
#define RACE_DISTINCT 20000
#define RACE_MIN_DISTINCT 100
#define RACE_SECONDS 5.0
static anc_snapshot race;
static atomic_int race_stop;
static atomic_int race_published;

static void *race_writer(void *arg)
{
    (void)arg;
    int v = 0;
    while (!atomic_load_explicit(&race_stop, memory_order_relaxed) && v < 2000000000) {
        fill(anc_snapshot_back(&race), ++v);
        anc_snapshot_publish(&race);
    }
    atomic_store(&race_published, v);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void test_race(void)
{
    anc_snapshot_init(&race);
    atomic_init(&race_stop, 0);
    atomic_init(&race_published, 0);
    pthread_t t;
    if (!check_true(pthread_create(&t, NULL, race_writer, NULL) == 0, "no writer thread"))
        return;
    unsigned long reads = 0, distinct = 0, torn = 0, backwards = 0;
    uint32_t last = 0;
    const double t0 = now_s();
    while (distinct < RACE_DISTINCT && (reads & 1023 || now_s() - t0 < RACE_SECONDS)) {
        const anc_snapshot_frame *f = anc_snapshot_read(&race);
        reads++;
        if (f->serial != last) {
            distinct++;
            if (f->serial < last)
                backwards++;
            last = f->serial;
        }
        if (f->serial && !whole(f, (int)f->serial))
            torn++;
    }
    atomic_store(&race_stop, 1);
    pthread_join(t, NULL);
    const int published = atomic_load(&race_published);
    const anc_snapshot_frame *f = anc_snapshot_read(&race);
    printf("race: %d frames published in %.2f s, %lu reads, %lu distinct frames seen, %lu torn, "
           "%lu backwards; after the writer stopped the reader has serial %u\n",
           published, now_s() - t0, reads, distinct, torn, backwards, f->serial);
    check_true(torn == 0 && backwards == 0, "race: %lu torn frames, %lu steps back", torn,
               backwards);
    check_true(distinct >= RACE_MIN_DISTINCT, "race: only %lu distinct frames seen", distinct);
    check_true(f->serial == (uint32_t)published && whole(f, published),
               "race: the newest frame %d is not what the reader gets (%u)", published, f->serial);
}

static void render(anc_engine *e, double seconds)
{
    static float buf[256];
    for (long n = (long)(seconds * 48000.0); n > 0; n -= 256)
        anc_engine_process(e, buf, 256);
}

static void test_engine(void)
{
    anc_model *m = synth_relative_model(48000, 2048);
    anc_engine *e = NULL;
    anc_error err;
    if (!check_true(m && anc_engine_create(&e, m, 48000.0, 5, &err) == ANC_OK, "engine: %s",
                    m ? err.message : "no model")) {
        anc_model_free(m);
        return;
    }
    anc_model_free(m);
    anc_engine_params p;
    anc_engine_params_default(&p);
    anc_engine_set_params(e, &p);
    anc_engine_reset(e);
    render(e, 0.3); /* the auto drone at note 60 */
    anc_snapshot_frame f;
    anc_engine_snapshot(e, &f);
    printf("drone: voice 8 level %.3f at %.1f Hz, loudest band %d (%.1f dB)\n",
           (double)f.voice_level[8], (double)f.voice_hz[8], loudest(&f),
           (double)f.band_db[loudest(&f)]);
    check_true(f.n_voices == 9 && f.voice_kind[8] == ANC_SNAPSHOT_DRONE && f.voice_level[8] > 0.5f &&
                   fabsf(f.voice_hz[8] - 261.63f) < 0.5f && f.voice_level[0] == 0.0f,
               "drone mark wrong");
    check_true(abs(loudest(&f) - band_of(261.63)) <= 1, "drone: loudest band %d, 261.6 Hz is in %d",
               loudest(&f), band_of(261.63));

    const uint8_t on[3] = {0x90, 69, 100};
    anc_engine_midi(e, on, 3);
    render(e, 0.5); /* the drone's release (0.3 s) ends */
    anc_alloc_watch(1);
    unsigned long a0 = anc_alloc_count();
    anc_engine_snapshot(e, &f);
    unsigned long allocs = anc_alloc_count() - a0;
    anc_alloc_watch(0);
    const int lb = loudest(&f);
    const float loud = f.band_db[lb];
    printf("note 69 vel 100: voice 0 level %.3f at %.2f Hz, drone %.3f; loudest band %d "
           "(%.1f .. %.1f Hz) at %.1f dB; %lu heap calls\n",
           (double)f.voice_level[0], (double)f.voice_hz[0], (double)f.voice_level[8], lb,
           anc_snapshot_band_hz(lb), anc_snapshot_band_hz(lb + 1), (double)loud, allocs);
    check_true(f.voice_kind[0] == ANC_SNAPSHOT_NOTE && fabsf(f.voice_hz[0] - 440.0f) < 0.5f &&
                   f.voice_level[0] > 0.5f * 100.0f / 127.0f && f.voice_level[0] <= 100.0f / 127.0f,
               "note mark wrong");
    check_true(f.voice_level[8] == 0.0f, "the drone still sounds after a note");
    check_true(abs(lb - band_of(440.0)) <= 1, "loudest band %d, 440 Hz is in %d", lb,
               band_of(440.0));
    check_true(allocs == 0 && anc_alloc_counting(NULL), "anc_engine_snapshot: %lu heap calls",
               allocs);

    p.gain_db = -60.0f;
    anc_engine_set_params(e, &p);
    render(e, 0.2);
    anc_engine_snapshot(e, &f);
    printf("gain -60 dB: loudest band %.2f dB (%.2f dB lower)\n", (double)f.band_db[lb],
           (double)(loud - f.band_db[lb]));
    check_true(fabsf(loud - f.band_db[lb] - 60.0f) < 1.0f, "gain -60 dB moved the band by %.2f dB",
               (double)(loud - f.band_db[lb]));

    const uint8_t off[3] = {0x80, 69, 0};
    anc_engine_midi(e, off, 3);
    render(e, 1.0);
    anc_engine_snapshot(e, &f);
    int lit = 0, above = 0;
    for (int i = 0; i < f.n_voices; i++)
        lit += f.voice_level[i] != 0.0f;
    for (int b = 0; b < ANC_SNAPSHOT_BANDS; b++)
        above += f.band_db[b] != ANC_SNAPSHOT_FLOOR_DB;
    printf("all released: %d marks lit, %d bands above the floor\n", lit, above);
    check_true(lit == 0 && above == 0, "silence: %d marks, %d bands", lit, above);
    anc_engine_free(e);
}

int main(void)
{
    test_bands();
    test_triple();
    test_race();
    test_engine();
    return check_exit();
}

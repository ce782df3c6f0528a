/* test_plugin_display.c — a plugin's inline display (Ardour's
 * http://harrisonconsoles.com/lv2/inlinedisplay) through lilv
 * (tools/lv2_host.h), the way Ardour uses it: the interface found because the
 * Turtle lists it, the queue_draw feature given, render() called from another
 * thread than run().
 *
 *   test_plugin_display [PLUGIN_URI]  (the synth by default; LV2_PATH names the
 *                                      folder of ancestral.lv2; ANC_DISPLAY_DUMP=DIR
 *                                      writes the pictures as PPM)
 *
 * The transfer effect (urn:ancestral:transfer) plays a sine at TONE_HZ through
 * its input wherever the synth plays its drone, and silence where the synth's
 * drone is off; its check 4 is the input's pitch mark instead of a note.
 *
 * Checks, each printing its figures:
 *  1. render() before any run() and at 40x20, 120x60, 400x200 and with max_h
 *     below half the width (400x100, 200x30, 120x8), 1x1, and 5000x5000: the
 *     picture is at most the size offered, as wide as offered (up to 2048) and
 *     half as high (or max_h), stride >= 4 x width, every pixel a valid
 *     premultiplied ARGB32 value (no channel above alpha); width or max_h 0
 *     gives NULL;
 *  2. with the default model playing, every size shows something: at least 3
 *     colours, and at least a quarter of the columns differ from the empty
 *     picture's;
 *  3. z1 = -3 against z1 = +3, after 1 s of audio each: the pictures differ
 *     (over 1 % of the pixels at 120x60), while two renders 0.5 s apart at the
 *     same z1 differ less than a fifth of that;
 *  4. synth: a MIDI note changes the picture, and the lamp row at the top with
 *     it; transfer: the input's mark (the bar in the bottom strip) sits at the
 *     column of the input's pitch within a pixel, for a 220 Hz and a 440 Hz
 *     tone, and moves by an octave's width between them;
 *  5. queue_draw(): with z1 moving, 30 calls per second of audio (+-1) at
 *     blocks of 1 and 256, at most one per run() at blocks of 4096; synth: with
 *     a steady drone (z1 settled for 1 s: its last float steps still move the
 *     spectrum) less than a quarter of that (the transfer effect's steady tone
 *     is printed only: its spectrum follows the input's level frame by frame);
 *     in silence none (an unchanged picture is not drawn again);
 *  6. render() on a second thread, at changing sizes, all the while the audio
 *     thread runs 3 s of cycles with z1 and notes (transfer: the tone's pitch)
 *     changing: every picture valid, output finite, no heap call inside run(). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "check.h"
#include "lv2_host.h"
#include "controls.h"

#define RATE 48000
#define SETTLE_CYCLES 100000
#define MAX_BLOCK 4096
#define TONE_HZ 220.0

static anc_host_world *world;
static const anc_host_alloc_counter alloc_counter = {anc_alloc_watch, anc_alloc_count};

/* The transfer effect is under test: it gets the tone below as its input. */
static int transfer;
static double tone_hz = TONE_HZ, tone_amp = 0.5, tone_phase;

/* One run() of n frames (<= MAX_BLOCK) into out (NULL: the host's scratch);
 * the transfer effect reads the next n samples of the tone. */
static void run_block(anc_host *h, float *out, uint32_t n)
{
    static float in[MAX_BLOCK];
    if (!transfer) {
        anc_host_run(h, out, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        in[i] = (float)(tone_amp * sin(tone_phase));
        tone_phase = fmod(tone_phase + 2.0 * M_PI * tone_hz / RATE, 2.0 * M_PI);
    }
    anc_host_run_input(h, in, out, n);
}

/* An instance that has not run yet. */
static anc_host *make_idle(uint32_t block)
{
    anc_host_config c;
    anc_host_config_default(&c);
    c.alloc_counter = &alloc_counter;
    c.sample_rate = RATE;
    c.max_block = block;
    c.echo_log = getenv("ANC_TEST_VERBOSE") != NULL;
    char err[1024] = "";
    anc_host *h = anc_host_new(world, &c, err, sizeof err);
    check_true(h != NULL, "instantiate: %s", err);
    return h;
}

/* An activated instance playing the default model (the bundle's default state). */
static anc_host *make(uint32_t block)
{
    anc_host *h = make_idle(block);
    if (!h)
        return NULL;
    anc_host_activate(h);
    if (!check_true(anc_host_settle(h, block, SETTLE_CYCLES) > 0, "default model did not load")) {
        anc_host_free(h);
        return NULL;
    }
    return h;
}

static void run_seconds(anc_host *h, double s, uint32_t block)
{
    for (long n = lround(s * RATE); n > 0; n -= block)
        run_block(h, NULL, n < (long)block ? (uint32_t)n : block);
}

/* A picture copied out of the plugin. */
typedef struct {
    int w, h;
    uint32_t *px; /* w * h */
} picture;

static void picture_free(picture *p)
{
    free(p->px);
    p->px = NULL;
}

/* The picture's size and pixels are what the extension allows and what the
 * display promises for (w, max_h). 0 with a message if not. */
static int valid(const anc_host_image *img, uint32_t w, uint32_t max_h, char *why, size_t n)
{
    const uint32_t want_w = w > 2048 ? 2048 : w;
    uint32_t want_h = (want_w + 1) / 2;
    want_h = want_h > max_h ? max_h : want_h;
    want_h = want_h > 1024 ? 1024 : want_h;
    if (!img->data || img->width < 1 || img->height < 1 || (uint32_t)img->width > w ||
        (uint32_t)img->height > max_h) {
        snprintf(why, n, "%dx%d offered %ux%u", img->width, img->height, w, max_h);
        return 0;
    }
    if ((uint32_t)img->width != want_w || (uint32_t)img->height != want_h) {
        snprintf(why, n, "%dx%d, the display promises %ux%u", img->width, img->height, want_w,
                 want_h);
        return 0;
    }
    if (img->stride < 4 * img->width || img->stride % 4) {
        snprintf(why, n, "stride %d for width %d", img->stride, img->width);
        return 0;
    }
    for (int y = 0; y < img->height; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(img->data + (size_t)y * img->stride);
        for (int x = 0; x < img->width; x++) {
            uint32_t a = row[x] >> 24, r = (row[x] >> 16) & 255, g = (row[x] >> 8) & 255,
                     b = row[x] & 255;
            if (r > a || g > a || b > a) {
                snprintf(why, n, "pixel (%d, %d) = %08x is not premultiplied", x, y, row[x]);
                return 0;
            }
        }
    }
    return 1;
}

static void dump(const picture *p, const char *name)
{
    const char *dir = getenv("ANC_DISPLAY_DUMP");
    if (!dir)
        return;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s.ppm", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fprintf(f, "P6\n%d %d\n255\n", p->w, p->h);
    for (int i = 0; i < p->w * p->h; i++) {
        unsigned char rgb[3] = {(unsigned char)(p->px[i] >> 16), (unsigned char)(p->px[i] >> 8),
                                (unsigned char)p->px[i]};
        fwrite(rgb, 1, 3, f);
    }
    fclose(f);
}

/* Renders at w x max_h, checks the picture and copies it into p. */
static int grab(anc_host *h, uint32_t w, uint32_t max_h, picture *p, const char *name)
{
    anc_host_image img;
    char why[256] = "";
    p->px = NULL;
    int rc = anc_host_render_inline(h, w, max_h, &img);
    if (!check_true(rc == 0, "render(%u, %u) returned %s", w, max_h, rc < 0 ? "no display" : "NULL"))
        return 0;
    if (!check_true(valid(&img, w, max_h, why, sizeof why), "render(%u, %u): %s", w, max_h, why))
        return 0;
    p->w = img.width;
    p->h = img.height;
    p->px = malloc(sizeof *p->px * (size_t)p->w * (size_t)p->h);
    if (!check_true(p->px != NULL, "out of memory"))
        return 0;
    for (int y = 0; y < p->h; y++)
        memcpy(p->px + (size_t)y * p->w, img.data + (size_t)y * img.stride, 4 * (size_t)p->w);
    if (name)
        dump(p, name);
    return 1;
}

static int colours(const picture *p)
{
    uint32_t seen[64];
    int n = 0;
    for (int i = 0; i < p->w * p->h && n < 64; i++) {
        int k = 0;
        while (k < n && seen[k] != p->px[i])
            k++;
        if (k == n)
            seen[n++] = p->px[i];
    }
    return n;
}

/* Pixels that differ, in rows y0 .. y1 - 1 (whole picture: 0, h). */
static long differ(const picture *a, const picture *b, int y0, int y1)
{
    if (a->w != b->w || a->h != b->h)
        return -1;
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = 0; x < a->w; x++)
            n += a->px[(size_t)y * a->w + x] != b->px[(size_t)y * a->w + x];
    return n;
}

/* Columns where a and b differ anywhere. */
static int columns_differ(const picture *a, const picture *b)
{
    int n = 0;
    for (int x = 0; x < a->w; x++) {
        int d = 0;
        for (int y = 0; y < a->h; y++)
            d |= a->px[(size_t)y * a->w + x] != b->px[(size_t)y * a->w + x];
        n += d;
    }
    return n;
}

static const uint32_t sizes[][2] = {{40, 20}, {120, 60}, {400, 200}, {400, 100}, {200, 30},
                                    {120, 8}, {1, 1},    {5000, 5000}};
#define N_SIZES (sizeof sizes / sizeof sizes[0])

static void test_sizes(void)
{
    anc_host *h = make_idle(256);
    if (!h)
        return;
    check_true(anc_host_has_inline_display(h), "no inline display (extensionData or render missing)");
    anc_host_image img;
    check_true(anc_host_render_inline(h, 0, 60, &img) == 1, "render(0, 60) is not NULL");
    check_true(anc_host_render_inline(h, 120, 0, &img) == 1, "render(120, 0) is not NULL");
    picture empty[N_SIZES];
    int ok = 1;
    for (size_t i = 0; i < N_SIZES; i++) /* before any run(): an empty picture */
        ok &= grab(h, sizes[i][0], sizes[i][1], &empty[i], NULL);
    if (!ok) {
        anc_host_free(h);
        return;
    }
    anc_host_activate(h);
    check_true(anc_host_settle(h, 256, SETTLE_CYCLES) > 0, "default model did not load");
    anc_host_set_control_sym(h, "z1", -3.0f);
    run_seconds(h, 1.0, 256);
    for (size_t i = 0; i < N_SIZES; i++) {
        picture p;
        char name[64];
        snprintf(name, sizeof name, "default_%ux%u", sizes[i][0], sizes[i][1]);
        if (!grab(h, sizes[i][0], sizes[i][1], &p, name))
            continue;
        int c = colours(&p), cols = columns_differ(&p, &empty[i]);
        printf("render(%u, %u): %dx%d, %d colours, %d of %d columns differ from the empty picture\n",
               sizes[i][0], sizes[i][1], p.w, p.h, c, cols, p.w);
        if (p.w >= 8 && p.h >= 8)
            check_true(c >= 3 && cols * 4 >= p.w, "render(%u, %u) shows nothing: %d colours, %d columns",
                       sizes[i][0], sizes[i][1], c, cols);
        picture_free(&p);
    }
    for (size_t i = 0; i < N_SIZES; i++)
        picture_free(&empty[i]);
    anc_host_free(h);
}

/* Synth: a note (the auto drone gives way to voice 0 at A4) changes the
 * picture b, and its lamp rows. */
static void check_note(anc_host *h, const picture *b)
{
    picture n;
    const uint8_t on[3] = {0x90, 69, 127};
    anc_host_send_midi(h, 0, on, 3);
    run_seconds(h, 0.6, 256);
    if (grab(h, 120, 60, &n, "note_69")) {
        long all = differ(b, &n, 0, b->h), top = differ(b, &n, 0, 8);
        printf("note 69: %ld pixels differ, %ld of them in the lamp rows (top 8)\n", all, top);
        check_true(all > 0 && top > 0, "a note does not show: %ld pixels, %ld in the lamps", all, top);
        picture_free(&n);
    }
}

/* The input mark's colour (inline_display.c's ANC_SNAPSHOT_INPUT). */
#define INPUT_COLOUR 0xFFFF6F8Cu

/* Centre column of the input's bar in the picture's bottom row; -1 if none. */
static double mark_column(const picture *p)
{
    const uint32_t *row = p->px + (size_t)(p->h - 1) * p->w;
    double sum = 0.0;
    int n = 0;
    for (int x = 0; x < p->w; x++)
        if (row[x] == INPUT_COLOUR) {
            sum += x;
            n++;
        }
    return n ? sum / n : -1.0;
}

/* Transfer: the input's mark sits at the column of the tone's pitch (as the
 * display places it: the log-frequency axis, truncated) for 220 and 440 Hz. */
static void check_pitch_mark(anc_host *h)
{
    const double hz[2] = {220.0, 440.0};
    double at[2];
    for (int i = 0; i < 2; i++) {
        picture p;
        char name[64];
        tone_hz = hz[i];
        run_seconds(h, 0.5, 256);
        snprintf(name, sizeof name, "input_%.0f", hz[i]);
        at[i] = -1.0;
        if (grab(h, 400, 200, &p, name)) {
            at[i] = mark_column(&p);
            const double want = floor(log(hz[i] / 20.0) / log(1000.0) * p.w);
            printf("input %.0f Hz: mark at column %.1f, the pitch's column %.0f\n", hz[i], at[i],
                   want);
            check_true(at[i] >= 0.0 && fabs(at[i] - want) <= 1.0,
                       "input %.0f Hz: mark at column %.1f, want %.0f +-1", hz[i], at[i], want);
            picture_free(&p);
        }
    }
    const double octave = log(2.0) / log(1000.0) * 400;
    printf("220 -> 440 Hz: the mark moves %.1f columns (an octave: %.1f)\n", at[1] - at[0], octave);
    check_true(at[0] >= 0.0 && at[1] >= 0.0 && fabs(at[1] - at[0] - octave) <= 2.0,
               "the mark does not follow the input: %.1f -> %.1f", at[0], at[1]);
    tone_hz = TONE_HZ;
}

static void test_knob_and_note(void)
{
    anc_host *h = make(256);
    if (!h)
        return;
    picture a1, a2, b;
    anc_host_set_control_sym(h, "z1", -3.0f);
    run_seconds(h, 1.0, 256);
    int ok = grab(h, 120, 60, &a1, "z1_minus3");
    run_seconds(h, 0.5, 256);
    ok &= grab(h, 120, 60, &a2, "z1_minus3_later");
    anc_host_set_control_sym(h, "z1", 3.0f);
    run_seconds(h, 1.0, 256);
    ok &= grab(h, 120, 60, &b, "z1_plus3");
    if (ok) {
        long same = differ(&a1, &a2, 0, a1.h), knob = differ(&a1, &b, 0, a1.h);
        long total = (long)a1.w * a1.h;
        printf("z1 -3 vs +3: %ld of %ld pixels differ (%.1f %%); z1 -3 0.5 s apart: %ld\n", knob,
               total, 100.0 * knob / total, same);
        check_true(knob * 100 > total, "z1 -3 vs +3: only %ld of %ld pixels differ", knob, total);
        check_true(same * 5 < knob, "the picture moves by itself: %ld pixels against %ld", same,
                   knob);
    }
    if (transfer) {
        if (ok)
            check_pitch_mark(h);
    } else if (ok) {
        check_note(h, &b);
    }
    picture_free(&a1);
    picture_free(&a2);
    picture_free(&b);
    anc_host_free(h);
}

/* Runs s seconds in blocks of block, z1 swinging between -3 and +3 every 0.05 s
 * when swing is set; the queue_draw() calls made meanwhile. */
static unsigned long draws_in(anc_host *h, double s, uint32_t block, int swing)
{
    unsigned long q0 = anc_host_queue_draws(h);
    long done = 0, total = lround(s * RATE);
    while (done < total) {
        if (swing)
            anc_host_set_control_sym(h, "z1", (done / (RATE / 20)) % 2 ? 3.0f : -3.0f);
        uint32_t n = total - done < (long)block ? (uint32_t)(total - done) : block;
        run_block(h, NULL, n);
        done += n;
    }
    return anc_host_queue_draws(h) - q0;
}

static void test_queue_draw(void)
{
    const uint32_t blocks[] = {1, 256, 4096};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        anc_host *h = make(blocks[i]);
        if (!h)
            continue;
        unsigned long c0 = anc_host_run_calls(h);
        unsigned long q = draws_in(h, 2.0, blocks[i], 1);
        unsigned long calls = anc_host_run_calls(h) - c0;
        anc_host_set_control_sym(h, "z1", 0.0f);
        draws_in(h, 1.0, blocks[i], 0); /* the glide settles */
        unsigned long steady = draws_in(h, 2.0, blocks[i], 0);
        if (transfer)
            tone_amp = 0.0;
        else
            anc_host_set_control_sym(h, "drone", 0.0f);
        draws_in(h, 1.0, blocks[i], 0); /* the drone's release, the transfer's tail */
        unsigned long silent = draws_in(h, 2.0, blocks[i], 0);
        printf("block %u: queue_draw calls in 2 s: %lu with z1 moving (%lu run() calls), %lu with "
               "a steady %s, %lu in silence\n",
               blocks[i], q, calls, steady, transfer ? "tone" : "drone", silent);
        if (blocks[i] * 30u <= RATE)
            check_true(q >= 59 && q <= 61, "block %u: %lu queue_draw calls in 2 s, want 60 +-1",
                       blocks[i], q);
        else
            check_true(q >= 1 && q <= calls && q <= 60, "block %u: %lu queue_draw calls in %lu runs",
                       blocks[i], q, calls);
        check_true((transfer || steady * 4 < q) && silent == 0,
                   "block %u: an unchanging picture is drawn again (%lu steady, %lu silent)",
                   blocks[i], steady, silent);
        tone_amp = 0.5;
        anc_host_free(h);
    }
}

typedef struct {
    anc_host *h;
    atomic_int stop;
    unsigned long renders, invalid;
    unsigned long sum; /* every pixel read, so a sanitizer sees a bad buffer */
} render_job;

static void *render_thread(void *arg)
{
    render_job *j = arg;
    char why[256];
    for (size_t i = 0; !atomic_load(&j->stop); i++) {
        const uint32_t *s = sizes[i % N_SIZES];
        if (s[0] > 1000)
            continue;
        anc_host_image img;
        if (anc_host_render_inline(j->h, s[0], s[1], &img) != 0 ||
            !valid(&img, s[0], s[1], why, sizeof why)) {
            j->invalid++;
            continue;
        }
        for (int y = 0; y < img.height; y++)
            for (int x = 0; x < img.width; x++)
                j->sum += img.data[(size_t)y * img.stride + 4 * (size_t)x];
        j->renders++;
    }
    return NULL;
}

static void test_concurrent(void)
{
    const uint32_t block = 256;
    anc_host *h = make(block);
    if (!h)
        return;
    anc_host_reset_counters(h);
    render_job j = {.h = h};
    atomic_init(&j.stop, 0);
    pthread_t t;
    if (!check_true(pthread_create(&t, NULL, render_thread, &j) == 0, "no render thread")) {
        anc_host_free(h);
        return;
    }
    static float out[256];
    int finite = 1;
    const long cycles = 3 * RATE / block;
    for (long c = 0; c < cycles; c++) {
        if (c % 47 == 0)
            anc_host_set_control_sym(h, "z1", c % 94 ? 3.0f : -3.0f);
        if (transfer && c % 60 == 0)
            tone_hz = c % 120 ? 330.0 : TONE_HZ;
        else if (c % 60 == 0) {
            const uint8_t m[3] = {(uint8_t)(c % 120 ? 0x80 : 0x90), (uint8_t)(48 + c % 24), 100};
            anc_host_send_midi(h, (uint32_t)(c % block), m, 3);
        }
        run_block(h, out, block);
        for (uint32_t i = 0; i < block; i++)
            finite &= isfinite(out[i]);
    }
    atomic_store(&j.stop, 1);
    pthread_join(t, NULL);
    unsigned long allocs = anc_host_allocs_in_run(h);
    printf("concurrent: %ld cycles of %u while %lu renders ran on another thread (%lu invalid); "
           "%lu heap calls in run(); output %s\n",
           cycles, block, j.renders, j.invalid, allocs, finite ? "finite" : "NOT finite");
    check_true(j.renders >= 10 && j.invalid == 0, "concurrent renders: %lu, %lu invalid", j.renders,
               j.invalid);
    const char *how = "";
    check_true(anc_alloc_counting(&how), "the heap counter is blind");
    check_true(allocs == 0 && finite, "run(): %lu heap calls, output finite: %d", allocs, finite);
    anc_host_free(h);
}

int main(int argc, char **argv)
{
    const char *uri = argc > 1 ? argv[1] : NULL;
    transfer = uri && !strcmp(uri, ANC_TRANSFER_URI);
    char e[1024] = "";
    world = anc_host_world_new(NULL, uri, e, sizeof e);
    if (!check_true(world != NULL, "%s", e))
        return check_exit();
    test_sizes();
    test_knob_and_note();
    test_queue_draw();
    test_concurrent();
    anc_host_world_free(world);
    return check_exit();
}

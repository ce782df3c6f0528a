/* inline_display.c — the plugins' inline display (see inline_display.h): the
 * hand-over from run() and a small rasteriser into an ARGB32 buffer (no Cairo:
 * the module links nothing beyond libc and libm).
 *
 * Picture, from the top: a row of lamps, one per voice (lit by its level);
 * the spectrum from ANC_SNAPSHOT_LO_HZ (left) to ANC_SNAPSHOT_HI_HZ (right)
 * and from TOP_DB (top) to BOTTOM_DB, filled below a bright edge, over grid
 * lines at 100 Hz, 1 kHz, 10 kHz and every 24 dB; each sounding voice as a
 * faint line at its pitch and a bar in the strip at the bottom as tall as its
 * level. Every pixel is opaque, so premultiplied and plain colours agree. */
#include "inline_display.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The dB range drawn: a full-scale sine's band at the top; 96 dB (16 bits)
 * below it at the bottom, under the quietest partials a model plays. */
#define TOP_DB 0.0f
#define BOTTOM_DB (-96.0f)
#define GRID_DB 24.0f

#define C_BACK 0xFF14181Cu
#define C_GRID 0xFF2A3036u
#define C_FILL 0xFF1D5E52u
#define C_EDGE 0xFF66E0C4u
#define C_LAMP_OFF 0xFF2E343Au

struct anc_display {
    anc_snapshot snap;
    const LV2_Inline_Display *host; /* NULL when the host gave no queue_draw */
    uint32_t period;                /* samples between frames */
    uint32_t since;                 /* samples since the last frame */
    anc_snapshot_frame last;        /* the last frame handed over */
    /* display thread */
    LV2_Inline_Display_Image_Surface surface;
    uint32_t *pixels;
    size_t capacity; /* pixels */
};

anc_display *anc_display_new(const LV2_Feature *const *features, double rate)
{
    anc_display *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    anc_snapshot_init(&d->snap);
    d->last = *anc_snapshot_back(&d->snap); /* what the reader shows before any publish */
    for (int i = 0; features && features[i]; i++)
        if (!strcmp(features[i]->URI, LV2_INLINEDISPLAY__queue_draw))
            d->host = features[i]->data;
    double p = isfinite(rate) && rate > 0.0 ? rate / ANC_DISPLAY_RATE : 1600.0;
    d->period = p < 1.0 ? 1u : p > 1e9 ? 1000000000u : (uint32_t)p;
    return d;
}

void anc_display_free(anc_display *d)
{
    if (!d)
        return;
    free(d->pixels);
    free(d);
}

bool anc_display_due(anc_display *d, uint32_t n)
{
    d->since = n > UINT32_MAX - d->since ? UINT32_MAX : d->since + n;
    if (d->since < d->period)
        return false;
    /* Small blocks keep the average rate; a block longer than two periods
     * starts the count afresh instead of owing frames. */
    d->since = d->since >= 2 * (uint64_t)d->period ? 0 : d->since - d->period;
    return true;
}

anc_snapshot_frame *anc_display_frame(anc_display *d) { return anc_snapshot_back(&d->snap); }

void anc_display_publish(anc_display *d)
{
    /* A frame like the last one (a steady sound, silence) changes no pixel:
     * the host is not asked to draw it. */
    anc_snapshot_frame *f = anc_snapshot_back(&d->snap);
    if (!memcmp(f, &d->last, offsetof(anc_snapshot_frame, serial)))
        return;
    memcpy(&d->last, f, offsetof(anc_snapshot_frame, serial));
    anc_snapshot_publish(&d->snap);
    if (d->host && d->host->queue_draw)
        d->host->queue_draw(d->host->handle);
}

/* ------------------------------------------------------------- drawing -- */

static uint32_t mix(uint32_t a, uint32_t b, float t)
{
    t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
    uint32_t out = 0xFF000000u;
    for (int s = 0; s < 24; s += 8) {
        float ca = (float)((a >> s) & 0xFF), cb = (float)((b >> s) & 0xFF);
        out |= (uint32_t)lrintf(ca + t * (cb - ca)) << s;
    }
    return out;
}

static uint32_t voice_colour(int kind)
{
    return kind == ANC_SNAPSHOT_DRONE ? 0xFF5C9DFFu : kind == ANC_SNAPSHOT_INPUT ? 0xFFFF6F8Cu
                                                                                : 0xFFFFB347u;
}

/* Column (0 .. w) of frequency hz on the log axis. */
static float column_of(double hz, int w)
{
    return (float)(log(hz / ANC_SNAPSHOT_LO_HZ) / log(ANC_SNAPSHOT_HI_HZ / ANC_SNAPSHOT_LO_HZ) * w);
}

/* Row (top .. bottom) of a level in dB. */
static float row_of(float db, int top, int bottom)
{
    float t = (TOP_DB - db) / (TOP_DB - BOTTOM_DB);
    t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
    return top + t * (float)(bottom - top);
}

/* The level column x of w shows: the loudest band it covers, or where it
 * covers less than a band the bands interpolated at its centre. */
static float column_db(const anc_snapshot_frame *f, int x, int w)
{
    const float B = ANC_SNAPSHOT_BANDS;
    const float b0 = x * B / w, b1 = (x + 1) * B / w;
    if (b1 - b0 >= 1.0f) {
        float m = ANC_SNAPSHOT_FLOOR_DB;
        int end = (int)ceilf(b1);
        end = end > ANC_SNAPSHOT_BANDS ? ANC_SNAPSHOT_BANDS : end;
        for (int b = (int)b0; b < end; b++)
            m = fmaxf(m, f->band_db[b]);
        return m;
    }
    float c = 0.5f * (b0 + b1) - 0.5f; /* band b's centre sits at b + 0.5 */
    c = c < 0.0f ? 0.0f : c > B - 1.0f ? B - 1.0f : c;
    int b = (int)c;
    int b2 = b + 1 < ANC_SNAPSHOT_BANDS ? b + 1 : b;
    float t = c - (float)b;
    return f->band_db[b] + t * (f->band_db[b2] - f->band_db[b]);
}

static void fill_rect(uint32_t *px, int stride, int w, int h, int x0, int y0, int x1, int y1,
                      uint32_t c)
{
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > w ? w : x1;
    y1 = y1 > h ? h : y1;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            px[(size_t)y * stride + x] = c;
}

void anc_display_draw(const anc_snapshot_frame *f, uint32_t *px, int w, int h, int stride)
{
    fill_rect(px, stride, w, h, 0, 0, w, h, C_BACK);
    if (w < 2 || h < 2)
        return;
    const int nv = f->n_voices < 0 ? 0 : f->n_voices > ANC_SNAPSHOT_VOICES ? ANC_SNAPSHOT_VOICES
                                                                           : f->n_voices;
    /* Lamps on top (when they fit), the voice bars at the bottom. */
    int lamp = h / 14 < 2 ? 2 : h / 14;
    const int lamps = nv > 0 && h >= 24 && nv * (lamp + 1) + 1 <= w / 2;
    const int strip = nv > 0 ? (h / 8 < 2 ? 2 : h / 8) : 0;
    const int top = lamps ? lamp + 2 : 0;
    const int bottom = h - strip - (strip ? 1 : 0); /* the plot's rows are top .. bottom - 1 */
    if (bottom - top < 2)
        return;

    /* Grid. */
    for (double hz = 100.0; hz < ANC_SNAPSHOT_HI_HZ; hz *= 10.0) {
        int x = (int)lrintf(column_of(hz, w));
        fill_rect(px, stride, w, h, x, top, x + 1, bottom, C_GRID);
    }
    for (float db = TOP_DB - GRID_DB; db > BOTTOM_DB; db -= GRID_DB) {
        int y = (int)lrintf(row_of(db, top, bottom - 1));
        fill_rect(px, stride, w, h, 0, y, w, y + 1, C_GRID);
    }

    /* Voices at their pitch, behind the spectrum's edge. */
    for (int i = 0; i < nv; i++) {
        float lv = f->voice_level[i];
        double hz = f->voice_hz[i];
        if (!(lv > 0.0f) || !(hz >= ANC_SNAPSHOT_LO_HZ && hz < ANC_SNAPSHOT_HI_HZ))
            continue;
        lv = lv > 1.0f ? 1.0f : lv;
        uint32_t c = voice_colour(f->voice_kind[i]);
        int x = (int)column_of(hz, w);
        for (int y = top; y < bottom; y++)
            px[(size_t)y * stride + x] = mix(px[(size_t)y * stride + x], c, 0.35f);
        int bar = (int)lrintf(lv * strip);
        bar = bar < 1 ? 1 : bar;
        int half = w >= 200 ? 1 : 0;
        fill_rect(px, stride, w, h, x - half, h - bar, x + half + 1, h, c);
    }

    /* The spectrum: filled below its edge, the edge joined column to column. */
    int prev = -1;
    for (int x = 0; x < w; x++) {
        float y = row_of(column_db(f, x, w), top, bottom - 1);
        int yi = (int)lrintf(y);
        for (int r = yi + 1; r < bottom; r++)
            px[(size_t)r * stride + x] = mix(px[(size_t)r * stride + x], C_FILL, 0.85f);
        const int y0 = prev < 0 || prev > yi ? yi : prev;
        const int y1 = prev < 0 || prev < yi ? yi : prev;
        if (yi < bottom - 1 || prev < bottom - 1)
            for (int r = y0; r <= y1; r++)
                px[(size_t)r * stride + x] = C_EDGE;
        prev = yi;
    }

    /* Lamps: which voices sound, by slot. */
    if (lamps) {
        for (int i = 0; i < nv; i++) {
            float lv = f->voice_level[i];
            lv = lv > 0.0f ? 0.3f + 0.7f * (lv > 1.0f ? 1.0f : lv) : 0.0f;
            uint32_t c = mix(C_LAMP_OFF, voice_colour(f->voice_kind[i]), lv);
            int x = 1 + i * (lamp + 1);
            fill_rect(px, stride, w, h, x, 1, x + lamp, 1 + lamp, c);
        }
    }
}

LV2_Inline_Display_Image_Surface *anc_display_render(anc_display *d, uint32_t w, uint32_t max_h)
{
    if (!d || w == 0 || max_h == 0)
        return NULL;
    w = w > ANC_DISPLAY_MAX_W ? ANC_DISPLAY_MAX_W : w;
    uint32_t h = (w + 1) / 2;
    h = h > max_h ? max_h : h;
    h = h > ANC_DISPLAY_MAX_H ? ANC_DISPLAY_MAX_H : h;
    size_t need = (size_t)w * h;
    if (need > d->capacity) {
        uint32_t *p = realloc(d->pixels, need * sizeof *p);
        if (!p)
            return NULL;
        d->pixels = p;
        d->capacity = need;
    }
    anc_display_draw(anc_snapshot_read(&d->snap), d->pixels, (int)w, (int)h, (int)w);
    d->surface.data = (unsigned char *)d->pixels;
    d->surface.width = (int)w;
    d->surface.height = (int)h;
    d->surface.stride = (int)(w * sizeof(uint32_t));
    return &d->surface;
}

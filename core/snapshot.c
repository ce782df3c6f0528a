/* snapshot.c — the display snapshot and its triple buffer (see snapshot.h).
 *
 * Triple buffer: the three frames are owned one each by the writer (back),
 * the reader (front) and neither (middle). Publishing swaps back and middle
 * and marks middle fresh; reading swaps front and middle only when middle is
 * fresh. Both swaps are one atomic exchange: acq_rel, so the writer's stores
 * into a frame happen before the reader's loads from it, and the reader's
 * loads from its old front happen before the writer reuses that frame. */
#include "snapshot.h"

#include <math.h>
#include <string.h>

#define FRESH 4u  /* middle holds a frame the reader has not taken */
#define INDEX 3u

void anc_snapshot_frame_clear(anc_snapshot_frame *f)
{
    for (int b = 0; b < ANC_SNAPSHOT_BANDS; b++)
        f->band_db[b] = ANC_SNAPSHOT_FLOOR_DB;
    f->n_voices = 0;
    memset(f->voice_level, 0, sizeof f->voice_level);
    memset(f->voice_hz, 0, sizeof f->voice_hz);
    memset(f->voice_kind, 0, sizeof f->voice_kind);
}

void anc_snapshot_init(anc_snapshot *s)
{
    for (int i = 0; i < 3; i++) {
        anc_snapshot_frame_clear(&s->frame[i]);
        s->frame[i].serial = 0;
    }
    s->back = 0;
    atomic_init(&s->middle, 1u);
    s->front = 2;
    s->serial = 0;
}

anc_snapshot_frame *anc_snapshot_back(anc_snapshot *s)
{
    return &s->frame[s->back];
}

void anc_snapshot_publish(anc_snapshot *s)
{
    s->frame[s->back].serial = ++s->serial;
    unsigned old = atomic_exchange_explicit(&s->middle, s->back | FRESH, memory_order_acq_rel);
    s->back = old & INDEX;
}

const anc_snapshot_frame *anc_snapshot_read(anc_snapshot *s)
{
    if (atomic_load_explicit(&s->middle, memory_order_relaxed) & FRESH) {
        unsigned old = atomic_exchange_explicit(&s->middle, s->front, memory_order_acq_rel);
        s->front = old & INDEX;
    }
    return &s->frame[s->front];
}

double anc_snapshot_band_hz(double b)
{
    return ANC_SNAPSHOT_LO_HZ * pow(ANC_SNAPSHOT_HI_HZ / ANC_SNAPSHOT_LO_HZ, b / ANC_SNAPSHOT_BANDS);
}

static float level_db(float v)
{
    if (!(v > 0.0f)) /* zero, negative, NaN */
        return ANC_SNAPSHOT_FLOOR_DB;
    float db = 20.0f * log10f(v);
    return db > ANC_SNAPSHOT_FLOOR_DB ? db : ANC_SNAPSHOT_FLOOR_DB;
}

static float clean(float v) { return v > 0.0f && v < 1e30f ? v : 0.0f; }

void anc_snapshot_set_spectrum(anc_snapshot_frame *f, const float *mag, int n, double bin_hz,
                               float gain)
{
    if (!mag || n < 1 || !(bin_hz > 0.0) || !isfinite(gain)) {
        for (int b = 0; b < ANC_SNAPSHOT_BANDS; b++)
            f->band_db[b] = ANC_SNAPSHOT_FLOOR_DB;
        return;
    }
    const double step = pow(ANC_SNAPSHOT_HI_HZ / ANC_SNAPSHOT_LO_HZ, 1.0 / ANC_SNAPSHOT_BANDS);
    double lo = ANC_SNAPSHOT_LO_HZ;
    for (int b = 0; b < ANC_SNAPSHOT_BANDS; b++) {
        const double hi = lo * step;
        /* bins k with lo <= k bin_hz < hi */
        const double k0 = ceil(lo / bin_hz), k1 = ceil(hi / bin_hz);
        float v = 0.0f;
        if (k0 < k1 && k0 < n) {
            const int end = k1 < n ? (int)k1 : n;
            for (int k = (int)k0; k < end; k++)
                v = fmaxf(v, clean(mag[k]));
        } else {
            const double x = sqrt(lo * hi) / bin_hz; /* the band's centre, in bins */
            if (x <= n - 1) {
                const int k = (int)x;
                const float t = (float)(x - k);
                const float a = clean(mag[k]), c = k + 1 < n ? clean(mag[k + 1]) : 0.0f;
                v = a + t * (c - a);
            }
        }
        f->band_db[b] = level_db(v * fabsf(gain));
        lo = hi;
    }
}

/* relfreq.c — the maps between linear-bin frames and pitch-relative
 * log-frequency frames of relfreq.h. With s = f0 / bin width, point i's centre
 * sits at bin s * 2^(i / ppo - below) and its band edges at half a point either
 * side; bin k sits at point ppo * (log2(k / s) + below). Both powers of two and
 * both logarithms come from tables made at create, so a frame costs one pass
 * over the points and one over the bins, with no transcendental call. */
#include "relfreq.h"

#include <math.h>
#include <stdlib.h>

#include "fastmath.h"

struct anc_relfreq {
    anc_relfreq_config c;
    int K, bins;
    double bin_hz;
    float *centre; /* [K]     2^(i / ppo - below) */
    float *edge;   /* [K + 1] 2^((i - 0.5) / ppo - below): point i spans edge[i] .. edge[i+1] */
    float *lg;     /* [bins]  ppo * log2(k); lg[0] unused */
};

void anc_relfreq_config_default(anc_relfreq_config *c, double rate, int n_fft)
{
    c->rate = rate;
    c->n_fft = n_fft;
    c->points_per_octave = 96;
    c->octaves_below = 1.0;
    c->f0_min = 30.0;
    c->f0_ref = 100.0;
}

void anc_relfreq_free(anc_relfreq *m)
{
    if (!m)
        return;
    free(m->centre);
    free(m->edge);
    free(m->lg);
    free(m);
}

anc_status anc_relfreq_config_check(const anc_relfreq_config *c, anc_error *err)
{
    if (!c || !(c->rate >= 1000.0 && c->rate <= 1000000.0) || c->n_fft < 16 || c->n_fft > 65536 ||
        c->n_fft % 2)
        return anc_error_set(err, ANC_E_INVALID, "relative frames: rate or FFT size out of range");
    if (c->points_per_octave < 12 || c->points_per_octave > 384 ||
        !(c->octaves_below >= 0.0 && c->octaves_below <= 4.0))
        return anc_error_set(err, ANC_E_INVALID,
                             "relative frames: %d points per octave from %g octaves below f0 "
                             "(need 12..384 and 0..4)",
                             c->points_per_octave, c->octaves_below);
    const double nyq = 0.5 * c->rate;
    if (!(c->f0_min >= 10.0 && c->f0_min < nyq) || !(c->f0_ref >= 10.0 && c->f0_ref < nyq))
        return anc_error_set(err, ANC_E_INVALID,
                             "relative frames: f0_min %g Hz or f0_ref %g Hz outside 10 Hz .. "
                             "Nyquist",
                             c->f0_min, c->f0_ref);
    return ANC_OK;
}

int anc_relfreq_size(const anc_relfreq_config *c)
{
    return (int)ceil(c->points_per_octave * (log2(0.5 * c->rate / c->f0_min) + c->octaves_below)) +
           1;
}

anc_status anc_relfreq_create(anc_relfreq **out, const anc_relfreq_config *c, anc_error *err)
{
    *out = NULL;
    anc_status st = anc_relfreq_config_check(c, err);
    if (st != ANC_OK)
        return st;
    anc_relfreq *m = calloc(1, sizeof *m);
    if (!m)
        return anc_error_set(err, ANC_E_NOMEM, "relative frames: out of memory");
    m->c = *c;
    const double ppo = c->points_per_octave;
    m->K = anc_relfreq_size(c);
    m->bins = c->n_fft / 2 + 1;
    m->bin_hz = c->rate / c->n_fft;
    m->centre = malloc(sizeof(float) * (size_t)m->K);
    m->edge = malloc(sizeof(float) * (size_t)(m->K + 1));
    m->lg = malloc(sizeof(float) * (size_t)m->bins);
    if (!m->centre || !m->edge || !m->lg) {
        anc_relfreq_free(m);
        return anc_error_set(err, ANC_E_NOMEM, "relative frames: out of memory");
    }
    for (int i = 0; i <= m->K; i++) {
        if (i < m->K)
            m->centre[i] = (float)exp2(i / ppo - c->octaves_below);
        m->edge[i] = (float)exp2((i - 0.5) / ppo - c->octaves_below);
    }
    m->lg[0] = 0.0f;
    for (int k = 1; k < m->bins; k++)
        m->lg[k] = (float)(ppo * log2((double)k));
    *out = m;
    return ANC_OK;
}

int anc_relfreq_points(const anc_relfreq *m) { return m->K; }
const anc_relfreq_config *anc_relfreq_get_config(const anc_relfreq *m) { return &m->c; }

float anc_relfreq_anchor(const anc_relfreq *m, float f0, int voiced)
{
    if (voiced && isfinite(f0) && f0 >= 0.25 * m->c.f0_min && f0 <= 0.5 * m->c.rate)
        return f0;
    return (float)m->c.f0_ref;
}

/* A usable anchor whatever the caller passes: NaN, 0 or negative read as f0_ref. */
static float sane(const anc_relfreq *m, float f0)
{
    return (isfinite(f0) && f0 > 0.0f) ? f0 : (float)m->c.f0_ref;
}

/* Catmull-Rom cubic through y[-1], y[0], y[1], y[2] at t in [0, 1]. */
static inline float cubic(float ym, float y0, float y1, float y2, float t)
{
    return y0 + 0.5f * t * (y1 - ym + t * (2.0f * ym - 5.0f * y0 + 4.0f * y1 - y2 +
                                           t * (3.0f * (y0 - y1) + y2 - ym)));
}

/* The level at bin position c of a point narrower than a bin: the cubic
 * through the four bins around it. */
static inline float between_bins(const float *db, float c, int last)
{
    int k0 = (int)c;
    if (k0 >= last)
        k0 = last - 1;
    const float t = c - (float)k0;
    const float ym = db[k0 > 0 ? k0 - 1 : 1]; /* bin -1 mirrors bin 1 */
    const float y2 = db[k0 + 2 <= last ? k0 + 2 : last];
    return cubic(ym, db[k0], db[k0 + 1], y2, t);
}

void anc_relfreq_from_linear(const anc_relfreq *m, const float *db, float f0, float floor_db,
                             float *rel)
{
    f0 = sane(m, f0);
    const float s = (float)(f0 / m->bin_hz); /* bins per unit of frequency ratio */
    const int last = m->bins - 1;
    /* Mean power of a band in dB: 10 log10(mean 10^(dB / 10)), in base 2. */
    const float to_pow = 0.33219281f, to_db = 3.0103f; /* log2(10) / 10, 10 / log2(10) */
    int i = 0;
    for (; i < m->K; i++) {
        const float c = s * m->centre[i];
        if (!(c <= (float)last))
            break; /* the rest lies above Nyquist */
        const float lo = s * m->edge[i], hi = s * m->edge[i + 1];
        int kb = (int)ceilf(lo), ke = (int)ceilf(hi) - 1;
        if (ke > last)
            ke = last;
        if (hi - lo > 1.0f && ke >= kb) {
            float p = 0.0f;
            for (int k = kb; k <= ke; k++)
                p += exp2f(db[k] * to_pow);
            rel[i] = to_db * log2f(p / (float)(ke - kb + 1));
        } else {
            rel[i] = between_bins(db, c, last);
        }
    }
    for (; i < m->K; i++)
        rel[i] = floor_db;
}

void anc_relfreq_from_linear_fast(const anc_relfreq *m, const float *db, float f0, float floor_db,
                                  float *rel, float *power)
{
    f0 = sane(m, f0);
    const float s = (float)(f0 / m->bin_hz);
    const int last = m->bins - 1;
    /* ln(10) / 10 and 10 / ln(10): dB <-> natural log of power */
    const float to_ln = 0.230258509f, to_db = 4.34294481903f;
    for (int k = 0; k <= last; k++)
        power[k] = anc_expf_fast(db[k] * to_ln);
    int i = 0;
    for (; i < m->K; i++) {
        const float c = s * m->centre[i];
        if (!(c <= (float)last))
            break;
        const float lo = s * m->edge[i], hi = s * m->edge[i + 1];
        int kb = (int)ceilf(lo), ke = (int)ceilf(hi) - 1;
        if (ke > last)
            ke = last;
        if (hi - lo > 1.0f && ke >= kb) {
            float p = 0.0f;
            for (int k = kb; k <= ke; k++)
                p += power[k];
            rel[i] = to_db * anc_logf_fast(p / (float)(ke - kb + 1));
        } else {
            rel[i] = between_bins(db, c, last);
        }
    }
    for (; i < m->K; i++)
        rel[i] = floor_db;
}

void anc_relfreq_to_linear(const anc_relfreq *m, const float *rel, float f0, float floor_db,
                           float *db)
{
    f0 = sane(m, f0);
    /* Bin k sits at point lg[k] + shift. */
    const float shift =
        (float)(m->c.points_per_octave * (log2(m->bin_hz / f0) + m->c.octaves_below));
    const int K = m->K;
    db[0] = rel[0];
    for (int k = 1; k < m->bins; k++) {
        const float u = m->lg[k] + shift;
        if (u <= 0.0f) {
            db[k] = rel[0];
        } else if (u >= (float)(K - 1)) {
            db[k] = u > (float)(K - 1) ? floor_db : rel[K - 1];
        } else {
            const int i0 = (int)u;
            const float w = u - (float)i0;
            db[k] = rel[i0] + w * (rel[i0 + 1] - rel[i0]);
        }
    }
}

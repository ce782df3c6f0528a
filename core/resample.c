/* resample.c — fixed-ratio band-limited sample-rate conversion (see resample.h).
 *
 * Design: a Kaiser-windowed sinc low-pass cut at half the lower rate, its
 * transition band spanning pass_hz .. (lower rate - pass_hz), so whatever lies
 * above the pass band may alias or image only onto frequencies above it. The
 * taps follow Kaiser's formula for ATTEN_DB. The kernel is tabulated at
 * PHASES + 1 fractional positions; an output sample interpolates linearly
 * between the two rows around its position (two dot products of taps length).
 * Each row is normalised to unit sum so that the gain at 0 Hz is exactly 1
 * whatever the phase. Time advances in 32.32 fixed point: the rounded step
 * drifts by under 0.1 input samples an hour, which nothing downstream sees. */
#include "resample.h"

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define PHASES 256
#define ATTEN_DB 85.0

/* Input is kept in one linear buffer, oldest first: the output's window is
 * buf[idx .. idx + taps); consumed input is moved out of the way only when the
 * buffer must take more. */
#define CHUNK 1024

struct anc_resampler {
    int taps;
    uint64_t ustep; /* input samples per output sample, 32.32 fixed point */
    uint32_t frac;  /* position of the next output past buf[idx + taps/2 - 1], 0.32 */
    int idx;        /* first input of the next output's window */
    int fill;       /* valid samples in buf */
    float *coef;    /* [(PHASES + 1) * taps] */
    float *buf;     /* [taps + CHUNK] */
};

/* Modified Bessel function of the first kind, order 0 (power series). */
static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0, q = 0.25 * x * x;
    for (int k = 1; k < 200 && term > 1e-17 * sum; k++) {
        term *= q / ((double)k * k);
        sum += term;
    }
    return sum;
}

void anc_resampler_free(anc_resampler *r)
{
    if (!r)
        return;
    free(r->coef);
    free(r->buf);
    free(r);
}

anc_status anc_resampler_create(anc_resampler **out, double in_rate, double out_rate,
                                double pass_hz, anc_error *err)
{
    *out = NULL;
    if (!(in_rate > 0.0 && out_rate > 0.0) || in_rate > 4.0 * out_rate ||
        out_rate > 4.0 * in_rate)
        return anc_error_set(err, ANC_E_INVALID, "resampler: cannot convert %g Hz to %g Hz",
                             in_rate, out_rate);
    const double lo = in_rate < out_rate ? in_rate : out_rate;
    if (!(pass_hz > 0.0 && pass_hz < 0.5 * lo))
        return anc_error_set(err, ANC_E_INVALID,
                             "resampler: pass band %g Hz must lie below %g Hz", pass_hz,
                             0.5 * lo);
    /* Transition from pass_hz to lo - pass_hz, in cycles per input sample. */
    const double width = (lo - 2.0 * pass_hz) / in_rate;
    const double A = ATTEN_DB;
    const double beta = 0.1102 * (A - 8.7);
    int taps = (int)ceil((A - 7.95) / (2.285 * 2.0 * M_PI * width)) + 1;
    taps = (taps + 3) / 4 * 4;
    if (taps < 8)
        taps = 8;
    if (taps > ANC_RESAMPLE_MAX_TAPS)
        taps = ANC_RESAMPLE_MAX_TAPS;

    anc_resampler *r = calloc(1, sizeof *r);
    if (!r)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the resampler");
    r->taps = taps;
    r->ustep = (uint64_t)llround(in_rate / out_rate * 4294967296.0);
    /* 16-byte rows for the vector loads: taps is a multiple of 4. */
    size_t coef_bytes = (sizeof(float) * (size_t)(PHASES + 1) * taps + 15) / 16 * 16;
    r->coef = aligned_alloc(16, coef_bytes);
    r->buf = malloc(sizeof(float) * ((size_t)taps + CHUNK));
    if (!r->coef || !r->buf) {
        anc_resampler_free(r);
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the resampler");
    }
    const double fc = 0.5 * lo / in_rate; /* cutoff, cycles per input sample */
    const double half = 0.5 * taps, i0b = bessel_i0(beta);
    for (int p = 0; p <= PHASES; p++) {
        const double f = (double)p / PHASES;
        double row[ANC_RESAMPLE_MAX_TAPS], sum = 0.0;
        for (int i = 0; i < taps; i++) {
            const double u = f + half - 1.0 - i; /* output time minus input i, in samples */
            const double x = 2.0 * fc * u;
            const double sinc = fabs(x) < 1e-12 ? 1.0 : sin(M_PI * x) / (M_PI * x);
            const double t = u / half;
            const double win = t * t < 1.0 ? bessel_i0(beta * sqrt(1.0 - t * t)) / i0b : 0.0;
            row[i] = 2.0 * fc * sinc * win;
            sum += row[i];
        }
        for (int i = 0; i < taps; i++)
            r->coef[(size_t)p * taps + i] = (float)(row[i] / sum);
    }
    anc_resampler_reset(r);
    *out = r;
    return ANC_OK;
}

void anc_resampler_reset(anc_resampler *r)
{
    /* taps - 1 samples of silence: the first output needs one input. */
    memset(r->buf, 0, sizeof(float) * ((size_t)r->taps + CHUNK));
    r->fill = r->taps - 1;
    r->idx = 0;
    r->frac = 0;
}

int anc_resampler_taps(const anc_resampler *r) { return r->taps; }
double anc_resampler_delay_in(const anc_resampler *r) { return 0.5 * r->taps; }

typedef float v4sf __attribute__((vector_size(16)));

static inline v4sf load4(const float *p)
{
    v4sf v;
    memcpy(&v, p, sizeof v); /* unaligned load */
    return v;
}

/* One output from the window at w, frac between two kernel rows. taps is a
 * multiple of 4 and the rows start 16-byte aligned. */
static inline float output(const anc_resampler *r, const float *w, uint32_t frac)
{
    const int T = r->taps;
    const float *c0 = r->coef + (size_t)(frac >> 24) * T, *c1 = c0 + T; /* PHASES = 2^8 */
    const float a = (float)(frac & 0xffffff) * (1.0f / 16777216.0f);
    v4sf s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0};
    for (int i = 0; i < T; i += 4) {
        const v4sf x = load4(w + i);
        s0 += *(const v4sf *)(c0 + i) * x;
        s1 += *(const v4sf *)(c1 + i) * x;
    }
    const v4sf s = s0 + a * (s1 - s0);
    return (s[0] + s[1]) + (s[2] + s[3]);
}

int anc_resampler_process(anc_resampler *r, const float *in, int n_in, int *n_used, float *out,
                          int n_out)
{
    const int T = r->taps;
    int i = 0, o = 0;
    for (;;) {
        while (o < n_out && r->idx + T <= r->fill) {
            out[o++] = output(r, r->buf + r->idx, r->frac);
            const uint64_t next = (uint64_t)r->frac + r->ustep;
            r->frac = (uint32_t)next;
            r->idx += (int)(next >> 32);
        }
        if (o == n_out || i == n_in)
            break;
        /* Take exactly the input the remaining outputs need (no more: the caller
         * makes its input when asked, and that timing is its latency). */
        const uint64_t ahead = (uint64_t)r->frac + (uint64_t)(n_out - o - 1) * r->ustep;
        int64_t need = (int64_t)r->idx + (int64_t)(ahead >> 32) + T - r->fill;
        if (r->idx > 0) {
            memmove(r->buf, r->buf + r->idx, sizeof(float) * (size_t)(r->fill - r->idx));
            r->fill -= r->idx;
            r->idx = 0;
        }
        int64_t room = T + CHUNK - r->fill, left = n_in - i;
        int take = (int)(need < room ? (need < left ? need : left) : (room < left ? room : left));
        memcpy(r->buf + r->fill, in + i, sizeof(float) * (size_t)take);
        r->fill += take;
        i += take;
    }
    *n_used = i;
    return o;
}

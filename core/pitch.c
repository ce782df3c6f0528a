/* pitch.c — the YIN-family f0 estimator of pitch.h: the difference function
 * through one FFT cross-correlation per window, candidate periods per window,
 * the causal pick and the offline Viterbi path.
 *
 * Cross-correlation: with a = the first T samples of the window zero-padded and
 * x = the whole window zero-padded to N >= W + T (no circular wrap for lags up to
 * T), r(tau) = sum_{j<T} a_j x_{j+tau} = IFFT(conj(A) X)(tau) / N. Then
 * d(tau) = e(0) + e(tau) - 2 r(tau), with e(tau) = sum_{j=tau}^{tau+T-1} x_j^2
 * from prefix sums in double. N is a power of two, so FFTW never allocates in
 * execute. The causal form, run for every hop of the transfer engine, uses the
 * smallest N >= W instead: lags up to T reach sample 2T - 1 = W - 1 at most,
 * which never wraps, so the correlation is the same up to float rounding, at
 * about half the cost of the offline form's N >= W + T (4096 against 2048 at
 * 48 kHz); the offline form keeps its N, so the trainer's pitch tracks stay
 * exactly as they were. */
#include "pitch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "stft.h"

/* Candidate periods kept per window: the local minima of d' under
 * CANDIDATE_MAX_D, shortest first. */
#define MAX_CAND 8
#define CANDIDATE_MAX_D 0.6f
/* Offline path costs, in units of d' (aperiodicity): a jump of one octave costs
 * JUMP_PER_OCTAVE, so a one-frame octave error (there and back) must save more
 * than twice that in aperiodicity; a change of voicing costs VOICING_SWITCH. A
 * candidate that is not YIN's first-dip pick costs NOT_FIRST_DIP more, which
 * keeps YIN's preference for the shortest clear period (no subharmonics). */
#define JUMP_PER_OCTAVE 1.0f
#define VOICING_SWITCH 0.2f
#define NOT_FIRST_DIP 0.1f
/* Causal continuity: a dip within CONT_CENTS of the previous f0 wins over a
 * better dip elsewhere unless that one is lower by more than CONT_MARGIN;
 * voicing switches off only above voicing + HYSTERESIS. */
#define CONT_CENTS 100.0f
#define CONT_MARGIN 0.1f
#define HYSTERESIS 0.1f
/* Relative tolerance on a period ratio read as a whole number: 3 %, half a
 * semitone, wider than the parabolic refinement's error on real notes. */
#define SUBHARMONIC_TOL 0.03f

typedef struct cand {
    float tau;  /* refined period, samples */
    float d;    /* d' at the refined minimum */
    int first;  /* YIN's first-dip pick */
} cand;

typedef struct window_result {
    int silent;
    int n;
    cand c[MAX_CAND];
    int best; /* index of the lowest d', or -1 */
    int pick; /* index of the first-dip pick, or -1 */
} window_result;

/* One size of the cross-correlation's FFTs. */
typedef struct xcorr {
    int N;
    float *buf;            /* [N] */
    fftwf_complex *X, *A;  /* [N/2 + 1] */
    fftwf_plan r2c, c2r;
} xcorr;

struct anc_pitch {
    anc_pitch_config c;
    int T, W, tau_min;
    xcorr offline, causal;
    double *prefix;        /* [W + 1] running sum of squares */
    float *dn;             /* [T + 1] d' */
    float prev_f0;
    int prev_voiced;
};

void anc_pitch_config_default(anc_pitch_config *c, double rate)
{
    c->rate = rate;
    c->fmin = 50.0;
    c->fmax = rate / 4.0 < 2000.0 ? rate / 4.0 : 2000.0;
    c->threshold = 0.1f;
    c->voicing = 0.3f;
    c->gate_db = -60.0f;
}

static void xcorr_free(xcorr *f)
{
    anc_fftw_planner_lock();
    if (f->r2c)
        fftwf_destroy_plan(f->r2c);
    if (f->c2r)
        fftwf_destroy_plan(f->c2r);
    anc_fftw_planner_unlock();
    fftwf_free(f->buf);
    fftwf_free(f->X);
    fftwf_free(f->A);
}

/* Buffers and plans for the smallest power of two at least n; nonzero if all
 * were made. */
static int xcorr_make(xcorr *f, int n)
{
    f->N = 1;
    while (f->N < n)
        f->N *= 2;
    const int nb = f->N / 2 + 1;
    f->buf = fftwf_malloc(sizeof(float) * (size_t)f->N);
    f->X = fftwf_malloc(sizeof(fftwf_complex) * (size_t)nb);
    f->A = fftwf_malloc(sizeof(fftwf_complex) * (size_t)nb);
    if (f->buf && f->X && f->A) {
        anc_fftw_planner_lock();
        f->r2c = fftwf_plan_dft_r2c_1d(f->N, f->buf, f->X, FFTW_ESTIMATE);
        f->c2r = fftwf_plan_dft_c2r_1d(f->N, f->X, f->buf, FFTW_ESTIMATE);
        anc_fftw_planner_unlock();
    }
    return f->buf && f->X && f->A && f->r2c && f->c2r;
}

void anc_pitch_free(anc_pitch *p)
{
    if (!p)
        return;
    xcorr_free(&p->offline);
    xcorr_free(&p->causal);
    free(p->prefix);
    free(p->dn);
    free(p);
}

anc_status anc_pitch_create(anc_pitch **out, const anc_pitch_config *c, anc_error *err)
{
    *out = NULL;
    if (!c || !(c->rate >= 8000.0 && c->rate <= 384000.0))
        return anc_error_set(err, ANC_E_INVALID, "pitch: sample rate out of range 8000..384000 Hz");
    if (!(c->fmin >= 20.0 && c->fmax <= c->rate / 4.0 && c->fmin * 2.0 <= c->fmax))
        return anc_error_set(err, ANC_E_INVALID,
                             "pitch: range %g..%g Hz invalid (need 20 <= fmin, 2 fmin <= fmax <= "
                             "rate/4)",
                             c ? c->fmin : 0.0, c ? c->fmax : 0.0);
    if (!(c->threshold > 0.0f && c->threshold < 1.0f && c->voicing > 0.0f && c->voicing < 1.0f) ||
        !isfinite(c->gate_db))
        return anc_error_set(err, ANC_E_INVALID, "pitch: thresholds out of range (0, 1)");
    anc_pitch *p = calloc(1, sizeof *p);
    if (!p)
        return anc_error_set(err, ANC_E_NOMEM, "pitch: out of memory");
    p->c = *c;
    p->T = (int)ceil(c->rate / c->fmin);
    p->W = 2 * p->T;
    p->tau_min = (int)floor(c->rate / c->fmax);
    if (p->tau_min < 2)
        p->tau_min = 2;
    const int made = xcorr_make(&p->offline, p->W + p->T) & xcorr_make(&p->causal, p->W);
    p->prefix = malloc(sizeof(double) * (size_t)(p->W + 1));
    p->dn = malloc(sizeof(float) * (size_t)(p->T + 1));
    if (!made || !p->prefix || !p->dn) {
        anc_pitch_free(p);
        return anc_error_set(err, ANC_E_NOMEM, "pitch: out of memory for a %d-sample window",
                             2 * (int)ceil(c->rate / c->fmin));
    }
    anc_pitch_reset(p);
    *out = p;
    return ANC_OK;
}

int anc_pitch_window(const anc_pitch *p) { return p->W; }

void anc_pitch_reset(anc_pitch *p)
{
    p->prev_f0 = 0.0f;
    p->prev_voiced = 0;
}

/* Parabola through (t-1, a), (t, b), (t+1, c): the minimum's offset and value. */
static void refine(const float *dn, int t, int last, float *tau, float *val)
{
    if (t <= 0 || t >= last) {
        *tau = (float)t;
        *val = dn[t];
        return;
    }
    float a = dn[t - 1], b = dn[t], c = dn[t + 1];
    float den = a - 2.0f * b + c;
    float s = den > 1e-12f ? 0.5f * (a - c) / den : 0.0f;
    s = s > 1.0f ? 1.0f : s < -1.0f ? -1.0f : s;
    *tau = (float)t + s;
    float v = b - 0.25f * (a - c) * s;
    *val = v < 0.0f ? 0.0f : v;
}

/* The candidates of one window x[W]: d', its local minima, the first-dip pick;
 * the correlation by f. */
static void analyse(anc_pitch *p, xcorr *f, const float *x, window_result *r)
{
    const int T = p->T, W = p->W, N = f->N, nb = N / 2 + 1;
    memset(r, 0, sizeof *r);
    r->best = r->pick = -1;

    double *pre = p->prefix;
    pre[0] = 0.0;
    int finite = 1;
    for (int j = 0; j < W; j++) {
        pre[j + 1] = pre[j] + (double)x[j] * x[j];
        finite &= isfinite(x[j]);
    }
    double rms = sqrt(pre[W] / W);
    if (!finite || !(rms > 0.0) || 20.0 * log10(rms) < p->c.gate_db) {
        r->silent = 1;
        return;
    }

    /* A = FFT(first T samples), X = FFT(window), then r = IFFT(conj(A) X) / N. */
    memcpy(f->buf, x, sizeof(float) * (size_t)T);
    memset(f->buf + T, 0, sizeof(float) * (size_t)(N - T));
    fftwf_execute_dft_r2c(f->r2c, f->buf, f->A);
    memcpy(f->buf, x, sizeof(float) * (size_t)W);
    memset(f->buf + W, 0, sizeof(float) * (size_t)(N - W));
    fftwf_execute_dft_r2c(f->r2c, f->buf, f->X);
    for (int k = 0; k < nb; k++) {
        float ar = f->A[k][0], ai = f->A[k][1], xr = f->X[k][0], xi = f->X[k][1];
        f->X[k][0] = ar * xr + ai * xi;
        f->X[k][1] = ar * xi - ai * xr;
    }
    fftwf_execute_dft_c2r(f->c2r, f->X, f->buf);

    /* d' from d; sums in double. */
    const double inv_n = 1.0 / N, e0 = pre[T];
    float *dn = p->dn;
    dn[0] = 1.0f;
    double run = 0.0;
    for (int tau = 1; tau <= T; tau++) {
        double e = pre[tau + T] - pre[tau];
        double d = e0 + e - 2.0 * f->buf[tau] * inv_n;
        if (d < 0.0)
            d = 0.0;
        run += d;
        dn[tau] = run > 0.0 ? (float)(d * tau / run) : 1.0f;
    }

    /* Local minima in [tau_min, T - 1] under the limit, shortest periods first:
     * every dip at a period P repeats at 2P, 3P, ... about as deep (subharmonics),
     * so the alternatives that matter are the short ones, up to MAX_CAND. */
    int first = -1;
    for (int t = p->tau_min; t < T; t++)
        if (dn[t] < p->c.threshold) {
            while (t + 1 < T && dn[t + 1] < dn[t])
                t++;
            first = t;
            break;
        }
    for (int t = p->tau_min; t < T && r->n < MAX_CAND; t++) {
        int is_min = (t == p->tau_min || dn[t] < dn[t - 1]) && dn[t] <= dn[t + 1];
        if (!is_min || (dn[t] >= CANDIDATE_MAX_D && t != first))
            continue;
        cand *c = &r->c[r->n++];
        refine(dn, t, T, &c->tau, &c->d);
        c->first = t == first;
    }
    if (r->n == 0) {
        /* No dip at all (a rising d', e.g. white noise): the global minimum. */
        int t = p->tau_min;
        for (int u = p->tau_min + 1; u < T; u++)
            if (dn[u] < dn[t])
                t = u;
        refine(dn, t, T, &r->c[0].tau, &r->c[0].d);
        r->c[0].first = 0;
        r->n = 1;
    }
    r->best = 0;
    for (int i = 0; i < r->n; i++) {
        if (r->c[i].d < r->c[r->best].d)
            r->best = i;
        if (r->c[i].first)
            r->pick = i;
    }
    if (r->pick < 0)
        r->pick = r->best;
}

static float cents(float a, float b) { return 1200.0f * fabsf(log2f(a / b)); }

/* Whether period a is a whole multiple (2, 3, ...) of period b: a subharmonic of
 * b, whose dip is as deep as b's on any periodic signal. Continuity must never
 * move to one, or a window that straddles two notes (periodic at their common
 * subharmonic) would lock the track an octave or more low. */
static int multiple(float a, float b)
{
    float q = a / b;
    return q > 1.5f && fabsf(q - roundf(q)) < SUBHARMONIC_TOL * q;
}

void anc_pitch_causal(anc_pitch *p, const float *x, anc_pitch_frame *out)
{
    window_result r;
    analyse(p, &p->causal, x, &r);
    if (r.silent) {
        out->f0 = 0.0f;
        out->periodicity = 0.0f;
        out->voiced = 0;
        p->prev_voiced = 0;
        return;
    }
    int k = r.pick;
    if (p->prev_voiced) {
        /* Continuity: the dip nearest the previous f0, if it is nearly as good. */
        int near = -1;
        for (int i = 0; i < r.n; i++) {
            float f = (float)p->c.rate / r.c[i].tau;
            if (cents(f, p->prev_f0) < CONT_CENTS && !multiple(r.c[i].tau, r.c[k].tau) &&
                (near < 0 || r.c[i].d < r.c[near].d))
                near = i;
        }
        if (near >= 0 && r.c[near].d <= r.c[k].d + CONT_MARGIN)
            k = near;
    }
    const float ap = r.c[k].d;
    const float limit = p->c.voicing + (p->prev_voiced ? HYSTERESIS : 0.0f);
    out->periodicity = ap < 1.0f ? 1.0f - ap : 0.0f;
    out->voiced = ap < limit;
    out->f0 = out->voiced ? (float)p->c.rate / r.c[k].tau : 0.0f;
    p->prev_voiced = out->voiced;
    if (out->voiced)
        p->prev_f0 = out->f0;
}

anc_status anc_pitch_track(anc_pitch *p, const float *x, size_t n, long first_centre, int hop,
                           anc_pitch_frame *out, size_t n_frames, anc_error *err)
{
    if (hop < 1)
        return anc_error_set(err, ANC_E_INVALID, "pitch: hop %d must be positive", hop);
    if (n_frames == 0)
        return ANC_OK;
    const int W = p->W;
    const int S = MAX_CAND + 1; /* states per frame; state MAX_CAND is unvoiced */
    window_result *res = malloc(sizeof *res * n_frames);
    float *cost = malloc(sizeof *cost * (size_t)S * 2);
    int *back = malloc(sizeof *back * (size_t)S * n_frames);
    float *win = malloc(sizeof *win * (size_t)W);
    if (!res || !cost || !back || !win) {
        free(res);
        free(cost);
        free(back);
        free(win);
        return anc_error_set(err, ANC_E_NOMEM, "pitch: out of memory for %zu frames", n_frames);
    }

    for (size_t t = 0; t < n_frames; t++) {
        long start = first_centre + (long)t * hop - W / 2;
        for (int j = 0; j < W; j++) {
            long i = start + j;
            win[j] = (i >= 0 && (size_t)i < n) ? x[i] : 0.0f;
        }
        analyse(p, &p->offline, win, &res[t]);
    }

    /* Viterbi: cost[s] of the best path ending in state s at frame t. */
    const float big = 1e30f;
    float *cur = cost, *prev = cost + S;
    for (size_t t = 0; t < n_frames; t++) {
        const window_result *r = &res[t];
        float *tmp = prev;
        prev = cur;
        cur = tmp;
        for (int s = 0; s < S; s++) {
            float local;
            if (s == MAX_CAND)
                local = r->silent ? 0.0f : p->c.voicing;
            else if (r->silent || s >= r->n)
                local = big;
            else
                local = r->c[s].d + (s == r->pick ? 0.0f : NOT_FIRST_DIP);
            if (local >= big) {
                cur[s] = big;
                back[t * S + s] = MAX_CAND;
                continue;
            }
            if (t == 0) {
                cur[s] = local;
                back[t * S + s] = s;
                continue;
            }
            const window_result *q = &res[t - 1];
            float bestc = big;
            int bests = MAX_CAND;
            for (int u = 0; u < S; u++) {
                if (prev[u] >= big)
                    continue;
                float trans;
                if (u == MAX_CAND && s == MAX_CAND)
                    trans = 0.0f;
                else if (u == MAX_CAND || s == MAX_CAND)
                    trans = VOICING_SWITCH;
                else
                    trans = JUMP_PER_OCTAVE * fabsf(log2f(q->c[u].tau / r->c[s].tau));
                if (prev[u] + trans < bestc) {
                    bestc = prev[u] + trans;
                    bests = u;
                }
            }
            cur[s] = bestc + local;
            back[t * S + s] = bests;
        }
    }
    int s = MAX_CAND;
    for (int u = 0; u < S; u++)
        if (cur[u] < cur[s])
            s = u;
    for (size_t t = n_frames; t-- > 0;) {
        const window_result *r = &res[t];
        anc_pitch_frame *o = &out[t];
        if (r->silent) {
            o->f0 = 0.0f;
            o->periodicity = 0.0f;
            o->voiced = 0;
        } else {
            int k = s < MAX_CAND ? s : r->best;
            float ap = r->c[k].d;
            o->periodicity = ap < 1.0f ? 1.0f - ap : 0.0f;
            o->voiced = s < MAX_CAND;
            o->f0 = o->voiced ? (float)p->c.rate / r->c[k].tau : 0.0f;
        }
        s = back[t * S + s];
    }
    free(res);
    free(cost);
    free(back);
    free(win);
    return ANC_OK;
}

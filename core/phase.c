/* phase.c — causal real-time phase gradient heap integration (RTPGHI) and
 * random phase, to the contract in phase.h.
 *
 * Method (Průša and Søndergaard, DAFx 2016; Průša, Balazs and Søndergaard,
 * IEEE/ACM TASLP 2017): for a Gaussian window exp(-pi t^2 / gamma) the STFT phase
 * gradient follows from the log magnitude s = log|X|. With n_fft = M, hop = a,
 * bin k, frame n, phase referred to the window centre, in radians per hop and
 * per bin:
 *   time direction       dphi/dn = 2 pi a k / M + (a M / gamma) ds/dk
 *   frequency direction  dphi/dk = -(gamma / (a M)) ds/dn
 * ds/dk is a centred difference over bins. ds/dn is a backward difference
 * (frames n-2, n-1, n), since the plugin has no future frame: the causal
 * variant, which integrates frame n as soon as it arrives. A Hann window of
 * length M behaves like the Gaussian with gamma = 0.25645 M^2 (ltfat's
 * findwindowconstant). Phases are integrated with the trapezoid rule: across
 * time from the previous frame (its phase and its dphi/dn), and across frequency
 * within the current frame, always continuing from the loudest bin whose phase
 * is already known (a max-priority queue over the previous frame's and the
 * current frame's bins). Bins below ANC_PHASE_REL_TOL of the larger frame peak
 * get random phase.
 *
 * stft.h refers phase to the frame's first sample; the window centre is n_fft/2
 * samples later, so the two conventions differ by a factor (-1)^k, applied on
 * output.
 *
 * Cost: this runs once per hop in the audio callback, on up to n_fft/2 + 1
 * bins. Three choices keep it cheap (a third of the instructions of double
 * libm calls and a binary heap) without changing the result measurably
 * (tests/test_phase.c):
 *  - log magnitudes are float, computed once per frame by an inline series
 *    (anc_logf_fast(), float-rounding accurate; the gradients need about 1e-4);
 *  - the priority queue is a bucket queue on the log magnitude quantised to
 *    QUEUE_BUCKETS steps over the 100 dB tolerance range: O(1) push and pop
 *    instead of a binary heap's log2(2 n_bins) levels, as RTPGHI needs only
 *    approximately loudest-first order; and the time steps, all known when
 *    the frame starts, do not go through it: they are sorted once into the
 *    same buckets (a counting sort) and merged with the queue as a stream,
 *    which halves the queue traffic and gives the same order;
 *  - output sin and cos are float polynomials after one range reduction,
 *    which also wraps the phase.
 * Phases and gradients stay double and phases are wrapped every frame, so hours
 * of running lose no precision. */
#include "phase.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastmath.h"
#include "stft.h"

#define TWO_PI 6.283185307179586476925
#define PI 3.141592653589793238463
#define HALF_PI 1.570796326794896619231
/* Added to a phase in quarter turns before truncating it to an integer: a
 * multiple of 4 larger than any |phase| / (pi/2) reached. A phase is a wrapped
 * phase plus one time step (|dphi/dn| <= 2 pi + 140: log magnitudes span
 * [log 1e-20, log FLT_MAX]) plus at most n_bins - 1 frequency steps of at most
 * pi each (8192 at the largest FFT): below 2^15 quarter turns. */
#define QUARTER_TURN_BIAS (1 << 20)

/* Hann window constant C_g in gamma = C_g * M^2 (ltfat findwindowconstant,
 * used by the papers' experiments). */
#define HANN_GAMMA_CONST 0.25645
/* Magnitudes at or below this (-400 dB re full scale) are silence: their log is
 * taken here, so logs and gradients stay finite for zero input. It is a normal
 * float, which anc_logf_fast() relies on. */
#define MAG_FLOOR 1e-20f
/* Seed of the object's own generator (any fixed value: runs must repeat). */
#define OWN_SEED 0x5eed0fa5e5ULL

/* Buckets of the priority queue over the log-magnitude range (thr, thr + 100 dB]
 * that integrate() can push: 2048 steps of 0.05 dB. Ties within a step are
 * taken last in, first out. Measured on tests/test_phase.c against the exact
 * binary heap this replaced: 0.05 dB steps change no spectral convergence by
 * more than 0.15 dB; 0.22 dB steps (448 buckets) cost the clicks 0.3 dB at
 * hop n_fft/8, 1.6 dB steps (64) 1.6 dB. A multiple of 64, at most 64 * 64
 * (two bitmap levels). */
#define QUEUE_BUCKETS 2048
#define QUEUE_WORDS (QUEUE_BUCKETS / 64)

enum { BIN_TODO = 0, BIN_DONE = 1, BIN_RANDOM = 2 };

/* Queue entries are ints. idx < n_bins: bin idx of the current frame is to get
 * its phase from the previous frame (time step); idx >= n_bins: bin idx - n_bins
 * of the current frame is known and passes its phase to its neighbours
 * (frequency step). Each of the 2 n_bins entries is pushed at most once per
 * frame (see integrate()), so a bucket is a singly linked list threaded through
 * next[] and needs no other storage. The two-level bitmap finds the highest
 * non-empty bucket in two bit scans. */
typedef struct bucket_queue {
    int top;                      /* highest non-empty bucket, -1: the queue is empty */
    uint64_t summary;             /* bit w: bits[w] != 0 */
    uint64_t bits[QUEUE_WORDS];   /* bit b % 64 of word b / 64: bucket b not empty */
    int32_t head[QUEUE_BUCKETS];  /* last entry pushed into bucket b, -1: empty */
    int32_t *next;                /* [2 n_bins] entry below idx in its bucket, -1 at the bottom */
    float base;                   /* log magnitude of bucket 0's lower edge (thr) */
    float scale;                  /* buckets per neper */
} bucket_queue;

struct anc_phase {
    int n_fft, hop, n_bins;
    int n_act;         /* bins 0 .. n_act - 1 are worked on; the rest are silent */
    double tscale;     /* a M / (2 gamma): centred ds/dk difference -> dphi/dn */
    double fscale;     /* -gamma / (a M): ds/dn -> dphi/dk */
    float log_tol;     /* log(ANC_PHASE_REL_TOL) */
    float log_floor;   /* log(MAG_FLOOR) */
    double *base;      /* [n_bins] 2 pi ((a k) mod M) / M: the 2 pi a k / M term mod 2 pi */
    /* Histories rotate by pointer, not by copying: l[0], l[1], l[2] are the
     * log magnitudes of frames n, n-1, n-2 (rows of one [3][n_bins] block) and
     * peak[j] is the largest value of l[j]; t[0], t[1] are dphi/dn of frames n,
     * n-1 (rows of one [2][n_bins] block). */
    float *logs, *l[3];
    float peak[3];
    double *tgrad, *t[2];
    double *fgrad;     /* [n_bins] dphi/dk of frame n */
    double *phase;     /* [n_bins] frame n-1's phase, overwritten by frame n's (centre-referred) */
    float *mag;        /* [n_bins] the sanitised input magnitudes */
    unsigned char *state; /* [n_bins] BIN_* for frame n */
    bucket_queue q;
    /* The frame's time steps sorted by bucket, loudest first: order[i] is a bin,
     * order_bucket[i] its bucket; bin_bucket[k] is bin k's bucket or -1 (no
     * time step), count[] the counting sort's tallies (zero between frames). */
    int32_t *order, *order_bucket, *bin_bucket;
    int32_t count[QUEUE_BUCKETS];
    anc_rng own_rng;
};

/* i^j = quarter_turn_re[j] + i quarter_turn_im[j]. */
static const float quarter_turn_re[4] = {1.0f, 0.0f, -1.0f, 0.0f};
static const float quarter_turn_im[4] = {0.0f, 1.0f, 0.0f, -1.0f};

/* Index of the highest set bit of x != 0. */
static inline int top_bit(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return 63 - __builtin_clzll(x);
#else
    int b = 0;
    while (x >>= 1)
        b++;
    return b;
#endif
}

/* Empties the queue (a frame may leave entries behind) and sets its range:
 * keys in (lo, lo + span]. */
static void queue_reset(bucket_queue *q, float lo, float span)
{
    q->top = -1;
    q->summary = 0;
    memset(q->bits, 0, sizeof q->bits);
    memset(q->head, 0xff, sizeof q->head); /* all -1 */
    q->base = lo;
    /* The top key maps to QUEUE_BUCKETS - 1 up to float rounding (a few 1e-7
     * relative), which truncation cannot lift to QUEUE_BUCKETS. */
    q->scale = span > 0.0f ? (float)(QUEUE_BUCKETS - 1) / span : 0.0f;
}

/* The bucket of a key in (lo, lo + span]. */
static inline int queue_bucket(const bucket_queue *q, float key)
{
    return (int)((key - q->base) * q->scale); /* key > base: truncation is floor */
}

static inline void queue_push(bucket_queue *q, float key, int idx)
{
    const int b = queue_bucket(q, key);
    const int w = b >> 6;
    q->top = b > q->top ? b : q->top;
    q->next[idx] = q->head[b];
    q->head[b] = idx;
    q->bits[w] |= (uint64_t)1 << (b & 63);
    q->summary |= (uint64_t)1 << w;
}

/* Removes and returns the last entry pushed into the highest non-empty bucket;
 * the queue is not empty. */
static inline int queue_pop(bucket_queue *q)
{
    const int b = q->top;
    const int idx = q->head[b];
    const int nx = q->next[idx];
    q->head[b] = nx;
    if (nx < 0) { /* bucket b is now empty: find the next one down */
        const int w = b >> 6;
        q->bits[w] &= ~((uint64_t)1 << (b & 63));
        if (q->bits[w] == 0)
            q->summary &= ~((uint64_t)1 << w);
        if (q->summary == 0) {
            q->top = -1;
        } else {
            const int w2 = top_bit(q->summary);
            q->top = (w2 << 6) | top_bit(q->bits[w2]);
        }
    }
    return idx;
}

int anc_phase_method_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "rtpghi") == 0)
        return ANC_PHASE_RTPGHI;
    if (strcmp(name, "random") == 0)
        return ANC_PHASE_RANDOM;
    return -1;
}

const char *anc_phase_method_name(anc_phase_method m)
{
    switch (m) {
    case ANC_PHASE_RTPGHI:
        return "rtpghi";
    case ANC_PHASE_RANDOM:
        return "random";
    }
    return "unknown";
}

anc_status anc_phase_create(anc_phase **out, int n_fft, int hop, anc_error *err)
{
    if (!out)
        return anc_error_set(err, ANC_E_INVALID, "anc_phase_create: no output pointer");
    *out = NULL;
    if (n_fft < ANC_STFT_MIN_FFT || n_fft > ANC_STFT_MAX_FFT || n_fft % 2 != 0)
        return anc_error_set(err, ANC_E_INVALID,
                             "phase reconstruction: FFT size %d invalid: must be even, %d..%d",
                             n_fft, ANC_STFT_MIN_FFT, ANC_STFT_MAX_FFT);
    if (hop < 1 || hop > n_fft / 2)
        return anc_error_set(err, ANC_E_INVALID,
                             "phase reconstruction: hop %d invalid for FFT size %d: must be 1..%d",
                             hop, n_fft, n_fft / 2);

    anc_phase *ph = calloc(1, sizeof *ph);
    if (!ph)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for phase reconstruction");
    const size_t nb = (size_t)n_fft / 2 + 1;
    ph->n_fft = n_fft;
    ph->hop = hop;
    ph->n_bins = (int)nb;
    ph->n_act = (int)nb;
    ph->base = malloc(nb * sizeof *ph->base);
    ph->logs = malloc(3 * nb * sizeof *ph->logs);
    ph->tgrad = malloc(2 * nb * sizeof *ph->tgrad);
    ph->fgrad = malloc(nb * sizeof *ph->fgrad);
    ph->phase = malloc(nb * sizeof *ph->phase);
    ph->mag = malloc(nb * sizeof *ph->mag);
    ph->state = malloc(nb * sizeof *ph->state);
    ph->q.next = malloc(2 * nb * sizeof *ph->q.next);
    ph->order = malloc(3 * nb * sizeof *ph->order);
    if (!ph->base || !ph->logs || !ph->tgrad || !ph->fgrad || !ph->phase || !ph->mag ||
        !ph->state || !ph->q.next || !ph->order) {
        anc_phase_free(ph);
        return anc_error_set(err, ANC_E_NOMEM,
                             "out of memory for phase reconstruction buffers (FFT size %d)", n_fft);
    }
    ph->order_bucket = ph->order + nb;
    ph->bin_bucket = ph->order + 2 * nb;

    const double M = (double)n_fft, a = (double)hop;
    const double gamma = HANN_GAMMA_CONST * M * M;
    ph->tscale = a * M / (2.0 * gamma);
    ph->fscale = -gamma / (a * M);
    ph->log_tol = (float)log(ANC_PHASE_REL_TOL);
    ph->log_floor = anc_logf_fast(MAG_FLOOR); /* exactly what update_gradients() computes */
    /* (a k) mod M in integers keeps the large per-hop advance of high bins exact. */
    for (size_t k = 0; k < nb; k++)
        ph->base[k] = TWO_PI * (double)(((long long)hop * (long long)k) % n_fft) / M;

    anc_phase_reset(ph);
    *out = ph;
    return ANC_OK;
}

void anc_phase_free(anc_phase *ph)
{
    if (!ph)
        return;
    free(ph->base);
    free(ph->logs);
    free(ph->tgrad);
    free(ph->fgrad);
    free(ph->phase);
    free(ph->mag);
    free(ph->state);
    free(ph->q.next);
    free(ph->order);
    free(ph);
}

void anc_phase_reset(anc_phase *ph)
{
    const int nb = ph->n_bins;
    /* Silence before the first frame: floor logs, the gradient of a flat
     * spectrum, zero phase. Every row is set alike, so the rotation state of the
     * history pointers does not matter and a reset stream repeats itself. */
    for (int j = 0; j < 3; j++) {
        ph->l[j] = ph->logs + (size_t)j * nb;
        ph->peak[j] = ph->log_floor;
    }
    ph->t[0] = ph->tgrad;
    ph->t[1] = ph->tgrad + nb;
    for (int k = 0; k < 3 * nb; k++)
        ph->logs[k] = ph->log_floor;
    for (int k = 0; k < nb; k++) {
        ph->t[0][k] = ph->base[k];
        ph->t[1][k] = ph->base[k];
        ph->fgrad[k] = 0.0;
        ph->phase[k] = 0.0;
    }
    anc_rng_seed(&ph->own_rng, OWN_SEED);
}

void anc_phase_set_band(anc_phase *ph, int n_active)
{
    ph->n_act = n_active < 1 ? 1 : (n_active > ph->n_bins ? ph->n_bins : n_active);
    anc_phase_reset(ph);
}

/* Shifts the history one frame, sanitises mag into ph->mag and computes frame
 * n's logs and gradients. */
static void update_gradients(anc_phase *ph, const float *mag)
{
    const int nb = ph->n_bins, na = ph->n_act;
    float *const oldest = ph->l[2];
    ph->l[2] = ph->l[1];
    ph->l[1] = ph->l[0];
    ph->l[0] = oldest;
    ph->peak[2] = ph->peak[1];
    ph->peak[1] = ph->peak[0];
    double *const older = ph->t[1];
    ph->t[1] = ph->t[0];
    ph->t[0] = older;
    const float *l2 = ph->l[2], *l1 = ph->l[1];
    float *l0 = ph->l[0];
    double *t0 = ph->t[0];

    /* Bins from na on keep the floor log that anc_phase_reset() gave them. */
    float peak = ph->log_floor;
    for (int k = 0; k < na; k++) {
        float v = mag[k];
        v = v > FLT_MAX ? FLT_MAX : (v > 0.0f ? v : 0.0f); /* NaN fails v > 0 */
        ph->mag[k] = v;
        l0[k] = anc_logf_fast(v > MAG_FLOOR ? v : MAG_FLOOR);
        peak = l0[k] > peak ? l0[k] : peak;
    }
    ph->peak[0] = peak;

    /* dphi/dn: centred difference over bins; DC and Nyquist have no two-sided
     * neighbourhood and are real anyway, so they keep the bin-centre advance. */
    t0[0] = ph->base[0];
    t0[nb - 1] = ph->base[nb - 1];
    const int kt = na < nb - 1 ? na : nb - 1;
    for (int k = 1; k < kt; k++)
        t0[k] = ph->base[k] + ph->tscale * (double)(l0[k + 1] - l0[k - 1]);

    /* dphi/dk: second-order backward difference ds/dn = (3 s_n - 4 s_{n-1} + s_{n-2}) / 2
     * (the causal variant of phaseret's rtpghi) where frames n-2 and n-1 both
     * hold the bin above tolerance, else the first-order s_n - s_{n-1}: a floor
     * value two frames back (a click entering the window) flips the sign of the
     * second-order estimate. dphi/dk = -2 pi t0 / M for energy t0 samples from
     * the window centre, and the window spans |t0| <= M/2, so the gradient is
     * clamped to [-pi, pi]: an onset from silence reads as energy at the
     * window's leading edge instead of the floor's arbitrary -400 dB step. */
    float top = ph->peak[0] > ph->peak[1] ? ph->peak[0] : ph->peak[1];
    top = ph->peak[2] > top ? ph->peak[2] : top;
    const float thr = top + ph->log_tol > ph->log_floor ? top + ph->log_tol : ph->log_floor;
    for (int k = 0; k < na; k++) {
        const float ds = (l2[k] > thr && l1[k] > thr) ? 0.5f * (3.0f * l0[k] - 4.0f * l1[k] + l2[k])
                                                      : l0[k] - l1[k];
        const double g = ph->fscale * (double)ds;
        ph->fgrad[k] = g > PI ? PI : (g < -PI ? -PI : g);
    }
}

/* Priority-queue integration of frame n's phase (centre-referred) in ph->phase,
 * which holds frame n-1's on entry. */
static void integrate(anc_phase *ph, anc_rng *rng)
{
    const int nb = ph->n_bins, na = ph->n_act;
    const float *l1 = ph->l[1], *l0 = ph->l[0];
    const double *t1 = ph->t[1], *t0 = ph->t[0];
    const double *fg = ph->fgrad;
    double *phase = ph->phase;
    unsigned char *state = ph->state;
    bucket_queue *q = &ph->q;

    const float top = ph->peak[0] > ph->peak[1] ? ph->peak[0] : ph->peak[1];
    float thr = top + ph->log_tol;
    if (thr < ph->log_floor)
        thr = ph->log_floor; /* floor-level bins are silence, never "above tolerance" */
    /* Every key pushed below is a log magnitude of frame n-1 or n above thr,
     * so it lies in (thr, top]. */
    queue_reset(q, thr, top - thr);

    /* Each entry is pushed at most once per frame: a time step only for a bin
     * still to do, initially or as a seed, and popping it leaves that bin done,
     * so it is never seeded afterwards; a known entry only when its bin becomes
     * done. Hence at most 2 n_bins pops, and the linked buckets stay sound.
     *
     * The initial time steps (bins above tolerance in both frames) form a
     * stream sorted by bucket, loudest first and, within a bucket, highest bin
     * first; the queue holds the known entries and the seeds. Taking the
     * stream's head only when its bucket is above the queue's top gives the
     * order of one queue holding everything (last in, first out within a
     * bucket: the initial time steps were pushed first, in bin order). */
    int32_t *const order = ph->order, *const order_bucket = ph->order_bucket;
    int32_t *const bin_bucket = ph->bin_bucket, *const count = ph->count;
    int remaining = 0, n_time = 0, b_lo = QUEUE_BUCKETS, b_hi = -1;
    for (int k = 0; k < na; k++) {
        bin_bucket[k] = -1;
        if (l0[k] > thr) {
            state[k] = BIN_TODO;
            remaining++;
            if (l1[k] > thr) {
                const int b = queue_bucket(q, l1[k]);
                bin_bucket[k] = b;
                count[b]++;
                n_time++;
                b_lo = b < b_lo ? b : b_lo;
                b_hi = b > b_hi ? b : b_hi;
            }
        } else {
            /* Integration never reads a random bin's phase. */
            state[k] = BIN_RANDOM;
            phase[k] = TWO_PI * anc_rng_uniform(rng);
        }
    }
    /* counting sort: count[b] becomes the start of bucket b in order[] ... */
    for (int b = b_hi, start = 0; b >= b_lo; b--) {
        const int c = count[b];
        count[b] = start;
        start += c;
    }
    for (int k = na - 1; k >= 0; k--) {
        const int b = bin_bucket[k];
        if (b >= 0) {
            const int at = count[b]++;
            order[at] = k;
            order_bucket[at] = b;
        }
    }
    /* ... and is zero again for the next frame */
    if (b_hi >= b_lo)
        memset(count + b_lo, 0, sizeof *count * (size_t)(b_hi - b_lo + 1));

    int next_time = 0;
    while (remaining > 0) {
        while (next_time < n_time && state[order[next_time]] != BIN_TODO)
            next_time++; /* reached from a neighbour first */
        int i;
        if (next_time < n_time && order_bucket[next_time] > q->top) {
            i = order[next_time++];
        } else {
            if (q->top < 0) {
                /* No known neighbour and no time step left: seed the loudest
                 * remaining bins from the previous frame's phase, as the
                 * offline PGHI seeds new islands. */
                for (int k = 0; k < na; k++)
                    if (state[k] == BIN_TODO)
                        queue_push(q, l0[k], k);
            }
            i = queue_pop(q);
        }
        if (i < nb) {
            if (state[i] == BIN_TODO) {
                phase[i] += 0.5 * (t1[i] + t0[i]);
                state[i] = BIN_DONE;
                remaining--;
                queue_push(q, l0[i], nb + i);
            }
        } else {
            const int k = i - nb;
            if (k + 1 < na && state[k + 1] == BIN_TODO) {
                phase[k + 1] = phase[k] + 0.5 * (fg[k] + fg[k + 1]);
                state[k + 1] = BIN_DONE;
                remaining--;
                queue_push(q, l0[k + 1], nb + k + 1);
            }
            if (k > 0 && state[k - 1] == BIN_TODO) {
                phase[k - 1] = phase[k] - 0.5 * (fg[k] + fg[k - 1]);
                state[k - 1] = BIN_DONE;
                remaining--;
                queue_push(q, l0[k - 1], nb + k - 1);
            }
        }
    }
}

void anc_phase_next(anc_phase *ph, anc_phase_method m, const float *mag, float *re, float *im,
                    anc_rng *rng)
{
    const int nb = ph->n_bins, na = ph->n_act;
    if (!rng)
        rng = &ph->own_rng;

    update_gradients(ph, mag);

    if (m == ANC_PHASE_RANDOM) {
        for (int k = 0; k < na; k++)
            ph->phase[k] = TWO_PI * anc_rng_uniform(rng);
    } else {
        integrate(ph, rng);
    }

    for (int k = 0; k < na; k++) {
        /* One reduction serves the wrap and the polynomials: p = r + n pi/2 with
         * |r| <= pi/4. QUARTER_TURN_BIAS makes y positive, so truncation is
         * floor, and is a multiple of 4, so n mod 4 survives it. */
        const double p = ph->phase[k];
        const double y = p * (1.0 / HALF_PI) + (0.5 + QUARTER_TURN_BIAS);
        const int n_biased = (int)y;
        const int quad = n_biased & 3; /* n mod 4 */
        const int turns = (n_biased >> 2) - QUARTER_TURN_BIAS / 4;
        const double wrapped = p - (double)turns * TWO_PI;
        const double r = wrapped - (double)quad * HALF_PI;
        ph->phase[k] = wrapped; /* r + (n mod 4) pi/2, in [-pi/4, 7pi/4] */
        float s, c;
        anc_sincosf_reduced((float)r, &s, &c);
        /* mag (-1)^k e^{i p} = mag (c + i s) i^(n + 2k): (-1)^k moves the phase
         * to the frame start and i^n restores the quarter turns (a, b of
         * a + i b = i^j are 0 or +-1, so the products are exact). */
        const int j = (quad + 2 * k) & 3;
        const float a = ph->mag[k] * quarter_turn_re[j], b = ph->mag[k] * quarter_turn_im[j];
        re[k] = a * c - b * s;
        im[k] = a * s + b * c;
    }
    /* DC and Nyquist of a real frame are real (phase 0 or pi in either
     * reference), and the inverse FFT drops their imaginary parts: snap them so
     * their magnitude survives. The kept phase lies in [-pi/4, 7pi/4]; pi is the
     * nearer where cos(phase) < 0. */
    for (int k = na; k < nb; k++) {
        re[k] = 0.0f;
        im[k] = 0.0f;
    }
    for (int e = 0; e < (na == nb ? 2 : 1); e++) {
        const int k = e ? nb - 1 : 0;
        const int flip = ph->phase[k] > 0.5 * PI && ph->phase[k] < 1.5 * PI;
        ph->phase[k] = flip ? PI : 0.0;
        const float v = ((k & 1) != flip) ? -ph->mag[k] : ph->mag[k];
        re[k] = v;
        im[k] = 0.0f;
    }
}

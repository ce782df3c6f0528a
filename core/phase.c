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
 * is already known (a max-heap over the previous frame's and the current frame's
 * bins). Bins below ANC_PHASE_REL_TOL of the larger frame peak get random phase.
 *
 * stft.h refers phase to the frame's first sample; the window centre is n_fft/2
 * samples later, so the two conventions differ by a factor (-1)^k, applied on
 * output. Arithmetic is in double and phases are wrapped every frame, so
 * hours of running lose no precision. */
#include "phase.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stft.h"

#define TWO_PI 6.283185307179586476925
#define PI 3.141592653589793238463

/* Hann window constant C_g in gamma = C_g * M^2 (ltfat findwindowconstant,
 * used by the papers' experiments). */
#define HANN_GAMMA_CONST 0.25645
/* Magnitudes at or below this (-400 dB re full scale) are silence: their log is
 * taken here, so logs and gradients stay finite for zero input. */
#define MAG_FLOOR 1e-20
/* Seed of the object's own generator (any fixed value: runs must repeat). */
#define OWN_SEED 0x5eed0fa5e5ULL

enum { BIN_TODO = 0, BIN_DONE = 1, BIN_RANDOM = 2 };

/* A heap entry. idx < n_bins: bin idx of the current frame is to get its phase
 * from the previous frame (time step); idx >= n_bins: bin idx - n_bins of the
 * current frame is known and passes its phase to its neighbours (frequency
 * step). key is the log magnitude the heap orders by; float precision orders
 * magnitudes to 1e-7 relative, and 8-byte entries keep the heap in cache. */
typedef struct heap_entry {
    float key;
    int idx;
} heap_entry;

struct anc_phase {
    int n_fft, hop, n_bins;
    double tscale;     /* a M / (2 gamma): centred ds/dk difference -> dphi/dn */
    double fscale;     /* -gamma / (a M): ds/dn -> dphi/dk */
    double log_tol;    /* log(ANC_PHASE_REL_TOL) */
    double log_floor;  /* log(MAG_FLOOR) */
    double *base;      /* [n_bins] 2 pi ((a k) mod M) / M: the 2 pi a k / M term mod 2 pi */
    double *logs;      /* [3][n_bins] log magnitudes of frames n-2, n-1, n */
    double *tgrad;     /* [2][n_bins] dphi/dn of frames n-1, n */
    double *fgrad;     /* [n_bins] dphi/dk of frame n */
    double *phase;     /* [n_bins] frame n-1's phase, overwritten by frame n's (centre-referred) */
    float *mag;        /* [n_bins] the sanitised input magnitudes */
    unsigned char *state; /* [n_bins] BIN_* for frame n */
    heap_entry *heap;  /* [2 n_bins]: the bound shown in integrate() */
    int heap_len;
    anc_rng own_rng;
};

/* Moves e up from slot j to its place. */
static void sift_up(heap_entry *h, int j, heap_entry e)
{
    while (j > 0) {
        int p = (j - 1) / 2;
        if (h[p].key >= e.key)
            break;
        h[j] = h[p];
        j = p;
    }
    h[j] = e;
}

static void heap_push(anc_phase *ph, double key, int idx)
{
    if (ph->heap_len >= 2 * ph->n_bins)
        return; /* unreachable (see integrate()); keeps a bug from writing out of bounds */
    heap_entry e = {(float)key, idx};
    sift_up(ph->heap, ph->heap_len++, e);
}

/* Removes and returns the entry with the largest key; the heap is not empty.
 * Floyd's variant: the hole left at the root sinks along the larger children to
 * a leaf (one comparison per level), and the last entry, which belongs near
 * the bottom, rises from there. */
static int heap_pop(anc_phase *ph)
{
    heap_entry *h = ph->heap;
    const int top = h[0].idx;
    const int n = --ph->heap_len;
    if (n == 0)
        return top;
    int j = 0;
    for (;;) {
        int c = 2 * j + 1;
        if (c >= n)
            break;
        c += c + 1 < n && h[c + 1].key > h[c].key;
        h[j] = h[c];
        j = c;
    }
    sift_up(h, j, h[n]);
    return top;
}

/* Orders h[0 .. heap_len) into a heap in linear time. */
static void heapify(anc_phase *ph)
{
    heap_entry *h = ph->heap;
    const int n = ph->heap_len;
    for (int i = n / 2 - 1; i >= 0; i--) {
        const heap_entry e = h[i];
        int j = i;
        for (;;) {
            int c = 2 * j + 1;
            if (c >= n)
                break;
            c += c + 1 < n && h[c + 1].key > h[c].key;
            if (h[c].key <= e.key)
                break;
            h[j] = h[c];
            j = c;
        }
        h[j] = e;
    }
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
    ph->base = malloc(nb * sizeof *ph->base);
    ph->logs = malloc(3 * nb * sizeof *ph->logs);
    ph->tgrad = malloc(2 * nb * sizeof *ph->tgrad);
    ph->fgrad = malloc(nb * sizeof *ph->fgrad);
    ph->phase = malloc(nb * sizeof *ph->phase);
    ph->mag = malloc(nb * sizeof *ph->mag);
    ph->state = malloc(nb * sizeof *ph->state);
    ph->heap = malloc(2 * nb * sizeof *ph->heap);
    if (!ph->base || !ph->logs || !ph->tgrad || !ph->fgrad || !ph->phase || !ph->mag ||
        !ph->state || !ph->heap) {
        anc_phase_free(ph);
        return anc_error_set(err, ANC_E_NOMEM,
                             "out of memory for phase reconstruction buffers (FFT size %d)", n_fft);
    }

    const double M = (double)n_fft, a = (double)hop;
    const double gamma = HANN_GAMMA_CONST * M * M;
    ph->tscale = a * M / (2.0 * gamma);
    ph->fscale = -gamma / (a * M);
    ph->log_tol = log(ANC_PHASE_REL_TOL);
    ph->log_floor = log(MAG_FLOOR);
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
    free(ph->heap);
    free(ph);
}

void anc_phase_reset(anc_phase *ph)
{
    const int nb = ph->n_bins;
    /* Silence before the first frame: floor logs, the gradient of a flat
     * spectrum, zero phase. */
    for (int k = 0; k < 3 * nb; k++)
        ph->logs[k] = ph->log_floor;
    for (int k = 0; k < nb; k++) {
        ph->tgrad[k] = ph->base[k];
        ph->tgrad[nb + k] = ph->base[k];
        ph->fgrad[k] = 0.0;
        ph->phase[k] = 0.0;
    }
    ph->heap_len = 0;
    anc_rng_seed(&ph->own_rng, OWN_SEED);
}

/* Shifts the history one frame and computes frame n's logs and gradients from
 * the sanitised magnitudes. */
static void update_gradients(anc_phase *ph)
{
    const int nb = ph->n_bins;
    double *l2 = ph->logs, *l1 = ph->logs + nb, *l0 = ph->logs + 2 * nb;
    double *t1 = ph->tgrad, *t0 = ph->tgrad + nb;
    memmove(ph->logs, ph->logs + nb, 2 * (size_t)nb * sizeof *ph->logs);
    memcpy(t1, t0, (size_t)nb * sizeof *t0);

    for (int k = 0; k < nb; k++) {
        double v = (double)ph->mag[k];
        l0[k] = log(v > MAG_FLOOR ? v : MAG_FLOOR);
    }

    /* dphi/dn: centred difference over bins; DC and Nyquist have no two-sided
     * neighbourhood and are real anyway, so they keep the bin-centre advance. */
    t0[0] = ph->base[0];
    t0[nb - 1] = ph->base[nb - 1];
    for (int k = 1; k < nb - 1; k++)
        t0[k] = ph->base[k] + ph->tscale * (l0[k + 1] - l0[k - 1]);

    /* dphi/dk: second-order backward difference ds/dn = (3 s_n - 4 s_{n-1} + s_{n-2}) / 2
     * (the causal variant of phaseret's rtpghi) where frames n-2 and n-1 both
     * hold the bin above tolerance, else the first-order s_n - s_{n-1}: a floor
     * value two frames back (a click entering the window) flips the sign of the
     * second-order estimate. dphi/dk = -2 pi t0 / M for energy t0 samples from
     * the window centre, and the window spans |t0| <= M/2, so the gradient is
     * clamped to [-pi, pi]: an onset from silence reads as energy at the
     * window's leading edge instead of the floor's arbitrary -400 dB step. */
    double peak = l2[0];
    for (int k = 0; k < 3 * nb; k++)
        peak = l2[k] > peak ? l2[k] : peak; /* l2, l1, l0 are contiguous */
    const double thr = peak + ph->log_tol > ph->log_floor ? peak + ph->log_tol : ph->log_floor;
    for (int k = 0; k < nb; k++) {
        double ds = (l2[k] > thr && l1[k] > thr) ? 0.5 * (3.0 * l0[k] - 4.0 * l1[k] + l2[k])
                                                 : l0[k] - l1[k];
        double g = ph->fscale * ds;
        ph->fgrad[k] = g > PI ? PI : (g < -PI ? -PI : g);
    }
}

/* Heap integration of frame n's phase (centre-referred) in ph->phase, which holds
 * frame n-1's on entry. */
static void integrate(anc_phase *ph, anc_rng *rng)
{
    const int nb = ph->n_bins;
    const double *l1 = ph->logs + nb, *l0 = ph->logs + 2 * nb;
    const double *t1 = ph->tgrad, *t0 = ph->tgrad + nb;
    const double *fg = ph->fgrad;
    double *phase = ph->phase;
    unsigned char *state = ph->state;

    double peak = l1[0];
    for (int k = 0; k < 2 * nb; k++)
        peak = l1[k] > peak ? l1[k] : peak; /* l1 and l0 are contiguous */
    double thr = peak + ph->log_tol;
    if (thr < ph->log_floor)
        thr = ph->log_floor; /* floor-level bins are silence, never "above tolerance" */

    int remaining = 0;
    for (int k = 0; k < nb; k++) {
        state[k] = l0[k] > thr ? BIN_TODO : BIN_RANDOM;
        remaining += state[k] == BIN_TODO;
    }

    /* Heap bound: every bin is pushed at most once as a time step from the
     * previous frame and at most once as a known current bin: 2 n_bins. When the
     * heap runs dry with bins left (a new partial, an onset after silence), it is
     * empty, and each remaining bin is pushed once as a seed, which again stays
     * within 2 n_bins; after that it cannot run dry before all bins are done. */
    ph->heap_len = 0;
    for (int k = 0; k < nb; k++)
        if (state[k] == BIN_TODO && l1[k] > thr)
            ph->heap[ph->heap_len++] = (heap_entry){(float)l1[k], k};
    heapify(ph);

    while (remaining > 0) {
        if (ph->heap_len == 0) {
            /* No known neighbour: seed the loudest remaining bins from the
             * previous frame's phase, as the offline PGHI seeds new islands. */
            for (int k = 0; k < nb; k++)
                if (state[k] == BIN_TODO)
                    heap_push(ph, l0[k], k);
        }
        const int i = heap_pop(ph);
        if (i < nb) {
            if (state[i] == BIN_TODO) {
                phase[i] += 0.5 * (t1[i] + t0[i]);
                state[i] = BIN_DONE;
                remaining--;
                heap_push(ph, l0[i], nb + i);
            }
        } else {
            const int k = i - nb;
            if (k + 1 < nb && state[k + 1] == BIN_TODO) {
                phase[k + 1] = phase[k] + 0.5 * (fg[k] + fg[k + 1]);
                state[k + 1] = BIN_DONE;
                remaining--;
                heap_push(ph, l0[k + 1], nb + k + 1);
            }
            if (k > 0 && state[k - 1] == BIN_TODO) {
                phase[k - 1] = phase[k] - 0.5 * (fg[k] + fg[k - 1]);
                state[k - 1] = BIN_DONE;
                remaining--;
                heap_push(ph, l0[k - 1], nb + k - 1);
            }
        }
    }

    for (int k = 0; k < nb; k++)
        if (state[k] == BIN_RANDOM)
            phase[k] = TWO_PI * anc_rng_uniform(rng);
}

void anc_phase_next(anc_phase *ph, anc_phase_method m, const float *mag, float *re, float *im,
                    anc_rng *rng)
{
    const int nb = ph->n_bins;
    if (!rng)
        rng = &ph->own_rng;

    for (int k = 0; k < nb; k++) {
        float v = mag[k];
        ph->mag[k] = v > FLT_MAX ? FLT_MAX : (v > 0.0f ? v : 0.0f); /* NaN fails v > 0 */
    }
    update_gradients(ph);

    if (m == ANC_PHASE_RANDOM) {
        for (int k = 0; k < nb; k++)
            ph->phase[k] = TWO_PI * anc_rng_uniform(rng);
    } else {
        integrate(ph, rng);
    }

    for (int k = 0; k < nb; k++) {
        /* Wrapped to [-pi, pi]: the next frame starts from a small value. */
        double p = ph->phase[k];
        p -= TWO_PI * floor(p * (1.0 / TWO_PI) + 0.5);
        ph->phase[k] = p;
        const double v = (k & 1) ? -(double)ph->mag[k] : (double)ph->mag[k]; /* (-1)^k: frame start */
        re[k] = (float)(v * cos(p));
        im[k] = (float)(v * sin(p));
    }
    /* DC and Nyquist of a real frame are real (phase 0 or pi in either
     * reference), and the inverse FFT drops their imaginary parts: snap them so
     * their magnitude survives. */
    for (int e = 0; e < 2; e++) {
        const int k = e ? nb - 1 : 0;
        const int flip = fabs(ph->phase[k]) > 0.5 * PI;
        ph->phase[k] = flip ? PI : 0.0;
        const double v = ((k & 1) != flip) ? -(double)ph->mag[k] : (double)ph->mag[k];
        re[k] = (float)v;
        im[k] = 0.0f;
    }
}

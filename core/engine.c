/* engine.c — the real-time synthesis engine (see engine.h for the contract).
 *
 * One frame per hop: latent target -> glide -> decoder mean f(z) -> feature
 * noise (ancestral sampling of x) -> dB -> magnitudes on the model's bins, which
 * are the synthesis bins -> phase (RTPGHI or random) -> inverse FFT ->
 * overlap-add. The newest frame completes the next hop of output, which is
 * played from a FIFO; a new frame is made whenever the FIFO runs dry, so any
 * block length works, including blocks that do not divide the hop.
 *
 * Rates: the synthesis runs at a rate whose FFT size is 7-smooth and whose bins
 * fall exactly on the model's (n_fft * model_rate / model_n_fft); when that is
 * not the host rate (most rates: it is within 1 % of it), a band-limited
 * converter (resample.h) takes the FIFO to the host rate. Interpolating the
 * magnitudes onto a host-rate grid instead was tried and measured: it smooths
 * the spectrum's fine structure, and RTPGHI turns that into a darker sound
 * (centroid up to 4 % low at 32 kHz with Lanczos-3, 2.5 % with linear).
 *
 * Latency: controls are read once per run() and picked up by the next frame,
 * which starts playing 0 .. hop-1 synthesis samples later depending on where
 * the block falls on the frame grid. The engine reports the middle of that
 * range, hop/2, plus the converter's delay, in host samples: the delay that
 * centres host latency compensation on the true one. */
#include "engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define ANC_HAVE_MXCSR 1
#endif

#include "feature.h"
#include "nn.h"
#include "resample.h"
#include "rng.h"
#include "stft.h"

/* Decoded levels are clamped to this ceiling (dBFS per bin) before exp. */
#define DB_CEILING 12.0f
/* Time constant of the gain and enable ramps: 10 ms, click-free. */
#define RAMP_SECONDS 0.01

struct anc_engine {
    /* model */
    int L, D, maxw;
    anc_mlp dec;    /* the model's decoder over our own copy of its weights */
    float *weights; /* that copy */
    float *post[ANC_MLP_MAX_LAYERS]; /* layer outputs: h1, h2, h1, .., then feat */
    float *mean, *std; /* [D] */
    float sigma;
    double model_rate;
    /* synthesis (at synth_rate) and host */
    double host_rate, synth_rate, hop_seconds;
    int n_fft, hop, bins; /* of the synthesis STFT, at synth_rate */
    int band;             /* synthesis bins that carry model bins; the rest are silent */
    anc_resampler *rs;    /* synth_rate -> host_rate, NULL when they are equal */
    anc_stft *stft;
    anc_phase *phase;
    /* signal state */
    float *z, *target, *drawn, *ext; /* [L] */
    int have_ext;
    float *h1, *h2;    /* [maxw] */
    float *feat;       /* [D] features, then magnitudes on model bins */
    float *eps;        /* [D] standard normal draws for the feature noise */
    float *mag, *re, *im; /* [bins] */
    float *frame, *ola;   /* [n_fft] */
    float *fifo;          /* [hop] finished output */
    int fifo_pos;         /* next sample to play; hop = empty */
    double since_draw;    /* seconds since the last prior draw */
    int drawn_once;
    float gain, enable;   /* current ramped values */
    float ramp;           /* per-sample ramp coefficient */
    anc_rng rng;
    uint64_t seed;
    anc_engine_params p;
    float *block;         /* one allocation behind every float buffer */
};

/* True when n has no prime factor above 7: FFTW is fast on such sizes and slow
 * on large primes (2230 = 2 * 5 * 223 runs several times slower than 2240), and
 * worse, its plans for sizes with a large prime factor (Rader's algorithm)
 * allocate inside fftwf_execute(): 2230 makes 10 heap calls per transform.
 * Every even 7-smooth size from 256 to 16384 makes none (tests/test_engine.c),
 * so the engine uses only those, also at the model's own rate. */
static int smooth(int n)
{
    static const int primes[] = {2, 3, 5, 7};
    for (int i = 0; i < 4; i++)
        while (n % primes[i] == 0)
            n /= primes[i];
    return n == 1;
}

/* The even 7-smooth size nearest to x (ties go up). */
static int nearest_smooth_even(double x)
{
    int c = 2 * (int)lround(0.5 * x);
    for (int d = 0;; d += 2) {
        if (smooth(c + d))
            return c + d;
        if (c - d >= 2 && smooth(c - d))
            return c - d;
    }
}

void anc_engine_params_default(anc_engine_params *p)
{
    memset(p, 0, sizeof *p);
    anc_controls_default(p);
    p->phase = ANC_PHASE_RTPGHI;
}

static float clampf(float v, float lo, float hi, float dflt)
{
    if (!isfinite(v))
        return dflt;
    return v < lo ? lo : v > hi ? hi : v;
}

void anc_engine_set_params(anc_engine *e, const anc_engine_params *in)
{
    anc_controls_clamp(&e->p, in);
    e->p.phase = (in->phase >= 0 && in->phase < ANC_PHASE_METHOD_COUNT) ? in->phase
                                                                        : ANC_PHASE_RTPGHI;
}

void anc_engine_free(anc_engine *e)
{
    if (!e)
        return;
    anc_stft_free(e->stft);
    anc_phase_free(e->phase);
    free(e->weights);
    anc_resampler_free(e->rs);
    free(e->block);
    free(e);
}

/* The synthesis STFT for a model at a host rate. */
typedef struct synth_geometry {
    const anc_model_header *h; /* the model's */
    int n_fft, hop;
    double synth_rate;
    int convert; /* synth_rate differs from the host rate: a converter is needed */
    double pass; /* the converter's pass band, Hz */
} synth_geometry;

static anc_status synth_geometry_for(const anc_model *m, double host_rate, synth_geometry *g,
                                     anc_error *err)
{
    if (!m)
        return anc_error_set(err, ANC_E_INVALID, "no model");
    const anc_model_header *h = g->h = anc_model_get_header(m);
    if (!(host_rate >= 8000.0 && host_rate <= 384000.0))
        return anc_error_set(err, ANC_E_INVALID, "host sample rate %g Hz out of range 8000..384000",
                             host_rate);
    /* Same frame and hop durations as the model, scaled to the host rate, with
     * the FFT rounded to the nearest size FFTW handles fast; the synthesis rate
     * is what puts that FFT's bins exactly on the model's. */
    double ratio = host_rate / (double)h->sample_rate;
    g->n_fft = nearest_smooth_even(h->n_fft * ratio);
    g->synth_rate = (double)g->n_fft * h->sample_rate / h->n_fft;
    g->hop = (int)lround((double)h->hop * g->n_fft / h->n_fft);
    if (g->hop < 1)
        g->hop = 1;
    if (g->hop > g->n_fft / 2)
        g->hop = g->n_fft / 2;
    g->convert = fabs(g->synth_rate / host_rate - 1.0) > 1e-12;
    /* Pass what the model can hold, up to 90 % of the lower Nyquist frequency. */
    double lo = g->synth_rate < host_rate ? g->synth_rate : host_rate;
    g->pass = 0.5 * h->sample_rate < 0.45 * lo ? 0.5 * h->sample_rate : 0.45 * lo;
    return ANC_OK;
}

/* The message of a model that cannot run at host_rate, err's own as the reason. */
static anc_status cannot_run(anc_error *err, anc_status s, const anc_model_header *h,
                             double host_rate)
{
    char why[ANC_ERROR_MESSAGE_MAX] = ""; /* err->message cannot be both format and target */
    if (err)
        snprintf(why, sizeof why, "%s", err->message);
    return anc_error_set(err, s, "model FFT %u at %u Hz cannot run at %g Hz: %s",
                         (unsigned)h->n_fft, (unsigned)h->sample_rate, host_rate, why);
}

/* hop/2 synthesis samples (see the top of this file) plus the converter's delay,
 * in host samples. */
static uint32_t latency_frames(int hop, const anc_resampler *rs, double host_rate,
                               double synth_rate)
{
    if (!rs)
        return (uint32_t)(hop / 2);
    double in = hop / 2 + anc_resampler_delay_in(rs);
    return (uint32_t)lround(in * host_rate / synth_rate);
}

anc_status anc_engine_latency_for(const anc_model *m, double host_rate, uint32_t *latency,
                                  anc_error *err)
{
    *latency = 0;
    synth_geometry g;
    anc_status s = synth_geometry_for(m, host_rate, &g, err);
    if (s != ANC_OK)
        return s;
    const anc_model_header *h = g.h;
    /* The sizes anc_stft_create() and anc_phase_create() accept. */
    if (g.n_fft < ANC_STFT_MIN_FFT || g.n_fft > ANC_STFT_MAX_FFT) {
        anc_error_set(err, ANC_E_INVALID, "FFT size %d invalid: must be even, %d..%d", g.n_fft,
                      ANC_STFT_MIN_FFT, ANC_STFT_MAX_FFT);
        return cannot_run(err, ANC_E_INVALID, h, host_rate);
    }
    anc_resampler *rs = NULL;
    if (g.convert && (s = anc_resampler_create(&rs, g.synth_rate, host_rate, g.pass, err)) != ANC_OK)
        return cannot_run(err, s, h, host_rate);
    *latency = latency_frames(g.hop, rs, host_rate, g.synth_rate);
    anc_resampler_free(rs);
    return ANC_OK;
}

anc_status anc_engine_create(anc_engine **out, const anc_model *m, double host_rate,
                             uint64_t seed, anc_error *err)
{
    *out = NULL;
    synth_geometry g;
    anc_status s = synth_geometry_for(m, host_rate, &g, err);
    if (s != ANC_OK)
        return s;
    const anc_model_header *h = g.h;
    anc_engine *e = calloc(1, sizeof *e);
    if (!e)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the engine");
    e->L = h->arch.n_latent;
    e->D = h->arch.n_input;
    e->model_rate = h->sample_rate;
    e->host_rate = host_rate;
    e->seed = seed;

    e->n_fft = g.n_fft;
    e->synth_rate = g.synth_rate;
    e->hop = g.hop;
    e->hop_seconds = e->hop / e->synth_rate;
    s = anc_stft_create(&e->stft, e->n_fft, e->hop, err);
    if (s == ANC_OK)
        s = anc_phase_create(&e->phase, e->n_fft, e->hop, err);
    if (s == ANC_OK && g.convert)
        s = anc_resampler_create(&e->rs, e->synth_rate, host_rate, g.pass, err);
    if (s != ANC_OK) {
        anc_engine_free(e);
        return cannot_run(err, s, h, host_rate);
    }
    e->bins = e->n_fft / 2 + 1;

    /* Decoder: the model's layers, over a copy of their weights (the caller may
     * free m once we return). */
    anc_mlp model_dec;
    anc_model_decoder(m, &model_dec);
    e->maxw = anc_mlp_max_width(&model_dec);
    e->weights = malloc(anc_mlp_num_floats(&model_dec) * sizeof *e->weights);
    size_t nf = (size_t)4 * e->L + 2 * (size_t)e->maxw + 4 * (size_t)e->D + 3 * (size_t)e->bins +
                2 * (size_t)e->n_fft + (size_t)e->hop;
    e->block = calloc(nf, sizeof *e->block);
    if (!e->weights || !e->block) {
        anc_engine_free(e);
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the engine");
    }
    anc_mlp_copy(&e->dec, &model_dec, e->weights);
    anc_vae_tensors t;
    anc_model_tensors(m, &t);
    e->sigma = expf(t.log_sigma[0]);

    float *b = e->block;
#define TAKE(ptr, n) (ptr = b, b += (n))
    TAKE(e->z, e->L);
    TAKE(e->target, e->L);
    TAKE(e->drawn, e->L);
    TAKE(e->ext, e->L);
    TAKE(e->h1, e->maxw);
    TAKE(e->h2, e->maxw);
    TAKE(e->feat, e->D);
    TAKE(e->eps, e->D);
    TAKE(e->mean, e->D);
    TAKE(e->std, e->D);
    TAKE(e->mag, e->bins);
    TAKE(e->re, e->bins);
    TAKE(e->im, e->bins);
    TAKE(e->frame, e->n_fft);
    TAKE(e->ola, e->n_fft);
    TAKE(e->fifo, e->hop);
#undef TAKE
    for (int i = 0; i < e->dec.n_layers; i++)
        e->post[i] = i == e->dec.n_layers - 1 ? e->feat : i % 2 ? e->h2 : e->h1;
    memcpy(e->mean, anc_model_feature_mean_const(m), sizeof(float) * e->D);
    memcpy(e->std, anc_model_feature_std_const(m), sizeof(float) * e->D);

    /* Synthesis bin j is model bin j; bins above the model's Nyquist frequency
     * stay silent and need no phase work. */
    e->band = e->bins < e->D ? e->bins : e->D;
    anc_phase_set_band(e->phase, e->band);
    e->ramp = (float)(1.0 - exp(-1.0 / (RAMP_SECONDS * host_rate)));
    anc_engine_params_default(&e->p);
    anc_engine_reset(e);
    *out = e;
    return ANC_OK;
}

static void knob_target(anc_engine *e, float *dst)
{
    for (int l = 0; l < e->L; l++)
        dst[l] = l < ANC_KNOBS ? e->p.knobs[l] : 0.0f;
}

void anc_engine_reset(anc_engine *e)
{
    anc_rng_seed(&e->rng, e->seed);
    anc_phase_reset(e->phase);
    memset(e->ola, 0, sizeof(float) * e->n_fft);
    memset(e->fifo, 0, sizeof(float) * e->hop);
    memset(e->drawn, 0, sizeof(float) * e->L);
    e->fifo_pos = e->hop;
    if (e->rs)
        anc_resampler_reset(e->rs);
    e->since_draw = 0.0;
    e->drawn_once = 0;
    e->have_ext = 0;
    knob_target(e, e->target);
    memcpy(e->z, e->target, sizeof(float) * e->L);
    e->gain = e->p.enabled ? powf(10.0f, e->p.gain_db / 20.0f) : 0.0f;
    e->enable = e->p.enabled ? 1.0f : 0.0f;
}

void anc_engine_set_latent(anc_engine *e, const float *z, int n)
{
    for (int l = 0; l < e->L; l++)
        e->ext[l] = l < n ? clampf(z[l], -8.0f, 8.0f, 0.0f) : 0.0f;
    e->have_ext = 1;
}

/* Next latent target from the mode; draws from the prior at the given rate. */
static void update_target(anc_engine *e)
{
    const anc_engine_params *p = &e->p;
    if (e->have_ext) {
        memcpy(e->target, e->ext, sizeof(float) * e->L);
        return;
    }
    if (p->mode == ANC_MODE_KNOBS) {
        knob_target(e, e->target);
        return;
    }
    e->since_draw += e->hop_seconds;
    if (!e->drawn_once || e->since_draw >= 1.0 / p->rate) {
        for (int l = 0; l < e->L; l++)
            e->drawn[l] = p->temperature * (float)anc_rng_normal(&e->rng);
        e->since_draw = 0.0;
        e->drawn_once = 1;
    }
    if (p->mode == ANC_MODE_ANCESTRAL) {
        memcpy(e->target, e->drawn, sizeof(float) * e->L);
    } else {
        knob_target(e, e->target);
        for (int l = 0; l < e->L; l++)
            e->target[l] += e->drawn[l];
    }
}

/* Decodes, samples, resynthesises one hop into the FIFO. */
static void next_frame(anc_engine *e)
{
    const anc_engine_params *p = &e->p;
    update_target(e);
    float a = p->glide > 0.0f ? (float)exp(-e->hop_seconds / p->glide) : 0.0f;
    for (int l = 0; l < e->L; l++)
        e->z[l] = e->target[l] + a * (e->z[l] - e->target[l]); /* lands exactly */

    /* f(z) into feat: the decoder's layers, one vector, no allocation. */
    anc_mlp_forward(&e->dec, anc_dense_kernel_vec, e->z, 1, NULL, e->post);

    /* x ~ N(f(z), (noise sigma)^2 I), then back to magnitudes on the model's bins. */
    if (p->noise > 0.0f) {
        const float s = p->noise * e->sigma;
        anc_rng_normal_fill_fast(&e->rng, e->eps, (size_t)e->D);
        for (int d = 0; d < e->D; d++)
            e->feat[d] += s * e->eps[d];
    }
    anc_features_to_mag_fast(e->mean, e->std, e->feat, e->feat, e->D, DB_CEILING);
    memcpy(e->mag, e->feat, sizeof(float) * e->band);
    memset(e->mag + e->band, 0, sizeof(float) * (e->bins - e->band));
    anc_phase_next(e->phase, (anc_phase_method)p->phase, e->mag, e->re, e->im, &e->rng);
    anc_stft_inverse(e->stft, e->re, e->im, e->frame);

    /* Overlap-add: after adding the new frame the first hop samples are final. */
    const int N = e->n_fft, H = e->hop;
    int bad = 0;
    for (int i = 0; i < N; i++) {
        e->ola[i] += e->frame[i];
        bad |= !isfinite(e->ola[i]);
    }
    if (bad) {
        /* Cannot happen with finite weights; if it does, heal instead of hissing. */
        memset(e->ola, 0, sizeof(float) * N);
        anc_phase_reset(e->phase);
    }
    memcpy(e->fifo, e->ola, sizeof(float) * H);
    memmove(e->ola, e->ola + H, sizeof(float) * (N - H));
    memset(e->ola + N - H, 0, sizeof(float) * H);
    e->fifo_pos = 0;
}

/* Applies the gain ramp, the output guard and the denormal flush to one sample. */
static inline float finish(float v, float *g, float target, float r)
{
    *g += r * (target - *g);
    return anc_engine_guard(v * *g);
}

void anc_engine_process(anc_engine *e, float *out, uint32_t n)
{
#ifdef ANC_HAVE_MXCSR
    /* Flush denormals to zero while we run (tails of decaying frames), and put the
     * host's mode back afterwards. */
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);
#endif
    const float gain_target = e->p.enabled ? powf(10.0f, e->p.gain_db / 20.0f) : 0.0f;
    const float r = e->ramp;
    float g = e->gain;
    if (e->rs) {
        /* Synthesis rate -> host rate, from the FIFO into out, then the gain. */
        uint32_t done = 0;
        while (done < n) {
            if (e->fifo_pos >= e->hop)
                next_frame(e);
            int used = 0;
            int k = anc_resampler_process(e->rs, e->fifo + e->fifo_pos, e->hop - e->fifo_pos,
                                          &used, out + done, (int)(n - done));
            e->fifo_pos += used;
            for (int i = 0; i < k; i++)
                out[done + i] = finish(out[done + i], &g, gain_target, r);
            done += (uint32_t)k;
        }
    } else {
        uint32_t done = 0;
        while (done < n) {
            if (e->fifo_pos >= e->hop)
                next_frame(e);
            uint32_t k = (uint32_t)(e->hop - e->fifo_pos);
            if (k > n - done)
                k = n - done;
            const float *src = e->fifo + e->fifo_pos;
            for (uint32_t i = 0; i < k; i++)
                out[done + i] = finish(src[i], &g, gain_target, r);
            e->fifo_pos += (int)k;
            done += k;
        }
    }
    e->gain = fabsf(g) < 1e-30f ? 0.0f : g;
#ifdef ANC_HAVE_MXCSR
    _mm_setcsr(csr);
#endif
}

uint32_t anc_engine_latency(const anc_engine *e)
{
    return latency_frames(e->hop, e->rs, e->host_rate, e->synth_rate);
}
int anc_engine_n_latent(const anc_engine *e) { return e->L; }
int anc_engine_host_fft(const anc_engine *e) { return e->n_fft; }
int anc_engine_host_hop(const anc_engine *e) { return e->hop; }
double anc_engine_synthesis_rate(const anc_engine *e) { return e->synth_rate; }
const float *anc_engine_current_z(const anc_engine *e) { return e->z; }
const float *anc_engine_last_magnitudes(const anc_engine *e, int *n)
{
    *n = e->D;
    return e->feat;
}

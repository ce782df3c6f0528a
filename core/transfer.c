/* transfer.c — the timbre transfer engine (see transfer.h for the contract).
 *
 * Streams: host input -> (converter) -> synthesis-rate input history -> one
 * frame per hop -> output queue -> (converter) -> wet host output, mixed with
 * the input delayed by the latency.
 *
 * Timing at the synthesis rate, without converters: the history holds the
 * newest frame of input; when a hop of new samples completes it, the frame is
 * analysed, re-voiced, and the middle two hops of its synthesis (see
 * synthesis_windows) are overlap-added; the first hop (now final) is appended
 * to the output queue, which started with one hop of silence. Output sample i
 * is then queue sample i, for any block length: a frame completed by input
 * sample t plays from sample t + 1, its centre one hop later, while the
 * analysed frame's centre lay n_fft / 2 before t + 1: a latency of
 * n_fft / 2 + hop. With converters, the queue starts with a few samples more
 * (QUEUE_MARGIN), so that the output converter, which reads a little ahead of
 * the input converter's writes within a block, never runs dry.
 *
 * Cost: the encoder and decoder read all their weights for every frame they
 * run (2.6 MB each for the default model, more than a core's L2), so they run
 * once per model hop, not per engine hop (see next_frame); everything else runs
 * every hop. */
#include "transfer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define ANC_HAVE_MXCSR 1
#endif

#include "fastmath.h"
#include "feature.h"
#include "nn.h"
#include "phase.h"
#include "pitch.h"
#include "relfreq.h"
#include "resample.h"
#include "rng.h"
#include "stft.h"
#include "synth_frame.h"

/* Host samples handled per pass (the dry copy and the converters' scratch). */
#define CHUNK 256
/* Synthesis samples the output queue starts with beyond one hop when
 * converting; measured need: 2 at most (tests/test_transfer.c counts underruns). */
#define QUEUE_MARGIN 8
/* Time constant of the gain, mix and enable ramps: 10 ms, click-free. */
#define RAMP_SECONDS 0.01

struct anc_transfer {
    /* model */
    int L, D, model_bins;
    anc_mlp enc, dec;  /* the encoder's trunk and mu head; the decoder */
    float *weights;    /* our copy of both */
    float *enc_post[ANC_MLP_MAX_LAYERS], *dec_post[ANC_MLP_MAX_LAYERS];
    float *mean, *std; /* [D] */
    float floor_db;
    int level_norm;
    anc_relfreq *rel;  /* NULL for an absolute model */
    /* synthesis STFT and rates */
    double host_rate, synth_rate;
    int n_fft, hop, bins, band; /* hop: the engine's, see synthesis_hop() */
    anc_resampler *rs_in, *rs_out; /* NULL when the rates are equal */
    anc_stft *stft;
    anc_phase *phase;
    anc_pitch *pitch;
    int pitch_w, pitch_start; /* the tracker's window and where it starts in hist */
    anc_rng rng;
    uint64_t seed;
    /* signal state */
    int R;               /* history length: max(n_fft, pitch window) */
    float *hist;         /* [R] newest input at the end */
    int fill;            /* new samples in the current hop */
    float *ola;          /* [2 hop]: the synthesis window's span */
    float *win_coh, *win_rnd; /* [2 hop]: synthesis windows (see next_frame) */
    float *theta;        /* [bins] harmonic phase memory */
    int harmonic;        /* the last frame used harmonic phase */
    int net_every;       /* engine hops per model hop: the network's period */
    int net_age;         /* frames since feat was decoded; -1: feat invalid */
    int net_voiced;      /* feat was decoded from a voiced relative frame */
    float *queue;        /* [qcap] wet output at the synthesis rate */
    int qcap, qhead, qlen, prefill;
    float *dry;          /* [dry_len] delay line of the input, host rate */
    int dry_len, dry_pos;
    uint32_t latency;
    uint64_t underruns;
    /* per-frame scratch */
    float *mag, *re, *im; /* [bins] */
    float *re2, *im2;     /* [bins]: the floor between partials (split_floor) */
    float *db, *lin;      /* [model_bins] */
    float *x, *feat, *scratch; /* [D] x2, [max(D, model_bins)] */
    float *z, *h1, *h2;   /* [L], [maxw] x2 */
    float *frame;         /* [n_fft] */
    float *inbuf, *wet, *conv; /* [CHUNK] x2, [conv_cap] */
    int conv_cap;
    anc_transfer_frame last;
    /* controls */
    anc_engine_params p;
    float gain, enable, mix, ramp;
    float *block;
};

void anc_transfer_free(anc_transfer *t)
{
    if (!t)
        return;
    anc_stft_free(t->stft);
    anc_phase_free(t->phase);
    anc_pitch_free(t->pitch);
    anc_relfreq_free(t->rel);
    anc_resampler_free(t->rs_in);
    anc_resampler_free(t->rs_out);
    free(t->weights);
    free(t->block);
    free(t);
}

/* The engine's hop: an eighth of the frame (or the model's hop if shorter).
 * The synthesis window spans two hops and sets the synthesis delay (see
 * synthesis_windows); the model's features do not depend on the hop. */
static int synthesis_hop(const anc_synth_geometry *g)
{
    const int h = g->n_fft / 8;
    return g->hop < h ? g->hop : h;
}

/* The latency of the geometry g with these converters (NULL when equal rates),
 * and the queue's prefill, in synthesis samples. See the top of this file. */
static uint32_t latency_of(const anc_synth_geometry *g, const anc_resampler *in,
                           const anc_resampler *out, double host_rate, int *prefill)
{
    const int hop = synthesis_hop(g), span = g->n_fft / 2 + hop;
    if (!in) {
        *prefill = hop;
        return (uint32_t)span;
    }
    *prefill = hop + QUEUE_MARGIN;
    const double synth = span + QUEUE_MARGIN + anc_resampler_delay_in(out);
    return (uint32_t)lround(anc_resampler_delay_in(in) + synth * host_rate / g->synth_rate);
}

/* The geometry and both converters for m at host_rate. */
static anc_status geometry(const anc_model *m, double host_rate, anc_synth_geometry *g,
                           anc_resampler **in, anc_resampler **out, anc_error *err)
{
    *in = *out = NULL;
    anc_status s = anc_synth_geometry_for(m, host_rate, g, err);
    if (s != ANC_OK)
        return s;
    if (g->n_fft < ANC_STFT_MIN_FFT || g->n_fft > ANC_STFT_MAX_FFT) {
        anc_error_set(err, ANC_E_INVALID, "FFT size %d invalid: must be even, %d..%d", g->n_fft,
                      ANC_STFT_MIN_FFT, ANC_STFT_MAX_FFT);
        return anc_synth_cannot_run(err, ANC_E_INVALID, g->h, host_rate);
    }
    if (!g->convert)
        return ANC_OK;
    s = anc_resampler_create(in, host_rate, g->synth_rate, g->pass, err);
    if (s == ANC_OK)
        s = anc_resampler_create(out, g->synth_rate, host_rate, g->pass, err);
    if (s != ANC_OK) {
        anc_resampler_free(*in);
        anc_resampler_free(*out);
        *in = *out = NULL;
        return anc_synth_cannot_run(err, s, g->h, host_rate);
    }
    return ANC_OK;
}

anc_status anc_transfer_latency_for(const anc_model *m, double host_rate, uint32_t *latency,
                                    anc_error *err)
{
    *latency = 0;
    anc_synth_geometry g;
    anc_resampler *in, *out;
    anc_status s = geometry(m, host_rate, &g, &in, &out, err);
    if (s != ANC_OK)
        return s;
    int prefill;
    *latency = latency_of(&g, in, out, host_rate, &prefill);
    anc_resampler_free(in);
    anc_resampler_free(out);
    return ANC_OK;
}

/* The model's encoder as one network: its hidden layers, then the mu head. */
static void encoder_mean_net(const anc_model *m, anc_mlp *enc)
{
    const anc_model_header *h = anc_model_get_header(m);
    anc_vae_tensors t;
    anc_model_tensors(m, &t);
    anc_vae_encoder_trunk(&h->arch, &t, enc);
    const int nh = h->arch.n_hidden;
    enc->layer[enc->n_layers++] =
        (anc_dense_layer){.in = nh > 0 ? h->arch.hidden[nh - 1] : h->arch.n_input,
                          .out = h->arch.n_latent,
                          .act = ANC_ACT_LINEAR,
                          .W = t.mu_w,
                          .b = t.mu_b};
}

/* The synthesis windows over the middle 2 hop samples of a frame, applied to
 * what anc_stft_inverse() gives (the inverse FFT times the analysis window w
 * over the window-square sum S). Coherent sound (partials under harmonic
 * phase, RTPGHI) comes out w-windowed, as the trainer's frames were: dividing
 * w out and applying a Hann of 2 hop, which sums to 1 at hop spacing, gives a
 * steady input back exactly. Random-phase sound is noise spread evenly over
 * the frame: the square root of that Hann (its squares sum to 1), scaled so
 * that noise comes out at the level it went in (a frame's noise power is the
 * signal's times mean(w^2)). */
static void synthesis_windows(anc_transfer *t)
{
    const int N = t->n_fft, H = t->hop;
    const float *w = anc_stft_window(t->stft);
    double w2 = 0.0;
    for (int m = 0; m < N; m++)
        w2 += (double)w[m] * w[m];
    const double noise = sqrt(N / w2);
    for (int i = 0; i < 2 * H; i++) {
        const int j = N / 2 - H + i;
        double S = 0.0;
        for (int m = j % H; m < N; m += H)
            S += (double)w[m] * w[m];
        const double raw = S / w[j], hann = 0.5 - 0.5 * cos(M_PI * i / H);
        t->win_coh[i] = (float)(raw * hann / w[j]);
        t->win_rnd[i] = (float)(raw * sqrt(hann) * noise);
    }
}

anc_status anc_transfer_create(anc_transfer **out, const anc_model *m, double host_rate,
                               uint64_t seed, anc_error *err)
{
    *out = NULL;
    anc_synth_geometry g;
    anc_resampler *rs_in, *rs_out;
    anc_status s = geometry(m, host_rate, &g, &rs_in, &rs_out, err);
    if (s != ANC_OK)
        return s;
    const anc_model_header *h = g.h;
    anc_transfer *t = calloc(1, sizeof *t);
    if (!t) {
        anc_resampler_free(rs_in);
        anc_resampler_free(rs_out);
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the transfer engine");
    }
    t->rs_in = rs_in;
    t->rs_out = rs_out;
    t->L = h->arch.n_latent;
    t->D = h->arch.n_input;
    t->model_bins = (int)h->n_fft / 2 + 1;
    t->floor_db = h->floor_db;
    t->level_norm = h->level_mode == ANC_LEVEL_NORMALIZED;
    t->host_rate = host_rate;
    t->synth_rate = g.synth_rate;
    t->n_fft = g.n_fft;
    t->hop = synthesis_hop(&g);
    t->net_every = g.hop / t->hop > 1 ? g.hop / t->hop : 1;
    t->bins = g.n_fft / 2 + 1;
    t->band = t->bins < t->model_bins ? t->bins : t->model_bins;
    t->seed = seed;
    t->latency = latency_of(&g, rs_in, rs_out, host_rate, &t->prefill);

    s = anc_stft_create(&t->stft, t->n_fft, t->hop, err);
    if (s == ANC_OK)
        s = anc_phase_create(&t->phase, t->n_fft, t->hop, err);
    anc_pitch_config pc;
    anc_pitch_config_default(&pc, t->synth_rate);
    if (s == ANC_OK)
        s = anc_pitch_create(&t->pitch, &pc, err);
    if (s == ANC_OK && h->pitch_mode == ANC_PITCH_RELATIVE) {
        anc_relfreq_config rc;
        anc_model_relfreq_config(h, &rc);
        s = anc_relfreq_create(&t->rel, &rc, err);
        if (s == ANC_OK && anc_relfreq_points(t->rel) != t->D)
            s = anc_error_set(err, ANC_E_INVALID, "relative axis of %d points, decoder gives %d",
                              anc_relfreq_points(t->rel), t->D);
    }
    if (s != ANC_OK) {
        anc_transfer_free(t);
        return anc_synth_cannot_run(err, s, h, host_rate);
    }
    anc_phase_set_band(t->phase, t->band);
    /* The pitch window centred on the frame when it fits inside the history,
     * else the newest samples. */
    t->pitch_w = anc_pitch_window(t->pitch);
    t->R = t->n_fft > t->pitch_w ? t->n_fft : t->pitch_w;
    t->pitch_start = t->R - t->n_fft / 2 - t->pitch_w / 2;
    if (t->pitch_start > t->R - t->pitch_w)
        t->pitch_start = t->R - t->pitch_w;
    if (t->pitch_start < 0)
        t->pitch_start = 0;

    anc_mlp enc, dec;
    encoder_mean_net(m, &enc);
    anc_model_decoder(m, &dec);
    const int we = anc_mlp_max_width(&enc), wd = anc_mlp_max_width(&dec);
    const int maxw = we > wd ? we : wd;
    const size_t ne = anc_mlp_num_floats(&enc);
    t->weights = malloc((ne + anc_mlp_num_floats(&dec)) * sizeof *t->weights);
    /* The queue holds the prefill, what one chunk of input adds (a hop per
     * completed frame) and what the output converter leaves. */
    const double ratio = t->synth_rate / host_rate;
    t->conv_cap = (int)ceil(CHUNK * ratio) + 8;
    t->qcap = t->prefill + 2 * t->hop + 2 * t->conv_cap + 64;
    t->dry_len = (int)t->latency; /* at least n_fft, so never 0 */
    const int sc = t->D > t->model_bins ? t->D : t->model_bins;
    size_t nf = (size_t)t->R + (size_t)t->n_fft + 6 * (size_t)t->hop + 6 * (size_t)t->bins + (size_t)t->qcap +
                (size_t)t->dry_len + 2 * (size_t)t->model_bins + 4 * (size_t)t->D + (size_t)sc +
                (size_t)t->L + 2 * (size_t)maxw + 2 * CHUNK + (size_t)t->conv_cap;
    t->block = calloc(nf, sizeof *t->block);
    if (!t->weights || !t->block) {
        anc_transfer_free(t);
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the transfer engine");
    }
    anc_mlp_copy(&t->enc, &enc, t->weights);
    anc_mlp_copy(&t->dec, &dec, t->weights + ne);
    float *b = t->block;
#define TAKE(ptr, n) (ptr = b, b += (n))
    TAKE(t->hist, t->R);
    TAKE(t->ola, 2 * t->hop);
    TAKE(t->win_coh, 2 * t->hop);
    TAKE(t->win_rnd, 2 * t->hop);
    TAKE(t->frame, t->n_fft);
    TAKE(t->theta, t->bins);
    TAKE(t->mag, t->bins);
    TAKE(t->re, t->bins);
    TAKE(t->im, t->bins);
    TAKE(t->re2, t->bins);
    TAKE(t->im2, t->bins);
    TAKE(t->queue, t->qcap);
    TAKE(t->dry, t->dry_len);
    TAKE(t->db, t->model_bins);
    TAKE(t->lin, t->model_bins);
    TAKE(t->mean, t->D);
    TAKE(t->std, t->D);
    TAKE(t->x, t->D);
    TAKE(t->feat, t->D);
    TAKE(t->scratch, sc);
    TAKE(t->z, t->L);
    TAKE(t->h1, maxw);
    TAKE(t->h2, maxw);
    TAKE(t->inbuf, CHUNK);
    TAKE(t->wet, CHUNK);
    TAKE(t->conv, t->conv_cap);
#undef TAKE
    for (int i = 0; i < t->enc.n_layers; i++)
        t->enc_post[i] = i == t->enc.n_layers - 1 ? t->z : i % 2 ? t->h2 : t->h1;
    for (int i = 0; i < t->dec.n_layers; i++)
        t->dec_post[i] = i == t->dec.n_layers - 1 ? t->feat : i % 2 ? t->h2 : t->h1;
    synthesis_windows(t);
    memcpy(t->mean, anc_model_feature_mean_const(m), sizeof(float) * (size_t)t->D);
    memcpy(t->std, anc_model_feature_std_const(m), sizeof(float) * (size_t)t->D);
    t->ramp = (float)(1.0 - exp(-1.0 / (RAMP_SECONDS * host_rate)));
    anc_engine_params_default(&t->p);
    anc_transfer_reset(t);
    *out = t;
    return ANC_OK;
}

void anc_transfer_reset(anc_transfer *t)
{
    memset(t->hist, 0, sizeof(float) * (size_t)t->R);
    memset(t->ola, 0, sizeof(float) * 2 * (size_t)t->hop);
    memset(t->dry, 0, sizeof(float) * (size_t)t->dry_len);
    memset(t->queue, 0, sizeof(float) * (size_t)t->prefill);
    t->qhead = 0;
    t->qlen = t->prefill;
    t->fill = 0;
    t->dry_pos = 0;
    t->harmonic = 0;
    t->net_age = -1;
    /* A fresh harmonic frame draws phases only up to its highest harmonic;
     * those above keep what they held, and a later frame at a lower f0 would
     * carry them on: a reset stream must not depend on what played before. */
    memset(t->theta, 0, sizeof(float) * (size_t)t->bins);
    t->underruns = 0;
    memset(&t->last, 0, sizeof t->last);
    t->last.silent = 1;
    anc_phase_reset(t->phase);
    anc_pitch_reset(t->pitch);
    if (t->rs_in)
        anc_resampler_reset(t->rs_in);
    if (t->rs_out)
        anc_resampler_reset(t->rs_out);
    anc_rng_seed(&t->rng, t->seed);
    t->gain = powf(10.0f, t->p.gain_db / 20.0f);
    t->enable = t->p.enabled ? 1.0f : 0.0f;
    t->mix = t->p.mix;
}

void anc_transfer_set_params(anc_transfer *t, const anc_engine_params *in)
{
    anc_controls_clamp(&t->p, in);
}

void anc_transfer_encode(anc_transfer *t, const float *x, float *mu)
{
    const float *r = anc_mlp_forward(&t->enc, anc_dense_kernel_vec, x, 1, NULL, t->enc_post);
    memcpy(mu, r, sizeof(float) * (size_t)t->L);
}

/* Appends the first hop of the overlap-add to the queue and moves it on. */
static void emit_hop(anc_transfer *t)
{
    const int H = t->hop;
    if (t->qhead + t->qlen + H > t->qcap) {
        memmove(t->queue, t->queue + t->qhead, sizeof(float) * (size_t)t->qlen);
        t->qhead = 0;
    }
    memcpy(t->queue + t->qhead + t->qlen, t->ola, sizeof(float) * (size_t)H);
    t->qlen += H;
    memmove(t->ola, t->ola + H, sizeof(float) * (size_t)H);
    memset(t->ola + H, 0, sizeof(float) * (size_t)H);
}

/* An unvoiced frame's magnitudes lose any harmonic comb the model gave them:
 * the power spectrum averaged over UNVOICED_SMOOTH_HZ either side of each bin
 * (two partials of the relative axis's 100 Hz reference). Random phase then
 * makes noise with the model's spectral envelope, not a buzz at the reference
 * f0 (measured on a harmonic model: white noise in came out 18 % voiced
 * without it). scratch [n]. */
#define UNVOICED_SMOOTH_HZ 100.0
static void smooth_unvoiced(float *mag, int n, double bin_hz, float *scratch)
{
    int hw = (int)ceil(UNVOICED_SMOOTH_HZ / bin_hz);
    hw = hw < 1 ? 1 : hw;
    double sum = 0.0;
    int count = 0;
    for (int k = 0; k < n; k++)
        scratch[k] = mag[k] * mag[k];
    for (int k = 0; k < hw && k < n; k++, count++)
        sum += scratch[k];
    for (int k = 0; k < n; k++) {
        if (k + hw < n) {
            sum += scratch[k + hw];
            count++;
        }
        if (k - hw - 1 >= 0) {
            sum -= scratch[k - hw - 1];
            count--;
        }
        mag[k] = (float)sqrt(fmax(sum, 0.0) / count);
    }
}

/* Harmonic phase makes every bin coherent with its nearest partial. Over a
 * whole frame that is harmless, but the synthesis window keeps only the
 * frame's middle, where those bins all peak together: the floor between the
 * partials adds to them (measured: the partial profile flattened, 1.4 dB
 * further from the model's instrument on the quality test's notes). So only
 * each partial's main lobe keeps its harmonic phase, found on the decoded
 * magnitudes, not assumed (a lobe's width depends on the f0 the model learnt
 * it at, and on the tracker's f0 being right): the highest bin within a
 * quarter of f0 (at least a bin) of h f0, its neighbours, and further bins
 * while each falls LOBE_SLOPE_DB under the one before (the floor is flat, a
 * lobe's skirt steep); never past half-way to the next partial. Within the
 * lobe, the floor (interpolated between the lobe's edges) is taken out of the
 * magnitudes in power. Every bin's floor part goes to (re2, im2) at random
 * phase, so the floor sounds as noise, as in the sounds the model learnt.
 * Measured: the quality test's margins +1.96, +4.90, +0.50 dB (the
 * whole-frame synthesis gave +1.58, +4.35, +0.31; with every bin harmonic
 * +0.58, +2.37, -0.78); a lobe read narrower (no neighbours, or 1.5 dB per
 * bin without them) moved tone bursts by up to 3.5 ms and pitch by 12 cents. */
#define LOBE_SLOPE_DB 3.0f

/* cos and sin of a uniform angle: 2 pi anc_rng_uniform(), the same draw and
 * angle as before, taken in quarter turns (the draw's top two bits) so the
 * remainder lies in [-pi/4, pi/4) and needs no range reduction: anc_sincosf_reduced
 * agrees with libm's sinf and cosf to about 1e-7 at a tenth of their cost. */
static inline void random_phasor(anc_rng *rng, float *c, float *s)
{
    const uint64_t u = anc_rng_next(rng) >> 11; /* anc_rng_uniform's 53 bits */
    /* angle = (u / 2^51) pi/2 = q pi/2 + r with q the nearest quarter turn */
    const uint64_t v = u + ((uint64_t)1 << 50);
    const int q = (int)(v >> 51) & 3;
    const float r = (float)(((double)(int64_t)(v & (((uint64_t)1 << 51) - 1)) -
                             (double)((uint64_t)1 << 50)) * (M_PI / 2 * 0x1.0p-51));
    /* (cr + i sr) i^q by table, not by branches on q (random: mispredicted) */
    static const float qre[4] = {1.0f, 0.0f, -1.0f, 0.0f}, qim[4] = {0.0f, 1.0f, 0.0f, -1.0f};
    float sr, cr;
    anc_sincosf_reduced(r, &sr, &cr);
    *c = cr * qre[q] - sr * qim[q];
    *s = sr * qre[q] + cr * qim[q];
}

/* Bins from .. to-1: the magnitude up to the floor, fa at from to fb at
 * to-1 (INFINITY: all of it), moves to (re2, im2) at random phase, the rest
 * stays in (re, im). */
static void floor_part(anc_transfer *t, int from, int to, float fa, float fb)
{
    const float span = to - from > 1 ? (float)(to - from - 1) : 1.0f;
    for (int k = from; k < to; k++) {
        const float m = t->mag[k], f = fa + (fb - fa) * (float)(k - from) / span;
        const float nz = f < m ? f : m, rest = m * m - nz * nz;
        const float keep = m > 0.0f ? sqrtf(rest > 0.0f ? rest : 0.0f) / m : 0.0f;
        float c, s;
        random_phasor(&t->rng, &c, &s);
        t->re2[k] = nz * c;
        t->im2[k] = nz * s;
        t->re[k] *= keep;
        t->im[k] *= keep;
    }
}

static void split_floor(anc_transfer *t, float f0, float stretch)
{
    const float *mag = t->mag;
    const int B = t->band;
    const double spacing = f0 * t->n_fft / t->synth_rate; /* bins between partials */
    /* A frame mapped at `stretch` times the f0 it was encoded at (transpose up)
     * has its lobes that much wider: their skirts fall as much over that many
     * more bins, and that many neighbours belong to the lobe for sure. */
    const float wide = stretch > 1.0f ? stretch : 1.0f;
    const float slope = powf(10.0f, -LOBE_SLOPE_DB / (20.0f * wide));
    const int near = wide > 1.0f ? (int)ceilf(2.0f * wide) : 1;
    /* floor_part covers [0, B) below; the bins above the band stay silent */
    memset(t->re2 + B, 0, sizeof(float) * (size_t)(t->bins - B));
    memset(t->im2 + B, 0, sizeof(float) * (size_t)(t->bins - B));
    int next = 0; /* the first bin not assigned yet */
    for (int h = 1; h * spacing < B; h++) {
        const double c = h * spacing, reach = fmax(1.0, 0.25 * spacing);
        int lo = (int)ceil(c - reach), hi = (int)floor(c + reach);
        lo = lo < next ? next : lo;
        hi = hi > B - 1 ? B - 1 : hi;
        if (lo > hi)
            continue;
        int p = lo;
        for (int k = lo + 1; k <= hi; k++)
            p = mag[k] > mag[p] ? k : p;
        int a_min = (int)ceil(c - 0.5 * spacing), b_max = (int)floor(c + 0.5 * spacing);
        a_min = a_min < next ? next : a_min > p ? p : a_min;
        b_max = b_max > B - 1 ? B - 1 : b_max < p ? p : b_max;
        int a = p - near < a_min ? a_min : p - near, b = p + near > b_max ? b_max : p + near;
        while (a > a_min && mag[a - 1] < mag[a] * slope)
            a--;
        while (b < b_max && mag[b + 1] < mag[b] * slope)
            b++;
        floor_part(t, next, a, INFINITY, INFINITY);
        floor_part(t, a, b + 1, mag[a], mag[b]);
        next = b + 1;
    }
    floor_part(t, next, B, INFINITY, INFINITY);
}

/* Adds the middle of the inverse of (re, im) under win to the overlap-add;
 * nonzero if that made it non-finite. */
static int overlap_add(anc_transfer *t, const float *re, const float *im, const float *win)
{
    anc_stft_inverse(t->stft, re, im, t->frame);
    const float *mid = t->frame + t->n_fft / 2 - t->hop;
    int bad = 0;
    for (int k = 0; k < 2 * t->hop; k++) {
        t->ola[k] += mid[k] * win[k];
        bad |= !isfinite(t->ola[k]);
    }
    return bad;
}

/* The frame's magnitudes as the model's features, t->x: the trainer's way
 * (anc_synth_encode_frame) with the fast conversions (anc_mag_to_db_fast,
 * anc_relfreq_from_linear_fast, within 1e-3 dB of the exact ones), and the
 * level of a level-normalised model read off the magnitudes, which is the same
 * sum as anc_frame_level_db's over their levels with no exp per bin. libm's
 * logs and exps were a fifth of a frame's cost. */
static void encode_input(anc_transfer *t, float anchor)
{
    const int MB = t->model_bins, B = t->band;
    anc_mag_to_db_fast(t->mag, t->db, B);
    for (int k = B; k < MB; k++)
        t->db[k] = ANC_FEATURE_FLOOR_DB;
    if (t->level_norm) {
        const float floor_mag = 1e-5f; /* the floor's magnitude, feature.h */
        double p = (double)(MB - B) * floor_mag * floor_mag;
        for (int k = 0; k < B; k++) {
            const float m = t->mag[k] > floor_mag ? t->mag[k] : floor_mag; /* NaN too */
            p += (double)m * m;
        }
        const float level = (float)(10.0 * log10(p / ANC_FRAME_SINE_POWER));
        anc_frame_level_shift(t->db, MB, -level, ANC_FEATURE_FLOOR_DB);
    }
    if (t->rel) {
        anc_relfreq_from_linear_fast(t->rel, t->db, anchor, ANC_FEATURE_FLOOR_DB, t->x,
                                     t->scratch);
        anc_features_normalize(t->mean, t->std, t->x, t->x, t->D);
    } else {
        anc_features_normalize(t->mean, t->std, t->db, t->x, t->D);
    }
}

/* Analyses the newest frame of input and overlap-adds its re-voiced twin. */
static void next_frame(anc_transfer *t)
{
    const int N = t->n_fft, MB = t->model_bins;
    anc_transfer_frame *fr = &t->last;

    anc_stft_magnitude(t->stft, t->hist + t->R - N, t->mag);
    anc_pitch_frame pf;
    anc_pitch_causal(t->pitch, t->hist + t->pitch_start, &pf);
    fr->f0 = pf.f0;
    fr->voiced = pf.voiced;
    fr->periodicity = pf.periodicity;
    double power = 0.0;
    int finite = 1;
    for (int k = 0; k < t->band; k++) {
        power += (double)t->mag[k] * t->mag[k];
        finite &= isfinite(t->mag[k]);
    }
    fr->level_db = power > 0.0 && finite
                       ? (float)(10.0 * log10(power / ANC_FRAME_SINE_POWER))
                       : -INFINITY;
    fr->silent = !(fr->level_db >= ANC_TRANSFER_GATE_DB);
    if (fr->silent) {
        /* Silence in, silence out; the next sound starts afresh. */
        anc_phase_reset(t->phase);
        t->harmonic = 0;
        t->net_age = -1;
        emit_hop(t);
        return;
    }

    float anchor = 0.0f;
    int voiced_rel = 0;
    if (t->rel) {
        anchor = anc_relfreq_anchor(t->rel, pf.f0, pf.voiced);
        voiced_rel = pf.voiced && anchor == pf.f0;
    }
    /* The network runs once per model hop, as the synth's frames do; the
     * frames between reuse its decoded shape (feat) at their own f0 and level.
     * A frame whose voicing differs from the decoded one's, or the first after
     * silence, runs it at once. */
    if (t->net_age < 0 || t->net_age + 1 >= t->net_every || t->net_voiced != voiced_rel) {
        encode_input(t, anchor);
        /* mu(x) plus the knobs, decoded. */
        anc_transfer_encode(t, t->x, t->z);
        for (int l = 0; l < t->L && l < ANC_KNOBS; l++)
            t->z[l] += t->p.knobs[l];
        anc_mlp_forward(&t->dec, anc_dense_kernel_vec, t->z, 1, NULL, t->dec_post);
        t->net_age = 0;
        t->net_voiced = voiced_rel;
    } else {
        t->net_age++;
    }

    /* Back to linear bins at the (transposed) f0, at the input's level. */
    const float f0 = voiced_rel ? anchor * exp2f(t->p.transpose / 12.0f) : anchor;
    anc_synth_features_to_mag(t->rel, t->mean, t->std, t->feat, t->D, f0, t->floor_db,
                              t->scratch, t->lin, MB);
    anc_synth_set_level(t->lin, MB, fr->level_db);
    if (!voiced_rel && !pf.voiced)
        smooth_unvoiced(t->lin, MB, t->synth_rate / N, t->db);
    memcpy(t->mag, t->lin, sizeof(float) * (size_t)t->band);
    memset(t->mag + t->band, 0, sizeof(float) * (size_t)(t->bins - t->band));

    if (voiced_rel) {
        anc_synth_harmonic_phase(t->theta, !t->harmonic, &t->rng, f0, t->synth_rate, N, t->hop,
                                 t->band, t->bins, t->mag, t->re, t->im);
        t->harmonic = 1;
        split_floor(t, f0, exp2f(t->p.transpose / 12.0f));
    } else {
        if (t->harmonic)
            anc_phase_reset(t->phase);
        t->harmonic = 0;
        /* Unvoiced input stays noise: random phase; voiced frames of an
         * absolute model get RTPGHI. */
        anc_phase_next(t->phase, pf.voiced ? ANC_PHASE_RTPGHI : ANC_PHASE_RANDOM, t->mag, t->re,
                       t->im, &t->rng);
    }
    /* Only the frame's middle is played (synthesis_windows), starting now: the
     * frame's centre sounds one hop from now, not half a frame. */
    const int coherent = t->harmonic || pf.voiced;
    int bad = overlap_add(t, t->re, t->im, coherent ? t->win_coh : t->win_rnd);
    if (voiced_rel) /* the floor split off the partials: noise */
        bad |= overlap_add(t, t->re2, t->im2, t->win_rnd);
    if (bad) { /* cannot happen with finite weights; heal instead of hissing */
        memset(t->ola, 0, sizeof(float) * 2 * (size_t)t->hop);
        anc_phase_reset(t->phase);
        t->harmonic = 0;
        t->net_age = -1;
    }
    emit_hop(t);
}

void anc_transfer_snapshot(const anc_transfer *t, anc_snapshot_frame *f)
{
    anc_snapshot_frame_clear(f);
    /* t->lin holds the played magnitudes of the newest frame that was not silent */
    if (!t->last.silent)
        anc_snapshot_set_spectrum(f, t->lin, t->band, t->synth_rate / t->n_fft,
                                  t->gain * t->mix * t->enable);
    f->n_voices = 1;
    f->voice_kind[0] = ANC_SNAPSHOT_INPUT;
    f->voice_level[0] = t->last.voiced && !t->last.silent ? 1.0f : 0.0f;
    f->voice_hz[0] = f->voice_level[0] > 0.0f ? t->last.f0 : 0.0f;
}

/* One input sample at the synthesis rate. */
static inline void push(anc_transfer *t, float v)
{
    t->hist[t->R - t->hop + t->fill] = isfinite(v) ? v : 0.0f;
    if (++t->fill < t->hop)
        return;
    next_frame(t);
    memmove(t->hist, t->hist + t->hop, sizeof(float) * (size_t)(t->R - t->hop));
    t->fill = 0;
}

/* n wet samples at the host rate from the queue into t->wet. */
static void pull(anc_transfer *t, int n)
{
    if (!t->rs_out) {
        const int k = n < t->qlen ? n : t->qlen;
        memcpy(t->wet, t->queue + t->qhead, sizeof(float) * (size_t)k);
        t->qhead += k;
        t->qlen -= k;
        for (int i = k; i < n; i++)
            t->wet[i] = 0.0f;
        t->underruns += (uint64_t)(n - k);
        return;
    }
    int done = 0;
    while (done < n) {
        int used = 0;
        int k = anc_resampler_process(t->rs_out, t->queue + t->qhead, t->qlen, &used,
                                      t->wet + done, n - done);
        t->qhead += used;
        t->qlen -= used;
        done += k;
        if (k == 0 && done < n) {
            t->underruns += (uint64_t)(n - done);
            for (int i = done; i < n; i++)
                t->wet[i] = 0.0f;
            break;
        }
    }
}

void anc_transfer_process(anc_transfer *t, const float *in, float *out, uint32_t n)
{
#ifdef ANC_HAVE_MXCSR
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040); /* denormals to zero while we run */
#endif
    const anc_engine_params *p = &t->p;
    const float gain_target = powf(10.0f, p->gain_db / 20.0f);
    const float en_target = p->enabled ? 1.0f : 0.0f, mix_target = p->mix, r = t->ramp;
    uint32_t done = 0;
    while (done < n) {
        const int c = n - done < CHUNK ? (int)(n - done) : CHUNK;
        memcpy(t->inbuf, in + done, sizeof(float) * (size_t)c); /* in may be out */
        if (t->rs_in) {
            int at = 0;
            while (at < c) {
                int used = 0;
                int k = anc_resampler_process(t->rs_in, t->inbuf + at, c - at, &used, t->conv,
                                              t->conv_cap);
                for (int i = 0; i < k; i++)
                    push(t, t->conv[i]);
                at += used;
                if (used == 0 && k == 0)
                    break;
            }
        } else {
            for (int i = 0; i < c; i++)
                push(t, t->inbuf[i]);
        }
        pull(t, c);
        for (int i = 0; i < c; i++) {
            /* The dry signal, delayed by the latency. Non-finite input is
             * silence and huge input the output's limit: FLT_MAX times a gain
             * above 1 would overflow, and a ramp at 0 times Inf is NaN. */
            const float x = isfinite(t->inbuf[i]) ? anc_engine_guard(t->inbuf[i]) : 0.0f;
            const float d = t->dry[t->dry_pos];
            t->dry[t->dry_pos] = x;
            if (++t->dry_pos == t->dry_len)
                t->dry_pos = 0;
            t->gain += r * (gain_target - t->gain);
            t->enable += r * (en_target - t->enable);
            t->mix += r * (mix_target - t->mix);
            const float wet = t->gain * (t->mix * t->wet[i] + (1.0f - t->mix) * d);
            out[done + i] = anc_engine_guard(t->enable * wet + (1.0f - t->enable) * d);
        }
        done += (uint32_t)c;
    }
    t->gain = fabsf(t->gain) < 1e-30f ? 0.0f : t->gain;
#ifdef ANC_HAVE_MXCSR
    _mm_setcsr(csr);
#endif
}

uint32_t anc_transfer_latency(const anc_transfer *t) { return t->latency; }
int anc_transfer_n_latent(const anc_transfer *t) { return t->L; }
double anc_transfer_synthesis_rate(const anc_transfer *t) { return t->synth_rate; }
int anc_transfer_fft(const anc_transfer *t) { return t->n_fft; }
int anc_transfer_hop(const anc_transfer *t) { return t->hop; }
const anc_transfer_frame *anc_transfer_last_frame(const anc_transfer *t) { return &t->last; }
uint64_t anc_transfer_underruns(const anc_transfer *t) { return t->underruns; }

/* test_plugin.c — the Ancestral LV2 plugin through lilv (tools/lv2_host.h), the
 * way a host sees it: the bundle found through LV2_PATH, the default model loaded
 * by default state, the model changed by patch:Set, state saved and restored.
 *
 *   test_plugin SECOND_MODEL.vae        (LV2_PATH names the folder of ancestral.lv2)
 *
 * Checks, each printing its figures:
 *  1. blocks 1, 7, 63, 64, 256, 1000, 4096, 8192 at 48 kHz, and 22050, 44100,
 *     96000, 192000 Hz at blocks 63 and 4096: output finite, never denormal,
 *     |x| < 4, not silent (RMS above -60 dBFS after start-up); the latency port
 *     written by the first run(), constant while running and across block
 *     lengths, within the Turtle's maximum; at 48 kHz every block length renders
 *     the same samples as block 256 (block splitting is invisible);
 *  2. z1 = -2 and z1 = +2 give different spectra (centroid and mean dB distance);
 *     activate() starts the latent at the current knobs, not at those of the last
 *     run() before it; knobs beyond the model's latent size are inert;
 *  3. no heap call on the audio thread inside run(), work_response() or end_run()
 *     (threaded worker, alloc_count.h), with model changes, patch:Get, mode and
 *     bypass changes, at blocks 1, 64 and 4096, nor with the synchronous worker
 *     outside work() itself; no log call from run();
 *  4. NaN, Inf, -Inf, 1e30, -1e30 and denormals in every control input, one port
 *     at a time and all at once: output finite and never denormal, and the sound
 *     comes back once the controls are sane again;
 *  5. state: save (model parameter + ports) and restore into a new instance,
 *     with a worker in restore() (jalv) and without (Ardour), threaded and
 *     synchronous workers: the new instance echoes the model path, has the port
 *     values, and renders the same samples after activate(); state.ttl holds no
 *     absolute path of the model (state:mapPath was used); restore() takes the
 *     model path with its terminating NUL and without (Carla), reads no byte past
 *     the size given, and refuses, keeping the model, a value of another type, with
 *     a NUL inside, or empty;
 *  6. patch:Set to the second model switches to it (the spectrum changes, a
 *     patch:Set echo arrives on notify), also with the synchronous worker, and
 *     patch:Get answers with the current path;
 *  7. patch:Set to a truncated model, a text file, an empty file, a folder, a
 *     missing path and a model with one flipped bit keeps the previous model playing (identical samples after
 *     activate(), not silent), echoes no bad path, and logs a line naming the file;
 *  8. the spectral centroid of one latent point within 2 % across 22050, 44100,
 *     48000, 96000 and 192000 Hz (over the band every rate can hold, and over the
 *     model's full band for rates whose Nyquist reaches it);
 *  9. two instances side by side do not disturb each other (no global state);
 * 10. restore() on another thread while the audio thread keeps running (the
 *     plugin declares state:threadSafeRestore; Ardour does this), alternating two
 *     saved states: output stays finite, no heap call in run(), and the model of
 *     the last restore is the one playing at the end;
 * 11. the latency port against the measured delay: z1 jumps (no glide) at block
 *     starts spread over more than one hop, and the first output frame that
 *     differs from the render without the jump is found each time: every delay
 *     lies within 0 .. 2 x latency + 1 (one hop: changes are picked up by the
 *     next frame of the hop grid) and the reported latency is their mean.
 *
 * Start-up: the first ANC_SKIP_S seconds of every render are not judged (the
 * overlap-add fills and the latent glides to its target). */
#include <float.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <fftw3.h>
#include <lv2/state/state.h>

#include "alloc_count.h"
#include "check.h"
#include "lv2_host.h"
#include "model.h"

#define ANC_SKIP_S 0.3          /* start-up not judged */
#define PEAK_LIMIT 4.0          /* |x| bound at default gain */
#define SILENCE_RMS 1e-3        /* -60 dBFS */
#define SPECTRUM_FRAME_S 0.0853 /* 4096 frames at 48 kHz: a 12 Hz grid */
#define CENTROID_TOL 0.02       /* the contract: same timbre at every rate */
#define KNOB_MIN_DB 1.0         /* z1 -2 vs +2 must move the spectrum at least this */
#define SWITCH_MIN_DB 1.0       /* another model must too */
#define SETTLE_CYCLES 100000   /* anc_host_settle() cap: 0.1 s quiet at block 1 is 4800 */

static anc_host_world *world;
static const char *second_model;
static char default_model[4096];
static double default_rate, second_rate; /* the models' own sample rates */
static int second_latent, default_latent;
static char tmp_root[1024];

/* ---- helpers ---------------------------------------------------------------- */

/* The interposer linked into this test (alloc_count.c) counts run()'s heap calls. */
static const anc_host_alloc_counter alloc_counter = {anc_alloc_watch, anc_alloc_count};

static anc_host *make(double rate, uint32_t block, anc_host_worker wk, int restore_worker)
{
    anc_host_config c;
    anc_host_config_default(&c);
    c.alloc_counter = &alloc_counter;
    c.sample_rate = rate;
    c.max_block = block;
    c.worker = wk;
    c.restore_worker = restore_worker;
    c.echo_log = getenv("ANC_TEST_VERBOSE") != NULL;
    char err[1024] = "";
    anc_host *h = anc_host_new(world, &c, err, sizeof err);
    check_true(h != NULL, "instantiate at %.0f Hz, block %u: %s", rate, block, err);
    return h;
}

static int settle(anc_host *h, uint32_t block, const char *what)
{
    int n = anc_host_settle(h, block, SETTLE_CYCLES);
    return check_true(n > 0, "%s: the worker did not settle within %d cycles", what,
                      SETTLE_CYCLES);
}

/* make(), activated, with the default model (the bundle's default state) loaded
 * by the worker: ready to render. NULL (after a failed check) if it is not. */
static anc_host *make_playing(double rate, uint32_t block, anc_host_worker wk, int restore_worker)
{
    anc_host *h = make(rate, block, wk, restore_worker);
    if (!h)
        return NULL;
    anc_host_activate(h);
    settle(h, block, "default model");
    return h;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        printf("FAIL: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* Whether the instance now plays (echoes) the file at path. */
static int plays(anc_host *h, const char *path)
{
    struct stat a, b;
    return !stat(anc_host_model_echo(h), &a) && !stat(path, &b) && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

static float *render(anc_host *h, size_t frames, uint32_t block)
{
    float *x = xmalloc(sizeof(float) * frames);
    anc_host_render(h, x, frames, block);
    return x;
}

/* activate() resets all DSP state: renders after it are comparable. The 0-frame
 * cycle first lets the plugin read the current controls: its activate() starts
 * the latent at the controls of the last run() (test_knobs checks that without this
 * cycle). */
static float *render_fresh(anc_host *h, size_t frames, uint32_t block)
{
    anc_host_run(h, NULL, 0);
    anc_host_deactivate(h);
    anc_host_activate(h);
    return render(h, frames, block);
}

typedef struct sig_stats {
    size_t nonfinite, denormal;
    double peak, rms; /* rms after the skipped start-up */
} sig_stats;

static void stats(const float *x, size_t n, size_t skip, sig_stats *s)
{
    *s = (sig_stats){0};
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        if (!isfinite(v)) {
            s->nonfinite++;
            continue;
        }
        if (v != 0.0f && fabsf(v) < FLT_MIN)
            s->denormal++;
        if (fabs((double)v) > s->peak)
            s->peak = fabs((double)v);
        if (i >= skip)
            sum += (double)v * v;
    }
    s->rms = n > skip ? sqrt(sum / (double)(n - skip)) : 0.0;
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= worst))
            worst = d; /* NaN sticks */
    }
    return worst;
}

/* FFTW's planner is not thread-safe and the plugin plans and destroys FFTs on
 * its worker thread, so every plan this test needs is made before the first
 * instance exists and only executed (new-array execute) afterwards. */
#define MAX_PLANS 12
static struct {
    int n;
    fftwf_plan plan;
} plans[MAX_PLANS];
static int n_plans;

static int spectrum_size(double rate)
{
    return 2 * (int)lround(0.5 * SPECTRUM_FRAME_S * rate);
}

static void prepare_plan(double rate)
{
    int N = spectrum_size(rate);
    for (int i = 0; i < n_plans; i++)
        if (plans[i].n == N)
            return;
    float *in = fftwf_alloc_real((size_t)N);
    fftwf_complex *X = fftwf_alloc_complex((size_t)N / 2 + 1);
    plans[n_plans].n = N;
    plans[n_plans].plan = fftwf_plan_dft_r2c_1d(N, in, X, FFTW_ESTIMATE);
    n_plans++;
    fftwf_free(in);
    fftwf_free(X);
}

/* Mean magnitude spectrum of x[skip..n) with a Hann window of about
 * SPECTRUM_FRAME_S seconds and half overlap; mag has n_fft/2+1 bins of width
 * rate/n_fft. The frame length scales with the rate so every rate measures the
 * same bandwidths. Returns n_fft (mag is malloc'd into *out). */
static int spectrum(const float *x, size_t n, size_t skip, double rate, double **out)
{
    int N = spectrum_size(rate);
    int K = N / 2 + 1;
    fftwf_plan p = NULL;
    for (int i = 0; i < n_plans; i++)
        if (plans[i].n == N)
            p = plans[i].plan;
    if (!p) {
        fprintf(stderr, "test_plugin: no FFT plan prepared for %.0f Hz\n", rate);
        exit(1);
    }
    float *in = fftwf_alloc_real((size_t)N);
    fftwf_complex *X = fftwf_alloc_complex((size_t)K);
    double *mag = xmalloc(sizeof *mag * (size_t)K);
    for (int k = 0; k < K; k++)
        mag[k] = 0.0;
    int frames = 0;
    for (size_t start = skip; start + (size_t)N <= n; start += (size_t)N / 2) {
        for (int i = 0; i < N; i++)
            in[i] = x[start + (size_t)i] * (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / N));
        fftwf_execute_dft_r2c(p, in, X);
        for (int k = 0; k < K; k++)
            mag[k] += hypot((double)X[k][0], (double)X[k][1]);
        frames++;
    }
    for (int k = 0; k < K && frames; k++)
        mag[k] /= frames;
    fftwf_free(in);
    fftwf_free(X);
    *out = mag;
    return N;
}

static double centroid(const double *mag, int N, double rate, double band_hz)
{
    double num = 0, den = 0;
    for (int k = 0; k <= N / 2; k++) {
        double f = k * rate / N;
        if (f > band_hz)
            break;
        num += f * mag[k];
        den += mag[k];
    }
    return den > 0 ? num / den : 0.0;
}

/* Mean |dB difference| between two spectra of the same grid, over the bins up
 * to band_hz where either is within 60 dB of the louder spectrum's peak. */
static double spectral_distance_db(const double *a, const double *b, int N, double rate,
                                   double band_hz)
{
    double peak = 0;
    for (int k = 0; k <= N / 2; k++)
        peak = fmax(peak, fmax(a[k], b[k]));
    double sum = 0;
    int used = 0;
    for (int k = 0; k <= N / 2 && k * rate / N <= band_hz; k++) {
        if (fmax(a[k], b[k]) < peak * 1e-3)
            continue;
        double fa = fmax(a[k], peak * 1e-5), fb = fmax(b[k], peak * 1e-5);
        sum += fabs(20.0 * log10(fa / fb));
        used++;
    }
    return used ? sum / used : 0.0;
}

static double band_of(double host_rate, double model_rate)
{
    return 0.5 * fmin(host_rate, model_rate);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

static void *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc((size_t)len + 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        ((char *)buf)[len] = '\0';
        *n = (size_t)len;
    }
    return buf;
}

/* ---- 0. what the models are --------------------------------------------------- */

static int discover_models(void)
{
    anc_host *h = make(48000, 256, ANC_HOST_WORKER_THREAD, 1);
    if (!h)
        return -1;
    anc_host_activate(h);
    settle(h, 256, "default state");
    anc_host_send_get(h);
    settle(h, 256, "patch:Get");
    snprintf(default_model, sizeof default_model, "%s", anc_host_model_echo(h));
    anc_host_free(h);
    if (!check_true(default_model[0] != '\0',
                    "no model echoed after default state + patch:Get: is default.vae in the "
                    "bundle (presets/default.vae)?"))
        return -1;
    anc_model *m = NULL;
    anc_error err;
    if (!check_true(anc_model_load_file(&m, default_model, &err) == ANC_OK,
                    "default model %s: %s", default_model, err.message))
        return -1;
    default_rate = anc_model_get_header(m)->sample_rate;
    int dl = default_latent = anc_model_get_header(m)->arch.n_latent;
    anc_model_free(m);
    if (!check_true(anc_model_load_file(&m, second_model, &err) == ANC_OK, "second model %s: %s",
                    second_model, err.message))
        return -1;
    second_rate = anc_model_get_header(m)->sample_rate;
    second_latent = anc_model_get_header(m)->arch.n_latent;
    anc_model_free(m);
    printf("default model: %s (%.0f Hz, %d latents)\n", default_model, default_rate, dl);
    printf("second model:  %s (%.0f Hz, %d latents)\n", second_model, second_rate,
           second_latent);
    return 0;
}

/* ---- 1. block lengths and rates ------------------------------------------------ */

typedef struct run_result {
    float latency;
    int ok;
} run_result;

/* Renders `seconds` at rate in blocks of `block` and checks the signal and the
 * latency port. When keep is not NULL the render is returned in *keep. */
static run_result check_render(double rate, uint32_t block, double seconds, float **keep)
{
    run_result r = {NAN, 0};
    int before = check_failures;
    anc_host *h = make(rate, block, ANC_HOST_WORKER_THREAD, 1);
    if (!h)
        return r;
    check_true(isnan(anc_host_latency(h)), "latency port set before any run()");
    anc_host_activate(h);
    anc_host_run(h, NULL, 0); /* Ardour's silent cycle: latency must be right already */
    float lat0 = anc_host_latency(h);
    settle(h, block, "default model");
    /* Start from activate() so that every block length renders from the same
     * state (settling ran a block-dependent number of frames). */
    anc_host_run(h, NULL, 0);
    anc_host_deactivate(h);
    anc_host_activate(h);
    size_t frames = (size_t)(seconds * rate);
    float *x = xmalloc(sizeof(float) * frames);
    /* Render in pieces of about 0.1 s to watch the latency port while running. */
    size_t piece = (size_t)(0.1 * rate), pos = 0;
    int lat_changed = 0;
    float lat = anc_host_latency(h);
    while (pos < frames) {
        size_t n = frames - pos < piece ? frames - pos : piece;
        anc_host_render(h, x + pos, n, block);
        pos += n;
        if (anc_host_latency(h) != lat)
            lat_changed = 1;
    }
    sig_stats s;
    stats(x, frames, (size_t)(ANC_SKIP_S * rate), &s);
    float lat_max = anc_host_port_max(h, (uint32_t)anc_host_port_index(h, "latency"));
    printf("  %6.0f Hz block %4u: peak %.3f rms %.4f (%.1f dBFS) latency %g "
           "(after 0-frame run %g, max %g) run %.1fx realtime, allocs in run %lu\n",
           rate, block, s.peak, s.rms, 20 * log10(s.rms + 1e-30), (double)lat, (double)lat0,
           (double)lat_max, frames / rate / anc_host_run_cpu_seconds(h),
           anc_host_allocs_in_run(h));
    check_true(s.nonfinite == 0, "%.0f Hz block %u: %zu non-finite samples", rate, block,
               s.nonfinite);
    check_true(s.denormal == 0, "%.0f Hz block %u: %zu denormal samples", rate, block,
               s.denormal);
    check_true(s.peak < PEAK_LIMIT, "%.0f Hz block %u: peak %.3f >= %g", rate, block, s.peak,
               PEAK_LIMIT);
    check_true(s.rms > SILENCE_RMS, "%.0f Hz block %u: silent (rms %.2g)", rate, block, s.rms);
    check_true(isfinite(lat0) && lat0 >= 0, "%.0f Hz block %u: latency not written by the first "
               "run() (%g)", rate, block, (double)lat0);
    check_true(lat == lat0 && !lat_changed, "%.0f Hz block %u: latency changed while running "
               "(%g then %g)", rate, block, (double)lat0, (double)anc_host_latency(h));
    check_true(!(lat > lat_max), "%.0f Hz block %u: latency %g above lv2:maximum %g", rate,
               block, (double)lat, (double)lat_max);
    check_true(lat == floorf(lat), "%.0f Hz block %u: latency %g is not whole frames", rate,
               block, (double)lat);
    check_true(anc_host_allocs_in_run(h) == 0 && anc_host_allocs_in_response(h) == 0,
               "%.0f Hz block %u: %lu heap calls in run(), %lu in work_response()", rate, block,
               anc_host_allocs_in_run(h), anc_host_allocs_in_response(h));
    r.latency = lat;
    anc_host_free(h);
    if (keep)
        *keep = x;
    else
        free(x);
    r.ok = check_failures == before;
    return r;
}

static void test_blocks_and_rates(void)
{
    static const uint32_t blocks[] = {1, 7, 63, 64, 256, 1000, 4096, 8192};
    static const double rates[] = {22050, 44100, 96000, 192000};
    static const uint32_t rate_blocks[] = {63, 4096};
    const double seconds = 1.0;
    const size_t n48 = (size_t)(seconds * 48000);
    printf("1. block lengths at 48 kHz (%.1f s each)\n", seconds);
    float *ref = NULL;
    run_result r256 = check_render(48000, 256, seconds, &ref);
    float lat48 = r256.latency;
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++) {
        if (blocks[i] == 256)
            continue;
        float *x = NULL;
        run_result r = check_render(48000, blocks[i], seconds, &x);
        check_true(r.latency == lat48, "48000 Hz: latency %g at block %u but %g at block 256",
                   (double)r.latency, blocks[i], (double)lat48);
        if (x && ref) {
            double d = max_abs_diff(x, ref, n48);
            printf("  block %4u vs block 256: max |diff| %.3g\n", blocks[i], d);
            check_true(d <= 1e-6, "48000 Hz: block %u renders differently from block 256 "
                       "(max |diff| %.3g)", blocks[i], d);
        }
        free(x);
    }
    free(ref);
    printf("1. sample rates at blocks 63 and 4096 (%.1f s each)\n", seconds);
    for (size_t i = 0; i < sizeof rates / sizeof *rates; i++) {
        float lat = NAN;
        for (size_t j = 0; j < 2; j++) {
            run_result r = check_render(rates[i], rate_blocks[j], seconds, NULL);
            if (j == 0)
                lat = r.latency;
            else
                check_true(r.latency == lat, "%.0f Hz: latency %g at block 4096 but %g at 63",
                           rates[i], (double)r.latency, (double)lat);
        }
        printf("  latency at %.0f Hz: %g frames (%.2f ms)\n", rates[i], (double)lat,
               1e3 * lat / rates[i]);
    }
    printf("  latency at 48000 Hz: %g frames (%.2f ms)\n", (double)lat48, 1e3 * lat48 / 48000);
}

/* ---- 2. knobs ---------------------------------------------------------------------- */

static float *render_point(anc_host *h, const char *sym, float v, size_t frames, uint32_t block)
{
    anc_host_set_control_sym(h, sym, v);
    float *x = render_fresh(h, frames, block);
    anc_host_set_control_sym(h, sym, 0.0f);
    return x;
}

static void test_knobs(void)
{
    printf("2. knobs change the spectrum (48 kHz, block 256, 1.5 s)\n");
    const double rate = 48000;
    const size_t frames = (size_t)(1.5 * rate), skip = (size_t)(ANC_SKIP_S * rate);
    anc_host *h = make_playing(rate, 256, ANC_HOST_WORKER_THREAD, 1);
    if (!h)
        return;
    float *lo = render_point(h, "z1", -2.0f, frames, 256);
    float *hi = render_point(h, "z1", 2.0f, frames, 256);
    double *ml, *mh;
    int N = spectrum(lo, frames, skip, rate, &ml);
    spectrum(hi, frames, skip, rate, &mh);
    double band = band_of(rate, default_rate);
    double cl = centroid(ml, N, rate, band), ch = centroid(mh, N, rate, band);
    double dist = spectral_distance_db(ml, mh, N, rate, band);
    printf("  z1 = -2: centroid %.1f Hz; z1 = +2: centroid %.1f Hz; mean |dB diff| %.2f dB\n",
           cl, ch, dist);
    check_true(dist >= KNOB_MIN_DB, "z1 -2 vs +2: spectra differ by only %.2f dB (< %.1f)", dist,
               KNOB_MIN_DB);
    free(lo);
    free(hi);
    free(ml);
    free(mh);

    /* activate() must start the latent at the knobs the next run() reads, not at
     * those of the last run() before it (LV2: activate() resets all state that
     * depends on the instance's history). Rendered without the priming cycle. */
    anc_host_set_control_sym(h, "z1", -2.0f);
    float *primed = render_fresh(h, frames, 256);
    anc_host_set_control_sym(h, "z1", 2.0f);
    anc_host_run(h, NULL, 64);
    anc_host_set_control_sym(h, "z1", -2.0f);
    anc_host_deactivate(h);
    anc_host_activate(h);
    float *unprimed = render(h, frames, 256);
    anc_host_set_control_sym(h, "z1", 0.0f);
    double da = max_abs_diff(primed, unprimed, frames);
    size_t first = 0;
    while (first < frames && primed[first] == unprimed[first])
        first++;
    printf("  after activate(): render with z1 = -2 set before activate vs after a run at +2: "
           "max |diff| %.3g (first differing frame %zu)\n", da, first);
    check_true(da == 0.0, "activate() does not reset the latent to the current knobs: the render "
               "after activate() depends on the knobs of the last run() before it (max |diff| "
               "%.3g from frame %zu)", da, first);
    free(primed);
    free(unprimed);

    /* The last knob: inert on a model with fewer latents than knobs, a timbre
     * control on one that uses them all (the default model does). */
    const char *last = anc_controls[ANC_CONTROL_Z1 + ANC_KNOBS - 1].symbol;
    float *a = render_point(h, last, -3.0f, frames, 256);
    float *b = render_point(h, last, 3.0f, frames, 256);
    double d = max_abs_diff(a, b, frames);
    const int used = default_latent >= ANC_KNOBS;
    printf("  %s = -3 vs +3 on the %d-latent default model: max |diff| %.3g (%s knob)\n", last,
           default_latent, d, used ? "a used" : "an inert");
    if (used)
        check_true(d > 1e-3, "%s does nothing on a model that uses all %d knobs (max |diff| %.3g)",
                   last, ANC_KNOBS, d);
    else
        check_true(d == 0.0, "%s is not inert on a model with fewer latents (max |diff| %.3g)",
                   last, d);
    free(a);
    free(b);

    if (second_latent < ANC_KNOBS) {
        anc_host_send_model(h, second_model);
        settle(h, 256, "second model");
        char sym[16];
        snprintf(sym, sizeof sym, "z%d", second_latent + 1);
        a = render_point(h, sym, -3.0f, frames, 256);
        b = render_point(h, sym, 3.0f, frames, 256);
        d = max_abs_diff(a, b, frames);
        printf("  %s = -3 vs +3 on the %d-latent second model: max |diff| %.3g\n", sym,
               second_latent, d);
        check_true(d == 0.0, "%s is not inert on a %d-latent model (max |diff| %.3g)", sym,
                   second_latent, d);
        free(a);
        free(b);
    }
    anc_host_free(h);
}

/* ---- 11. latency ------------------------------------------------------------------ */

static void test_latency(void)
{
    printf("11. latency port vs the measured delay of a knob change (48 kHz, block 16)\n");
    const double rate = 48000;
    const uint32_t block = 16;
    const size_t start = (size_t)(0.2 * rate), frames = (size_t)(0.4 * rate);
    anc_host *h = make_playing(rate, block, ANC_HOST_WORKER_THREAD, 1);
    if (!h)
        return;
    anc_host_set_control_sym(h, "glide", 0.0f);
    float *ref = render_fresh(h, frames, block);
    const float lat = anc_host_latency(h);
    float *x = xmalloc(sizeof(float) * frames);
    int n = 0, lo = INT32_MAX, hi = -1, never = 0;
    double sum = 0.0;
    /* jumps at every block start over two hops (2 latency frames each): every
     * position on the hop grid equally often, so the mean delay is unbiased */
    const size_t span = (size_t)(2.0 * (2.0 * lat));
    for (size_t at = start; at < start + span; at += block) {
        anc_host_run(h, NULL, 0);
        anc_host_deactivate(h);
        anc_host_activate(h);
        anc_host_render(h, x, at, block);
        anc_host_set_control_sym(h, "z1", 3.0f);
        anc_host_render(h, x + at, frames - at, block);
        anc_host_set_control_sym(h, "z1", 0.0f);
        size_t first = 0;
        while (first < frames && x[first] == ref[first])
            first++;
        if (first >= frames || first < at) {
            never++; /* no difference at all, or one before the jump */
            continue;
        }
        const int d = (int)(first - at);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
        sum += d;
        n++;
    }
    const double mean = n ? sum / n : -1.0;
    printf("  %d jumps: delay %d .. %d frames, mean %.1f; latency port %g\n", n, lo, hi, mean,
           (double)lat);
    check_true(never == 0, "latency: %d knob jumps changed nothing or changed the output before "
               "the jump", never);
    check_true(n > 0 && lo >= 0 && hi <= 2 * (int)lat + 1,
               "latency: delays %d .. %d outside 0 .. %d (one hop)", lo, hi, 2 * (int)lat + 1);
    check_true(n > 0 && hi - lo >= (int)lat,
               "latency: delays %d .. %d do not cover the hop grid", lo, hi);
    check_true(n > 0 && fabs(mean - lat) <= 0.03 * lat + 1.0,
               "latency: port says %g but the mean delay is %.1f", (double)lat, mean);
    free(x);
    free(ref);
    anc_host_free(h);
}

/* ---- 3. allocation ----------------------------------------------------------------- */

static void test_allocation(void)
{
    const char *how = NULL;
    int counting = anc_alloc_counting(&how);
    printf("3. heap calls on the audio thread (counter: %s)\n", how);
    if (!counting) {
        printf("  notice: the allocation counter is blind in this build; check skipped\n");
        return;
    }
    static const uint32_t blocks[] = {1, 64, 4096};
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++) {
        const uint32_t B = blocks[i];
        const double rate = 48000;
        anc_host *h = make_playing(rate, B, ANC_HOST_WORKER_THREAD, 1);
        if (!h)
            continue;
        size_t chunk = (size_t)(0.25 * rate);
        anc_host_render(h, NULL, chunk, B);
        anc_host_send_model(h, second_model); /* load, install, fade, free the old one */
        settle(h, B, "second model");
        anc_host_render(h, NULL, chunk, B);
        anc_host_send_get(h);
        anc_host_set_control_sym(h, "mode", 1.0f); /* ancestral sampling */
        anc_host_set_control_sym(h, "noise", 1.0f);
        anc_host_render(h, NULL, chunk, B);
        anc_host_set_control_sym(h, "mode", 2.0f);
        anc_host_set_control_sym(h, "enabled", 0.0f);
        anc_host_render(h, NULL, chunk, B);
        anc_host_set_control_sym(h, "enabled", 1.0f);
        anc_host_send_model(h, default_model);
        settle(h, B, "default model again");
        anc_host_send_model(h, "/nonexistent/ancestral/model.vae");
        settle(h, B, "missing model");
        anc_host_render(h, NULL, chunk, B);
        anc_host_deactivate(h);
        anc_host_activate(h);
        anc_host_render(h, NULL, chunk, B);
        unsigned long ar = anc_host_allocs_in_run(h), aw = anc_host_allocs_in_response(h);
        unsigned long lr = anc_host_logs_in_run(h);
        printf("  block %4u: %lu run() calls, heap calls in run() %lu, in work_response()/"
               "end_run() %lu, log calls from run() %lu\n",
               B, anc_host_run_calls(h), ar, aw, lr);
        check_true(ar == 0, "block %u: %lu heap calls inside run()", B, ar);
        check_true(aw == 0, "block %u: %lu heap calls inside work_response()/end_run()", B, aw);
        check_true(lr == 0, "block %u: %lu log calls from inside run()", B, lr);
        anc_host_free(h);
    }
    /* The synchronous worker (export): work() runs inside run() and may allocate;
     * the host tallies that apart, and run() itself still must not allocate. The
     * tally is also the counter's proof that it sees the dlopen'd plugin's heap
     * calls made on the audio thread. */
    anc_host *h = make(48000, 256, ANC_HOST_WORKER_SYNC, 1);
    if (h) {
        anc_host_activate(h);
        settle(h, 256, "default model (sync)");
        anc_host_send_model(h, second_model);
        settle(h, 256, "second model (sync)");
        anc_host_render(h, NULL, 24000, 256);
        printf("  synchronous worker, block 256: heap calls in run() outside work() %lu, in "
               "work_response() %lu, in work() run synchronously %lu\n",
               anc_host_allocs_in_run(h), anc_host_allocs_in_response(h),
               anc_host_allocs_in_sync_work(h));
        check_true(anc_host_allocs_in_run(h) == 0 && anc_host_allocs_in_response(h) == 0,
                   "synchronous worker: heap calls on the audio thread outside work()");
        check_true(anc_host_allocs_in_sync_work(h) > 0,
                   "the counter saw no heap call of the plugin's model load in synchronous "
                   "work(): it is blind to the plugin");
        anc_host_free(h);
    }
}

/* ---- 4. garbage in the controls ---------------------------------------------------- */

static void test_garbage(void)
{
    static const float bad[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 1e-40f, -1e-40f};
    static const char *names[] = {"NaN", "Inf", "-Inf", "1e30", "-1e30", "1e-40", "-1e-40"};
    const size_t n_bad = sizeof bad / sizeof *bad;
    const double rate = 48000;
    const uint32_t B = 256;
    const size_t frames = 4096;
    printf("4. garbage in every control input (48 kHz, block %u, %zu frames each)\n", B, frames);
    anc_host *h = make_playing(rate, B, ANC_HOST_WORKER_THREAD, 1);
    if (!h)
        return;
    float *x = xmalloc(sizeof(float) * (size_t)rate);
    int n_ports = 0, cases = 0;
    double worst_peak = 0;
    for (uint32_t p = 0; p < anc_host_n_ports(h); p++) {
        if (!anc_host_port_is_control_input(h, p))
            continue;
        n_ports++;
        for (size_t v = 0; v < n_bad; v++) {
            anc_host_set_control(h, p, bad[v]);
            anc_host_render(h, x, frames, B);
            sig_stats s;
            stats(x, frames, 0, &s);
            cases++;
            worst_peak = fmax(worst_peak, s.peak);
            check_true(s.nonfinite == 0 && s.denormal == 0,
                       "%s = %s: %zu non-finite and %zu denormal samples",
                       anc_host_port_symbol(h, p), names[v], s.nonfinite, s.denormal);
            if (s.peak >= 1.0)
                printf("  %s = %s: peak %.3f\n", anc_host_port_symbol(h, p), names[v], s.peak);
            anc_host_set_control(h, p, anc_host_port_default(h, p));
        }
    }
    /* Every port at once, every value in turn. */
    for (size_t v = 0; v < n_bad; v++) {
        for (uint32_t p = 0; p < anc_host_n_ports(h); p++)
            if (anc_host_port_is_control_input(h, p))
                anc_host_set_control(h, p, bad[v]);
        anc_host_render(h, x, frames, B);
        sig_stats s;
        stats(x, frames, 0, &s);
        cases++;
        worst_peak = fmax(worst_peak, s.peak);
        check_true(s.nonfinite == 0 && s.denormal == 0,
                   "every control = %s: %zu non-finite and %zu denormal samples", names[v],
                   s.nonfinite, s.denormal);
        if (s.peak >= 1.0)
            printf("  every control = %s: peak %.3f\n", names[v], s.peak);
    }
    /* Sane again: the sound must come back (glide, gain and bypass ramps included). */
    anc_host_reset_controls(h);
    anc_host_render(h, x, (size_t)rate, B);
    sig_stats s;
    stats(x, (size_t)rate, (size_t)(0.5 * rate), &s);
    printf("  %d ports x %zu values + all at once: %d renders, worst peak %.3f; afterwards "
           "rms %.4f peak %.3f\n",
           n_ports, n_bad, cases, worst_peak, s.rms, s.peak);
    check_true(s.nonfinite == 0 && s.rms > SILENCE_RMS && s.peak < PEAK_LIMIT,
               "after garbage the output did not recover (rms %.2g, peak %.3f, %zu non-finite)",
               s.rms, s.peak, s.nonfinite);
    free(x);
    anc_host_free(h);
}

/* ---- 5. state ------------------------------------------------------------------------- */

static void test_state_variant(anc_host_worker wk, int restore_worker, const char *label)
{
    const double rate = 48000;
    const uint32_t B = 256;
    const size_t frames = (size_t)(1.0 * rate);
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/state-%s", tmp_root, label);
    anc_host *a = make(rate, B, wk, restore_worker);
    anc_host *b = make(rate, B, wk, restore_worker);
    if (!a || !b) {
        anc_host_free(a);
        anc_host_free(b);
        return;
    }
    anc_host_activate(a);
    settle(a, B, "default model");
    anc_host_send_model(a, second_model);
    settle(a, B, "second model");
    anc_host_set_control_sym(a, "z1", 1.5f);
    anc_host_set_control_sym(a, "z2", -1.0f);
    anc_host_set_control_sym(a, "gain", -3.0f);
    anc_host_set_control_sym(a, "glide", 0.2f);
    char err[1024] = "";
    int saved = anc_host_save_state(a, dir, err, sizeof err);
    check_true(saved == 0, "%s: save: %s", label, err);

    /* The saved Turtle must not hold the model's absolute folder. */
    char path[1400];
    snprintf(path, sizeof path, "%s/state.ttl", dir);
    size_t n = 0;
    char *ttl = read_file(path, &n);
    char model_dir[4096];
    snprintf(model_dir, sizeof model_dir, "%s", second_model);
    char *slash = strrchr(model_dir, '/');
    if (slash)
        *slash = '\0';
    check_true(ttl != NULL, "%s: no %s", label, path);
    if (ttl && slash)
        check_true(strstr(ttl, model_dir) == NULL,
                   "%s: state.ttl holds the absolute path %s (state:mapPath not used?)", label,
                   model_dir);

    anc_host_activate(b);
    settle(b, B, "b default model");
    unsigned long echoes = anc_host_model_echoes(b);
    int restored = anc_host_restore_state(b, dir, err, sizeof err);
    check_true(restored == 0, "%s: restore: %s", label, err);
    settle(b, B, "b restored model");
    const char *echo = anc_host_model_echo(b);
    int same_file = plays(b, second_model);
    printf("  %-18s saved %s; restored instance echoes %s (%s the second model), z1 %.2f z2 "
           "%.2f gain %.2f glide %.2f\n",
           label, path, echo, same_file ? "is" : "IS NOT",
           (double)anc_host_get_control(b, (uint32_t)anc_host_port_index(b, "z1")),
           (double)anc_host_get_control(b, (uint32_t)anc_host_port_index(b, "z2")),
           (double)anc_host_get_control(b, (uint32_t)anc_host_port_index(b, "gain")),
           (double)anc_host_get_control(b, (uint32_t)anc_host_port_index(b, "glide")));
    check_true(anc_host_model_echoes(b) > echoes, "%s: no patch:Set echo after restore", label);
    check_true(same_file, "%s: restored instance plays %s, not %s", label, echo, second_model);
    check_true(anc_host_get_control(b, (uint32_t)anc_host_port_index(b, "z1")) == 1.5f &&
                   anc_host_get_control(b, (uint32_t)anc_host_port_index(b, "gain")) == -3.0f,
               "%s: port values not restored", label);

    float *xa = render_fresh(a, frames, B);
    float *xb = render_fresh(b, frames, B);
    sig_stats s;
    stats(xb, frames, (size_t)(ANC_SKIP_S * rate), &s);
    double d = max_abs_diff(xa, xb, frames);
    printf("  %-18s original vs restored render: max |diff| %.3g (rms %.4f)\n", label, d, s.rms);
    check_true(d == 0.0 && s.rms > SILENCE_RMS,
               "%s: restored instance renders differently (max |diff| %.3g, rms %.2g)", label, d,
               s.rms);
    free(xa);
    free(xb);
    free(ttl);
    anc_host_free(a);
    anc_host_free(b);
}

static void test_default_state_variant(anc_host_worker wk, int restore_worker, const char *label)
{
    anc_host *h = make(48000, 256, wk, restore_worker);
    if (!h)
        return;
    anc_host_activate(h);
    settle(h, 256, label);
    float *x = render(h, 48000, 256);
    sig_stats s;
    stats(x, 48000, (size_t)(ANC_SKIP_S * 48000), &s);
    printf("  default state, %-18s rms %.4f, echo '%s'\n", label, s.rms, anc_host_model_echo(h));
    check_true(s.rms > SILENCE_RMS, "default state (%s): silent, rms %.2g; log: %s", label, s.rms,
               anc_host_log(h));
    check_true(!strcmp(anc_host_model_echo(h), default_model),
               "default state (%s): echo '%s', expected %s", label, anc_host_model_echo(h),
               default_model);
    free(x);
    anc_host_free(h);
}

/* The model path as restore() receives it from hosts that keep state themselves:
 * with its terminating NUL (lilv, Ardour) and without (Carla), each in a heap
 * block of exactly the size given, so a read past it shows under AddressSanitizer;
 * and values that are no path, which must be refused and keep the model. */
static void test_state_path_forms(int restore_worker, const char *label)
{
    const uint32_t B = 256;
    anc_host *h = make_playing(48000, B, ANC_HOST_WORKER_THREAD, restore_worker);
    if (!h)
        return;
    const char *path_type = "http://lv2plug.in/ns/ext/atom#Path";
    struct {
        const char *what, *model; /* model: the file it must play afterwards */
        int nul;                  /* the value's size counts a terminating NUL */
    } good[] = {{"path with its NUL", second_model, 1},
                {"path without NUL", default_model, 0},
                {"path without NUL", second_model, 0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t n = strlen(good[i].model) + (size_t)good[i].nul;
        char *v = xmalloc(n);
        memcpy(v, good[i].model, n);
        int st = anc_host_restore_value(h, ANC_MODEL_URI, v, n, path_type);
        free(v);
        settle(h, B, good[i].what);
        printf("  %-16s %-18s (%zu bytes): status %d, plays %s\n", label, good[i].what, n, st,
               anc_host_model_echo(h));
        check_true(st == LV2_STATE_SUCCESS, "%s: %s refused (status %d)", label, good[i].what, st);
        check_true(plays(h, good[i].model), "%s: after %s of %s the plugin plays '%s'", label,
                   good[i].what, good[i].model, anc_host_model_echo(h));
    }

    /* The last good restore left the second model playing; none of these may change it. */
    char embedded[4200];
    int m = snprintf(embedded, sizeof embedded, "%s%c%s", default_model, '\0', "x");
    struct {
        const char *what, *value, *type;
        size_t size;
    } bad[] = {{"an atom:String", second_model, "http://lv2plug.in/ns/ext/atom#String",
                strlen(second_model) + 1},
               {"a NUL inside", embedded, path_type, (size_t)m + 1},
               {"an empty path", "", path_type, 1},
               {"zero bytes", "", path_type, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *v = xmalloc(bad[i].size);
        memcpy(v, bad[i].value, bad[i].size);
        int st = anc_host_restore_value(h, ANC_MODEL_URI, v, bad[i].size, bad[i].type);
        free(v);
        settle(h, B, bad[i].what);
        printf("  %-16s %-18s (%zu bytes): status %d, plays %s\n", label, bad[i].what,
               bad[i].size, st, anc_host_model_echo(h));
        check_true(st == LV2_STATE_ERR_BAD_TYPE, "%s: %s: status %d, expected bad type (%d)",
                   label, bad[i].what, st, LV2_STATE_ERR_BAD_TYPE);
        check_true(plays(h, second_model), "%s: after refusing %s the plugin plays '%s', not %s",
                   label, bad[i].what, anc_host_model_echo(h), second_model);
    }
    anc_host_free(h);
}

static void test_state(void)
{
    printf("5. default state and state save/restore (48 kHz, block 256)\n");
    test_default_state_variant(ANC_HOST_WORKER_THREAD, 1, "jalv (worker)");
    test_default_state_variant(ANC_HOST_WORKER_THREAD, 0, "ardour (no features)");
    test_default_state_variant(ANC_HOST_WORKER_SYNC, 1, "sync worker");
    test_state_variant(ANC_HOST_WORKER_THREAD, 1, "threaded-jalv");
    test_state_variant(ANC_HOST_WORKER_THREAD, 0, "threaded-ardour");
    test_state_variant(ANC_HOST_WORKER_SYNC, 1, "sync-jalv");
    test_state_variant(ANC_HOST_WORKER_SYNC, 0, "sync-ardour");
    test_state_path_forms(1, "with features");
    test_state_path_forms(0, "no features");
}

/* ---- 6. switching models ------------------------------------------------------------ */

static void test_switch_variant(anc_host_worker wk, const char *label)
{
    const double rate = 48000;
    const uint32_t B = 256;
    const size_t frames = (size_t)(1.5 * rate), skip = (size_t)(ANC_SKIP_S * rate);
    anc_host *h = make_playing(rate, B, wk, 1);
    if (!h)
        return;
    anc_host_set_control_sym(h, "z1", 0.5f);
    float *x0 = render_fresh(h, frames, B);
    unsigned long echoes = anc_host_model_echoes(h);
    anc_host_send_model(h, second_model);
    settle(h, B, "second model");
    int echoed = anc_host_model_echoes(h) > echoes;
    int right = !strcmp(anc_host_model_echo(h), second_model);
    float *x1 = render_fresh(h, frames, B);
    double *m0, *m1;
    int N = spectrum(x0, frames, skip, rate, &m0);
    spectrum(x1, frames, skip, rate, &m1);
    double band = band_of(rate, fmax(default_rate, second_rate));
    double dist = spectral_distance_db(m0, m1, N, rate, band);
    sig_stats s;
    stats(x1, frames, skip, &s);
    printf("  %-8s default -> second: centroid %.1f -> %.1f Hz, mean |dB diff| %.2f dB, echo "
           "'%s', rms %.4f\n",
           label, centroid(m0, N, rate, band), centroid(m1, N, rate, band), dist,
           anc_host_model_echo(h), s.rms);
    check_true(echoed && right, "%s: patch:Set echo after the switch: %s '%s'", label,
               echoed ? "wrong path" : "none", anc_host_model_echo(h));
    check_true(dist >= SWITCH_MIN_DB, "%s: spectrum barely changed after the switch (%.2f dB)",
               label, dist);
    check_true(s.rms > SILENCE_RMS && s.nonfinite == 0, "%s: second model silent or not finite",
               label);
    echoes = anc_host_model_echoes(h);
    anc_host_send_get(h);
    settle(h, B, "patch:Get");
    check_true(anc_host_model_echoes(h) > echoes && !strcmp(anc_host_model_echo(h), second_model),
               "%s: patch:Get answered '%s'", label, anc_host_model_echo(h));
    free(x0);
    free(x1);
    free(m0);
    free(m1);
    anc_host_free(h);
}

static void test_switch(void)
{
    printf("6. patch:Set to another model (48 kHz, block 256)\n");
    test_switch_variant(ANC_HOST_WORKER_THREAD, "threaded");
    test_switch_variant(ANC_HOST_WORKER_SYNC, "sync");
}

/* ---- 7. broken model files ---------------------------------------------------------- */

static void test_broken(void)
{
    printf("7. patch:Set to broken files keeps the model playing (48 kHz, block 256)\n");
    size_t n = 0;
    unsigned char *good = read_file(second_model, &n);
    if (!check_true(good && n > 64, "cannot read %s", second_model))
        return;
    char trunc[1200], text[1200], empty[1200], folder[1200], missing[1200], flipped[1200];
    snprintf(trunc, sizeof trunc, "%s/truncated.vae", tmp_root);
    snprintf(text, sizeof text, "%s/notes.txt", tmp_root);
    snprintf(empty, sizeof empty, "%s/empty.vae", tmp_root);
    snprintf(folder, sizeof folder, "%s/folder.vae", tmp_root);
    snprintf(missing, sizeof missing, "%s/missing.vae", tmp_root);
    snprintf(flipped, sizeof flipped, "%s/flipped.vae", tmp_root);
    write_file(trunc, good, n / 2);
    const char *words = "This is not a model, just some notes.\n";
    write_file(text, words, strlen(words));
    write_file(empty, "", 0);
    mkdir(folder, 0755);
    good[n / 3] ^= 0x40; /* one flipped bit: the CRC must catch it */
    write_file(flipped, good, n);
    free(good);
    const char *cases[] = {trunc, text, empty, folder, missing, flipped};
    const char *what[] = {"truncated model", "text file", "empty file", "folder",
                          "missing path", "flipped bit"};

    const double rate = 48000;
    const uint32_t B = 256;
    const size_t frames = (size_t)(1.0 * rate);
    anc_host *h = make_playing(rate, B, ANC_HOST_WORKER_THREAD, 1);
    if (!h)
        return;
    anc_host_send_model(h, second_model);
    settle(h, B, "second model");
    float *ref = render_fresh(h, frames, B);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        anc_host_log_clear(h);
        anc_host_send_model(h, cases[i]);
        settle(h, B, what[i]);
        float *x = render_fresh(h, frames, B);
        double d = max_abs_diff(x, ref, frames);
        sig_stats s;
        stats(x, frames, (size_t)(ANC_SKIP_S * rate), &s);
        const char *log = anc_host_log(h);
        const char *base = strrchr(cases[i], '/') + 1;
        char line[512];
        snprintf(line, sizeof line, "%s", log);
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        printf("  %-15s max |diff| %.3g, rms %.4f, echo '%s'\n      log: %s\n", what[i], d, s.rms,
               anc_host_model_echo(h), line[0] ? line : "(nothing)");
        check_true(d == 0.0 && s.rms > SILENCE_RMS,
                   "%s: the previous model did not keep playing unchanged (max |diff| %.3g, rms "
                   "%.2g)", what[i], d, s.rms);
        check_true(strcmp(anc_host_model_echo(h), cases[i]) != 0,
                   "%s: the plugin echoed the bad path as its model", what[i]);
        check_true(strstr(log, base) != NULL && (strstr(log, "error: ") || strstr(log,
                   "warning: ")), "%s: no error or warning naming %s in the log", what[i], base);
        free(x);
    }
    free(ref);
    anc_host_free(h);
}

/* ---- 8. the same timbre at every rate ----------------------------------------------- */

static void test_centroid_rates(void)
{
    /* The five rates, and rates whose FFT the engine rounds by more. */
    static const double rates[] = {48000, 22050, 32000, 37800, 44100, 88200, 96000, 192000};
    const size_t n_rates = sizeof rates / sizeof *rates;
    const double seconds = 3.0;
    /* The band every host rate holds, and the model's full band. */
    double common = band_of(rates[0], default_rate), full = 0.5 * default_rate;
    for (size_t i = 1; i < n_rates; i++)
        common = fmin(common, band_of(rates[i], default_rate));
    printf("8. spectral centroid of z = (1, -1, 0...) at every rate (%.0f s, glide 0.01, noise "
           "0); common band 0..%.0f Hz, model band 0..%.0f Hz\n",
           seconds, common, full);
    double cc[sizeof rates / sizeof *rates], cf[sizeof rates / sizeof *rates];
    for (size_t i = 0; i < n_rates; i++) {
        double rate = rates[i];
        anc_host *h = make(rate, 512, ANC_HOST_WORKER_THREAD, 1);
        cc[i] = cf[i] = NAN;
        if (!h)
            continue;
        anc_host_set_control_sym(h, "z1", 1.0f);
        anc_host_set_control_sym(h, "z2", -1.0f);
        anc_host_set_control_sym(h, "glide", 0.01f);
        anc_host_set_control_sym(h, "noise", 0.0f);
        anc_host_activate(h);
        settle(h, 512, "default model");
        size_t frames = (size_t)(seconds * rate);
        float *x = render_fresh(h, frames, 512);
        size_t skip = (size_t)(0.5 * rate) + (size_t)anc_host_latency(h);
        double *mag;
        int N = spectrum(x, frames, skip, rate, &mag);
        cc[i] = centroid(mag, N, rate, common);
        if (0.5 * rate >= full)
            cf[i] = centroid(mag, N, rate, full);
        printf("  %6.0f Hz: centroid %.1f Hz (common band)", rate, cc[i]);
        if (!isnan(cf[i]))
            printf(", %.1f Hz (model band)", cf[i]);
        printf("\n");
        free(mag);
        free(x);
        anc_host_free(h);
    }
    double ref_c = cc[0], ref_f = cf[0]; /* 48 kHz */
    double worst_c = 0, worst_f = 0;
    for (size_t i = 0; i < n_rates; i++) {
        double ec = fabs(cc[i] / ref_c - 1.0);
        worst_c = fmax(worst_c, isnan(ec) ? INFINITY : ec);
        check_true(ec <= CENTROID_TOL, "%.0f Hz: centroid %.1f Hz is %.2f %% from 48 kHz's %.1f "
                   "Hz (common band)", rates[i], cc[i], 100 * ec, ref_c);
        if (!isnan(cf[i]) && !isnan(ref_f)) {
            double ef = fabs(cf[i] / ref_f - 1.0);
            worst_f = fmax(worst_f, ef);
            check_true(ef <= CENTROID_TOL, "%.0f Hz: centroid %.1f Hz is %.2f %% from 48 kHz's "
                       "%.1f Hz (model band)", rates[i], cf[i], 100 * ef, ref_f);
        }
    }
    printf("  worst deviation from 48 kHz: %.2f %% (common band), %.2f %% (model band); "
           "tolerance %.0f %%\n", 100 * worst_c, 100 * worst_f, 100 * CENTROID_TOL);
}

/* ---- 9. instances are independent -------------------------------------------------- */

static void test_two_instances(void)
{
    printf("9. two instances side by side (48 kHz, block 256)\n");
    const size_t frames = 48000;
    const uint32_t B = 256;
    anc_host *solo = make(48000, B, ANC_HOST_WORKER_THREAD, 1);
    if (!solo)
        return;
    anc_host_activate(solo);
    settle(solo, B, "solo");
    float *ref = render_fresh(solo, frames, B);
    anc_host_free(solo);

    anc_host *a = make(48000, B, ANC_HOST_WORKER_THREAD, 1);
    anc_host *b = make(48000, B, ANC_HOST_WORKER_THREAD, 1);
    if (!a || !b) {
        anc_host_free(a);
        anc_host_free(b);
        free(ref);
        return;
    }
    anc_host_activate(a);
    anc_host_activate(b);
    anc_host_send_model(b, second_model);
    settle(a, B, "a");
    settle(b, B, "b");
    anc_host_set_control_sym(b, "mode", 1.0f);
    anc_host_set_control_sym(b, "noise", 1.0f);
    anc_host_deactivate(a);
    anc_host_activate(a);
    float *xa = xmalloc(sizeof(float) * frames), *xb = xmalloc(sizeof(float) * frames);
    for (size_t pos = 0; pos < frames; pos += B) {
        uint32_t n = frames - pos < B ? (uint32_t)(frames - pos) : B;
        anc_host_run(a, xa + pos, n);
        anc_host_run(b, xb + pos, n);
    }
    double d = max_abs_diff(xa, ref, frames);
    printf("  instance next to another one vs alone: max |diff| %.3g\n", d);
    check_true(d == 0.0, "an instance renders differently next to another (max |diff| %.3g)", d);
    free(xa);
    free(xb);
    free(ref);
    anc_host_free(a);
    anc_host_free(b);
}

/* ---- 10. restore while running ------------------------------------------------- */

typedef struct restorer {
    anc_host *h;
    const char *dirs[2];
    int n, failed;
    atomic_int done;
    char err[512];
} restorer;

/* A non-audio thread, like Ardour's GUI thread loading a session snapshot. */
static void *restore_thread(void *arg)
{
    restorer *r = arg;
    struct timespec nap = {0, 7000000};
    for (int i = 0; i < r->n; i++) {
        if (anc_host_restore_properties(r->h, r->dirs[i % 2], r->err, sizeof r->err))
            r->failed++;
        nanosleep(&nap, NULL);
    }
    atomic_store(&r->done, 1);
    return NULL;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return !stat(a, &sa) && !stat(b, &sb) && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

static void test_restore_while_running(void)
{
    printf("10. restore() on another thread while run() goes on (48 kHz, block 256)\n");
    const uint32_t B = 256;
    char dir_default[1200], dir_second[1200], err[1024] = "";
    snprintf(dir_default, sizeof dir_default, "%s/live-default", tmp_root);
    snprintf(dir_second, sizeof dir_second, "%s/live-second", tmp_root);
    anc_host *s = make(48000, B, ANC_HOST_WORKER_THREAD, 1);
    if (!s)
        return;
    anc_host_activate(s);
    settle(s, B, "saver default");
    check_true(anc_host_save_state(s, dir_default, err, sizeof err) == 0, "save: %s", err);
    anc_host_send_model(s, second_model);
    settle(s, B, "saver second");
    check_true(anc_host_save_state(s, dir_second, err, sizeof err) == 0, "save: %s", err);
    anc_host_free(s);

    anc_host *h = make(48000, B, ANC_HOST_WORKER_THREAD, 1);
    if (!h)
        return;
    anc_host_activate(h);
    settle(h, B, "live instance");
    anc_host_reset_counters(h);
    restorer r = {.h = h, .dirs = {dir_second, dir_default}, .n = 9};
    atomic_init(&r.done, 0);
    pthread_t t;
    if (!check_true(pthread_create(&t, NULL, restore_thread, &r) == 0, "pthread_create")) {
        anc_host_free(h);
        return;
    }
    float x[256];
    size_t frames = 0, bad = 0;
    double peak = 0;
    while (!atomic_load(&r.done) || frames < 48000) {
        anc_host_run(h, x, B);
        for (uint32_t i = 0; i < B; i++) {
            if (!isfinite(x[i]) || (x[i] != 0.0f && fabsf(x[i]) < FLT_MIN))
                bad++;
            else
                peak = fmax(peak, fabs((double)x[i]));
        }
        frames += B;
    }
    pthread_join(t, NULL);
    settle(h, B, "after the restores");
    const char *last = r.dirs[(r.n - 1) % 2] == dir_second ? second_model : default_model;
    printf("  %d restores alternating two states over %.2f s of audio: %d failed, %zu bad "
           "samples, peak %.3f, heap calls in run() %lu / work_response() %lu; playing '%s'\n",
           r.n, frames / 48000.0, r.failed, bad, peak, anc_host_allocs_in_run(h),
           anc_host_allocs_in_response(h), anc_host_model_echo(h));
    check_true(r.failed == 0, "a restore failed: %s", r.err);
    check_true(bad == 0, "%zu non-finite or denormal samples while restoring", bad);
    check_true(anc_host_allocs_in_run(h) == 0 && anc_host_allocs_in_response(h) == 0,
               "heap calls on the audio thread while restoring (%lu in run, %lu in "
               "work_response)", anc_host_allocs_in_run(h), anc_host_allocs_in_response(h));
    check_true(same_file(anc_host_model_echo(h), last),
               "after the last restore the plugin plays '%s', not %s", anc_host_model_echo(h),
               last);
    anc_host_free(h);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) {
        fprintf(stderr, "usage: test_plugin SECOND_MODEL.vae   (LV2_PATH names the bundle's "
                        "folder)\n");
        return 2;
    }
    char *abs = realpath(argv[1], NULL);
    if (!abs) {
        printf("FAIL: second model %s not found\n", argv[1]);
        return 1;
    }
    second_model = abs;
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/anc-plugin-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_root)) {
        printf("FAIL: cannot create a temporary folder\n");
        return 1;
    }
    static const double plan_rates[] = {22050, 32000, 37800, 44100, 48000, 88200, 96000, 192000};
    for (size_t i = 0; i < sizeof plan_rates / sizeof *plan_rates; i++)
        prepare_plan(plan_rates[i]);
    char err[1024] = "";
    world = anc_host_world_new(NULL, NULL, err, sizeof err);
    if (!world) {
        printf("FAIL: %s\n", err);
        return 1;
    }
    printf("LV2_PATH=%s\n", getenv("LV2_PATH") ? getenv("LV2_PATH") : "(unset)");
    if (discover_models() == 0) {
        test_blocks_and_rates();
        test_knobs();
        test_allocation();
        test_garbage();
        test_state();
        test_switch();
        test_broken();
        test_centroid_rates();
        test_two_instances();
        test_restore_while_running();
        test_latency();
    }
    anc_host_world_free(world);
    for (int i = 0; i < n_plans; i++)
        fftwf_destroy_plan(plans[i].plan);
    nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(abs);
    return check_exit();
}

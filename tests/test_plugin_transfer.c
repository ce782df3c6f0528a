/* test_plugin_transfer.c — the transfer effect (urn:ancestral:transfer) through
 * lilv (tools/lv2_host.h), as a host runs it: the bundle's default state, the
 * worker, an audio input.
 *
 *   test_plugin_transfer SECOND_MODEL DEFAULT_MODEL
 *        (LV2_PATH names the folder of ancestral.lv2; SECOND_MODEL has another
 *        rate and frame than DEFAULT_MODEL, the bundle's default)
 *
 * Checks, each printing its figures:
 *  1. latency: the port reads anc_transfer_latency_for() of the default model
 *     from the first run(), before the default state's model plays, and after;
 *     a tone burst (440 Hz, Hann envelope 0.2 s) comes out delayed by it within
 *     1 ms (energy centroids), a train of 16 impulses at offsets spread over
 *     the hop grid within 4 ms on average (an impulse is unvoiced: its output is
 *     noise spread over a frame); at 48, 44.1 and 22.05 kHz;
 *  2. rates 22.05 .. 192 kHz: a 220 Hz tone comes out finite, not silent, at
 *     its pitch, the latency port as the engine's at that rate; transpose -12,
 *     +7 and +12 move it. The pitch is aubiopitch's median against aubiopitch's on
 *     a sine of the wanted pitch at the same rate (its window is fixed in
 *     samples, so its own bias grows with the rate), within 10 cents;
 *  3. block lengths 1 .. 8192 and in-place buffers (in = out) give the samples
 *     of blocks of 256 (each on a new instance); at 48, 44.1 and 96 kHz,
 *     deactivate and activate repeat a render exactly;
 *  4. mix 0 is the input delayed by the latency port's value, exactly;
 *  5. no heap call in run() nor in work_response() / end_run(), no log call
 *     from run(), with garbage controls (NaN, Inf, huge), NaN/Inf/huge input,
 *     bypass toggling and a model switch with its crossfade, at blocks 1, 64
 *     and 4096; the output stays finite and within +-4;
 *  6. a model switch by patch:Set reports the new model's latency on the port
 *     from the block that plays it, echoes its path, and switching back
 *     restores the first latency; a broken file keeps the playing model;
 *  7. state: save, restore into a new instance, the same model plays;
 *  8. an input of +-FLT_MAX with gain +12 dB, mix 0.5 and bypass off and on
 *     gives finite output within +-4 (the dry path once overflowed to Inf, and
 *     the bypass ramp at 0 made it NaN). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc_count.h"
#include "audio_measure.h"
#include "check.h"
#include "controls.h"
#include "lv2_host.h"
#include "model.h"
#include "transfer.h"

#define SETTLE_CYCLES 100000

static anc_host_world *world;
static const char *second_model, *default_model;
static char tmp_root[1024];

static const anc_host_alloc_counter alloc_counter = {anc_alloc_watch, anc_alloc_count};

/* The transfer engine's latency for the model at path at rate (0 on failure). */
static uint32_t latency_for(const char *path, double rate)
{
    anc_model *m = NULL;
    anc_error err;
    uint32_t lat = 0;
    if (!check_true(anc_model_load_file(&m, path, &err) == ANC_OK, "%s", err.message))
        return 0;
    check_true(anc_transfer_latency_for(m, rate, &lat, &err) == ANC_OK, "%s", err.message);
    anc_model_free(m);
    return lat;
}

/* An instance at rate with the default state's model playing, activated and
 * settled; *first_latency is what the port read on the very first run(). */
static anc_host *make(double rate, uint32_t max_block, float *first_latency)
{
    anc_host_config c;
    anc_host_config_default(&c);
    c.alloc_counter = &alloc_counter;
    c.sample_rate = rate;
    c.max_block = max_block;
    char err[1024] = "";
    anc_host *h = anc_host_new(world, &c, err, sizeof err);
    if (!check_true(h != NULL, "instantiate at %g Hz: %s", rate, err))
        return NULL;
    anc_host_activate(h);
    anc_host_run(h, NULL, 0);
    if (first_latency)
        *first_latency = anc_host_latency(h);
    if (!check_true(anc_host_settle(h, 256, SETTLE_CYCLES) > 0, "the worker did not settle") ||
        !check_true(strstr(anc_host_model_echo(h), "default.vae") != NULL,
                    "the default model does not play: '%s' %s", anc_host_model_echo(h),
                    anc_host_log(h))) {
        anc_host_free(h);
        return NULL;
    }
    anc_host_deactivate(h);
    anc_host_activate(h);
    return h;
}

static double centroid(const float *x, size_t n)
{
    double s = 0.0, w = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += (double)i * x[i] * x[i];
        w += (double)x[i] * x[i];
    }
    return w > 0.0 ? s / w : -1.0;
}

static void tone(float *x, size_t n, double rate, double hz, float amp)
{
    for (size_t i = 0; i < n; i++)
        x[i] = amp * (float)sin(2.0 * M_PI * hz * (double)i / rate);
}

/* ---- 1. latency ---------------------------------------------------------- */

static void test_latency(double rate)
{
    const uint32_t want = latency_for(default_model, rate);
    float first = NAN;
    anc_host *h = make(rate, 4096, &first);
    if (!h)
        return;
    const float port = anc_host_latency(h);
    check_true(first == (float)want && port == (float)want,
               "%g Hz: latency port %g on the first run, %g playing; the engine's %u", rate,
               (double)first, (double)port, want);
    const size_t n = (size_t)(rate * 0.6);
    float *x = xcalloc(n, sizeof *x), *y = xcalloc(n, sizeof *y);
    const size_t a = (size_t)(0.05 * rate), len = (size_t)(0.2 * rate);
    for (size_t i = 0; i < len; i++)
        x[a + i] = 0.5f * (float)(0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)len)) *
                   (float)sin(2.0 * M_PI * 440.0 * (double)i / rate);
    anc_host_render_input(h, x, y, n, 256);
    const double burst = (centroid(y, n) - centroid(x, n)) / rate * 1000.0;
    double imp = 0.0;
    const size_t at = (size_t)(0.1 * rate), span = (size_t)(0.3 * rate);
    for (int k = 0; k < 16; k++) {
        anc_host_deactivate(h);
        anc_host_activate(h);
        memset(x, 0, n * sizeof *x);
        x[at + (size_t)k * 37] = 1.0f;
        anc_host_render_input(h, x, y, n, 256);
        imp += (centroid(y + at, span) - (double)k * 37) / rate * 1000.0 / 16.0;
    }
    const double ms = port / rate * 1000.0;
    printf("  %6.0f Hz: latency port %g samples (%.2f ms) from the first run; tone burst "
           "delayed %.2f ms, impulses %.2f ms\n",
           rate, (double)port, ms, burst, imp);
    check_true(fabs(burst - ms) <= 1.0, "%g Hz: tone burst delayed %.2f ms, latency %.2f ms",
               rate, burst, ms);
    check_true(fabs(imp - ms) <= 4.0, "%g Hz: impulses delayed %.2f ms, latency %.2f ms", rate,
               imp, ms);
    free(x);
    free(y);
    anc_host_free(h);
}

/* ---- 2. rates and transpose ---------------------------------------------- */

static double cents_of(const float *y, size_t n, int rate, double want, const char *name,
                       float *got)
{
    char wav[1400];
    snprintf(wav, sizeof wav, "%s/%s.wav", tmp_root, name);
    write_wav(wav, y, n, rate);
    *got = aubio_median(wav, rate, 0.3, (double)n / rate - 0.1);
    return *got > 0 ? 1200.0 * log2((double)*got / want) : INFINITY;
}

static void test_rates(void)
{
    static const double rates[] = {22050, 44100, 48000, 88200, 96000, 192000};
    const int aubio = have_aubiopitch();
    if (!aubio)
        printf("SKIP pitch: aubiopitch is not installed (Debian aubio-tools)\n");
    int before = check_failures;
    double worst = 0.0;
    for (size_t r = 0; r < sizeof rates / sizeof *rates; r++) {
        const double rate = rates[r];
        anc_host *h = make(rate, 4096, NULL);
        if (!h)
            continue;
        const size_t n = (size_t)(rate * 1.5);
        float *x = xcalloc(n, sizeof *x), *y = xcalloc(n, sizeof *y);
        tone(x, n, rate, 220.0, 0.3f);
        static const float transpose[] = {0.0f, -12.0f, 7.0f, 12.0f};
        for (int t = 0; t < (rate == 48000 ? 4 : 1); t++) {
            anc_host_set_control_sym(h, "transpose", transpose[t]);
            anc_host_deactivate(h);
            anc_host_activate(h);
            anc_host_render_input(h, x, y, n, 512);
            double sq = 0.0;
            int finite = 1;
            for (size_t i = 0; i < n; i++) {
                finite &= isfinite(y[i]) && fabsf(y[i]) <= 4.0f;
                sq += (double)y[i] * y[i];
            }
            const double rms_db = 10.0 * log10(sq / (double)n + 1e-30);
            const double want_hz = 220.0 * exp2(transpose[t] / 12.0);
            float got = 0.0f, ref = 0.0f;
            double c = 0.0;
            if (aubio) {
                char name[64];
                snprintf(name, sizeof name, "rate%.0f_t%+.0f", rate, (double)transpose[t]);
                float *s = xcalloc(n, sizeof *s);
                tone(s, n, rate, want_hz, 0.3f);
                cents_of(s, n, (int)rate, want_hz, "sine", &ref);
                free(s);
                c = cents_of(y, n, (int)rate, ref, name, &got);
                worst = fmax(worst, fabs(c));
            }
            const uint32_t lat = latency_for(default_model, rate);
            printf("  %6.0f Hz, transpose %+3.0f: rms %.2f dBFS, aubiopitch %.2f Hz, %+.2f cents "
                   "from its %.2f Hz on a %.2f Hz sine; latency %g (engine %u)\n",
                   rate, (double)transpose[t], rms_db, (double)got, c, (double)ref, want_hz,
                   (double)anc_host_latency(h), lat);
            check_true(finite, "%g Hz: output not finite or beyond +-4", rate);
            check_true(rms_db > -40.0, "%g Hz: output nearly silent (%.2f dBFS)", rate, rms_db);
            check_true(!aubio || fabs(c) <= 10.0, "%g Hz transpose %g: %.2f cents off", rate,
                       (double)transpose[t], c);
            check_true(anc_host_latency(h) == (float)lat, "%g Hz: latency port %g, engine %u",
                       rate, (double)anc_host_latency(h), lat);
        }
        free(x);
        free(y);
        anc_host_free(h);
    }
    printf("%s rates 22.05 .. 192 kHz: finite, sounding, at the input's pitch and transposed "
           "(worst %.2f cents)\n",
           check_failures == before ? "ok" : "FAIL", worst);
}

/* ---- 3. blocks ----------------------------------------------------------- */

/* A render of x on a new instance at rate, in blocks of block (in place when
 * asked), with z1 1.5 and mix 0.7. */
static int render_fresh(double rate, const float *x, float *y, size_t n, uint32_t block,
                        int in_place)
{
    anc_host *h = make(rate, 8192, NULL);
    if (!h)
        return -1;
    anc_host_set_control_sym(h, "z1", 1.5f);
    anc_host_set_control_sym(h, "mix", 0.7f);
    anc_host_deactivate(h);
    anc_host_activate(h);
    if (in_place) {
        memcpy(y, x, n * sizeof *y);
        anc_host_render_input(h, y, y, n, block);
    } else {
        anc_host_render_input(h, x, y, n, block);
    }
    anc_host_free(h);
    return 0;
}

static void test_blocks(double rate)
{
    const size_t n = 40000;
    float *x = xcalloc(n, sizeof *x), *ref = xcalloc(n, sizeof *ref), *y = xcalloc(n, sizeof *y);
    tone(x, n, rate, 196.0, 0.4f);
    for (size_t i = n / 2; i < n; i++) /* and noise: random phases follow the blocks too */
        x[i] += 0.05f * (float)((i * 2654435761u >> 7) % 1000) / 1000.0f - 0.025f;
    double worst = 0.0;
    if (render_fresh(rate, x, ref, n, 256, 0) != 0)
        goto out;
    static const uint32_t blocks[] = {1, 7, 63, 1000, 4096, 8192};
    for (size_t b = 0; b <= sizeof blocks / sizeof *blocks; b++) {
        const int in_place = b == sizeof blocks / sizeof *blocks;
        const uint32_t block = in_place ? 333 : blocks[b];
        if (render_fresh(rate, x, y, n, block, in_place) != 0)
            continue;
        double d = 0.0;
        for (size_t i = 0; i < n; i++)
            d = fmax(d, fabs(y[i] - ref[i]));
        worst = fmax(worst, d);
        check_true(d == 0.0, "%g Hz, block %u%s: differs from blocks of 256 by %g", rate, block,
                   in_place ? " in place" : "", d);
    }
    printf("%s %g Hz: blocks 1 .. 8192 and in place give the samples of blocks of 256 "
           "(worst %g)\n",
           worst == 0.0 ? "ok" : "FAIL", rate, worst);
out:
    free(x);
    free(ref);
    free(y);
}

/* deactivate() and activate() clear the signal state: a render repeats. */
static void test_activate(double rate)
{
    const size_t n = 40000;
    float *x = xcalloc(n, sizeof *x), *a = xcalloc(n, sizeof *a), *b = xcalloc(n, sizeof *b);
    tone(x, n, rate, 196.0, 0.4f);
    anc_host *h = make(rate, 4096, NULL);
    if (h) {
        anc_host_render_input(h, x, a, n, 256);
        anc_host_deactivate(h);
        anc_host_activate(h);
        anc_host_render_input(h, x, b, n, 256);
        double d = 0.0;
        for (size_t i = 0; i < n; i++)
            d = fmax(d, fabs(a[i] - b[i]));
        check_true(d == 0.0, "%g Hz: a render after activate() differs by %g", rate, d);
        printf("%s %g Hz: activate() repeats a render (worst %g)\n", d == 0.0 ? "ok" : "FAIL",
               rate, d);
        anc_host_free(h);
    }
    free(x);
    free(a);
    free(b);
}

/* ---- 4. mix 0 ------------------------------------------------------------ */

static void test_dry(void)
{
    anc_host *h = make(48000, 4096, NULL);
    if (!h)
        return;
    anc_host_set_control_sym(h, "mix", 0.0f);
    anc_host_deactivate(h);
    anc_host_activate(h);
    const size_t n = 30000;
    float *x = xcalloc(n, sizeof *x), *y = xcalloc(n, sizeof *y);
    tone(x, n, 48000, 250.0, 0.5f);
    anc_host_render_input(h, x, y, n, 100);
    const size_t lat = (size_t)anc_host_latency(h);
    double worst = 0.0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(y[i] - (i >= lat ? x[i - lat] : 0.0f)));
    check_true(worst < 1e-6, "mix 0: the input delayed by %zu, off by %g", lat, worst);
    printf("%s mix 0: the input delayed by the latency port's %zu samples (worst %.3g)\n",
           worst < 1e-6 ? "ok" : "FAIL", lat, worst);
    free(x);
    free(y);
    anc_host_free(h);
}

/* ---- 5, 6. real time and model switching --------------------------------- */

static void garbage(anc_host *h, int k)
{
    static const float bad[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 1e-40f, 0.0f};
    const float v = bad[k % (int)(sizeof bad / sizeof *bad)];
    for (uint32_t i = 0; i < anc_host_n_ports(h); i++)
        if (anc_host_port_is_control_input(h, i))
            anc_host_set_control(h, i, (k + (int)i) % 3 ? v : anc_host_port_default(h, i));
}

static void test_realtime_and_switch(void)
{
    static const uint32_t blocks[] = {1, 64, 4096};
    const uint32_t lat_a = latency_for(default_model, 48000), lat_b = latency_for(second_model, 48000);
    char default_abs[1200];
    if (!check_true(realpath(default_model, default_abs) != NULL, "%s: no such file",
                    default_model))
        return;
    const size_t n = 48000;
    float *x = xcalloc(n, sizeof *x), *y = xcalloc(n, sizeof *y);
    tone(x, n, 48000, 330.0, 0.5f);
    for (size_t i = 0; i < n; i += 997)
        x[i] = i % 3 ? NAN : i % 2 ? INFINITY : 1e30f;
    int before = check_failures;
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        const uint32_t block = blocks[b];
        anc_host *h = make(48000, block, NULL);
        if (!h)
            continue;
        anc_host_reset_counters(h);
        anc_host_log_clear(h);
        float peak = 0.0f;
        int finite = 1, latency_ok = 1;
        /* Garbage controls, bypass toggling, then the second model, then back. */
        for (int phase = 0; phase < 4; phase++) {
            if (phase == 1) {
                anc_host_reset_controls(h);
                anc_host_send_model(h, second_model);
            } else if (phase == 2) {
                anc_host_send_model(h, default_abs);
            } else if (phase == 3) {
                anc_host_send_model(h, "/nonexistent/broken.vae");
            }
            for (size_t i = 0; i < n; i += block) {
                const uint32_t len = (uint32_t)(n - i < block ? n - i : block);
                if (phase == 0)
                    garbage(h, (int)(i / block));
                if (phase == 0 && (i / block) % 50 == 7)
                    anc_host_set_control_sym(h, "enabled", (float)((i / block / 50) % 2));
                anc_host_run_input(h, x + i, y + i, len);
                for (uint32_t j = 0; j < len; j++) {
                    finite &= isfinite(y[i + j]);
                    peak = fmaxf(peak, fabsf(y[i + j]));
                }
            }
            anc_host_wait_worker(h, 10.0);
            anc_host_settle(h, block, SETTLE_CYCLES);
            const float lat = anc_host_latency(h);
            const uint32_t want = phase == 1 ? lat_b : lat_a;
            const char *echo = anc_host_model_echo(h);
            const int echo_ok = phase == 1 ? !strcmp(echo, second_model)
                                           : !strcmp(echo, default_abs) || phase == 0;
            latency_ok &= lat == (float)want;
            check_true(lat == (float)want, "block %u, step %d: latency port %g, the playing "
                       "model's %u", block, phase, (double)lat, want);
            check_true(echo_ok, "block %u, step %d: plays '%s'", block, phase, echo);
            if (phase == 3)
                check_true(strstr(anc_host_log(h), "broken.vae") != NULL,
                           "block %u: no log line for the broken model", block);
        }
        printf("  block %4u: heap calls in run() %lu, in work_response() %lu, log calls in "
               "run() %lu; peak %.3f; latency port %u -> %u -> %u as the models change\n",
               block, anc_host_allocs_in_run(h), anc_host_allocs_in_response(h),
               anc_host_logs_in_run(h), (double)peak, lat_a, lat_b, lat_a);
        check_true(anc_host_allocs_in_run(h) == 0 && anc_host_allocs_in_response(h) == 0,
                   "block %u: heap calls on the audio thread", block);
        check_true(anc_host_logs_in_run(h) == 0, "block %u: log calls from run()", block);
        check_true(finite && peak <= 4.0f, "block %u: output not finite or beyond +-4", block);
        (void)latency_ok;
        anc_host_free(h);
    }
    check_true(lat_a != lat_b, "the second model has the default's latency (%u): the switch "
               "check proves nothing", lat_a);
    printf("%s real time with garbage, bypass and model switches; the latency port follows the "
           "model (%u, %u)\n",
           check_failures == before ? "ok" : "FAIL", lat_a, lat_b);
    free(x);
    free(y);
}

/* ---- 7. state ------------------------------------------------------------ */

static void test_state(void)
{
    anc_host *h = make(48000, 4096, NULL);
    if (!h)
        return;
    anc_host_send_model(h, second_model);
    anc_host_settle(h, 256, SETTLE_CYCLES);
    char dir[1200], err[1024] = "";
    snprintf(dir, sizeof dir, "%s/state", tmp_root);
    check_true(anc_host_save_state(h, dir, err, sizeof err) == 0, "save: %s", err);
    anc_host_free(h);
    anc_host *g = make(48000, 4096, NULL);
    if (!g)
        return;
    check_true(anc_host_restore_state(g, dir, err, sizeof err) == 0, "restore: %s", err);
    anc_host_settle(g, 256, SETTLE_CYCLES);
    const char *echo = anc_host_model_echo(g);
    const int ok = strstr(echo, "plugin_test_model") != NULL &&
                   anc_host_latency(g) == (float)latency_for(second_model, 48000);
    check_true(ok, "restored state plays '%s' with latency %g", echo,
               (double)anc_host_latency(g));
    printf("%s state: saved and restored into a new instance, which plays %s\n",
           ok ? "ok" : "FAIL", echo);
    anc_host_free(g);
}

/* ---- 8. huge input ------------------------------------------------------- */

static void test_huge_input(void)
{
    anc_host *h = make(48000, 4096, NULL);
    if (!h)
        return;
    anc_host_set_control_sym(h, "gain", 12.0f);
    anc_host_set_control_sym(h, "mix", 0.5f);
    const size_t n = 48000;
    float *x = xcalloc(n, sizeof *x), *y = xcalloc(n, sizeof *y);
    for (size_t i = 0; i < n; i++)
        x[i] = i % 2 ? FLT_MAX : -FLT_MAX;
    size_t bad = 0;
    for (int enabled = 0; enabled < 2; enabled++) {
        anc_host_set_control_sym(h, "enabled", (float)enabled);
        anc_host_render_input(h, x, y, n, 256);
        for (size_t i = 0; i < n; i++)
            bad += !(fabsf(y[i]) <= 4.0f);
    }
    check_true(bad == 0, "+-FLT_MAX input: %zu samples not finite or beyond +-4", bad);
    printf("%s +-FLT_MAX input, gain +12 dB, mix 0.5, bypass off and on: %zu bad samples\n",
           bad == 0 ? "ok" : "FAIL", bad);
    free(x);
    free(y);
    anc_host_free(h);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *how = "";
    if (argc != 3) {
        fprintf(stderr, "usage: test_plugin_transfer SECOND_MODEL DEFAULT_MODEL\n");
        return 2;
    }
    if (!check_true(anc_alloc_counting(&how), "the heap-call counter is not active here"))
        return check_exit();
    static char second_abs[1200];
    if (!check_true(realpath(argv[1], second_abs) != NULL, "%s: no such file", argv[1]))
        return check_exit();
    second_model = second_abs;
    default_model = argv[2];
    snprintf(tmp_root, sizeof tmp_root, "%s/anc-transfer-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!check_true(mkdtemp(tmp_root) != NULL, "mkdtemp failed"))
        return check_exit();
    char err[1024] = "";
    world = anc_host_world_new(NULL, ANC_TRANSFER_URI, err, sizeof err);
    if (!check_true(world != NULL, "%s", err))
        return check_exit();

    int before = check_failures;
    test_latency(48000);
    test_latency(44100);
    test_latency(22050);
    printf("%s latency: the port from the first run, tone bursts and impulses delayed by it\n",
           check_failures == before ? "ok" : "FAIL");
    test_rates();
    test_blocks(48000);
    test_blocks(44100);
    test_activate(48000);
    test_activate(44100);
    test_activate(96000);
    test_dry();
    test_realtime_and_switch();
    test_state();
    test_huge_input();

    anc_host_world_free(world);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", tmp_root);
    return check_exit();
}

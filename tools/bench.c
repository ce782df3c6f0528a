/* bench.c — ancestral-bench: how fast the plugin's run() is through the real LV2
 * path (lilv, the host of lv2_host.h), and how fast the trainer's step is.
 *
 *   ancestral-bench [--seconds S] [--rate HZ] [--block N] [--model FILE]
 *                   [--steps N] [--threads T] [--no-train]
 *
 * Plugin: one instance, one thread, the default model (loaded by the bundle's
 * default state) or --model (sent as patch:Set), in ancestral mode with
 * observation noise so that every stage (latent glide, decode, sampling, phase,
 * inverse FFT, overlap-add) works on every hop. The real-time factor is seconds
 * of audio per second of the audio thread's CPU time spent inside
 * lilv_instance_run() (CLOCK_THREAD_CPUTIME_ID around each call), after a
 * warm-up; the run is timed in five equal parts and the headline is the median
 * part (range and overall figure printed too). Without --block it measures
 * blocks of 256 (the headline figure) and also 64 and 1024. A second case holds
 * eight MIDI notes at once (eight voices, each decoding, sampling and
 * resynthesising every hop; the decoder runs once per hop for all of them) and
 * prints its real-time factor at the first block length (target: 25). The
 * plugin is found through LV2_PATH.
 *
 * Transfer: the timbre transfer engine (core/transfer.h) on the same model
 * (--model, else the bundle's default.vae found through LV2_PATH) at 48 kHz,
 * called directly (the transfer plugin is not built yet), re-voicing a
 * harmonic tone gliding over two octaves in blocks of 256: real-time factor on
 * one thread (thread CPU time) and the latency in samples and milliseconds.
 *
 * Training: anc_vae_loss_batch() + gradient clipping + Adam on synthetic frames,
 * the trainer's default architecture (513 bins, hidden 512,256, 8 latents,
 * SiLU), batch 256; frames per second of wall time.
 *
 * Heap calls inside run() are counted only in the test build of this program
 * (ANC_BENCH_COUNT_ALLOCS, linked with the allocator interposer of
 * tests/alloc_count.c, run by the 'bench' test); the installed program carries
 * no test code and prints no allocation figures.
 *
 * Prints `key: value` lines. Exit status: 0 success, 1 runtime failure (plugin
 * not found, model not loaded, allocation inside run() when counted), 2 bad
 * usage. */
#include <cblas.h>
#include <fftw3.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adam.h"
#include "cli.h"
#include "lv2_host.h"
#include "model.h"
#include "rng.h"
#include "transfer.h"
#include "vae.h"

#ifdef ANC_BENCH_COUNT_ALLOCS
#include "alloc_count.h"
static const anc_host_alloc_counter alloc_counter = {anc_alloc_watch, anc_alloc_count};
#define ALLOC_COUNTER (&alloc_counter)
#else
#define ALLOC_COUNTER NULL
#endif

#define TARGET_REALTIME_FACTOR 100
#define TARGET_VOICES_FACTOR 25 /* eight voices held at 48 kHz, one core */
#define HELD_VOICES 8
#define WARMUP_SECONDS 0.5
#define TRAIN_BATCH 256
#define TRAIN_FRAMES 4096 /* distinct synthetic frames cycled through */
#define TRAIN_CLIP 50.0   /* ancestral-train's default --clip */

typedef struct options {
    double seconds, rate;
    long block; /* 0: 256, 64 and 1024 */
    const char *model;
    long steps;
    int threads, train;
} options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ancestral-bench [options]\n"
            "  --seconds S    audio rendered per measurement (default 10)\n"
            "  --rate HZ      host sample rate, 22050..192000 (default 48000)\n"
            "  --block N      frames per run(), 1..8192 (default: 256, then 64 and 1024)\n"
            "  --model FILE   play this model (patch:Set) instead of the default one\n"
            "  --steps N      training steps to time (default 300)\n"
            "  --threads T    BLAS threads for the training step (default 1)\n"
            "  --no-train     skip the training measurement\n"
            "The plugin is looked up in LV2_PATH.\n");
}

static void parse(int argc, char **argv, options *o)
{
    enum { O_SECONDS = 256, O_RATE, O_BLOCK, O_MODEL, O_STEPS, O_THREADS, O_NO_TRAIN, O_HELP };
    static const struct option longs[] = {
        {"seconds", required_argument, 0, O_SECONDS}, {"rate", required_argument, 0, O_RATE},
        {"block", required_argument, 0, O_BLOCK},     {"model", required_argument, 0, O_MODEL},
        {"steps", required_argument, 0, O_STEPS},     {"threads", required_argument, 0, O_THREADS},
        {"no-train", no_argument, 0, O_NO_TRAIN},     {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    *o = (options){.seconds = 10.0, .rate = 48000.0, .steps = 300, .threads = 1, .train = 1};
    int c;
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (c) {
        case O_SECONDS: o->seconds = anc_cli_double("--seconds", optarg, 0.1, 3600.0); break;
        case O_RATE: o->rate = anc_cli_double("--rate", optarg, 22050.0, 192000.0); break;
        case O_BLOCK: o->block = anc_cli_int("--block", optarg, 1, 8192); break;
        case O_MODEL: o->model = optarg; break;
        case O_STEPS: o->steps = anc_cli_int("--steps", optarg, 1, 1000000); break;
        case O_THREADS: o->threads = (int)anc_cli_int("--threads", optarg, 1, 256); break;
        case O_NO_TRAIN: o->train = 0; break;
        case 'h':
        case O_HELP: usage(stdout); exit(ANC_EXIT_OK);
        default: usage(stderr); exit(ANC_EXIT_USAGE);
        }
    }
    if (optind != argc)
        anc_cli_die(ANC_EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
}

#define ROUNDS 5 /* the run is timed in this many equal parts: median, min, max */

typedef struct plugin_result {
    double factor, factor_min, factor_max, cpu, seconds;
    unsigned long allocs_run, allocs_resp, logs_run;
    float latency;
} plugin_result;

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One instance at rate with max block `block`: load the model, warm up, then
 * render o->seconds of audio in ROUNDS equal parts and time run() in each. The
 * headline factor is the median part's: on a shared machine a part now and
 * then runs slow for reasons outside the plugin, and the median ignores it. */
static void bench_plugin(anc_host_world *w, const options *o, uint32_t block, int voices,
                         plugin_result *r)
{
    anc_host_config c;
    anc_host_config_default(&c);
    c.sample_rate = o->rate;
    c.max_block = block;
    c.alloc_counter = ALLOC_COUNTER;
    char err[512] = "";
    anc_host *h = anc_host_new(w, &c, err, sizeof err);
    if (!h)
        anc_cli_die(ANC_EXIT_FAILURE, "%s", err);
    anc_host_set_control_sym(h, "mode", 1.0f);  /* ancestral: z moves on every hop */
    anc_host_set_control_sym(h, "noise", 1.0f); /* draw x ~ N(f(z), sigma^2 I) */
    anc_host_activate(h);
    if (o->model && anc_host_send_model(h, o->model))
        anc_cli_die(ANC_EXIT_FAILURE, "model path too long: %s", o->model);
    if (anc_host_settle(h, block, 1000000) < 0)
        anc_cli_die(ANC_EXIT_FAILURE, "the plugin's worker did not settle");
    if (o->model && strcmp(anc_host_model_echo(h), o->model))
        anc_cli_die(ANC_EXIT_FAILURE, "%s: the plugin did not load it (log: %s)", o->model,
                    anc_host_log(h)[0] ? anc_host_log(h) : "empty");
    for (int v = 0; v < voices; v++) { /* held to the end: C3 E3 G#3 .. a major-third stack */
        const uint8_t on[3] = {0x90, (uint8_t)(48 + 4 * v), 100};
        if (anc_host_send_midi(h, 0, on, sizeof on))
            anc_cli_die(ANC_EXIT_FAILURE, "the control buffer cannot take %d notes", voices);
    }
    size_t warm = (size_t)(WARMUP_SECONDS * o->rate);
    anc_host_render(h, NULL, warm, block);
    size_t part = (size_t)(o->seconds * o->rate / ROUNDS);
    if (part < 1)
        part = 1;
    double factors[ROUNDS];
    memset(r, 0, sizeof *r);
    for (int i = 0; i < ROUNDS; i++) {
        anc_host_reset_counters(h);
        anc_host_render(h, NULL, part, block);
        const double cpu = anc_host_run_cpu_seconds(h), seconds = (double)part / o->rate;
        factors[i] = cpu > 0 ? seconds / cpu : INFINITY;
        r->cpu += cpu;
        r->seconds += seconds;
        r->allocs_run += anc_host_allocs_in_run(h);
        r->allocs_resp += anc_host_allocs_in_response(h);
        r->logs_run += anc_host_logs_in_run(h);
    }
    qsort(factors, ROUNDS, sizeof factors[0], cmp_double);
    r->factor = factors[ROUNDS / 2];
    r->factor_min = factors[0];
    r->factor_max = factors[ROUNDS - 1];
    r->latency = anc_host_latency(h);
    anc_host_free(h);
}

/* The model the transfer bench plays: --model, else <LV2_PATH dir>/ancestral.lv2/default.vae. */
static anc_model *transfer_model(const options *o, char *path, size_t cap)
{
    anc_error err;
    anc_model *m = NULL;
    if (o->model) {
        snprintf(path, cap, "%s", o->model);
        if (anc_model_load_file(&m, path, &err) != ANC_OK)
            anc_cli_die(ANC_EXIT_FAILURE, "%s", err.message);
        return m;
    }
    const char *lp = getenv("LV2_PATH");
    while (lp && *lp) {
        size_t n = strcspn(lp, ":");
        snprintf(path, cap, "%.*s/ancestral.lv2/default.vae", (int)n, lp);
        if (anc_model_load_file(&m, path, &err) == ANC_OK)
            return m;
        lp += n + (lp[n] == ':');
    }
    anc_cli_die(ANC_EXIT_FAILURE, "no model for the transfer bench: give --model or set LV2_PATH");
    return NULL;
}

static void bench_transfer(const options *o)
{
    char path[4096];
    anc_model *m = transfer_model(o, path, sizeof path);
    const double rate = 48000.0;
    anc_transfer *t = NULL;
    anc_error err;
    if (anc_transfer_create(&t, m, rate, 1, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "transfer engine: %s", err.message);
    const size_t block = 256, n = (size_t)(o->seconds * rate) / block * block;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory");
    double ph = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double f = 110.0 * exp2(2.0 * (double)i / (double)n);
        ph += 2.0 * M_PI * f / rate;
        x[i] = (float)(0.2 * (sin(ph) + 0.5 * sin(2.0 * ph) + 0.25 * sin(3.0 * ph)));
    }
    for (size_t i = 0; i < (size_t)(WARMUP_SECONDS * rate) && i + block <= n; i += block)
        anc_transfer_process(t, x + i, y + i, (uint32_t)block);
    anc_transfer_reset(t);
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    for (size_t i = 0; i < n; i += block)
        anc_transfer_process(t, x + i, y + i, (uint32_t)block);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    const double cpu = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    const uint32_t lat = anc_transfer_latency(t);
    printf("transfer_model: %s\n", path);
    printf("transfer_sample_rate: %.0f\n", rate);
    printf("transfer_block: %zu\n", block);
    printf("transfer_fft: %d\n", anc_transfer_fft(t));
    printf("transfer_hop: %d\n", anc_transfer_hop(t));
    printf("transfer_realtime_factor: %.1f\n", cpu > 0 ? (double)n / rate / cpu : INFINITY);
    printf("transfer_latency_samples: %u\n", lat);
    printf("transfer_latency_ms: %.2f\n", 1000.0 * lat / rate);
    free(x);
    free(y);
    anc_transfer_free(t);
    anc_model_free(m);
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Synthetic frames: log-magnitude-like features with a smooth random envelope
 * per frame plus noise, normalised roughly like the real ones (zero mean, unit
 * spread per bin). Their content does not change the arithmetic. */
static void bench_train(const options *o)
{
    anc_vae_config cfg = {.n_input = 513, .n_latent = 8, .n_hidden = 2, .hidden = {512, 256},
                          .act = ANC_ACT_SILU};
    anc_error err;
    anc_vae *vae = NULL;
    if (anc_vae_create(&vae, &cfg, TRAIN_BATCH, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "training benchmark: %s", err.message);
    anc_rng rng;
    anc_rng_seed(&rng, 1);
    anc_vae_init(vae, &rng);
    const int D = cfg.n_input, L = cfg.n_latent;
    float *frames = malloc(sizeof(float) * (size_t)TRAIN_FRAMES * (size_t)D);
    float *eps = malloc(sizeof(float) * TRAIN_BATCH * (size_t)L);
    if (!frames || !eps)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory for the training benchmark");
    for (int f = 0; f < TRAIN_FRAMES; f++) {
        double a = anc_rng_normal(&rng), b = anc_rng_normal(&rng);
        for (int d = 0; d < D; d++) {
            double t = (double)d / D;
            frames[(size_t)f * D + d] =
                (float)(a * cos(3.0 * t) + b * sin(7.0 * t) + 0.3 * anc_rng_normal(&rng));
        }
    }
    anc_adam adam;
    anc_adam_init(&adam, 1e-3f);
    const size_t np = anc_vae_num_params(vae);
    long warm = o->steps / 10 + 1, bad = 0;
    double t0 = 0.0;
    for (long s = 0; s < warm + o->steps; s++) {
        if (s == warm)
            t0 = wall();
        const float *x = frames + (size_t)((s * TRAIN_BATCH) % TRAIN_FRAMES) * (size_t)D;
        anc_rng_normal_fill(&rng, eps, (size_t)TRAIN_BATCH * (size_t)L);
        anc_vae_zero_grad(vae);
        anc_vae_loss l;
        if (anc_vae_loss_batch(vae, x, eps, TRAIN_BATCH, 1.0f, 1, NULL, &l) != ANC_OK) {
            bad++;
            continue;
        }
        anc_grad_clip(anc_vae_grads(vae), np, TRAIN_CLIP);
        anc_adam_step(&adam, anc_vae_params(vae), anc_vae_grads(vae), anc_vae_adam_m(vae),
                      anc_vae_adam_v(vae), np);
    }
    double dt = wall() - t0;
    printf("train_arch: %d-%d-%d-%d silu (decoder mirrored)\n", D, cfg.hidden[0], cfg.hidden[1],
           L);
    printf("train_parameters: %zu\n", np);
    printf("train_batch: %d\n", TRAIN_BATCH);
    printf("train_steps: %ld\n", o->steps);
    printf("train_threads: %d\n", o->threads);
    printf("train_seconds: %.3f\n", dt);
    printf("train_frames_per_second: %.0f\n", (double)o->steps * TRAIN_BATCH / dt);
    if (bad)
        printf("train_skipped_steps: %ld\n", bad);
    free(frames);
    free(eps);
    anc_vae_free(vae);
}

int main(int argc, char **argv)
{
    anc_cli_set_program("ancestral-bench");
    options o;
    parse(argc, argv, &o);

    /* Before anything else: OpenBLAS's idle helper threads would otherwise
     * compete with the plugin measurement for the cores. */
    openblas_set_num_threads(o.threads);
    char err[512] = "";
    anc_host_world *w = anc_host_world_new(NULL, NULL, err, sizeof err);
    if (!w)
        anc_cli_die(ANC_EXIT_FAILURE, "%s (set LV2_PATH to the folder holding ancestral.lv2)",
                    err);

    uint32_t blocks[3] = {256, 64, 1024};
    int n_blocks = 3;
    if (o.block) {
        blocks[0] = (uint32_t)o.block;
        n_blocks = 1;
    }
    plugin_result r[3];
    unsigned long allocs = 0, allocs_resp = 0, logs = 0;
    for (int i = 0; i < n_blocks; i++) {
        bench_plugin(w, &o, blocks[i], 0, &r[i]);
        allocs += r[i].allocs_run;
        allocs_resp += r[i].allocs_resp;
        logs += r[i].logs_run;
    }
    plugin_result held;
    bench_plugin(w, &o, blocks[0], HELD_VOICES, &held);
    allocs += held.allocs_run;
    allocs_resp += held.allocs_resp;
    logs += held.logs_run;
    printf("plugin_uri: %s\n", ANC_PLUGIN_URI);
    /* Also keeps libfftw3f loaded in this process, as in hosts that use FFTW:
     * otherwise the plugin's dlclose would unload it and LeakSanitizer would
     * report FFTW's planner memory (never freed: plugins must not call
     * fftwf_cleanup()). */
    printf("fftw: %s\n", fftwf_version);
    printf("model: %s\n", o.model ? o.model : "default (bundle default state)");
    printf("controls: mode ancestral, noise 1, other controls at their defaults\n");
    printf("sample_rate: %.0f\n", o.rate);
    printf("block: %u\n", blocks[0]);
    printf("seconds_rendered: %.3f\n", r[0].seconds);
    printf("run_cpu_seconds: %.4f\n", r[0].cpu);
    printf("latency_frames: %.0f\n", (double)r[0].latency);
    printf("plugin_realtime_factor: %.1f\n", r[0].factor);
    printf("plugin_realtime_factor_range: %.1f %.1f\n", r[0].factor_min, r[0].factor_max);
    printf("plugin_realtime_factor_overall: %.1f\n", r[0].cpu > 0 ? r[0].seconds / r[0].cpu : INFINITY);
    for (int i = 1; i < n_blocks; i++)
        printf("plugin_realtime_factor_block_%u: %.1f\n", blocks[i], r[i].factor);
    printf("target_realtime_factor: %d\n", TARGET_REALTIME_FACTOR);
    printf("plugin_realtime_factor_%d_voices: %.1f\n", HELD_VOICES, held.factor);
    printf("plugin_realtime_factor_%d_voices_range: %.1f %.1f\n", HELD_VOICES, held.factor_min,
           held.factor_max);
    printf("target_realtime_factor_%d_voices: %d\n", HELD_VOICES, TARGET_VOICES_FACTOR);
#ifdef ANC_BENCH_COUNT_ALLOCS
    const char *how = NULL;
    const int counting = anc_alloc_counting(&how);
    printf("allocation_counter: %s\n", how);
    printf("allocations_in_run: %lu\n", allocs);
    printf("allocations_in_work_response: %lu\n", allocs_resp);
#endif
    printf("log_calls_in_run: %lu\n", logs);
    anc_host_world_free(w);
    bench_transfer(&o);

    if (o.train)
        bench_train(&o);

#ifdef ANC_BENCH_COUNT_ALLOCS
    if (!counting)
        anc_cli_warn("the allocation counter is not active here; allocations_in_run is blind");
#endif
    if (allocs || allocs_resp) {
        fprintf(stderr, "ancestral-bench: the plugin allocated on the audio thread (%lu in run, "
                        "%lu in work_response)\n", allocs, allocs_resp);
        return ANC_EXIT_FAILURE;
    }
    return ANC_EXIT_OK;
}

/* test_abuse.c — hardening test of the Ancestral LV2 plugins (suite 'hardening'):
 * several instances in one process, driven through lilv (tools/lv2_host.h) the
 * way a careless or hostile host would, checking that nothing breaks. It is not a
 * correctness test of the sound; test_plugin.c and test_plugin_transfer.c do that.
 *
 *   test_abuse TEST_MODEL.vae [UPDATES [SEED [PLUGIN_URI]]]   (LV2_PATH names the
 *        folder of ancestral.lv2; the synth unless PLUGIN_URI names the other)
 *
 * What it does, from one seeded generator (the same run every time, up to the
 * worker threads' timing):
 *  - N_INSTANCES instances at different sample rates, threaded workers, run
 *    interleaved in random order, each block 0..8192 frames long (most short);
 *  - before every block, 1..23 distinct control inputs of that instance get a
 *    new value: NaN, +-Inf, denormals, +-1e30, +-FLT_MAX, values just outside
 *    and far outside the port's range, the range's ends, ordinary values —
 *    until UPDATES (default 1,000,000) updates have been made;
 *  - now and then a burst of 1..3 patch:Set messages of the model: the bundle's
 *    default model and the test model alternately, mixed with broken paths (a
 *    missing file, a text file, a truncated copy, a copy cut inside its header),
 *    so loads queue up, fades get cut and replaced engines wait to be freed;
 *  - now and then deactivate() and activate(), at once or after a pause during
 *    which the others keep running (and the paused one may get controls and a
 *    patch:Set to find when it runs again);
 *  - a plugin with an audio input (the transfer effect) gets a tone of random
 *    pitch and level, and in one block of eight garbage in it: NaN, +-Inf,
 *    +-1e30, +-FLT_MAX or denormals at random frames, or a whole block of one
 *    of them; sometimes the input and output share one buffer (in place).
 * Checks: every output block finite, never denormal, |x| <= 4; the latency port
 * finite, whole and within its lv2:maximum; no heap call on the audio thread in
 * run() or work_response()/end_run() (alloc_count.h: an interposer, or the
 * sanitizers' hooks under ASan); no log call from run(); only good models are
 * ever echoed; every log line names a broken file; the output not silent
 * overall; and at the end every instance, with sane controls and the default
 * model, plays again (RMS above -60 dBFS). Instances are drained (settled)
 * before they are freed, so LeakSanitizer sees every engine freed.
 *
 * FFTW: this executable links libfftw3f and references it, so the library stays
 * loaded when lilv unloads the plugin; FFTW's planner caches (never freed:
 * plugins must not call fftwf_cleanup()) are then still reachable at exit and
 * LeakSanitizer does not report them, as in a real host that uses FFTW. */
#include <float.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <fftw3.h>

#include "alloc_count.h"
#include "check.h"
#include "lv2_host.h"

#define N_INSTANCES 4
#define MAX_BLOCK 8192          /* bufsz:maxBlockLength offered to each instance */
#define PEAK_LIMIT 4.0f         /* the engine's output guard (core/engine.c OUT_LIMIT) */
#define SILENCE_RMS 1e-3        /* -60 dBFS */
#define DEFAULT_UPDATES 1000000
#define DEFAULT_SEED UINT64_C(0x41425553450a)
#define SWAP_ODDS 150           /* one patch:Set burst per this many blocks, on average */
#define ACTIVATE_ODDS 1500      /* one deactivate/activate per this many blocks */
#define MAX_PAUSE_BLOCKS 400    /* longest deactivated pause, in blocks of the others */
#define LOG_SCAN_EVERY 4096     /* blocks between scans of the plugins' logs */
#define SETTLE_CYCLES 100000    /* anc_host_settle() cap */
#define MAX_REPORTS 10          /* failing blocks described in full */

/* ---- deterministic random numbers (splitmix64) ------------------------------ */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in 0 .. n-1. */
static uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1). */
static double rnd_unit(void)
{
    return (double)(rnd() >> 11) * 0x1p-53;
}

/* ---- what goes into the ports ----------------------------------------------- */

enum value_kind { V_NONFINITE, V_DENORMAL, V_HUGE, V_OUTSIDE, V_EDGE, V_ORDINARY, V_KINDS };
static const char *const kind_names[V_KINDS] = {"non-finite", "denormal", "huge",
                                                "outside the range", "range ends", "ordinary"};

/* A value for a port with range [lo, hi] and default def. */
static float control_value(float lo, float hi, float def, enum value_kind *kind)
{
    float span = hi - lo;
    switch (rnd_below(20)) {
    case 0:
        *kind = V_NONFINITE;
        return rnd() & 1 ? NAN : -NAN;
    case 1:
        *kind = V_NONFINITE;
        return rnd() & 1 ? INFINITY : -INFINITY;
    case 2:
        *kind = V_DENORMAL;
        return rnd() & 1 ? 1e-40f : -1e-40f;
    case 3:
        *kind = V_DENORMAL;
        return (rnd() & 1 ? 1.0f : -1.0f) * FLT_MIN * (float)rnd_unit();
    case 4:
        *kind = V_HUGE;
        return rnd() & 1 ? 1e30f : -1e30f;
    case 5:
        *kind = V_HUGE;
        return rnd() & 1 ? FLT_MAX : -FLT_MAX;
    case 6:
        *kind = V_OUTSIDE;
        return rnd() & 1 ? nextafterf(lo, -INFINITY) : nextafterf(hi, INFINITY);
    case 7:
        *kind = V_OUTSIDE;
        return rnd() & 1 ? lo - span * (float)(1e-3 + rnd_unit())
                         : hi + span * (float)(1e-3 + rnd_unit());
    case 8:
        *kind = V_EDGE;
        return rnd() & 1 ? lo : hi;
    case 9:
        *kind = V_EDGE;
        return rnd() & 1 ? def : -0.0f;
    default:
        *kind = V_ORDINARY;
        return lo + span * (float)rnd_unit();
    }
}

/* Frames of the next block: mostly short (Ardour splits cycles down to 1 frame),
 * sometimes up to the maximum. */
static uint32_t block_length(void)
{
    uint32_t r = rnd_below(100);
    if (r < 3)
        return 0;
    if (r < 6)
        return 1;
    if (r < 50)
        return 2 + rnd_below(31);     /* 2 .. 32 */
    if (r < 80)
        return 33 + rnd_below(224);   /* 33 .. 256 */
    if (r < 95)
        return 257 + rnd_below(1792); /* 257 .. 2048 */
    if (r < 99)
        return 2049 + rnd_below(6143); /* 2049 .. 8191 */
    return MAX_BLOCK;
}

/* ---- files ------------------------------------------------------------------- */

static char tmp_root[1024];
static char default_model[4096];
static const char *test_model;
enum { BROKEN_MISSING, BROKEN_TEXT, BROKEN_TRUNCATED, BROKEN_HEADER, N_BROKEN };
static char broken[N_BROKEN][1200];
static const char *const broken_what[N_BROKEN] = {"missing file", "text file", "truncated copy",
                                                  "copy cut in its header"};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void *read_whole(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    void *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)len + 1);
        if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    if (buf)
        *n = (size_t)len;
    return buf;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return !stat(a, &sa) && !stat(b, &sb) && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/* The bundle's default model: ancestral.lv2/default.vae in a folder of LV2_PATH. */
static int find_default_model(void)
{
    const char *path = getenv("LV2_PATH");
    if (!path || !*path)
        return check_true(0, "LV2_PATH is not set: it must name the folder of ancestral.lv2"),
               -1;
    const char *p = path;
    while (*p) {
        size_t n = strcspn(p, ":");
        char cand[4096];
        snprintf(cand, sizeof cand, "%.*s/ancestral.lv2/default.vae", (int)n, p);
        struct stat st;
        if (n && !stat(cand, &st) && S_ISREG(st.st_mode)) {
            char *abs = realpath(cand, NULL);
            if (!abs)
                break;
            snprintf(default_model, sizeof default_model, "%s", abs);
            free(abs);
            return 0;
        }
        p += n;
        if (*p == ':')
            p++;
    }
    check_true(0, "no ancestral.lv2/default.vae in any folder of LV2_PATH '%s'", path);
    return -1;
}

/* The broken files, in a fresh temporary folder. */
static int make_broken_files(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/anc-abuse-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!check_true(mkdtemp(tmp_root) != NULL, "cannot create a temporary folder")) {
        tmp_root[0] = '\0';
        return -1;
    }
    snprintf(broken[BROKEN_MISSING], sizeof broken[0], "%s/missing.vae", tmp_root);
    snprintf(broken[BROKEN_TEXT], sizeof broken[0], "%s/notes.vae", tmp_root);
    snprintf(broken[BROKEN_TRUNCATED], sizeof broken[0], "%s/truncated.vae", tmp_root);
    snprintf(broken[BROKEN_HEADER], sizeof broken[0], "%s/header.vae", tmp_root);
    size_t n = 0;
    unsigned char *good = read_whole(default_model, &n);
    if (!check_true(good != NULL && n > 64, "cannot read %s", default_model)) {
        free(good);
        return -1;
    }
    const char *words = "These are notes about timbre, not a model.\n";
    int rc = write_file(broken[BROKEN_TEXT], words, strlen(words));
    rc |= write_file(broken[BROKEN_TRUNCATED], good, n / 2);
    rc |= write_file(broken[BROKEN_HEADER], good, 24);
    free(good);
    return check_true(rc == 0, "cannot write the broken files in %s", tmp_root) ? 0 : -1;
}

static int is_broken(const char *path)
{
    for (int i = 0; i < N_BROKEN; i++)
        if (!strcmp(path, broken[i]))
            return 1;
    return 0;
}

/* ---- instances --------------------------------------------------------------- */

typedef struct inst {
    anc_host *h;
    double rate;
    int active;
    unsigned long resume_at;   /* global block at which a paused instance resumes */
    int next_good;             /* 0: the default model is the next good one sent */
    unsigned long blocks, frames, swaps_good, swaps_broken, activations, echoes;
    unsigned long log_lines;
    int loaded;                /* a model has been echoed */
    double sum_sq;             /* over frames rendered once loaded */
    unsigned long loaded_frames;
    double peak;
} inst;

static const double instance_rates[N_INSTANCES] = {48000, 44100, 96000, 22050};

/* The control inputs (the same for every instance). */
static uint32_t ctl[64];
static float ctl_lo[64], ctl_hi[64], ctl_def[64];
static int n_ctl;

static unsigned long updates, updates_by_kind[V_KINDS], garbage_inputs;
static int has_input;      /* the plugin has an audio input */
static float *input;       /* [MAX_BLOCK] */
static double input_phase; /* of the tone, cycles */
static unsigned long bad_nonfinite, bad_over, bad_denormal, bad_latency, bad_echo, reports;
static float worst_sample;

/* The interposer linked into this test (alloc_count.c) counts run()'s heap calls. */
static const anc_host_alloc_counter alloc_counter = {anc_alloc_watch, anc_alloc_count};

static anc_host *make(anc_host_world *w, double rate)
{
    anc_host_config c;
    anc_host_config_default(&c);
    c.alloc_counter = &alloc_counter;
    c.sample_rate = rate;
    c.max_block = MAX_BLOCK;
    c.worker = ANC_HOST_WORKER_THREAD;
    c.echo_log = getenv("ANC_TEST_VERBOSE") != NULL;
    char err[1024] = "";
    anc_host *h = anc_host_new(w, &c, err, sizeof err);
    check_true(h != NULL, "instantiate at %.0f Hz: %s", rate, err);
    return h;
}

/* Sends a burst of 1..3 patch:Set messages of the model to one instance. */
static void send_swaps(inst *in)
{
    uint32_t n = rnd_below(4) == 0 ? 2 + rnd_below(2) : 1;
    for (uint32_t i = 0; i < n; i++) {
        const char *path;
        if (rnd_below(10) < 6) {
            path = in->next_good ? test_model : default_model;
            in->next_good = !in->next_good;
            in->swaps_good++;
        } else {
            path = broken[rnd_below(N_BROKEN)];
            in->swaps_broken++;
        }
        check_true(anc_host_send_model(in->h, path) == 0, "patch:Set not queued (control buffer "
                   "full)");
    }
}

static void describe_block(const inst *in, int idx, unsigned long block, uint32_t n,
                           uint32_t at, float v, const char *what)
{
    if (reports++ >= MAX_REPORTS)
        return;
    printf("  instance %d (%.0f Hz), global block %lu, %u frames: %s at frame %u (%.9g); "
           "controls:", idx, in->rate, block, n, what, at, (double)v);
    for (int c = 0; c < n_ctl; c++)
        printf(" %s=%.9g", anc_host_port_symbol(in->h, ctl[c]),
               (double)anc_host_get_control(in->h, ctl[c]));
    printf("; model '%s'\n", anc_host_model_echo(in->h));
}

/* n frames of input: a tone (its pitch and level drift at random), with
 * garbage in it when asked. */
static void fill_input(double rate, uint32_t n, int garbage)
{
    static const float bad[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, FLT_MAX, -FLT_MAX,
                                1e-40f, -1e-42f};
    const double hz = 80.0 + 800.0 * rnd_unit(), amp = rnd_below(8) ? rnd_unit() : 0.0;
    for (uint32_t i = 0; i < n; i++) {
        input[i] = (float)(amp * sin(2.0 * M_PI * input_phase));
        input_phase += hz / rate;
        input_phase -= floor(input_phase);
    }
    if (!garbage || n == 0)
        return;
    garbage_inputs++;
    const float v = bad[rnd_below(sizeof bad / sizeof *bad)];
    if (rnd_below(4) == 0) {
        for (uint32_t i = 0; i < n; i++)
            input[i] = v;
    } else {
        for (uint32_t k = 1 + rnd_below(8); k > 0; k--)
            input[rnd_below(n)] = v;
    }
}

/* One block of instance idx: random control updates, then run() and the checks. */
static void abuse_block(inst *in, int idx, unsigned long block, float *out, float lat_max)
{
    /* 1..n_ctl distinct ports (a partial shuffle), each seen by this run(). */
    uint32_t order[64];
    for (int c = 0; c < n_ctl; c++)
        order[c] = (uint32_t)c;
    uint32_t k = 1 + rnd_below((uint32_t)n_ctl);
    for (uint32_t i = 0; i < k; i++) {
        uint32_t j = i + rnd_below((uint32_t)n_ctl - i);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
        int c = (int)order[i];
        enum value_kind kind;
        anc_host_set_control(in->h, ctl[c], control_value(ctl_lo[c], ctl_hi[c], ctl_def[c], &kind));
        updates_by_kind[kind]++;
    }
    updates += k;

    uint32_t n = block_length();
    unsigned long echoes = anc_host_model_echoes(in->h);
    if (has_input) {
        fill_input(in->rate, n, rnd_below(8) == 0);
        if (rnd_below(4) == 0) { /* in place */
            memcpy(out, input, sizeof(float) * n);
            anc_host_run_input(in->h, out, out, n);
        } else {
            anc_host_run_input(in->h, input, out, n);
        }
    } else {
        anc_host_run(in->h, out, n);
    }
    in->blocks++;
    in->frames += n;

    if (anc_host_model_echoes(in->h) != echoes) {
        const char *echo = anc_host_model_echo(in->h);
        in->echoes += anc_host_model_echoes(in->h) - echoes;
        in->loaded = 1;
        if (is_broken(echo) || !(same_file(echo, default_model) || same_file(echo, test_model))) {
            bad_echo++;
            if (bad_echo <= MAX_REPORTS)
                printf("  instance %d, block %lu: echoed '%s' as its model\n", idx, block, echo);
        }
    }

    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        float v = out[i];
        float a = fabsf(v);
        if (!isfinite(v)) {
            if (!bad_nonfinite++)
                describe_block(in, idx, block, n, i, v, "non-finite sample");
            continue;
        }
        if (a > PEAK_LIMIT && !bad_over++)
            describe_block(in, idx, block, n, i, v, "|sample| above the limit");
        if (v != 0.0f && a < FLT_MIN && !bad_denormal++)
            describe_block(in, idx, block, n, i, v, "denormal sample");
        if (a > worst_sample)
            worst_sample = a;
        if (a > in->peak)
            in->peak = a;
        sum += (double)v * v;
    }
    if (in->loaded) {
        in->sum_sq += sum;
        in->loaded_frames += n;
    }

    float lat = anc_host_latency(in->h);
    if (!(isfinite(lat) && lat >= 0.0f && lat == floorf(lat) && !(lat > lat_max)) &&
        !bad_latency++)
        describe_block(in, idx, block, n, 0, lat, "latency port out of range");
}

/* Every log line must be a load of a broken file failing (the worker's message
 * names it). Called with the instance's worker idle. */
static void scan_log(inst *in, int idx)
{
    const char *log = anc_host_log(in->h);
    for (const char *line = log; *line;) {
        size_t len = strcspn(line, "\n");
        int named = 0;
        for (int b = 0; b < N_BROKEN; b++) {
            const char *base = strrchr(broken[b], '/') + 1;
            size_t bl = strlen(base);
            for (size_t i = 0; i + bl <= len && !named; i++)
                named = !memcmp(line + i, base, bl);
        }
        if (!check_true(named, "instance %d logged a line naming no broken file: %.*s", idx,
                        (int)len, line))
            break;
        in->log_lines++;
        line += len;
        if (*line == '\n')
            line++;
    }
    anc_host_log_clear(in->h);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* After the abuse: sane controls, the default model, one second at block 256. */
static void check_recovery(inst *in, int idx, float *x)
{
    if (!in->active) {
        anc_host_activate(in->h);
        in->active = 1;
        in->activations++;
    }
    anc_host_reset_controls(in->h);
    anc_host_send_model(in->h, default_model);
    int settled = anc_host_settle(in->h, 256, SETTLE_CYCLES);
    check_true(settled > 0, "instance %d: did not settle after the abuse", idx);
    size_t frames = (size_t)in->rate, skip = (size_t)(0.3 * in->rate);
    double sum = 0, peak = 0;
    size_t bad = 0;
    for (size_t pos = 0; pos < frames; pos += 256) {
        uint32_t n = frames - pos < 256 ? (uint32_t)(frames - pos) : 256;
        if (has_input) {
            for (uint32_t i = 0; i < n; i++)
                input[i] = 0.3f * (float)sin(2.0 * M_PI * 220.0 * (double)(pos + i) / in->rate);
            anc_host_run_input(in->h, input, x, n);
        } else {
            anc_host_run(in->h, x, n);
        }
        for (uint32_t i = 0; i < n; i++) {
            if (!isfinite(x[i]) || fabsf(x[i]) > PEAK_LIMIT) {
                bad++;
                continue;
            }
            peak = fmax(peak, fabs((double)x[i]));
            if (pos + i >= skip)
                sum += (double)x[i] * x[i];
        }
    }
    double rms = sqrt(sum / (double)(frames - skip));
    check_true(anc_host_wait_worker(in->h, 60.0) == 0, "instance %d: worker busy", idx);
    scan_log(in, idx);
    const char *echo = anc_host_model_echo(in->h);
    printf("  instance %d (%6.0f Hz): %7lu blocks, %9lu frames (%6.1f s), %3lu good + %3lu "
           "broken patch:Set, %3lu echoes, %2lu activations, %3lu log lines, peak %.3f, rms "
           "while loaded %.4f; afterwards rms %.4f peak %.3f, settled in %d cycles\n",
           idx, in->rate, in->blocks, in->frames, in->frames / in->rate, in->swaps_good,
           in->swaps_broken, in->echoes, in->activations, in->log_lines, in->peak,
           in->loaded_frames ? sqrt(in->sum_sq / (double)in->loaded_frames) : 0.0, rms, peak,
           settled);
    check_true(bad == 0 && rms > SILENCE_RMS,
               "instance %d: no recovery with sane controls and the default model (rms %.2g, "
               "%zu bad samples)", idx, rms, bad);
    check_true(same_file(echo, default_model), "instance %d: plays '%s' at the end, not the "
               "default model", idx, echo);
    check_true(in->echoes > 0 && in->loaded_frames > 0 &&
               sqrt(in->sum_sq / (double)in->loaded_frames) > SILENCE_RMS,
               "instance %d: silent overall during the abuse (rms %.2g over %lu frames)", idx,
               in->loaded_frames ? sqrt(in->sum_sq / (double)in->loaded_frames) : 0.0,
               in->loaded_frames);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2 || argc > 5) {
        fprintf(stderr, "usage: test_abuse TEST_MODEL.vae [UPDATES [SEED [PLUGIN_URI]]]   "
                        "(LV2_PATH names the folder of ancestral.lv2)\n");
        return 2;
    }
    const char *plugin_uri = argc > 4 ? argv[4] : NULL;
    unsigned long target = argc > 2 ? strtoul(argv[2], NULL, 0) : DEFAULT_UPDATES;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : DEFAULT_SEED;
    rng_state = seed;
    char *abs = realpath(argv[1], NULL);
    if (!abs) {
        printf("FAIL: test model %s not found\n", argv[1]);
        return 1;
    }
    test_model = abs;
    /* Keeps libfftw3f loaded (see the top of this file). */
    printf("fftw: %s\n", fftwf_version);
    const char *how = NULL;
    int counting = anc_alloc_counting(&how);
    printf("allocation counter: %s\n", how);
    if (!counting)
        printf("notice: the allocation counter is blind in this build; heap calls are not "
               "checked\n");

    char err[1024] = "";
    anc_host_world *world = NULL;
    inst in[N_INSTANCES];
    memset(in, 0, sizeof in);
    float *out = malloc(sizeof(float) * MAX_BLOCK);
    input = malloc(sizeof(float) * MAX_BLOCK);
    if (!out || !input || find_default_model() || make_broken_files())
        goto done;
    world = anc_host_world_new(NULL, plugin_uri, err, sizeof err);
    if (!check_true(world != NULL, "%s", err))
        goto done;
    printf("plugin: <%s>\ndefault model: %s\ntest model:    %s\nbroken:",
           lilv_node_as_uri(lilv_plugin_get_uri(anc_host_plugin(world))), default_model,
           test_model);
    for (int b = 0; b < N_BROKEN; b++)
        printf(" %s (%s)", strrchr(broken[b], '/') + 1, broken_what[b]);
    printf("\nseed %#llx, %lu control updates wanted\n", (unsigned long long)seed, target);

    for (int i = 0; i < N_INSTANCES; i++) {
        in[i].rate = instance_rates[i];
        in[i].h = make(world, in[i].rate);
        if (!in[i].h)
            goto done;
        anc_host_activate(in[i].h);
        in[i].active = 1;
        in[i].activations = 1;
        in[i].next_good = 1; /* the default state loaded the default model */
    }
    anc_host *h0 = in[0].h;
    for (uint32_t p = 0; p < anc_host_n_ports(h0); p++) {
        if (!anc_host_port_is_control_input(h0, p) || n_ctl == 64)
            continue;
        ctl[n_ctl] = p;
        ctl_lo[n_ctl] = anc_host_port_min(h0, p);
        ctl_hi[n_ctl] = anc_host_port_max(h0, p);
        ctl_def[n_ctl] = anc_host_port_default(h0, p);
        if (!check_true(isfinite(ctl_lo[n_ctl]) && isfinite(ctl_hi[n_ctl]) &&
                        isfinite(ctl_def[n_ctl]), "port %s has no range or default",
                        anc_host_port_symbol(h0, p)))
            goto done;
        n_ctl++;
    }
    has_input = anc_host_port_index(h0, "in") >= 0;
    int lat_index = anc_host_port_index(h0, "latency");
    float lat_max = lat_index >= 0 ? anc_host_port_max(h0, (uint32_t)lat_index) : NAN;
    if (!check_true(n_ctl > 0 && lat_index >= 0, "no control inputs or no latency port"))
        goto done;

    double t0 = now();
    unsigned long block = 0, pauses = 0;
    while (updates < target) {
        block++;
        for (int i = 0; i < N_INSTANCES; i++)
            if (!in[i].active && block >= in[i].resume_at) {
                anc_host_activate(in[i].h);
                in[i].active = 1;
                in[i].activations++;
            }
        int idx = (int)rnd_below(N_INSTANCES);
        while (!in[idx].active)
            idx = (idx + 1) % N_INSTANCES;
        inst *cur = &in[idx];

        if (rnd_below(SWAP_ODDS) == 0)
            send_swaps(cur);

        if (rnd_below(ACTIVATE_ODDS) == 0) {
            int n_active = 0;
            for (int i = 0; i < N_INSTANCES; i++)
                n_active += in[i].active;
            anc_host_deactivate(cur->h);
            cur->active = 0;
            if (rnd() & 1 || n_active < 2) {
                /* At once (a host re-activating after a settings change), maybe
                 * after the 0-frame cycle some hosts run. */
                anc_host_activate(cur->h);
                cur->active = 1;
                cur->activations++;
                if (rnd() & 1)
                    anc_host_run(cur->h, out, 0);
            } else {
                /* Paused while the others run; it may find controls and a model
                 * request waiting when it comes back. */
                cur->resume_at = block + 1 + rnd_below(MAX_PAUSE_BLOCKS);
                pauses++;
                if (rnd() & 1)
                    send_swaps(cur);
                continue;
            }
        }

        abuse_block(cur, idx, block, out, lat_max);

        if (block % LOG_SCAN_EVERY == 0)
            for (int i = 0; i < N_INSTANCES; i++) {
                check_true(anc_host_wait_worker(in[i].h, 60.0) == 0,
                           "instance %d: worker still busy after 60 s", i);
                scan_log(&in[i], i);
            }
    }
    double t_abuse = now() - t0;

    printf("per instance (then sane controls, the default model, 1 s at block 256):\n");
    for (int i = 0; i < N_INSTANCES; i++)
        check_recovery(&in[i], i, out);

    unsigned long blocks = 0, frames = 0, good = 0, bad = 0, acts = 0, echoes = 0, lines = 0;
    unsigned long allocs_run = 0, allocs_resp = 0, logs_run = 0, runs = 0;
    double audio_s = 0;
    for (int i = 0; i < N_INSTANCES; i++) {
        blocks += in[i].blocks;
        frames += in[i].frames;
        audio_s += in[i].frames / in[i].rate;
        good += in[i].swaps_good;
        bad += in[i].swaps_broken;
        acts += in[i].activations;
        echoes += in[i].echoes;
        lines += in[i].log_lines;
        allocs_run += anc_host_allocs_in_run(in[i].h);
        allocs_resp += anc_host_allocs_in_response(in[i].h);
        logs_run += anc_host_logs_in_run(in[i].h);
        runs += anc_host_run_calls(in[i].h);
    }
    printf("control updates: %lu (", updates);
    for (int k = 0; k < V_KINDS; k++)
        printf("%s%s %lu", k ? ", " : "", kind_names[k], updates_by_kind[k]);
    printf(") over %d control inputs\n", n_ctl);
    if (has_input)
        printf("audio input: a tone, with garbage in %lu blocks\n", garbage_inputs);
    printf("abuse: %lu blocks, %lu frames (%.1f s of audio, mean block %.1f), %lu patch:Set "
           "(%lu good, %lu broken), %lu echoes, %lu log lines, %lu activations (%lu after a "
           "pause), %d instances, %.1f s wall\n",
           blocks, frames, audio_s, blocks ? (double)frames / blocks : 0.0, good + bad, good,
           bad, echoes, lines, acts, pauses, N_INSTANCES, t_abuse);
    printf("audio thread: %lu run() calls; heap calls in run() %lu, in work_response()/end_run() "
           "%lu; log calls from run() %lu\n", runs, allocs_run, allocs_resp, logs_run);
    printf("output: worst |sample| %.4f (limit %.1f); non-finite %lu, above the limit %lu, "
           "denormal %lu; latency port out of range %lu; bad echoes %lu\n",
           (double)worst_sample, (double)PEAK_LIMIT, bad_nonfinite, bad_over, bad_denormal,
           bad_latency, bad_echo);

    check_true(updates >= target, "only %lu control updates", updates);
    check_true(bad_nonfinite == 0, "%lu non-finite samples", bad_nonfinite);
    check_true(bad_over == 0, "%lu samples with |x| > %.1f", bad_over, (double)PEAK_LIMIT);
    check_true(bad_denormal == 0, "%lu denormal samples", bad_denormal);
    check_true(bad_latency == 0, "%lu blocks with the latency port out of range", bad_latency);
    check_true(bad_echo == 0, "%lu echoes of something else than a good model", bad_echo);
    if (counting)
        check_true(allocs_run == 0 && allocs_resp == 0, "heap calls on the audio thread: %lu "
                   "in run(), %lu in work_response()/end_run()", allocs_run, allocs_resp);
    check_true(logs_run == 0, "%lu log calls from run()", logs_run);
    /* The worker's queue (64 KiB) never fills here, so every broken request is
     * tried and logged once. */
    check_true(lines == bad, "%lu log lines for %lu broken patch:Set", lines, bad);
    check_true(!has_input || garbage_inputs > 0, "no garbage reached the audio input");
    check_true(good > 0 && bad > 0 && acts > (unsigned long)N_INSTANCES,
               "the abuse did too little: %lu good and %lu broken patch:Set, %lu activations",
               good, bad, acts);

done:
    /* Every instance was settled by check_recovery() (nothing in flight in its
     * worker), so freeing it leaves no engine behind. */
    for (int i = 0; i < N_INSTANCES; i++)
        anc_host_free(in[i].h);
    /* An instance freed while loads are still in its worker's queue (a host that
     * drops the queue with the worker): cleanup() must free every engine the
     * worker made, which LeakSanitizer checks at exit in the sanitizer build. */
    {
        anc_host *h = make(world, 48000.0);
        if (h) {
            float blk[64];
            anc_host_activate(h);
            for (int k = 0; k < 6; k++) {
                anc_host_send_model(h, k % 2 ? test_model : default_model);
                anc_host_run(h, blk, 64);
            }
            anc_host_free(h);
            printf("ok freed an instance with model loads still in flight\n");
        }
    }
    anc_host_world_free(world);
    if (tmp_root[0])
        nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(out);
    free(input);
    free(abs);
    return check_exit();
}

/* test_audio_in.c — tests the corpus reader (tools/audio_in.h) on files it writes
 * itself with libsndfile into a fresh temporary folder: every sample format, FLAC,
 * stereo, two resampled rates, a set of broken files that must each be skipped
 * with one warning naming the file and the reason, and files cut short in every
 * WAV flavour, used as far as they go with one warning saying how much is missing.
 *
 * Resampled signals are compared with the ideal sine at the target rate (their
 * frequency by interpolated zero crossings, their level by RMS), never with an
 * earlier output of this code. */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audio_in.h"
#include "check.h"

#define TWO_PI 6.283185307179586476925
#define RATE 44100
#define MIN_SAMPLES 2048
#define AMP 0.5

static char root[4096];

/* ---- writing test files ---- */

static char *path_in(const char *rel)
{
    static char buf[8][4096];
    static int next = 0;
    char *p = buf[next++ % 8];
    int len = snprintf(p, 4096, "%s/%s", root, rel);
    if (len < 0 || len >= 4096) {
        printf("FAIL: path too long: %s/%s\n", root, rel);
        exit(1);
    }
    return p;
}

/* Writes frames of a sine (amplitude amps[c] on channel c) or, if fill is not
 * NULL, of fill(i) on every channel. Returns 0 or -1 (and reports the failure). */
static int write_sine(const char *rel, int format, int rate, int channels, long frames,
                      double freq, const double *amps)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    const char *p = path_in(rel);
    SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
    if (!check_true(sf != NULL, "cannot write %s: %s", p, sf_strerror(NULL)))
        return -1;
    float *buf = malloc((size_t)channels * sizeof(float));
    if (!check_true(buf != NULL, "out of memory")) {
        sf_close(sf);
        return -1;
    }
    int ok = 1;
    for (long i = 0; i < frames && ok; i++) {
        double s = sin(TWO_PI * freq * (double)i / rate);
        for (int c = 0; c < channels; c++)
            buf[c] = (float)(amps[c < 2 ? c : 0] * s);
        ok = sf_writef_float(sf, buf, 1) == 1;
    }
    free(buf);
    ok = check_true(ok, "writing %s failed: %s", p, sf_strerror(sf)) && ok;
    ok = check_true(sf_close(sf) == 0, "closing %s failed", p) && ok;
    return ok ? 0 : -1;
}

/* A float WAV of a sine with one poisoned sample. */
static int write_poisoned(const char *rel, float poison)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = RATE;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    const char *p = path_in(rel);
    SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
    if (!check_true(sf != NULL, "cannot write %s: %s", p, sf_strerror(NULL)))
        return -1;
    enum { N = 10000 };
    static float x[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)(AMP * sin(TWO_PI * 440.0 * i / RATE));
    x[7000] = poison; /* past the first read block, so detection is not a header check */
    int ok = sf_writef_float(sf, x, N) == N;
    ok = check_true(ok, "writing %s failed", p) && ok;
    ok = check_true(sf_close(sf) == 0, "closing %s failed", p) && ok;
    return ok ? 0 : -1;
}

static int write_text(const char *rel, const char *text)
{
    FILE *f = fopen(path_in(rel), "w");
    if (!check_true(f != NULL, "cannot write %s", rel))
        return -1;
    int ok = fputs(text, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    return check_true(ok, "writing %s failed", rel) ? 0 : -1;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* ---- measuring ---- */

/* Frequency from upward zero crossings (linearly interpolated) over x[from..to). */
static double zero_crossing_freq(const float *x, size_t from, size_t to, int rate)
{
    double first = -1.0, last = -1.0;
    long count = 0;
    for (size_t i = from + 1; i < to; i++) {
        if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
            double t = (double)(i - 1) + x[i - 1] / (double)(x[i - 1] - x[i]);
            if (first < 0)
                first = t;
            last = t;
            count++;
        }
    }
    if (count < 2)
        return 0.0;
    return (double)(count - 1) * rate / (last - first);
}

static double rms(const float *x, size_t from, size_t to)
{
    double s = 0.0;
    for (size_t i = from; i < to; i++)
        s += (double)x[i] * x[i];
    return sqrt(s / (double)(to - from));
}

/* Checks a clip holding a sine of amplitude amp at freq (at the target rate) over
 * its middle: frequency (relative error at most freq_tol), level (within 0.1 dB)
 * and, when ref_tol > 0, every sample against the ideal sine, which also proves
 * the resampler adds no delay. */
static void check_sine(const anc_audio_clip *c, double freq, double freq_tol, double amp,
                       double ref_tol, double *freq_err_out, double *level_db_out)
{
    size_t from = c->n / 8, to = c->n - c->n / 8;
    double f = zero_crossing_freq(c->samples, from, to, RATE);
    double ferr = fabs(f - freq) / freq;
    double level = 20.0 * log10(sqrt(2.0) * rms(c->samples, from, to) / amp);
    check_true(ferr <= freq_tol, "%s: frequency %.6f Hz, want %.6f (rel. error %.2g)", c->path, f,
               freq, ferr);
    check_true(fabs(level) <= 0.1, "%s: level %+.4f dB off", c->path, level);
    double worst = 0.0;
    if (ref_tol > 0) {
        for (size_t i = from; i < to; i++) {
            double want = amp * sin(TWO_PI * freq * (double)i / RATE);
            double d = fabs(c->samples[i] - want);
            if (d > worst)
                worst = d;
        }
        check_true(worst <= ref_tol, "%s: worst |sample - ideal sine| %.3g > %.3g", c->path,
                   worst, ref_tol);
    }
    int pass = ferr <= freq_tol && fabs(level) <= 0.1 && worst <= ref_tol;
    printf("%s %-24s n %6zu  freq %.4f Hz (rel. err %.1e)  level %+.5f dB  worst |x - sine| "
           "%.2e\n",
           pass ? "ok  " : "FAIL", strrchr(c->path, '/') + 1, c->n, f, ferr, level, worst);
    if (freq_err_out)
        *freq_err_out = ferr;
    if (level_db_out)
        *level_db_out = level;
}

/* ---- warnings ---- */

typedef struct warning {
    char path[4096];
    char reason[512];
} warning;

typedef struct warnings {
    warning list[64];
    int n;
} warnings;

static void collect(void *user, const char *path, const char *reason)
{
    warnings *w = user;
    if (w->n < 64) {
        snprintf(w->list[w->n].path, sizeof w->list[w->n].path, "%s", path);
        snprintf(w->list[w->n].reason, sizeof w->list[w->n].reason, "%s", reason);
    }
    w->n++;
}

/* Both callbacks share warn_user: warnings about unused files and about files
 * used although cut short, kept apart. */
typedef struct reports {
    warnings skipped, cut;
} reports;

static void collect_skipped(void *user, const char *path, const char *reason)
{
    collect(&((reports *)user)->skipped, path, reason);
}

static void collect_cut(void *user, const char *path, const char *reason)
{
    collect(&((reports *)user)->cut, path, reason);
}

/* Settings at RATE with MIN_SAMPLES whose callbacks fill r (emptied here). */
static void settings_reporting_to(anc_audio_settings *s, reports *r)
{
    memset(r, 0, sizeof *r);
    anc_audio_settings_default(s);
    s->target_rate = RATE;
    s->min_samples = MIN_SAMPLES;
    s->warn = collect_skipped;
    s->warn_used = collect_cut;
    s->warn_user = r;
}

/* Exactly one warning names rel, and its reason contains want. */
static void expect_warning(const warnings *w, const char *rel, const char *want)
{
    const char *p = path_in(rel);
    int hits = 0, good = 0;
    for (int i = 0; i < w->n && i < 64; i++) {
        if (strcmp(w->list[i].path, p) == 0) {
            hits++;
            good += strstr(w->list[i].reason, want) != NULL;
            printf("  warned %s: %s\n", rel, w->list[i].reason);
        }
    }
    check_true(hits == 1 && good == 1, "%s: %d warnings, %d mentioning '%s' (want 1)", rel,
               hits, good, want);
}

static const anc_audio_clip *find_clip(const anc_audio_corpus *c, const char *rel)
{
    const char *p = path_in(rel);
    for (size_t i = 0; i < c->n_clips; i++)
        if (strcmp(c->clips[i].path, p) == 0)
            return &c->clips[i];
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- the tests ---- */

static const char *const good_files[] = {
    "a_pcm8.wav",    "b_pcm16.wav",     "c_pcm24.wav",            "d_pcm32.wav",
    "e_float.wav",   "e_loud_float.wav", "f_flac.flac",           "g_stereo.wav",
    "h_22050hz.wav", "i_96000hz.wav",   "k_truncated.wav",        "sub/deeper/p_nested.wav",
};
#define N_GOOD (sizeof good_files / sizeof good_files[0])

static int make_files(void)
{
    const double mono[2] = {AMP, AMP};
    const double stereo[2] = {0.7, 0.3}; /* mean: 0.5 */
    const double loud[2] = {3.0, 3.0};
    int r = 0;
    r |= write_sine("a_pcm8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, RATE, 1, RATE / 2, 440,
                    mono);
    r |= write_sine("b_pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 1, RATE / 2, 440,
                    mono);
    r |= write_sine("c_pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, RATE, 1, RATE / 2, 440,
                    mono);
    r |= write_sine("d_pcm32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, RATE, 1, RATE / 2, 440,
                    mono);
    r |= write_sine("e_float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, RATE, 1, RATE / 2, 440,
                    mono);
    /* Beyond full scale: kept as it is, since float files may use the headroom. */
    r |= write_sine("e_loud_float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, RATE, 1, RATE / 2,
                    440, loud);
    r |= write_sine("f_flac.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, RATE, 1, RATE / 2, 440,
                    mono);
    r |= write_sine("g_stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 2, RATE / 2, 440,
                    stereo);
    r |= write_sine("h_22050hz.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 22050, 1, 22050, 1000,
                    mono);
    r |= write_sine("i_96000hz.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 96000, 1, 96000, 3000,
                    mono);
    r |= write_text("j_text.wav", "RIFF? no: this is a text file with a .wav name\n");
    /* Header claims 1 s; the file is cut after 20000 frames (plus a stray byte). */
    r |= write_sine("k_truncated.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 1, RATE, 440,
                    mono);
    if (truncate(path_in("k_truncated.wav"), 44 + 2 * 20000 + 1) != 0)
        r |= !check_true(0, "truncate failed: %s", strerror(errno));
    r |= write_sine("l_zero.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 1, 0, 440, mono);
    r |= write_poisoned("m_nan.wav", NAN);
    r |= write_poisoned("n_inf.wav", -INFINITY);
    r |= write_sine("o_short.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 1, MIN_SAMPLES - 1,
                    440, mono);
    r |= write_sine("q_rate500.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 500, 1, 5000, 50, mono);
    r |= write_sine("r_300ch.wav", SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, RATE, 300, 3000, 440,
                    mono);
    r |= write_sine(".hidden.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 1, RATE / 2, 440,
                    mono);
    if (mkdir(path_in("sub"), 0700) || mkdir(path_in("sub/deeper"), 0700) ||
        mkdir(path_in("sub/.git"), 0700))
        r |= !check_true(0, "mkdir failed: %s", strerror(errno));
    r |= write_sine("sub/deeper/p_nested.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 1,
                    RATE / 2, 440, mono);
    r |= write_sine("sub/.git/inside_hidden.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 1,
                    RATE / 2, 440, mono);
    /* A loop (sub/loop -> sub), a second name for a file, and a dangling link. */
    if (symlink("..", path_in("sub/deeper/loop")) || symlink("../b_pcm16.wav", path_in("sub/again.wav")) ||
        symlink("nowhere.wav", path_in("sub/dangling.wav")))
        r |= !check_true(0, "symlink failed: %s", strerror(errno));
    /* A FIFO would block a plain open for ever: it must be refused, not read. */
    if (mkfifo(path_in("sub/fifo.wav"), 0600))
        r |= !check_true(0, "mkfifo failed: %s", strerror(errno));
    return r;
}

static void test_corpus(void)
{
    static reports r; /* large: not on the stack */
    anc_audio_settings s;
    settings_reporting_to(&s, &r);
    warnings *const w = &r.skipped, *const cut = &r.cut;

    /* The folder, then one file inside it again: it must be read once. */
    const char *inputs[2] = {root, path_in("b_pcm16.wav")};
    anc_audio_corpus *c = NULL;
    anc_error err;
    anc_error_clear(&err);
    double t0 = now();
    anc_status st = anc_audio_load(inputs, 2, &s, &c, &err);
    double dt = now() - t0;
    if (!check_true(st == ANC_OK && c, "load failed: %s", err.message))
        return;
    printf("loaded %zu clips in %.3f s\n", c->n_clips, dt);
    if (w->n != 12)
        for (int i = 0; i < w->n && i < 64; i++)
            printf("  warning: %s: %s\n", w->list[i].path, w->list[i].reason);

    /* Used files, in sorted walk order. */
    check_true(c->n_clips == N_GOOD, "%zu clips used, want %zu", c->n_clips, N_GOOD);
    for (size_t i = 0; i < c->n_clips && i < N_GOOD; i++)
        check_true(strcmp(c->clips[i].path, path_in(good_files[i])) == 0,
                   "clip %zu is %s, want %s", i, c->clips[i].path, path_in(good_files[i]));

    expect_warning(w, "j_text.wav", "not audio");
    expect_warning(w, "l_zero.wav", "no audio frames");
    expect_warning(w, "m_nan.wav", "NaN sample at frame 7000");
    expect_warning(w, "n_inf.wav", "Inf sample at frame 7000");
    expect_warning(w, "o_short.wav", "too short");
    expect_warning(w, "q_rate500.wav", "absurd header: sample rate 500");
    expect_warning(w, "r_300ch.wav", "absurd header: 300 channels");
    expect_warning(w, "sub/again.wav", "already reached as");
    expect_warning(w, "sub/dangling.wav", "cannot access");
    expect_warning(w, "sub/deeper/loop", "already reached as");
    expect_warning(w, "sub/fifo.wav", "not a regular file");
    expect_warning(w, "b_pcm16.wav", "already reached as"); /* the explicit repeat */
    check_true(w->n == 12, "%d warnings, want 12 (one per unused file)", w->n);
    for (int i = 0; i < w->n && i < 64; i++)
        check_true(strstr(w->list[i].path, "hidden") == NULL, "hidden file reached: %s",
                   w->list[i].path);

    /* The one file cut short is used, and said to be: 24100 of 44100 frames missing. */
    expect_warning(cut, "k_truncated.wav", "truncated, 0.55 s of 1.00 s missing (header "
                                            "promises 44100 frames, file holds 20000)");
    check_true(cut->n == 1, "%d cut-short warnings, want 1 (k_truncated.wav)", cut->n);

    const anc_audio_summary *sm = &c->summary;
    check_true(sm->files_truncated == 1, "summary: %zu truncated, want 1", sm->files_truncated);
    check_true(sm->files_used == N_GOOD, "summary: %zu used", sm->files_used);
    check_true(sm->files_skipped == 9, "summary: %zu skipped, want 9", sm->files_skipped);
    check_true(sm->files_repeated == 3, "summary: %zu repeated, want 3", sm->files_repeated);
    /* 9 files of 0.5 s, two of 1 s, the truncated one of 20000 frames. */
    double want_used = 9 * 0.5 + 2 * 1.0 + 20000.0 / RATE;
    check_true(fabs(sm->seconds_used - want_used) < 1e-9, "summary: %.6f s used, want %.6f",
               sm->seconds_used, want_used);
    /* NaN, Inf: 10000 frames each; short: 2047. An absurd header's length is not
     * trusted, and the others have none. */
    double want_skipped = (2 * 10000.0 + MIN_SAMPLES - 1) / RATE;
    check_true(fabs(sm->seconds_skipped - want_skipped) < 1e-9,
               "summary: %.6f s skipped, want %.6f", sm->seconds_skipped, want_skipped);
    printf("summary: used %zu (%.3f s), skipped %zu (%.3f s), repeated %zu\n", sm->files_used,
           sm->seconds_used, sm->files_skipped, sm->seconds_skipped, sm->files_repeated);
    check_true(c->rate == RATE, "corpus rate %d", c->rate);

    /* Signals. libsndfile writes floats scaled by 2^(b-1) - 1 and reads them back
     * divided by 2^(b-1), so an integer format is off by up to two of its steps. */
    static const struct {
        const char *rel;
        double tol, freq_tol;
        int rate, channels;
        size_t n;
    } want[] = {
        {"a_pcm8.wav", 2.0 / 128, 1e-4, RATE, 1, RATE / 2},
        {"b_pcm16.wav", 2.0 / 32768, 1e-6, RATE, 1, RATE / 2},
        {"c_pcm24.wav", 2.0 / 8388608, 1e-6, RATE, 1, RATE / 2},
        {"d_pcm32.wav", 2e-7, 1e-6, RATE, 1, RATE / 2},
        {"e_float.wav", 1e-7, 1e-6, RATE, 1, RATE / 2},
        {"f_flac.flac", 2.0 / 32768, 1e-6, RATE, 1, RATE / 2},
        {"g_stereo.wav", 2.0 / 32768, 1e-6, RATE, 2, RATE / 2},
        {"k_truncated.wav", 2.0 / 32768, 1e-6, RATE, 1, 20000},
        {"sub/deeper/p_nested.wav", 2.0 / 32768, 1e-6, RATE, 1, RATE / 2},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const anc_audio_clip *cl = find_clip(c, want[i].rel);
        if (!check_true(cl != NULL, "%s not used", want[i].rel))
            continue;
        check_true(cl->n == want[i].n && cl->original_rate == want[i].rate &&
                       cl->channels == want[i].channels &&
                       fabs(cl->seconds - (double)want[i].n / want[i].rate) < 1e-12,
                   "%s: n %zu rate %d channels %d seconds %.6f", want[i].rel, cl->n,
                   cl->original_rate, cl->channels, cl->seconds);
        check_sine(cl, 440.0, want[i].freq_tol, AMP, want[i].tol, NULL, NULL);
    }

    const anc_audio_clip *loud = find_clip(c, "e_loud_float.wav");
    if (check_true(loud != NULL, "e_loud_float.wav not used"))
        check_sine(loud, 440.0, 1e-6, 3.0, 3e-7, NULL, NULL);

    /* Resampled: the length follows the ratio; the sine keeps its frequency and level
     * and stays within the converter's error (SRC_SINC_MEDIUM_QUALITY is specified at
     * 121 dB SNR: 1e-4 leaves ample room, a wrong rate or a delay fails by far). */
    const anc_audio_clip *h = find_clip(c, "h_22050hz.wav");
    const anc_audio_clip *i96 = find_clip(c, "i_96000hz.wav");
    double fe, lv;
    if (check_true(h != NULL, "22050 Hz file not used")) {
        check_true(h->original_rate == 22050 && h->channels == 1 && h->n == 44100 &&
                       fabs(h->seconds - 1.0) < 1e-12,
                   "22050 Hz: n %zu rate %d seconds %.6f", h->n, h->original_rate, h->seconds);
        check_sine(h, 1000.0, 1e-6, AMP, 1e-4, &fe, &lv);
        printf("measured 22050->44100: frequency error %.2e (relative), level %+.5f dB\n", fe,
               lv);
    }
    if (check_true(i96 != NULL, "96000 Hz file not used")) {
        /* The converter's flush may stop one sample short of frames x ratio. */
        check_true(i96->original_rate == 96000 && i96->n >= 44099 && i96->n <= 44100 &&
                       fabs(i96->seconds - 1.0) < 1e-12,
                   "96000 Hz: n %zu rate %d seconds %.6f", i96->n, i96->original_rate,
                   i96->seconds);
        check_sine(i96, 3000.0, 1e-6, AMP, 1e-4, &fe, &lv);
        printf("measured 96000->44100: frequency error %.2e (relative), level %+.5f dB\n", fe,
               lv);
    }
    anc_audio_corpus_free(c);
}

static void test_single_and_errors(void)
{
    anc_audio_settings s;
    anc_audio_settings_default(&s);
    s.min_samples = MIN_SAMPLES;
    anc_error err;
    anc_audio_clip clip;

    /* The best converter on the same file, for comparison and timing. */
    s.quality = ANC_AUDIO_QUALITY_BEST;
    double t0 = now();
    anc_status st = anc_audio_read_file(path_in("i_96000hz.wav"), &s, &clip, &err);
    double dt = now() - t0;
    if (check_true(st == ANC_OK, "read_file (best): %s", err.message)) {
        check_sine(&clip, 3000.0, 1e-6, AMP, 1e-5, NULL, NULL);
        printf("best quality: 1 s at 96000 Hz in %.3f s\n", dt);
    }
    anc_audio_clip_clear(&clip);
    s.quality = ANC_AUDIO_QUALITY_MEDIUM;

    st = anc_audio_read_file(path_in("m_nan.wav"), &s, &clip, &err);
    check_true(st == ANC_E_NUMERIC && strstr(err.message, "m_nan.wav") &&
                   strstr(err.message, "NaN") && !clip.samples && !clip.path,
               "read_file NaN: status %d '%s'", (int)st, err.message);
    st = anc_audio_read_file(path_in("j_text.wav"), &s, &clip, &err);
    check_true(st == ANC_E_FORMAT && strstr(err.message, "j_text.wav"),
               "read_file text: status %d '%s'", (int)st, err.message);
    st = anc_audio_read_file(path_in("sub/fifo.wav"), &s, &clip, &err);
    check_true(st == ANC_E_FORMAT && strstr(err.message, "not a regular file"),
               "read_file FIFO: status %d '%s'", (int)st, err.message);
    st = anc_audio_read_file(path_in("missing.wav"), &s, &clip, &err);
    check_true(st == ANC_E_IO && strstr(err.message, "missing.wav"),
               "read_file missing: status %d '%s'", (int)st, err.message);

    /* A missing input is an error, not a warning: a typo must not shrink a corpus. */
    const char *inputs[2] = {path_in("b_pcm16.wav"), path_in("no_such_folder")};
    static anc_audio_corpus sentinel;
    anc_audio_corpus *c = &sentinel; /* a failed load must set it to NULL */
    st = anc_audio_load(inputs, 2, &s, &c, &err);
    check_true(st == ANC_E_IO && c == NULL && strstr(err.message, "no_such_folder"),
               "load with a missing input: status %d '%s'", (int)st, err.message);

    s.target_rate = 999;
    st = anc_audio_load(inputs, 1, &s, &c, &err);
    check_true(st == ANC_E_INVALID && c == NULL, "target rate 999 accepted");

    /* No inputs: an empty corpus, not an error. */
    s.target_rate = 16000;
    st = anc_audio_load(NULL, 0, &s, &c, &err);
    check_true(st == ANC_OK && c && c->n_clips == 0, "empty load: status %d", (int)st);
    anc_audio_corpus_free(c);
    anc_audio_corpus_free(NULL);
    anc_audio_clip_clear(NULL);
}

/* Cuts the file rel so that its data chunk holds `frames` frames of `block` bytes
 * (the header is left as written). Returns 0 or -1. */
static int cut_data(const char *rel, long frames, int block)
{
    const char *p = path_in(rel);
    FILE *f = fopen(p, "rb");
    unsigned char head[512];
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 12; i + 8 <= n; i++)
        if (!memcmp(head + i, "data", 4))
            return check_true(truncate(p, (off_t)(i + 8 + (size_t)frames * block)) == 0,
                              "truncate %s: %s", p, strerror(errno)) ? 0 : -1;
    check_true(0, "%s: no data chunk in its first %zu bytes", p, n);
    return -1;
}

/* Files cut short in every WAV flavour are used as far as they go, with one
 * warn_used call saying how much is missing; an intact file, and a WAV whose
 * header does not record its length, give none. */
static void test_cut_short(void)
{
    static reports r;
    anc_audio_settings s;
    settings_reporting_to(&s, &r);
    const double mono[2] = {AMP, AMP};
    static const struct {
        const char *rel;
        int format, channels, block;
        long frames, kept; /* written, left after the cut (0: not cut) */
        const char *want;  /* the warning, or NULL for none */
    } cases[] = {
        {"cut/riff16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 2, 3 * RATE, 77175,
         "truncated, 1.25 s of 3.00 s missing (header promises 132300 frames, file holds "
         "77175)"},
        {"cut/rifx_float_stereo.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT | SF_ENDIAN_BIG, 2, 4, RATE,
         30000, "truncated, 0.32 s of 1.00 s missing (header promises 44100 frames, file holds "
                "30000)"},
        {"cut/wavex24.wav", SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, 1, 3, RATE, 11025,
         "truncated, 0.75 s of 1.00 s missing (header promises 44100 frames, file holds "
         "11025)"},
        {"cut/rf64.wav", SF_FORMAT_RF64 | SF_FORMAT_PCM_16, 1, 2, RATE, 22050,
         "truncated, 0.50 s of 1.00 s missing (header promises 44100 frames, file holds "
         "22050)"},
        {"cut/intact.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 2, RATE, 0, NULL},
        {"cut/length_not_recorded.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 2, RATE, 0, NULL},
    };
    if (mkdir(path_in("cut"), 0700)) {
        check_true(0, "mkdir cut: %s", strerror(errno));
        return;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *rel = cases[i].rel;
        if (write_sine(rel, cases[i].format, RATE, cases[i].channels, cases[i].frames, 440,
                       mono))
            continue;
        if (cases[i].kept && cut_data(rel, cases[i].kept, cases[i].block * cases[i].channels))
            continue;
        if (!strcmp(rel, "cut/length_not_recorded.wav")) {
            /* As a recorder that could not seek back leaves it: both sizes 0xFFFFFFFF. */
            FILE *f = fopen(path_in(rel), "r+b");
            static const unsigned char ff[4] = {0xFF, 0xFF, 0xFF, 0xFF};
            int ok = f && fseek(f, 4, SEEK_SET) == 0 && fwrite(ff, 1, 4, f) == 4 &&
                     fseek(f, 40, SEEK_SET) == 0 && fwrite(ff, 1, 4, f) == 4;
            ok = f && fclose(f) == 0 && ok;
            if (!check_true(ok, "cannot patch %s", rel))
                continue;
        }
        int before = r.cut.n;
        anc_audio_clip clip;
        anc_error err;
        anc_status st = anc_audio_read_file(path_in(rel), &s, &clip, &err);
        long want_n = cases[i].kept ? cases[i].kept : cases[i].frames;
        if (check_true(st == ANC_OK, "%s: %s", rel, err.message))
            check_true(clip.n == (size_t)want_n, "%s: %zu samples, want %ld", rel, clip.n,
                       want_n);
        anc_audio_clip_clear(&clip);
        if (cases[i].want)
            expect_warning(&r.cut, rel, cases[i].want);
        else
            check_true(r.cut.n == before, "%s: warned although whole: %s", rel,
                       r.cut.n > before ? r.cut.list[before].reason : "");
    }
    check_true(r.cut.n == 4, "%d cut-short warnings, want 4", r.cut.n);
    check_true(r.skipped.n == 0, "%d skip warnings from single reads, want none", r.skipped.n);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/anc-audio-in-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        printf("FAIL: mkdtemp(%s): %s\n", root, strerror(errno));
        return 1;
    }
    if (make_files() == 0) {
        test_corpus();
        test_single_and_errors();
        test_cut_short();
    }
    /* FTW_PHYS: remove the links themselves, never follow the loop. */
    if (nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        check_true(0, "cleaning %s failed: %s", root, strerror(errno));
    return check_exit();
}

/* make_corpus.c — ancestral-make-corpus: writes a deterministic synthetic training
 * corpus of mono WAV files, so the trainer, the default model and the tests have
 * sounds to work on without shipping recordings.
 *
 *   ancestral-make-corpus [--seed S] [--rate HZ] [--seconds X] [--small] [--float]
 *                         [--quiet] OUT_DIR
 *
 * Timbres with clearly different spectral envelopes, each over a range of pitches:
 * a bright saw (all harmonics, 1/k), a hollow clarinet (odd harmonics), three sung
 * vowels (harmonics shaped by three formants), a bell (Risset's inharmonic partials,
 * the high ones dying first) and a plucked string (harmonics decaying faster the
 * higher they are); plus band-passed noise at several centres. Notes have attack
 * and release envelopes and a little vibrato. Randomness (vibrato rate and phase,
 * small per-partial level changes, the noise itself) comes from anc_rng, so a seed
 * gives the same bytes on every run (libm's sin/exp are the only platform input).
 *
 * Exit status: 0 written, 1 runtime failure (folder or file cannot be written),
 * 2 bad usage. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rng.h"

#define TWO_PI 6.283185307179586476925

/* Every file is peak-normalised to -6 dBFS: loud enough to use the 16-bit range,
 * with room for the trainer's own processing. */
#define PEAK_LEVEL 0.5

/* Harmonics stop below this fraction of the sample rate (with the vibrato's upward
 * swing included), so nothing aliases. */
#define MAX_PARTIAL_FRACTION 0.45

#define MAX_HARMONICS 2048

typedef enum kind { K_SAW, K_CLARINET, K_VOWEL_A, K_VOWEL_I, K_VOWEL_U, K_BELL, K_PLUCK } kind;

typedef struct timbre {
    const char *name;
    kind k;
    double attack, release; /* seconds */
    double sustain;         /* level the decay settles to after the attack */
    double decay;           /* seconds, time constant from 1 to sustain */
    double vibrato;         /* depth as a fraction of the frequency */
    double transpose;       /* pitch multiplier: bells sit an octave up, as real ones do */
} timbre;

static const timbre timbres[] = {
    {"saw", K_SAW, 0.02, 0.08, 0.75, 0.30, 0.004, 1.0},
    {"clarinet", K_CLARINET, 0.06, 0.10, 0.90, 0.50, 0.003, 1.0},
    {"vowel_a", K_VOWEL_A, 0.08, 0.12, 0.85, 0.40, 0.010, 1.0},
    {"vowel_i", K_VOWEL_I, 0.08, 0.12, 0.85, 0.40, 0.010, 1.0},
    {"vowel_u", K_VOWEL_U, 0.08, 0.12, 0.85, 0.40, 0.010, 1.0},
    {"bell", K_BELL, 0.002, 0.05, 1.00, 1.00, 0.0, 2.0},
    {"pluck", K_PLUCK, 0.003, 0.05, 1.00, 1.00, 0.002, 1.0},
};
#define N_TIMBRES (sizeof timbres / sizeof timbres[0])

/* Pitches: A2 upwards in major thirds (4 semitones), 2 1/3 octaves. */
static const double pitches[] = {110.0, 138.591315, 174.614116, 220.0,
                                 277.182631, 349.228231, 440.0, 554.365262};
#define N_PITCHES (sizeof pitches / sizeof pitches[0])
static const size_t small_pitches[] = {0, 3, 6};
#define N_SMALL_PITCHES (sizeof small_pitches / sizeof small_pitches[0])

static const double noise_centres[] = {250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0};
#define N_NOISE (sizeof noise_centres / sizeof noise_centres[0])
static const size_t small_noise[] = {2, 4};
#define N_SMALL_NOISE (sizeof small_noise / sizeof small_noise[0])

/* Vowel formants (centre Hz, bandwidth Hz, linear gain), after Peterson & Barney's
 * adult male averages with Fant's bandwidths, widened so that a few harmonics of a
 * high voice still trace the envelope. */
typedef struct formant { double f, bw, gain; } formant;
static const formant vowel_a[3] = {{730, 160, 1.0}, {1090, 180, 0.5}, {2440, 240, 0.25}};
static const formant vowel_i[3] = {{270, 120, 1.0}, {2290, 200, 0.25}, {3010, 240, 0.2}};
static const formant vowel_u[3] = {{300, 120, 1.0}, {870, 160, 0.35}, {2240, 240, 0.06}};

/* Risset's bell (Dodge & Jerse, "Computer Music", fig. 4.28): frequency ratio, an
 * offset in Hz that makes the pairs beat, relative amplitude, relative duration. */
typedef struct partial { double ratio, offset, amp, dur; } partial;
static const partial bell_partials[] = {
    {0.56, 0.0, 1.00, 1.000}, {0.56, 1.0, 0.67, 0.900}, {0.92, 0.0, 1.00, 0.650},
    {0.92, 1.7, 1.80, 0.550}, {1.19, 0.0, 2.67, 0.325}, {1.70, 0.0, 1.67, 0.350},
    {2.00, 0.0, 1.46, 0.250}, {2.74, 0.0, 1.33, 0.200}, {3.00, 0.0, 1.33, 0.150},
    {3.76, 0.0, 1.00, 0.100}, {4.07, 0.0, 1.33, 0.075},
};
#define N_BELL (sizeof bell_partials / sizeof bell_partials[0])

static double formant_envelope(const formant *fm, double f)
{
    double e = 0.005; /* a floor, as real vocal tracts never reach silence */
    for (int i = 0; i < 3; i++) {
        double x = (f - fm[i].f) / (0.5 * fm[i].bw);
        e += fm[i].gain / sqrt(1.0 + x * x); /* magnitude of a two-pole resonance */
    }
    return e;
}

/* Attack (raised cosine), exponential decay to sustain, release (raised cosine). */
static double envelope(const timbre *t, double a, double r, double time, double dur)
{
    double e = t->sustain + (1.0 - t->sustain) * exp(-time / t->decay);
    if (time < a)
        e *= 0.5 - 0.5 * cos(M_PI * time / a);
    double left = dur - time;
    if (left < r)
        e *= 0.5 - 0.5 * cos(M_PI * (left > 0 ? left : 0) / r);
    return e;
}

/* Harmonic amplitudes at the start of the note for harmonic timbres. */
static double harmonic_amp(kind k, int h, double f)
{
    switch (k) {
    case K_SAW:
        return 1.0 / h;
    case K_CLARINET:
        if (h % 2 == 0)
            return 0.03 / h; /* the cylindrical bore all but cancels even modes */
        return h <= 11 ? 1.0 / h : (1.0 / h) * (121.0 / (h * h));
    case K_VOWEL_A:
        return formant_envelope(vowel_a, h * f) / h;
    case K_VOWEL_I:
        return formant_envelope(vowel_i, h * f) / h;
    case K_VOWEL_U:
        return formant_envelope(vowel_u, h * f) / h;
    case K_PLUCK: {
        /* A string plucked at a fifth of its length: no 5th, 10th... harmonics. */
        double s = fabs(sin(M_PI * h * 0.2));
        return (s + 0.02) / pow(h, 1.3);
    }
    case K_BELL:
        break;
    }
    return 0.0;
}

static void synth_harmonic(const timbre *t, double f0, double *out, size_t n, int rate,
                           anc_rng *rng)
{
    double dur = (double)n / rate;
    double a = fmin(t->attack, dur / 4), r = fmin(t->release, dur / 4);
    double vib_rate = 4.5 + 1.5 * anc_rng_uniform(rng);
    double vib_phase = TWO_PI * anc_rng_uniform(rng);
    double vib_depth = t->vibrato;
    int nh = (int)(MAX_PARTIAL_FRACTION * rate / (f0 * (1.0 + vib_depth)));
    if (nh > MAX_HARMONICS)
        nh = MAX_HARMONICS;
    if (nh < 1)
        nh = 1;
    double amp[MAX_HARMONICS + 1], decay[MAX_HARMONICS + 1];
    /* Plucks: the k-th harmonic decays (1 + 0.35 (k-1)) times faster than the
     * first, and low strings ring longer. */
    double tau1 = 0.55 * dur * pow(220.0 / f0, 0.3);
    for (int h = 1; h <= nh; h++) {
        double jitter = pow(10.0, (anc_rng_uniform(rng) - 0.5) * 3.0 / 20.0); /* +-1.5 dB */
        amp[h] = harmonic_amp(t->k, h, f0) * jitter;
        decay[h] = t->k == K_PLUCK ? exp(-1.0 / (rate * tau1 / (1.0 + 0.35 * (h - 1)))) : 1.0;
    }
    double phase = 0.0;
    for (size_t i = 0; i < n; i++) {
        double time = (double)i / rate;
        /* Vibrato fades in over the first 0.3 s, as players and singers do. */
        double onset = fmin(1.0, time / 0.3);
        double f = f0 * (1.0 + vib_depth * onset * sin(TWO_PI * vib_rate * time + vib_phase));
        /* sin(k phi) for all k by the Chebyshev recurrence
         * sin((k+1) phi) = 2 cos(phi) sin(k phi) - sin((k-1) phi): two libm calls a
         * sample instead of one per harmonic. */
        double s1 = sin(phase), c2 = 2.0 * cos(phase);
        double s_prev = 0.0, s_k = s1, acc = 0.0;
        for (int h = 1; h <= nh; h++) {
            acc += amp[h] * s_k;
            amp[h] *= decay[h];
            double s_next = c2 * s_k - s_prev;
            s_prev = s_k;
            s_k = s_next;
        }
        out[i] = acc * envelope(t, a, r, time, dur);
        phase += TWO_PI * f / rate;
        if (phase >= TWO_PI)
            phase -= TWO_PI;
    }
}

static void synth_bell(const timbre *t, double f0, double *out, size_t n, int rate,
                       anc_rng *rng)
{
    double dur = (double)n / rate;
    double a = fmin(t->attack, dur / 4), r = fmin(t->release, dur / 4);
    double freq[N_BELL], amp[N_BELL], decay[N_BELL], phase[N_BELL];
    for (size_t p = 0; p < N_BELL; p++) {
        /* The named pitch is the lowest partial (the hum). */
        freq[p] = bell_partials[p].ratio * f0 / 0.56 + bell_partials[p].offset;
        double jitter = pow(10.0, (anc_rng_uniform(rng) - 0.5) * 3.0 / 20.0);
        amp[p] = freq[p] < MAX_PARTIAL_FRACTION * rate ? bell_partials[p].amp * jitter : 0.0;
        decay[p] = exp(-1.0 / (rate * 0.5 * dur * bell_partials[p].dur));
        phase[p] = TWO_PI * anc_rng_uniform(rng);
    }
    for (size_t i = 0; i < n; i++) {
        double acc = 0.0;
        for (size_t p = 0; p < N_BELL; p++) {
            acc += amp[p] * sin(phase[p]);
            amp[p] *= decay[p];
            phase[p] += TWO_PI * freq[p] / rate;
            if (phase[p] >= TWO_PI)
                phase[p] -= TWO_PI;
        }
        out[i] = acc * envelope(t, a, r, (double)i / rate, dur);
    }
}

/* Gaussian noise through two cascaded band-pass biquads (RBJ cookbook, 0 dB peak
 * gain, Q 4): a band about a quarter of an octave wide around fc. */
static void synth_noise(double fc, double *out, size_t n, int rate, anc_rng *rng)
{
    const timbre env = {"noise", K_SAW, 0.05, 0.10, 1.0, 1.0, 0.0, 1.0};
    double dur = (double)n / rate;
    double a = fmin(env.attack, dur / 4), r = fmin(env.release, dur / 4);
    double w0 = TWO_PI * fc / rate, alpha = sin(w0) / (2.0 * 4.0);
    double a0 = 1.0 + alpha;
    double b0 = alpha / a0, b2 = -alpha / a0, a1 = -2.0 * cos(w0) / a0, a2 = (1.0 - alpha) / a0;
    double z[2][2] = {{0, 0}, {0, 0}};
    for (size_t i = 0; i < n; i++) {
        double x = anc_rng_normal(rng);
        for (int s = 0; s < 2; s++) { /* transposed direct form II */
            double y = b0 * x + z[s][0];
            z[s][0] = -a1 * y + z[s][1];
            z[s][1] = b2 * x - a2 * y;
            x = y;
        }
        out[i] = x * envelope(&env, a, r, (double)i / rate, dur);
    }
}

static int write_wav(const char *path, const double *x, size_t n, int rate, int use_float,
                     float *buf)
{
    double peak = 0.0;
    for (size_t i = 0; i < n; i++)
        peak = fmax(peak, fabs(x[i]));
    double g = peak > 0.0 ? PEAK_LEVEL / peak : 0.0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)(x[i] * g);

    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | (use_float ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16);
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        fprintf(stderr, "ancestral-make-corpus: %s: cannot write: %s\n", path,
                sf_strerror(NULL));
        return -1;
    }
    /* The PEAK chunk of float WAVs carries the write time: without it the bytes
     * depend on the seed alone. */
    if (sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE) != SF_FALSE) {
        fprintf(stderr, "ancestral-make-corpus: %s: cannot turn off the PEAK chunk\n", path);
        sf_close(sf);
        return -1;
    }
    sf_count_t w = sf_writef_float(sf, buf, (sf_count_t)n);
    int bad = w != (sf_count_t)n;
    if (bad)
        fprintf(stderr, "ancestral-make-corpus: %s: write failed: %s\n", path, sf_strerror(sf));
    if (sf_close(sf) != 0 && !bad) {
        fprintf(stderr, "ancestral-make-corpus: %s: closing failed\n", path);
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* mkdir -p: creates dir and its missing parents. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return -1;
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *s = c;
        if (!c)
            break;
    }
    struct stat sb;
    if (rc == 0 && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        errno = ENOTDIR;
        rc = -1;
    }
    free(p);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ancestral-make-corpus [--seed S] [--rate HZ] [--seconds X] [--small]\n"
            "                             [--float] [--quiet] OUT_DIR\n"
            "  --seed S      random seed (default 1); the same seed writes the same bytes\n"
            "  --rate HZ     sample rate, 8000..192000 (default 44100)\n"
            "  --seconds X   length of each file, 0.1..60 (default 1.5, or 0.25 with --small)\n"
            "  --small       3 pitches per timbre and 2 noise bands: a few seconds in all\n"
            "  --float       32-bit float WAV instead of 16-bit\n"
            "  --quiet       print only the summary\n");
}

static int bad_usage(const char *fmt, const char *arg)
{
    fputs("ancestral-make-corpus: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see --help)\n", stderr);
    return 2;
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    long rate = 44100;
    double seconds = -1.0;
    int small = 0, use_float = 0, quiet = 0;
    const char *out_dir = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        char *end;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--seed")) {
            if (!has_value)
                return bad_usage("%s needs a value", a);
            const char *v = argv[++i];
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || end == v || *end || v[0] == '-')
                return bad_usage("--seed wants a non-negative integer, got '%s'", v);
            seed = (uint64_t)s;
        } else if (!strcmp(a, "--rate")) {
            if (!has_value)
                return bad_usage("%s needs a value", a);
            const char *v = argv[++i];
            errno = 0;
            rate = strtol(v, &end, 10);
            if (errno || end == v || *end || rate < 8000 || rate > 192000)
                return bad_usage("--rate wants an integer 8000..192000, got '%s'", v);
        } else if (!strcmp(a, "--seconds")) {
            if (!has_value)
                return bad_usage("%s needs a value", a);
            const char *v = argv[++i];
            errno = 0;
            seconds = strtod(v, &end);
            if (errno || end == v || *end || !(seconds >= 0.1 && seconds <= 60.0))
                return bad_usage("--seconds wants a number 0.1..60, got '%s'", v);
        } else if (!strcmp(a, "--small")) {
            small = 1;
        } else if (!strcmp(a, "--float")) {
            use_float = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return bad_usage("unknown option '%s'", a);
        } else if (out_dir) {
            return bad_usage("one OUT_DIR only, got a second: '%s'", a);
        } else {
            out_dir = a;
        }
    }
    if (!out_dir || !out_dir[0])
        return bad_usage("%s", "missing OUT_DIR");
    if (seconds < 0)
        seconds = small ? 0.25 : 1.5;

    if (make_dirs(out_dir) != 0) {
        fprintf(stderr, "ancestral-make-corpus: %s: cannot create folder: %s\n", out_dir,
                strerror(errno));
        return 1;
    }

    size_t n = (size_t)llround(seconds * (double)rate);
    double *x = malloc(n * sizeof *x);
    float *buf = malloc(n * sizeof *buf);
    size_t plen = strlen(out_dir) + 64;
    char *path = malloc(plen);
    if (!x || !buf || !path) {
        fprintf(stderr, "ancestral-make-corpus: out of memory for %zu samples\n", n);
        free(x);
        free(buf);
        free(path);
        return 1;
    }

    size_t n_pitch = small ? N_SMALL_PITCHES : N_PITCHES;
    size_t n_noise = small ? N_SMALL_NOISE : N_NOISE;
    size_t files = 0;
    int rc = 0;
    uint64_t file_index = 0;
    for (size_t t = 0; t < N_TIMBRES + 1 && rc == 0; t++) {
        int is_noise = t == N_TIMBRES;
        size_t count = is_noise ? n_noise : n_pitch;
        for (size_t j = 0; j < count && rc == 0; j++) {
            /* Each file draws from its own stream (seed and position mixed by the
             * golden-ratio increment splitmix64 uses), so one file's draws do not
             * shift another's. */
            anc_rng rng;
            anc_rng_seed(&rng, seed + 0x9e3779b97f4a7c15ULL * ++file_index);
            double f;
            const char *name;
            if (is_noise) {
                f = noise_centres[small ? small_noise[j] : j];
                name = "noise";
                if (f >= MAX_PARTIAL_FRACTION * rate)
                    continue;
                synth_noise(f, x, n, (int)rate, &rng);
            } else {
                f = pitches[small ? small_pitches[j] : j] * timbres[t].transpose;
                name = timbres[t].name;
                if (timbres[t].k == K_BELL)
                    synth_bell(&timbres[t], f, x, n, (int)rate, &rng);
                else
                    synth_harmonic(&timbres[t], f, x, n, (int)rate, &rng);
            }
            const char *sep = out_dir[strlen(out_dir) - 1] == '/' ? "" : "/";
            snprintf(path, plen, "%s%s%s_%.0fhz.wav", out_dir, sep, name, f);
            if (write_wav(path, x, n, (int)rate, use_float, buf) != 0) {
                rc = 1;
                break;
            }
            files++;
            if (!quiet)
                printf("%s_%.0fhz.wav %.2f s\n", name, f, seconds);
        }
    }
    if (rc == 0)
        printf("files: %zu\nseconds: %.2f\nrate: %ld\nseed: %" PRIu64 "\n", files,
               (double)files * (double)n / (double)rate, rate, seed);
    free(x);
    free(buf);
    free(path);
    return rc;
}

/* wavcheck.c — reads the sound files that real hosts rendered and checks them,
 * for the real-host test scripts (no python needed).
 *
 *   wavcheck sound FILE [--skip S] [--min-rms-db D]
 *       Prints rate, channels, frames, peak, RMS (dBFS), spectral centroid and
 *       the count of non-finite samples. Fails when any sample (any channel)
 *       is NaN or Inf, when the file is shorter than 0.5 s after the skip, or
 *       when the RMS of channel 0 after skipping S seconds is below D dBFS
 *       (default -60).
 *   wavcheck same A B [--tol X]
 *       Sample-exact comparison, every channel: fails when rate, channels or
 *       length differ, or when max |a - b| > X (default 1e-6).
 *   wavcheck differ A B [--skip S] [--min-db D | --max-db D] [--smooth-hz F]
 *       Spectral comparison of channel 0 after skipping S seconds: the RMS over
 *       bins (20 Hz .. min(16 kHz, Nyquist)) of the dB difference between the
 *       two long-term average power spectra, each smoothed by a moving average
 *       F Hz wide (default 100; 0: none) and floored 60 dB below the louder
 *       one's peak bin. The smoothing keeps timbre (partials, formants) and
 *       drops the fine structure of close partials beating slowly, which
 *       depends on where a few seconds' capture falls (up to 1.7 dB unsmoothed
 *       between two windows of one fixed-point render, 0.35 dB smoothed; two
 *       different latent points stay 11-13 dB apart). Fails when it is below --min-db (default 1),
 *       or with --max-db, when it is above that instead. Independent of where
 *       each recording starts, so it suits real-time captures too.
 *   wavcheck aligned A B [--skip S] [--max-lag S] [--min-overlap S] [--tol X]
 *       Sample comparison of channel 0 up to a shift: B against A moved by the
 *       lag (within +-max-lag seconds, default 1) that makes them agree best,
 *       both from S seconds on (default 0.5), over at least min-overlap
 *       seconds (default 1). Fails when max |a - b| there exceeds X (default
 *       1e-6). For two renders of one setting by a plugin that free-runs:
 *       hosts start exporting wherever its run has got to.
 *
 * Output is `key: value` lines. Exit status: 0 the check passed, 1 it failed
 * (the reason is printed on one FAIL line), 2 bad usage or unreadable file.
 * This is a test tool: it prints and exits freely. */
#include <fftw3.h>
#include <sndfile.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SPEC_N = 4096, SPEC_HOP = 2048, SPEC_BINS = SPEC_N / 2 + 1 };
/* differ: default width of the moving average over power bins (see there). */
#define SMOOTH_HZ 100.0

typedef struct sound {
    float *x;        /* frames * channels, interleaved */
    long frames;
    int channels;
    int rate;
} sound;

static void usage(void)
{
    fputs("usage: wavcheck sound FILE [--skip S] [--min-rms-db D]\n"
          "       wavcheck same A B [--tol X]\n"
          "       wavcheck differ A B [--skip S] [--min-db D | --max-db D]\n"
          "       wavcheck aligned A B [--skip S] [--max-lag S] [--min-overlap S] [--tol X]\n",
          stderr);
    exit(2);
}

/* Reads the whole file as float (libsndfile scales PCM to [-1, 1) and passes
 * float data through untouched, NaN included). Exits 2 on failure. */
static sound load(const char *path)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) {
        fprintf(stderr, "wavcheck: %s: %s\n", path, sf_strerror(NULL));
        exit(2);
    }
    if (info.channels < 1 || info.frames < 1 || info.samplerate < 1) {
        fprintf(stderr, "wavcheck: %s: empty or malformed (frames %lld, channels %d)\n",
                path, (long long)info.frames, info.channels);
        exit(2);
    }
    sound s = { NULL, (long)info.frames, info.channels, info.samplerate };
    s.x = malloc(sizeof(float) * (size_t)s.frames * (size_t)s.channels);
    if (!s.x) {
        fprintf(stderr, "wavcheck: %s: out of memory\n", path);
        exit(2);
    }
    sf_command(f, SFC_SET_NORM_FLOAT, NULL, SF_TRUE);
    sf_count_t got = sf_readf_float(f, s.x, info.frames);
    sf_close(f);
    if (got != info.frames) {
        fprintf(stderr, "wavcheck: %s: read %lld of %lld frames\n", path,
                (long long)got, (long long)info.frames);
        exit(2);
    }
    return s;
}

static double parse_num(const char *flag, const char *v)
{
    char *end = NULL;
    double d = v ? strtod(v, &end) : 0.0;
    if (!v || end == v || *end != '\0' || !isfinite(d)) {
        fprintf(stderr, "wavcheck: %s needs a number\n", flag);
        exit(2);
    }
    return d;
}

static long count_nonfinite(const sound *s)
{
    long n = 0;
    for (long i = 0; i < s->frames * s->channels; i++)
        n += !isfinite(s->x[i]);
    return n;
}

static long skip_frames(const sound *s, double seconds)
{
    long k = (long)(seconds * s->rate);
    if (k < 0)
        k = 0;
    return k < s->frames ? k : s->frames;
}

/* Long-term average power spectrum of channel 0 from frame `from` on: mean of
 * |X|^2 over Hann-windowed frames of SPEC_N with hop SPEC_HOP (a shorter tail is
 * zero-padded into one frame). Returns the number of frames averaged. */
static int average_spectrum(const sound *s, long from, double *power)
{
    float *in = fftwf_alloc_real(SPEC_N);
    fftwf_complex *out = fftwf_alloc_complex(SPEC_BINS);
    if (!in || !out) {
        fputs("wavcheck: out of memory\n", stderr);
        exit(2);
    }
    fftwf_plan plan = fftwf_plan_dft_r2c_1d(SPEC_N, in, out, FFTW_ESTIMATE);
    for (int k = 0; k < SPEC_BINS; k++)
        power[k] = 0.0;
    int frames = 0;
    for (long start = from; start < s->frames; start += SPEC_HOP) {
        for (int i = 0; i < SPEC_N; i++) {
            long t = start + i;
            double w = 0.5 - 0.5 * cos(2.0 * M_PI * i / SPEC_N);
            double v = t < s->frames ? s->x[t * s->channels] : 0.0;
            in[i] = (float)(isfinite(v) ? v * w : 0.0);
        }
        fftwf_execute(plan);
        for (int k = 0; k < SPEC_BINS; k++)
            power[k] += (double)out[k][0] * out[k][0] + (double)out[k][1] * out[k][1];
        frames++;
        if (start + SPEC_N >= s->frames)
            break;
    }
    for (int k = 0; frames > 0 && k < SPEC_BINS; k++)
        power[k] /= frames;
    fftwf_destroy_plan(plan);
    fftwf_free(in);
    fftwf_free(out);
    return frames;
}

static double centroid_hz(const double *power, int rate)
{
    double num = 0.0, den = 0.0;
    for (int k = 1; k < SPEC_BINS; k++) {
        double f = (double)k * rate / SPEC_N;
        num += f * power[k];
        den += power[k];
    }
    return den > 0.0 ? num / den : 0.0;
}

typedef struct level {
    double peak, rms_db;
} level;

static level channel0_level(const sound *s, long from)
{
    double sum = 0.0, peak = 0.0;
    for (long t = from; t < s->frames; t++) {
        double v = s->x[t * s->channels];
        if (!isfinite(v))
            continue;
        sum += v * v;
        if (fabs(v) > peak)
            peak = fabs(v);
    }
    long n = s->frames - from;
    double rms = n > 0 ? sqrt(sum / (double)n) : 0.0;
    level l = { peak, rms > 0.0 ? 20.0 * log10(rms) : -INFINITY };
    return l;
}

static int cmd_sound(int argc, char **argv)
{
    if (argc < 1)
        usage();
    const char *path = argv[0];
    double skip = 0.0, min_rms_db = -60.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--skip") && i + 1 < argc)
            skip = parse_num("--skip", argv[++i]);
        else if (!strcmp(argv[i], "--min-rms-db") && i + 1 < argc)
            min_rms_db = parse_num("--min-rms-db", argv[++i]);
        else
            usage();
    }
    sound s = load(path);
    long from = skip_frames(&s, skip);
    long nonfinite = count_nonfinite(&s);
    level l = channel0_level(&s, from);
    static double power[SPEC_BINS];
    average_spectrum(&s, from, power);
    printf("file: %s\nrate: %d\nchannels: %d\nframes: %ld\nseconds: %.3f\n", path, s.rate,
           s.channels, s.frames, (double)s.frames / s.rate);
    printf("nonfinite: %ld\npeak: %.6f\nrms_dbfs: %.2f\ncentroid_hz: %.1f\n", nonfinite, l.peak,
           l.rms_db, centroid_hz(power, s.rate));
    int rc = 0;
    if (nonfinite > 0) {
        printf("FAIL: %s: %ld non-finite samples\n", path, nonfinite);
        rc = 1;
    } else if ((double)(s.frames - from) < 0.5 * s.rate) {
        printf("FAIL: %s: only %ld frames after skipping %.2f s\n", path, s.frames - from, skip);
        rc = 1;
    } else if (!(l.rms_db >= min_rms_db)) {
        printf("FAIL: %s: RMS %.2f dBFS is below %.2f dBFS (silent)\n", path, l.rms_db,
               min_rms_db);
        rc = 1;
    }
    free(s.x);
    return rc;
}

static int cmd_same(int argc, char **argv)
{
    if (argc < 2)
        usage();
    double tol = 1e-6;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--tol") && i + 1 < argc)
            tol = parse_num("--tol", argv[++i]);
        else
            usage();
    }
    sound a = load(argv[0]), b = load(argv[1]);
    int rc = 0;
    if (a.rate != b.rate || a.channels != b.channels || a.frames != b.frames) {
        printf("FAIL: shapes differ: %d Hz x %d x %ld against %d Hz x %d x %ld\n", a.rate,
               a.channels, a.frames, b.rate, b.channels, b.frames);
        rc = 1;
    } else {
        double worst = 0.0;
        long at = 0, differing = 0;
        for (long i = 0; i < a.frames * a.channels; i++) {
            double d = fabs((double)a.x[i] - (double)b.x[i]);
            if (!(d <= worst) && !(a.x[i] == b.x[i])) { /* NaN counts as worst */
                worst = isfinite(d) ? d : INFINITY;
                at = i;
            }
            differing += a.x[i] != b.x[i];
        }
        printf("frames: %ld\nchannels: %d\nmax_abs_diff: %.3g\nworst_frame: %ld\n"
               "differing_samples: %ld\n",
               a.frames, a.channels, worst, at / a.channels, differing);
        if (!(worst <= tol)) {
            printf("FAIL: max |a - b| = %.3g at frame %ld (a %.9g, b %.9g) exceeds %.3g\n", worst,
                   at / a.channels, a.x[at], b.x[at], tol);
            rc = 1;
        }
    }
    free(a.x);
    free(b.x);
    return rc;
}

/* Moving average of power over 2 half + 1 bins (fewer at the edges). */
static void smooth_spectrum(double *p, int half)
{
    if (half <= 0)
        return;
    static double tmp[SPEC_BINS];
    for (int k = 0; k < SPEC_BINS; k++) {
        double sum = 0.0;
        int n = 0;
        for (int j = k - half; j <= k + half; j++)
            if (j >= 0 && j < SPEC_BINS) {
                sum += p[j];
                n++;
            }
        tmp[k] = sum / n;
    }
    memcpy(p, tmp, sizeof tmp);
}

static int cmd_differ(int argc, char **argv)
{
    if (argc < 2)
        usage();
    double skip = 0.0, min_db = 1.0, max_db = INFINITY, smooth_hz = SMOOTH_HZ;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--skip") && i + 1 < argc)
            skip = parse_num("--skip", argv[++i]);
        else if (!strcmp(argv[i], "--smooth-hz") && i + 1 < argc)
            smooth_hz = parse_num("--smooth-hz", argv[++i]);
        else if (!strcmp(argv[i], "--min-db") && i + 1 < argc)
            min_db = parse_num("--min-db", argv[++i]);
        else if (!strcmp(argv[i], "--max-db") && i + 1 < argc) {
            max_db = parse_num("--max-db", argv[++i]);
            min_db = -INFINITY;
        } else
            usage();
    }
    sound a = load(argv[0]), b = load(argv[1]);
    if (a.rate != b.rate) {
        printf("FAIL: rates differ: %d against %d Hz\n", a.rate, b.rate);
        free(a.x);
        free(b.x);
        return 1;
    }
    static double pa[SPEC_BINS], pb[SPEC_BINS];
    average_spectrum(&a, skip_frames(&a, skip), pa);
    average_spectrum(&b, skip_frames(&b, skip), pb);
    const int half = (int)lround(0.5 * smooth_hz / ((double)a.rate / SPEC_N));
    smooth_spectrum(pa, half);
    smooth_spectrum(pb, half);
    double peak = 0.0;
    for (int k = 0; k < SPEC_BINS; k++) {
        peak = pa[k] > peak ? pa[k] : peak;
        peak = pb[k] > peak ? pb[k] : peak;
    }
    /* One floor, 60 dB below the louder spectrum's peak bin: the comparison is
     * about the partials and formants, not about bins deep in the noise floor
     * (whose dB values swing widely between two renders of one sound). */
    double floor_p = peak > 0.0 ? peak * 1e-6 : 1e-30;
    double top = a.rate / 2.0 < 16000.0 ? a.rate / 2.0 : 16000.0;
    double sum = 0.0;
    int n = 0;
    for (int k = 0; k < SPEC_BINS; k++) {
        double f = (double)k * a.rate / SPEC_N;
        if (f < 20.0 || f > top)
            continue;
        double da = 10.0 * log10(pa[k] > floor_p ? pa[k] : floor_p);
        double db = 10.0 * log10(pb[k] > floor_p ? pb[k] : floor_p);
        sum += (da - db) * (da - db);
        n++;
    }
    double dist = n > 0 ? sqrt(sum / n) : 0.0;
    level la = channel0_level(&a, skip_frames(&a, skip));
    level lb = channel0_level(&b, skip_frames(&b, skip));
    printf("spectral_distance_db: %.2f\ncentroid_a_hz: %.1f\ncentroid_b_hz: %.1f\n"
           "rms_a_dbfs: %.2f\nrms_b_dbfs: %.2f\n",
           dist, centroid_hz(pa, a.rate), centroid_hz(pb, b.rate), la.rms_db, lb.rms_db);
    int rc = 0;
    if (!(dist >= min_db)) {
        printf("FAIL: %s and %s: spectra differ by %.2f dB, less than %.2f dB\n", argv[0],
               argv[1], dist, min_db);
        rc = 1;
    } else if (!(dist <= max_db)) {
        printf("FAIL: %s and %s: spectra differ by %.2f dB, more than %.2f dB\n", argv[0],
               argv[1], dist, max_db);
        rc = 1;
    }
    free(a.x);
    free(b.x);
    return rc;
}

/* Correlation peaks screened, and how many of the best screened get the full
 * comparison: a steady drone repeats every period, so within seconds of lag
 * it has thousands of peaks nearly as high as the right one. */
enum { LAG_CANDIDATES = 8192, LAG_FINALISTS = 16, SCREEN_STRIDE = 97 };

/* Candidate lags of b against a (b[t] ~ a[t + lag]) within +-max_lag frames:
 * the highest local maxima of the cross-correlation of channel 0 from frame
 * `from` on (by FFT), each divided by its overlap length. A nearly periodic
 * sound correlates almost as well one period off, so the caller picks among
 * these by the actual difference. Returns how many were found. */
static int candidate_lags(const sound *a, const sound *b, long from, long max_lag,
                          long lags[LAG_CANDIDATES])
{
    long na = a->frames - from, nb = b->frames - from;
    int size = 1;
    while (size < na + nb)
        size *= 2;
    int bins = size / 2 + 1;
    float *x = fftwf_alloc_real((size_t)size), *y = fftwf_alloc_real((size_t)size);
    fftwf_complex *X = fftwf_alloc_complex((size_t)bins), *Y = fftwf_alloc_complex((size_t)bins);
    if (!x || !y || !X || !Y) {
        fputs("wavcheck: out of memory\n", stderr);
        exit(2);
    }
    memset(x, 0, sizeof(float) * (size_t)size);
    memset(y, 0, sizeof(float) * (size_t)size);
    for (long t = 0; t < na; t++) {
        float v = a->x[(from + t) * a->channels];
        x[t] = isfinite(v) ? v : 0.0f;
    }
    for (long t = 0; t < nb; t++) {
        float v = b->x[(from + t) * b->channels];
        y[t] = isfinite(v) ? v : 0.0f;
    }
    fftwf_plan px = fftwf_plan_dft_r2c_1d(size, x, X, FFTW_ESTIMATE);
    fftwf_plan py = fftwf_plan_dft_r2c_1d(size, y, Y, FFTW_ESTIMATE);
    fftwf_execute(px);
    fftwf_execute(py);
    for (int k = 0; k < bins; k++) { /* X conj(Y): r[lag] = sum_t x[t + lag] y[t] */
        float re = X[k][0] * Y[k][0] + X[k][1] * Y[k][1];
        float im = X[k][1] * Y[k][0] - X[k][0] * Y[k][1];
        X[k][0] = re;
        X[k][1] = im;
    }
    fftwf_plan pr = fftwf_plan_dft_c2r_1d(size, X, x, FFTW_ESTIMATE);
    fftwf_execute(pr);

    double score[LAG_CANDIDATES];
    for (int i = 0; i < LAG_CANDIDATES; i++)
        score[i] = -INFINITY;
    int found = 0;
    double prev2 = -INFINITY, prev = -INFINITY;
    for (long lag = -max_lag; lag <= max_lag + 1; lag++) {
        double r = -INFINITY;
        long overlap = (lag >= 0 ? (na - lag < nb ? na - lag : nb) : (nb + lag < na ? nb + lag : na));
        if (lag <= max_lag && overlap > 0)
            r = x[((lag % size) + size) % size] / (double)overlap;
        if (prev > prev2 && prev >= r) { /* local maximum at lag - 1 */
            int slot = found < LAG_CANDIDATES ? found++ : LAG_CANDIDATES - 1;
            if (slot < LAG_CANDIDATES - 1 || prev > score[slot]) {
                score[slot] = prev;
                lags[slot] = lag - 1;
                for (int i = slot; i > 0 && score[i] > score[i - 1]; i--) {
                    double ts = score[i];
                    score[i] = score[i - 1];
                    score[i - 1] = ts;
                    long tl = lags[i];
                    lags[i] = lags[i - 1];
                    lags[i - 1] = tl;
                }
            }
        }
        prev2 = prev;
        prev = r;
    }
    fftwf_destroy_plan(px);
    fftwf_destroy_plan(py);
    fftwf_destroy_plan(pr);
    fftwf_free(x);
    fftwf_free(y);
    fftwf_free(X);
    fftwf_free(Y);
    return found;
}

typedef struct aligned_diff {
    double worst, diff_db;
    long overlap;
} aligned_diff;

/* Channel 0 of b against a shifted by lag, both from frame `from` on, every
 * stride-th frame. */
static aligned_diff diff_at(const sound *a, const sound *b, long from, long lag, long stride)
{
    aligned_diff d = { 0.0, -INFINITY, 0 };
    double sum = 0.0, ref = 0.0;
    for (long t = from; t < b->frames; t += stride) {
        long u = t + lag;
        if (u < from || u >= a->frames)
            continue;
        double va = a->x[u * a->channels], vb = b->x[t * b->channels];
        double e = fabs(va - vb);
        if (!(e <= d.worst))
            d.worst = isfinite(e) ? e : INFINITY;
        sum += e * e;
        ref += va * va;
        d.overlap++;
    }
    if (sum > 0.0 && ref > 0.0)
        d.diff_db = 10.0 * log10(sum / ref);
    return d;
}

static int cmd_aligned(int argc, char **argv)
{
    if (argc < 2)
        usage();
    double tol = 1e-6, skip = 0.5, max_lag_s = 1.0, min_overlap_s = 1.0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--tol") && i + 1 < argc)
            tol = parse_num("--tol", argv[++i]);
        else if (!strcmp(argv[i], "--skip") && i + 1 < argc)
            skip = parse_num("--skip", argv[++i]);
        else if (!strcmp(argv[i], "--max-lag") && i + 1 < argc)
            max_lag_s = parse_num("--max-lag", argv[++i]);
        else if (!strcmp(argv[i], "--min-overlap") && i + 1 < argc)
            min_overlap_s = parse_num("--min-overlap", argv[++i]);
        else
            usage();
    }
    sound a = load(argv[0]), b = load(argv[1]);
    int rc = 0;
    if (a.rate != b.rate) {
        printf("FAIL: rates differ: %d against %d Hz\n", a.rate, b.rate);
        rc = 1;
    } else {
        long from = skip_frames(&a, skip);
        static long lags[LAG_CANDIDATES];
        int n = candidate_lags(&a, &b, from, (long)(max_lag_s * a.rate), lags);
        /* Screen every peak on a sparse grid of frames, then compare the
         * finalists frame by frame. */
        long fin[LAG_FINALISTS];
        double fin_db[LAG_FINALISTS];
        int nf = 0;
        const long min_overlap = (long)(min_overlap_s * a.rate);
        for (int i = 0; i < n; i++) {
            aligned_diff q = diff_at(&a, &b, from, lags[i], SCREEN_STRIDE);
            if (q.overlap * SCREEN_STRIDE < min_overlap)
                continue;
            int slot;
            if (nf < LAG_FINALISTS)
                slot = nf++;
            else if (q.diff_db < fin_db[LAG_FINALISTS - 1])
                slot = LAG_FINALISTS - 1;
            else
                continue;
            fin[slot] = lags[i];
            fin_db[slot] = q.diff_db;
            for (int j = slot; j > 0 && fin_db[j] < fin_db[j - 1]; j--) {
                double td = fin_db[j];
                fin_db[j] = fin_db[j - 1];
                fin_db[j - 1] = td;
                long tl = fin[j];
                fin[j] = fin[j - 1];
                fin[j - 1] = tl;
            }
        }
        long best_lag = 0;
        aligned_diff best = { INFINITY, INFINITY, 0 };
        for (int i = 0; i < nf; i++) {
            aligned_diff d = diff_at(&a, &b, from, fin[i], 1);
            if (d.overlap >= min_overlap && d.diff_db < best.diff_db) {
                best = d;
                best_lag = fin[i];
            }
        }
        printf("lag_frames: %ld\noverlap_frames: %ld\nmax_abs_diff_aligned: %.3g\n"
               "diff_to_signal_db_aligned: %.1f\n",
               best_lag, best.overlap, best.worst, best.diff_db);
        if (!(best.worst <= tol)) {
            printf("FAIL: no lag within +-%.2f s makes them agree to %.3g (best: %.3g at lag %ld)\n",
                   max_lag_s, tol, best.worst, best_lag);
            rc = 1;
        }
    }
    free(a.x);
    free(b.x);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    if (!strcmp(argv[1], "aligned"))
        return cmd_aligned(argc - 2, argv + 2);
    if (!strcmp(argv[1], "sound"))
        return cmd_sound(argc - 2, argv + 2);
    if (!strcmp(argv[1], "same"))
        return cmd_same(argc - 2, argv + 2);
    if (!strcmp(argv[1], "differ"))
        return cmd_differ(argc - 2, argv + 2);
    usage();
    return 2;
}

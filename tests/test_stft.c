/* test_stft.c — unit test of core/stft: argument checks, the periodic Hann
 * window and the forward scaling against a direct double-precision DFT, the
 * full-scale-sine reading, perfect reconstruction of whole-signal analysis and
 * synthesis over many FFT sizes and hops, frame-by-frame streaming against the
 * whole-signal path, and proof that the reconstruction check catches plausible
 * normalisation bugs. References are computed here, independently of stft.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "stft.h"

static const double two_pi = 6.283185307179586476925;

/* Reconstruction passes when max |y - x| <= RECON_TOL * max |x|. */
#define RECON_TOL 1e-5

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        printf("FAIL: out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return p;
}

static anc_stft *make(int n_fft, int hop)
{
    anc_stft *st = NULL;
    anc_error err;
    anc_error_clear(&err);
    if (anc_stft_create(&st, n_fft, hop, &err) != ANC_OK || !st) {
        printf("FAIL: anc_stft_create(%d, %d): %s\n", n_fft, hop, err.message);
        exit(1);
    }
    return st;
}

static double ref_hann(int m, int n) { return 0.5 - 0.5 * cos(two_pi * m / n); }

/* Noise plus a few sines and a click, peak about 1. */
static void test_signal(float *x, size_t n, uint64_t seed)
{
    anc_rng r;
    anc_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.3 * (2.0 * anc_rng_uniform(&r) - 1.0) + 0.4 * sin(0.0123 * (double)i) +
                       0.2 * sin(1.1 * (double)i + 0.3));
    if (n > 3)
        x[n / 3] = 0.95f;
}

static double max_abs(const float *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > m)
            m = fabs(x[i]);
    return m;
}

/* max |y - x| / max |x|; NaN anywhere gives infinity. */
static double recon_error(const float *x, const float *y, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)y[i] - (double)x[i]);
        if (!(d <= worst))
            worst = isnan(d) ? INFINITY : d;
    }
    double peak = max_abs(x, n);
    return peak > 0.0 ? worst / peak : worst;
}

static int recon_ok(double rel) { return rel <= RECON_TOL; }

static void test_invalid(void)
{
    static const int bad[][2] = {
        {0, 0},     {-256, 64}, {254, 64},  {255, 64},    {257, 64}, {1001, 250},
        {16385, 64}, {16386, 64}, {32768, 64}, {1024, 0},   {1024, -1}, {1024, 513},
        {256, 129}, {8192, 4097},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        anc_stft *st = (anc_stft *)&st; /* must be overwritten with NULL */
        anc_error err;
        anc_error_clear(&err);
        anc_status s = anc_stft_create(&st, bad[i][0], bad[i][1], &err);
        check_true(s == ANC_E_INVALID && err.status == ANC_E_INVALID && st == NULL &&
                       err.message[0] != '\0' && !strchr(err.message, '\n'),
                   "create(%d, %d) should fail with a one-line message: status %d, message '%s'",
                   bad[i][0], bad[i][1], (int)s, err.message);
        if (i == 0 || i == 9)
            printf("ok rejected (%d, %d): %s\n", bad[i][0], bad[i][1], err.message);
        anc_stft *st2 = NULL;
        check_true(anc_stft_create(&st2, bad[i][0], bad[i][1], NULL) == ANC_E_INVALID && !st2,
                   "create(%d, %d) with err = NULL should fail quietly", bad[i][0], bad[i][1]);
    }
    check_true(anc_stft_create(NULL, 1024, 256, NULL) == ANC_E_INVALID, "create(NULL out) fails");
    anc_stft_free(NULL);

    static const int good[][2] = {{256, 1}, {256, 128}, {258, 129}, {8192, 4096}, {1000, 250}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        anc_stft *st = NULL;
        anc_status s = anc_stft_create(&st, good[i][0], good[i][1], NULL);
        check_true(s == ANC_OK && st, "create(%d, %d) should succeed", good[i][0], good[i][1]);
        if (st)
            check_true(anc_stft_n_fft(st) == good[i][0] && anc_stft_hop(st) == good[i][1] &&
                           anc_stft_n_bins(st) == good[i][0] / 2 + 1,
                       "accessors of (%d, %d)", good[i][0], good[i][1]);
        anc_stft_free(st);
    }

    /* synthesize insists on the frame count that analysis produces */
    anc_stft *st = make(1024, 256);
    float re[513] = {0}, im[513] = {0}, y[16];
    anc_error err;
    anc_error_clear(&err);
    size_t need = anc_stft_num_frames(st, 16);
    anc_status s = anc_stft_synthesize(st, re, im, 1, y, 16, &err);
    check_true(need == 4 && s == ANC_E_INVALID && err.message[0],
               "synthesize with 1 frame for 16 samples (needs %zu) should fail: %d '%s'", need,
               (int)s, err.message);
    printf("ok rejected synthesis: %s\n", err.message);
    anc_stft_free(st);
}

static void test_num_frames(void)
{
    static const int cfg[][2] = {{256, 64}, {1024, 300}, {1000, 250}, {256, 1}};
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        anc_stft *st = make(cfg[c][0], cfg[c][1]);
        size_t hop = (size_t)cfg[c][1], pad = (size_t)(cfg[c][0] - cfg[c][1]);
        for (size_t n = 0; n < 3000; n += (n < 700 ? 1 : 37)) {
            size_t want = n ? (n + pad + hop - 1) / hop : 0;
            size_t got = anc_stft_num_frames(st, n);
            if (!check_true(got == want, "num_frames(%zu) for (%d, %d) = %zu, want %zu", n,
                            cfg[c][0], cfg[c][1], got, want))
                break;
        }
        anc_stft_free(st);
    }
}

/* The window is the periodic Hann (w[0] = 0, w[N/2] = 1, no zero at N-1), and
 * the forward transform is (2 / sum w) * DFT(w x), checked against a direct
 * O(N^2) DFT in double. */
static void test_forward_reference(int n_fft, int hop)
{
    anc_stft *st = make(n_fft, hop);
    const int nb = n_fft / 2 + 1;
    double *w = xmalloc(sizeof(double) * (size_t)n_fft);
    double *got_w = xmalloc(sizeof(double) * (size_t)n_fft);
    float *x = xmalloc(sizeof(float) * (size_t)n_fft);
    float *re = xmalloc(sizeof(float) * (size_t)nb), *im = xmalloc(sizeof(float) * (size_t)nb);
    float *mag = xmalloc(sizeof(float) * (size_t)nb);
    double *rre = xmalloc(sizeof(double) * (size_t)nb), *rim = xmalloc(sizeof(double) * (size_t)nb);
    double *gre = xmalloc(sizeof(double) * (size_t)nb), *gim = xmalloc(sizeof(double) * (size_t)nb);
    double *rmag = xmalloc(sizeof(double) * (size_t)nb), *gmag = xmalloc(sizeof(double) * (size_t)nb);
    char what[64];

    const float *sw = anc_stft_window(st);
    for (int m = 0; m < n_fft; m++) {
        w[m] = ref_hann(m, n_fft);
        got_w[m] = sw[m];
    }
    snprintf(what, sizeof what, "hann window %d", n_fft);
    check_close_d(what, got_w, w, (size_t)n_fft, 1e-7, 0.0);

    test_signal(x, (size_t)n_fft, 7 + (uint64_t)n_fft);
    anc_stft_forward(st, x, re, im);
    anc_stft_magnitude(st, x, mag);
    const double c = 2.0 / (n_fft / 2.0); /* sum of a periodic Hann is N/2 */
    double peak = 0.0;
    for (int k = 0; k < nb; k++) {
        double a = 0.0, b = 0.0;
        for (int m = 0; m < n_fft; m++) {
            double ph = two_pi * (double)((long long)k * m % n_fft) / n_fft;
            a += w[m] * x[m] * cos(ph);
            b -= w[m] * x[m] * sin(ph);
        }
        rre[k] = c * a;
        rim[k] = c * b;
        rmag[k] = hypot(rre[k], rim[k]);
        gre[k] = re[k];
        gim[k] = im[k];
        gmag[k] = mag[k];
        if (rmag[k] > peak)
            peak = rmag[k];
    }
    /* float FFT error is relative to the spectrum's scale, not to each bin */
    double atol = 2e-6 * peak;
    snprintf(what, sizeof what, "forward re vs DFT %d", n_fft);
    check_close_d(what, gre, rre, (size_t)nb, atol, 0.0);
    snprintf(what, sizeof what, "forward im vs DFT %d", n_fft);
    check_close_d(what, gim, rim, (size_t)nb, atol, 0.0);
    snprintf(what, sizeof what, "magnitude vs DFT %d", n_fft);
    check_close_d(what, gmag, rmag, (size_t)nb, atol, 0.0);

    /* NULL outputs are allowed and do not change the other one */
    anc_stft_forward(st, x, NULL, im);
    anc_stft_forward(st, x, re, NULL);
    for (int k = 0; k < nb; k++) {
        gre[k] = re[k];
        gim[k] = im[k];
    }
    snprintf(what, sizeof what, "forward re (im NULL) %d", n_fft);
    check_close_d(what, gre, rre, (size_t)nb, atol, 0.0);
    snprintf(what, sizeof what, "forward im (re NULL) %d", n_fft);
    check_close_d(what, gim, rim, (size_t)nb, atol, 0.0);

    free(w), free(got_w), free(x), free(re), free(im), free(mag);
    free(rre), free(rim), free(gre), free(gim), free(rmag), free(gmag);
    anc_stft_free(st);
}

/* A full-scale sine centred on bin k reads 1.0 there, 0.5 in bins k +- 1 (the
 * periodic Hann's main lobe) and ~0 beyond, in frames fully inside the signal. */
static void test_sine(int n_fft, int hop, int k, double phase)
{
    anc_stft *st = make(n_fft, hop);
    const int nb = n_fft / 2 + 1;
    const size_t n = (size_t)n_fft * 6 + 77;
    const size_t frames = anc_stft_num_frames(st, n), pad = (size_t)(n_fft - hop);
    float *x = xmalloc(sizeof(float) * n);
    float *mag = xmalloc(sizeof(float) * frames * (size_t)nb);
    float *one = xmalloc(sizeof(float) * (size_t)nb);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)sin(two_pi * (double)k * (double)i / n_fft + phase);
    anc_stft_analyze_magnitude(st, x, n, mag);

    double worst = 0.0, worst_side = 0.0, worst_far = 0.0, reading = 0.0;
    size_t checked = 0;
    for (size_t t = 0; t < frames; t++) {
        size_t start = t * (size_t)hop;
        if (start < pad || start - pad + (size_t)n_fft > n)
            continue; /* touches the padding */
        const float *f = mag + t * (size_t)nb;
        reading = f[k];
        worst = fmax(worst, fabs(f[k] - 1.0));
        worst_side = fmax(worst_side, fmax(fabs(f[k - 1] - 0.5), fabs(f[k + 1] - 0.5)));
        for (int b = 0; b < nb; b++)
            if (b < k - 1 || b > k + 1)
                worst_far = fmax(worst_far, f[b]);
        /* the per-frame path reads the same */
        anc_stft_magnitude(st, x + start - pad, one);
        worst = fmax(worst, fabs(one[k] - 1.0));
        checked++;
    }
    check_true(checked >= 3, "sine (%d, %d): only %zu interior frames", n_fft, hop, checked);
    check_true(worst <= 1e-3 && worst_side <= 1e-3 && worst_far <= 1e-3,
               "sine n_fft %d hop %d bin %d: |bin - 1| %.3g, |side - 0.5| %.3g, far %.3g", n_fft,
               hop, k, worst, worst_side, worst_far);
    printf("%s sine n_fft %d hop %d bin %d phase %.2f: reads %.7f (worst |bin-1| %.2g over %zu "
           "frames, sides |x-0.5| %.2g, far bins <= %.2g)\n",
           worst <= 1e-3 ? "ok" : "FAIL", n_fft, hop, k, phase, reading, worst, checked,
           worst_side, worst_far);
    free(x), free(mag), free(one);
    anc_stft_free(st);
}

/* analyze -> synthesize reproduces x to RECON_TOL relative; returns the error. */
static double roundtrip(int n_fft, int hop, size_t n, int verbose)
{
    anc_stft *st = make(n_fft, hop);
    const size_t nb = (size_t)(n_fft / 2 + 1), frames = anc_stft_num_frames(st, n);
    float *x = xmalloc(sizeof(float) * n), *y = xmalloc(sizeof(float) * n);
    float *re = xmalloc(sizeof(float) * frames * nb), *im = xmalloc(sizeof(float) * frames * nb);
    float *mag = xmalloc(sizeof(float) * frames * nb);
    anc_error err;
    anc_error_clear(&err);
    test_signal(x, n, (uint64_t)n_fft * 31 + (uint64_t)hop);
    anc_stft_analyze(st, x, n, re, im);
    anc_status s = anc_stft_synthesize(st, re, im, frames, y, n, &err);
    check_true(s == ANC_OK, "synthesize (%d, %d, n %zu): %s", n_fft, hop, n, err.message);
    double rel = recon_error(x, y, n);
    char what[80];
    snprintf(what, sizeof what, "roundtrip n_fft %d hop %d n %zu", n_fft, hop, n);
    if (verbose || !recon_ok(rel)) {
        check_close_f(what, y, x, n, RECON_TOL * max_abs(x, n), 0.0);
        printf("   relative reconstruction error %.3g (limit %.0e)\n", rel, RECON_TOL);
    } else {
        check_true(recon_ok(rel), "%s: relative error %.3g", what, rel);
    }

    /* the magnitude path agrees with |re + i im| of the complex path */
    anc_stft_analyze_magnitude(st, x, n, mag);
    double worst = 0.0;
    for (size_t i = 0; i < frames * nb; i++)
        worst = fmax(worst, fabs(mag[i] - hypot(re[i], im[i])));
    check_true(worst <= 1e-6, "%s: analyze_magnitude differs from |re, im| by %.3g", what, worst);
    free(x), free(y), free(re), free(im), free(mag);
    anc_stft_free(st);
    return rel;
}

/* Frame-by-frame: forward on explicitly padded frames and the caller's own
 * overlap-add of anc_stft_inverse must match the whole-signal path. Then the
 * same with frames on an arbitrary origin (as the real-time engine has): every
 * sample covered by the full set of frames comes back. */
static void test_streaming(int n_fft, int hop)
{
    anc_stft *st = make(n_fft, hop);
    const size_t nb = (size_t)(n_fft / 2 + 1), N = (size_t)n_fft, H = (size_t)hop;
    const size_t n = 7 * N + 55, pad = N - H;
    const size_t frames = anc_stft_num_frames(st, n);
    const size_t padded_len = frames * H + N; /* room for the last frame */
    float *x = xmalloc(sizeof(float) * n), *y = xmalloc(sizeof(float) * n);
    float *xp = xmalloc(sizeof(float) * padded_len), *yp = xmalloc(sizeof(float) * padded_len);
    float *re = xmalloc(sizeof(float) * frames * nb), *im = xmalloc(sizeof(float) * frames * nb);
    float *fre = xmalloc(sizeof(float) * nb), *fim = xmalloc(sizeof(float) * nb);
    float *frame = xmalloc(sizeof(float) * N);
    char what[80];
    test_signal(x, n, 99 + (uint64_t)hop);
    memset(xp, 0, sizeof(float) * padded_len);
    memset(yp, 0, sizeof(float) * padded_len);
    memcpy(xp + pad, x, sizeof(float) * n);

    anc_stft_analyze(st, x, n, re, im);
    if (anc_stft_synthesize(st, re, im, frames, y, n, NULL) != ANC_OK)
        check_true(0, "synthesize failed for (%d, %d)", n_fft, hop);

    double worst_spec = 0.0;
    for (size_t t = 0; t < frames; t++) {
        anc_stft_forward(st, xp + t * H, fre, fim);
        for (size_t k = 0; k < nb; k++)
            worst_spec = fmax(worst_spec, fmax(fabs(fre[k] - re[t * nb + k]),
                                               fabs(fim[k] - im[t * nb + k])));
        anc_stft_inverse(st, fre, fim, frame);
        for (size_t m = 0; m < N; m++)
            yp[t * H + m] += frame[m];
    }
    snprintf(what, sizeof what, "streaming spectra (%d, %d)", n_fft, hop);
    check_true(worst_spec <= 1e-6, "%s differ from analyze by %.3g", what, worst_spec);
    printf("%s %s vs analyze: worst |diff| %.3g\n", worst_spec <= 1e-6 ? "ok" : "FAIL", what,
           worst_spec);
    snprintf(what, sizeof what, "streaming OLA vs synthesize (%d, %d)", n_fft, hop);
    check_close_f(what, yp + pad, y, n, 1e-6, 0.0);
    double rel = recon_error(x, yp + pad, n);
    check_true(recon_ok(rel), "streaming (%d, %d): relative error %.3g", n_fft, hop, rel);
    printf("%s streaming OLA (%d, %d) vs x: relative error %.3g\n", recon_ok(rel) ? "ok" : "FAIL",
           n_fft, hop, rel);

    /* arbitrary origin: frames start at o + t*hop over the padded signal */
    const size_t o = H / 3 + 1;
    memset(yp, 0, sizeof(float) * padded_len);
    for (size_t s = o; s + N <= padded_len; s += H) {
        anc_stft_forward(st, xp + s, fre, fim);
        anc_stft_inverse(st, fre, fim, frame);
        for (size_t m = 0; m < N; m++)
            yp[s + m] += frame[m];
    }
    /* fully covered: from o + N - H up to the start of the last frame + H */
    size_t last = o + ((padded_len - N - o) / H) * H;
    size_t lo = o + N - H, hi = last + H;
    rel = recon_error(xp + lo, yp + lo, hi - lo);
    check_true(recon_ok(rel), "streaming (%d, %d) origin %zu: relative error %.3g", n_fft, hop, o,
               rel);
    printf("%s streaming (%d, %d) frame origin %zu: relative error %.3g over %zu samples\n",
           recon_ok(rel) ? "ok" : "FAIL", n_fft, hop, o, rel, hi - lo);

    free(x), free(y), free(xp), free(yp), free(re), free(im), free(fre), free(fim), free(frame);
    anc_stft_free(st);
}

/* The reconstruction check must reject what plausible bugs produce: a scale
 * slightly off, a constant normalisation where S[j] varies (hop not dividing
 * n_fft), a symmetric instead of periodic window, and a one-sample shift. */
static void test_check_can_fail(void)
{
    const int n_fft = 1024, hop = 300;
    anc_stft *st = make(n_fft, hop);
    const size_t nb = (size_t)(n_fft / 2 + 1), n = 9000, frames = anc_stft_num_frames(st, n);
    const size_t pad = (size_t)(n_fft - hop);
    float *x = xmalloc(sizeof(float) * n), *y = xmalloc(sizeof(float) * n);
    float *bad = xmalloc(sizeof(float) * n);
    float *re = xmalloc(sizeof(float) * frames * nb), *im = xmalloc(sizeof(float) * frames * nb);
    double S[300], S_mean = 0.0, S_sym[300];
    test_signal(x, n, 5);
    anc_stft_analyze(st, x, n, re, im);
    anc_stft_synthesize(st, re, im, frames, y, n, NULL);
    double good = recon_error(x, y, n);
    check_true(recon_ok(good), "baseline reconstruction fails: %.3g", good);

    /* independent window-square sums, periodic and symmetric Hann */
    for (int j = 0; j < hop; j++) {
        S[j] = S_sym[j] = 0.0;
        for (int m = j; m < n_fft; m += hop) {
            double w = ref_hann(m, n_fft);
            double ws = 0.5 - 0.5 * cos(two_pi * m / (n_fft - 1));
            S[j] += w * w;
            S_sym[j] += ws * ws;
        }
        S_mean += S[j] / hop;
    }

    struct {
        const char *name;
        double rel;
    } cases[4];
    for (size_t i = 0; i < n; i++)
        bad[i] = (float)(y[i] * (1.0 + 1e-4));
    cases[0].name = "scale off by 1e-4";
    cases[0].rel = recon_error(x, bad, n);
    for (size_t i = 0; i < n; i++)
        bad[i] = (float)(y[i] * S[(i + pad) % (size_t)hop] / S_mean);
    cases[1].name = "constant sum(w^2)/hop instead of S[j]";
    cases[1].rel = recon_error(x, bad, n);
    for (size_t i = 0; i < n; i++) /* windows applied as symmetric Hann, normalised as periodic */
        bad[i] = (float)(y[i] * S_sym[(i + pad) % (size_t)hop] / S[(i + pad) % (size_t)hop]);
    cases[2].name = "symmetric Hann";
    cases[2].rel = recon_error(x, bad, n);
    for (size_t i = 0; i < n; i++)
        bad[i] = i ? y[i - 1] : 0.0f;
    cases[3].name = "one-sample shift";
    cases[3].rel = recon_error(x, bad, n);
    for (int c = 0; c < 4; c++) {
        check_true(!recon_ok(cases[c].rel), "the check would accept '%s' (error %.3g)",
                   cases[c].name, cases[c].rel);
        printf("%s sabotage '%s' caught: relative error %.3g > %.0e (correct: %.3g)\n",
               recon_ok(cases[c].rel) ? "FAIL" : "ok", cases[c].name, cases[c].rel, RECON_TOL,
               good);
    }
    free(x), free(y), free(bad), free(re), free(im);
    anc_stft_free(st);
}

int main(void)
{
    test_invalid();
    test_num_frames();
    test_forward_reference(256, 64);
    test_forward_reference(1000, 250);
    test_forward_reference(1024, 300);

    test_sine(256, 64, 10, 0.0);
    test_sine(1024, 256, 37, 0.7);
    test_sine(1000, 250, 123, 1.3);
    test_sine(2048, 512, 500, 0.2);
    test_sine(8192, 2048, 4000, 2.0);

    static const int cfg[][2] = {
        {256, 64},    {512, 128},  {1024, 256}, {1024, 128}, {2048, 512}, {4096, 1024},
        {8192, 2048}, {1000, 250}, {1024, 300}, {256, 1},    {256, 128},  {8192, 4096},
        {258, 129},   {2000, 777}, {1024, 512},
    };
    double worst = 0.0;
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        size_t n = (size_t)cfg[c][0] * 5 + 123;
        worst = fmax(worst, roundtrip(cfg[c][0], cfg[c][1], n, 1));
    }
    /* signals shorter than one hop, one hop, one frame */
    static const size_t short_n[] = {1, 2, 63, 64, 65, 255, 256, 257, 299, 300, 301, 1023, 1024};
    for (size_t i = 0; i < sizeof short_n / sizeof short_n[0]; i++) {
        worst = fmax(worst, roundtrip(256, 64, short_n[i], 0));
        worst = fmax(worst, roundtrip(1024, 300, short_n[i], 0));
    }
    printf("worst relative reconstruction error over all sizes: %.3g\n", worst);

    test_streaming(1024, 256);
    test_streaming(1024, 300);
    test_streaming(1000, 250);
    test_streaming(256, 1);

    test_check_can_fail();
    return check_exit();
}

/* peak_sgemm.c — ancestral-bench-sgemm: how fast this machine's OpenBLAS
 * cblas_sgemm runs, as the yardstick for the trainer's throughput.
 *
 *   ancestral-bench-sgemm [--threads T] [--size N] [--repeats R]
 *                         [--batch B] [--bins D] [--hidden A,B] [--latent L]
 *
 * Prints key: value lines:
 *   peak_sgemm_gflops      best of R runs of one N x N x N product (default 2048,
 *                          2 threads, 5 runs): the most the trainer's BLAS can give
 *   sgemm_<M>x<N>x<K>_<op>_gflops
 *                          each distinct product of one training step at the
 *                          trainer's shapes (batch 256, 513 bins, 512,256 hidden,
 *                          16 latent by default), laid out exactly as core/nn_blas.c
 *                          calls them: "nt" forward, "tn" weight gradient, "nn"
 *                          input gradient
 *   step_sgemm_ms, step_sgemm_gflops, step_sgemm_frames_per_second
 *                          all the products of one training step back to back:
 *                          the trainer's speed if it did nothing but sgemm
 * Not installed; meson builds it for tools/bench/train-bench.sh. Exit status 0,
 * 1 out of memory, 2 bad usage. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LAYERS 16
#define MAX_CALLS (3 * MAX_LAYERS)

/* One sgemm call: C[M][N] (+)= op(A) op(B), row-major, as core/nn_blas.c issues it. */
typedef struct call {
    int M, N, K;
    char op[3]; /* "nt", "tn" or "nn": transposition of A and B */
} call;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "ancestral-bench-sgemm: %s '%s' (see the header of tools/bench/peak_sgemm.c)\n",
            msg, arg);
    exit(2);
}

static int parse_int(const char *opt, const char *s, int lo, int hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        die_usage(opt, s);
    return (int)v;
}

static void run(const call *c, const float *A, const float *B, float *C)
{
    /* Leading dimensions follow from the stored shapes: A is [M][K] or, when
     * transposed, [K][M]; B is [K][N] or, transposed, [N][K]. */
    int ta = c->op[0] == 't', tb = c->op[1] == 't';
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                c->M, c->N, c->K, 1.0f, A, ta ? c->M : c->K, B, tb ? c->K : c->N, 1.0f, C, c->N);
}

/* Best seconds per call over repeats, after one untimed call that warms the
 * caches and wakes OpenBLAS's threads. */
static double best_time(const call *c, const float *A, const float *B, float *C, int repeats)
{
    run(c, A, B, C);
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        double t = now();
        run(c, A, B, C);
        t = now() - t;
        if (t < best)
            best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    int threads = 2, size = 2048, repeats = 5, batch = 256, bins = 513, latent = 16;
    int n_hidden = 2, hidden[MAX_LAYERS] = {512, 256};
    for (int i = 1; i < argc; i += 2) { /* option, value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            die_usage("option without a value", a);
        if (!strcmp(a, "--threads"))
            threads = parse_int(a, v, 1, 256);
        else if (!strcmp(a, "--size"))
            size = parse_int(a, v, 16, 16384);
        else if (!strcmp(a, "--repeats"))
            repeats = parse_int(a, v, 1, 1000);
        else if (!strcmp(a, "--batch"))
            batch = parse_int(a, v, 1, 65536);
        else if (!strcmp(a, "--bins"))
            bins = parse_int(a, v, 1, 65536);
        else if (!strcmp(a, "--latent"))
            latent = parse_int(a, v, 1, 4096);
        else if (!strcmp(a, "--hidden")) {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            n_hidden = 0;
            for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
                if (n_hidden < MAX_LAYERS / 2 - 1)
                    hidden[n_hidden++] = parse_int("--hidden", tok, 1, 65536);
                else
                    die_usage("too many hidden layers in", v);
            if (!n_hidden)
                die_usage("empty", a);
        } else
            die_usage("unknown option", a);
    }
    openblas_set_num_threads(threads);

    /* The dense layers of core/vae.h as (in, out): the encoder D -> hidden..., the two
     * heads, the decoder L -> reversed hidden..., the output layer -> D. */
    int lin[MAX_LAYERS], lout[MAX_LAYERS], nl = 0;
    int prev = bins;
    for (int i = 0; i < n_hidden; i++) {
        lin[nl] = prev, lout[nl++] = hidden[i];
        prev = hidden[i];
    }
    lin[nl] = prev, lout[nl++] = latent; /* mu */
    lin[nl] = prev, lout[nl++] = latent; /* logvar */
    prev = latent;
    for (int i = n_hidden - 1; i >= 0; i--) {
        lin[nl] = prev, lout[nl++] = hidden[i];
        prev = hidden[i];
    }
    lin[nl] = prev, lout[nl++] = bins;

    /* The calls of one step: forward out[B][OUT] += in . W^T; backward
     * dW[OUT][IN] += dout^T . in and din[B][IN] = dout . W, except for the first
     * encoder layer, whose input gradient the trainer does not ask for. */
    call calls[MAX_CALLS];
    int nc = 0;
    for (int l = 0; l < nl; l++)
        calls[nc++] = (call){batch, lout[l], lin[l], "nt"};
    for (int l = 0; l < nl; l++) {
        calls[nc++] = (call){lout[l], lin[l], batch, "tn"};
        if (l != 0)
            calls[nc++] = (call){batch, lin[l], lout[l], "nn"};
    }

    size_t biggest = (size_t)size * size;
    for (int i = 0; i < nc; i++) {
        size_t a = (size_t)calls[i].M * calls[i].K, b = (size_t)calls[i].K * calls[i].N,
               c = (size_t)calls[i].M * calls[i].N;
        if (a > biggest) biggest = a;
        if (b > biggest) biggest = b;
        if (c > biggest) biggest = c;
    }
    float *A = malloc(biggest * sizeof *A), *B = malloc(biggest * sizeof *B),
          *C = calloc(biggest, sizeof *C);
    if (!A || !B || !C) {
        fprintf(stderr, "ancestral-bench-sgemm: out of memory for %zu floats\n", 3 * biggest);
        return 1;
    }
    /* Small values keep the accumulating C finite over every repeat (no
     * denormal or Inf slow paths in the timing). */
    for (size_t i = 0; i < biggest; i++) {
        A[i] = (float)((int)(i * 7 % 13) - 6) * 0.01f;
        B[i] = (float)((int)(i * 5 % 11) - 5) * 0.01f;
    }

    call square = {size, size, size, "nn"};
    double t = best_time(&square, A, B, C, repeats);
    printf("threads: %d\n", threads);
    printf("peak_sgemm_size: %d\n", size);
    printf("peak_sgemm_gflops: %.1f\n", 2.0 * size * (double)size * size / t * 1e-9);

    /* Each distinct shape once, for context. */
    for (int i = 0; i < nc; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= calls[j].M == calls[i].M && calls[j].N == calls[i].N &&
                    calls[j].K == calls[i].K && !strcmp(calls[j].op, calls[i].op);
        if (seen)
            continue;
        double tc = best_time(&calls[i], A, B, C, repeats * 4);
        printf("sgemm_%dx%dx%d_%s_gflops: %.1f\n", calls[i].M, calls[i].N, calls[i].K,
               calls[i].op, 2.0 * calls[i].M * (double)calls[i].N * calls[i].K / tc * 1e-9);
    }

    /* The whole step, back to back, best of several. */
    double flops = 0.0;
    for (int i = 0; i < nc; i++)
        flops += 2.0 * calls[i].M * (double)calls[i].N * calls[i].K;
    for (int i = 0; i < nc; i++)
        run(&calls[i], A, B, C);
    double best = 1e30;
    for (int r = 0; r < repeats * 4; r++) {
        double ts = now();
        for (int i = 0; i < nc; i++)
            run(&calls[i], A, B, C);
        ts = now() - ts;
        if (ts < best)
            best = ts;
    }
    printf("step_sgemm_calls: %d\n", nc);
    printf("step_sgemm_ms: %.3f\n", best * 1e3);
    printf("step_sgemm_gflops: %.1f\n", flops / best * 1e-9);
    printf("step_sgemm_frames_per_second: %.0f\n", batch / best);
    free(A); free(B); free(C);
    return 0;
}

/* test_fftw_threads.c — the STFT's planning is safe next to another FFTW user in
 * the same process that knows nothing of our lock (a host, or another plugin,
 * planning transforms of its own): one thread creates and frees anc_stft
 * objects while another plans and destroys raw FFTW plans of many sizes. FFTW's
 * planner shares a process-global table; without fftwf_make_planner_thread_safe
 * (core/stft.c) the two corrupt it (ASan reports it, or a plan comes out wrong).
 * Every transform is then checked on a sine. */
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "stft.h"

#define ROUNDS 400

static volatile int bad_other;

/* The other FFTW user: its own plans, no lock of ours. Planning starts only
 * after ours has made FFTW thread-safe, as in a host where the plugin was
 * instantiated first. */
static void *other_user(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        const int n = 64 + 2 * (r % 97) * 3;
        float *x = fftwf_alloc_real((size_t)n);
        fftwf_complex *X = fftwf_alloc_complex((size_t)n / 2 + 1);
        fftwf_plan p = fftwf_plan_dft_r2c_1d(n, x, X, FFTW_ESTIMATE);
        for (int i = 0; i < n; i++)
            x[i] = (float)cos(2.0 * M_PI * 3.0 * i / n);
        fftwf_execute(p);
        if (fabsf(X[3][0] - 0.5f * (float)n) > 1e-2f * (float)n)
            bad_other++;
        fftwf_destroy_plan(p);
        fftwf_free(x);
        fftwf_free(X);
    }
    return NULL;
}

int main(void)
{
    anc_error err;
    anc_stft *first;
    /* The first STFT makes the planner thread-safe. */
    if (!check_true(anc_stft_create(&first, 1024, 256, &err) == ANC_OK, "stft: %s", err.message))
        return check_exit();
    pthread_t th;
    pthread_create(&th, NULL, other_user, NULL);
    int bad = 0;
    float frame[4096], mag[2049];
    for (int r = 0; r < ROUNDS; r++) {
        const int n = 256 + 2 * (r % 61) * 16;
        anc_stft *st;
        if (anc_stft_create(&st, n, n / 4, &err) != ANC_OK) {
            bad++;
            continue;
        }
        for (int i = 0; i < n; i++)
            frame[i] = (float)sin(2.0 * M_PI * 8.0 * i / n);
        anc_stft_magnitude(st, frame, mag);
        if (fabsf(mag[8] - 1.0f) > 1e-3f)
            bad++;
        anc_stft_free(st);
    }
    pthread_join(th, NULL);
    anc_stft_free(first);
    check_true(bad == 0 && bad_other == 0, "%d of our transforms and %d of the other user's "
               "came out wrong", bad, bad_other);
    printf("%s FFTW planning from two threads: %d STFTs made and freed beside %d foreign plans, "
           "%d wrong\n", bad || bad_other ? "FAIL" : "ok", ROUNDS, ROUNDS, bad + bad_other);
    return check_exit();
}

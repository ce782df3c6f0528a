/* fuzz_model.c — libFuzzer target for the model loader, anc_model_load_memory().
 *
 * Built twice from this file: fuzz_model passes ANC_LOAD_SKIP_CRC so mutations
 * reach the parser behind the checksum (the useful one); fuzz_model_crc
 * (FUZZ_MODEL_CHECK_CRC=1) loads exactly as anc_model_load_file() does, so
 * almost every mutation stops at the checksum.
 *
 * Beyond "no crash, no sanitizer report, no leak" it checks what the loader
 * promises in model.h, and aborts (a finding) when a promise breaks:
 *   - a failure leaves *out NULL and one non-empty message with a failure status;
 *   - a success re-serialises, the bytes load again with the CRC checked, and
 *     serialising that model gives the same bytes again (the format has one
 *     canonical form per model);
 *   - a loaded model holds only finite f32 values in its known records, positive
 *     feature.std and a latent.order that is a permutation.
 * Input: the bytes of a model file. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#ifndef FUZZ_MODEL_CHECK_CRC
#define FUZZ_MODEL_CHECK_CRC 0
#endif

#define FUZZ_TARGET "fuzz_model"
#include "fuzz_common.h"

static void check_finite(const char *what, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            broken("%s[%zu] is not finite after a successful load", what, i);
}

static void check_model(const anc_model *m)
{
    const anc_model_header *h = anc_model_get_header(m);
    /* The input is the STFT's bins, or the relative axis's points. */
    size_t bins = h->n_fft / 2 + 1;
    if (h->pitch_mode == ANC_PITCH_RELATIVE) {
        anc_relfreq_config rc;
        anc_model_relfreq_config(h, &rc);
        if (anc_relfreq_config_check(&rc, NULL) != ANC_OK)
            broken("loaded a relative model whose axis is invalid");
        bins = (size_t)anc_relfreq_size(&rc);
    } else if (h->pitch_mode != ANC_PITCH_ABSOLUTE) {
        broken("loaded pitch_mode %u", (unsigned)h->pitch_mode);
    }
    const size_t L = (size_t)h->arch.n_latent;
    if (h->n_fft < ANC_STFT_MIN_FFT || h->n_fft > ANC_MODEL_MAX_FFT || h->n_fft % 2 ||
        (size_t)h->arch.n_input != bins || h->hop < 1 || h->hop > h->n_fft / 2)
        broken("loaded header n_fft %u hop %u n_input %d is inconsistent", (unsigned)h->n_fft,
               (unsigned)h->hop, h->arch.n_input);
    if (L < 1 || L > ANC_MAX_LATENT)
        broken("loaded n_latent %zu", L);
    check_finite("params", anc_model_params_const(m), anc_model_num_params(m));
    check_finite("feature.mean", anc_model_feature_mean_const(m), bins);
    const float *std = anc_model_feature_std_const(m);
    for (size_t k = 0; k < bins; k++)
        if (!(std[k] > 0.0f) || !isfinite(std[k]))
            broken("feature.std[%zu] = %g after a successful load", k, (double)std[k]);
    anc_latent_stats s;
    anc_model_latent_stats(m, &s);
    check_finite("latent.kl", s.kl, L);
    check_finite("latent.mu_mean", s.mu_mean, L);
    check_finite("latent.mu_std", s.mu_std, L);
    unsigned char used[ANC_MAX_LATENT] = {0};
    for (size_t j = 0; j < L; j++) {
        if (s.order[j] >= L || used[s.order[j]])
            broken("latent.order is not a permutation at %zu (%u)", j, (unsigned)s.order[j]);
        used[s.order[j]] = 1;
    }
}

static void check_failure(anc_status st, const anc_model *m, const anc_error *err)
{
    if (m)
        broken("status %d but *out is not NULL", (int)st);
    if (st >= ANC_OK || st < ANC_E_NUMERIC)
        broken("unknown failure status %d", (int)st);
    if (err->status != st)
        broken("err.status %d differs from the returned %d", (int)err->status, (int)st);
    size_t len = strnlen(err->message, sizeof err->message);
    if (len == 0 || len == sizeof err->message)
        broken("failure %d without a terminated one-line message", (int)st);
    if (memchr(err->message, '\n', len))
        broken("failure message spans lines: %s", err->message);
    if (!FUZZ_MODEL_CHECK_CRC && st == ANC_E_CHECKSUM)
        broken("checksum failure although ANC_LOAD_SKIP_CRC was given");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    anc_model *m = NULL;
    anc_error err;
    anc_error_clear(&err);
    const unsigned flags = FUZZ_MODEL_CHECK_CRC ? 0u : (unsigned)ANC_LOAD_SKIP_CRC;
    anc_status st = anc_model_load_memory(&m, data, size, flags, &err);
    if (st != ANC_OK) {
        check_failure(st, m, &err);
        return 0;
    }
    if (!m)
        broken("ANC_OK without a model");
    check_model(m);

    /* Round trip: serialise, load with the CRC checked, serialise again. */
    void *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    st = anc_model_serialize(m, &b1, &n1, &err);
    if (st != ANC_OK)
        broken("a loaded model does not serialise: %s", err.message);
    anc_model *m2 = NULL;
    st = anc_model_load_memory(&m2, b1, n1, 0, &err);
    if (st != ANC_OK)
        broken("a re-serialised model does not load: %s", err.message);
    check_model(m2);
    st = anc_model_serialize(m2, &b2, &n2, &err);
    if (st != ANC_OK)
        broken("a reloaded model does not serialise: %s", err.message);
    if (n1 != n2 || memcmp(b1, b2, n1))
        broken("serialise(load(serialise(m))) differs from serialise(m): %zu vs %zu bytes", n1, n2);
    /* Records keep their size; only header bytes beyond version 1's may go. */
    if (n1 > size)
        broken("re-serialised model of %zu bytes from an input of %zu", n1, size);
    free(b1);
    free(b2);
    anc_model_free(m2);
    anc_model_free(m);
    return 0;
}

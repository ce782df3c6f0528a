/* test_player.c — the engine switcher (core/player.h) and the latency of a model
 * at a rate (anc_engine_latency_for), against engines run on their own:
 *  1. anc_engine_latency_for() equals anc_engine_latency() of a built engine,
 *     and fails exactly where anc_engine_create() fails, over models of four
 *     rates and FFT sizes and host rates from 1 kHz to 400 kHz;
 *  2. the crossfade: after an install, the output is, sample for sample and bit
 *     for bit, guard(new + old * (1 - i / fade_len)) for the first fade_len
 *     samples (old and new computed by twin engines run alone), then the new
 *     engine alone; the replaced entry comes back in the block where its fade
 *     ends, a fade cut by a third engine comes back from that install; over
 *     random block lengths (1 .. 1500, across the 256-frame scratch);
 *  3. the guard: loud engines whose sum exceeds the limit come out clamped to
 *     +-ANC_ENGINE_OUT_LIMIT, never beyond;
 *  4. silence and latency: no engine plays zeros and reports the given silent
 *     latency, an engine reports its own;
 *  5. no heap call in install, process, set_params, reset or cut_fade
 *     (alloc_count.c is linked in). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "check.h"
#include "engine.h"
#include "player.h"
#include "rng.h"
#include "synth_model.h"

#define SEED 7u

static anc_model *model(uint32_t rate, uint32_t n_fft, float mean_db)
{
    static const int hidden[] = {32, 16};
    anc_error err;
    anc_model *m = synth_model(rate, n_fft, 4, hidden, 2, ANC_ACT_SILU, &err);
    if (!m) {
        printf("FAIL: synth_model: %s\n", err.message);
        exit(1);
    }
    float *mean = anc_model_feature_mean(m);
    for (int d = 0; d < (int)n_fft / 2 + 1; d++)
        mean[d] = mean_db;
    return m;
}

static anc_engine *engine(const anc_model *m, double rate, const anc_engine_params *p)
{
    anc_error err;
    anc_engine *e = NULL;
    if (anc_engine_create(&e, m, rate, SEED, &err) != ANC_OK) {
        printf("FAIL: anc_engine_create at %g Hz: %s\n", rate, err.message);
        exit(1);
    }
    anc_engine_set_params(e, p);
    anc_engine_reset(e);
    return e;
}

static void test_latency(void)
{
    static const struct { uint32_t rate, n_fft; } models[] = {
        {22050, 512}, {44100, 1024}, {48000, 2048}, {16000, 8192}};
    static const double rates[] = {1000,  8000,  16000, 22050,  32000,  37800, 44100,
                                   48000, 88200, 96000, 176400, 192000, 384000, 400000};
    int before = check_failures, pairs = 0, refused = 0;
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
        anc_model *m = model(models[i].rate, models[i].n_fft, 0.0f);
        for (size_t j = 0; j < sizeof rates / sizeof *rates; j++) {
            anc_error e1, e2;
            anc_error_clear(&e1);
            anc_error_clear(&e2);
            uint32_t got = 12345;
            anc_status s1 = anc_engine_latency_for(m, rates[j], &got, &e1);
            anc_engine *e = NULL;
            anc_status s2 = anc_engine_create(&e, m, rates[j], SEED, &e2);
            check_true(s1 == s2, "model %u Hz / FFT %u at %g Hz: latency_for says %d (%s), "
                       "create says %d (%s)", models[i].rate, models[i].n_fft, rates[j], s1,
                       e1.message, s2, e2.message);
            if (s1 == ANC_OK && s2 == ANC_OK) {
                check_true(got == anc_engine_latency(e), "model %u Hz / FFT %u at %g Hz: "
                           "latency_for %u, the engine's %u", models[i].rate, models[i].n_fft,
                           rates[j], got, anc_engine_latency(e));
                pairs++;
            } else {
                check_true(got == 0 && strlen(e1.message) > 0,
                           "a refusal must leave latency 0 and say why");
                refused++;
            }
            anc_engine_free(e);
        }
        anc_model_free(m);
    }
    check_true(pairs >= 36 && refused >= 8, "too few cases: %d equal, %d refused", pairs, refused);
    printf("%s latency_for: %d model/rate pairs equal to the engine's, %d refused by both\n",
           check_failures == before ? "ok" : "FAIL", pairs, refused);
}

/* The player switching from a to b (and once to c mid-fade), against twins. */
static void test_crossfade(float mean_db, const char *what)
{
    const double rate = 48000.0;
    anc_model *ma = model(48000, 1024, mean_db), *mb = model(22050, 512, mean_db);
    anc_engine_params p;
    anc_engine_params_default(&p);
    p.knobs[0] = 1.5f;
    p.knobs[1] = -2.0f;
    p.noise = 1.0f;
    anc_engine_params q = p; /* the twins get what the player's engines get */

    anc_player *pl = NULL;
    anc_error err;
    if (!check_true(anc_player_create(&pl, rate, 321, &err) == ANC_OK, "player: %s", err.message))
        return;
    anc_player_entry ea = {.engine = engine(ma, rate, &p)}, eb = {.engine = engine(mb, rate, &p)},
                     ec = {.engine = engine(ma, rate, &p)};
    anc_engine *ta = engine(ma, rate, &q), *tb = engine(mb, rate, &q), *tc = engine(ma, rate, &q);
    const uint32_t fade = (uint32_t)(ANC_PLAYER_FADE_SECONDS * rate);
    const size_t total = 20000, pre = 3000, cut_at = pre + 4000 + fade + 500;
    float *got = malloc(sizeof(float) * total), *ra = malloc(sizeof(float) * total),
          *rb = malloc(sizeof(float) * total), *rc = malloc(sizeof(float) * total),
          *want = malloc(sizeof(float) * total);
    anc_rng rng;
    anc_rng_seed(&rng, 99);
    int before = check_failures;
    unsigned long heap = 0;
    const unsigned long h0 = anc_alloc_count();

    /* Silence before any engine. */
    anc_alloc_watch(1);
    anc_player_entry *r = anc_player_process(pl, got, 64);
    anc_alloc_watch(0);
    int silent = r == NULL && anc_player_current(pl) == NULL && anc_player_latency(pl) == 321;
    for (int i = 0; i < 64; i++)
        silent &= got[i] == 0.0f;
    check_true(silent, "%s: no engine must play zeros and report the silent latency", what);

    /* Timeline: a alone in [0, pre); b installed at pre, a fades out; b alone;
     * c installed at cut_at, b fades out; c alone to the end. */
    anc_alloc_watch(1);
    r = anc_player_install(pl, &ea, &p);
    anc_alloc_watch(0);
    check_true(r == NULL && anc_player_current(pl) == &ea, "%s: first install", what);
    check_true(anc_player_latency(pl) == anc_engine_latency(ea.engine),
               "%s: latency %u, the playing engine's %u", what, anc_player_latency(pl),
               anc_engine_latency(ea.engine));
    size_t t = 0, a_back = 0, b_back = 0, cut_back = 0;
    int installed_b = 0, installed_c = 0;
    while (t < total) {
        if (!installed_b && t >= pre) {
            anc_alloc_watch(1);
            r = anc_player_install(pl, &eb, &p);
            anc_alloc_watch(0);
            check_true(r == NULL, "%s: install over a lone engine returned an entry", what);
            installed_b = 1;
        }
        if (!installed_c && t >= cut_at) {
            anc_alloc_watch(1);
            r = anc_player_install(pl, &ec, &p);
            anc_alloc_watch(0);
            check_true(r == NULL, "%s: nothing was fading at the second switch", what);
            installed_c = 1;
        }
        size_t n = 1 + (size_t)(anc_rng_uniform(&rng) * 1500.0);
        if (n > total - t)
            n = total - t;
        if (!installed_b && t + n > pre)
            n = pre - t;
        if (installed_b && !installed_c && t + n > cut_at)
            n = cut_at - t;
        anc_alloc_watch(1);
        anc_player_set_params(pl, &p);
        r = anc_player_process(pl, got + t, (uint32_t)n);
        anc_alloc_watch(0);
        if (r == &ea)
            a_back = t + n;
        else if (r == &eb)
            b_back = t + n;
        else if (r)
            cut_back = t + n;
        t += n;
    }
    heap += anc_alloc_count() - h0;

    /* The twins, in one call each (an engine's output does not depend on how
     * it is split into blocks): a plays [0, pre + fade), b from pre, c from
     * cut_at. */
    anc_engine_process(ta, ra, (uint32_t)(pre + fade));
    anc_engine_process(tb, rb, (uint32_t)(total - pre));
    anc_engine_process(tc, rc, (uint32_t)(total - cut_at));
    double over = 0.0;
    for (size_t i = 0; i < total; i++) {
        float v;
        if (i < pre) {
            v = ra[i];
        } else if (i < cut_at) {
            v = rb[i - pre];
            if (i - pre < fade)
                v = anc_engine_guard(v + ra[i] * (1.0f - (float)(i - pre) * (1.0f / (float)fade)));
        } else {
            v = rc[i - cut_at];
            if (i - cut_at < fade) {
                float s = v + rb[i - pre] * (1.0f - (float)(i - cut_at) * (1.0f / (float)fade));
                over = fmax(over, fabs(s));
                v = anc_engine_guard(s);
            }
        }
        want[i] = v;
    }
    size_t bad = 0, first = 0;
    float peak = 0.0f;
    for (size_t i = 0; i < total; i++) {
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0 && bad++ == 0)
            first = i;
        peak = fmaxf(peak, fabsf(got[i]));
    }
    check_true(bad == 0, "%s: %zu samples differ from guard(new + old * ramp) of the twins, "
               "first at %zu: got %.9g want %.9g", what, bad, first, bad ? got[first] : 0.0,
               bad ? want[first] : 0.0);
    check_true(a_back > pre && a_back - pre >= fade && a_back - pre < fade + 1500,
               "%s: the first engine came back at %zu, its fade ends at %zu", what, a_back,
               pre + fade);
    check_true(b_back > cut_at && b_back - cut_at >= fade && b_back - cut_at < fade + 1500,
               "%s: the second engine came back at %zu, its fade ends at %zu", what, b_back,
               cut_at + fade);
    check_true(cut_back == 0, "%s: an unexpected entry came back at %zu", what, cut_back);
    check_true(peak <= ANC_ENGINE_OUT_LIMIT, "%s: peak %g beyond the limit", what, (double)peak);
    check_true(mean_db < 0.0f || over > ANC_ENGINE_OUT_LIMIT,
               "%s: the sum never exceeded the limit (%.3g): the guard went untested", what, over);
    check_true(heap == 0, "%s: %lu heap calls in the player's real-time functions", what, heap);
    printf("%s crossfade (%s): %zu samples bit-identical to the twins, fades of %u samples, "
           "entries back at +%zu and +%zu, peak %.3g (sum before the guard up to %.3g), "
           "%lu heap calls\n",
           check_failures == before ? "ok" : "FAIL", what, total - bad, fade, a_back - pre,
           b_back - cut_at, (double)peak, over, heap);

    /* A third engine mid-fade cuts the fade: the fading entry comes back from
     * install; cut_fade hands back a fade in progress; neither allocates. */
    before = check_failures;
    const unsigned long h1 = anc_alloc_count();
    anc_alloc_watch(1);
    r = anc_player_install(pl, &ea, &p); /* c fades */
    anc_player_process(pl, got, 100);
    anc_player_entry *cut = anc_player_install(pl, &eb, &p); /* a fades, c is cut */
    anc_player_process(pl, got, 100);
    anc_player_entry *faded = anc_player_cut_fade(pl);
    anc_player_entry *none = anc_player_cut_fade(pl);
    anc_player_reset(pl);
    anc_alloc_watch(0);
    check_true(r == NULL && cut == &ec && faded == &ea && none == NULL &&
                   anc_player_current(pl) == &eb,
               "%s: cut fades: install returned %p (want %p), cut_fade %p (want %p), then %p",
               what, (void *)cut, (void *)&ec, (void *)faded, (void *)&ea, (void *)none);
    check_true(anc_alloc_count() == h1, "%s: heap calls while cutting fades", what);
    printf("%s cut fades (%s): a third engine hands back the fading one, cut_fade the one in "
           "progress\n", check_failures == before ? "ok" : "FAIL", what);

    anc_player_free(pl);
    anc_engine_free(ea.engine);
    anc_engine_free(eb.engine);
    anc_engine_free(ec.engine);
    anc_engine_free(ta);
    anc_engine_free(tb);
    anc_engine_free(tc);
    anc_model_free(ma);
    anc_model_free(mb);
    free(got);
    free(ra);
    free(rb);
    free(rc);
    free(want);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *how = NULL;
    if (!check_true(anc_alloc_counting(&how), "the heap-call counter is not active here"))
        return check_exit();
    test_latency();
    test_crossfade(-60.0f, "quiet models");
    test_crossfade(12.0f, "loud models");
    return check_exit();
}

/* fuzz_model_engine.c — libFuzzer target: a model from outside data, loaded
 * without its checksum (ANC_LOAD_SKIP_CRC), driven through the synthesis engine
 * the way the plugin drives it after a patch:Set.
 *
 * The loader accepts any finite values, so a hostile or damaged file can hold
 * weights of 1e38; engine.h promises that the output is nevertheless always
 * finite, never denormal and clamped, whatever the parameters. This target
 * aborts (a finding) when a sample breaks that, or when anc_engine_create()
 * fails without a message.
 *
 * Input: a 16-byte prefix of engine settings, then the bytes of a model file:
 *   [0] host rate (index into host_rates), [1] mode (bits 0-1), phase method
 *   (bit 2), enabled (bit 3), [2] temperature, [3] rate, [4] glide, [5] noise,
 *   [6] gain, [7..14] knobs z1..z8 (see control()), [15] block lengths; the
 *   knob bytes also give the voices, attack, release and bend range, and the
 *   notes, velocities and bend sent as MIDI after the first block, so every
 *   input also plays notes (on a relative model: at their pitch). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "model.h"
#include "resample.h"

#define PREFIX 16
/* Samples rendered per input: enough for a few frames at every rate. */
#define MAX_OUT 16384

#define FUZZ_TARGET "fuzz_model_engine"
#include "fuzz_common.h"

/* The rates a host may run at (DESIGN.md: 22.05 to 192 kHz), and the engine's
 * outer limits. */
static const double host_rates[] = {44100, 48000, 22050, 96000, 192000, 88200, 8000, 384000};

/* A control value from one byte: the top four codes are NaN, +Inf, -Inf and
 * 1e30; the rest spread over the range and half as much again on either side,
 * so clamping is exercised too. */
static float control(uint8_t b, float lo, float hi)
{
    switch (b) {
    case 255: return NAN;
    case 254: return INFINITY;
    case 253: return -INFINITY;
    case 252: return 1e30f;
    default: break;
    }
    const float span = hi - lo;
    return lo - 0.5f * span + 2.0f * span * (float)b / 251.0f;
}

static void set_params(anc_engine *e, const uint8_t *p)
{
    anc_engine_params q;
    anc_engine_params_default(&q);
    q.mode = (p[1] & 3) == 3 ? 7 : p[1] & 3; /* 7: out of range */
    q.phase = (p[1] >> 2) & 1;
    q.enabled = !((p[1] >> 3) & 1);
    q.temperature = control(p[2], 0.0f, 3.0f);
    q.rate = control(p[3], 0.01f, 50.0f);
    q.glide = control(p[4], 0.0f, 10.0f);
    q.noise = control(p[5], 0.0f, 2.0f);
    q.gain_db = control(p[6], -60.0f, 12.0f);
    for (int k = 0; k < 8; k++)
        q.knobs[k] = control(p[7 + k], -4.0f, 4.0f);
    q.voices = control(p[8], 1.0f, 8.0f);
    q.attack = control(p[9], 0.0f, 10.0f);
    q.release = control(p[10], 0.0f, 10.0f);
    q.bend_range = control(p[11], 0.0f, 48.0f);
    q.drone = p[12] % 4; /* 3: out of range */
    q.note = control(p[13], 0.0f, 127.0f);
    anc_engine_set_params(e, &q);
}

static void check_output(const float *out, uint32_t n, size_t at)
{
    for (uint32_t i = 0; i < n; i++) {
        const float v = out[i];
        if (!isfinite(v) || fabsf(v) > 4.0f || (v != 0.0f && fabsf(v) < 1e-30f))
            broken("output sample %zu is %g", at + i, (double)v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < PREFIX)
        return 0;
    const uint8_t *p = data;
    anc_model *m = NULL;
    anc_error err;
    anc_error_clear(&err);
    if (anc_model_load_memory(&m, data + PREFIX, size - PREFIX, ANC_LOAD_SKIP_CRC, &err) != ANC_OK)
        return 0;

    const double rate = host_rates[p[0] % (sizeof host_rates / sizeof host_rates[0])];
    anc_engine *e = NULL;
    anc_status st = anc_engine_create(&e, m, rate, 1, &err);
    anc_model_free(m);
    if (st != ANC_OK) {
        if (e || !err.message[0])
            broken("anc_engine_create failed (%d) without a message or left an engine", (int)st);
        return 0;
    }
    set_params(e, p);
    /* Latency: half a hop at the synthesis rate, plus the rate converter's delay
     * (at most ANC_RESAMPLE_MAX_TAPS / 2 synthesis samples), in host samples. */
    const int hop = anc_engine_host_hop(e);
    const double to_host = rate / anc_engine_synthesis_rate(e);
    const double lat = anc_engine_latency(e);
    if (hop < 1 || !(to_host > 0.9 && to_host < 1.1) ||
        (to_host == 1.0 ? lat != hop / 2
                        : lat < floor(hop / 2 * to_host) ||
                              lat > ceil((hop / 2 + ANC_RESAMPLE_MAX_TAPS / 2) * to_host)))
        broken("host hop %d, synthesis rate %g Hz, latency %u", hop,
               anc_engine_synthesis_rate(e), (unsigned)anc_engine_latency(e));

    /* Three frames or MAX_OUT samples, in blocks that mostly do not divide the hop;
     * the parameters are set again, and the engine reset, part-way. */
    static float out[MAX_OUT];
    static const uint32_t blocks[] = {1, 64, 333, 1024, 7, 4096, 0, 256};
    size_t total = 3 * (size_t)hop < MAX_OUT ? 3 * (size_t)hop : MAX_OUT, done = 0;
    unsigned bi = p[15];
    int round = 0;
    while (done < total) {
        uint32_t n = blocks[bi++ % (sizeof blocks / sizeof blocks[0])];
        if (n > total - done)
            n = (uint32_t)(total - done);
        anc_engine_process(e, out, n);
        check_output(out, n, done);
        done += n;
        if (round == 0) { /* three notes, a bend, then the third note off */
            for (int k = 0; k < 3; k++) {
                const uint8_t on[3] = {0x90, (uint8_t)(p[7 + k] & 127), (uint8_t)(p[2 + k] & 127)};
                anc_engine_midi(e, on, 3);
            }
            const uint8_t bend[3] = {0xE0, (uint8_t)(p[5] & 127), (uint8_t)(p[6] & 127)};
            const uint8_t off[3] = {0x80, (uint8_t)(p[9] & 127), 0};
            anc_engine_midi(e, bend, 3);
            anc_engine_midi(e, off, 3);
        }
        if (++round == 3) {
            uint8_t q[PREFIX];
            for (int i = 0; i < PREFIX; i++)
                q[i] = (uint8_t)(p[i] ^ p[15]);
            set_params(e, q);
        } else if (round == 6) {
            anc_engine_reset(e);
        }
    }
    const float *z = anc_engine_current_z(e);
    for (int j = 0; j < anc_engine_n_latent(e); j++)
        if (!isfinite(z[j]))
            broken("latent z[%d] = %g", j, (double)z[j]);
    anc_engine_free(e);
    return 0;
}

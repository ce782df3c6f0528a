/* player.c — engine switching with a crossfade (see player.h). */
#include "player.h"

#include <stdlib.h>

/* The fading engine renders through a scratch buffer this long (frames). */
#define SCRATCH 256

struct anc_player {
    anc_player_entry *current; /* playing; NULL = silence */
    anc_player_entry *fading;  /* replaced, fading out; NULL when none */
    uint32_t fade_pos, fade_len;
    uint32_t silent_latency;
    float scratch[SCRATCH];
};

anc_status anc_player_create(anc_player **out, double host_rate, uint32_t silent_latency,
                             anc_error *err)
{
    *out = NULL;
    anc_player *p = calloc(1, sizeof *p);
    if (!p)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for the player");
    /* A garbage rate still gets a sane fade; engines refuse such rates anyway. */
    const double rate = host_rate > 0.0 && host_rate < 1e7 ? host_rate : 48000.0;
    p->fade_len = (uint32_t)(ANC_PLAYER_FADE_SECONDS * rate);
    if (p->fade_len < 1)
        p->fade_len = 1;
    p->silent_latency = silent_latency;
    *out = p;
    return ANC_OK;
}

void anc_player_free(anc_player *p) { free(p); }

static void entry_set_params(anc_player_entry *e, const anc_engine_params *params)
{
    if (e->engine)
        anc_engine_set_params(e->engine, params);
    else
        anc_transfer_set_params(e->transfer, params);
}

static void entry_reset(anc_player_entry *e)
{
    if (e->engine)
        anc_engine_reset(e->engine);
    else
        anc_transfer_reset(e->transfer);
}

void anc_player_set_params(anc_player *p, const anc_engine_params *params)
{
    if (p->current)
        entry_set_params(p->current, params);
    if (p->fading)
        entry_set_params(p->fading, params);
}

void anc_player_midi(anc_player *p, const uint8_t *msg, uint32_t size)
{
    if (p->current && p->current->engine)
        anc_engine_midi(p->current->engine, msg, size);
    if (p->fading && p->fading->engine)
        anc_engine_midi(p->fading->engine, msg, size);
}

void anc_player_reset(anc_player *p)
{
    if (p->current)
        entry_reset(p->current);
}

anc_player_entry *anc_player_install(anc_player *p, anc_player_entry *e,
                                     const anc_engine_params *params)
{
    entry_set_params(e, params);
    entry_reset(e);
    anc_player_entry *leaves = NULL;
    if (p->current) {
        leaves = p->fading; /* a fade still going is cut: a third engine came */
        p->fading = p->current;
        p->fade_pos = 0;
    }
    p->current = e;
    return leaves;
}

anc_player_entry *anc_player_cut_fade(anc_player *p)
{
    anc_player_entry *f = p->fading;
    p->fading = NULL;
    return f;
}

/* n samples of e into out; a transfer engine reads in (which may be out). */
static void entry_process(anc_player_entry *e, const float *in, float *out, uint32_t n)
{
    if (e->engine)
        anc_engine_process(e->engine, out, n);
    else
        anc_transfer_process(e->transfer, in, out, n);
}

/* The playing engine, and the fading one faded out on top of it, piece by
 * piece; within a piece the fading engine goes first: in may be out, which the
 * playing engine overwrites. */
static anc_player_entry *play(anc_player *p, const float *in, float *out, uint32_t n)
{
    if (!p->current) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = 0.0f;
        return NULL;
    }
    const float step = 1.0f / (float)p->fade_len;
    uint32_t done = 0;
    while (p->fading && done < n && p->fade_pos < p->fade_len) {
        uint32_t k = n - done;
        if (k > SCRATCH)
            k = SCRATCH;
        if (k > p->fade_len - p->fade_pos)
            k = p->fade_len - p->fade_pos;
        entry_process(p->fading, in ? in + done : NULL, p->scratch, k);
        entry_process(p->current, in ? in + done : NULL, out + done, k);
        for (uint32_t i = 0; i < k; i++)
            out[done + i] = anc_engine_guard(out[done + i] + p->scratch[i] *
                                             (1.0f - (float)(p->fade_pos + i) * step));
        p->fade_pos += k;
        done += k;
    }
    if (done < n)
        entry_process(p->current, in ? in + done : NULL, out + done, n - done);
    if (!p->fading || p->fade_pos < p->fade_len)
        return NULL;
    return anc_player_cut_fade(p);
}

anc_player_entry *anc_player_process(anc_player *p, float *out, uint32_t n)
{
    return play(p, NULL, out, n);
}

anc_player_entry *anc_player_process_input(anc_player *p, const float *in, float *out,
                                           uint32_t n)
{
    return play(p, in, out, n);
}

anc_player_entry *anc_player_current(const anc_player *p) { return p->current; }

void anc_player_snapshot(const anc_player *p, anc_snapshot_frame *f)
{
    if (!p->current)
        anc_snapshot_frame_clear(f);
    else if (p->current->engine)
        anc_engine_snapshot(p->current->engine, f);
    else
        anc_transfer_snapshot(p->current->transfer, f);
}

uint32_t anc_player_latency(const anc_player *p)
{
    if (!p->current)
        return p->silent_latency;
    return p->current->engine ? anc_engine_latency(p->current->engine)
                              : anc_transfer_latency(p->current->transfer);
}

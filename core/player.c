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

void anc_player_set_params(anc_player *p, const anc_engine_params *params)
{
    if (p->current)
        anc_engine_set_params(p->current->engine, params);
    if (p->fading)
        anc_engine_set_params(p->fading->engine, params);
}

void anc_player_midi(anc_player *p, const uint8_t *msg, uint32_t size)
{
    if (p->current)
        anc_engine_midi(p->current->engine, msg, size);
    if (p->fading)
        anc_engine_midi(p->fading->engine, msg, size);
}

void anc_player_reset(anc_player *p)
{
    if (p->current)
        anc_engine_reset(p->current->engine);
}

anc_player_entry *anc_player_install(anc_player *p, anc_player_entry *e,
                                     const anc_engine_params *params)
{
    anc_engine_set_params(e->engine, params);
    anc_engine_reset(e->engine);
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

anc_player_entry *anc_player_process(anc_player *p, float *out, uint32_t n)
{
    if (!p->current) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = 0.0f;
        return NULL;
    }
    anc_engine_process(p->current->engine, out, n);
    if (!p->fading)
        return NULL;

    anc_engine *old = p->fading->engine;
    const float step = 1.0f / (float)p->fade_len;
    uint32_t done = 0;
    while (done < n && p->fade_pos < p->fade_len) {
        uint32_t k = n - done;
        if (k > SCRATCH)
            k = SCRATCH;
        if (k > p->fade_len - p->fade_pos)
            k = p->fade_len - p->fade_pos;
        anc_engine_process(old, p->scratch, k);
        for (uint32_t i = 0; i < k; i++)
            out[done + i] = anc_engine_guard(out[done + i] + p->scratch[i] *
                                             (1.0f - (float)(p->fade_pos + i) * step));
        p->fade_pos += k;
        done += k;
    }
    if (p->fade_pos < p->fade_len)
        return NULL;
    return anc_player_cut_fade(p);
}

anc_player_entry *anc_player_current(const anc_player *p) { return p->current; }

uint32_t anc_player_latency(const anc_player *p)
{
    return p->current ? anc_engine_latency(p->current->engine) : p->silent_latency;
}

/* player.h — plays one engine at a time and switches engines without a click:
 * the engine being replaced fades out linearly over ANC_PLAYER_FADE_SECONDS on
 * top of the new one (which itself rises from silence as its first frames
 * overlap-add); the sum gets the engine's own output guard (clamp to +-4,
 * denormals flushed to 0). It also reports the latency of what plays.
 * An engine is either a synth engine (engine.h; anc_player_process) or a
 * transfer engine (transfer.h; anc_player_process_input, which feeds the
 * playing and the fading engine the same input); one player holds one kind.
 *
 * Ownership: the player never creates or frees an engine. The caller wraps each
 * engine in an anc_player_entry of its own (usually inside a bigger record: the
 * plugin keeps the model's path beside it) and hands it to anc_player_install().
 * Every entry comes back exactly once, to be freed by the caller outside the
 * real-time thread: from anc_player_install() (a fade cut short by a newer
 * engine), anc_player_process() (a fade that ended) or anc_player_cut_fade();
 * the playing entry stays until it is replaced (or the player is freed, which
 * frees no entry: the caller still owns what played).
 *
 * Threading: create and free allocate; every other function is hard real time
 * (no allocation, lock or I/O) and is called from one thread at a time. */
#ifndef ANC_PLAYER_H
#define ANC_PLAYER_H

#include <stdint.h>

#include "engine.h"
#include "status.h"
#include "transfer.h"

/* Long enough not to click, short enough that the two timbres barely overlap. */
#define ANC_PLAYER_FADE_SECONDS 0.02

typedef struct anc_player_entry {
    anc_engine *engine;     /* a synth engine, or NULL for: */
    anc_transfer *transfer; /* a transfer engine */
} anc_player_entry;

typedef struct anc_player anc_player;

/* A player at host_rate (Hz), silent until an engine is installed; while silent
 * anc_player_latency() reports silent_latency. Free with anc_player_free(). */
anc_status anc_player_create(anc_player **out, double host_rate, uint32_t silent_latency,
                             anc_error *err);
void anc_player_free(anc_player *p); /* accepts NULL; frees no entry */

/* Sets the controls of the playing and the fading engine (anc_engine_set_params
 * or anc_transfer_set_params). */
void anc_player_set_params(anc_player *p, const anc_engine_params *params);
/* One MIDI message to the playing and the fading engine (anc_engine_midi). */
void anc_player_midi(anc_player *p, const uint8_t *msg, uint32_t size);
/* Clears the playing engine's signal state (anc_engine_reset, anc_transfer_reset). */
void anc_player_reset(anc_player *p);
/* e plays from now on, at params and from a reset state (z starts at the knobs,
 * not gliding from 0); the entry playing so far starts fading out. Returns the
 * entry that leaves the player now (one whose fade is cut short), or NULL. */
anc_player_entry *anc_player_install(anc_player *p, anc_player_entry *e,
                                     const anc_engine_params *params);
/* Ends a fade at once; returns the faded entry, or NULL if none was fading. */
anc_player_entry *anc_player_cut_fade(anc_player *p);
/* Writes n samples into out (silence while no engine plays). Returns the entry
 * whose fade ended in this block, or NULL. */
anc_player_entry *anc_player_process(anc_player *p, float *out, uint32_t n);
/* The same for transfer engines: reads n samples of in (which may equal out). */
anc_player_entry *anc_player_process_input(anc_player *p, const float *in, float *out,
                                           uint32_t n);

/* The playing entry, NULL while silent. */
anc_player_entry *anc_player_current(const anc_player *p);
/* The playing engine's latency (anc_engine_latency, anc_transfer_latency);
 * silent_latency while silent. */
uint32_t anc_player_latency(const anc_player *p);
/* What the playing engine plays, for a display (anc_engine_snapshot,
 * anc_transfer_snapshot); a silent frame (anc_snapshot_frame_clear) while
 * silent. */
void anc_player_snapshot(const anc_player *p, anc_snapshot_frame *f);

#endif

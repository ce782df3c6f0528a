/* model_glue.h — the model handling both plugins share (plugin/ancestral.c,
 * the synth; plugin/transfer.c, the transfer effect): the model parameter
 * (patch:Set / patch:Get of a patch:writable atom:Path), loads in the worker,
 * installs in work_response(), the model path in state, the latency of the
 * bundle's default model, the player that plays the slots, and the inline
 * display (plugin/inline_display.h) fed from the player's snapshot.
 *
 * Slots: a slot is a player entry (core/player.h) with the absolute path of its
 * model. Slots are made outside the audio thread (work(), restore()),
 * installed into the player by work_response(), handed back by the player after
 * their crossfade, and freed by a second trip through the worker: the audio
 * thread never allocates or frees. Every live slot is also on a list of its
 * own, so the plugin's cleanup() frees the ones a host drops with its worker
 * queue.
 *
 * The plugin's instance starts with its anc_model_glue (the first member), so
 * the worker, state and inline display interfaces here take the instance's
 * handle as it is.
 *
 * Threads: anc_glue_bury, anc_glue_flush, anc_glue_end_run, anc_glue_handle_set/get,
 * anc_glue_send_model and the worker's work_response belong to the audio
 * thread (hard real time); the worker's work to the host's worker; save and
 * restore to any non-audio thread, concurrently with run(). Those share only
 * the saved path, under a mutex the audio thread never takes, and the list of
 * live slots, touched only where slots are made and freed. */
#ifndef ANC_MODEL_GLUE_H
#define ANC_MODEL_GLUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/log/logger.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "engine.h"
#include "inline_display.h"
#include "player.h"

/* The bundle's default model: the one state:state in each plugin's Turtle names. */
#define ANC_GLUE_DEFAULT_MODEL "default.vae"

typedef struct anc_glue_slot {
    anc_player_entry entry;                    /* the engine, as the player holds it */
    struct anc_glue_slot *next;                /* link in the list waiting to be freed */
    struct anc_glue_slot *all_prev, *all_next; /* every live slot of the instance */
    uint32_t path_len;                         /* strlen(path) */
    char path[];                               /* absolute path of the model file */
} anc_glue_slot;

typedef struct anc_glue_uris {
    LV2_URID atom_Path, atom_URID;
    LV2_URID patch_Get, patch_Set, patch_property, patch_value, patch_subject;
    LV2_URID plugin, model, install, free;
} anc_glue_uris;

typedef struct anc_model_glue {
    const char *name; /* log messages start with it */
    int transfer;     /* slots hold transfer engines (else synth engines) */
    double rate;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    anc_glue_uris uris;

    anc_display *display; /* run() hands it frames; render() draws them */

    /* audio thread only */
    anc_player *player;               /* made by anc_glue_start() */
    const anc_engine_params *params;  /* the plugin's controls, for installs */
    anc_glue_slot *graveyard; /* replaced slots still to be sent to the worker */
    bool notify_pending;      /* send patch:Set of the model on the next run */

    /* shared by work(), restore() and save(), never touched by the audio thread */
    pthread_mutex_t path_lock;
    char *saved_path; /* the newest model handed to the audio thread, malloc'd */
    pthread_mutex_t slots_lock;
    anc_glue_slot *all;
} anc_model_glue;

/* Sets up g for the plugin plugin_uri whose model parameter is model_uri
 * (install and free messages are tagged plugin_uri "#installEngine" and
 * "#freeEngine"). 0, or -1 when a mutex could not be made. */
int anc_glue_init(anc_model_glue *g, const char *name, int transfer, const char *plugin_uri,
                  const char *model_uri, double rate, LV2_URID_Map *map,
                  LV2_Worker_Schedule *schedule, const LV2_Log_Logger *logger);
/* Second step of instantiate(): the inline display (with the host's queue_draw
 * from features) and the player, whose silent latency is the bundle's default
 * model's; installs play at *params. 0, or -1 after logging why. */
int anc_glue_start(anc_model_glue *g, const LV2_Feature *const *features,
                   const char *bundle_path, const anc_engine_params *params);
/* Frees every slot that still exists, wherever it is, the saved path, the
 * player and the display. No other call may be in flight (cleanup(), or
 * instantiate() failing after anc_glue_init()). */
void anc_glue_destroy(anc_model_glue *g);

/* The latency the bundle's default model gives at g's rate (anc_engine_ or
 * anc_transfer_latency_for), so the latency port reads right from the first
 * run(), before the default state's load completes. 0 when the bundle has no
 * usable default (a broken one is logged). Allocates and reads a file. */
uint32_t anc_glue_default_latency(anc_model_glue *g, const char *bundle_path);

/* Audio thread: the slot around e (as the player hands it back) waits to be
 * freed by the worker; NULL is nothing. */
void anc_glue_bury(anc_model_glue *g, anc_player_entry *e);
/* Audio thread, at the end of run() over n frames: anc_glue_flush(), and
 * about 30 times a second the player's snapshot to the inline display. */
void anc_glue_end_run(anc_model_glue *g, uint32_t n);
/* Audio thread: hands the waiting slots to the worker; they stay when the
 * host's queue is full and go on the next run. */
void anc_glue_flush(anc_model_glue *g);

/* Audio thread: patch:Set of the model hands its atom:Path to the worker as it
 * is; patch:Get of the model (or of everything) asks for a patch:Set on notify. */
void anc_glue_handle_set(anc_model_glue *g, const LV2_Atom_Object *obj);
void anc_glue_handle_get(anc_model_glue *g, const LV2_Atom_Object *obj);
/* Audio thread: writes patch:Set <model> = the playing model's path into the
 * forge's sequence when it fits whole (else it stays pending). */
void anc_glue_send_model(anc_model_glue *g, LV2_Atom_Forge *forge);

/* The worker (work() loads a model given as an atom:Path, passes an install
 * from restore() on and frees slots; work_response() installs a slot into the
 * player at the plugin's params, the one it replaces fading out) and the state
 * (the model's path, through state:mapPath when the host offers it; restore()
 * loads the model and builds the engine right there, then hands it to the
 * audio thread through the worker given to restore(); a state without a model
 * keeps the current one). */
extern const LV2_Worker_Interface anc_glue_worker;
extern const LV2_State_Interface anc_glue_state;
/* extension_data() of both plugins (any thread, no instance): the worker, the
 * state and the inline display interfaces, which all read the instance as the
 * anc_model_glue it starts with. */
const void *anc_glue_extension_data(const char *uri);

#endif

/* transfer.c — the transfer effect (ANC_TRANSFER_URI), the bundle's second LV2
 * plugin: host glue only. It re-voices its audio input in a model's timbre
 * through the transfer engine (core/transfer.h): the input's pitch (moved by
 * `transpose`) and loudness, the model's timbre moved by the knobs, which are
 * offsets added to the encoded latent; `mix` blends the re-voiced signal with
 * the input delayed by the same latency.
 *
 * Maps control ports to anc_engine_params through the transfer's control set
 * (core/controls.h), the model parameter (a patch:writable atom:Path of its
 * own, ANC_TRANSFER_MODEL_URI) to model loads in the worker, and the model path
 * to plugin state through the model glue it shares with the synth
 * (plugin/model_glue.h): slots made outside the audio thread (work(),
 * restore()), installed by work_response(), handed back by the player after
 * their crossfade (core/player.h) and freed by a second trip through the
 * worker. The audio thread never allocates or frees.
 *
 * Latency: the latency port reads the playing engine's anc_transfer_latency()
 * (transfer.h says what it is made of) at the host rate. Before a
 * model plays it reads what the bundle's default model gives at this rate, so
 * the value a host reads on its first silent cycle is the one the default state
 * keeps. It changes only when a model with another frame or rate is installed;
 * the port then reports the new delay from the first block that plays it, and
 * hosts that read the port after each cycle (Ardour, jalv) re-align.
 *
 * Inline display (Ardour's, plugin/inline_display.h), as the synth's: run()
 * hands the engine's snapshot (the re-voiced spectrum and a mark at the
 * input's pitch, anc_transfer_snapshot()) to the display about 30 times a
 * second through a lock-free triple buffer; render() draws it on the host's
 * display thread.
 *
 * Threads: run(), work_response() and activate()/deactivate() never overlap;
 * work() runs on the host's worker; restore() and save() on some non-audio
 * thread, concurrently with run(), and render() on the host's display thread,
 * concurrently with run(). The only data those other threads share is the
 * glue's saved path, under a mutex the audio thread never takes, and the display's
 * triple buffer, which takes no lock. Nothing is global. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/log/logger.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "controls.h"
#include "engine.h"
#include "model_glue.h"
#include "player.h"
#include "transfer.h"
#include "transfer_plugin.h"
#include "transfer_ports.h"

typedef struct {
    /* first, so the glue's worker and state interfaces take the instance: the
     * model parameter, its slots, worker and state (threads: model_glue.h) */
    anc_model_glue glue;

    /* port buffers */
    const float *control_in[ANC_TR_PORT_LATENCY];
    float *latency_port;
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notify;
    const float *in;
    float *out;

    /* host features */
    LV2_Log_Logger logger;
    LV2_Atom_Forge forge;
    double rate;

    /* audio thread only */
    bool fresh;          /* reset before the next block */
    anc_engine_params params;
} Transfer;

/* ------------------------------------------------------------ lifecycle -- */

/* Instantiation thread. Never fails for a missing or broken model: the effect
 * is silent until one loads. */
static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate,
                              const char *bundle_path, const LV2_Feature *const *features)
{
    (void)descriptor;
    LV2_URID_Map *map = NULL;
    LV2_Worker_Schedule *schedule = NULL;
    LV2_Log_Log *log = NULL;
    for (int i = 0; features && features[i]; i++) {
        const char *uri = features[i]->URI;
        if (!strcmp(uri, LV2_URID__map))
            map = (LV2_URID_Map *)features[i]->data;
        else if (!strcmp(uri, LV2_WORKER__schedule))
            schedule = (LV2_Worker_Schedule *)features[i]->data;
        else if (!strcmp(uri, LV2_LOG__log))
            log = (LV2_Log_Log *)features[i]->data;
    }
    LV2_Log_Logger logger;
    lv2_log_logger_init(&logger, map, log);
    if (!map || !schedule) {
        lv2_log_error(&logger, "Ancestral transfer: the host lacks %s\n",
                      !map ? LV2_URID__map : LV2_WORKER__schedule);
        return NULL;
    }
    Transfer *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (anc_glue_init(&self->glue, "Ancestral transfer", 1, ANC_TRANSFER_URI,
                      ANC_TRANSFER_MODEL_URI, rate, map, schedule, &logger) != 0) {
        free(self);
        return NULL;
    }
    self->logger = logger;
    self->rate = rate;
    lv2_atom_forge_init(&self->forge, map);
    anc_engine_params_default(&self->params);

    if (anc_glue_start(&self->glue, features, bundle_path, &self->params) != 0) {
        anc_glue_destroy(&self->glue);
        free(self);
        return NULL;
    }
    return self;
}

/* Audio class: stores the pointer, nothing else. */
static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    Transfer *self = instance;
    switch (port) {
    case ANC_TR_PORT_LATENCY: self->latency_port = data; break;
    case ANC_TR_PORT_CONTROL: self->control = data; break;
    case ANC_TR_PORT_NOTIFY: self->notify = data; break;
    case ANC_TR_PORT_IN: self->in = data; break;
    case ANC_TR_PORT_OUT: self->out = data; break;
    default:
        if (port < ANC_TR_PORT_LATENCY)
            self->control_in[port] = data;
        break;
    }
}

/* Instantiation class: clears all signal state. */
static void activate(LV2_Handle instance)
{
    Transfer *self = instance;
    anc_glue_bury(&self->glue, anc_player_cut_fade(self->glue.player));
    anc_player_set_params(self->glue.player, &self->params);
    anc_player_reset(self->glue.player);
    self->fresh = true; /* and again with the controls of the first run() */
}

static void deactivate(LV2_Handle instance) { (void)instance; }

/* Instantiation class: frees every slot that still exists, wherever it is. */
static void cleanup(LV2_Handle instance)
{
    Transfer *self = instance;
    anc_glue_destroy(&self->glue);
    free(self);
}

/* ------------------------------------------------------------------ run -- */

/* Every control port into params; an unconnected one reads as its default.
 * Garbage is the engine's to sanitise (anc_transfer_set_params). */
static void read_controls(Transfer *self)
{
    for (int i = 0; i < ANC_TR_PORT_LATENCY; i++) {
        const int id = anc_tr_port_control(i);
        anc_control_store(&self->params, id,
                          self->control_in[i] ? *self->control_in[i] : anc_controls[id].def);
    }
}

/* Audio thread, hard real time: no allocation, lock, file access, printing or
 * FFTW planning; any n, any garbage in the control ports and the input. */
static void run(LV2_Handle instance, uint32_t n)
{
    Transfer *self = instance;
    read_controls(self);
    if (self->control) {
        LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
            if (!lv2_atom_forge_is_object_type(&self->forge, ev->body.type) ||
                ev->body.size < sizeof(LV2_Atom_Object_Body))
                continue;
            const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
            if (obj->body.otype == self->glue.uris.patch_Set)
                anc_glue_handle_set(&self->glue, obj);
            else if (obj->body.otype == self->glue.uris.patch_Get)
                anc_glue_handle_get(&self->glue, obj);
        }
    }
    anc_glue_flush(&self->glue);

    if (self->notify && self->notify->atom.size >= sizeof(LV2_Atom_Sequence)) {
        LV2_Atom_Forge_Frame seq;
        lv2_atom_forge_set_buffer(&self->forge, (uint8_t *)self->notify, self->notify->atom.size);
        lv2_atom_forge_sequence_head(&self->forge, &seq, 0);
        if (self->glue.notify_pending)
            anc_glue_send_model(&self->glue, &self->forge);
        lv2_atom_forge_pop(&self->forge, &seq);
    }
    if (self->latency_port)
        *self->latency_port = (float)anc_player_latency(self->glue.player);
    if (!self->out)
        return;
    anc_player_set_params(self->glue.player, &self->params);
    if (self->fresh) {
        anc_player_reset(self->glue.player);
        self->fresh = false;
    }
    if (self->in) {
        anc_glue_bury(&self->glue,
                      anc_player_process_input(self->glue.player, self->in, self->out, n));
    } else {
        /* An unconnected input is silence; out doubles as that input. */
        memset(self->out, 0, sizeof(float) * n);
        anc_glue_bury(&self->glue,
                      anc_player_process_input(self->glue.player, self->out, self->out, n));
    }
    anc_glue_end_run(&self->glue, n);
}

/* ------------------------------------------------------------ discovery -- */

static const LV2_Descriptor descriptor = {
    ANC_TRANSFER_URI, instantiate, connect_port, activate, run, deactivate, cleanup,
    anc_glue_extension_data,
};

const LV2_Descriptor *anc_lv2_transfer_descriptor(void) { return &descriptor; }

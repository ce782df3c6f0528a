/* ancestral.c — the Ancestral LV2 plugin (ANC_PLUGIN_URI): host glue only.
 *
 * Maps control ports to anc_engine_params (through the control table,
 * core/controls.h), the model parameter (a patch:writable atom:Path) to model
 * loads in the worker, and the model path to plugin state. All signal
 * processing lives in core/: the engine, and the player (core/player.h) that
 * crossfades from a replaced engine to the new one.
 *
 * Ownership of engines: the model glue (plugin/model_glue.h, shared with the
 * transfer effect) keeps each engine in a slot with the path it came from,
 * made outside the audio thread, installed by work_response(), handed back by
 * the player once its fade is over and freed by a second trip through the
 * worker. The audio thread never allocates or frees.
 *
 * Latency: the latency port reads anc_player_latency(): that of the playing
 * engine (half its hop at the host rate: fixed for a given model and rate).
 * Until a model plays it reads what the bundle's default model gives at this
 * rate (anc_engine_latency_for() in instantiate()), so a host that reads it on
 * its first silent cycle sees the value the default state then keeps; 0 if the
 * bundle has none.
 *
 * Inline display (Ardour's, plugin/inline_display.h): run() hands the engine's
 * snapshot (spectrum and voices, core/snapshot.h) to the display about 30
 * times a second through a lock-free triple buffer; render() draws it on the
 * host's display thread.
 *
 * Threads: run(), work_response() and activate()/deactivate() never overlap (the
 * LV2 threading classes); work() runs on the host's worker; restore() and save()
 * run on some non-audio thread, concurrently with run(), and render() on the
 * host's display thread, concurrently with run(). The only data those other
 * threads share is the glue's saved path, under a mutex that the audio thread
 * never takes, and the display's triple buffer, which takes no lock. Nothing is global:
 * every instance owns all of its state. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/log/logger.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "controls.h"
#include "engine.h"
#include "model_glue.h"
#include "player.h"
#include "ports.h"
#include "transfer_plugin.h"

/* Fastest transport speed believed (time:speed); a faster one is garbage, and
 * block length times speed must fit the int64_t frame counter. */
#define ANC_MAX_SPEED 1.0e6

/* The URIs beyond the model glue's. */
typedef struct {
    LV2_URID atom_Int;
    LV2_URID bufsz_maxBlockLength, bufsz_nominalBlockLength;
    LV2_URID atom_Float, atom_Double, atom_Long, time_Position, time_speed, time_frame;
    LV2_URID midi_MidiEvent;
} anc_uris;

typedef struct {
    /* first, so the glue's worker and state interfaces take the instance: the
     * model parameter, its slots, worker and state (threads: model_glue.h) */
    anc_model_glue glue;

    /* port buffers, by anc_port index */
    const float *in[ANC_PORT_COUNT];
    float *latency_port;
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notify;
    float *out;

    /* host features */
    LV2_URID_Map *map;
    LV2_Log_Logger logger;
    LV2_Atom_Forge forge;
    anc_uris uris;
    double rate;
    int32_t max_block, nominal_block; /* 0 when the host did not say */

    /* audio thread only */
    bool fresh;            /* reset before the next block: z starts at the knobs */
    double speed;          /* transport speed from the host's last time:Position */
    int64_t next_frame;    /* timeline frame the next block starts at when rolling */
    bool rolling_known;    /* next_frame is valid */
    anc_engine_params params;

} Ancestral;

/* ------------------------------------------------------------ lifecycle -- */

static void map_uris(LV2_URID_Map *map, anc_uris *u)
{
    u->atom_Int = map->map(map->handle, LV2_ATOM__Int);
    u->bufsz_maxBlockLength = map->map(map->handle, LV2_BUF_SIZE__maxBlockLength);
    u->bufsz_nominalBlockLength = map->map(map->handle, LV2_BUF_SIZE__nominalBlockLength);
    u->atom_Float = map->map(map->handle, LV2_ATOM__Float);
    u->atom_Double = map->map(map->handle, LV2_ATOM__Double);
    u->atom_Long = map->map(map->handle, LV2_ATOM__Long);
    u->time_Position = map->map(map->handle, LV2_TIME__Position);
    u->time_speed = map->map(map->handle, LV2_TIME__speed);
    u->time_frame = map->map(map->handle, LV2_TIME__frame);
    u->midi_MidiEvent = map->map(map->handle, LV2_MIDI__MidiEvent);
}

/* Instantiation thread. May allocate and read files; never fails for a missing
 * or broken model (the plugin is silent until one loads). */
static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate,
                              const char *bundle_path, const LV2_Feature *const *features)
{
    (void)descriptor;
    LV2_URID_Map *map = NULL;
    LV2_Worker_Schedule *schedule = NULL;
    LV2_Log_Log *log = NULL;
    const LV2_Options_Option *options = NULL;
    for (int i = 0; features && features[i]; i++) {
        const char *uri = features[i]->URI;
        if (!strcmp(uri, LV2_URID__map))
            map = (LV2_URID_Map *)features[i]->data;
        else if (!strcmp(uri, LV2_WORKER__schedule))
            schedule = (LV2_Worker_Schedule *)features[i]->data;
        else if (!strcmp(uri, LV2_LOG__log))
            log = (LV2_Log_Log *)features[i]->data;
        else if (!strcmp(uri, LV2_OPTIONS__options))
            options = (const LV2_Options_Option *)features[i]->data;
    }
    LV2_Log_Logger logger;
    lv2_log_logger_init(&logger, map, log);
    if (!map || !schedule) {
        lv2_log_error(&logger, "Ancestral: the host lacks %s\n",
                      !map ? LV2_URID__map : LV2_WORKER__schedule);
        return NULL;
    }

    Ancestral *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (anc_glue_init(&self->glue, "Ancestral", 0, ANC_PLUGIN_URI, ANC_MODEL_URI, rate, map,
                      schedule, &logger) != 0) {
        free(self);
        return NULL;
    }
    self->map = map;
    self->logger = logger;
    self->rate = rate;
    map_uris(map, &self->uris);
    lv2_atom_forge_init(&self->forge, map);
    anc_engine_params_default(&self->params);

    /* Recorded for reference only: the engine plays from a FIFO one hop long and
     * handles any block length without block-sized buffers. */
    for (int i = 0; options && options[i].key; i++) {
        const LV2_Options_Option *o = &options[i];
        if (o->type != self->uris.atom_Int || o->size != sizeof(int32_t) || !o->value)
            continue;
        if (o->key == self->uris.bufsz_maxBlockLength)
            self->max_block = *(const int32_t *)o->value;
        else if (o->key == self->uris.bufsz_nominalBlockLength)
            self->nominal_block = *(const int32_t *)o->value;
    }

    if (anc_glue_start(&self->glue, features, bundle_path, &self->params) != 0) {
        anc_glue_destroy(&self->glue);
        free(self);
        return NULL;
    }
    return self;
}

/* Audio class (may come between runs): stores the pointer, nothing else. */
static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    Ancestral *self = instance;
    if (port >= ANC_PORT_COUNT)
        return;
    switch ((anc_port)port) {
    case ANC_PORT_LATENCY:
        self->latency_port = data;
        break;
    case ANC_PORT_CONTROL:
        self->control = data;
        break;
    case ANC_PORT_NOTIFY:
        self->notify = data;
        break;
    case ANC_PORT_OUT:
        self->out = data;
        break;
    default:
        self->in[port] = data;
        break;
    }
}

/* Instantiation class: never concurrent with run(), so it may touch the
 * audio-thread fields. Clears all signal state. */
static void activate(LV2_Handle instance)
{
    Ancestral *self = instance;
    anc_glue_bury(&self->glue, anc_player_cut_fade(self->glue.player));
    anc_player_set_params(self->glue.player, &self->params);
    anc_player_reset(self->glue.player);
    /* The control ports hold the values of the last run before deactivate();
     * the host may have changed them since, so the first run() resets again
     * with what it reads then (a render must not depend on earlier sessions). */
    self->fresh = true;
}

/* Instantiation class. The engine stays loaded so that activate() resumes with
 * the same model. */
static void deactivate(LV2_Handle instance) { (void)instance; }

/* Instantiation class: no other call is in flight. Frees every slot that still
 * exists: playing, fading, waiting to be freed, or dropped in a host queue. */
static void cleanup(LV2_Handle instance)
{
    Ancestral *self = instance;
    anc_glue_destroy(&self->glue);
    free(self);
}

/* ------------------------------------------------------------------ run -- */

static float port_or(const float *p, float dflt) { return p ? *p : dflt; }

/* Reads every control port (anc_control_port() maps control ids to port
 * indices); an unconnected one reads as its default. NaN, Inf and out-of-range
 * values are the engine's to sanitise; anc_control_store() settles those that
 * become ints. */
static void read_controls(Ancestral *self)
{
    const anc_plugin_controls *pc = &anc_plugins[ANC_PLUGIN_SYNTH];
    for (int k = 0; k < pc->n; k++) {
        const int id = pc->ids[k];
        anc_control_store(&self->params, id,
                          port_or(self->in[anc_control_port(id)], anc_controls[id].def));
    }
}

static double atom_number(const anc_uris *u, const LV2_Atom *a, double fallback)
{
    if (!a)
        return fallback;
    if (a->type == u->atom_Float && a->size >= sizeof(float))
        return ((const LV2_Atom_Float *)a)->body;
    if (a->type == u->atom_Double && a->size >= sizeof(double))
        return ((const LV2_Atom_Double *)a)->body;
    if (a->type == u->atom_Long && a->size >= sizeof(int64_t))
        return (double)((const LV2_Atom_Long *)a)->body;
    if (a->type == u->atom_Int && a->size >= sizeof(int32_t))
        return ((const LV2_Atom_Int *)a)->body;
    return fallback;
}

/* Audio thread. The transport starting, or jumping while it rolls, resets the
 * engine, so what plays from a timeline position depends only on the session
 * (an export, a second export, a reopened session's export: the same samples),
 * not on how long the plugin had been running before. Ardour 7.3 writes
 * time:Position only into an atom input it feeds: since the control port takes
 * MIDI, that is on a MIDI track (on an audio track the MIDI input is unmapped
 * and neither MIDI nor time:Position arrives; seen with its bounces). */
static void handle_position(Ancestral *self, const LV2_Atom_Object *obj)
{
    const LV2_Atom *speed = NULL, *frame = NULL;
    lv2_atom_object_get(obj, self->uris.time_speed, &speed, self->uris.time_frame, &frame, 0);
    double sp = atom_number(&self->uris, speed, self->speed);
    double fr = atom_number(&self->uris, frame, NAN);
    if (!(fabs(sp) <= ANC_MAX_SPEED)) /* NaN, Inf, or garbage */
        return;
    if (!(fabs(fr) < 9.0e18)) /* NaN, or beyond int64_t */
        fr = NAN;
    bool starts = sp != 0.0 && self->speed == 0.0;
    bool jumps = sp != 0.0 && self->rolling_known && isfinite(fr) &&
                 (int64_t)fr != self->next_frame;
    if (starts || jumps)
        self->fresh = true;
    self->speed = sp;
    self->rolling_known = sp != 0.0 && isfinite(fr);
    if (self->rolling_known)
        self->next_frame = (int64_t)fr;
}

/* Audio thread, hard real time: no allocation, lock, file access, printing or
 * FFTW planning; any n from 0 up, any garbage in the control ports. */
static void run(LV2_Handle instance, uint32_t n)
{
    Ancestral *self = instance;
    read_controls(self);

    /* Requests first: a host whose worker runs synchronously (freewheeling)
     * installs a new model before this block is rendered. */
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
            else if (obj->body.otype == self->uris.time_Position)
                handle_position(self, obj);
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
    if (anc_player_current(self->glue.player)) {
        anc_player_set_params(self->glue.player, &self->params);
        if (self->fresh) {
            anc_player_reset(self->glue.player);
            self->fresh = false;
        }
        if (self->rolling_known)
            /* Wraps instead of overflowing when the host's frame is near the end
             * of the int64_t range (only equality is ever compared). */
            self->next_frame =
                (int64_t)((uint64_t)self->next_frame + (uint64_t)llround(n * self->speed));
    }
    /* The block is rendered in pieces split at each MIDI event's frame offset,
     * the event going to the engine between them. Offsets out of order or out
     * of the block are clamped, never trusted. */
    uint32_t pos = 0;
    if (self->control) {
        LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
            if (ev->body.type != self->uris.midi_MidiEvent)
                continue;
            int64_t t = ev->time.frames;
            uint32_t at = t < (int64_t)pos ? pos : t > (int64_t)n ? n : (uint32_t)t;
            if (at > pos) {
                anc_glue_bury(&self->glue,
                              anc_player_process(self->glue.player, self->out + pos, at - pos));
                pos = at;
            }
            anc_player_midi(self->glue.player, (const uint8_t *)LV2_ATOM_BODY_CONST(&ev->body),
                            ev->body.size);
        }
    }
    anc_glue_bury(&self->glue, anc_player_process(self->glue.player, self->out + pos, n - pos));
    anc_glue_end_run(&self->glue, n);
}

/* ------------------------------------------------------------ discovery -- */

static const LV2_Descriptor descriptor = {
    ANC_PLUGIN_URI, instantiate, connect_port, activate, run, deactivate, cleanup,
    anc_glue_extension_data,
};

/* The module's only exported symbol: the synth, then the transfer effect. */
LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : index == 1 ? anc_lv2_transfer_descriptor() : NULL;
}

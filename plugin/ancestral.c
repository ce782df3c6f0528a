/* ancestral.c — the Ancestral LV2 plugin (ANC_PLUGIN_URI): host glue only.
 *
 * Maps control ports to anc_engine_params (through the control table,
 * core/controls.h), the model parameter (a patch:writable atom:Path) to model
 * loads in the worker, and the model path to plugin state. All signal
 * processing lives in core/: the engine, and the player (core/player.h) that
 * crossfades from a replaced engine to the new one.
 *
 * Ownership of engines. An engine travels inside an anc_slot together with the
 * path it came from. Slots are made outside the audio thread (work(), restore()),
 * installed in the player by work_response() in the audio thread, and freed
 * outside it again: the player hands a replaced slot back once its fade is over,
 * and it waits in a list owned by the audio thread until a second trip through
 * the worker frees it. The audio thread never allocates or frees.
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
 * threads share is saved_path, under a mutex that the audio thread never takes,
 * and the display's triple buffer, which takes no lock. Nothing is global:
 * every instance owns all of its state. */
#include <math.h>
#include <pthread.h>
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
#include "inline_display.h"
#include "model.h"
#include "player.h"
#include "ports.h"
#include "transfer_plugin.h"

/* Private URIs that tag our own worker messages (never seen by the host). */
#define ANC_INSTALL_URI ANC_PLUGIN_URI "#installEngine"
#define ANC_FREE_URI ANC_PLUGIN_URI "#freeEngine"

/* The bundle's default model: the one state:state in ancestral.ttl names. */
#define ANC_DEFAULT_MODEL "default.vae"

/* Fastest transport speed believed (time:speed); a faster one is garbage, and
 * block length times speed must fit the int64_t frame counter. */
#define ANC_MAX_SPEED 1.0e6

typedef struct anc_slot {
    anc_player_entry entry; /* the engine, as the player holds it */
    struct anc_slot *next; /* link in the list of slots waiting to be freed */
    struct anc_slot *all_prev, *all_next; /* every live slot of the instance */
    uint32_t path_len;     /* strlen(path) */
    char path[];           /* absolute path of the model file */
} anc_slot;

/* A worker message: an atom header whose type says what it is. Model loads
 * travel as the atom:Path atom from patch:Set itself; installs and frees as: */
typedef struct {
    LV2_Atom atom; /* size = sizeof(anc_slot *), type = install or free */
    anc_slot *slot;
} anc_slot_msg;

typedef struct {
    LV2_URID atom_Path, atom_URID, atom_Int;
    LV2_URID patch_Get, patch_Set, patch_property, patch_value, patch_subject;
    LV2_URID plugin, model, install, free;
    LV2_URID bufsz_maxBlockLength, bufsz_nominalBlockLength;
    LV2_URID atom_Float, atom_Double, atom_Long, time_Position, time_speed, time_frame;
    LV2_URID midi_MidiEvent;
} anc_uris;

typedef struct {
    /* port buffers, by anc_port index */
    const float *in[ANC_PORT_COUNT];
    float *latency_port;
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notify;
    float *out;

    /* host features */
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    LV2_Atom_Forge forge;
    anc_uris uris;
    double rate;
    int32_t max_block, nominal_block; /* 0 when the host did not say */

    /* audio thread only */
    anc_player *player;    /* the playing and the fading slot's engines */
    anc_slot *graveyard;   /* replaced slots still to be sent to the worker */
    bool notify_pending;   /* send patch:Set of the model on the next run */
    bool fresh;            /* reset before the next block: z starts at the knobs */
    double speed;          /* transport speed from the host's last time:Position */
    int64_t next_frame;    /* timeline frame the next block starts at when rolling */
    bool rolling_known;    /* next_frame is valid */
    anc_engine_params params;

    anc_display *display; /* run() hands it frames; render() draws them */

    /* shared by work(), restore() and save(), never touched by the audio thread */
    pthread_mutex_t path_lock;
    char *saved_path; /* the newest model handed to the audio thread, malloc'd */
    /* Every slot that exists, wherever it is (playing, fading, in a host queue),
     * so cleanup() frees the ones a host drops with its worker queue. Touched
     * only where slots are made and freed, never by the audio thread. */
    pthread_mutex_t slots_lock;
    anc_slot *all;
} Ancestral;

/* ---------------------------------------------------------------- slots -- */

/* The slot around an entry the player holds or hands back (NULL for NULL). */
static anc_slot *slot_of(anc_player_entry *e)
{
    return e ? (anc_slot *)(void *)((char *)e - offsetof(anc_slot, entry)) : NULL;
}

static void slot_free_chain(Ancestral *self, anc_slot *s)
{
    while (s) {
        anc_slot *next = s->next;
        pthread_mutex_lock(&self->slots_lock);
        if (s->all_prev)
            s->all_prev->all_next = s->all_next;
        else
            self->all = s->all_next;
        if (s->all_next)
            s->all_next->all_prev = s->all_prev;
        pthread_mutex_unlock(&self->slots_lock);
        anc_engine_free(s->entry.engine);
        free(s);
        s = next;
    }
}

/* Loads the model at path and builds an engine for the host rate. Allocates and
 * plans FFTs: never call from the audio thread. */
static anc_status slot_load(Ancestral *self, const char *path, anc_slot **out,
                            anc_error *err)
{
    *out = NULL;
    anc_model *m = NULL;
    anc_engine *e = NULL;
    anc_status s = anc_model_load_file(&m, path, err); /* messages name the path */
    if (s != ANC_OK)
        return s;
    s = anc_engine_create(&e, m, self->rate, ANC_ENGINE_SEED, err);
    anc_model_free(m);
    if (s != ANC_OK) {
        char why[ANC_ERROR_MESSAGE_MAX];
        memcpy(why, err->message, sizeof why);
        return anc_error_set(err, s, "%s: %s", path, why);
    }
    size_t n = strlen(path);
    anc_slot *slot = malloc(sizeof *slot + n + 1);
    if (!slot) {
        anc_engine_free(e);
        return anc_error_set(err, ANC_E_NOMEM, "%s: out of memory", path);
    }
    slot->entry.engine = e;
    slot->next = NULL;
    slot->path_len = (uint32_t)n;
    memcpy(slot->path, path, n + 1);
    pthread_mutex_lock(&self->slots_lock);
    slot->all_prev = NULL;
    slot->all_next = self->all;
    if (self->all)
        self->all->all_prev = slot;
    self->all = slot;
    pthread_mutex_unlock(&self->slots_lock);
    *out = slot;
    return ANC_OK;
}

/* Records path as the model to save. Non-audio threads only (allocates). */
static void remember_path(Ancestral *self, const char *path)
{
    char *copy = strdup(path);
    pthread_mutex_lock(&self->path_lock);
    free(self->saved_path);
    self->saved_path = copy;
    pthread_mutex_unlock(&self->path_lock);
}

/* Audio thread: hands every waiting slot to the worker to be freed. A slot
 * stays in the list when the host's queue is full and goes on the next run. */
static void flush_graveyard(Ancestral *self)
{
    if (!self->graveyard)
        return;
    anc_slot_msg msg = {{sizeof(anc_slot *), self->uris.free}, self->graveyard};
    if (self->schedule->schedule_work(self->schedule->handle, sizeof msg, &msg) ==
        LV2_WORKER_SUCCESS)
        self->graveyard = NULL;
}

/* Audio thread (and activate/cleanup): queues s for freeing by the worker. */
static void bury(Ancestral *self, anc_slot *s)
{
    if (!s)
        return;
    anc_slot *last = s;
    while (last->next)
        last = last->next;
    last->next = self->graveyard;
    self->graveyard = s;
}

/* ------------------------------------------------------------ lifecycle -- */

static void map_uris(LV2_URID_Map *map, anc_uris *u)
{
    u->atom_Path = map->map(map->handle, LV2_ATOM__Path);
    u->atom_URID = map->map(map->handle, LV2_ATOM__URID);
    u->atom_Int = map->map(map->handle, LV2_ATOM__Int);
    u->patch_Get = map->map(map->handle, LV2_PATCH__Get);
    u->patch_Set = map->map(map->handle, LV2_PATCH__Set);
    u->patch_property = map->map(map->handle, LV2_PATCH__property);
    u->patch_value = map->map(map->handle, LV2_PATCH__value);
    u->patch_subject = map->map(map->handle, LV2_PATCH__subject);
    u->plugin = map->map(map->handle, ANC_PLUGIN_URI);
    u->model = map->map(map->handle, ANC_MODEL_URI);
    u->install = map->map(map->handle, ANC_INSTALL_URI);
    u->free = map->map(map->handle, ANC_FREE_URI);
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

/* Latency the bundle's default model gives at this rate, so the latency port
 * reads right from the first run(), before the default state's load completes,
 * and does not change when it does. 0 when the bundle has no usable default. */
static uint32_t default_model_latency(Ancestral *self, const char *bundle_path)
{
    if (!bundle_path)
        return 0;
    size_t n = strlen(bundle_path);
    char *path = malloc(n + sizeof "/" ANC_DEFAULT_MODEL);
    if (!path)
        return 0;
    memcpy(path, bundle_path, n);
    if (n == 0 || path[n - 1] != '/')
        path[n++] = '/';
    memcpy(path + n, ANC_DEFAULT_MODEL, sizeof ANC_DEFAULT_MODEL);
    uint32_t latency = 0;
    anc_model *m = NULL;
    anc_error err;
    anc_error_clear(&err);
    anc_status s = anc_model_load_file(&m, path, &err); /* messages name the path */
    if (s == ANC_OK && anc_engine_latency_for(m, self->rate, &latency, &err) != ANC_OK)
        lv2_log_warning(&self->logger, "Ancestral: the bundle's default model is unusable: %s: %s\n",
                        path, err.message);
    else if (s != ANC_OK && s != ANC_E_IO)
        lv2_log_warning(&self->logger,
                        "Ancestral: the bundle's default model is unusable: %s\n", err.message);
    anc_model_free(m);
    free(path);
    return latency;
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
    if (pthread_mutex_init(&self->path_lock, NULL) != 0) {
        free(self);
        return NULL;
    }
    if (pthread_mutex_init(&self->slots_lock, NULL) != 0) {
        pthread_mutex_destroy(&self->path_lock);
        free(self);
        return NULL;
    }
    self->map = map;
    self->schedule = schedule;
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

    anc_error err;
    anc_error_clear(&err);
    self->display = anc_display_new(features, rate);
    if (!self->display)
        anc_error_set(&err, ANC_E_NOMEM, "out of memory for the inline display");
    if (!self->display ||
        anc_player_create(&self->player, rate, default_model_latency(self, bundle_path), &err) !=
            ANC_OK) {
        lv2_log_error(&logger, "Ancestral: %s\n", err.message);
        anc_display_free(self->display);
        pthread_mutex_destroy(&self->slots_lock);
        pthread_mutex_destroy(&self->path_lock);
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
    bury(self, slot_of(anc_player_cut_fade(self->player)));
    anc_player_set_params(self->player, &self->params);
    anc_player_reset(self->player);
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
    anc_slot *s = self->all;
    while (s) {
        anc_slot *next = s->all_next;
        anc_engine_free(s->entry.engine);
        free(s);
        s = next;
    }
    anc_player_free(self->player);
    anc_display_free(self->display);
    free(self->saved_path);
    pthread_mutex_destroy(&self->path_lock);
    pthread_mutex_destroy(&self->slots_lock);
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

/* Whether a is a whole atom:URID naming v (a host or UI may send a short one). */
static bool urid_is(const Ancestral *self, const LV2_Atom *a, LV2_URID v)
{
    return a && a->type == self->uris.atom_URID && a->size >= sizeof(LV2_URID) &&
           ((const LV2_Atom_URID *)a)->body == v;
}

/* patch:Set of the model: hand the atom:Path to the worker as it is. */
static void handle_set(Ancestral *self, const LV2_Atom_Object *obj)
{
    const LV2_Atom *subject = NULL, *property = NULL, *value = NULL;
    lv2_atom_object_get(obj, self->uris.patch_subject, &subject, self->uris.patch_property,
                        &property, self->uris.patch_value, &value, 0);
    /* No subject means this plugin; a URID subject must name it. */
    if (subject && subject->type == self->uris.atom_URID &&
        !urid_is(self, subject, self->uris.plugin))
        return;
    if (!urid_is(self, property, self->uris.model))
        return;
    if (!value || value->type != self->uris.atom_Path || value->size < 2)
        return;
    /* A full queue drops the request; the host or user can send it again. */
    self->schedule->schedule_work(self->schedule->handle, lv2_atom_total_size(value), value);
}

static void handle_get(Ancestral *self, const LV2_Atom_Object *obj)
{
    const LV2_Atom *property = NULL;
    lv2_atom_object_get(obj, self->uris.patch_property, &property, 0);
    if (!property || urid_is(self, property, self->uris.model))
        self->notify_pending = true;
}

/* Writes patch:Set <model> = the playing model's path into notify, when it fits
 * whole (a half-written event would be worse than a late one). */
static void send_model(Ancestral *self)
{
    const anc_slot *s = slot_of(anc_player_current(self->player));
    if (!s) {
        self->notify_pending = false;
        return;
    }
    const LV2_Atom_Forge *f = &self->forge;
    uint32_t need = (uint32_t)sizeof(LV2_Atom_Event) + (uint32_t)sizeof(LV2_Atom_Object_Body) +
                    2 * (uint32_t)sizeof(LV2_Atom_Property_Body) +
                    lv2_atom_pad_size(sizeof(LV2_URID)) + lv2_atom_pad_size(s->path_len + 1);
    if (f->offset > f->size || f->size - f->offset < need)
        return; /* stays pending for the next run */
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_frame_time(&self->forge, 0);
    lv2_atom_forge_object(&self->forge, &frame, 0, self->uris.patch_Set);
    lv2_atom_forge_key(&self->forge, self->uris.patch_property);
    lv2_atom_forge_urid(&self->forge, self->uris.model);
    lv2_atom_forge_key(&self->forge, self->uris.patch_value);
    lv2_atom_forge_path(&self->forge, s->path, s->path_len);
    lv2_atom_forge_pop(&self->forge, &frame);
    self->notify_pending = false;
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
            if (obj->body.otype == self->uris.patch_Set)
                handle_set(self, obj);
            else if (obj->body.otype == self->uris.patch_Get)
                handle_get(self, obj);
            else if (obj->body.otype == self->uris.time_Position)
                handle_position(self, obj);
        }
    }
    flush_graveyard(self);

    if (self->notify && self->notify->atom.size >= sizeof(LV2_Atom_Sequence)) {
        LV2_Atom_Forge_Frame seq;
        lv2_atom_forge_set_buffer(&self->forge, (uint8_t *)self->notify, self->notify->atom.size);
        lv2_atom_forge_sequence_head(&self->forge, &seq, 0);
        if (self->notify_pending)
            send_model(self);
        lv2_atom_forge_pop(&self->forge, &seq);
    }

    if (self->latency_port)
        *self->latency_port = (float)anc_player_latency(self->player);

    if (!self->out)
        return;
    if (anc_player_current(self->player)) {
        anc_player_set_params(self->player, &self->params);
        if (self->fresh) {
            anc_player_reset(self->player);
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
                bury(self, slot_of(anc_player_process(self->player, self->out + pos, at - pos)));
                pos = at;
            }
            anc_player_midi(self->player, (const uint8_t *)LV2_ATOM_BODY_CONST(&ev->body),
                            ev->body.size);
        }
    }
    bury(self, slot_of(anc_player_process(self->player, self->out + pos, n - pos)));
    flush_graveyard(self);

    if (anc_display_due(self->display, n)) {
        anc_player_snapshot(self->player, anc_display_frame(self->display));
        anc_display_publish(self->display);
    }
}

/* --------------------------------------------------------------- worker -- */

/* Worker thread (or, while the host freewheels, the audio thread itself): may
 * allocate, read files and plan FFTs; must not touch audio-thread fields. */
static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    Ancestral *self = instance;
    LV2_Atom head;
    if (!data || size < sizeof head)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&head, data, sizeof head);
    if (head.size > size - sizeof head)
        return LV2_WORKER_ERR_UNKNOWN;

    if (head.type == self->uris.atom_Path) {
        const char *body = (const char *)data + sizeof head;
        if (!memchr(body, '\0', head.size)) {
            lv2_log_error(&self->logger, "Ancestral: model path is not a terminated string\n");
            return LV2_WORKER_ERR_UNKNOWN;
        }
        anc_slot *slot = NULL;
        anc_error err;
        anc_error_clear(&err);
        if (slot_load(self, body, &slot, &err) != ANC_OK) {
            lv2_log_error(&self->logger, "Ancestral: model not loaded, keeping the current one: %s\n",
                          err.message);
            return LV2_WORKER_ERR_UNKNOWN;
        }
        anc_slot_msg msg = {{sizeof(anc_slot *), self->uris.install}, slot};
        if (respond(handle, sizeof msg, &msg) != LV2_WORKER_SUCCESS) {
            lv2_log_error(&self->logger, "Ancestral: %s: host worker queue full, not loaded\n",
                          body);
            slot_free_chain(self, slot);
            return LV2_WORKER_ERR_NO_SPACE;
        }
        remember_path(self, body);
        return LV2_WORKER_SUCCESS;
    }

    if (head.size != sizeof(anc_slot *))
        return LV2_WORKER_ERR_UNKNOWN;
    anc_slot_msg msg;
    memcpy(&msg, data, sizeof msg);
    if (head.type == self->uris.install) { /* from restore(): pass it on to the audio thread */
        LV2_Worker_Status st = respond(handle, sizeof msg, &msg);
        if (st != LV2_WORKER_SUCCESS) {
            lv2_log_error(&self->logger, "Ancestral: %s: host worker queue full, not loaded\n",
                          msg.slot->path);
            slot_free_chain(self, msg.slot);
        }
        return st;
    }
    if (head.type == self->uris.free) {
        slot_free_chain(self, msg.slot);
        return LV2_WORKER_SUCCESS;
    }
    return LV2_WORKER_ERR_UNKNOWN;
}

/* Audio thread (run() context): installs a new slot and starts the old one's
 * fade; real-time rules as in run(). */
static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *body)
{
    Ancestral *self = instance;
    anc_slot_msg msg;
    if (!body || size != sizeof msg)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&msg, body, sizeof msg);
    if (msg.atom.type != self->uris.install || !msg.slot)
        return LV2_WORKER_ERR_UNKNOWN;

    bury(self, slot_of(anc_player_install(self->player, &msg.slot->entry, &self->params)));
    self->notify_pending = true;
    flush_graveyard(self);
    return LV2_WORKER_SUCCESS;
}

/* ---------------------------------------------------------------- state -- */

static const LV2_Feature *find_feature(const LV2_Feature *const *features, const char *uri)
{
    for (int i = 0; features && features[i]; i++)
        if (!strcmp(features[i]->URI, uri))
            return features[i];
    return NULL;
}

static void free_host_path(const LV2_State_Free_Path *fp, char *path)
{
    if (fp)
        fp->free_path(fp->handle, path);
    else
        free(path);
}

/* Non-audio thread, possibly concurrent with run(): reads only saved_path. */
static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store,
                             LV2_State_Handle handle, uint32_t flags,
                             const LV2_Feature *const *features)
{
    (void)flags;
    Ancestral *self = instance;
    pthread_mutex_lock(&self->path_lock);
    char *path = self->saved_path ? strdup(self->saved_path) : NULL;
    bool had_path = self->saved_path != NULL;
    pthread_mutex_unlock(&self->path_lock);
    if (!had_path)
        return LV2_STATE_SUCCESS; /* no model yet: nothing to save */
    if (!path)
        return LV2_STATE_ERR_UNKNOWN;

    const LV2_Feature *mp = find_feature(features, LV2_STATE__mapPath);
    const LV2_Feature *fp = find_feature(features, LV2_STATE__freePath);
    const LV2_State_Free_Path *free_path = fp ? fp->data : NULL;
    LV2_State_Status st;
    if (mp) {
        const LV2_State_Map_Path *map_path = mp->data;
        char *abstract = map_path->abstract_path(map_path->handle, path);
        if (!abstract) {
            free(path);
            return LV2_STATE_ERR_UNKNOWN;
        }
        st = store(handle, self->uris.model, abstract, strlen(abstract) + 1, self->uris.atom_Path,
                   LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
        free_host_path(free_path, abstract);
    } else {
        st = store(handle, self->uris.model, path, strlen(path) + 1, self->uris.atom_Path,
                   LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    }
    free(path);
    return st;
}

/* Non-audio thread, concurrent with run() (state:threadSafeRestore): loads the
 * model and builds the engine right here, then hands it to the audio thread
 * through the worker. A state without a model keeps the current one. */
static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features)
{
    (void)flags;
    Ancestral *self = instance;
    size_t size = 0;
    uint32_t type = 0, vflags = 0;
    const char *value = retrieve(handle, self->uris.model, &size, &type, &vflags);
    if (!value)
        return LV2_STATE_SUCCESS;
    if (type != self->uris.atom_Path)
        return LV2_STATE_ERR_BAD_TYPE;
    /* lilv and Ardour count the path's terminating NUL in size, Carla does not:
     * take both, and read no further than size. Anything after a NUL (which a
     * path cannot hold) or an empty path is not a path. */
    const char *nul = memchr(value, '\0', size);
    size_t len = nul ? (size_t)(nul - value) : size;
    if (len == 0 || len + 1 < size)
        return LV2_STATE_ERR_BAD_TYPE;
    char *stored = malloc(len + 1);
    if (!stored)
        return LV2_STATE_ERR_UNKNOWN;
    memcpy(stored, value, len);
    stored[len] = '\0';

    const LV2_Feature *mp = find_feature(features, LV2_STATE__mapPath);
    const LV2_Feature *fp = find_feature(features, LV2_STATE__freePath);
    const LV2_Feature *sp = find_feature(features, LV2_WORKER__schedule);
    const LV2_State_Free_Path *free_path = fp ? fp->data : NULL;
    /* The schedule given to restore() is the one that is safe from this thread;
     * the instance's own is for the audio thread, used only by hosts that give
     * none (and then do not restore while running). */
    LV2_Worker_Schedule *schedule = sp ? sp->data : self->schedule;

    char *path;
    if (mp) {
        const LV2_State_Map_Path *map_path = mp->data;
        path = map_path->absolute_path(map_path->handle, stored);
        free(stored);
    } else {
        path = stored;
        free_path = NULL; /* our own copy */
    }
    if (!path)
        return LV2_STATE_ERR_UNKNOWN;

    anc_slot *slot = NULL;
    anc_error err;
    anc_error_clear(&err);
    LV2_State_Status st = LV2_STATE_SUCCESS;
    if (slot_load(self, path, &slot, &err) != ANC_OK) {
        lv2_log_error(&self->logger, "Ancestral: model not restored, keeping the current one: %s\n",
                      err.message);
        st = LV2_STATE_ERR_UNKNOWN;
    } else {
        anc_slot_msg msg = {{sizeof(anc_slot *), self->uris.install}, slot};
        if (schedule->schedule_work(schedule->handle, sizeof msg, &msg) == LV2_WORKER_SUCCESS) {
            remember_path(self, path);
        } else {
            lv2_log_error(&self->logger, "Ancestral: %s: host worker queue full, not restored\n",
                          path);
            slot_free_chain(self, slot);
            st = LV2_STATE_ERR_NO_SPACE;
        }
    }
    free_host_path(free_path, path);
    return st;
}

/* ------------------------------------------------------------ discovery -- */

/* The host's display thread (Ardour: its GUI thread), concurrently with run(). */
static LV2_Inline_Display_Image_Surface *render(LV2_Handle instance, uint32_t w, uint32_t h)
{
    return anc_display_render(((Ancestral *)instance)->display, w, h);
}

/* Discovery class: any thread, no instance. */
static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {work, work_response, NULL};
    static const LV2_State_Interface state = {save, restore};
    static const LV2_Inline_Display_Interface display = {render};
    if (!strcmp(uri, LV2_WORKER__interface))
        return &worker;
    if (!strcmp(uri, LV2_STATE__interface))
        return &state;
    if (!strcmp(uri, LV2_INLINEDISPLAY__interface))
        return &display;
    return NULL;
}

static const LV2_Descriptor descriptor = {
    ANC_PLUGIN_URI, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data,
};

/* The module's only exported symbol: the synth, then the transfer effect. */
LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : index == 1 ? anc_lv2_transfer_descriptor() : NULL;
}

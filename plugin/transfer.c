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
 * to plugin state, as the synth does (plugin/ancestral.c): slots made outside
 * the audio thread (work(), restore()), installed by work_response(), handed
 * back by the player after their crossfade (core/player.h) and freed by a
 * second trip through the worker. The audio thread never allocates or frees.
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
 * concurrently with run(). The only data those other threads share is
 * saved_path, under a mutex the audio thread never takes, and the display's
 * triple buffer, which takes no lock. Nothing is global. */
#include <pthread.h>
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
#include "inline_display.h"
#include "model.h"
#include "player.h"
#include "transfer.h"
#include "transfer_plugin.h"
#include "transfer_ports.h"

/* Private URIs that tag our own worker messages (never seen by the host). */
#define TR_INSTALL_URI ANC_TRANSFER_URI "#installEngine"
#define TR_FREE_URI ANC_TRANSFER_URI "#freeEngine"

/* The bundle's default model, the one state:state in transfer.ttl names. */
#define TR_DEFAULT_MODEL "default.vae"

typedef struct tr_slot {
    anc_player_entry entry;              /* the engine, as the player holds it */
    struct tr_slot *next;                /* link in the list waiting to be freed */
    struct tr_slot *all_prev, *all_next; /* every live slot of the instance */
    uint32_t path_len;
    char path[]; /* absolute path of the model file */
} tr_slot;

/* A worker message: install or free a slot. Model loads travel as the
 * atom:Path atom of patch:Set itself. */
typedef struct {
    LV2_Atom atom; /* size = sizeof(tr_slot *), type = install or free */
    tr_slot *slot;
} tr_slot_msg;

typedef struct {
    LV2_URID atom_Path, atom_URID;
    LV2_URID patch_Get, patch_Set, patch_property, patch_value, patch_subject;
    LV2_URID plugin, model, install, free;
} tr_uris;

typedef struct {
    /* port buffers */
    const float *control_in[ANC_TR_PORT_LATENCY];
    float *latency_port;
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notify;
    const float *in;
    float *out;

    /* host features */
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    LV2_Atom_Forge forge;
    tr_uris uris;
    double rate;

    /* audio thread only */
    anc_player *player;
    tr_slot *graveyard;  /* replaced slots still to be sent to the worker */
    bool notify_pending; /* send patch:Set of the model on the next run */
    bool fresh;          /* reset before the next block */
    anc_engine_params params;
    anc_display *display; /* run() hands it frames; render() draws them */

    /* shared by work(), restore() and save(), never touched by the audio thread */
    pthread_mutex_t path_lock;
    char *saved_path;
    pthread_mutex_t slots_lock; /* guards all: slots are made and freed off the audio thread */
    tr_slot *all;
} Transfer;

/* ---------------------------------------------------------------- slots -- */

static tr_slot *slot_of(anc_player_entry *e)
{
    return e ? (tr_slot *)(void *)((char *)e - offsetof(tr_slot, entry)) : NULL;
}

static void slot_free_chain(Transfer *self, tr_slot *s)
{
    while (s) {
        tr_slot *next = s->next;
        pthread_mutex_lock(&self->slots_lock);
        if (s->all_prev)
            s->all_prev->all_next = s->all_next;
        else
            self->all = s->all_next;
        if (s->all_next)
            s->all_next->all_prev = s->all_prev;
        pthread_mutex_unlock(&self->slots_lock);
        anc_transfer_free(s->entry.transfer);
        free(s);
        s = next;
    }
}

/* Loads the model at path and builds a transfer engine for the host rate.
 * Allocates and plans FFTs: never from the audio thread. */
static anc_status slot_load(Transfer *self, const char *path, tr_slot **out, anc_error *err)
{
    *out = NULL;
    anc_model *m = NULL;
    anc_transfer *t = NULL;
    anc_status s = anc_model_load_file(&m, path, err); /* messages name the path */
    if (s != ANC_OK)
        return s;
    s = anc_transfer_create(&t, m, self->rate, ANC_ENGINE_SEED, err);
    anc_model_free(m);
    if (s != ANC_OK) {
        char why[ANC_ERROR_MESSAGE_MAX];
        memcpy(why, err->message, sizeof why);
        return anc_error_set(err, s, "%s: %s", path, why);
    }
    size_t n = strlen(path);
    tr_slot *slot = malloc(sizeof *slot + n + 1);
    if (!slot) {
        anc_transfer_free(t);
        return anc_error_set(err, ANC_E_NOMEM, "%s: out of memory", path);
    }
    slot->entry.engine = NULL;
    slot->entry.transfer = t;
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
static void remember_path(Transfer *self, const char *path)
{
    char *copy = strdup(path);
    pthread_mutex_lock(&self->path_lock);
    free(self->saved_path);
    self->saved_path = copy;
    pthread_mutex_unlock(&self->path_lock);
}

/* Audio thread: hands the waiting slots to the worker to be freed; they stay
 * when the host's queue is full and go on the next run. */
static void flush_graveyard(Transfer *self)
{
    if (!self->graveyard)
        return;
    tr_slot_msg msg = {{sizeof(tr_slot *), self->uris.free}, self->graveyard};
    if (self->schedule->schedule_work(self->schedule->handle, sizeof msg, &msg) ==
        LV2_WORKER_SUCCESS)
        self->graveyard = NULL;
}

static void bury(Transfer *self, tr_slot *s)
{
    if (!s)
        return;
    tr_slot *last = s;
    while (last->next)
        last = last->next;
    last->next = self->graveyard;
    self->graveyard = s;
}

/* ------------------------------------------------------------ lifecycle -- */

static void map_uris(LV2_URID_Map *map, tr_uris *u)
{
    u->atom_Path = map->map(map->handle, LV2_ATOM__Path);
    u->atom_URID = map->map(map->handle, LV2_ATOM__URID);
    u->patch_Get = map->map(map->handle, LV2_PATCH__Get);
    u->patch_Set = map->map(map->handle, LV2_PATCH__Set);
    u->patch_property = map->map(map->handle, LV2_PATCH__property);
    u->patch_value = map->map(map->handle, LV2_PATCH__value);
    u->patch_subject = map->map(map->handle, LV2_PATCH__subject);
    u->plugin = map->map(map->handle, ANC_TRANSFER_URI);
    u->model = map->map(map->handle, ANC_TRANSFER_MODEL_URI);
    u->install = map->map(map->handle, TR_INSTALL_URI);
    u->free = map->map(map->handle, TR_FREE_URI);
}

/* Latency of the bundle's default model at this rate (see the top); 0 when the
 * bundle has no usable one. */
static uint32_t default_model_latency(Transfer *self, const char *bundle_path)
{
    if (!bundle_path)
        return 0;
    size_t n = strlen(bundle_path);
    char *path = malloc(n + sizeof "/" TR_DEFAULT_MODEL);
    if (!path)
        return 0;
    memcpy(path, bundle_path, n);
    if (n == 0 || path[n - 1] != '/')
        path[n++] = '/';
    memcpy(path + n, TR_DEFAULT_MODEL, sizeof TR_DEFAULT_MODEL);
    uint32_t latency = 0;
    anc_model *m = NULL;
    anc_error err;
    anc_error_clear(&err);
    anc_status s = anc_model_load_file(&m, path, &err);
    if (s == ANC_OK && anc_transfer_latency_for(m, self->rate, &latency, &err) != ANC_OK)
        lv2_log_warning(&self->logger,
                        "Ancestral transfer: the bundle's default model is unusable: %s: %s\n",
                        path, err.message);
    else if (s != ANC_OK && s != ANC_E_IO)
        lv2_log_warning(&self->logger,
                        "Ancestral transfer: the bundle's default model is unusable: %s\n",
                        err.message);
    anc_model_free(m);
    free(path);
    return latency;
}

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
    if (pthread_mutex_init(&self->path_lock, NULL) != 0) {
        free(self);
        return NULL;
    }
    if (pthread_mutex_init(&self->slots_lock, NULL) != 0) {
        pthread_mutex_destroy(&self->path_lock);
        free(self);
        return NULL;
    }
    self->schedule = schedule;
    self->logger = logger;
    self->rate = rate;
    map_uris(map, &self->uris);
    lv2_atom_forge_init(&self->forge, map);
    anc_engine_params_default(&self->params);

    anc_error err;
    anc_error_clear(&err);
    self->display = anc_display_new(features, rate);
    if (!self->display)
        anc_error_set(&err, ANC_E_NOMEM, "out of memory for the inline display");
    if (!self->display ||
        anc_player_create(&self->player, rate, default_model_latency(self, bundle_path), &err) !=
            ANC_OK) {
        lv2_log_error(&logger, "Ancestral transfer: %s\n", err.message);
        anc_display_free(self->display);
        pthread_mutex_destroy(&self->slots_lock);
        pthread_mutex_destroy(&self->path_lock);
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
    bury(self, slot_of(anc_player_cut_fade(self->player)));
    anc_player_set_params(self->player, &self->params);
    anc_player_reset(self->player);
    self->fresh = true; /* and again with the controls of the first run() */
}

static void deactivate(LV2_Handle instance) { (void)instance; }

/* Instantiation class: frees every slot that still exists, wherever it is. */
static void cleanup(LV2_Handle instance)
{
    Transfer *self = instance;
    tr_slot *s = self->all;
    while (s) {
        tr_slot *next = s->all_next;
        anc_transfer_free(s->entry.transfer);
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

static bool urid_is(const Transfer *self, const LV2_Atom *a, LV2_URID v)
{
    return a && a->type == self->uris.atom_URID && a->size >= sizeof(LV2_URID) &&
           ((const LV2_Atom_URID *)a)->body == v;
}

/* patch:Set of the model: the atom:Path goes to the worker as it is. */
static void handle_set(Transfer *self, const LV2_Atom_Object *obj)
{
    const LV2_Atom *subject = NULL, *property = NULL, *value = NULL;
    lv2_atom_object_get(obj, self->uris.patch_subject, &subject, self->uris.patch_property,
                        &property, self->uris.patch_value, &value, 0);
    if (subject && subject->type == self->uris.atom_URID &&
        !urid_is(self, subject, self->uris.plugin))
        return;
    if (!urid_is(self, property, self->uris.model))
        return;
    if (!value || value->type != self->uris.atom_Path || value->size < 2)
        return;
    self->schedule->schedule_work(self->schedule->handle, lv2_atom_total_size(value), value);
}

static void handle_get(Transfer *self, const LV2_Atom_Object *obj)
{
    const LV2_Atom *property = NULL;
    lv2_atom_object_get(obj, self->uris.patch_property, &property, 0);
    if (!property || urid_is(self, property, self->uris.model))
        self->notify_pending = true;
}

/* patch:Set <model> = the playing model's path, when it fits whole. */
static void send_model(Transfer *self)
{
    const tr_slot *s = slot_of(anc_player_current(self->player));
    if (!s) {
        self->notify_pending = false;
        return;
    }
    const LV2_Atom_Forge *f = &self->forge;
    uint32_t need = (uint32_t)sizeof(LV2_Atom_Event) + (uint32_t)sizeof(LV2_Atom_Object_Body) +
                    2 * (uint32_t)sizeof(LV2_Atom_Property_Body) +
                    lv2_atom_pad_size(sizeof(LV2_URID)) + lv2_atom_pad_size(s->path_len + 1);
    if (f->offset > f->size || f->size - f->offset < need)
        return;
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
            if (obj->body.otype == self->uris.patch_Set)
                handle_set(self, obj);
            else if (obj->body.otype == self->uris.patch_Get)
                handle_get(self, obj);
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
    anc_player_set_params(self->player, &self->params);
    if (self->fresh) {
        anc_player_reset(self->player);
        self->fresh = false;
    }
    if (self->in) {
        bury(self, slot_of(anc_player_process_input(self->player, self->in, self->out, n)));
    } else {
        /* An unconnected input is silence; out doubles as that input. */
        memset(self->out, 0, sizeof(float) * n);
        bury(self, slot_of(anc_player_process_input(self->player, self->out, self->out, n)));
    }
    flush_graveyard(self);

    if (anc_display_due(self->display, n)) {
        anc_player_snapshot(self->player, anc_display_frame(self->display));
        anc_display_publish(self->display);
    }
}

/* --------------------------------------------------------------- worker -- */

/* Worker thread (or, while the host freewheels, the audio thread): may
 * allocate, read files and plan FFTs; touches no audio-thread field. */
static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    Transfer *self = instance;
    LV2_Atom head;
    if (!data || size < sizeof head)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&head, data, sizeof head);
    if (head.size > size - sizeof head)
        return LV2_WORKER_ERR_UNKNOWN;

    if (head.type == self->uris.atom_Path) {
        const char *body = (const char *)data + sizeof head;
        if (!memchr(body, '\0', head.size)) {
            lv2_log_error(&self->logger,
                          "Ancestral transfer: model path is not a terminated string\n");
            return LV2_WORKER_ERR_UNKNOWN;
        }
        tr_slot *slot = NULL;
        anc_error err;
        anc_error_clear(&err);
        if (slot_load(self, body, &slot, &err) != ANC_OK) {
            lv2_log_error(&self->logger,
                          "Ancestral transfer: model not loaded, keeping the current one: %s\n",
                          err.message);
            return LV2_WORKER_ERR_UNKNOWN;
        }
        tr_slot_msg msg = {{sizeof(tr_slot *), self->uris.install}, slot};
        if (respond(handle, sizeof msg, &msg) != LV2_WORKER_SUCCESS) {
            lv2_log_error(&self->logger,
                          "Ancestral transfer: %s: host worker queue full, not loaded\n", body);
            slot_free_chain(self, slot);
            return LV2_WORKER_ERR_NO_SPACE;
        }
        remember_path(self, body);
        return LV2_WORKER_SUCCESS;
    }

    if (head.size != sizeof(tr_slot *))
        return LV2_WORKER_ERR_UNKNOWN;
    tr_slot_msg msg;
    memcpy(&msg, data, sizeof msg);
    if (head.type == self->uris.install) { /* from restore(): on to the audio thread */
        LV2_Worker_Status st = respond(handle, sizeof msg, &msg);
        if (st != LV2_WORKER_SUCCESS) {
            lv2_log_error(&self->logger,
                          "Ancestral transfer: %s: host worker queue full, not loaded\n",
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

/* Audio thread: installs a new slot and starts the old one's fade. */
static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *body)
{
    Transfer *self = instance;
    tr_slot_msg msg;
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
    Transfer *self = instance;
    pthread_mutex_lock(&self->path_lock);
    char *path = self->saved_path ? strdup(self->saved_path) : NULL;
    bool had_path = self->saved_path != NULL;
    pthread_mutex_unlock(&self->path_lock);
    if (!had_path)
        return LV2_STATE_SUCCESS;
    if (!path)
        return LV2_STATE_ERR_UNKNOWN;
    const LV2_Feature *mp = find_feature(features, LV2_STATE__mapPath);
    const LV2_Feature *fp = find_feature(features, LV2_STATE__freePath);
    const LV2_State_Free_Path *free_path = fp ? fp->data : NULL;
    char *stored = path;
    if (mp) {
        const LV2_State_Map_Path *map_path = mp->data;
        stored = map_path->abstract_path(map_path->handle, path);
        if (!stored) {
            free(path);
            return LV2_STATE_ERR_UNKNOWN;
        }
    }
    LV2_State_Status st = store(handle, self->uris.model, stored, strlen(stored) + 1,
                                self->uris.atom_Path, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    if (stored != path)
        free_host_path(free_path, stored);
    free(path);
    return st;
}

/* Non-audio thread, concurrent with run() (state:threadSafeRestore): builds the
 * engine here and hands it over through the worker given to restore(). A state
 * without a model keeps the current one. */
static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features)
{
    (void)flags;
    Transfer *self = instance;
    size_t size = 0;
    uint32_t type = 0, vflags = 0;
    const char *value = retrieve(handle, self->uris.model, &size, &type, &vflags);
    if (!value)
        return LV2_STATE_SUCCESS;
    if (type != self->uris.atom_Path)
        return LV2_STATE_ERR_BAD_TYPE;
    /* With or without the terminating NUL (Carla leaves it out). */
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
    LV2_Worker_Schedule *schedule = sp ? sp->data : self->schedule;
    char *path;
    if (mp) {
        const LV2_State_Map_Path *map_path = mp->data;
        path = map_path->absolute_path(map_path->handle, stored);
        free(stored);
    } else {
        path = stored;
        free_path = NULL;
    }
    if (!path)
        return LV2_STATE_ERR_UNKNOWN;

    tr_slot *slot = NULL;
    anc_error err;
    anc_error_clear(&err);
    LV2_State_Status st = LV2_STATE_SUCCESS;
    if (slot_load(self, path, &slot, &err) != ANC_OK) {
        lv2_log_error(&self->logger,
                      "Ancestral transfer: model not restored, keeping the current one: %s\n",
                      err.message);
        st = LV2_STATE_ERR_UNKNOWN;
    } else {
        tr_slot_msg msg = {{sizeof(tr_slot *), self->uris.install}, slot};
        if (schedule->schedule_work(schedule->handle, sizeof msg, &msg) == LV2_WORKER_SUCCESS) {
            remember_path(self, path);
        } else {
            lv2_log_error(&self->logger,
                          "Ancestral transfer: %s: host worker queue full, not restored\n", path);
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
    return anc_display_render(((Transfer *)instance)->display, w, h);
}

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
    ANC_TRANSFER_URI, instantiate, connect_port, activate, run, deactivate, cleanup,
    extension_data,
};

const LV2_Descriptor *anc_lv2_transfer_descriptor(void) { return &descriptor; }

/* model_glue.c — the model handling both plugins share (see model_glue.h). */
#include "model_glue.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/log/log.h>
#include <lv2/patch/patch.h>

#include "model.h"
#include "transfer.h"

/* A worker message: an atom header whose type says what it is. Model loads
 * travel as the atom:Path atom from patch:Set itself; installs and frees as: */
typedef struct {
    LV2_Atom atom; /* size = sizeof(anc_glue_slot *), type = install or free */
    anc_glue_slot *slot;
} glue_msg;

/* ---------------------------------------------------------------- slots -- */

/* The slot around an entry the player holds or hands back (NULL for NULL). */
static anc_glue_slot *slot_of(const anc_player_entry *e)
{
    return e ? (anc_glue_slot *)(void *)((char *)e - offsetof(anc_glue_slot, entry)) : NULL;
}

static void slot_free_engine(anc_glue_slot *s)
{
    anc_engine_free(s->entry.engine);
    anc_transfer_free(s->entry.transfer);
    free(s);
}

static void slot_free_chain(anc_model_glue *g, anc_glue_slot *s)
{
    while (s) {
        anc_glue_slot *next = s->next;
        pthread_mutex_lock(&g->slots_lock);
        if (s->all_prev)
            s->all_prev->all_next = s->all_next;
        else
            g->all = s->all_next;
        if (s->all_next)
            s->all_next->all_prev = s->all_prev;
        pthread_mutex_unlock(&g->slots_lock);
        slot_free_engine(s);
        s = next;
    }
}

/* Loads the model at path and builds an engine of g's kind for the host rate.
 * Allocates and plans FFTs: never call from the audio thread. */
static anc_status slot_load(anc_model_glue *g, const char *path, anc_glue_slot **out,
                            anc_error *err)
{
    *out = NULL;
    anc_model *m = NULL;
    anc_player_entry entry = {NULL, NULL};
    anc_status s = anc_model_load_file(&m, path, err); /* messages name the path */
    if (s != ANC_OK)
        return s;
    if (g->transfer)
        s = anc_transfer_create(&entry.transfer, m, g->rate, ANC_ENGINE_SEED, err);
    else
        s = anc_engine_create(&entry.engine, m, g->rate, ANC_ENGINE_SEED, err);
    anc_model_free(m);
    if (s != ANC_OK) {
        char why[ANC_ERROR_MESSAGE_MAX];
        memcpy(why, err->message, sizeof why);
        return anc_error_set(err, s, "%s: %s", path, why);
    }
    size_t n = strlen(path);
    anc_glue_slot *slot = malloc(sizeof *slot + n + 1);
    if (!slot) {
        anc_engine_free(entry.engine);
        anc_transfer_free(entry.transfer);
        return anc_error_set(err, ANC_E_NOMEM, "%s: out of memory", path);
    }
    slot->entry = entry;
    slot->next = NULL;
    slot->path_len = (uint32_t)n;
    memcpy(slot->path, path, n + 1);
    pthread_mutex_lock(&g->slots_lock);
    slot->all_prev = NULL;
    slot->all_next = g->all;
    if (g->all)
        g->all->all_prev = slot;
    g->all = slot;
    pthread_mutex_unlock(&g->slots_lock);
    *out = slot;
    return ANC_OK;
}

/* Records path as the model to save. Non-audio threads only (allocates). */
static void remember_path(anc_model_glue *g, const char *path)
{
    char *copy = strdup(path);
    pthread_mutex_lock(&g->path_lock);
    free(g->saved_path);
    g->saved_path = copy;
    pthread_mutex_unlock(&g->path_lock);
}

void anc_glue_flush(anc_model_glue *g)
{
    if (!g->graveyard)
        return;
    glue_msg msg = {{sizeof(anc_glue_slot *), g->uris.free}, g->graveyard};
    if (g->schedule->schedule_work(g->schedule->handle, sizeof msg, &msg) == LV2_WORKER_SUCCESS)
        g->graveyard = NULL;
}

void anc_glue_bury(anc_model_glue *g, anc_player_entry *e)
{
    anc_glue_slot *s = slot_of(e);
    if (!s)
        return;
    anc_glue_slot *last = s;
    while (last->next)
        last = last->next;
    last->next = g->graveyard;
    g->graveyard = s;
}

/* ------------------------------------------------------------ lifecycle -- */

int anc_glue_init(anc_model_glue *g, const char *name, int transfer, const char *plugin_uri,
                  const char *model_uri, double rate, LV2_URID_Map *map,
                  LV2_Worker_Schedule *schedule, const LV2_Log_Logger *logger)
{
    memset(g, 0, sizeof *g);
    if (pthread_mutex_init(&g->path_lock, NULL) != 0)
        return -1;
    if (pthread_mutex_init(&g->slots_lock, NULL) != 0) {
        pthread_mutex_destroy(&g->path_lock);
        return -1;
    }
    g->name = name;
    g->transfer = transfer;
    g->rate = rate;
    g->schedule = schedule;
    g->logger = *logger;
    anc_glue_uris *u = &g->uris;
    u->atom_Path = map->map(map->handle, LV2_ATOM__Path);
    u->atom_URID = map->map(map->handle, LV2_ATOM__URID);
    u->patch_Get = map->map(map->handle, LV2_PATCH__Get);
    u->patch_Set = map->map(map->handle, LV2_PATCH__Set);
    u->patch_property = map->map(map->handle, LV2_PATCH__property);
    u->patch_value = map->map(map->handle, LV2_PATCH__value);
    u->patch_subject = map->map(map->handle, LV2_PATCH__subject);
    u->plugin = map->map(map->handle, plugin_uri);
    u->model = map->map(map->handle, model_uri);
    /* Private URIs that tag our own worker messages (never seen by the host). */
    char tag[512];
    snprintf(tag, sizeof tag, "%s#installEngine", plugin_uri);
    u->install = map->map(map->handle, tag);
    snprintf(tag, sizeof tag, "%s#freeEngine", plugin_uri);
    u->free = map->map(map->handle, tag);
    return 0;
}

int anc_glue_start(anc_model_glue *g, const LV2_Feature *const *features,
                   const char *bundle_path, const anc_engine_params *params)
{
    anc_error err;
    anc_error_clear(&err);
    g->display = anc_display_new(features, g->rate);
    if (!g->display)
        anc_error_set(&err, ANC_E_NOMEM, "out of memory for the inline display");
    const uint32_t latency = g->display ? anc_glue_default_latency(g, bundle_path) : 0;
    if (!g->display || anc_player_create(&g->player, g->rate, latency, &err) != ANC_OK) {
        lv2_log_error(&g->logger, "%s: %s\n", g->name, err.message);
        return -1;
    }
    g->params = params;
    return 0;
}

void anc_glue_end_run(anc_model_glue *g, uint32_t n)
{
    anc_glue_flush(g);
    if (anc_display_due(g->display, n)) {
        anc_player_snapshot(g->player, anc_display_frame(g->display));
        anc_display_publish(g->display);
    }
}

void anc_glue_destroy(anc_model_glue *g)
{
    anc_glue_slot *s = g->all;
    while (s) {
        anc_glue_slot *next = s->all_next;
        slot_free_engine(s);
        s = next;
    }
    g->all = NULL;
    free(g->saved_path);
    g->saved_path = NULL;
    pthread_mutex_destroy(&g->path_lock);
    pthread_mutex_destroy(&g->slots_lock);
    anc_player_free(g->player);
    g->player = NULL;
    anc_display_free(g->display);
    g->display = NULL;
}

uint32_t anc_glue_default_latency(anc_model_glue *g, const char *bundle_path)
{
    if (!bundle_path)
        return 0;
    size_t n = strlen(bundle_path);
    char *path = malloc(n + sizeof "/" ANC_GLUE_DEFAULT_MODEL);
    if (!path)
        return 0;
    memcpy(path, bundle_path, n);
    if (n == 0 || path[n - 1] != '/')
        path[n++] = '/';
    memcpy(path + n, ANC_GLUE_DEFAULT_MODEL, sizeof ANC_GLUE_DEFAULT_MODEL);
    uint32_t latency = 0;
    anc_model *m = NULL;
    anc_error err;
    anc_error_clear(&err);
    anc_status s = anc_model_load_file(&m, path, &err); /* messages name the path */
    if (s == ANC_OK &&
        (g->transfer ? anc_transfer_latency_for(m, g->rate, &latency, &err)
                     : anc_engine_latency_for(m, g->rate, &latency, &err)) != ANC_OK)
        lv2_log_warning(&g->logger, "%s: the bundle's default model is unusable: %s: %s\n",
                        g->name, path, err.message);
    else if (s != ANC_OK && s != ANC_E_IO)
        lv2_log_warning(&g->logger, "%s: the bundle's default model is unusable: %s\n", g->name,
                        err.message);
    anc_model_free(m);
    free(path);
    return latency;
}

/* ---------------------------------------------------------------- patch -- */

/* Whether a is a whole atom:URID naming v (a host or UI may send a short one). */
static bool urid_is(const anc_model_glue *g, const LV2_Atom *a, LV2_URID v)
{
    return a && a->type == g->uris.atom_URID && a->size >= sizeof(LV2_URID) &&
           ((const LV2_Atom_URID *)a)->body == v;
}

void anc_glue_handle_set(anc_model_glue *g, const LV2_Atom_Object *obj)
{
    const LV2_Atom *subject = NULL, *property = NULL, *value = NULL;
    lv2_atom_object_get(obj, g->uris.patch_subject, &subject, g->uris.patch_property, &property,
                        g->uris.patch_value, &value, 0);
    /* No subject means this plugin; a URID subject must name it. */
    if (subject && subject->type == g->uris.atom_URID && !urid_is(g, subject, g->uris.plugin))
        return;
    if (!urid_is(g, property, g->uris.model))
        return;
    if (!value || value->type != g->uris.atom_Path || value->size < 2)
        return;
    /* A full queue drops the request; the host or user can send it again. */
    g->schedule->schedule_work(g->schedule->handle, lv2_atom_total_size(value), value);
}

void anc_glue_handle_get(anc_model_glue *g, const LV2_Atom_Object *obj)
{
    const LV2_Atom *property = NULL;
    lv2_atom_object_get(obj, g->uris.patch_property, &property, 0);
    if (!property || urid_is(g, property, g->uris.model))
        g->notify_pending = true;
}

void anc_glue_send_model(anc_model_glue *g, LV2_Atom_Forge *forge)
{
    const anc_glue_slot *s = slot_of(anc_player_current(g->player));
    if (!s) {
        g->notify_pending = false;
        return;
    }
    uint32_t need = (uint32_t)sizeof(LV2_Atom_Event) + (uint32_t)sizeof(LV2_Atom_Object_Body) +
                    2 * (uint32_t)sizeof(LV2_Atom_Property_Body) +
                    lv2_atom_pad_size(sizeof(LV2_URID)) + lv2_atom_pad_size(s->path_len + 1);
    if (forge->offset > forge->size || forge->size - forge->offset < need)
        return; /* stays pending for the next run: half an event would be worse */
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_frame_time(forge, 0);
    lv2_atom_forge_object(forge, &frame, 0, g->uris.patch_Set);
    lv2_atom_forge_key(forge, g->uris.patch_property);
    lv2_atom_forge_urid(forge, g->uris.model);
    lv2_atom_forge_key(forge, g->uris.patch_value);
    lv2_atom_forge_path(forge, s->path, s->path_len);
    lv2_atom_forge_pop(forge, &frame);
    g->notify_pending = false;
}

/* --------------------------------------------------------------- worker -- */

/* Worker thread (or, while the host freewheels, the audio thread itself): may
 * allocate, read files and plan FFTs; touches no audio-thread field. */
static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    anc_model_glue *g = instance;
    LV2_Atom head;
    if (!data || size < sizeof head)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&head, data, sizeof head);
    if (head.size > size - sizeof head)
        return LV2_WORKER_ERR_UNKNOWN;

    if (head.type == g->uris.atom_Path) {
        const char *body = (const char *)data + sizeof head;
        if (!memchr(body, '\0', head.size)) {
            lv2_log_error(&g->logger, "%s: model path is not a terminated string\n", g->name);
            return LV2_WORKER_ERR_UNKNOWN;
        }
        anc_glue_slot *slot = NULL;
        anc_error err;
        anc_error_clear(&err);
        if (slot_load(g, body, &slot, &err) != ANC_OK) {
            lv2_log_error(&g->logger, "%s: model not loaded, keeping the current one: %s\n",
                          g->name, err.message);
            return LV2_WORKER_ERR_UNKNOWN;
        }
        glue_msg msg = {{sizeof(anc_glue_slot *), g->uris.install}, slot};
        if (respond(handle, sizeof msg, &msg) != LV2_WORKER_SUCCESS) {
            lv2_log_error(&g->logger, "%s: %s: host worker queue full, not loaded\n", g->name,
                          body);
            slot_free_chain(g, slot);
            return LV2_WORKER_ERR_NO_SPACE;
        }
        remember_path(g, body);
        return LV2_WORKER_SUCCESS;
    }

    if (head.size != sizeof(anc_glue_slot *))
        return LV2_WORKER_ERR_UNKNOWN;
    glue_msg msg;
    memcpy(&msg, data, sizeof msg);
    if (head.type == g->uris.install) { /* from restore(): pass it on to the audio thread */
        LV2_Worker_Status st = respond(handle, sizeof msg, &msg);
        if (st != LV2_WORKER_SUCCESS) {
            lv2_log_error(&g->logger, "%s: %s: host worker queue full, not loaded\n", g->name,
                          msg.slot->path);
            slot_free_chain(g, msg.slot);
        }
        return st;
    }
    if (head.type == g->uris.free) {
        slot_free_chain(g, msg.slot);
        return LV2_WORKER_SUCCESS;
    }
    return LV2_WORKER_ERR_UNKNOWN;
}

/* Audio thread (run() context); real-time rules as in run(). */
static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *body)
{
    anc_model_glue *g = instance;
    glue_msg msg;
    if (!body || size != sizeof msg)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&msg, body, sizeof msg);
    if (msg.atom.type != g->uris.install || !msg.slot)
        return LV2_WORKER_ERR_UNKNOWN;

    anc_glue_bury(g, anc_player_install(g->player, &msg.slot->entry, g->params));
    g->notify_pending = true;
    anc_glue_flush(g);
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
    anc_model_glue *g = instance;
    pthread_mutex_lock(&g->path_lock);
    char *path = g->saved_path ? strdup(g->saved_path) : NULL;
    bool had_path = g->saved_path != NULL;
    pthread_mutex_unlock(&g->path_lock);
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
        st = store(handle, g->uris.model, abstract, strlen(abstract) + 1, g->uris.atom_Path,
                   LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
        free_host_path(free_path, abstract);
    } else {
        st = store(handle, g->uris.model, path, strlen(path) + 1, g->uris.atom_Path,
                   LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    }
    free(path);
    return st;
}

/* Non-audio thread, concurrent with run() (state:threadSafeRestore). */
static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features)
{
    (void)flags;
    anc_model_glue *g = instance;
    size_t size = 0;
    uint32_t type = 0, vflags = 0;
    const char *value = retrieve(handle, g->uris.model, &size, &type, &vflags);
    if (!value)
        return LV2_STATE_SUCCESS;
    if (type != g->uris.atom_Path)
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
    LV2_Worker_Schedule *schedule = sp ? sp->data : g->schedule;

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

    anc_glue_slot *slot = NULL;
    anc_error err;
    anc_error_clear(&err);
    LV2_State_Status st = LV2_STATE_SUCCESS;
    if (slot_load(g, path, &slot, &err) != ANC_OK) {
        lv2_log_error(&g->logger, "%s: model not restored, keeping the current one: %s\n",
                      g->name, err.message);
        st = LV2_STATE_ERR_UNKNOWN;
    } else {
        glue_msg msg = {{sizeof(anc_glue_slot *), g->uris.install}, slot};
        if (schedule->schedule_work(schedule->handle, sizeof msg, &msg) == LV2_WORKER_SUCCESS) {
            remember_path(g, path);
        } else {
            lv2_log_error(&g->logger, "%s: %s: host worker queue full, not restored\n", g->name,
                          path);
            slot_free_chain(g, slot);
            st = LV2_STATE_ERR_NO_SPACE;
        }
    }
    free_host_path(free_path, path);
    return st;
}

const LV2_Worker_Interface anc_glue_worker = {work, work_response, NULL};
const LV2_State_Interface anc_glue_state = {save, restore};

/* ------------------------------------------------------------ discovery -- */

/* The host's display thread (Ardour: its GUI thread), concurrently with run(). */
static LV2_Inline_Display_Image_Surface *render(LV2_Handle instance, uint32_t w, uint32_t h)
{
    return anc_display_render(((anc_model_glue *)instance)->display, w, h);
}

const void *anc_glue_extension_data(const char *uri)
{
    static const LV2_Inline_Display_Interface display = {render};
    if (!strcmp(uri, LV2_WORKER__interface))
        return &anc_glue_worker;
    if (!strcmp(uri, LV2_STATE__interface))
        return &anc_glue_state;
    if (!strcmp(uri, LV2_INLINEDISPLAY__interface))
        return &display;
    return NULL;
}

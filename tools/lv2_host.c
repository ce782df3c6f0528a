/* lv2_host.c — the lilv host of lv2_host.h: features, worker, ports, atom
 * messages, state. Modelled on what Ardour 7 (lv2_plugin.cc, worker.cc) and
 * jalv 1.6 do, so a plugin that passes here behaves the same there. */
#include "lv2_host.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "controls.h"
#include "inline_display_ext.h"

#define RING_BYTES (1u << 16)     /* per worker direction; a message is a path or a pointer */
#define ATOM_BYTES (1u << 16)     /* control and notify sequence buffers */
#define LOG_BYTES (1u << 16)      /* captured log text per instance */
#define ECHO_BYTES 4096           /* longest model path kept from notify */
#define STATE_FILE "state.ttl"
#define SETTLE_QUIET_S 0.1        /* anc_host_settle(): longer than any fade a plugin makes */

static void fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* ---- world: lilv, the plugin, urid map ---------------------------------- */

struct anc_host_world {
    LilvWorld *world;
    const LilvPlugin *plugin;
    pthread_mutex_t map_lock;
    char **uris;    /* uris[id - 1]; each string owned */
    size_t n_uris, cap_uris;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    char model_uri[256]; /* the plugin's model parameter: its URI "#model" */
};

/* Any thread (urid:map is thread-safe by contract). Allocates only for a URI
 * never seen before. */
static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    anc_host_world *w = handle;
    if (!uri)
        return 0;
    pthread_mutex_lock(&w->map_lock);
    LV2_URID id = 0;
    for (size_t i = 0; i < w->n_uris; i++)
        if (!strcmp(w->uris[i], uri)) {
            id = (LV2_URID)(i + 1);
            break;
        }
    if (!id) {
        if (w->n_uris == w->cap_uris) {
            size_t cap = w->cap_uris ? 2 * w->cap_uris : 64;
            char **u = realloc(w->uris, cap * sizeof *u);
            if (!u)
                goto out;
            w->uris = u;
            w->cap_uris = cap;
        }
        char *copy = strdup(uri);
        if (!copy)
            goto out;
        w->uris[w->n_uris++] = copy;
        id = (LV2_URID)w->n_uris;
    }
out:
    pthread_mutex_unlock(&w->map_lock);
    return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID id)
{
    anc_host_world *w = handle;
    pthread_mutex_lock(&w->map_lock);
    const char *s = id >= 1 && id <= w->n_uris ? w->uris[id - 1] : NULL;
    pthread_mutex_unlock(&w->map_lock);
    return s;
}

/* Keeps the plugin's shared library (and what it links, FFTW) loaded for the
 * life of the process, as Ardour and Carla do: lilv would dlclose it with the
 * last instance. FFTW keeps its plan cache (twiddle tables) in process-global
 * memory that only fftwf_cleanup() frees, which a plugin must never call (other
 * plugins share FFTW); once the library is unloaded that memory is unreachable,
 * and LeakSanitizer reports it (118440 bytes in 1353 blocks for one instance). */
static void pin_library(const LilvPlugin *plugin)
{
    const LilvNode *lib = lilv_plugin_get_library_uri(plugin);
    char *path = lib ? lilv_file_uri_parse(lilv_node_as_uri(lib), NULL) : NULL;
    if (path)
        dlopen(path, RTLD_NOW | RTLD_NODELETE); /* never closed: pinned by design */
    lilv_free(path);
}

anc_host_world *anc_host_world_new(const char *lv2_path, const char *plugin_uri, char *err,
                                   size_t err_len)
{
    anc_host_world *w = calloc(1, sizeof *w);
    if (!w) {
        fail(err, err_len, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->map_lock, NULL);
    w->map = (LV2_URID_Map){w, map_uri};
    w->unmap = (LV2_URID_Unmap){w, unmap_uri};
    w->world = lilv_world_new();
    if (!w->world) {
        fail(err, err_len, "lilv_world_new failed");
        anc_host_world_free(w);
        return NULL;
    }
    if (lv2_path) {
        LilvNode *p = lilv_new_string(w->world, lv2_path);
        lilv_world_set_option(w->world, LILV_OPTION_LV2_PATH, p);
        lilv_node_free(p);
    }
    lilv_world_load_all(w->world);
    const char *uri = plugin_uri ? plugin_uri : ANC_PLUGIN_URI;
    LilvNode *u = lilv_new_uri(w->world, uri);
    w->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(w->world), u);
    lilv_node_free(u);
    if (!w->plugin) {
        const char *where = lv2_path ? lv2_path : getenv("LV2_PATH");
        fail(err, err_len, "plugin <%s> not found in LV2 path '%s'", uri,
             where ? where : "(lilv default)");
        anc_host_world_free(w);
        return NULL;
    }
    snprintf(w->model_uri, sizeof w->model_uri, "%s#model", uri);
    pin_library(w->plugin);
    return w;
}

void anc_host_world_free(anc_host_world *w)
{
    if (!w)
        return;
    if (w->world)
        lilv_world_free(w->world);
    for (size_t i = 0; i < w->n_uris; i++)
        free(w->uris[i]);
    free(w->uris);
    pthread_mutex_destroy(&w->map_lock);
    free(w);
}

LilvWorld *anc_host_lilv_world(anc_host_world *w)
{
    return w->world;
}

const LilvPlugin *anc_host_plugin(const anc_host_world *w)
{
    return w->plugin;
}

uint32_t anc_host_map(anc_host_world *w, const char *uri)
{
    return map_uri(w, uri);
}

const char *anc_host_unmap(anc_host_world *w, uint32_t urid)
{
    return unmap_uri(w, urid);
}

/* ---- single-producer single-consumer byte ring -------------------------- */

/* Messages are [u32 size][size bytes]. The producer owns wr, the consumer rd;
 * both only grow (wrapping unsigned arithmetic), the buffer index is & mask. */
typedef struct ring {
    uint8_t *buf;
    uint32_t mask;
    _Atomic uint32_t wr, rd;
} ring;

static int ring_init(ring *r, uint32_t bytes)
{
    r->buf = malloc(bytes);
    r->mask = bytes - 1;
    atomic_init(&r->wr, 0);
    atomic_init(&r->rd, 0);
    return r->buf ? 0 : -1;
}

static void ring_copy_in(ring *r, uint32_t at, const void *src, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        r->buf[(at + i) & r->mask] = ((const uint8_t *)src)[i];
}

static void ring_copy_out(const ring *r, uint32_t at, void *dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = r->buf[(at + i) & r->mask];
}

/* Producer side; real-time safe. */
static int ring_write(ring *r, uint32_t size, const void *data)
{
    uint32_t wr = atomic_load_explicit(&r->wr, memory_order_relaxed);
    uint32_t rd = atomic_load_explicit(&r->rd, memory_order_acquire);
    uint32_t free_bytes = r->mask + 1 - (wr - rd);
    if ((uint64_t)size + 4 > free_bytes)
        return -1;
    ring_copy_in(r, wr, &size, 4);
    ring_copy_in(r, wr + 4, data, size);
    atomic_store_explicit(&r->wr, wr + 4 + size, memory_order_release);
    return 0;
}

/* Consumer side: size of the next message, or -1 if empty. */
static long ring_peek(ring *r)
{
    uint32_t rd = atomic_load_explicit(&r->rd, memory_order_relaxed);
    uint32_t wr = atomic_load_explicit(&r->wr, memory_order_acquire);
    if (wr == rd)
        return -1;
    uint32_t size;
    ring_copy_out(r, rd, &size, 4);
    return (long)size;
}

/* Consumer side: copies the next message (of ring_peek() bytes) into dst. */
static void ring_read(ring *r, void *dst, uint32_t size)
{
    uint32_t rd = atomic_load_explicit(&r->rd, memory_order_relaxed);
    ring_copy_out(r, rd + 4, dst, size);
    atomic_store_explicit(&r->rd, rd + 4 + size, memory_order_release);
}

static int ring_empty(ring *r)
{
    return atomic_load(&r->wr) == atomic_load(&r->rd);
}

/* ---- instance ------------------------------------------------------------ */

enum port_kind { PORT_OTHER, PORT_CONTROL, PORT_AUDIO, PORT_ATOM };

typedef struct host_worker {
    anc_host *h;
    int threaded;
    LV2_Worker_Schedule schedule;
    LV2_Feature feature;
    ring req, resp;     /* req: audio thread -> worker thread; resp: worker -> audio */
    pthread_t thread;
    int started;
    sem_t sem;
    atomic_int quit;
    atomic_uint pending;   /* jobs queued or running */
    atomic_ulong scheduled;/* schedule_work() calls accepted */
    uint8_t *job;          /* worker thread's copy of the running job */
    size_t job_cap;
} host_worker;

typedef struct urids {
    LV2_URID atom_Sequence, atom_Chunk, atom_Object, atom_Blank, atom_Path, atom_String,
        atom_URI, atom_URID, atom_Int, atom_Float, atom_Double, patch_Set, patch_Get,
        patch_property, patch_value, model, log_Error, log_Warning, log_Note, log_Trace,
        bufsz_max, bufsz_min, bufsz_nominal, bufsz_seq, param_rate, midi_MidiEvent;
} urids;

struct anc_host {
    anc_host_world *w;
    anc_host_config cfg;
    LilvInstance *inst;
    urids u;
    int active;

    /* features */
    LV2_Log_Log log;
    LV2_State_Make_Path make_path;
    LV2_State_Map_Path map_path;
    LV2_State_Free_Path free_path;
    int32_t opt_max, opt_min, opt_nominal, opt_seq;
    float opt_rate;
    LV2_Options_Option options[6];
    LV2_Feature f_map, f_unmap, f_log, f_options, f_make, f_mappath, f_free, f_default,
        f_bounded, f_queue_draw;
    LV2_Inline_Display queue_draw;
    const LV2_Feature *features[13];
    const LV2_Feature *state_features[6]; /* for save and restore (lilv adds mapPath) */
    char scratch_dir[1024];

    /* worker */
    const LV2_Worker_Interface *work_iface;
    pthread_mutex_t work_lock; /* work() is never called concurrently (LV2 worker) */
    host_worker worker, state_worker;
    uint8_t *resp_buf;         /* audio thread's copy of a response */

    /* ports */
    uint32_t n_ports;
    enum port_kind *kind;
    int *is_input;
    char **symbol;
    float *value, *def, *min, *max;
    int latency_port, control_port, notify_port;
    float *scratch_audio;      /* unconnected audio outputs and inputs (zeroed) */
    LV2_Atom_Sequence *control_buf, *notify_buf;
    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame seq_frame;

    /* notify */
    unsigned long notify_events, model_echoes;
    char echo[ECHO_BYTES];

    /* log */
    pthread_mutex_t log_lock;
    char log_text[LOG_BYTES];
    size_t log_len;

    /* inline display */
    const LV2_Inline_Display_Interface *display_iface;
    atomic_ulong queue_draws;

    /* counters */
    unsigned long allocs_run, allocs_resp, logs_run, run_calls;
    unsigned long delivered; /* worker responses handed to work_response() */
    unsigned long allocs_sync_work; /* heap calls of synchronous work() on a watched thread */
    double run_cpu;
};

/* Set on the audio thread while it is inside run() (in_run), and inside run()
 * or the responses after it (in_cycle): the log counts calls made from run(),
 * and the synchronous worker tallies only heap calls made on the audio thread
 * (restore() may schedule from another thread at the same time). */
static _Thread_local anc_host *in_run, *in_cycle;

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Heap calls through the configured counter; without one nothing is counted. */
static void alloc_watch(const anc_host *h, int on)
{
    if (h->cfg.alloc_counter)
        h->cfg.alloc_counter->watch(on);
}

static unsigned long alloc_count(const anc_host *h)
{
    return h->cfg.alloc_counter ? h->cfg.alloc_counter->count() : 0;
}

/* ---- log ----------------------------------------------------------------- */

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap)
{
    anc_host *h = handle;
    if (in_run == h)
        h->logs_run++;
    const char *t = type == h->u.log_Error     ? "error"
                    : type == h->u.log_Warning ? "warning"
                    : type == h->u.log_Note    ? "note"
                    : type == h->u.log_Trace   ? "trace"
                                               : "log";
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: ", t);
    va_list aq;
    va_copy(aq, ap);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, aq);
    va_end(aq);
    size_t len = strlen(line);
    if (len && line[len - 1] != '\n' && len + 1 < sizeof line) {
        line[len++] = '\n';
        line[len] = '\0';
    }
    pthread_mutex_lock(&h->log_lock);
    if (h->log_len + len < LOG_BYTES) {
        memcpy(h->log_text + h->log_len, line, len + 1);
        h->log_len += len;
    }
    pthread_mutex_unlock(&h->log_lock);
    if (h->cfg.echo_log)
        fprintf(stderr, "[plugin] %s", line);
    return (int)len;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return n;
}

const char *anc_host_log(anc_host *h)
{
    return h->log_text;
}

void anc_host_log_clear(anc_host *h)
{
    pthread_mutex_lock(&h->log_lock);
    h->log_len = 0;
    h->log_text[0] = '\0';
    pthread_mutex_unlock(&h->log_lock);
}

/* ---- state paths offered at instantiation --------------------------------- */

static int mkdir_p(const char *path)
{
    char tmp[1024];
    size_t n = strlen(path);
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++)
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -1;
            tmp[i] = c;
        }
    return 0;
}

/* makePath: files the plugin creates live in a per-instance scratch folder,
 * created on first use. */
static char *make_path(LV2_State_Make_Path_Handle handle, const char *path)
{
    anc_host *h = handle;
    if (!h->scratch_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(h->scratch_dir, sizeof h->scratch_dir, "%s/anc-host-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(h->scratch_dir)) {
            h->scratch_dir[0] = '\0';
            return NULL;
        }
    }
    size_t n = strlen(h->scratch_dir) + strlen(path) + 2;
    char *full = malloc(n);
    if (!full)
        return NULL;
    snprintf(full, n, "%s/%s", h->scratch_dir, path);
    char *slash = strrchr(full, '/');
    *slash = '\0';
    mkdir_p(full);
    *slash = '/';
    return full;
}

/* Outside save/restore there is no state folder: paths map to themselves. */
static char *abstract_path(LV2_State_Map_Path_Handle handle, const char *abs)
{
    (void)handle;
    return strdup(abs);
}

static char *absolute_path(LV2_State_Map_Path_Handle handle, const char *abstract)
{
    (void)handle;
    return strdup(abstract);
}

static void free_path(LV2_State_Free_Path_Handle handle, char *path)
{
    (void)handle;
    free(path);
}

/* ---- worker -------------------------------------------------------------- */

/* Called by the plugin's work(), on whichever thread runs it. */
static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void *data)
{
    host_worker *wk = handle;
    return ring_write(&wk->resp, size, data) ? LV2_WORKER_ERR_NO_SPACE : LV2_WORKER_SUCCESS;
}

static void call_work(host_worker *wk, uint32_t size, const void *data)
{
    anc_host *h = wk->h;
    pthread_mutex_lock(&h->work_lock);
    h->work_iface->work(lilv_instance_get_handle(h->inst), respond, wk, size, data);
    pthread_mutex_unlock(&h->work_lock);
}

/* schedule_work: from run() and work_response() on the audio thread, or from
 * restore() (state worker) on the thread that restores. */
static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                       const void *data)
{
    host_worker *wk = handle;
    anc_host *h = wk->h;
    if (!h->work_iface)
        return LV2_WORKER_ERR_UNKNOWN;
    if (!wk->threaded) {
        atomic_fetch_add(&wk->scheduled, 1);
        /* Synchronous work (Ardour's export) runs on the audio thread inside
         * run() or work_response() and may allocate: that is the host's choice,
         * so its heap calls are tallied apart (they also prove the counter sees
         * the plugin's own calls). */
        unsigned long a0 = alloc_count(h);
        call_work(wk, size, data);
        if (in_cycle == h)
            h->allocs_sync_work += alloc_count(h) - a0;
        return LV2_WORKER_SUCCESS;
    }
    if (ring_write(&wk->req, size, data))
        return LV2_WORKER_ERR_NO_SPACE;
    atomic_fetch_add(&wk->scheduled, 1);
    atomic_fetch_add(&wk->pending, 1);
    sem_post(&wk->sem);
    return LV2_WORKER_SUCCESS;
}

static void *worker_main(void *arg)
{
    host_worker *wk = arg;
    for (;;) {
        while (sem_wait(&wk->sem) && errno == EINTR) {
        }
        if (atomic_load(&wk->quit))
            break;
        long size = ring_peek(&wk->req);
        if (size < 0)
            continue;
        if ((size_t)size > wk->job_cap) {
            uint8_t *b = realloc(wk->job, (size_t)size);
            if (!b)
                abort(); /* a test instrument: losing a job would hang the caller */
            wk->job = b;
            wk->job_cap = (size_t)size;
        }
        ring_read(&wk->req, wk->job, (uint32_t)size);
        call_work(wk, (uint32_t)size, wk->job);
        atomic_fetch_sub(&wk->pending, 1);
    }
    return NULL;
}

static int worker_init(host_worker *wk, anc_host *h, int threaded)
{
    wk->h = h;
    wk->threaded = threaded;
    wk->schedule = (LV2_Worker_Schedule){wk, schedule_work};
    wk->feature = (LV2_Feature){LV2_WORKER__schedule, &wk->schedule};
    atomic_init(&wk->quit, 0);
    atomic_init(&wk->pending, 0);
    atomic_init(&wk->scheduled, 0);
    if (ring_init(&wk->req, RING_BYTES) || ring_init(&wk->resp, RING_BYTES))
        return -1;
    if (threaded && sem_init(&wk->sem, 0, 0))
        return -1;
    return 0;
}

static int worker_start(host_worker *wk)
{
    if (!wk->threaded)
        return 0;
    if (pthread_create(&wk->thread, NULL, worker_main, wk))
        return -1;
    wk->started = 1;
    return 0;
}

static void worker_stop(host_worker *wk)
{
    if (wk->started) {
        atomic_store(&wk->quit, 1);
        sem_post(&wk->sem);
        pthread_join(wk->thread, NULL);
        wk->started = 0;
    }
    if (wk->threaded)
        sem_destroy(&wk->sem);
    free(wk->req.buf);
    free(wk->resp.buf);
    free(wk->job);
}

/* Audio thread, after run(): hands every queued response to the plugin. */
static void deliver_responses(anc_host *h, host_worker *wk)
{
    long size;
    while ((size = ring_peek(&wk->resp)) >= 0) {
        if ((uint32_t)size > RING_BYTES) /* cannot happen: ring_write bounds it */
            abort();
        ring_read(&wk->resp, h->resp_buf, (uint32_t)size);
        h->delivered++;
        if (h->work_iface && h->work_iface->work_response)
            h->work_iface->work_response(lilv_instance_get_handle(h->inst), (uint32_t)size,
                                         h->resp_buf);
    }
}

int anc_host_wait_worker(anc_host *h, double timeout_s)
{
    struct timespec nap = {0, 200000};
    double waited = 0;
    while (atomic_load(&h->worker.pending) || atomic_load(&h->state_worker.pending)) {
        if (waited > timeout_s)
            return -1;
        nanosleep(&nap, NULL);
        waited += 2e-4;
    }
    return 0;
}

/* ---- ports and atoms ----------------------------------------------------- */

static void reset_control_buf(anc_host *h)
{
    lv2_atom_forge_set_buffer(&h->forge, (uint8_t *)h->control_buf, ATOM_BYTES);
    lv2_atom_forge_sequence_head(&h->forge, &h->seq_frame, 0);
}

/* LV2 atom convention: before run() an output sequence is an empty Chunk whose
 * size is the buffer's capacity. */
static void reset_notify_buf(anc_host *h)
{
    h->notify_buf->atom.type = h->u.atom_Chunk;
    h->notify_buf->atom.size = ATOM_BYTES - sizeof(LV2_Atom);
}

static void read_notify(anc_host *h)
{
    const LV2_Atom_Sequence *seq = h->notify_buf;
    if (seq->atom.type != h->u.atom_Sequence || seq->atom.size > ATOM_BYTES - sizeof(LV2_Atom))
        return;
    LV2_ATOM_SEQUENCE_FOREACH (seq, ev) {
        h->notify_events++;
        if (ev->body.type != h->u.atom_Object && ev->body.type != h->u.atom_Blank)
            continue;
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
        if (obj->body.otype != h->u.patch_Set)
            continue;
        const LV2_Atom *prop = NULL, *val = NULL;
        lv2_atom_object_get(obj, h->u.patch_property, &prop, h->u.patch_value, &val, 0);
        if (!prop || prop->type != h->u.atom_URID ||
            ((const LV2_Atom_URID *)prop)->body != h->u.model || !val)
            continue;
        if (val->type != h->u.atom_Path && val->type != h->u.atom_String &&
            val->type != h->u.atom_URI)
            continue;
        size_t n = val->size;
        if (n >= ECHO_BYTES)
            n = ECHO_BYTES - 1;
        memcpy(h->echo, LV2_ATOM_BODY_CONST(val), n);
        h->echo[n] = '\0';
        h->model_echoes++;
    }
}

int anc_host_send_model(anc_host *h, const char *path)
{
    uint32_t len = (uint32_t)strlen(path);
    if (h->forge.size - h->forge.offset < 128 + len)
        return -1;
    LV2_Atom_Forge_Frame f;
    lv2_atom_forge_frame_time(&h->forge, 0);
    lv2_atom_forge_object(&h->forge, &f, 0, h->u.patch_Set);
    lv2_atom_forge_key(&h->forge, h->u.patch_property);
    lv2_atom_forge_urid(&h->forge, h->u.model);
    lv2_atom_forge_key(&h->forge, h->u.patch_value);
    lv2_atom_forge_path(&h->forge, path, len);
    lv2_atom_forge_pop(&h->forge, &f);
    return 0;
}

int anc_host_send_get(anc_host *h)
{
    if (h->forge.size - h->forge.offset < 64)
        return -1;
    LV2_Atom_Forge_Frame f;
    lv2_atom_forge_frame_time(&h->forge, 0);
    lv2_atom_forge_object(&h->forge, &f, 0, h->u.patch_Get);
    lv2_atom_forge_pop(&h->forge, &f);
    return 0;
}

int anc_host_send_midi(anc_host *h, uint32_t frame, const uint8_t *msg, uint32_t size)
{
    if (h->forge.size - h->forge.offset < 64 + size)
        return -1;
    lv2_atom_forge_frame_time(&h->forge, frame);
    lv2_atom_forge_atom(&h->forge, size, h->u.midi_MidiEvent);
    lv2_atom_forge_write(&h->forge, msg, size);
    return 0;
}

static LilvNode *uri_node(anc_host *h, const char *uri)
{
    return lilv_new_uri(h->w->world, uri);
}

static int setup_ports(anc_host *h, char *err, size_t err_len)
{
    const LilvPlugin *p = h->w->plugin;
    uint32_t n = lilv_plugin_get_num_ports(p);
    h->n_ports = n;
    h->kind = calloc(n, sizeof *h->kind);
    h->is_input = calloc(n, sizeof *h->is_input);
    h->symbol = calloc(n, sizeof *h->symbol);
    h->value = calloc(n, sizeof *h->value);
    h->def = calloc(n, sizeof *h->def);
    h->min = calloc(n, sizeof *h->min);
    h->max = calloc(n, sizeof *h->max);
    h->scratch_audio = calloc(h->cfg.max_block ? h->cfg.max_block : 1, sizeof(float));
    h->control_buf = aligned_alloc(16, ATOM_BYTES);
    h->notify_buf = aligned_alloc(16, ATOM_BYTES);
    if (!h->kind || !h->is_input || !h->symbol || !h->value || !h->def || !h->min || !h->max ||
        !h->scratch_audio || !h->control_buf || !h->notify_buf) {
        fail(err, err_len, "out of memory for ports");
        return -1;
    }
    lilv_plugin_get_port_ranges_float(p, h->min, h->max, h->def);

    LilvNode *input = uri_node(h, LV2_CORE__InputPort), *output = uri_node(h, LV2_CORE__OutputPort),
             *control = uri_node(h, LV2_CORE__ControlPort), *audio = uri_node(h, LV2_CORE__AudioPort),
             *atom = uri_node(h, LV2_ATOM__AtomPort), *desig = uri_node(h, LV2_CORE__designation),
             *latency = uri_node(h, LV2_CORE__latency),
             *optional = uri_node(h, LV2_CORE__connectionOptional);
    int rc = 0;
    h->latency_port = h->control_port = h->notify_port = -1;
    for (uint32_t i = 0; i < n && !rc; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(p, i);
        h->symbol[i] = strdup(lilv_node_as_string(lilv_port_get_symbol(p, port)));
        h->is_input[i] = lilv_port_is_a(p, port, input);
        if (!h->is_input[i] && !lilv_port_is_a(p, port, output)) {
            fail(err, err_len, "port %u (%s) is neither input nor output", i, h->symbol[i]);
            rc = -1;
            break;
        }
        if (lilv_port_is_a(p, port, control)) {
            h->kind[i] = PORT_CONTROL;
            h->value[i] = isnan(h->def[i]) ? (isnan(h->min[i]) ? 0.0f : h->min[i]) : h->def[i];
            LilvNodes *d = lilv_port_get_value(p, port, desig);
            if (!h->is_input[i] && d && lilv_nodes_contains(d, latency))
                h->latency_port = (int)i;
            lilv_nodes_free(d);
            if (!h->is_input[i])
                h->value[i] = NAN;
            lilv_instance_connect_port(h->inst, i, &h->value[i]);
        } else if (lilv_port_is_a(p, port, audio)) {
            h->kind[i] = PORT_AUDIO;
            lilv_instance_connect_port(h->inst, i, h->scratch_audio);
        } else if (lilv_port_is_a(p, port, atom)) {
            h->kind[i] = PORT_ATOM;
            if (h->is_input[i] && h->control_port < 0) {
                h->control_port = (int)i;
                lilv_instance_connect_port(h->inst, i, h->control_buf);
            } else if (!h->is_input[i] && h->notify_port < 0) {
                h->notify_port = (int)i;
                lilv_instance_connect_port(h->inst, i, h->notify_buf);
            } else {
                fail(err, err_len, "port %u (%s): a second atom %s port", i, h->symbol[i],
                     h->is_input[i] ? "input" : "output");
                rc = -1;
            }
        } else if (lilv_port_has_property(p, port, optional)) {
            h->kind[i] = PORT_OTHER;
            lilv_instance_connect_port(h->inst, i, NULL);
        } else {
            fail(err, err_len, "port %u (%s) has a type this host does not know", i,
                 h->symbol[i]);
            rc = -1;
        }
    }
    lilv_node_free(input);
    lilv_node_free(output);
    lilv_node_free(control);
    lilv_node_free(audio);
    lilv_node_free(atom);
    lilv_node_free(desig);
    lilv_node_free(latency);
    lilv_node_free(optional);
    if (rc)
        return rc;
    lv2_atom_forge_init(&h->forge, &h->w->map);
    reset_control_buf(h);
    reset_notify_buf(h);
    return 0;
}

/* ---- life cycle ---------------------------------------------------------- */

void anc_host_config_default(anc_host_config *c)
{
    *c = (anc_host_config){.sample_rate = 48000.0,
                           .max_block = 4096,
                           .worker = ANC_HOST_WORKER_THREAD,
                           .default_state = 1,
                           .restore_worker = 1,
                           .echo_log = 0};
}

static void map_urids(anc_host *h)
{
    LV2_URID_Map *m = &h->w->map;
#define MAP(field, uri) h->u.field = m->map(m->handle, uri)
    MAP(atom_Sequence, LV2_ATOM__Sequence);
    MAP(midi_MidiEvent, LV2_MIDI__MidiEvent);
    MAP(atom_Chunk, LV2_ATOM__Chunk);
    MAP(atom_Object, LV2_ATOM__Object);
    MAP(atom_Blank, LV2_ATOM__Blank);
    MAP(atom_Path, LV2_ATOM__Path);
    MAP(atom_String, LV2_ATOM__String);
    MAP(atom_URI, LV2_ATOM__URI);
    MAP(atom_URID, LV2_ATOM__URID);
    MAP(atom_Int, LV2_ATOM__Int);
    MAP(atom_Float, LV2_ATOM__Float);
    MAP(atom_Double, LV2_ATOM__Double);
    MAP(patch_Set, LV2_PATCH__Set);
    MAP(patch_Get, LV2_PATCH__Get);
    MAP(patch_property, LV2_PATCH__property);
    MAP(patch_value, LV2_PATCH__value);
    MAP(model, h->w->model_uri);
    MAP(log_Error, LV2_LOG__Error);
    MAP(log_Warning, LV2_LOG__Warning);
    MAP(log_Note, LV2_LOG__Note);
    MAP(log_Trace, LV2_LOG__Trace);
    MAP(bufsz_max, LV2_BUF_SIZE__maxBlockLength);
    MAP(bufsz_min, LV2_BUF_SIZE__minBlockLength);
    MAP(bufsz_nominal, LV2_BUF_SIZE__nominalBlockLength);
    MAP(bufsz_seq, LV2_BUF_SIZE__sequenceSize);
    MAP(param_rate, LV2_PARAMETERS__sampleRate);
#undef MAP
}

/* The plugin's queue_draw(): counted (Ardour emits a signal to its GUI). */
static void queue_draw(LV2_Inline_Display_Handle handle)
{
    anc_host *h = handle;
    atomic_fetch_add_explicit(&h->queue_draws, 1, memory_order_relaxed);
}

static void build_features(anc_host *h)
{
    h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
    h->make_path = (LV2_State_Make_Path){h, make_path};
    h->map_path = (LV2_State_Map_Path){h, abstract_path, absolute_path};
    h->free_path = (LV2_State_Free_Path){h, free_path};
    h->opt_max = (int32_t)h->cfg.max_block;
    h->opt_nominal = (int32_t)h->cfg.max_block;
    h->opt_min = 0;
    h->opt_seq = (int32_t)ATOM_BYTES;
    h->opt_rate = (float)h->cfg.sample_rate;
    LV2_URID i = h->u.atom_Int, f = h->u.atom_Float;
    h->options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, h->u.bufsz_max, 4, i, &h->opt_max};
    h->options[1] =
        (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, h->u.bufsz_nominal, 4, i, &h->opt_nominal};
    h->options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, h->u.bufsz_min, 4, i, &h->opt_min};
    h->options[3] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, h->u.bufsz_seq, 4, i, &h->opt_seq};
    h->options[4] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, h->u.param_rate, 4, f, &h->opt_rate};
    h->options[5] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};

    h->f_map = (LV2_Feature){LV2_URID__map, &h->w->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->w->unmap};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    h->f_options = (LV2_Feature){LV2_OPTIONS__options, h->options};
    h->f_make = (LV2_Feature){LV2_STATE__makePath, &h->make_path};
    h->f_mappath = (LV2_Feature){LV2_STATE__mapPath, &h->map_path};
    h->f_free = (LV2_Feature){LV2_STATE__freePath, &h->free_path};
    h->f_default = (LV2_Feature){LV2_STATE__loadDefaultState, NULL};
    h->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
    h->queue_draw = (LV2_Inline_Display){h, queue_draw};
    h->f_queue_draw = (LV2_Feature){LV2_INLINEDISPLAY__queue_draw, &h->queue_draw};
    const LV2_Feature *all[] = {&h->f_map,     &h->f_unmap,          &h->worker.feature,
                                &h->f_options, &h->f_log,            &h->f_make,
                                &h->f_mappath, &h->f_free,           &h->f_default,
                                &h->f_bounded, &h->f_queue_draw,     NULL};
    memcpy(h->features, all, sizeof all);
    /* Save and restore: lilv appends its own mapPath and freePath, which must be
     * the ones the plugin finds, so ours are left out. */
    const LV2_Feature *st[] = {&h->f_map, &h->f_unmap, &h->f_log, &h->f_options,
                               &h->state_worker.feature, NULL};
    memcpy(h->state_features, st, sizeof st);
}

static int check_required(anc_host *h, char *err, size_t err_len)
{
    LilvNodes *req = lilv_plugin_get_required_features(h->w->plugin);
    int rc = 0;
    LILV_FOREACH (nodes, it, req) {
        const char *uri = lilv_node_as_uri(lilv_nodes_get(req, it));
        int have = 0;
        for (const LV2_Feature *const *f = h->features; *f; f++)
            if (!strcmp((*f)->URI, uri))
                have = 1;
        if (!have) {
            fail(err, err_len, "plugin requires feature <%s>, which hosts need not give", uri);
            rc = -1;
            break;
        }
    }
    lilv_nodes_free(req);
    return rc;
}

anc_host *anc_host_new(anc_host_world *w, const anc_host_config *c, char *err, size_t err_len)
{
    anc_host *h = calloc(1, sizeof *h);
    if (!h) {
        fail(err, err_len, "out of memory");
        return NULL;
    }
    h->w = w;
    h->cfg = *c;
    atomic_init(&h->queue_draws, 0);
    if (!h->cfg.max_block)
        h->cfg.max_block = 1;
    pthread_mutex_init(&h->work_lock, NULL);
    pthread_mutex_init(&h->log_lock, NULL);
    map_urids(h);
    h->resp_buf = malloc(RING_BYTES);
    if (!h->resp_buf ||
        worker_init(&h->worker, h, h->cfg.worker == ANC_HOST_WORKER_THREAD) ||
        worker_init(&h->state_worker, h, 0)) {
        fail(err, err_len, "out of memory for the worker");
        anc_host_free(h);
        return NULL;
    }
    build_features(h);
    if (check_required(h, err, err_len)) {
        anc_host_free(h);
        return NULL;
    }
    h->inst = lilv_plugin_instantiate(w->plugin, h->cfg.sample_rate, h->features);
    if (!h->inst) {
        fail(err, err_len, "instantiate failed at %.0f Hz, max block %u%s%s",
             h->cfg.sample_rate, h->cfg.max_block, h->log_len ? "; plugin log: " : "",
             h->log_text);
        anc_host_free(h);
        return NULL;
    }
    h->work_iface = lilv_instance_get_extension_data(h->inst, LV2_WORKER__interface);
    /* As Ardour: the display only when the Turtle lists it in lv2:extensionData. */
    LilvNode *idpy = lilv_new_uri(w->world, LV2_INLINEDISPLAY__interface);
    if (lilv_plugin_has_extension_data(w->plugin, idpy))
        h->display_iface = lilv_instance_get_extension_data(h->inst, LV2_INLINEDISPLAY__interface);
    lilv_node_free(idpy);
    if (setup_ports(h, err, err_len) || worker_start(&h->worker)) {
        if (!err || !err[0])
            fail(err, err_len, "cannot start the worker thread");
        anc_host_free(h);
        return NULL;
    }
    if (h->cfg.default_state && anc_host_apply_default_state(h, err, err_len)) {
        anc_host_free(h);
        return NULL;
    }
    return h;
}

void anc_host_free(anc_host *h)
{
    if (!h)
        return;
    if (h->inst && h->active)
        lilv_instance_deactivate(h->inst);
    /* The worker may still be inside work() on this instance: stop it first. */
    worker_stop(&h->worker);
    worker_stop(&h->state_worker);
    if (h->inst)
        lilv_instance_free(h->inst);
    for (uint32_t i = 0; h->symbol && i < h->n_ports; i++)
        free(h->symbol[i]);
    free(h->symbol);
    free(h->kind);
    free(h->is_input);
    free(h->value);
    free(h->def);
    free(h->min);
    free(h->max);
    free(h->scratch_audio);
    free(h->control_buf);
    free(h->notify_buf);
    free(h->resp_buf);
    if (h->scratch_dir[0]) {
        /* Only an empty scratch folder is removed; the plugin's files stay. */
        rmdir(h->scratch_dir);
    }
    pthread_mutex_destroy(&h->work_lock);
    pthread_mutex_destroy(&h->log_lock);
    free(h);
}

void anc_host_activate(anc_host *h)
{
    if (!h->active) {
        lilv_instance_activate(h->inst);
        h->active = 1;
    }
}

void anc_host_deactivate(anc_host *h)
{
    if (h->active) {
        lilv_instance_deactivate(h->inst);
        h->active = 0;
    }
}

/* ---- ports API ----------------------------------------------------------- */

uint32_t anc_host_n_ports(const anc_host *h)
{
    return h->n_ports;
}

int anc_host_port_index(const anc_host *h, const char *symbol)
{
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (!strcmp(h->symbol[i], symbol))
            return (int)i;
    return -1;
}

const char *anc_host_port_symbol(const anc_host *h, uint32_t index)
{
    return index < h->n_ports ? h->symbol[index] : NULL;
}

int anc_host_port_is_control_input(const anc_host *h, uint32_t index)
{
    return index < h->n_ports && h->kind[index] == PORT_CONTROL && h->is_input[index];
}

float anc_host_port_default(const anc_host *h, uint32_t index)
{
    return index < h->n_ports ? h->def[index] : NAN;
}

float anc_host_port_min(const anc_host *h, uint32_t index)
{
    return index < h->n_ports ? h->min[index] : NAN;
}

float anc_host_port_max(const anc_host *h, uint32_t index)
{
    return index < h->n_ports ? h->max[index] : NAN;
}

void anc_host_set_control(anc_host *h, uint32_t index, float value)
{
    if (index < h->n_ports && h->kind[index] == PORT_CONTROL)
        h->value[index] = value;
}

int anc_host_set_control_sym(anc_host *h, const char *symbol, float value)
{
    int i = anc_host_port_index(h, symbol);
    if (i < 0)
        return -1;
    anc_host_set_control(h, (uint32_t)i, value);
    return 0;
}

float anc_host_get_control(const anc_host *h, uint32_t index)
{
    return index < h->n_ports && h->kind[index] == PORT_CONTROL ? h->value[index] : NAN;
}

void anc_host_reset_controls(anc_host *h)
{
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (h->kind[i] == PORT_CONTROL && h->is_input[i])
            h->value[i] = isnan(h->def[i]) ? (isnan(h->min[i]) ? 0.0f : h->min[i]) : h->def[i];
}

float anc_host_latency(const anc_host *h)
{
    return h->latency_port >= 0 ? h->value[h->latency_port] : NAN;
}

/* ---- cycles -------------------------------------------------------------- */

void anc_host_run(anc_host *h, float *out, uint32_t n)
{
    anc_host_run_input(h, NULL, out, n);
}

void anc_host_run_input(anc_host *h, const float *in, float *out, uint32_t n)
{
    if (n > h->cfg.max_block)
        n = h->cfg.max_block; /* bufsz:maxBlockLength is a promise to the plugin */
    float *dst = out ? out : h->scratch_audio;
    /* Without in, inputs read the zeroed scratch; it must be zeroed before any
     * output is connected to it. */
    int in_used = 0;
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (h->kind[i] == PORT_AUDIO && h->is_input[i]) {
            if (in && !in_used) {
                /* lilv takes a mutable pointer; the plugin only reads an input. */
                lilv_instance_connect_port(h->inst, i, (void *)(uintptr_t)in);
                in_used = 1;
            } else {
                memset(h->scratch_audio, 0, sizeof(float) * n);
                lilv_instance_connect_port(h->inst, i, h->scratch_audio);
            }
        }
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (h->kind[i] == PORT_AUDIO && !h->is_input[i]) {
            lilv_instance_connect_port(h->inst, i, dst);
            dst = h->scratch_audio; /* only the first output goes to out */
        }
    reset_notify_buf(h);

    unsigned long a0 = alloc_count(h), s0 = h->allocs_sync_work;
    in_cycle = h;
    in_run = h;
    alloc_watch(h, 1);
    double t0 = thread_cpu();
    lilv_instance_run(h->inst, n);
    double t1 = thread_cpu();
    alloc_watch(h, 0);
    in_run = NULL;
    unsigned long a1 = alloc_count(h), s1 = h->allocs_sync_work;
    h->allocs_run += (a1 - a0) - (s1 - s0);
    h->run_cpu += t1 - t0;
    h->run_calls++;

    /* Ardour's order: responses of the state worker, then of the worker, then
     * end_run(); all on the audio thread, all real time. */
    alloc_watch(h, 1);
    deliver_responses(h, &h->state_worker);
    deliver_responses(h, &h->worker);
    if (h->work_iface && h->work_iface->end_run)
        h->work_iface->end_run(lilv_instance_get_handle(h->inst));
    alloc_watch(h, 0);
    in_cycle = NULL;
    h->allocs_resp += (alloc_count(h) - a1) - (h->allocs_sync_work - s1);

    read_notify(h);
    reset_control_buf(h);
}

void anc_host_render(anc_host *h, float *out, size_t frames, uint32_t block)
{
    anc_host_render_input(h, NULL, out, frames, block);
}

void anc_host_render_input(anc_host *h, const float *in, float *out, size_t frames,
                           uint32_t block)
{
    if (!block)
        block = 1;
    for (size_t pos = 0; pos < frames;) {
        uint32_t n = frames - pos < block ? (uint32_t)(frames - pos) : block;
        if (n > h->cfg.max_block)
            n = h->cfg.max_block;
        anc_host_run_input(h, in ? in + pos : NULL, out ? out + pos : NULL, n);
        pos += n;
    }
}

int anc_host_settle(anc_host *h, uint32_t block, int max_cycles)
{
    /* Quiet means: no work scheduled, no response delivered and no notify event
     * for SETTLE_QUIET_S seconds of audio and at least 3 cycles. Plugins finish
     * a change over several cycles (install, echo on the next run, fade of the
     * old engine, a second trip through the worker to free it). */
    const double quiet_needed = SETTLE_QUIET_S * h->cfg.sample_rate;
    double quiet = 0;
    int quiet_cycles = 0;
    if (!block)
        block = 1;
    for (int i = 1; i <= max_cycles; i++) {
        unsigned long before = atomic_load(&h->worker.scheduled) +
                               atomic_load(&h->state_worker.scheduled) + h->delivered +
                               h->notify_events;
        anc_host_run(h, NULL, block);
        if (anc_host_wait_worker(h, 10.0))
            return -1;
        unsigned long after = atomic_load(&h->worker.scheduled) +
                              atomic_load(&h->state_worker.scheduled) + h->delivered +
                              h->notify_events;
        if (after == before && ring_empty(&h->worker.resp) && ring_empty(&h->state_worker.resp)) {
            quiet += block < h->cfg.max_block ? block : h->cfg.max_block;
            quiet_cycles++;
        } else {
            quiet = 0;
            quiet_cycles = 0;
        }
        if (quiet >= quiet_needed && quiet_cycles >= 3)
            return i;
    }
    return -1;
}

/* ---- state --------------------------------------------------------------- */

static const void *get_port_value(const char *symbol, void *user_data, uint32_t *size,
                                  uint32_t *type)
{
    anc_host *h = user_data;
    int i = anc_host_port_index(h, symbol);
    if (i < 0 || h->kind[i] != PORT_CONTROL || !h->is_input[i]) {
        *size = *type = 0;
        return NULL;
    }
    *size = sizeof(float);
    *type = h->u.atom_Float;
    return &h->value[i];
}

static void set_port_value(const char *symbol, void *user_data, const void *value, uint32_t size,
                           uint32_t type)
{
    anc_host *h = user_data;
    int i = anc_host_port_index(h, symbol);
    if (i < 0 || h->kind[i] != PORT_CONTROL || !h->is_input[i])
        return;
    if (type == h->u.atom_Float && size == sizeof(float))
        h->value[i] = *(const float *)value;
    else if (type == h->u.atom_Double && size == sizeof(double))
        h->value[i] = (float)*(const double *)value;
    else if (type == h->u.atom_Int && size == sizeof(int32_t))
        h->value[i] = (float)*(const int32_t *)value;
}

int anc_host_save_state(anc_host *h, const char *dir, char *err, size_t err_len)
{
    if (mkdir_p(dir)) {
        fail(err, err_len, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    LilvState *st = lilv_state_new_from_instance(
        h->w->plugin, h->inst, &h->w->map, h->scratch_dir[0] ? h->scratch_dir : NULL, dir, dir,
        dir, get_port_value, h, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, h->state_features);
    if (!st) {
        fail(err, err_len, "lilv_state_new_from_instance failed");
        return -1;
    }
    int rc = lilv_state_save(h->w->world, &h->w->map, &h->w->unmap, st, NULL, dir, STATE_FILE);
    lilv_state_free(st);
    if (rc) {
        fail(err, err_len, "lilv_state_save to %s failed (%d)", dir, rc);
        return -1;
    }
    return 0;
}

static void restore(anc_host *h, const LilvState *st, int ports)
{
    lilv_state_restore(st, h->inst, ports ? set_port_value : NULL, h, 0,
                       h->cfg.restore_worker ? h->state_features : NULL);
}

static int restore_file(anc_host *h, const char *dir, int ports, char *err, size_t err_len)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, STATE_FILE);
    LilvState *st = lilv_state_new_from_file(h->w->world, &h->w->map, NULL, path);
    if (!st) {
        fail(err, err_len, "cannot read state %s", path);
        return -1;
    }
    restore(h, st, ports);
    lilv_state_free(st);
    return 0;
}

int anc_host_restore_state(anc_host *h, const char *dir, char *err, size_t err_len)
{
    return restore_file(h, dir, 1, err, err_len);
}

int anc_host_restore_properties(anc_host *h, const char *dir, char *err, size_t err_len)
{
    return restore_file(h, dir, 0, err, err_len);
}

typedef struct one_property {
    uint32_t key, type;
    const void *value;
    size_t size;
} one_property;

static const void *retrieve_one(LV2_State_Handle handle, uint32_t key, size_t *size,
                                uint32_t *type, uint32_t *flags)
{
    const one_property *p = handle;
    if (key != p->key)
        return NULL;
    *size = p->size;
    *type = p->type;
    *flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
    return p->value;
}

int anc_host_restore_value(anc_host *h, const char *key_uri, const void *value, size_t size,
                           const char *type_uri)
{
    const LV2_State_Interface *si = lilv_instance_get_extension_data(h->inst, LV2_STATE__interface);
    if (!si)
        return -1;
    one_property p = {anc_host_map(h->w, key_uri), anc_host_map(h->w, type_uri), value, size};
    const LV2_Feature *features[sizeof h->state_features / sizeof h->state_features[0] + 2];
    size_t n = 0;
    for (const LV2_Feature *const *f = h->state_features; *f; f++)
        features[n++] = *f;
    features[n++] = &h->f_mappath;
    features[n++] = &h->f_free;
    features[n] = NULL;
    return (int)si->restore(lilv_instance_get_handle(h->inst), retrieve_one, &p, 0,
                            h->cfg.restore_worker ? features : NULL);
}

int anc_host_apply_default_state(anc_host *h, char *err, size_t err_len)
{
    LilvState *st = lilv_state_new_from_world(h->w->world, &h->w->map,
                                              lilv_plugin_get_uri(h->w->plugin));
    if (!st) {
        fail(err, err_len, "the plugin's Turtle has no default state");
        return -1;
    }
    restore(h, st, 1);
    lilv_state_free(st);
    return 0;
}

/* ---- counters ------------------------------------------------------------ */

unsigned long anc_host_notify_events(const anc_host *h)
{
    return h->notify_events;
}

unsigned long anc_host_model_echoes(const anc_host *h)
{
    return h->model_echoes;
}

const char *anc_host_model_echo(const anc_host *h)
{
    return h->echo;
}

unsigned long anc_host_allocs_in_run(const anc_host *h)
{
    return h->allocs_run;
}

unsigned long anc_host_allocs_in_response(const anc_host *h)
{
    return h->allocs_resp;
}

unsigned long anc_host_allocs_in_sync_work(const anc_host *h)
{
    return h->allocs_sync_work;
}

unsigned long anc_host_logs_in_run(const anc_host *h)
{
    return h->logs_run;
}

double anc_host_run_cpu_seconds(const anc_host *h)
{
    return h->run_cpu;
}

unsigned long anc_host_run_calls(const anc_host *h)
{
    return h->run_calls;
}

int anc_host_has_inline_display(const anc_host *h)
{
    return h->display_iface && h->display_iface->render;
}

int anc_host_render_inline(anc_host *h, uint32_t w, uint32_t max_h, anc_host_image *img)
{
    memset(img, 0, sizeof *img);
    if (!anc_host_has_inline_display(h))
        return -1;
    const LV2_Inline_Display_Image_Surface *s =
        h->display_iface->render(lilv_instance_get_handle(h->inst), w, max_h);
    if (!s)
        return 1;
    img->data = s->data;
    img->width = s->width;
    img->height = s->height;
    img->stride = s->stride;
    return 0;
}

unsigned long anc_host_queue_draws(const anc_host *h)
{
    return atomic_load_explicit(&((anc_host *)h)->queue_draws, memory_order_relaxed);
}

void anc_host_reset_counters(anc_host *h)
{
    h->allocs_run = h->allocs_resp = h->logs_run = h->run_calls = h->allocs_sync_work = 0;
    h->run_cpu = 0.0;
}

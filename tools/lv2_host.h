/* lv2_host.h — a small lilv host for the Ancestral plugins, shared by the plugin
 * tests, ancestral-bench and ancestral-plugin-render. It is a measuring
 * instrument, not a product host: it behaves the way Ardour 7 and jalv do where
 * the plugin can tell the difference.
 *
 * What it provides to the plugin: urid:map/unmap (one table per world, shared by
 * its instances so saved state moves between them), work:schedule (a worker
 * thread fed through a lock-free ring, or synchronous as in Ardour's export, where
 * work() runs inside schedule_work), opts:options (bufsz:maxBlockLength,
 * bufsz:nominalBlockLength, bufsz:minBlockLength, bufsz:sequenceSize,
 * param:sampleRate), log:log (captured per instance), state:makePath/mapPath/
 * freePath, state:loadDefaultState (the plugin's default state is applied
 * right after instantiation) and Ardour's inline display queue_draw. Save and
 * restore go through lilv_state, with a synchronous state worker passed to
 * restore(), as Ardour and jalv do.
 *
 * One cycle (anc_host_run): queued patch messages are written to the control
 * port, the notify buffer is reset to an empty chunk, run() is called with the
 * allocation counter watching (if the configuration has one), then worker responses are
 * delivered (work_response, watched too), end_run() is called, and the notify
 * sequence is parsed (patch:Set echoes of the model path are kept).
 *
 * Threading: one thread drives an instance (run, activate, state, send); the
 * threaded worker calls work() on its own thread; anc_host_restore_properties()
 * may run on a third. World functions may be called from any thread only for
 * map/unmap. Nothing in a cycle allocates on the host's side. */
#ifndef ANC_LV2_HOST_H
#define ANC_LV2_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <lilv/lilv.h>

#include "controls.h"

typedef enum anc_host_worker {
    ANC_HOST_WORKER_THREAD = 0, /* work() on a worker thread, like a live session */
    ANC_HOST_WORKER_SYNC = 1    /* work() inside schedule_work(), like Ardour's export */
} anc_host_worker;

typedef struct anc_host_world anc_host_world;
typedef struct anc_host anc_host;

/* Loads every bundle in lv2_path (a colon-separated list of folders), or in
 * LV2_PATH from the environment when lv2_path is NULL, and finds plugin_uri
 * (ANC_PLUGIN_URI when NULL); its model parameter is plugin_uri "#model". NULL with a message in err on failure. Free
 * with anc_host_world_free() after all its instances. */
anc_host_world *anc_host_world_new(const char *lv2_path, const char *plugin_uri, char *err,
                                   size_t err_len);
void anc_host_world_free(anc_host_world *w); /* accepts NULL */

LilvWorld *anc_host_lilv_world(anc_host_world *w);
const LilvPlugin *anc_host_plugin(const anc_host_world *w);
uint32_t anc_host_map(anc_host_world *w, const char *uri);
const char *anc_host_unmap(anc_host_world *w, uint32_t urid); /* NULL if unknown */

/* Counts heap calls for anc_host_allocs_in_run() and the like. The host does not
 * count by itself: that takes an allocator interposer, which the tests link in
 * (tests/alloc_count.h) and installed programs do not. */
typedef struct anc_host_alloc_counter {
    void (*watch)(int on);        /* start (1) or stop (0) counting the calling thread */
    unsigned long (*count)(void); /* calls counted so far, all threads */
} anc_host_alloc_counter;

typedef struct anc_host_config {
    double sample_rate;       /* Hz */
    uint32_t max_block;       /* bufsz:maxBlockLength = nominalBlockLength */
    anc_host_worker worker;
    int default_state;        /* apply the plugin's default state after instantiation */
    int restore_worker;       /* restore() gets the host's features and a (synchronous)
                                 state worker, as in jalv and Ardour's preset load; 0
                                 gives it none, as Ardour 7 does for the default state
                                 and a session's state (then the plugin must install the
                                 model itself inside restore()) */
    int echo_log;             /* also print the plugin's log messages on stderr */
    const anc_host_alloc_counter *alloc_counter; /* NULL: heap calls are not counted, and
                                                    anc_host_allocs_*() read 0 */
} anc_host_config;

/* 48000 Hz, 4096 frames, threaded worker, default state, restore worker, quiet,
 * no allocation counter. */
void anc_host_config_default(anc_host_config *c);

/* Instantiates the plugin, connects every port (controls at their Turtle
 * defaults; the latency output starts at NaN so a test can see that run() writes
 * it) and applies the default state if asked. Not yet active. NULL with a
 * message in err on failure (missing required feature, instantiate failed...). */
anc_host *anc_host_new(anc_host_world *w, const anc_host_config *c, char *err, size_t err_len);
/* Deactivates if needed, stops the worker, frees the instance. Accepts NULL. */
void anc_host_free(anc_host *h);

void anc_host_activate(anc_host *h);
void anc_host_deactivate(anc_host *h);

/* Ports. Indices are the plugin's; -1 when a symbol is unknown. */
uint32_t anc_host_n_ports(const anc_host *h);
int anc_host_port_index(const anc_host *h, const char *symbol);
const char *anc_host_port_symbol(const anc_host *h, uint32_t index);
int anc_host_port_is_control_input(const anc_host *h, uint32_t index);
/* The Turtle's default, minimum and maximum (NaN where it gives none). */
float anc_host_port_default(const anc_host *h, uint32_t index);
float anc_host_port_min(const anc_host *h, uint32_t index);
float anc_host_port_max(const anc_host *h, uint32_t index);
/* The value a control port is connected to (inputs and outputs alike). */
void anc_host_set_control(anc_host *h, uint32_t index, float value);
int anc_host_set_control_sym(anc_host *h, const char *symbol, float value); /* -1 if unknown */
float anc_host_get_control(const anc_host *h, uint32_t index);
/* Every control input back to its Turtle default. */
void anc_host_reset_controls(anc_host *h);
/* The lv2:latency output's value (NaN if there is no such port or run() never
 * wrote it). */
float anc_host_latency(const anc_host *h);

/* One cycle of n frames (n <= max_block, 0 allowed) into out (n floats; NULL
 * writes into a scratch buffer). See the cycle above. */
void anc_host_run(anc_host *h, float *out, uint32_t n);
/* frames frames in cycles of block frames (the last one shorter). */
void anc_host_render(anc_host *h, float *out, size_t frames, uint32_t block);
/* The same with n (frames) samples of in on the plugin's first audio input
 * (anc_host_run and anc_host_render feed it silence); in may equal out, which
 * connects both ports to one buffer as hosts do for in-place processing. */
void anc_host_run_input(anc_host *h, const float *in, float *out, uint32_t n);
void anc_host_render_input(anc_host *h, const float *in, float *out, size_t frames,
                           uint32_t block);

/* Queue a message for the next cycle's control port: patch:Set of the model
 * parameter to path (an atom:Path), or patch:Get of all parameters. 0, or -1 if
 * the control buffer is full. */
int anc_host_send_model(anc_host *h, const char *path);
int anc_host_send_get(anc_host *h);
/* Queue a midi:MidiEvent of size bytes (sent as given, malformed or not) at
 * frame offset `frame` of the next cycle. Events of one cycle must be queued in
 * non-decreasing frame order (LV2 sequences are time-ordered; the patch
 * messages above sit at frame 0). 0, or -1 if the control buffer is full. */
int anc_host_send_midi(anc_host *h, uint32_t frame, const uint8_t *msg, uint32_t size);

/* Waits until the worker has no job queued or running (threaded mode; returns at
 * once in synchronous mode). 0, or -1 after timeout_s seconds. */
int anc_host_wait_worker(anc_host *h, double timeout_s);
/* Runs cycles of block frames (output discarded) until the plugin has been quiet
 * (no work scheduled, no response delivered, no notify event) for 0.1 s of audio
 * and at least 3 cycles: a patch:Set or a restore is then complete, echo, fade
 * and freeing of the old model included. Returns the cycles run, or -1 if it does
 * not settle within max_cycles. */
int anc_host_settle(anc_host *h, uint32_t block, int max_cycles);

/* Saves the instance's state (port values and the plugin's properties) as
 * dir/state.ttl, linking outside files into dir like Ardour's externals/. */
int anc_host_save_state(anc_host *h, const char *dir, char *err, size_t err_len);
/* Restores dir/state.ttl into h (port values and properties); the plugin's
 * scheduled work is delivered by the following cycles (anc_host_settle). */
int anc_host_restore_state(anc_host *h, const char *dir, char *err, size_t err_len);
/* Restores only the plugin's properties (the model), not the port values, as
 * Ardour does. Unlike the rest of this API it may be called from another thread
 * while one thread runs cycles (the plugin declares state:threadSafeRestore);
 * needs restore_worker, whose work() then runs on the calling thread. */
int anc_host_restore_properties(anc_host *h, const char *dir, char *err, size_t err_len);
/* Calls the plugin's restore() itself, not through lilv, with one property:
 * size bytes at value, of type type_uri, under key_uri. This is how hosts that
 * keep their own state pass it (Carla hands over an atom:Path without its
 * terminating NUL). Features as anc_host_restore_state, with the host's
 * mapPath and freePath (paths map to themselves). Returns restore()'s
 * LV2_State_Status, or -1 if the plugin has no state interface. */
int anc_host_restore_value(anc_host *h, const char *key_uri, const void *value, size_t size,
                           const char *type_uri);
/* Applies the plugin's default state (lilv_state_new_from_world). */
int anc_host_apply_default_state(anc_host *h, char *err, size_t err_len);

/* Notify traffic: the number of events seen, the number of patch:Set messages
 * for the model, and the last model path echoed ("" if none). */
unsigned long anc_host_notify_events(const anc_host *h);
unsigned long anc_host_model_echoes(const anc_host *h);
const char *anc_host_model_echo(const anc_host *h);

/* The plugin's log messages so far, one per line as "type: text" ("" if none). */
const char *anc_host_log(anc_host *h);
void anc_host_log_clear(anc_host *h);

/* Audio-thread hygiene, counted since instantiation: heap calls made by the
 * thread that drives the instance inside run(), and inside work_response() or
 * end_run() (by the configuration's alloc_counter; 0 without one), synchronous
 * work() excluded; log calls made from
 * inside run(). */
unsigned long anc_host_allocs_in_run(const anc_host *h);
unsigned long anc_host_allocs_in_response(const anc_host *h);
/* Heap calls of work() run synchronously (ANC_HOST_WORKER_SYNC) on the audio
 * thread; they are not counted in the two above. */
unsigned long anc_host_allocs_in_sync_work(const anc_host *h);
unsigned long anc_host_logs_in_run(const anc_host *h);
/* Thread CPU seconds spent inside lilv_instance_run() and the run() calls made
 * (CLOCK_THREAD_CPUTIME_ID around each call). */
double anc_host_run_cpu_seconds(const anc_host *h);
unsigned long anc_host_run_calls(const anc_host *h);
void anc_host_reset_counters(anc_host *h);

/* Ardour's inline display (http://harrisonconsoles.com/lv2/inlinedisplay). The
 * host always offers the queue_draw feature and counts the plugin's calls; like
 * Ardour it uses the plugin's render() only when the Turtle lists the
 * interface in lv2:extensionData. */
typedef struct anc_host_image {
    const unsigned char *data; /* the plugin's ARGB32 pixels, valid until its next render */
    int width, height, stride; /* pixels, pixels, bytes */
} anc_host_image;
int anc_host_has_inline_display(const anc_host *h);
/* Calls render(instance, w, max_h), as Ardour's GUI thread does: from any one
 * thread at a time, also while another thread runs cycles. 0 with the picture
 * in img, 1 when render() returned NULL, -1 without a display. */
int anc_host_render_inline(anc_host *h, uint32_t w, uint32_t max_h, anc_host_image *img);
/* queue_draw() calls since instantiation, from any thread. */
unsigned long anc_host_queue_draws(const anc_host *h);

#endif

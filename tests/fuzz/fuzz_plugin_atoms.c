/* fuzz_plugin_atoms.c — libFuzzer target for the LV2 plugin's host-facing input:
 * the atom messages on its control port (patch:Set / patch:Get / time:Position /
 * midi:MidiEvent with arbitrary bodies), the worker messages they turn into, and the model
 * path in state (restore() and save(), with and without state:mapPath).
 *
 * plugin/ancestral.c is compiled into this program and driven through its
 * LV2_Descriptor the way a host does: instantiate, connect, activate, run,
 * worker, state, cleanup. The host here is synchronous, like jalv while it
 * freewheels: schedule_work() calls work() at once, and responses are delivered
 * to work_response() after run(). Every buffer the plugin reads is allocated to
 * its exact size, so a read past a message shows up under AddressSanitizer.
 *
 * What counts as outside data. Hosts deliver well-formed containers (a sequence
 * whose events fit, objects whose properties fit; LV2 atom spec), but the
 * contents come from UIs and sessions: any object type, any keys, any value
 * types and sizes, paths without terminators. That is what this target
 * generates. Events with an object type and a raw body are checked with
 * well_formed_object() and, when ill-formed, retyped as atom:Chunk so that
 * findings stay within the host contract; ANC_FUZZ_LAX_ATOMS=1 in the
 * environment keeps them as they are (bugs found that way are the host's
 * contract broken, not the plugin's).
 *
 * Files: model paths are looked up in a private temporary folder (made once per
 * process, the working directory during each input) holding "a" and
 * "default.vae" (a tiny valid model, 22.05 kHz, FFT 256), "b" (another, 48 kHz,
 * FFT 512), "c" (a truncated model) and "d" (a folder). Every '/' in a path the
 * plugin hands out is replaced by '_' before it is used, so no input reaches a
 * file outside that folder. Give libFuzzer an absolute -artifact_prefix: a
 * crash happens while that folder is the working directory.
 *
 * Checked after every run(): the output is finite and bounded, the latency port
 * finite, and the notify sequence well-formed with every patch:Set value a
 * terminated path. A broken promise aborts.
 *
 * Input: byte 0 host rate (index into host_rates), byte 1 set-up flags (bit 0
 * log feature, bit 1 options feature, bit 2 no bundle path, bit 3 one event
 * per run(), see run_block()), then commands (see the OP_* list); bytes past
 * the end read as 0.
 *
 * Built with FUZZ_TRANSFER defined, the target drives the transfer effect
 * (plugin/transfer.c, the module's second descriptor) instead: its own URIs
 * and ports, and an audio input that OP_AUDIO fills with a tone, a constant
 * (any bit pattern: NaN, Inf, huge, denormal), a tone with such spikes, or
 * silence; OP_CONNECT's bit 7 runs it in place (input and output one buffer).
 * The same corpus serves both builds. */
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "engine.h"
#include "model.h"
#include "ports.h"
#include "transfer_ports.h"

#ifdef FUZZ_TRANSFER
#define PLUGIN_INDEX 1
#define PLUGIN_SET ANC_PLUGIN_TRANSFER
#define PLUGIN_URI ANC_TRANSFER_URI
#define PLUGIN_MODEL_URI ANC_TRANSFER_MODEL_URI
#define PORT_LATENCY ANC_TR_PORT_LATENCY
#define PORT_CONTROL ANC_TR_PORT_CONTROL
#define PORT_NOTIFY ANC_TR_PORT_NOTIFY
#define PORT_OUT ANC_TR_PORT_OUT
#define PORT_COUNT ANC_TR_PORT_COUNT
#else
#define PLUGIN_INDEX 0
#define PLUGIN_SET ANC_PLUGIN_SYNTH
#define PLUGIN_URI ANC_PLUGIN_URI
#define PLUGIN_MODEL_URI ANC_MODEL_URI
#define PORT_LATENCY ANC_PORT_LATENCY
#define PORT_CONTROL ANC_PORT_CONTROL
#define PORT_NOTIFY ANC_PORT_NOTIFY
#define PORT_OUT ANC_PORT_OUT
#define PORT_COUNT ANC_PORT_COUNT
#endif

/* The port of the k-th control of the plugin's set (anc_plugins). */
static uint32_t control_port(int k)
{
#ifdef FUZZ_TRANSFER
    return (uint32_t)k;
#else
    return (uint32_t)anc_control_port(anc_plugins[PLUGIN_SET].ids[k]);
#endif
}


#define FUZZ_TARGET "fuzz_plugin_atoms"
#include "fuzz_common.h"
#include "../synth_model.h"

/* ---- URID map ------------------------------------------------------------ */

/* Mapped in this order first, so the URIDs the plugin cares about are small
 * numbers that one fuzz byte reaches (see uri_byte()). */
static const char *const premapped[] = {
    LV2_ATOM__Path,           /* 1 */
    LV2_ATOM__URID,           /* 2 */
    LV2_ATOM__Int,            /* 3 */
    LV2_PATCH__Get,           /* 4 */
    LV2_PATCH__Set,           /* 5 */
    LV2_PATCH__property,      /* 6 */
    LV2_PATCH__value,         /* 7 */
    LV2_PATCH__subject,       /* 8 */
    PLUGIN_URI,               /* 9 */
    PLUGIN_MODEL_URI,         /* 10 */
    PLUGIN_URI "#installEngine", /* 11 */
    PLUGIN_URI "#freeEngine", /* 12 */
    LV2_ATOM__Object,         /* 13 */
    LV2_ATOM__Blank,          /* 14 */
    LV2_ATOM__Resource,       /* 15 */
    LV2_ATOM__Sequence,       /* 16 */
    LV2_ATOM__String,         /* 17 */
    LV2_ATOM__Float,          /* 18 */
    LV2_ATOM__Chunk,          /* 19 */
    LV2_ATOM__Tuple,          /* 20 */
    LV2_ATOM__Long,           /* 21 */
    LV2_BUF_SIZE__maxBlockLength,     /* 22 */
    LV2_BUF_SIZE__nominalBlockLength, /* 23 */
    LV2_PATCH__Put,           /* 24 */
    LV2_PATCH__body,          /* 25 */
    LV2_TIME__Position,       /* 26 */
    LV2_TIME__speed,          /* 27 */
    LV2_TIME__frame,          /* 28 */
    LV2_ATOM__Double,         /* 29 */
    LV2_MIDI__MidiEvent,      /* 30 */
};
enum {
    U_PATH = 1, U_URID, U_INT, U_GET, U_SET, U_PROPERTY, U_VALUE, U_SUBJECT, U_PLUGIN, U_MODEL,
    U_INSTALL, U_FREE, U_OBJECT, U_BLANK, U_RESOURCE, U_SEQUENCE, U_STRING, U_FLOAT, U_CHUNK,
    U_TUPLE, U_LONG, U_MAXBLOCK, U_NOMBLOCK, U_PUT, U_BODY, U_POSITION, U_SPEED, U_FRAME,
    U_DOUBLE, U_MIDI
};

#define MAP_MAX 256
static char *map_uris[MAP_MAX];
static uint32_t map_n;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
    (void)h;
    for (uint32_t i = 0; i < map_n; i++)
        if (!strcmp(map_uris[i], uri))
            return i + 1;
    if (map_n == MAP_MAX)
        broken("URID map full: the plugin maps URIs without end");
    map_uris[map_n] = strdup(uri);
    if (!map_uris[map_n])
        abort();
    return ++map_n;
}

static LV2_URID_Map urid_map = {NULL, map_uri};

/* A URID from a fuzz byte: mostly the ones the plugin knows, sometimes 0 or
 * numbers nobody mapped. */
static LV2_URID uri_byte(uint8_t b)
{
    if (b < 200)
        return b % 32;
    return 0x10000u + b;
}

/* A property key from a fuzz byte: half the time one that patch or transport
 * messages use. */
static LV2_URID key_byte(uint8_t b)
{
    static const LV2_URID keys[5] = {U_SUBJECT, U_PROPERTY, U_VALUE, U_SPEED, U_FRAME};
    return b < 128 ? keys[b % 5] : uri_byte(b);
}

/* A value type from a fuzz byte: half the time one of the common atom types. */
static LV2_URID type_byte(uint8_t b)
{
    static const LV2_URID types[10] = {U_URID, U_PATH,  U_STRING, U_INT,    U_OBJECT,
                                       U_FLOAT, U_CHUNK, U_TUPLE, U_DOUBLE, U_LONG};
    return b < 128 ? types[b % 10] : uri_byte(b);
}

/* ---- input --------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static uint8_t get8(input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static uint16_t get16(input *in)
{
    uint16_t lo = get8(in);
    return (uint16_t)(lo | get8(in) << 8);
}

static uint32_t get32(input *in)
{
    uint32_t lo = get16(in);
    return lo | (uint32_t)get16(in) << 16;
}

/* Up to n bytes from the input into out; returns how many there were. */
static size_t get_bytes(input *in, uint8_t *out, size_t n)
{
    if (n > in->n)
        n = in->n;
    memcpy(out, in->p, n);
    in->p += n;
    in->n -= n;
    return n;
}

/* ---- the files ----------------------------------------------------------- */

static char folder[256]; /* absolute path of the private folder */
static int folder_fd = -1;

static void make_model(const char *name, uint32_t rate, uint32_t n_fft, int latent, size_t cut)
{
    static const int hidden[] = {8};
    anc_error err;
    anc_model *m = synth_model(rate, n_fft, latent, hidden, 1, (anc_activation)0, &err);
    if (!m)
        broken("cannot make a model: %s", err.message);
    void *buf = NULL;
    size_t len = 0;
    if (anc_model_serialize(m, &buf, &len, &err) != ANC_OK)
        broken("cannot serialise a model: %s", err.message);
    anc_model_free(m);
    if (cut && cut < len)
        len = cut;
    char path[300];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
        broken("cannot write %s", path);
    free(buf);
}

static void remove_folder(void)
{
    static const char *const names[] = {"a", "b", "c", "default.vae"};
    char path[300];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", folder, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/d", folder);
    rmdir(path);
    rmdir(folder);
}

static void make_folder(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(folder, sizeof folder, "%s/anc-fuzz-plugin.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(folder))
        broken("cannot make a temporary folder");
    make_model("a", 22050, 256, 2, 0);
    make_model("default.vae", 22050, 256, 2, 0);
    make_model("b", 48000, 512, 3, 0);
    make_model("c", 22050, 256, 2, 1000);
    char path[300];
    snprintf(path, sizeof path, "%s/d", folder);
    mkdir(path, 0755);
    folder_fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder_fd < 0)
        broken("cannot open %s", folder);
    atexit(remove_folder);
}

/* Replaces every '/' in the first n bytes with '_' (see the file comment). */
static void confine(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/')
            s[i] = '_';
}

/* ---- the host ------------------------------------------------------------ */

#define RESPONSES 4       /* the response queue is short, so it can fill up */
#define RESPONSE_MAX 64
#define MAX_EVENTS_BYTES 65536
#define MAX_BLOCK 700

typedef struct host {
    const LV2_Descriptor *d;
    LV2_Handle h;
    const LV2_Worker_Interface *worker;
    const LV2_State_Interface *state;
    bool schedule_fails; /* the audio thread's queue is full */
    int depth;           /* nesting of work() calls */
    /* worker responses waiting for the end of run() */
    uint32_t n_resp;
    uint32_t resp_size[RESPONSES];
    uint8_t resp[RESPONSES][RESPONSE_MAX];
    /* events for the next run() */
    uint8_t *events;
    uint32_t events_len;
    int64_t next_time;
    /* ports */
    float controls[ANC_CONTROL_COUNT];
    float latency;
    float out[MAX_BLOCK];
    float in[MAX_BLOCK];  /* the transfer effect's audio input */
    uint8_t audio_kind;   /* what fills it (OP_AUDIO) */
    uint32_t audio_bits;  /* the constant or spike value's bit pattern */
    uint64_t audio_pos;   /* frames of input so far */
    bool in_place;
    uint32_t notify_cap;
    bool control_on, notify_on, out_on, latency_on;
    bool split;          /* one event per run(): see run_block() */
    /* the last value save() stored */
    char *saved;
    size_t saved_size;
    uint32_t saved_type;
} host;

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    host *H = handle;
    if (!data || size > RESPONSE_MAX)
        broken("work() responds with %u bytes", (unsigned)size);
    if (H->n_resp == RESPONSES)
        return LV2_WORKER_ERR_NO_SPACE;
    memcpy(H->resp[H->n_resp], data, size);
    H->resp_size[H->n_resp++] = size;
    return LV2_WORKER_SUCCESS;
}

/* Runs one worker message now, on a copy of exactly its size (paths confined). */
static LV2_Worker_Status run_work(host *H, uint32_t size, const void *data)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    if (size >= sizeof(LV2_Atom)) {
        LV2_Atom a;
        memcpy(&a, copy, sizeof a);
        if (a.type == U_PATH)
            confine((char *)copy + sizeof a, size - sizeof a);
    }
    if (H->depth > 4)
        broken("work() nests more than four deep");
    H->depth++;
    LV2_Worker_Status st = H->worker->work(H->h, respond, H, size, copy);
    H->depth--;
    free(copy);
    return st;
}

static LV2_Worker_Status schedule_audio(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                        const void *data)
{
    host *H = handle;
    if (!data)
        broken("schedule_work(%u bytes, NULL)", (unsigned)size);
    if (size > (1u << 20))
        broken("schedule_work of %u bytes", (unsigned)size);
    if (H->schedule_fails)
        return LV2_WORKER_ERR_NO_SPACE;
    run_work(H, size, data);
    return LV2_WORKER_SUCCESS;
}

/* restore()'s own schedule: always has room. */
static LV2_Worker_Status schedule_state(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                        const void *data)
{
    host *H = handle;
    if (!data)
        broken("restore schedule_work(%u bytes, NULL)", (unsigned)size);
    run_work(H, size, data);
    return LV2_WORKER_SUCCESS;
}

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap)
{
    (void)handle;
    (void)type;
    char line[1024];
    return vsnprintf(line, sizeof line, fmt, ap);
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return r;
}

/* state:mapPath: abstract paths are names in the private folder. */
static char *abstract_path(LV2_State_Map_Path_Handle handle, const char *absolute)
{
    (void)handle;
    const size_t n = strlen(folder);
    if (!strncmp(absolute, folder, n) && absolute[n] == '/')
        return strdup(absolute + n + 1);
    return strdup(absolute);
}

static char *absolute_path(LV2_State_Map_Path_Handle handle, const char *abstract)
{
    (void)handle;
    char *s = strdup(abstract);
    if (s)
        confine(s, strlen(s));
    return s;
}

static void free_path(LV2_State_Free_Path_Handle handle, char *path)
{
    (void)handle;
    free(path);
}

static LV2_State_Map_Path map_path = {NULL, abstract_path, absolute_path};
static LV2_State_Free_Path free_path_feature = {NULL, free_path};

/* ---- building messages ----------------------------------------------------- */

/* Appends one event with the given body (type, size, then size bytes). */
static void add_event(host *H, uint32_t type, const uint8_t *body, uint32_t size)
{
    const uint32_t need = (uint32_t)sizeof(LV2_Atom_Event) + lv2_atom_pad_size(size);
    if (size > MAX_EVENTS_BYTES || H->events_len + need > MAX_EVENTS_BYTES)
        return;
    uint8_t *grown = realloc(H->events, H->events_len + need);
    if (!grown)
        abort();
    H->events = grown;
    LV2_Atom_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.time.frames = H->next_time;
    ev.body.size = size;
    ev.body.type = type;
    memcpy(H->events + H->events_len, &ev, sizeof ev);
    memcpy(H->events + H->events_len + sizeof ev, body, size);
    memset(H->events + H->events_len + sizeof ev + size, 0, need - sizeof ev - size);
    H->events_len += need;
}

static bool is_object_type(uint32_t t) { return t == U_OBJECT || t == U_BLANK || t == U_RESOURCE; }

/* Whether size bytes of body make an object the LV2 atom spec allows: the
 * object body, then whole properties, each value inside the object. */
static bool well_formed_object(const uint8_t *body, uint32_t size)
{
    if (size < sizeof(LV2_Atom_Object_Body))
        return false;
    uint32_t pos = sizeof(LV2_Atom_Object_Body);
    while (pos < size) {
        if (size - pos < sizeof(LV2_Atom_Property_Body))
            return false;
        LV2_Atom_Property_Body prop;
        memcpy(&prop, body + pos, sizeof prop);
        if (prop.value.size > size - pos - sizeof prop)
            return false;
        pos += lv2_atom_pad_size((uint32_t)sizeof prop + prop.value.size);
    }
    return true;
}

/* An object of n properties, each from the input: key (key_byte()), value type
 * (type_byte()), value size, value bytes. Properties are whole and padded, so
 * the object is well-formed whatever its values. */
static void add_object(host *H, input *in, uint32_t otype, uint32_t id, int n)
{
    uint8_t buf[4096];
    LV2_Atom_Object_Body ob = {id, otype};
    memcpy(buf, &ob, sizeof ob);
    uint32_t len = sizeof ob;
    for (int i = 0; i < n; i++) {
        LV2_Atom_Property_Body prop;
        prop.key = key_byte(get8(in));
        prop.context = 0;
        prop.value.type = type_byte(get8(in));
        prop.value.size = get8(in) % 64;
        const uint32_t need = lv2_atom_pad_size((uint32_t)sizeof prop + prop.value.size);
        if (len + need > sizeof buf)
            break;
        memcpy(buf + len, &prop, sizeof prop);
        memset(buf + len + sizeof prop, 0, need - sizeof prop);
        get_bytes(in, buf + len + sizeof prop, prop.value.size);
        len += need;
    }
    static const uint32_t types[3] = {U_OBJECT, U_BLANK, U_RESOURCE};
    add_event(H, types[get8(in) % 3], buf, len);
}

/* patch:Set of the model with a path from the input, optionally with a subject
 * and a terminator, as a UI would send it. */
static void add_set_model(host *H, input *in)
{
    const uint8_t flags = get8(in);
    const uint32_t plen = get8(in) % 48;
    uint8_t path[64];
    memset(path, 0, sizeof path);
    get_bytes(in, path, plen);
    const uint32_t vsize = plen + (flags & 1 ? 0 : 1); /* bit 0: no terminator */

    uint8_t buf[256];
    uint32_t len = 0;
    LV2_Atom_Object_Body ob = {0, U_SET};
    memcpy(buf, &ob, sizeof ob);
    len += sizeof ob;
    LV2_Atom_Property_Body prop;
    if (flags & 2) { /* subject: this plugin, or another URID */
        prop = (LV2_Atom_Property_Body){U_SUBJECT, 0, {4, U_URID}};
        const uint32_t subj = flags & 4 ? U_PLUGIN : uri_byte(get8(in));
        memcpy(buf + len, &prop, sizeof prop);
        memcpy(buf + len + sizeof prop, &subj, 4);
        memset(buf + len + sizeof prop + 4, 0, 4);
        len += (uint32_t)sizeof prop + 8;
    }
    prop = (LV2_Atom_Property_Body){U_PROPERTY, 0, {4, U_URID}};
    const uint32_t model = flags & 8 ? uri_byte(get8(in)) : U_MODEL;
    memcpy(buf + len, &prop, sizeof prop);
    memcpy(buf + len + sizeof prop, &model, 4);
    memset(buf + len + sizeof prop + 4, 0, 4);
    len += (uint32_t)sizeof prop + 8;
    prop = (LV2_Atom_Property_Body){U_VALUE, 0, {vsize, flags & 16 ? U_STRING : U_PATH}};
    memcpy(buf + len, &prop, sizeof prop);
    len += sizeof prop;
    memcpy(buf + len, path, vsize);
    len += lv2_atom_pad_size(vsize);
    add_event(H, U_OBJECT, buf, len);
}

/* ---- checks ---------------------------------------------------------------- */

static void check_notify(const host *H, const uint8_t *buf)
{
    LV2_Atom_Sequence seq;
    memcpy(&seq, buf, sizeof seq);
    if (seq.atom.size > H->notify_cap - sizeof(LV2_Atom))
        broken("notify sequence of %u bytes in a %u-byte port", (unsigned)seq.atom.size,
               (unsigned)H->notify_cap);
    if (seq.atom.type == U_CHUNK && seq.atom.size == H->notify_cap - sizeof(LV2_Atom))
        return; /* untouched: run() writes nothing into a port too small for a sequence */
    if (seq.atom.size < sizeof(LV2_Atom_Sequence_Body))
        broken("notify: a sequence of %u bytes", (unsigned)seq.atom.size);
    if (seq.atom.type != U_SEQUENCE)
        broken("notify holds type %u, not a sequence", (unsigned)seq.atom.type);
    uint32_t pos = sizeof seq;
    const uint32_t end = (uint32_t)sizeof(LV2_Atom) + seq.atom.size;
    while (pos < end) {
        LV2_Atom_Event ev;
        if (end - pos < sizeof ev)
            broken("notify: event header cut at %u", (unsigned)pos);
        memcpy(&ev, buf + pos, sizeof ev);
        if (ev.body.size > end - pos - sizeof ev)
            broken("notify: event body of %u bytes runs past the sequence", (unsigned)ev.body.size);
        const uint8_t *body = buf + pos + sizeof ev;
        if (!is_object_type(ev.body.type) || !well_formed_object(body, ev.body.size))
            broken("notify: event of type %u is not a well-formed object", (unsigned)ev.body.type);
        uint32_t p = sizeof(LV2_Atom_Object_Body);
        while (p < ev.body.size) {
            LV2_Atom_Property_Body prop;
            memcpy(&prop, body + p, sizeof prop);
            if (prop.key == U_VALUE) {
                const char *s = (const char *)body + p + sizeof prop;
                if (prop.value.type != U_PATH || prop.value.size < 2 ||
                    s[prop.value.size - 1] != '\0' || strlen(s) + 1 != prop.value.size)
                    broken("notify: patch:value is not a terminated path");
            }
            p += lv2_atom_pad_size((uint32_t)sizeof prop + prop.value.size);
        }
        pos += (uint32_t)sizeof ev + lv2_atom_pad_size(ev.body.size);
    }
}

static void deliver_responses(host *H)
{
    /* work_response() may schedule more work (freeing), whose responses queue up
     * behind; a host delivers those on the next cycle. */
    uint32_t n = H->n_resp;
    uint8_t resp[RESPONSES][RESPONSE_MAX];
    uint32_t sizes[RESPONSES];
    memcpy(resp, H->resp, sizeof resp);
    memcpy(sizes, H->resp_size, sizeof sizes);
    H->n_resp = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *copy = malloc(sizes[i] ? sizes[i] : 1);
        if (!copy)
            abort();
        memcpy(copy, resp[i], sizes[i]);
        H->worker->work_response(H->h, sizes[i], copy);
        free(copy);
    }
}

static void run_sequence(host *H, const uint8_t *events, uint32_t len, uint32_t n);

#ifdef FUZZ_TRANSFER
/* n frames of the transfer effect's input, as OP_AUDIO last chose: a 220 Hz
 * tone at half scale, the constant value, the tone with the value every 37th
 * frame, or silence. */
static void fill_audio(host *H, uint32_t n)
{
    float v;
    memcpy(&v, &H->audio_bits, sizeof v);
    for (uint32_t i = 0; i < n; i++, H->audio_pos++) {
        const float tone = 0.5f * sinf((float)(H->audio_pos % 200) * (float)(2.0 * M_PI / 200.0));
        switch (H->audio_kind % 4) {
        case 0: H->in[i] = tone; break;
        case 1: H->in[i] = v; break;
        case 2: H->in[i] = H->audio_pos % 37 ? tone : v; break;
        default: H->in[i] = 0.0f; break;
        }
    }
}
#endif

/* Runs n frames with the events gathered since the last run. Split (set-up
 * bit 3): each event goes in its own sequence, each but the last with a run()
 * of 0 frames, so that every event ends its buffer and a read past any event
 * is a read past an allocation. */
static void run_block(host *H, uint32_t n)
{
    uint8_t *events = H->events;
    const uint32_t len = H->events_len;
    H->events = NULL;
    H->events_len = 0;
    H->next_time = 0;
    uint32_t pos = 0;
    if (H->split) {
        while (pos < len) {
            LV2_Atom_Event ev;
            memcpy(&ev, events + pos, sizeof ev);
            const uint32_t one = (uint32_t)sizeof ev + lv2_atom_pad_size(ev.body.size);
            if (pos + one >= len)
                break; /* the last one goes with the frames */
            run_sequence(H, events + pos, one, 0);
            pos += one;
        }
    }
    run_sequence(H, events ? events + pos : NULL, len - pos, n);
    free(events);
}

static void run_sequence(host *H, const uint8_t *events, uint32_t events_len, uint32_t n)
{
    /* The control sequence, exactly as long as its events. */
    const uint32_t seq_len = (uint32_t)sizeof(LV2_Atom_Sequence) + events_len;
    uint8_t *seq = malloc(seq_len);
    if (!seq)
        abort();
    LV2_Atom_Sequence head;
    memset(&head, 0, sizeof head);
    head.atom.size = (uint32_t)sizeof(LV2_Atom_Sequence_Body) + events_len;
    head.atom.type = U_SEQUENCE;
    memcpy(seq, &head, sizeof head);
    if (events_len)
        memcpy(seq + sizeof head, events, events_len);

    /* The notify port: a sequence head saying how much room there is. */
    uint8_t *notify = malloc(H->notify_cap);
    if (!notify)
        abort();
    memset(notify, 0xa5, H->notify_cap);
    if (H->notify_cap >= sizeof(LV2_Atom)) {
        LV2_Atom a = {H->notify_cap - (uint32_t)sizeof(LV2_Atom), U_CHUNK};
        memcpy(notify, &a, sizeof a);
    }

    H->d->connect_port(H->h, PORT_CONTROL, H->control_on ? seq : NULL);
    H->d->connect_port(H->h, PORT_NOTIFY,
                       H->notify_on && H->notify_cap >= sizeof(LV2_Atom) ? notify : NULL);
    H->d->connect_port(H->h, PORT_OUT, H->out_on ? H->out : NULL);
    H->d->connect_port(H->h, PORT_LATENCY, H->latency_on ? &H->latency : NULL);
    for (uint32_t i = 0; i < n; i++)
        H->out[i] = NAN;
    H->latency = NAN;
#ifdef FUZZ_TRANSFER
    fill_audio(H, n);
    if (H->in_place && H->out_on) {
        memcpy(H->out, H->in, sizeof(float) * n);
        H->d->connect_port(H->h, ANC_TR_PORT_IN, H->out);
    } else {
        H->d->connect_port(H->h, ANC_TR_PORT_IN, H->in);
    }
#endif

    H->d->run(H->h, n);

    if (H->out_on)
        for (uint32_t i = 0; i < n; i++)
            if (!isfinite(H->out[i]) || fabsf(H->out[i]) > 8.0f)
                broken("output sample %u of %u is %g", (unsigned)i, (unsigned)n,
                       (double)H->out[i]);
    if (H->latency_on && !(H->latency >= 0.0f && H->latency < 1e6f))
        broken("latency port reads %g", (double)H->latency);
    if (H->notify_on && H->notify_cap >= sizeof(LV2_Atom))
        check_notify(H, notify);
    deliver_responses(H);
    /* The port buffers go away; a host may move them between runs. */
    H->d->connect_port(H->h, PORT_CONTROL, NULL);
    H->d->connect_port(H->h, PORT_NOTIFY, NULL);
    free(seq);
    free(notify);
}

/* state store: keeps what save() stores, after checking it. */
static LV2_State_Status store(LV2_State_Handle handle, uint32_t key, const void *value,
                              size_t size, uint32_t type, uint32_t flags)
{
    host *H = handle;
    (void)flags;
    if (key != U_MODEL || type != U_PATH || !value || size < 2 ||
        ((const char *)value)[size - 1] != '\0' || strlen(value) + 1 != size)
        broken("save() stored key %u type %u size %zu: not a terminated model path",
               (unsigned)key, (unsigned)type, size);
    free(H->saved);
    H->saved = malloc(size);
    if (!H->saved)
        abort();
    memcpy(H->saved, value, size);
    H->saved_size = size;
    H->saved_type = type;
    return LV2_STATE_SUCCESS;
}

/* state retrieve: serves one value of exactly its size. */
typedef struct {
    host *H;
    char *value;
    size_t size;
    uint32_t type, flags;
} retrieval;

static const void *retrieve(LV2_State_Handle handle, uint32_t key, size_t *size, uint32_t *type,
                            uint32_t *flags)
{
    const retrieval *r = handle;
    if (key != U_MODEL || !r->value)
        return NULL;
    *size = r->size;
    *type = r->type;
    *flags = r->flags;
    return r->value;
}

static void do_save(host *H, uint8_t flags)
{
    const LV2_Feature f_map = {LV2_STATE__mapPath, &map_path};
    const LV2_Feature f_free = {LV2_STATE__freePath, &free_path_feature};
    const LV2_Feature *features[3] = {NULL, NULL, NULL};
    int k = 0;
    if (flags & 1)
        features[k++] = &f_map;
    if (flags & 2)
        features[k++] = &f_free;
    H->state->save(H->h, store, H, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, features);
}

static void do_restore(host *H, input *in, uint8_t flags)
{
    retrieval r = {H, NULL, 0, 0, 0};
    if (flags & 4) { /* the last saved value */
        if (!H->saved)
            return;
        r.size = H->saved_size;
        r.type = H->saved_type;
    } else {
        r.size = get8(in) % 48;
        r.type = uri_byte(get8(in));
    }
    r.value = malloc(r.size ? r.size : 1);
    if (!r.value)
        abort();
    if (flags & 4)
        memcpy(r.value, H->saved, r.size);
    else
        r.size = get_bytes(in, (uint8_t *)r.value, r.size);
    r.flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
    if (!(flags & 1))
        confine(r.value, r.size); /* without mapPath the value is opened as it is */

    const LV2_Worker_Schedule sched = {H, schedule_state};
    const LV2_Feature f_map = {LV2_STATE__mapPath, &map_path};
    const LV2_Feature f_free = {LV2_STATE__freePath, &free_path_feature};
    const LV2_Feature f_sched = {LV2_WORKER__schedule, (void *)&sched};
    const LV2_Feature *features[4] = {NULL, NULL, NULL, NULL};
    int k = 0;
    if (flags & 1)
        features[k++] = &f_map;
    if (flags & 2)
        features[k++] = &f_free;
    if (flags & 8)
        features[k++] = &f_sched;
    /* Without its own schedule restore() uses the instance's: only hosts that do
     * not restore while running do that, and this one is not running now. */
    const bool fails = H->schedule_fails;
    H->schedule_fails = false;
    H->state->restore(H->h, retrieve, &r, 0, features);
    H->schedule_fails = fails;
    free(r.value);
}

/* ---- the target ------------------------------------------------------------ */

static const double host_rates[] = {48000, 44100, 22050, 96000, 192000, 8000, 384000, 0};

enum {
    OP_RUN,        /* block length byte: run() */
    OP_EVENT_RAW,  /* type, size (u16), bytes: one event with an arbitrary body */
    OP_OBJECT,     /* otype (< 128: patch:Set, patch:Get or time:Position), id
                    * flag (bit 0; then a u32 id), property count, properties
                    * (see add_object), event type (Object, Blank, Resource) */
    OP_SET_MODEL,  /* see add_set_model */
    OP_GET,        /* property byte: patch:Get, with or without a property */
    OP_CONTROL,    /* control id, value (u32 bit pattern): a control port value */
    OP_STATE,      /* flags: save() or restore() */
    OP_CONNECT,    /* flags: ports on or off, notify room, queue full, (de)activate,
                    * (transfer) in place */
#ifdef FUZZ_TRANSFER
    OP_AUDIO,      /* kind, value (u32 bit pattern): what the audio input holds */
#endif
    OP_COUNT
};

static bool lax_atoms;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < sizeof premapped / sizeof premapped[0]; i++)
        map_uri(NULL, premapped[i]);
    const char *lax = getenv("ANC_FUZZ_LAX_ATOMS");
    lax_atoms = lax && *lax == '1';
    make_folder();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (folder_fd < 0)
        LLVMFuzzerInitialize(NULL, NULL);
    input in = {data, size};
    const int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0 || fchdir(folder_fd) != 0)
        broken("cannot enter the private folder");

    static host H;
    memset(&H, 0, sizeof H);
    H.d = lv2_descriptor(PLUGIN_INDEX);
    if (!H.d || strcmp(H.d->URI, PLUGIN_URI) || lv2_descriptor(2))
        broken("lv2_descriptor");
    H.worker = H.d->extension_data(LV2_WORKER__interface);
    H.state = H.d->extension_data(LV2_STATE__interface);
    if (!H.worker || !H.state || H.d->extension_data("urn:nothing"))
        broken("extension_data");

    const double rate = host_rates[get8(&in) % (sizeof host_rates / sizeof host_rates[0])];
    const uint8_t setup = get8(&in);
    LV2_Worker_Schedule sched = {&H, schedule_audio};
    LV2_Log_Log log = {NULL, log_printf, log_vprintf};
    const int32_t max_block = MAX_BLOCK, nominal = 256;
    LV2_Options_Option options[] = {
        {LV2_OPTIONS_INSTANCE, 0, U_MAXBLOCK, sizeof max_block, U_INT, &max_block},
        {LV2_OPTIONS_INSTANCE, 0, U_NOMBLOCK, sizeof nominal, U_INT, &nominal},
        {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL},
    };
    const LV2_Feature f_map = {LV2_URID__map, &urid_map};
    const LV2_Feature f_sched = {LV2_WORKER__schedule, &sched};
    const LV2_Feature f_log = {LV2_LOG__log, &log};
    const LV2_Feature f_opt = {LV2_OPTIONS__options, options};
    const LV2_Feature *features[5] = {&f_map, &f_sched, NULL, NULL, NULL};
    int k = 2;
    if (setup & 1)
        features[k++] = &f_log;
    if (setup & 2)
        features[k++] = &f_opt;
    H.h = H.d->instantiate(H.d, rate, setup & 4 ? NULL : folder, features);
    if (!H.h) {
        if (rate > 0.0)
            broken("instantiate failed at %g Hz with every required feature", rate);
        goto out;
    }

    H.control_on = H.notify_on = H.out_on = H.latency_on = true;
    H.split = setup & 8;
    H.notify_cap = 4096;
    const anc_plugin_controls *pc = &anc_plugins[PLUGIN_SET];
    for (int k = 0; k < pc->n; k++)
        H.controls[pc->ids[k]] = anc_controls[pc->ids[k]].def;
    for (int k = 0; k < pc->n; k++)
        H.d->connect_port(H.h, control_port(k), &H.controls[pc->ids[k]]);
    H.d->connect_port(H.h, PORT_COUNT, &H.latency); /* unknown port: ignored */
    H.d->activate(H.h);
    bool active = true;

    int ops = 0;
    while (in.n && ops++ < 64) {
        switch (get8(&in) % OP_COUNT) {
        case OP_RUN: {
            const uint32_t n = (uint32_t)get8(&in) * 3 % MAX_BLOCK;
            if (active) /* run() only between activate() and deactivate() */
                run_block(&H, n);
            break;
        }
        case OP_EVENT_RAW: {
            uint32_t type = uri_byte(get8(&in));
            uint32_t len = get16(&in) % 512;
            uint8_t body[512];
            len = (uint32_t)get_bytes(&in, body, len);
            if (!lax_atoms && is_object_type(type) && !well_formed_object(body, len))
                type = U_CHUNK;
            add_event(&H, type, body, len);
            break;
        }
        case OP_OBJECT: {
            const uint8_t b = get8(&in);
            static const uint32_t otypes[3] = {U_SET, U_GET, U_POSITION};
            const uint32_t otype = b < 128 ? otypes[b % 3] : uri_byte(b);
            uint32_t id = get8(&in) & 1 ? get32(&in) : 0;
            add_object(&H, &in, otype, id, get8(&in) % 6);
            break;
        }
        case OP_SET_MODEL:
            add_set_model(&H, &in);
            break;
        case OP_GET: {
            const uint8_t b = get8(&in);
            uint8_t buf[32];
            LV2_Atom_Object_Body ob = {0, U_GET};
            memcpy(buf, &ob, sizeof ob);
            uint32_t len = sizeof ob;
            if (b & 1) {
                LV2_Atom_Property_Body prop = {U_PROPERTY, 0, {4, U_URID}};
                const uint32_t which = b & 2 ? U_MODEL : uri_byte(get8(&in));
                memcpy(buf + len, &prop, sizeof prop);
                memcpy(buf + len + sizeof prop, &which, 4);
                memset(buf + len + sizeof prop + 4, 0, 4);
                len += (uint32_t)sizeof prop + 8;
            }
            add_event(&H, U_OBJECT, buf, len);
            break;
        }
        case OP_CONTROL: {
            const int id = pc->ids[get8(&in) % pc->n];
            const uint32_t bits = get32(&in);
            memcpy(&H.controls[id], &bits, 4);
            break;
        }
        case OP_STATE: {
            const uint8_t f = get8(&in);
            if (f & 16)
                do_save(&H, f);
            else
                do_restore(&H, &in, f);
            break;
        }
        case OP_CONNECT: {
            const uint8_t f = get8(&in);
            H.control_on = !(f & 1);
            H.notify_on = !(f & 2);
            H.out_on = !(f & 4);
            H.latency_on = !(f & 8);
            H.schedule_fails = f & 16;
            H.notify_cap = f & 32 ? get16(&in) % 512 : 4096;
            H.in_place = f & 128;
            if (f & 64) {
                if (active)
                    H.d->deactivate(H.h);
                else
                    H.d->activate(H.h);
                active = !active;
            }
            break;
        }
#ifdef FUZZ_TRANSFER
        case OP_AUDIO:
            H.audio_kind = get8(&in);
            H.audio_bits = get32(&in);
            break;
#endif
        default:
            break;
        }
    }
    /* Pending messages go through one last run, as a host's next cycle would. */
    H.schedule_fails = false;
    if (!active)
        H.d->activate(H.h);
    run_block(&H, 1);
    H.d->deactivate(H.h);
    H.d->cleanup(H.h);
out:
    free(H.events);
    free(H.saved);
    if (fchdir(cwd) != 0)
        broken("cannot leave the private folder");
    close(cwd);
    return 0;
}

/* controls.h — the plugins' controls in one table: symbol, name, range,
 * default, unit, port group and the anc_engine_params field each one sets; the
 * port groups; the plugins' URIs, model parameters and the set of controls
 * each plugin has (anc_plugins); and the number of latent knobs, defined here
 * once.
 *
 * Everything that knows a control reads it here: the LV2 plugin maps its control
 * input ports (plugin/ports.h maps control ids to port indices) and converts their values with
 * anc_control_store(), anc_engine_set_params() clamps with anc_controls_clamp(),
 * ancestral-render derives its control flags from it, the preset writer its
 * symbols and ranges, and tests/test_ttl.c checks ttl/ancestral.ttl against it.
 * The table is constant data: every function here is real-time safe. */
#ifndef ANC_CONTROLS_H
#define ANC_CONTROLS_H

#include <stddef.h>

#define ANC_PLUGIN_URI "urn:ancestral:synth"
#define ANC_MODEL_URI ANC_PLUGIN_URI "#model" /* the model file parameter */
/* The timbre transfer effect (core/transfer.h), in the same bundle. */
#define ANC_TRANSFER_URI "urn:ancestral:transfer"
#define ANC_TRANSFER_MODEL_URI ANC_TRANSFER_URI "#model"
#define ANC_KNOBS 16                          /* latent knobs z1 .. z16 */

/* Control ids. The ids up to ANC_CONTROL_ENABLED are the plugin's first ports, in
 * this order; the synth controls from ANC_CONTROL_NOTE on came later and follow
 * the plugin's other ports (plugin/ports.h maps ids to port indices), so that
 * the older ports keep their indices. */
typedef enum anc_control_id {
    ANC_CONTROL_Z1 = 0, /* z1 .. z16 are ANC_CONTROL_Z1 + k */
    ANC_CONTROL_MODE = ANC_KNOBS,
    ANC_CONTROL_TEMPERATURE,
    ANC_CONTROL_RATE,
    ANC_CONTROL_GLIDE,
    ANC_CONTROL_NOISE,
    ANC_CONTROL_GAIN,
    ANC_CONTROL_ENABLED,
    ANC_CONTROL_NOTE, /* the synth: pitch without MIDI, drone, voices, ADSR, bend */
    ANC_CONTROL_DRONE,
    ANC_CONTROL_VOICES,
    ANC_CONTROL_ATTACK,
    ANC_CONTROL_DECAY,
    ANC_CONTROL_SUSTAIN,
    ANC_CONTROL_RELEASE,
    ANC_CONTROL_BEND_RANGE,
    ANC_CONTROL_TRANSPOSE, /* the transfer effect: pitch shift and dry/wet */
    ANC_CONTROL_MIX,
    ANC_CONTROL_COUNT
} anc_control_id;

/* Port groups (http://lv2plug.in/ns/ext/port-groups#): hosts' generic editors
 * (Ardour, Carla) show a group's controls together under its label. */
typedef enum anc_control_group {
    ANC_GROUP_LATENT,   /* z1 .. z16 */
    ANC_GROUP_SAMPLING, /* where z comes from and how it moves */
    ANC_GROUP_NOTES,    /* what the notes and the drone play */
    ANC_GROUP_ENVELOPE, /* each voice's ADSR */
    ANC_GROUP_TRANSFER, /* the transfer effect's transpose and mix */
    ANC_GROUP_OUTPUT,   /* gain and bypass (and, in the Turtle, latency and out) */
    ANC_GROUP_COUNT
} anc_control_group;

typedef struct anc_port_group {
    const char *symbol; /* lv2:symbol; the group's URI is the plugin's URI "#group-" symbol */
    const char *label;  /* rdfs:label and lv2:name, what hosts show */
} anc_port_group;

/* The groups, indexed by anc_control_group. */
extern const anc_port_group anc_port_groups[ANC_GROUP_COUNT];

typedef enum anc_control_kind {
    ANC_CONTROL_REAL,   /* a float field: non-finite -> default, clamped to [min, max] */
    ANC_CONTROL_CHOICE, /* an int field, an index into choices (lv2:enumeration) */
    ANC_CONTROL_TOGGLE  /* an int field, off (0) or on (1) (lv2:toggled) */
} anc_control_kind;

typedef struct anc_control {
    const char *symbol;  /* LV2 port symbol */
    const char *name;    /* lv2:name */
    const char *unit;    /* units:unit, a full URI */
    const char *flag;    /* ancestral-render's option without "--", NULL if it has none */
    const char *help;    /* what it does, for --help */
    anc_control_kind kind;
    float min, max, def; /* lv2:minimum, lv2:maximum, lv2:default */
    const char *const *choices; /* CHOICE: the scale point labels, for values min .. max */
    size_t field;        /* offsetof in anc_engine_params: float for REAL, int otherwise */
    anc_control_group group; /* pg:group */
} anc_control;

/* The table, indexed by anc_control_id. */
extern const anc_control anc_controls[ANC_CONTROL_COUNT];

/* The plugins of the bundle and the controls each one has. */
typedef enum anc_plugin_id {
    ANC_PLUGIN_SYNTH,    /* ANC_PLUGIN_URI */
    ANC_PLUGIN_TRANSFER, /* ANC_TRANSFER_URI */
    ANC_PLUGIN_COUNT
} anc_plugin_id;

typedef struct anc_plugin_controls {
    const char *uri;       /* the plugin's URI */
    const char *model_uri; /* its model file parameter */
    const int *ids;        /* its controls (anc_control_id), in the order of its
                              control input ports */
    int n;
} anc_plugin_controls;

/* Indexed by anc_plugin_id. A plugin's port groups are those of its controls. */
extern const anc_plugin_controls anc_plugins[ANC_PLUGIN_COUNT];
/* Whether plugin has control id / a control in group g. */
int anc_plugin_has_control(int plugin, int id);
int anc_plugin_has_group(int plugin, int g);

struct anc_engine_params;

/* Reads control id from p as a float (a CHOICE or TOGGLE as its index). */
float anc_control_load(const struct anc_engine_params *p, int id);
/* Stores a port value v into p's field for control id. REAL fields take v as it
 * is (anc_engine_set_params() clamps them); a CHOICE is rounded and clamped, a
 * TOGGLE is on for v > 0; a non-finite v leaves either at its default (a float
 * that is NaN or huge has no int value in C). */
void anc_control_store(struct anc_engine_params *p, int id, float v);
/* v clamped to control id's range; non-finite values become its default. */
float anc_control_clamp(int id, float v);
/* out = in with every control sanitised: REAL clamped (anc_control_clamp), a
 * CHOICE outside its range set to its default, a TOGGLE made 0 or 1. Fields
 * that are not controls are left alone. */
void anc_controls_clamp(struct anc_engine_params *out, const struct anc_engine_params *in);
/* Every control at its default. Fields that are not controls are left alone. */
void anc_controls_default(struct anc_engine_params *p);

#endif

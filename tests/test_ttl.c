/* test_ttl.c — the bundle's Turtle as lilv reads it, against the C side, for
 * both plugins (the synth and the transfer effect):
 *  - port i has symbol anc_port_symbol(i) (plugin/ports.h; anc_tr_port_symbol
 *    in plugin/transfer_ports.h for the transfer effect) and the expected type
 *    and direction (control inputs, latency a control output, control/notify
 *    atom input/output, the transfer's in an audio input, out an audio
 *    output), indices contiguous, and control port i is the control table's
 *    anc_port_control(i) (anc_tr_port_control(i)), which is in the plugin's
 *    control set (anc_plugins);
 *  - every control input has default, minimum and maximum as float literals
 *    (integer literals on an lv2:integer port, as linters want) with
 *    minimum <= default <= maximum, an rdfs:comment and a units:unit; its name,
 *    default, minimum, maximum, unit and port group are those of the control
 *    table (core/controls.h), an enumeration's scale points are the table's
 *    choices, a toggle is lv2:toggled, and anc_engine_params_default()
 *    (core/engine.h) gives the same defaults;
 *  - every port is in exactly one port group (pg:group) that the Turtle
 *    declares as a pg:Group with an lv2:symbol and an rdfs:label (what Ardour
 *    shows); the control table's groups are declared with its symbols and
 *    labels, symbols unique, exactly the groups of the plugin's controls;
 *  - latency carries lv2:designation lv2:latency and an lv2:maximum; enabled
 *    lv2:designation lv2:enabled, toggled, default 1; both atom ports
 *    lv2:designation lv2:control and atom:bufferType atom:Sequence; the control
 *    input of the synth supports midi:MidiEvent;
 *  - the plugin metadata hosts and linters want (LV2.md): lv2:InstrumentPlugin
 *    for the synth (Carla files only those as synths), lv2:SpectralPlugin for
 *    the transfer effect (classes more specific than lv2:Plugin), doap:name, doap:shortdesc, doap:license, doap:maintainer, rdfs:comment,
 *    an lv2:project with a doap:name,
 *    even lv2:minorVersion and lv2:microVersion, required features only among
 *    urid:map, work:schedule and state:loadDefaultState, no lv2:inPlaceBroken,
 *    no option Ardour refuses as required, work:interface and state:interface
 *    extension data, the model parameter patch:writable and patch:readable with
 *    rdfs:range atom:Path, and a default state naming a model file in the bundle.
 *
 *   test_ttl        (LV2_PATH names the folder of ancestral.lv2) */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/core/lv2.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/patch/patch.h>
#include <lv2/port-groups/port-groups.h>
#include <lv2/state/state.h>
#include <lv2/units/units.h>

#include "check.h"
#include "controls.h"
#include "engine.h"
#include "ports.h"
#include "transfer_ports.h"
#define NS_DOAP "http://usefulinc.com/ns/doap#"
#define NS_RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

static LilvWorld *world;

static LilvNode *uri(const char *u)
{
    return lilv_new_uri(world, u);
}

/* What the C side says about one plugin's ports. */
typedef struct {
    int plugin;                  /* anc_plugin_id */
    const char *ports_h;         /* where its port enum lives */
    int n_ports;
    const char *(*symbol)(int);  /* of port i */
    int (*control)(int);         /* the control id of port i, or -1 */
    int latency, control_in, notify, enabled, audio_in; /* port indices; -1: none */
    const char *class_uri;
    int midi;                    /* its control input takes MIDI */
} plugin_desc;

static const plugin_desc plugin_descs[] = {
    {ANC_PLUGIN_SYNTH, "plugin/ports.h", ANC_PORT_COUNT, anc_port_symbol, anc_port_control,
     ANC_PORT_LATENCY, ANC_PORT_CONTROL, ANC_PORT_NOTIFY, ANC_PORT_ENABLED, -1,
     LV2_CORE__InstrumentPlugin, 1},
    {ANC_PLUGIN_TRANSFER, "plugin/transfer_ports.h", ANC_TR_PORT_COUNT, anc_tr_port_symbol,
     anc_tr_port_control, ANC_TR_PORT_LATENCY, ANC_TR_PORT_CONTROL, ANC_TR_PORT_NOTIFY,
     ANC_TR_PORT_ENABLED, ANC_TR_PORT_IN, LV2_CORE__SpectralPlugin, 0},
};

/* How the port at index i must look. */
typedef enum { K_CONTROL_IN, K_CONTROL_OUT, K_ATOM_IN, K_ATOM_OUT, K_AUDIO_IN, K_AUDIO_OUT } kind;

static kind expected_kind(const plugin_desc *d, int i)
{
    if (d->control(i) >= 0)
        return K_CONTROL_IN;
    if (i == d->latency)
        return K_CONTROL_OUT;
    if (i == d->control_in)
        return K_ATOM_IN;
    if (i == d->notify)
        return K_ATOM_OUT;
    return i == d->audio_in ? K_AUDIO_IN : K_AUDIO_OUT;
}

static const char *kind_name(kind k)
{
    static const char *n[] = {"control input", "control output", "atom input", "atom output",
                              "audio input", "audio output"};
    return n[k];
}

static int same(float a, float b)
{
    return fabsf(a - b) <= 1e-6f * fmaxf(1.0f, fabsf(b));
}

/* The Turtle's name, unit and scale points of control input i against the
 * control table; its range and default are checked by the caller. */
static void check_control(const LilvPlugin *pl, const LilvPort *port, int i)
{
    const anc_control *c = &anc_controls[i];
    LilvNode *name = lilv_port_get_name(pl, port);
    check_true(name && !strcmp(lilv_node_as_string(name), c->name),
               "port %s: lv2:name '%s', the control table says '%s'", c->symbol,
               name ? lilv_node_as_string(name) : "(none)", c->name);
    lilv_node_free(name);

    LilvNode *unit_p = uri(LV2_UNITS__unit), *unit = uri(c->unit);
    LilvNodes *units = lilv_port_get_value(pl, port, unit_p);
    check_true(units && lilv_nodes_contains(units, unit),
               "port %s: units:unit is not <%s> (the control table's)", c->symbol, c->unit);
    lilv_nodes_free(units);
    lilv_node_free(unit);
    lilv_node_free(unit_p);

    LilvNode *toggled = uri(LV2_CORE__toggled), *enumeration = uri(LV2_CORE__enumeration),
             *integer = uri(LV2_CORE__integer);
    const int is_toggle = lilv_port_has_property(pl, port, toggled);
    const int is_enum = lilv_port_has_property(pl, port, enumeration);
    check_true(is_toggle == (c->kind == ANC_CONTROL_TOGGLE),
               "port %s: lv2:toggled %s, but the control table says %s", c->symbol,
               is_toggle ? "declared" : "missing", c->kind == ANC_CONTROL_TOGGLE ? "toggle" : "not");
    check_true(is_enum == (c->kind == ANC_CONTROL_CHOICE),
               "port %s: lv2:enumeration %s, but the control table says %s", c->symbol,
               is_enum ? "declared" : "missing", c->kind == ANC_CONTROL_CHOICE ? "choice" : "not");
    if (c->kind == ANC_CONTROL_CHOICE) {
        check_true(lilv_port_has_property(pl, port, integer), "port %s: not lv2:integer",
                   c->symbol);
        LilvScalePoints *sp = lilv_port_get_scale_points(pl, port);
        const int n_choices = (int)c->max - (int)c->min + 1;
        check_true(sp && (int)lilv_scale_points_size(sp) == n_choices,
                   "port %s: %u scale points, the control table has %d choices", c->symbol,
                   sp ? lilv_scale_points_size(sp) : 0u, n_choices);
        LILV_FOREACH (scale_points, it, sp) {
            const LilvScalePoint *p = lilv_scale_points_get(sp, it);
            const float v = lilv_node_as_float(lilv_scale_point_get_value(p));
            const char *label = lilv_node_as_string(lilv_scale_point_get_label(p));
            const int k = (int)lrintf(v);
            check_true(k >= (int)c->min && k <= (int)c->max && same(v, (float)k) &&
                           !strcmp(label, c->choices[k - (int)c->min]),
                       "port %s: scale point %g '%s' is not a choice of the control table",
                       c->symbol, (double)v, label);
        }
        lilv_scale_points_free(sp);
    }
    lilv_node_free(toggled);
    lilv_node_free(enumeration);
    lilv_node_free(integer);
}

static int has_value(const LilvPlugin *pl, const LilvPort *port, const char *pred)
{
    LilvNode *p = uri(pred);
    LilvNodes *v = lilv_port_get_value(pl, port, p);
    int n = v ? (int)lilv_nodes_size(v) : 0;
    lilv_nodes_free(v);
    lilv_node_free(p);
    return n;
}

static int port_designation_is(const LilvPlugin *pl, const LilvPort *port, const char *d)
{
    LilvNode *p = uri(LV2_CORE__designation), *want = uri(d);
    LilvNodes *v = lilv_port_get_value(pl, port, p);
    int yes = v && lilv_nodes_contains(v, want);
    lilv_nodes_free(v);
    lilv_node_free(p);
    lilv_node_free(want);
    return yes;
}

/* The one string value of subject's pred, or NULL (caller frees). */
static LilvNode *world_string(const LilvNode *subject, const char *pred)
{
    LilvNode *p = uri(pred);
    LilvNode *v = lilv_world_get(world, subject, p, NULL);
    lilv_node_free(p);
    if (v && !lilv_node_is_string(v)) {
        lilv_node_free(v);
        return NULL;
    }
    return v;
}

/* The URI of control table group g in plugin. */
static void group_uri(char *out, size_t cap, int plugin, int g)
{
    snprintf(out, cap, "%s#group-%s", anc_plugins[plugin].uri, anc_port_groups[g].symbol);
}

/* Port sym (control table id, or -1 for a port that is not a control) is in
 * exactly one pg:group, declared a pg:Group with an lv2:symbol and an
 * rdfs:label; a control's group is the control table's. */
static void check_group(const plugin_desc *d, const LilvPlugin *pl, const LilvPort *port,
                        const char *sym, int id)
{
    LilvNode *group_p = uri(LV2_PORT_GROUPS__group);
    LilvNodes *groups = lilv_port_get_value(pl, port, group_p);
    lilv_node_free(group_p);
    if (!check_true(groups && lilv_nodes_size(groups) == 1 &&
                        lilv_node_is_uri(lilv_nodes_get_first(groups)),
                    "port %s: not in exactly one pg:group", sym)) {
        lilv_nodes_free(groups);
        return;
    }
    const LilvNode *g = lilv_nodes_get_first(groups);
    LilvNode *type = uri(NS_RDF "type"), *group_class = uri(LV2_PORT_GROUPS__Group);
    check_true(lilv_world_ask(world, g, type, group_class), "port %s: its group <%s> is not "
               "declared a pg:Group", sym, lilv_node_as_uri(g));
    lilv_node_free(type);
    lilv_node_free(group_class);
    LilvNode *gsym = world_string(g, LV2_CORE__symbol), *label = world_string(g, NS_RDFS "label");
    check_true(gsym && label, "port %s: its group <%s> has no lv2:symbol or no rdfs:label", sym,
               lilv_node_as_uri(g));
    if (id >= 0) {
        const anc_control_group cg = anc_controls[id].group;
        char want[256];
        group_uri(want, sizeof want, d->plugin, cg);
        check_true(!strcmp(lilv_node_as_uri(g), want),
                   "port %s: pg:group <%s>, the control table says <%s>", sym,
                   lilv_node_as_uri(g), want);
    }
    lilv_node_free(gsym);
    lilv_node_free(label);
    lilv_nodes_free(groups);
}

/* The groups of the plugin's controls are declared with the control table's
 * symbols and labels; the others are not declared for it. */
static void check_groups(const plugin_desc *d)
{
    int before = check_failures, n_groups = 0;
    for (int g = 0; g < ANC_GROUP_COUNT; g++) {
        const anc_port_group *pg = &anc_port_groups[g];
        char u[256];
        group_uri(u, sizeof u, d->plugin, g);
        if (!anc_plugin_has_group(d->plugin, g)) {
            LilvNode *node = uri(u), *sym = world_string(node, LV2_CORE__symbol);
            check_true(sym == NULL, "group <%s> is declared, but none of the plugin's controls "
                       "is in it", u);
            lilv_node_free(sym);
            lilv_node_free(node);
            continue;
        }
        n_groups++;
        for (int h = 0; h < g; h++)
            check_true(strcmp(pg->symbol, anc_port_groups[h].symbol) != 0,
                       "groups %d and %d share the symbol '%s'", h, g, pg->symbol);
        LilvNode *node = uri(u);
        LilvNode *sym = world_string(node, LV2_CORE__symbol),
                 *label = world_string(node, NS_RDFS "label");
        check_true(sym && !strcmp(lilv_node_as_string(sym), pg->symbol),
                   "group <%s>: lv2:symbol '%s', the control table says '%s'", u,
                   sym ? lilv_node_as_string(sym) : "(none)", pg->symbol);
        check_true(label && !strcmp(lilv_node_as_string(label), pg->label),
                   "group <%s>: rdfs:label '%s', the control table says '%s'", u,
                   label ? lilv_node_as_string(label) : "(none)", pg->label);
        int n = 0;
        for (int k = 0; k < anc_plugins[d->plugin].n; k++)
            n += anc_controls[anc_plugins[d->plugin].ids[k]].group == (anc_control_group)g;
        printf("  group %-9s '%s': %d controls\n", pg->symbol, pg->label, n);
        lilv_node_free(sym);
        lilv_node_free(label);
        lilv_node_free(node);
    }
    printf("%s port groups: %d checked against core/controls.h\n",
           check_failures == before ? "ok" : "FAIL", n_groups);
}

static void check_ports(const plugin_desc *d, const LilvPlugin *pl)
{
    int before = check_failures;
    uint32_t n = lilv_plugin_get_num_ports(pl);
    check_true(n == (uint32_t)d->n_ports, "the Turtle declares %u ports, %s %d", n, d->ports_h,
               d->n_ports);
    int n_controls = 0;
    for (int i = 0; i < d->n_ports; i++)
        if (d->control(i) >= 0) {
            check_true(d->control(i) == anc_plugins[d->plugin].ids[n_controls],
                       "port %d: control %d, but the plugin's control set has %d there", i,
                       d->control(i), anc_plugins[d->plugin].ids[n_controls]);
            n_controls++;
        }
    check_true(n_controls == anc_plugins[d->plugin].n,
               "%s has %d control inputs, the plugin's control set %d", d->ports_h, n_controls,
               anc_plugins[d->plugin].n);
    LilvNode *input = uri(LV2_CORE__InputPort), *output = uri(LV2_CORE__OutputPort),
             *control = uri(LV2_CORE__ControlPort), *audio = uri(LV2_CORE__AudioPort),
             *atom = uri(LV2_ATOM__AtomPort), *toggled = uri(LV2_CORE__toggled),
             *seq = uri(LV2_ATOM__Sequence), *buftype = uri(LV2_ATOM__bufferType),
             *integer_p = uri(LV2_CORE__integer);
    anc_engine_params ep;
    anc_engine_params_default(&ep);
    int checked = 0;
    for (uint32_t i = 0; i < n && i < (uint32_t)d->n_ports; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(pl, i);
        if (!check_true(port != NULL, "no port with index %u (indices must be contiguous)", i))
            continue;
        const char *sym = lilv_node_as_string(lilv_port_get_symbol(pl, port));
        check_true(!strcmp(sym, d->symbol((int)i)), "port %u: symbol '%s', %s says '%s'", i, sym,
                   d->ports_h, d->symbol((int)i));
        kind k = expected_kind(d, (int)i);
        const int cid = d->control((int)i);
        int is_in = lilv_port_is_a(pl, port, input), is_out = lilv_port_is_a(pl, port, output);
        int ok;
        switch (k) {
        case K_CONTROL_IN: ok = is_in && lilv_port_is_a(pl, port, control); break;
        case K_CONTROL_OUT: ok = is_out && lilv_port_is_a(pl, port, control); break;
        case K_ATOM_IN: ok = is_in && lilv_port_is_a(pl, port, atom); break;
        case K_ATOM_OUT: ok = is_out && lilv_port_is_a(pl, port, atom); break;
        case K_AUDIO_IN: ok = is_in && lilv_port_is_a(pl, port, audio); break;
        default: ok = is_out && lilv_port_is_a(pl, port, audio); break;
        }
        check_true(ok && !(is_in && is_out), "port %u (%s) is not a pure %s", i, sym,
                   kind_name(k));
        if (k == K_CONTROL_IN) {
            LilvNode *def = NULL, *min = NULL, *max = NULL;
            lilv_port_get_range(pl, port, &def, &min, &max);
            /* lilv_node_is_float() is false for an integer literal, and
             * lilv_node_is_int() for a decimal one. */
            const int integer = lilv_port_has_property(pl, port, integer_p);
            bool (*is_lit)(const LilvNode *) = integer ? lilv_node_is_int : lilv_node_is_float;
            int literals = def && min && max && is_lit(def) && is_lit(min) && is_lit(max);
            check_true(literals, "port %s: default, minimum and maximum must all be %s "
                       "literals", sym, integer ? "integer (lv2:integer)" : "float");
            if (def && min && max) {
                float d = lilv_node_as_float(def), lo = lilv_node_as_float(min),
                      hi = lilv_node_as_float(max);
                check_true(lo <= d && d <= hi, "port %s: default %g outside [%g, %g]", sym,
                           (double)d, (double)lo, (double)hi);
                const anc_control *c = &anc_controls[cid];
                check_true(same(d, c->def) && same(lo, c->min) && same(hi, c->max),
                           "port %s: Turtle default %g range [%g, %g], control table default %g "
                           "range [%g, %g]", sym, (double)d, (double)lo, (double)hi,
                           (double)c->def, (double)c->min, (double)c->max);
                float want = anc_control_load(&ep, cid);
                check_true(same(d, want), "port %s: Turtle default %g, core/engine.h default %g",
                           sym, (double)d, (double)want);
                printf("  %-2u %-12s %-14s default %-6g range [%g, %g]\n", i, sym, kind_name(k),
                       (double)d, (double)lo, (double)hi);
            }
            lilv_node_free(def);
            lilv_node_free(min);
            lilv_node_free(max);
            check_true(has_value(pl, port, NS_RDFS "comment") == 1, "port %s: no rdfs:comment",
                       sym);
            check_true(has_value(pl, port, LV2_UNITS__unit) == 1, "port %s: no units:unit", sym);
            check_control(pl, port, d->control((int)i));
        } else {
            printf("  %-2u %-12s %s\n", i, sym, kind_name(k));
        }
        check_group(d, pl, port, sym, d->control((int)i));
        if ((int)i == d->latency) {
            check_true(port_designation_is(pl, port, LV2_CORE__latency),
                       "latency: no lv2:designation lv2:latency");
            check_true(has_value(pl, port, LV2_CORE__maximum) == 1,
                       "latency: no lv2:maximum (Ardour's ceiling)");
            LilvNode *max = NULL;
            lilv_port_get_range(pl, port, NULL, NULL, &max);
            check_true(lilv_port_has_property(pl, port, integer_p) && max && lilv_node_is_int(max),
                       "latency: not lv2:integer with an integer lv2:maximum");
            lilv_node_free(max);
        }
        if ((int)i == d->enabled) {
            check_true(port_designation_is(pl, port, LV2_CORE__enabled),
                       "enabled: no lv2:designation lv2:enabled");
            check_true(lilv_port_has_property(pl, port, toggled), "enabled: not lv2:toggled");
        }
        if (k == K_ATOM_IN || k == K_ATOM_OUT) {
            check_true(port_designation_is(pl, port, LV2_CORE__control),
                       "%s: no lv2:designation lv2:control", sym);
            LilvNodes *bt = lilv_port_get_value(pl, port, buftype);
            check_true(bt && lilv_nodes_contains(bt, seq),
                       "%s: no atom:bufferType atom:Sequence", sym);
            lilv_nodes_free(bt);
        }
        if (k == K_ATOM_IN) {
            LilvNode *sup = uri(LV2_ATOM__supports), *midi = uri(LV2_MIDI__MidiEvent);
            LilvNodes *v = lilv_port_get_value(pl, port, sup);
            check_true((v && lilv_nodes_contains(v, midi)) == d->midi,
                       "%s: atom:supports midi:MidiEvent %s", sym,
                       d->midi ? "missing" : "on a plugin that ignores MIDI");
            lilv_nodes_free(v);
            lilv_node_free(sup);
            lilv_node_free(midi);
        }
        checked++;
    }
    printf("%s ports: %d checked against %s and core/controls.h\n",
           check_failures == before ? "ok" : "FAIL", checked, d->ports_h);
    lilv_node_free(input);
    lilv_node_free(output);
    lilv_node_free(control);
    lilv_node_free(audio);
    lilv_node_free(atom);
    lilv_node_free(toggled);
    lilv_node_free(seq);
    lilv_node_free(buftype);
    lilv_node_free(integer_p);
}

static LilvNodes *plugin_values(const LilvPlugin *pl, const char *pred)
{
    LilvNode *p = uri(pred);
    LilvNodes *v = lilv_plugin_get_value(pl, p);
    lilv_node_free(p);
    return v;
}

static void check_metadata(const plugin_desc *d, const LilvPlugin *pl)
{
    int before = check_failures;
    check_true(lilv_plugin_verify(pl), "lilv_plugin_verify fails");
    /* rdf:type, not lilv_plugin_get_class(): lilv only knows the class
     * hierarchy when lv2core.lv2 is in LV2_PATH, and here it need not be. */
    LilvNodes *types = plugin_values(pl, NS_RDF "type");
    LilvNode *gen = uri(d->class_uri);
    check_true(types && lilv_nodes_contains(types, gen), "not a <%s>", d->class_uri);
    LILV_FOREACH (nodes, it, types)
        printf("  a %s\n", lilv_node_as_uri(lilv_nodes_get(types, it)));
    lilv_node_free(gen);
    lilv_nodes_free(types);
    static const char *must[] = {NS_DOAP "name", NS_DOAP "license", NS_DOAP "maintainer",
                                 NS_RDFS "comment", LV2_CORE__minorVersion,
                                 LV2_CORE__microVersion, NS_DOAP "shortdesc",
                                 LV2_CORE__project};
    for (size_t i = 0; i < sizeof must / sizeof *must; i++) {
        LilvNodes *v = plugin_values(pl, must[i]);
        check_true(v && lilv_nodes_size(v) == 1, "plugin: exactly one <%s> wanted", must[i]);
        if (v && (i == 4 || i == 5)) {
            const LilvNode *x = lilv_nodes_get_first(v);
            check_true(lilv_node_is_int(x) && lilv_node_as_int(x) % 2 == 0,
                       "<%s> must be an even integer (a release)", must[i]);
        }
        if (v && i == 1)
            check_true(lilv_node_is_uri(lilv_nodes_get_first(v)), "doap:license is not a URI");
        if (v && i == 6)
            check_true(lilv_node_is_string(lilv_nodes_get_first(v)), "doap:shortdesc is not a "
                       "string");
        lilv_nodes_free(v);
    }

    /* lilv reads lv2:project's data only from the plugin's own files
     * (manifest.ttl's rdfs:seeAlso). */
    LilvNode *project = lilv_plugin_get_project(pl);
    LilvNode *pname = project ? world_string(project, NS_DOAP "name") : NULL;
    check_true(pname != NULL, "lv2:project %s has no doap:name",
               project ? lilv_node_as_string(project) : "(none)");
    if (pname)
        printf("  project <%s>: %s\n", lilv_node_as_string(project), lilv_node_as_string(pname));
    lilv_node_free(pname);
    lilv_node_free(project);

    static const char *allowed[] = {LV2_URID__map, "http://lv2plug.in/ns/ext/worker#schedule",
                                    LV2_STATE__loadDefaultState};
    LilvNodes *req = lilv_plugin_get_required_features(pl);
    LILV_FOREACH (nodes, it, req) {
        const char *f = lilv_node_as_uri(lilv_nodes_get(req, it));
        int ok = 0;
        for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
            ok |= !strcmp(f, allowed[i]);
        printf("  requires %s\n", f);
        check_true(ok, "requires <%s>: hosts (Ardour) may refuse it", f);
    }
    LilvNode *ldf = uri(LV2_STATE__loadDefaultState);
    check_true(req && lilv_nodes_contains(req, ldf), "state:loadDefaultState is not required");
    lilv_node_free(ldf);
    lilv_nodes_free(req);
    LilvNode *ipb = uri(LV2_CORE__inPlaceBroken);
    check_true(!lilv_plugin_has_feature(pl, ipb), "lv2:inPlaceBroken: Ardour 7 refuses it");
    lilv_node_free(ipb);
    LilvNodes *ropt = plugin_values(pl, LV2_OPTIONS__requiredOption);
    check_true(!ropt || lilv_nodes_size(ropt) == 0,
               "opts:requiredOption present: Ardour 7 refuses plugins requiring options");
    lilv_nodes_free(ropt);

    LilvNodes *ext = lilv_plugin_get_extension_data(pl);
    LilvNode *wi = uri("http://lv2plug.in/ns/ext/worker#interface"), *si = uri(LV2_STATE__interface);
    check_true(ext && lilv_nodes_contains(ext, wi), "no lv2:extensionData work:interface");
    check_true(ext && lilv_nodes_contains(ext, si), "no lv2:extensionData state:interface");
    lilv_node_free(wi);
    lilv_node_free(si);
    lilv_nodes_free(ext);

    LilvNode *model = uri(anc_plugins[d->plugin].model_uri);
    LilvNodes *wr = plugin_values(pl, LV2_PATCH__writable), *rd = plugin_values(pl, LV2_PATCH__readable);
    check_true(wr && lilv_nodes_contains(wr, model), "model is not patch:writable");
    check_true(rd && lilv_nodes_contains(rd, model), "model is not patch:readable");
    lilv_nodes_free(wr);
    lilv_nodes_free(rd);
    LilvNode *range = uri(NS_RDFS "range"), *path = uri(LV2_ATOM__Path);
    LilvNodes *r = lilv_world_find_nodes(world, model, range, NULL);
    check_true(r && lilv_nodes_contains(r, path), "the model parameter's rdfs:range is not "
               "atom:Path (hosts would show no file chooser)");
    lilv_nodes_free(r);
    lilv_node_free(range);
    lilv_node_free(path);

    /* The default state names a file in the bundle. */
    LilvNode *st = uri(LV2_STATE__state);
    LilvNodes *states = lilv_plugin_get_value(pl, st);
    int found = 0;
    if (states) {
        const LilvNode *s = lilv_nodes_get_first(states);
        LilvNodes *files = lilv_world_find_nodes(world, s, model, NULL);
        if (files && lilv_nodes_size(files) == 1) {
            const LilvNode *f = lilv_nodes_get_first(files);
            char *fp = lilv_node_get_path(f, NULL);
            char *bundle = lilv_node_get_path(lilv_plugin_get_bundle_uri(pl), NULL);
            struct stat sb;
            int inside = fp && bundle && !strncmp(fp, bundle, strlen(bundle));
            int exists = fp && !stat(fp, &sb) && S_ISREG(sb.st_mode);
            printf("  default state: model %s (%s, %s)\n", fp ? fp : "?",
                   inside ? "in the bundle" : "OUTSIDE the bundle",
                   exists ? "present" : "MISSING");
            check_true(inside, "the default model is not in the bundle");
            check_true(exists, "the default model %s is missing: the plugin would be silent "
                       "(put the trained model at presets/default.vae)", fp ? fp : "?");
            found = 1;
            lilv_free(fp);
            lilv_free(bundle);
        }
        lilv_nodes_free(files);
    }
    check_true(found, "no state:state with exactly one model in the plugin's Turtle");
    lilv_nodes_free(states);
    lilv_node_free(st);
    lilv_node_free(model);
    printf("%s plugin metadata\n", check_failures == before ? "ok" : "FAIL");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    world = lilv_world_new();
    lilv_world_load_all(world); /* LV2_PATH from the environment */
    const char *lp = getenv("LV2_PATH");
    for (size_t k = 0; k < sizeof plugin_descs / sizeof *plugin_descs; k++) {
        const plugin_desc *d = &plugin_descs[k];
        const char *puri = anc_plugins[d->plugin].uri;
        LilvNode *u = uri(puri);
        const LilvPlugin *pl = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), u);
        lilv_node_free(u);
        if (!check_true(pl != NULL, "<%s> not found in LV2_PATH=%s", puri, lp ? lp : "(unset)"))
            continue;
        printf("<%s> in bundle %s\n", puri, lilv_node_as_uri(lilv_plugin_get_bundle_uri(pl)));
        check_metadata(d, pl);
        check_groups(d);
        check_ports(d, pl);
    }
    lilv_world_free(world);
    return check_exit();
}

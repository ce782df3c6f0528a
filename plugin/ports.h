/* ports.h — the port indices and symbols of the Ancestral LV2 plugin
 * (ANC_PLUGIN_URI).
 *
 * This enum is the one definition of the port order: the control inputs up to
 * `enabled` come first, in the order of the control table (core/controls.h,
 * which also holds their symbols, ranges, defaults and units), then the
 * latency, atom and audio ports, then the synth's controls from `note` on, again
 * in table order (they came later; appending them kept every older index).
 * ttl/ancestral.ttl declares the same indices and symbols, and a test compares
 * the two. Indices are contiguous from 0; append new ports at the end (before
 * ANC_PORT_COUNT) so saved sessions keep their values. */
#ifndef ANC_PORTS_H
#define ANC_PORTS_H

#include "controls.h"

typedef enum anc_port {
    ANC_PORT_Z1 = ANC_CONTROL_Z1, /* z1 .. z16: latent knobs */
    ANC_PORT_Z16 = ANC_CONTROL_Z1 + ANC_KNOBS - 1,
    ANC_PORT_MODE = ANC_CONTROL_MODE,
    ANC_PORT_TEMPERATURE = ANC_CONTROL_TEMPERATURE,
    ANC_PORT_RATE = ANC_CONTROL_RATE,
    ANC_PORT_GLIDE = ANC_CONTROL_GLIDE,
    ANC_PORT_NOISE = ANC_CONTROL_NOISE,
    ANC_PORT_GAIN = ANC_CONTROL_GAIN,
    ANC_PORT_ENABLED = ANC_CONTROL_ENABLED, /* lv2:enabled toggle */
    ANC_PORT_LATENCY = ANC_CONTROL_NOTE,    /* output: lv2:latency, in frames */
    ANC_PORT_CONTROL,                       /* atom input: patch:Set / patch:Get of the model */
    ANC_PORT_NOTIFY,                        /* atom output: patch:Set of the model */
    ANC_PORT_OUT,                           /* audio output */
    ANC_PORT_NOTE,                          /* control ANC_CONTROL_NOTE .. the last */
    ANC_PORT_BEND_RANGE = ANC_PORT_NOTE + ANC_CONTROL_BEND_RANGE - ANC_CONTROL_NOTE,
    ANC_PORT_COUNT
} anc_port;

/* Ports between the two runs of control inputs. */
#define ANC_PORT_GAP (ANC_PORT_NOTE - ANC_CONTROL_NOTE)

/* The port of control id, and the control of port i (-1 if it is none). */
static inline int anc_control_port(int id)
{
    return id < ANC_CONTROL_NOTE ? id : id + ANC_PORT_GAP;
}

static inline int anc_port_control(int i)
{
    if (i >= 0 && i < ANC_CONTROL_NOTE)
        return i;
    if (i >= ANC_PORT_NOTE && i < ANC_PORT_COUNT)
        return i - ANC_PORT_GAP;
    return -1;
}

/* The symbol of port i, as in the Turtle. */
static inline const char *anc_port_symbol(int i)
{
    static const char *const others[] = {"latency", "control", "notify", "out"};
    if (i < 0 || i >= ANC_PORT_COUNT)
        return NULL;
    const int id = anc_port_control(i);
    return id >= 0 ? anc_controls[id].symbol : others[i - ANC_PORT_LATENCY];
}

#endif

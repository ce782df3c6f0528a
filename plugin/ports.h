/* ports.h — the port indices and symbols of the Ancestral LV2 plugin
 * (ANC_PLUGIN_URI).
 *
 * This enum is the one definition of the port order: the control inputs come
 * first, in the order of the control table (core/controls.h, which also holds
 * their symbols, ranges, defaults and units), then the other ports.
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
    ANC_PORT_LATENCY = ANC_CONTROL_COUNT,   /* output: lv2:latency, in frames */
    ANC_PORT_CONTROL,                       /* atom input: patch:Set / patch:Get of the model */
    ANC_PORT_NOTIFY,                        /* atom output: patch:Set of the model */
    ANC_PORT_OUT,                           /* audio output */
    ANC_PORT_COUNT
} anc_port;

/* The symbol of port i, as in the Turtle. */
static inline const char *anc_port_symbol(int i)
{
    static const char *const others[] = {"latency", "control", "notify", "out"};
    if (i < 0 || i >= ANC_PORT_COUNT)
        return NULL;
    return i < ANC_CONTROL_COUNT ? anc_controls[i].symbol : others[i - ANC_CONTROL_COUNT];
}

#endif

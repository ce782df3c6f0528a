/* transfer_ports.h — the port indices and symbols of the transfer effect
 * (ANC_TRANSFER_URI), the second plugin of the bundle.
 *
 * The control inputs come first, in the order of the transfer's control set
 * (anc_plugins[ANC_PLUGIN_TRANSFER] in core/controls.h, which also holds their
 * symbols, ranges, defaults and units): z1..z16, transpose, mix, gain,
 * enabled; then the latency output, the atom ports and the audio ports.
 * ttl/transfer.ttl declares the same indices and symbols, and tests/test_ttl.c
 * compares the two. Append new ports at the end. */
#ifndef ANC_TRANSFER_PORTS_H
#define ANC_TRANSFER_PORTS_H

#include "controls.h"

typedef enum anc_tr_port {
    ANC_TR_PORT_Z1 = 0,                    /* z1 .. z16: offsets added to the encoded latent */
    ANC_TR_PORT_TRANSPOSE = ANC_KNOBS,
    ANC_TR_PORT_MIX,
    ANC_TR_PORT_GAIN,
    ANC_TR_PORT_ENABLED,                   /* lv2:enabled toggle */
    ANC_TR_PORT_LATENCY,                   /* output: lv2:latency, in frames */
    ANC_TR_PORT_CONTROL,                   /* atom input: patch:Set / patch:Get of the model */
    ANC_TR_PORT_NOTIFY,                    /* atom output: patch:Set of the model */
    ANC_TR_PORT_IN,                        /* audio input */
    ANC_TR_PORT_OUT,                       /* audio output */
    ANC_TR_PORT_COUNT
} anc_tr_port;

/* The control of port i (-1 if it is none). */
static inline int anc_tr_port_control(int i)
{
    return i >= 0 && i < ANC_TR_PORT_LATENCY ? anc_plugins[ANC_PLUGIN_TRANSFER].ids[i] : -1;
}

/* The symbol of port i, as in the Turtle. */
static inline const char *anc_tr_port_symbol(int i)
{
    static const char *const others[] = {"latency", "control", "notify", "in", "out"};
    if (i < 0 || i >= ANC_TR_PORT_COUNT)
        return NULL;
    const int id = anc_tr_port_control(i);
    return id >= 0 ? anc_controls[id].symbol : others[i - ANC_TR_PORT_LATENCY];
}

#endif

/* ports.h — the port indices and symbols of the Ancestral LV2 plugin
 * (urn:ancestral:synth).
 *
 * This enum is the one definition of the port order: ttl/ancestral.ttl declares
 * the same indices and symbols, and a test compares the two through
 * anc_port_symbols. Indices are contiguous from 0; append new ports at the end
 * (before ANC_PORT_COUNT) so saved sessions keep their values. Ranges and
 * defaults are those of anc_engine_params in core/engine.h. */
#ifndef ANC_PORTS_H
#define ANC_PORTS_H

typedef enum anc_port {
    ANC_PORT_Z1 = 0,           /* z1 .. z16: latent knobs, prior std devs [-4, 4], 0 */
    ANC_PORT_Z16 = 15,
    ANC_PORT_MODE = 16,        /* 0 knobs, 1 ancestral, 2 knobs + noise; 0 */
    ANC_PORT_TEMPERATURE = 17, /* spread of drawn z [0, 3], 1 */
    ANC_PORT_RATE = 18,        /* prior draws per second [0.01, 50], 2 */
    ANC_PORT_GLIDE = 19,       /* seconds [0, 10], 0.05 */
    ANC_PORT_NOISE = 20,       /* observation noise, times the model's sigma [0, 2], 0 */
    ANC_PORT_GAIN = 21,        /* dB [-60, 12], 0 */
    ANC_PORT_ENABLED = 22,     /* lv2:enabled toggle, 1 */
    ANC_PORT_LATENCY = 23,     /* output: lv2:latency, in frames */
    ANC_PORT_CONTROL = 24,     /* atom input: patch:Set / patch:Get of the model */
    ANC_PORT_NOTIFY = 25,      /* atom output: patch:Set of the model */
    ANC_PORT_OUT = 26,         /* audio output */
    ANC_PORT_COUNT = 27
} anc_port;

#define ANC_PORT_KNOBS 16

/* Port symbols by index, as in the Turtle. `static` so each includer has its own
 * copy and the plugin exports nothing but lv2_descriptor. */
static const char *const anc_port_symbols[ANC_PORT_COUNT] = {
    "z1",  "z2",  "z3",  "z4",  "z5",  "z6",  "z7",  "z8",
    "z9",  "z10", "z11", "z12", "z13", "z14", "z15", "z16",
    "mode", "temperature", "rate", "glide", "noise", "gain", "enabled",
    "latency", "control", "notify", "out",
};

#endif

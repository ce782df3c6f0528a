/* presets.h — writes an LV2 preset bundle for the Ancestral plugin: one
 * pset:Preset per entry, labelled (Ardour drops label-less presets), holding
 * latent knob values and, when given, the model file as plugin state. */
#ifndef ANC_PRESETS_H
#define ANC_PRESETS_H

#include <stddef.h>

#include "controls.h"
#include "status.h"

typedef struct anc_preset {
    const char *label;            /* shown by hosts; also names the file (sanitised) */
    float knobs[ANC_KNOBS];       /* z1..z16, prior standard deviations, -4..4 */
    int n_knobs;                  /* knobs written (the model's latent size, <= 16) */
} anc_preset;

/* Creates dir (and missing parents) and writes manifest.ttl plus one .ttl per
 * preset. model_uri is written as the model parameter's value: an absolute
 * file URI, or a path relative to the bundle; NULL leaves the model alone.
 * Labels that sanitise to the same file name get numeric suffixes. */
anc_status anc_presets_write(const char *dir, const anc_preset *presets, size_t n,
                             const char *model_uri, anc_error *err);

/* "file:///abs/path" for an absolute path, percent-encoding what Turtle IRIs
 * cannot hold; returns a malloc'd string or NULL. */
char *anc_file_uri(const char *abs_path);

#endif

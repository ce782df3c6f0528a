/* model.h — a trained model in memory and its file format (.vae).
 *
 * A model is everything the plugin, the renderer and the evaluator need: STFT
 * settings, feature normalisation, the VAE architecture and parameters (learned
 * sigma included), latent statistics and a training summary.
 *
 * File format, versions 1 to 3, all integers and floats little-endian:
 *   u8[8]  magic "ANCVAE\r\n"
 *   u32    format version (1, 2 or 3)
 *   u32    header size in bytes, from the start of the file to the record count
 *          (144 in version 1, 176 in version 2, 184 in version 3; readers skip
 *          header bytes they do not know)
 *   header fields, in the order of anc_model_header below, at byte offsets
 *     16 sample_rate, 20 n_fft, 24 hop, 28 window (u32), 32 floor_db (f32),
 *     36 arch.n_input, 40 arch.n_latent, 44 arch.n_hidden, 48 arch.hidden[8]
 *     (unused widths 0), 80 arch.act (u32), 84 epochs, 88 train_files,
 *     92 val_files (u32), 96 train_frames, 104 val_frames, 112 seed (u64),
 *     120 beta, 124 train_seconds, 128 train_lsd_db, 132 val_lsd_db,
 *     136 pca_val_lsd_db, 140 val_elbo_nats_per_frame (f32)
 *   version 2 adds the representation (DESIGN.md, "Pitch, MIDI and timbre
 *   transfer"): 144 pitch_mode (u32), 148 rel_points_per_octave (u32),
 *     152 rel_octaves_below, 156 rel_f0_min, 160 rel_f0_ref, 164 pitch_lo_hz,
 *     168 pitch_hi_hz, 172 voiced_fraction (f32)
 *   version 3 adds the frame level: 176 level_mode (u32), 180 level_db (f32)
 *   A model is written as version 1 when it is absolute and carries no pitch
 *   statistics (so older builds keep reading such files), as version 3 when its
 *   frames are level-normalised (older builds must refuse it: they would play its
 *   0 dB frames at full scale), else as version 2; version 1 files load as
 *   absolute models, version 1 and 2 files as models that keep levels.
 *   u32    record count
 *   records: u32 name length (1..31), name bytes (printable ASCII, no space, no
 *            NUL), u32 dtype (1 = f32, 2 = u32), u32 ndim (1 or 2), u32
 *            dims[ndim] (each >= 1), then the values; no padding anywhere
 *   u32    CRC-32 (IEEE 802.3, as zlib's crc32) of every byte before it
 * Records: every VAE tensor by its layout name (vae_layout.h; weights 2-D
 * [rows][cols], biases and log_sigma 1-D, as the layout table's ndim says),
 * "feature.mean" and "feature.std" [arch.n_input], "latent.kl", "latent.mu_mean",
 * "latent.mu_std" (f32) and "latent.order" (u32), each [n_latent], then any
 * extra records. Records with
 * other names are kept as extras (unchecked values, at most
 * ANC_MODEL_MAX_EXTRAS) and written back on save. Missing, duplicate or
 * misshapen known records are errors, as are duplicate extras, non-finite f32
 * values in known records (ANC_E_NUMERIC), a feature.std value <= 0, a
 * latent.order that is not a permutation of 0..n_latent-1, and bytes between
 * the last record and the CRC.
 *
 * The loader checks the CRC, then every count and size against the bytes that
 * remain before it trusts it; any inconsistency is one clear anc_error naming
 * the field or tensor and its byte offset. */
#ifndef ANC_MODEL_H
#define ANC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "relfreq.h"
#include "stft.h"
#include "status.h"
#include "vae_layout.h"

#define ANC_MODEL_MAGIC "ANCVAE\r\n"
#define ANC_MODEL_VERSION 3u /* the newest version this build reads and writes */
#define ANC_MODEL_MAX_FFT 8192 /* largest FFT a model may use */
#define ANC_MODEL_MAX_BYTES ((size_t)1 << 31) /* 2 GiB: anything larger is refused */

/* What a frame of the model holds (DESIGN.md, "Pitch, MIDI and timbre transfer"). */
typedef enum anc_pitch_mode {
    ANC_PITCH_ABSOLUTE = 0, /* STFT bins 0 .. n_fft/2: pitch and timbre together */
    ANC_PITCH_RELATIVE = 1  /* points on a log-frequency axis relative to f0 (relfreq.h) */
} anc_pitch_mode;

/* What a frame's level means (feature.h, "Frame level"). */
typedef enum anc_level_mode {
    ANC_LEVEL_KEPT = 0,      /* frames keep their level: loudness is part of the latent */
    ANC_LEVEL_NORMALIZED = 1 /* frames are shifted to level 0 dB: the latent holds shape
                              * only; the engine plays each frame at level_db */
} anc_level_mode;
#define ANC_MODEL_MIN_LEVEL_DB (-60.0f)
#define ANC_MODEL_MAX_LEVEL_DB 0.0f

typedef struct anc_model_header {
    /* STFT */
    uint32_t sample_rate;  /* Hz, 8000 .. 384000 */
    uint32_t n_fft;        /* ANC_STFT_MIN_FFT .. ANC_MODEL_MAX_FFT, even */
    uint32_t hop;          /* 1 .. n_fft / 2 */
    uint32_t window;       /* anc_window */
    float floor_db;        /* feature floor, ANC_FEATURE_FLOOR_DB */
    /* architecture; arch.n_input is n_fft / 2 + 1 for an absolute model, the
     * relative axis's K (anc_relfreq_size) for a relative one */
    anc_vae_config arch;
    /* training summary (zero when unknown) */
    uint32_t epochs;
    uint32_t train_files, val_files;
    uint64_t train_frames, val_frames;
    uint64_t seed;
    float beta;
    float train_seconds;        /* wall time; 0 = not recorded (ancestral-train leaves it 0
                                 * so that a seed reproduces the file byte for byte) */
    float train_lsd_db, val_lsd_db, pca_val_lsd_db; /* 0 when not measured */
    float val_elbo_nats_per_frame;
    /* representation (version 2; zero in version 1 files) */
    uint32_t pitch_mode;            /* anc_pitch_mode */
    uint32_t rel_points_per_octave; /* relative: the axis, as in anc_relfreq_config */
    float rel_octaves_below, rel_f0_min, rel_f0_ref;
    float pitch_lo_hz, pitch_hi_hz; /* f0 range of the voiced training frames (5th and
                                     * 95th percentiles); 0 when unknown */
    float voiced_fraction;          /* share of training frames that were voiced; 0 = unknown */
    /* frame level (version 3; zero in older files) */
    uint32_t level_mode;            /* anc_level_mode */
    float level_db;                 /* normalised: the level a frame plays at, at full
                                     * velocity and gain 0 dB, dB re a full-scale sine
                                     * (ANC_MODEL_MIN_LEVEL_DB .. MAX); kept: 0 */
} anc_model_header;

/* The relative axis of header h (valid for relative models): rate and FFT from
 * the STFT settings, the rest from the rel_ fields. */
void anc_model_relfreq_config(const anc_model_header *h, anc_relfreq_config *c);

typedef struct anc_model anc_model;

/* Allocates a model for header h (checked like a loaded one, ANC_E_INVALID when
 * out of range; arch.hidden beyond n_hidden is stored as 0). Arrays start zeroed
 * except feature.std = 1 and latent.order = 0, 1, .., so a fresh model saves and
 * loads. Free with anc_model_free(). */
anc_status anc_model_create(anc_model **out, const anc_model_header *h, anc_error *err);
void anc_model_free(anc_model *m); /* accepts NULL */

const anc_model_header *anc_model_get_header(const anc_model *m);
/* Training summary only: serialising refuses a model whose n_fft or arch changed. */
anc_model_header *anc_model_header_mut(anc_model *m);
/* Parameter block (anc_vae_layout size) and named pointers into it. */
float *anc_model_params(anc_model *m);
const float *anc_model_params_const(const anc_model *m);
size_t anc_model_num_params(const anc_model *m);
void anc_model_tensors(const anc_model *m, anc_vae_tensors *t);
/* The decoder's layers over the model's parameters (valid while m lives). */
void anc_model_decoder(const anc_model *m, anc_mlp *dec);
/* Feature normalisation, arch.n_input values each (per bin, or per point of a
 * relative model's axis). */
float *anc_model_feature_mean(anc_model *m);
float *anc_model_feature_std(anc_model *m);
const float *anc_model_feature_mean_const(const anc_model *m);
const float *anc_model_feature_std_const(const anc_model *m);
/* Latent statistics, n_latent values each, in knob order (dimension 0 matters most). */
typedef struct anc_latent_stats {
    float *kl;       /* mean KL per frame of this dimension, nats */
    float *mu_mean;  /* mean of mu over training frames */
    float *mu_std;   /* spread (std) of mu over training frames */
    uint32_t *order; /* the dimension's index before sorting by importance */
} anc_latent_stats;
/* The arrays belong to m; write them only while building a model. */
void anc_model_latent_stats(const anc_model *m, anc_latent_stats *s);

/* Record value types (the file's dtype field). */
enum { ANC_DTYPE_F32 = 1, ANC_DTYPE_U32 = 2 };
#define ANC_MODEL_MAX_EXTRAS 64
/* Extra records: named arrays a model carries but does not use, such as a
 * trainer's checkpoint state. Copies count >= 1 values of dtype under name,
 * replacing an extra of that name. The name follows the record rules (1..31
 * printable ASCII characters, no space) and may not be one of the model's own
 * records. ANC_E_INVALID otherwise, ANC_E_NOMEM if the copy fails. */
anc_status anc_model_set_extra(anc_model *m, const char *name, unsigned dtype, const void *data,
                               size_t count, anc_error *err);
/* The values of extra `name` when it exists with this dtype (*count set to their
 * number, whatever the record's dims), else NULL with *count = 0. Valid until the
 * extra is replaced or m is freed. */
const void *anc_model_get_extra(const anc_model *m, const char *name, unsigned dtype,
                                size_t *count);

/* Serialises to a new malloc'd buffer (*buf, *len); the caller frees *buf. */
anc_status anc_model_serialize(const anc_model *m, void **buf, size_t *len, anc_error *err);
/* Writes atomically (anc_atomic_write, atomic_file.h): a temporary file beside
 * path (mode 0644), fsync, rename, fsync of the folder. A failed save removes the
 * temporary and leaves any existing file at path untouched. */
anc_status anc_model_save(const anc_model *m, const char *path, anc_error *err);

enum { ANC_LOAD_SKIP_CRC = 1 }; /* for fuzzing the parser behind the checksum */
/* Parses len bytes; never reads outside them. *out is freed with anc_model_free(). */
anc_status anc_model_load_memory(anc_model **out, const void *data, size_t len, unsigned flags,
                                 anc_error *err);
/* Reads a file (at most ANC_MODEL_MAX_BYTES) and parses it; messages name the path. */
anc_status anc_model_load_file(anc_model **out, const char *path, anc_error *err);

/* CRC-32 (IEEE, reflected, init and final xor 0xFFFFFFFF); crc = 0 to start. */
uint32_t anc_crc32(uint32_t crc, const void *data, size_t len);

#endif

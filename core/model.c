/* model.c — the trained model in memory, the .vae file format (versions 1 to 3,
 * laid out in model.h) and CRC-32.
 *
 * Every integer and float is written and read byte by byte in little-endian
 * order, floats through their bit patterns, so the file does not depend on the
 * host's byte order or struct padding. The loader parses from memory, checks each
 * count and size against the bytes that remain before it uses it, and reports the
 * first problem as one anc_error naming the field or tensor and its byte offset.
 * Not real-time: it allocates and does file I/O (the plugin loads from its worker
 * thread). */
#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

_Static_assert(sizeof(float) == 4, "floats are stored as their 32-bit IEEE patterns");

/* The file has a fixed number of hidden-width slots; changing ANC_MAX_HIDDEN
 * changes the format and needs a new version. */
#define FILE_HIDDEN_SLOTS 8
_Static_assert(ANC_MAX_HIDDEN == FILE_HIDDEN_SLOTS, "ANC_MAX_HIDDEN is part of format v1");

/* Header byte offsets from the start of the file, in the order of model.h. */
enum {
    OFF_MAGIC = 0,
    OFF_VERSION = 8,
    OFF_HEADER_SIZE = 12,
    OFF_SAMPLE_RATE = 16,
    OFF_N_FFT = 20,
    OFF_HOP = 24,
    OFF_WINDOW = 28,
    OFF_FLOOR_DB = 32,
    OFF_N_INPUT = 36,
    OFF_N_LATENT = 40,
    OFF_N_HIDDEN = 44,
    OFF_HIDDEN = 48,
    OFF_ACT = OFF_HIDDEN + 4 * FILE_HIDDEN_SLOTS,
    OFF_EPOCHS = OFF_ACT + 4,
    OFF_TRAIN_FILES = OFF_EPOCHS + 4,
    OFF_VAL_FILES = OFF_TRAIN_FILES + 4,
    OFF_TRAIN_FRAMES = OFF_VAL_FILES + 4,
    OFF_VAL_FRAMES = OFF_TRAIN_FRAMES + 8,
    OFF_SEED = OFF_VAL_FRAMES + 8,
    OFF_BETA = OFF_SEED + 8,
    OFF_TRAIN_SECONDS = OFF_BETA + 4,
    OFF_TRAIN_LSD = OFF_TRAIN_SECONDS + 4,
    OFF_VAL_LSD = OFF_TRAIN_LSD + 4,
    OFF_PCA_VAL_LSD = OFF_VAL_LSD + 4,
    OFF_VAL_ELBO = OFF_PCA_VAL_LSD + 4,
    HEADER_SIZE_V1 = OFF_VAL_ELBO + 4,
    OFF_PITCH_MODE = HEADER_SIZE_V1,
    OFF_REL_PPO = OFF_PITCH_MODE + 4,
    OFF_REL_BELOW = OFF_REL_PPO + 4,
    OFF_REL_F0_MIN = OFF_REL_BELOW + 4,
    OFF_REL_F0_REF = OFF_REL_F0_MIN + 4,
    OFF_PITCH_LO = OFF_REL_F0_REF + 4,
    OFF_PITCH_HI = OFF_PITCH_LO + 4,
    OFF_VOICED = OFF_PITCH_HI + 4,
    HEADER_SIZE_V2 = OFF_VOICED + 4,
    OFF_LEVEL_MODE = HEADER_SIZE_V2,
    OFF_LEVEL_DB = OFF_LEVEL_MODE + 4,
    HEADER_SIZE_V3 = OFF_LEVEL_DB + 4
};
_Static_assert(HEADER_SIZE_V1 == 144, "format v1 header is 144 bytes");
_Static_assert(HEADER_SIZE_V2 == 176, "format v2 header is 176 bytes");
_Static_assert(HEADER_SIZE_V3 == 184, "format v3 header is 184 bytes");

/* Smallest possible file: the v1 header, the record count and the CRC. */
#define MIN_FILE_BYTES ((size_t)HEADER_SIZE_V1 + 8)
/* Smallest record: name length, a 1-byte name, dtype, ndim = 1, one dim, one
 * 4-byte value (dims are at least 1). Bounds the record count. */
#define MIN_RECORD_BYTES 21u

/* Sample rates outside telephone band .. the fastest common converters are
 * certainly a mistake. */
#define SAMPLE_RATE_MIN 8000u
#define SAMPLE_RATE_MAX 384000u

/* A record the model keeps but does not use: values as stored, 4 bytes each. */
typedef struct extra {
    char name[ANC_TENSOR_NAME_MAX];
    uint32_t dtype, ndim, dims[2];
    size_t count;
    uint8_t *data; /* count * 4 bytes, host order (a float or uint32_t array) */
} extra;

struct anc_model {
    anc_model_header h;
    /* The shape the arrays were allocated for, kept apart from h because callers
     * may write h through anc_model_header_mut(). */
    uint32_t n_fft;
    anc_vae_config arch;
    size_t n_params;
    float *params;                            /* anc_vae_layout block */
    float *feat_mean, *feat_std;              /* [arch.n_input] */
    float *lat_kl, *lat_mu_mean, *lat_mu_std; /* [n_latent] */
    uint32_t *lat_order;                      /* [n_latent] */
    int n_extras;
    extra extras[ANC_MODEL_MAX_EXTRAS];       /* in file order */
};

/* ---- CRC-32 ------------------------------------------------------------- */

/* Table for the reflected IEEE 802.3 polynomial 0xEDB88320 (as zlib's crc32):
 * entry n is n shifted through eight rounds of the polynomial division. */
static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

uint32_t anc_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* ---- little-endian bytes -------------------------------------------------- */

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = get_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    put_u32(p, u);
}

/* ---- errors ------------------------------------------------------------- */

/* Sets err to the message, followed by " (offset N)" when offset >= 0. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static anc_status fail(anc_error *err, anc_status s, long long offset, const char *fmt, ...)
{
    char msg[ANC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (offset < 0)
        return anc_error_set(err, s, "%s", msg);
    return anc_error_set(err, s, "%s (offset %lld)", msg, offset);
}

/* ---- header ------------------------------------------------------------- */

/* Range checks shared by anc_model_create() (bad = ANC_E_INVALID, no offsets)
 * and the loader (bad = ANC_E_FORMAT, in_file: messages give byte offsets). */
static anc_status check_header(const anc_model_header *h, anc_status bad, int in_file,
                               anc_error *err)
{
#define AT(off) (in_file ? (long long)(off) : -1LL)
    if (h->sample_rate < SAMPLE_RATE_MIN || h->sample_rate > SAMPLE_RATE_MAX)
        return fail(err, bad, AT(OFF_SAMPLE_RATE), "sample_rate %u Hz out of range %u..%u",
                    (unsigned)h->sample_rate, SAMPLE_RATE_MIN, SAMPLE_RATE_MAX);
    if (h->n_fft < ANC_STFT_MIN_FFT || h->n_fft > ANC_MODEL_MAX_FFT || h->n_fft % 2)
        return fail(err, bad, AT(OFF_N_FFT), "n_fft %u is not an even size in %d..%d",
                    (unsigned)h->n_fft, ANC_STFT_MIN_FFT, ANC_MODEL_MAX_FFT);
    if (h->hop < 1 || h->hop > h->n_fft / 2)
        return fail(err, bad, AT(OFF_HOP), "hop %u out of range 1..%u (n_fft/2)",
                    (unsigned)h->hop, (unsigned)h->n_fft / 2);
    if (h->window != ANC_WINDOW_HANN)
        return fail(err, bad, AT(OFF_WINDOW), "unknown window %u", (unsigned)h->window);
    if (!isfinite(h->floor_db))
        return fail(err, ANC_E_NUMERIC, AT(OFF_FLOOR_DB), "floor_db is not finite");

    anc_error e;
    anc_error_clear(&e);
    if (anc_vae_config_check(&h->arch, &e) != ANC_OK)
        return fail(err, bad, AT(OFF_N_INPUT), "architecture: %s", e.message);
    if (h->pitch_mode == ANC_PITCH_RELATIVE) {
        anc_relfreq_config rc;
        anc_model_relfreq_config(h, &rc);
        if (anc_relfreq_config_check(&rc, &e) != ANC_OK)
            return fail(err, bad, AT(OFF_REL_PPO), "%s", e.message);
        const int K = anc_relfreq_size(&rc);
        if (h->arch.n_input != K)
            return fail(err, bad, AT(OFF_N_INPUT),
                        "arch.n_input %d, expected %d (points of the relative axis)",
                        h->arch.n_input, K);
    } else if (h->pitch_mode != ANC_PITCH_ABSOLUTE) {
        return fail(err, bad, AT(OFF_PITCH_MODE), "pitch_mode %u is neither absolute (0) nor "
                    "relative (1)", (unsigned)h->pitch_mode);
    } else if ((uint32_t)h->arch.n_input != h->n_fft / 2 + 1) {
        return fail(err, bad, AT(OFF_N_INPUT), "arch.n_input %d, expected %u (n_fft/2+1)",
                    h->arch.n_input, (unsigned)h->n_fft / 2 + 1);
    }

    const struct {
        const char *name;
        float v;
        int off;
    } summary[] = {
        {"beta", h->beta, OFF_BETA},
        {"train_seconds", h->train_seconds, OFF_TRAIN_SECONDS},
        {"train_lsd_db", h->train_lsd_db, OFF_TRAIN_LSD},
        {"val_lsd_db", h->val_lsd_db, OFF_VAL_LSD},
        {"pca_val_lsd_db", h->pca_val_lsd_db, OFF_PCA_VAL_LSD},
        {"val_elbo_nats_per_frame", h->val_elbo_nats_per_frame, OFF_VAL_ELBO},
        {"pitch_lo_hz", h->pitch_lo_hz, OFF_PITCH_LO},
        {"pitch_hi_hz", h->pitch_hi_hz, OFF_PITCH_HI},
        {"voiced_fraction", h->voiced_fraction, OFF_VOICED},
        {"level_db", h->level_db, OFF_LEVEL_DB},
    };
    for (size_t i = 0; i < sizeof summary / sizeof summary[0]; i++)
        if (!isfinite(summary[i].v))
            return fail(err, ANC_E_NUMERIC, AT(summary[i].off), "%s is not finite",
                        summary[i].name);
    if (h->pitch_lo_hz < 0.0f || h->pitch_hi_hz < h->pitch_lo_hz || h->voiced_fraction < 0.0f ||
        h->voiced_fraction > 1.0f)
        return fail(err, bad, AT(OFF_PITCH_LO), "pitch range %g..%g Hz or voiced fraction %g "
                    "impossible", h->pitch_lo_hz, h->pitch_hi_hz, h->voiced_fraction);
    if (h->level_mode > ANC_LEVEL_NORMALIZED)
        return fail(err, bad, AT(OFF_LEVEL_MODE), "level_mode %u is neither kept (0) nor "
                    "normalised (1)", (unsigned)h->level_mode);
    if (h->level_mode == ANC_LEVEL_NORMALIZED &&
        (h->level_db < ANC_MODEL_MIN_LEVEL_DB || h->level_db > ANC_MODEL_MAX_LEVEL_DB))
        return fail(err, bad, AT(OFF_LEVEL_DB), "level_db %g out of range %g..%g dB",
                    h->level_db, ANC_MODEL_MIN_LEVEL_DB, ANC_MODEL_MAX_LEVEL_DB);
    if (h->level_mode == ANC_LEVEL_KEPT && h->level_db != 0.0f)
        return fail(err, bad, AT(OFF_LEVEL_DB), "level_db %g set on a model that keeps "
                    "levels", h->level_db);
    return ANC_OK;
#undef AT
}

static int same_arch(const anc_vae_config *a, const anc_vae_config *b)
{
    if (a->n_input != b->n_input || a->n_latent != b->n_latent || a->n_hidden != b->n_hidden ||
        a->act != b->act)
        return 0;
    for (int i = 0; i < a->n_hidden; i++)
        if (a->hidden[i] != b->hidden[i])
            return 0;
    return 1;
}

void anc_model_relfreq_config(const anc_model_header *h, anc_relfreq_config *c)
{
    c->rate = h->sample_rate;
    c->n_fft = (int)h->n_fft;
    c->points_per_octave = (int)h->rel_points_per_octave;
    c->octaves_below = h->rel_octaves_below;
    c->f0_min = h->rel_f0_min;
    c->f0_ref = h->rel_f0_ref;
}

/* Version 1 for an absolute model without pitch statistics (model.h), 3 for a
 * level-normalised model, else 2. */
static int header_size_for(const anc_model_header *h)
{
    if (h->level_mode != ANC_LEVEL_KEPT)
        return HEADER_SIZE_V3;
    const int v1 = h->pitch_mode == ANC_PITCH_ABSOLUTE && h->rel_points_per_octave == 0 &&
                   h->rel_octaves_below == 0.0f && h->rel_f0_min == 0.0f &&
                   h->rel_f0_ref == 0.0f && h->pitch_lo_hz == 0.0f && h->pitch_hi_hz == 0.0f &&
                   h->voiced_fraction == 0.0f;
    return v1 ? HEADER_SIZE_V1 : HEADER_SIZE_V2;
}

/* Writes the header (version by header_size_for); arch is the model's own
 * (unused widths zero). */
static void write_header(uint8_t *p, const anc_model_header *h, const anc_vae_config *arch)
{
    const int size = header_size_for(h);
    memcpy(p + OFF_MAGIC, ANC_MODEL_MAGIC, 8);
    put_u32(p + OFF_VERSION, size == HEADER_SIZE_V1 ? 1u : size == HEADER_SIZE_V2 ? 2u : 3u);
    put_u32(p + OFF_HEADER_SIZE, (uint32_t)size);
    put_u32(p + OFF_SAMPLE_RATE, h->sample_rate);
    put_u32(p + OFF_N_FFT, h->n_fft);
    put_u32(p + OFF_HOP, h->hop);
    put_u32(p + OFF_WINDOW, h->window);
    put_f32(p + OFF_FLOOR_DB, h->floor_db);
    put_u32(p + OFF_N_INPUT, (uint32_t)arch->n_input);
    put_u32(p + OFF_N_LATENT, (uint32_t)arch->n_latent);
    put_u32(p + OFF_N_HIDDEN, (uint32_t)arch->n_hidden);
    for (int i = 0; i < FILE_HIDDEN_SLOTS; i++)
        put_u32(p + OFF_HIDDEN + 4 * i, (uint32_t)arch->hidden[i]);
    put_u32(p + OFF_ACT, (uint32_t)arch->act);
    put_u32(p + OFF_EPOCHS, h->epochs);
    put_u32(p + OFF_TRAIN_FILES, h->train_files);
    put_u32(p + OFF_VAL_FILES, h->val_files);
    put_u64(p + OFF_TRAIN_FRAMES, h->train_frames);
    put_u64(p + OFF_VAL_FRAMES, h->val_frames);
    put_u64(p + OFF_SEED, h->seed);
    put_f32(p + OFF_BETA, h->beta);
    put_f32(p + OFF_TRAIN_SECONDS, h->train_seconds);
    put_f32(p + OFF_TRAIN_LSD, h->train_lsd_db);
    put_f32(p + OFF_VAL_LSD, h->val_lsd_db);
    put_f32(p + OFF_PCA_VAL_LSD, h->pca_val_lsd_db);
    put_f32(p + OFF_VAL_ELBO, h->val_elbo_nats_per_frame);
    if (size == HEADER_SIZE_V1)
        return;
    put_u32(p + OFF_PITCH_MODE, h->pitch_mode);
    put_u32(p + OFF_REL_PPO, h->rel_points_per_octave);
    put_f32(p + OFF_REL_BELOW, h->rel_octaves_below);
    put_f32(p + OFF_REL_F0_MIN, h->rel_f0_min);
    put_f32(p + OFF_REL_F0_REF, h->rel_f0_ref);
    put_f32(p + OFF_PITCH_LO, h->pitch_lo_hz);
    put_f32(p + OFF_PITCH_HI, h->pitch_hi_hz);
    put_f32(p + OFF_VOICED, h->voiced_fraction);
    if (size == HEADER_SIZE_V2)
        return;
    put_u32(p + OFF_LEVEL_MODE, h->level_mode);
    put_f32(p + OFF_LEVEL_DB, h->level_db);
}

/* Reads and checks the header of a file of this version whose header is at least
 * that version's size. */
static anc_status read_header(const uint8_t *p, uint32_t version, anc_model_header *h,
                              anc_error *err)
{
    memset(h, 0, sizeof *h);
    h->sample_rate = get_u32(p + OFF_SAMPLE_RATE);
    h->n_fft = get_u32(p + OFF_N_FFT);
    h->hop = get_u32(p + OFF_HOP);
    h->window = get_u32(p + OFF_WINDOW);
    h->floor_db = get_f32(p + OFF_FLOOR_DB);

    /* The architecture is ints in memory and u32 on disk: anything above INT_MAX
     * is out of range before it is converted. */
    int *arch_ints[3 + FILE_HIDDEN_SLOTS] = {&h->arch.n_input, &h->arch.n_latent,
                                             &h->arch.n_hidden};
    for (int i = 0; i < FILE_HIDDEN_SLOTS; i++)
        arch_ints[3 + i] = &h->arch.hidden[i];
    for (int i = 0; i < 3 + FILE_HIDDEN_SLOTS; i++) {
        static const char *const names[3] = {"arch.n_input", "arch.n_latent", "arch.n_hidden"};
        uint32_t v = get_u32(p + OFF_N_INPUT + 4 * i);
        if (v > INT_MAX) {
            if (i < 3)
                return fail(err, ANC_E_FORMAT, OFF_N_INPUT + 4 * i, "%s %u out of range",
                            names[i], (unsigned)v);
            return fail(err, ANC_E_FORMAT, OFF_N_INPUT + 4 * i, "arch.hidden[%d] %u out of range",
                        i - 3, (unsigned)v);
        }
        *arch_ints[i] = (int)v;
    }
    uint32_t act = get_u32(p + OFF_ACT);
    if (act >= ANC_ACT_COUNT)
        return fail(err, ANC_E_FORMAT, OFF_ACT, "arch.act %u is not a known activation",
                    (unsigned)act);
    h->arch.act = (anc_activation)act;

    h->epochs = get_u32(p + OFF_EPOCHS);
    h->train_files = get_u32(p + OFF_TRAIN_FILES);
    h->val_files = get_u32(p + OFF_VAL_FILES);
    h->train_frames = get_u64(p + OFF_TRAIN_FRAMES);
    h->val_frames = get_u64(p + OFF_VAL_FRAMES);
    h->seed = get_u64(p + OFF_SEED);
    h->beta = get_f32(p + OFF_BETA);
    h->train_seconds = get_f32(p + OFF_TRAIN_SECONDS);
    h->train_lsd_db = get_f32(p + OFF_TRAIN_LSD);
    h->val_lsd_db = get_f32(p + OFF_VAL_LSD);
    h->pca_val_lsd_db = get_f32(p + OFF_PCA_VAL_LSD);
    h->val_elbo_nats_per_frame = get_f32(p + OFF_VAL_ELBO);
    if (version >= 2) {
        h->pitch_mode = get_u32(p + OFF_PITCH_MODE);
        h->rel_points_per_octave = get_u32(p + OFF_REL_PPO);
        h->rel_octaves_below = get_f32(p + OFF_REL_BELOW);
        h->rel_f0_min = get_f32(p + OFF_REL_F0_MIN);
        h->rel_f0_ref = get_f32(p + OFF_REL_F0_REF);
        h->pitch_lo_hz = get_f32(p + OFF_PITCH_LO);
        h->pitch_hi_hz = get_f32(p + OFF_PITCH_HI);
        h->voiced_fraction = get_f32(p + OFF_VOICED);
    }
    if (version >= 3) {
        h->level_mode = get_u32(p + OFF_LEVEL_MODE);
        h->level_db = get_f32(p + OFF_LEVEL_DB);
    }

    anc_status st = check_header(h, ANC_E_FORMAT, 1, err);
    if (st != ANC_OK)
        return st;
    /* Unused slots are written as zero; anything else is damage or a writer bug. */
    for (int i = h->arch.n_hidden; i < FILE_HIDDEN_SLOTS; i++)
        if (h->arch.hidden[i] != 0)
            return fail(err, ANC_E_FORMAT, OFF_HIDDEN + 4 * i,
                        "arch.hidden[%d] is %d but only %d hidden layers (unused widths must be 0)",
                        i, h->arch.hidden[i], h->arch.n_hidden);
    return ANC_OK;
}

/* ---- the model ------------------------------------------------------------ */

/* Allocates a model for a checked header: arrays zero except feature.std = 1
 * and latent.order = identity, so a fresh model is valid as it stands. */
static anc_status model_alloc(anc_model **out, const anc_model_header *h, anc_error *err)
{
    anc_model *m = calloc(1, sizeof *m);
    if (!m)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for a model");
    m->h = *h;
    for (int i = h->arch.n_hidden; i < ANC_MAX_HIDDEN; i++)
        m->h.arch.hidden[i] = 0;
    m->n_fft = m->h.n_fft;
    m->arch = m->h.arch;
    anc_vae_layout(&m->arch, NULL, &m->n_params);

    const size_t bins = (size_t)m->arch.n_input, L = (size_t)m->arch.n_latent;
    m->params = calloc(m->n_params, sizeof *m->params);
    m->feat_mean = calloc(bins, sizeof *m->feat_mean);
    m->feat_std = calloc(bins, sizeof *m->feat_std);
    m->lat_kl = calloc(L, sizeof *m->lat_kl);
    m->lat_mu_mean = calloc(L, sizeof *m->lat_mu_mean);
    m->lat_mu_std = calloc(L, sizeof *m->lat_mu_std);
    m->lat_order = calloc(L, sizeof *m->lat_order);
    if (!m->params || !m->feat_mean || !m->feat_std || !m->lat_kl || !m->lat_mu_mean ||
        !m->lat_mu_std || !m->lat_order) {
        size_t n = m->n_params;
        anc_model_free(m);
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for a model of %zu parameters", n);
    }
    for (size_t k = 0; k < bins; k++)
        m->feat_std[k] = 1.0f;
    for (size_t j = 0; j < L; j++)
        m->lat_order[j] = (uint32_t)j;
    *out = m;
    return ANC_OK;
}

anc_status anc_model_create(anc_model **out, const anc_model_header *h, anc_error *err)
{
    if (!out)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_create: no output pointer");
    *out = NULL;
    if (!h)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_create: no header");
    anc_status st = check_header(h, ANC_E_INVALID, 0, err);
    if (st != ANC_OK)
        return st;
    st = model_alloc(out, h, err);
    if (st == ANC_OK)
        anc_error_clear(err);
    return st;
}

void anc_model_free(anc_model *m)
{
    if (!m)
        return;
    free(m->params);
    free(m->feat_mean);
    free(m->feat_std);
    free(m->lat_kl);
    free(m->lat_mu_mean);
    free(m->lat_mu_std);
    free(m->lat_order);
    for (int i = 0; i < m->n_extras; i++)
        free(m->extras[i].data);
    free(m);
}

const anc_model_header *anc_model_get_header(const anc_model *m) { return &m->h; }
anc_model_header *anc_model_header_mut(anc_model *m) { return &m->h; }
float *anc_model_params(anc_model *m) { return m->params; }
const float *anc_model_params_const(const anc_model *m) { return m->params; }
size_t anc_model_num_params(const anc_model *m) { return m->n_params; }
float *anc_model_feature_mean(anc_model *m) { return m->feat_mean; }
float *anc_model_feature_std(anc_model *m) { return m->feat_std; }
const float *anc_model_feature_mean_const(const anc_model *m) { return m->feat_mean; }
const float *anc_model_feature_std_const(const anc_model *m) { return m->feat_std; }

void anc_model_tensors(const anc_model *m, anc_vae_tensors *t)
{
    anc_vae_point(&m->arch, m->params, t);
}

void anc_model_decoder(const anc_model *m, anc_mlp *dec)
{
    anc_vae_tensors t;
    anc_model_tensors(m, &t);
    anc_vae_decoder(&m->arch, &t, dec);
}

void anc_model_latent_stats(const anc_model *m, anc_latent_stats *s)
{
    s->kl = m->lat_kl;
    s->mu_mean = m->lat_mu_mean;
    s->mu_std = m->lat_mu_std;
    s->order = m->lat_order;
}

/* ---- records -------------------------------------------------------------- */

/* Index of the first byte of name[0..n) outside printable ASCII without space
 * (names go into messages), or n when all are fine. */
static size_t bad_name_byte(const uint8_t *name, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return i;
    return n;
}

/* One record the format knows, with where its values live in the model. */
typedef struct rec_spec {
    char name[ANC_TENSOR_NAME_MAX];
    uint32_t dtype;
    uint32_t ndim;
    uint32_t dims[2];
    size_t count;  /* values */
    float *f;      /* destination of an f32 record */
    uint32_t *u;   /* destination of a u32 record */
    size_t at;     /* loader: file offset of the values */
    int seen;      /* loader: record found */
} rec_spec;

#define MAX_RECORDS (ANC_VAE_MAX_TENSORS + 6)

/* cols = 0 makes a vector [rows]. */
static void spec_set(rec_spec *s, const char *name, uint32_t dtype, size_t rows, size_t cols,
                     float *f, uint32_t *u)
{
    memset(s, 0, sizeof *s);
    /* names are the layout's and the fixed ones below, all shorter than the field */
    if (snprintf(s->name, sizeof s->name, "%s", name) >= (int)sizeof s->name)
        s->name[0] = '\0';
    s->dtype = dtype;
    s->ndim = cols ? 2 : 1;
    s->dims[0] = (uint32_t)rows;
    s->dims[1] = (uint32_t)cols;
    s->count = rows * (cols ? cols : 1);
    s->f = f;
    s->u = u;
}

/* The records of m in file order: the VAE tensors in block order, then the
 * feature normalisation and the latent statistics. */
static int record_specs(const anc_model *m, rec_spec *s)
{
    anc_tensor_info info[ANC_VAE_MAX_TENSORS];
    const int nt = anc_vae_layout(&m->arch, info, NULL);
    const size_t bins = (size_t)m->arch.n_input, L = (size_t)m->arch.n_latent;
    int n = 0;
    for (int i = 0; i < nt; i++) {
        spec_set(&s[n++], info[i].name, ANC_DTYPE_F32, (size_t)info[i].rows,
                 info[i].ndim == 2 ? (size_t)info[i].cols : 0, m->params + info[i].offset, NULL);
    }
    spec_set(&s[n++], "feature.mean", ANC_DTYPE_F32, bins, 0, m->feat_mean, NULL);
    spec_set(&s[n++], "feature.std", ANC_DTYPE_F32, bins, 0, m->feat_std, NULL);
    spec_set(&s[n++], "latent.kl", ANC_DTYPE_F32, L, 0, m->lat_kl, NULL);
    spec_set(&s[n++], "latent.mu_mean", ANC_DTYPE_F32, L, 0, m->lat_mu_mean, NULL);
    spec_set(&s[n++], "latent.mu_std", ANC_DTYPE_F32, L, 0, m->lat_mu_std, NULL);
    spec_set(&s[n++], "latent.order", ANC_DTYPE_U32, L, 0, NULL, m->lat_order);
    return n;
}

static rec_spec *find_spec(rec_spec *s, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].name, name))
            return &s[i];
    return NULL;
}

static extra *find_extra(const anc_model *m, const char *name)
{
    for (int i = 0; i < m->n_extras; i++)
        if (!strcmp(m->extras[i].name, name))
            return (extra *)&m->extras[i];
    return NULL;
}

anc_status anc_model_set_extra(anc_model *m, const char *name, unsigned dtype, const void *data,
                               size_t count, anc_error *err)
{
    if (!m || !name || !data)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_set_extra: no model, name or data");
    const size_t nl = strlen(name);
    if (nl < 1 || nl >= ANC_TENSOR_NAME_MAX ||
        bad_name_byte((const uint8_t *)name, nl) != nl)
        return anc_error_set(err, ANC_E_INVALID,
                             "extra record name must be 1..%d printable ASCII characters",
                             ANC_TENSOR_NAME_MAX - 1);
    rec_spec s[MAX_RECORDS];
    if (find_spec(s, record_specs(m, s), name))
        return anc_error_set(err, ANC_E_INVALID, "extra record %s: the model has its own record "
                             "of that name", name);
    if (dtype != ANC_DTYPE_F32 && dtype != ANC_DTYPE_U32)
        return anc_error_set(err, ANC_E_INVALID, "extra record %s: unknown dtype %u", name, dtype);
    if (count < 1 || count > ANC_MODEL_MAX_BYTES / 4)
        return anc_error_set(err, ANC_E_INVALID, "extra record %s: %zu values, range 1..%zu",
                             name, count, ANC_MODEL_MAX_BYTES / 4);
    extra *x = find_extra(m, name);
    if (!x && m->n_extras == ANC_MODEL_MAX_EXTRAS)
        return anc_error_set(err, ANC_E_INVALID, "extra record %s: a model holds at most %d extras",
                             name, ANC_MODEL_MAX_EXTRAS);
    uint8_t *copy = malloc(count * 4);
    if (!copy)
        return anc_error_set(err, ANC_E_NOMEM, "extra record %s: out of memory for %zu values",
                             name, count);
    memcpy(copy, data, count * 4);
    if (x)
        free(x->data);
    else
        x = &m->extras[m->n_extras++];
    memset(x, 0, sizeof *x);
    memcpy(x->name, name, nl + 1);
    x->dtype = dtype;
    x->ndim = 1;
    x->dims[0] = (uint32_t)count;
    x->count = count;
    x->data = copy;
    anc_error_clear(err);
    return ANC_OK;
}

const void *anc_model_get_extra(const anc_model *m, const char *name, unsigned dtype,
                                size_t *count)
{
    const extra *x = m && name ? find_extra(m, name) : NULL;
    if (!x || x->dtype != dtype) {
        if (count)
            *count = 0;
        return NULL;
    }
    if (count)
        *count = x->count;
    return x->data;
}

static void shape_str(char *buf, size_t size, uint32_t ndim, const uint32_t *dims)
{
    if (ndim == 1)
        snprintf(buf, size, "%u", (unsigned)dims[0]);
    else
        snprintf(buf, size, "%ux%u", (unsigned)dims[0], (unsigned)dims[1]);
}

/* Writes a record's name, dtype, ndim and dims at pos; returns where its values go. */
static size_t put_record_head(uint8_t *p, size_t pos, const char *name, uint32_t dtype,
                              uint32_t ndim, const uint32_t *dims)
{
    const size_t nl = strlen(name);
    put_u32(p + pos, (uint32_t)nl);
    memcpy(p + pos + 4, name, nl);
    pos += 4 + nl;
    put_u32(p + pos, dtype);
    put_u32(p + pos + 4, ndim);
    pos += 8;
    for (uint32_t d = 0; d < ndim; d++, pos += 4)
        put_u32(p + pos, dims[d]);
    return pos;
}

anc_status anc_model_serialize(const anc_model *m, void **buf, size_t *len, anc_error *err)
{
    if (!buf || !len)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_serialize: no output pointer");
    *buf = NULL;
    *len = 0;
    if (!m)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_serialize: no model");
    /* The header is writable through anc_model_header_mut(): make sure it still
     * describes the arrays and passes the loader's checks. */
    if (m->h.n_fft != m->n_fft || !same_arch(&m->h.arch, &m->arch))
        return anc_error_set(err, ANC_E_INVALID,
                             "the header's n_fft or architecture changed after the model was "
                             "created");
    anc_status st = check_header(&m->h, ANC_E_INVALID, 0, err);
    if (st != ANC_OK)
        return st;

    rec_spec s[MAX_RECORDS];
    const int n = record_specs(m, s);
    uint64_t total = (uint64_t)header_size_for(&m->h) + 8;
    for (int i = 0; i < n; i++)
        total += 12 + strlen(s[i].name) + 4 * (uint64_t)s[i].ndim + 4 * (uint64_t)s[i].count;
    for (int i = 0; i < m->n_extras; i++) {
        const extra *x = &m->extras[i];
        total += 12 + strlen(x->name) + 4 * (uint64_t)x->ndim + 4 * (uint64_t)x->count;
    }
    if (total > ANC_MODEL_MAX_BYTES)
        return anc_error_set(err, ANC_E_INVALID, "model of %llu bytes exceeds the %zu-byte limit",
                             (unsigned long long)total, ANC_MODEL_MAX_BYTES);

    uint8_t *p = malloc((size_t)total);
    if (!p)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory for %llu bytes of model file",
                             (unsigned long long)total);
    write_header(p, &m->h, &m->arch);
    size_t pos = (size_t)header_size_for(&m->h);
    put_u32(p + pos, (uint32_t)(n + m->n_extras));
    pos += 4;
    for (int i = 0; i < n; i++) {
        const rec_spec *r = &s[i];
        pos = put_record_head(p, pos, r->name, r->dtype, r->ndim, r->dims);
        for (size_t k = 0; k < r->count; k++, pos += 4) {
            if (r->dtype == ANC_DTYPE_F32)
                put_f32(p + pos, r->f[k]);
            else
                put_u32(p + pos, r->u[k]);
        }
    }
    for (int i = 0; i < m->n_extras; i++) {
        const extra *x = &m->extras[i];
        pos = put_record_head(p, pos, x->name, x->dtype, x->ndim, x->dims);
        for (size_t k = 0; k < x->count; k++, pos += 4) {
            uint32_t u;
            memcpy(&u, x->data + 4 * k, 4);
            put_u32(p + pos, u);
        }
    }
    put_u32(p + pos, anc_crc32(0, p, pos));
    *buf = p;
    *len = (size_t)total;
    anc_error_clear(err);
    return ANC_OK;
}

/* Parses the records of p[pos .. end) (end is where the CRC starts) into m. */
static anc_status read_records(anc_model *m, const uint8_t *p, size_t pos, size_t end,
                               anc_error *err)
{
    rec_spec s[MAX_RECORDS];
    const int ns = record_specs(m, s);
    char shape[32], want[32];

    const size_t count_at = pos;
    if (end - pos < 4)
        return fail(err, ANC_E_TRUNCATED, (long long)pos, "record count past the end");
    const uint32_t count = get_u32(p + pos);
    pos += 4;
    if (count > (end - pos) / MIN_RECORD_BYTES)
        return fail(err, ANC_E_TRUNCATED, (long long)count_at,
                    "record count %u: the %zu bytes that remain hold at most %zu records",
                    (unsigned)count, end - pos, (end - pos) / MIN_RECORD_BYTES);

    for (uint32_t r = 0; r < count; r++) {
        const size_t rec_at = pos;
        if (end - pos < 4)
            return fail(err, ANC_E_TRUNCATED, (long long)pos, "record %u: name length past the end",
                        (unsigned)r);
        const uint32_t nl = get_u32(p + pos);
        if (nl < 1 || nl >= ANC_TENSOR_NAME_MAX)
            return fail(err, ANC_E_FORMAT, (long long)pos, "record %u: name length %u out of range 1..%d",
                        (unsigned)r, (unsigned)nl, ANC_TENSOR_NAME_MAX - 1);
        pos += 4;
        if (end - pos < nl)
            return fail(err, ANC_E_TRUNCATED, (long long)pos, "record %u: name past the end",
                        (unsigned)r);
        const size_t bad = bad_name_byte(p + pos, nl);
        if (bad != nl)
            return fail(err, ANC_E_FORMAT, (long long)(pos + bad),
                        "record %u: name byte 0x%02x is not printable ASCII", (unsigned)r,
                        (unsigned)p[pos + bad]);
        char name[ANC_TENSOR_NAME_MAX];
        memcpy(name, p + pos, nl);
        name[nl] = '\0';
        pos += nl;

        if (end - pos < 8)
            return fail(err, ANC_E_TRUNCATED, (long long)pos, "tensor %s: dtype and ndim past the end",
                        name);
        const uint32_t dtype = get_u32(p + pos), ndim = get_u32(p + pos + 4);
        if (dtype != ANC_DTYPE_F32 && dtype != ANC_DTYPE_U32)
            return fail(err, ANC_E_FORMAT, (long long)pos, "tensor %s: unknown dtype %u", name,
                        (unsigned)dtype);
        if (ndim < 1 || ndim > 2)
            return fail(err, ANC_E_FORMAT, (long long)(pos + 4), "tensor %s: ndim %u out of range 1..2",
                        name, (unsigned)ndim);
        pos += 8;
        if (end - pos < 4 * (size_t)ndim)
            return fail(err, ANC_E_TRUNCATED, (long long)pos, "tensor %s: dims past the end", name);
        const size_t dims_at = pos;
        uint32_t dims[2] = {0, 0};
        for (uint32_t d = 0; d < ndim; d++, pos += 4) {
            dims[d] = get_u32(p + pos);
            if (dims[d] == 0)
                return fail(err, ANC_E_FORMAT, (long long)pos, "tensor %s: dims[%u] is 0", name,
                            (unsigned)d);
        }
        /* Bound the value count by what remains while multiplying, so it can
         * neither overflow nor point past the end. */
        const size_t cap = (end - pos) / 4;
        size_t nv = 1;
        for (uint32_t d = 0; d < ndim; d++) {
            if (dims[d] > cap / nv) {
                shape_str(shape, sizeof shape, ndim, dims);
                return fail(err, ANC_E_TRUNCATED, (long long)dims_at,
                            "tensor %s: shape %s needs more than the %zu bytes that remain", name,
                            shape, end - pos);
            }
            nv *= dims[d];
        }

        rec_spec *sp = find_spec(s, ns, name);
        if (!sp) {
            /* An extra (checkpoint state, a later writer's data): kept as stored. */
            if (find_extra(m, name))
                return fail(err, ANC_E_FORMAT, (long long)rec_at, "extra record %s: duplicate",
                            name);
            if (m->n_extras == ANC_MODEL_MAX_EXTRAS)
                return fail(err, ANC_E_FORMAT, (long long)rec_at,
                            "extra record %s: more than %d extra records", name,
                            ANC_MODEL_MAX_EXTRAS);
            extra *x = &m->extras[m->n_extras];
            memset(x, 0, sizeof *x);
            x->data = malloc(4 * nv);
            if (!x->data)
                return anc_error_set(err, ANC_E_NOMEM, "extra record %s: out of memory for %zu "
                                     "values", name, nv);
            m->n_extras++;
            memcpy(x->name, name, nl + 1);
            x->dtype = dtype;
            x->ndim = ndim;
            x->dims[0] = dims[0];
            x->dims[1] = dims[1];
            x->count = nv;
            for (size_t k = 0; k < nv; k++, pos += 4) {
                const uint32_t u = get_u32(p + pos);
                memcpy(x->data + 4 * k, &u, 4);
            }
            continue;
        }
        if (sp->seen)
            return fail(err, ANC_E_FORMAT, (long long)rec_at, "tensor %s: duplicate record", name);
        if (dtype != sp->dtype)
            return fail(err, ANC_E_FORMAT, (long long)(dims_at - 8), "tensor %s: dtype %u expected %u",
                        name, (unsigned)dtype, (unsigned)sp->dtype);
        if (ndim != sp->ndim || dims[0] != sp->dims[0] || (ndim == 2 && dims[1] != sp->dims[1])) {
            shape_str(shape, sizeof shape, ndim, dims);
            shape_str(want, sizeof want, sp->ndim, sp->dims);
            return fail(err, ANC_E_FORMAT, (long long)dims_at, "tensor %s: shape %s expected %s",
                        name, shape, want);
        }
        sp->at = pos;
        for (size_t k = 0; k < nv; k++, pos += 4) {
            if (sp->dtype == ANC_DTYPE_U32) {
                sp->u[k] = get_u32(p + pos);
                continue;
            }
            const float v = get_f32(p + pos);
            if (!isfinite(v))
                return fail(err, ANC_E_NUMERIC, (long long)pos, "tensor %s: value %zu is %s", name, k,
                            isnan(v) ? "NaN" : "infinite");
            sp->f[k] = v;
        }
        sp->seen = 1;
    }
    if (pos != end)
        return fail(err, ANC_E_FORMAT, (long long)pos,
                    "%zu unexpected bytes between the last record and the checksum", end - pos);
    for (int i = 0; i < ns; i++)
        if (!s[i].seen)
            return fail(err, ANC_E_FORMAT, (long long)count_at,
                        "tensor %s missing from the %u records", s[i].name, (unsigned)count);

    /* Values the engine divides by or indexes with. */
    const rec_spec *std = find_spec(s, ns, "feature.std");
    for (size_t k = 0; k < std->count; k++)
        if (!(std->f[k] > 0.0f))
            return fail(err, ANC_E_FORMAT, (long long)(std->at + 4 * k),
                        "tensor feature.std: value %zu is %g, not positive", k, (double)std->f[k]);
    const rec_spec *order = find_spec(s, ns, "latent.order");
    unsigned char used[ANC_MAX_LATENT] = {0};
    for (size_t j = 0; j < order->count; j++) {
        uint32_t v = order->u[j];
        if (v >= order->count || used[v])
            return fail(err, ANC_E_FORMAT, (long long)(order->at + 4 * j),
                        "tensor latent.order: value %zu (%u) breaks the permutation of 0..%zu", j,
                        (unsigned)v, order->count - 1);
        used[v] = 1;
    }
    return ANC_OK;
}

anc_status anc_model_load_memory(anc_model **out, const void *data, size_t len, unsigned flags,
                                 anc_error *err)
{
    if (!out)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_load_memory: no output pointer");
    *out = NULL;
    if (!data && len)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_load_memory: no data");
    const uint8_t *p = data;

    const size_t nmagic = len < 8 ? len : 8;
    if (nmagic && memcmp(p, ANC_MODEL_MAGIC, nmagic))
        return fail(err, ANC_E_FORMAT, OFF_MAGIC, "bad magic: not an Ancestral model file");
    if (len < OFF_HEADER_SIZE + 4)
        return fail(err, ANC_E_TRUNCATED, (long long)len,
                    "%zu bytes, too short for a model file header", len);
    const uint32_t version = get_u32(p + OFF_VERSION);
    if (version < 1 || version > ANC_MODEL_VERSION)
        return fail(err, ANC_E_VERSION, OFF_VERSION,
                    "format version %u, this build reads versions 1 to %u", (unsigned)version,
                    ANC_MODEL_VERSION);
    const uint32_t header_size = get_u32(p + OFF_HEADER_SIZE);
    const uint32_t need = version == 1 ? HEADER_SIZE_V1
                          : version == 2 ? HEADER_SIZE_V2 : HEADER_SIZE_V3;
    if (header_size < need)
        return fail(err, ANC_E_FORMAT, OFF_HEADER_SIZE,
                    "header size %u, version %u needs at least %u", (unsigned)header_size,
                    (unsigned)version, (unsigned)need);
    if (len < MIN_FILE_BYTES || header_size > len - 8)
        return fail(err, ANC_E_TRUNCATED, OFF_HEADER_SIZE,
                    "header size %u leaves no room for records and checksum in %zu bytes",
                    (unsigned)header_size, len);
    if (!(flags & ANC_LOAD_SKIP_CRC)) {
        const uint32_t stored = get_u32(p + len - 4), computed = anc_crc32(0, p, len - 4);
        if (stored != computed)
            return fail(err, ANC_E_CHECKSUM, (long long)(len - 4),
                        "checksum 0x%08x, computed 0x%08x: the file is damaged", (unsigned)stored,
                        (unsigned)computed);
    }

    anc_model_header h;
    anc_status st = read_header(p, version, &h, err);
    if (st != ANC_OK)
        return st;
    anc_model *m;
    st = model_alloc(&m, &h, err);
    if (st != ANC_OK)
        return st;
    st = read_records(m, p, header_size, len - 4, err);
    if (st != ANC_OK) {
        anc_model_free(m);
        return st;
    }
    *out = m;
    anc_error_clear(err);
    return ANC_OK;
}

/* ---- files ---------------------------------------------------------------- */

anc_status anc_model_load_file(anc_model **out, const char *path, anc_error *err)
{
    if (!out)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_load_file: no output pointer");
    *out = NULL;
    if (!path)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_load_file: no path");

    /* O_NONBLOCK so opening a FIFO cannot hang; it is refused below as not a
     * regular file. It has no effect on reading regular files. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return anc_error_set(err, ANC_E_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return anc_error_set(err, ANC_E_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(sb.st_mode) || !S_ISREG(sb.st_mode)) {
        close(fd);
        return anc_error_set(err, ANC_E_IO, "%s: %s", path,
                             S_ISDIR(sb.st_mode) ? "is a folder, not a model file"
                                                 : "not a regular file");
    }
    if (sb.st_size < 0 || (uint64_t)sb.st_size > ANC_MODEL_MAX_BYTES) {
        close(fd);
        return anc_error_set(err, ANC_E_FORMAT, "%s: %lld bytes, more than the %zu-byte limit",
                             path, (long long)sb.st_size, ANC_MODEL_MAX_BYTES);
    }
    const size_t size = (size_t)sb.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return anc_error_set(err, ANC_E_NOMEM, "%s: out of memory for %zu bytes", path, size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = errno;
            free(buf);
            close(fd);
            if (r == 0)
                return anc_error_set(err, ANC_E_IO, "%s: the file shrank while being read", path);
            return anc_error_set(err, ANC_E_IO, "%s: read failed: %s", path, strerror(e));
        }
        got += (size_t)r;
    }
    close(fd);

    anc_error e;
    anc_error_clear(&e);
    anc_status st = anc_model_load_memory(out, buf, size, 0, &e);
    free(buf);
    if (st != ANC_OK)
        return anc_error_set(err, st, "%s: %s", path, e.message);
    anc_error_clear(err);
    return ANC_OK;
}

anc_status anc_model_save(const anc_model *m, const char *path, anc_error *err)
{
    if (!m || !path || !*path)
        return anc_error_set(err, ANC_E_INVALID, "anc_model_save: no model or no path");

    void *buf;
    size_t len;
    anc_error e;
    anc_error_clear(&e);
    anc_status st = anc_model_serialize(m, &buf, &len, &e);
    if (st != ANC_OK)
        return anc_error_set(err, st, "%s: %s", path, e.message);
    st = anc_atomic_write(path, buf, len, err);
    free(buf);
    return st;
}

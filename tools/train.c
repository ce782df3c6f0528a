/* train.c — ancestral-train: sound files and folders in, a trained timbre model
 * (.vae) out.
 *
 * Pipeline: read the corpus (audio_in), cut it into gated, normalised STFT frames
 * (pitch-relative by default: each frame on a log-frequency axis anchored at its
 * f0, relfreq.h) with a file-level validation split (dataset), train the VAE
 * with minibatch Adam, KL warm-up and gradient clipping, checkpoint every epoch and on
 * SIGINT/SIGTERM, then order the latents by importance, measure the model against
 * a PCA baseline, and save it atomically. With --report, an HTML page of the run
 * (report.h) is rewritten after every epoch and completed at the end. Reproducible: the same inputs, seed and
 * thread count give a byte-identical model, with or without a resume in between. */
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adam.h"
#include "audio_in.h"
#include "cli.h"
#include "dataset.h"
#include "feature.h"
#include "metrics.h"
#include "model.h"
#include "model_vae.h"
#include "pca.h"
#include "phase.h"
#include "presets.h"
#include "recon.h"
#include "report.h"
#include "rng.h"
#include "stft.h"
#include "vae.h"

typedef struct options {
    const char *out, *checkpoint, *presets, *presets_model, *log, *dump, *report;
    int latent, n_hidden, hidden[ANC_MAX_HIDDEN], act;
    int epochs, batch, threads, rate, fft, hop, resume, quiet;
    int pitch;             /* anc_pitch_mode */
    int ppo;               /* relative: points per octave, 0 = not given */
    double f0_min;         /* relative: lowest f0 whose axis reaches Nyquist, 0 = not given */
    int level;             /* anc_level_mode; -1 = by --pitch (normalised when relative) */
    double level_db;       /* normalised: the level frames play at; NAN = not given */
    double lr, beta, val, clip;
    long warmup;
    unsigned long long seed;
    long stop_after; /* testing: behave as if interrupted after this many batches */
    long fault_nan;  /* testing: poison this batch (global step) with a NaN */
} options;

static volatile sig_atomic_t interrupted = 0;
static void on_signal(int sig) { interrupted = sig; }

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ancestral-train [options] -o MODEL.vae INPUT...\n"
            "Trains a timbre model on sound files and folders (searched recursively).\n"
            "  -o, --output FILE     model to write (required)\n"
            "  --latent N            latent dimensions, 1..16 playable (default 8)\n"
            "  --hidden A,B,...      hidden layer widths (default 512,256)\n"
            "  --activation NAME     silu, tanh, relu, leaky_relu (default silu)\n"
            "  --epochs E            passes over the training frames (default 30)\n"
            "  --batch B             frames per step (default 256)\n"
            "  --lr X                Adam learning rate (default 0.001)\n"
            "  --beta X              KL weight after warm-up (default 1)\n"
            "  --warmup STEPS        steps over which the KL weight rises from 0 (default 2000)\n"
            "  --clip X              gradient norm limit (default 50)\n"
            "  --seed S              random seed (default 1)\n"
            "  --threads T           cores to use (default: all this process may use,\n"
            "                        here %d); the same seed and T give the same model\n"
            "  --rate HZ             model sample rate (default 44100)\n"
            "  --fft N               FFT size (default 2048: 46 ms at 44.1 kHz, so the\n"
            "                        harmonics of low notes are resolved)\n"
            "  --hop H               hop size (default 512, a quarter of the FFT)\n"
            "  --pitch MODE          relative (frames on a log-frequency axis relative to\n"
            "                        each frame's f0: timbre apart from pitch) or absolute\n"
            "                        (linear STFT bins) (default relative)\n"
            "  --points-per-octave N relative axis resolution, 12..384 (default 96)\n"
            "  --f0-min HZ           relative: the lowest f0 whose axis still reaches the\n"
            "                        Nyquist frequency (default 30)\n"
            "  --level MODE          normalize (each frame shifted to 0 dB: the latent holds\n"
            "                        spectral shape, the player sets loudness) or keep\n"
            "                        (loudness is part of the latent) (default: normalize\n"
            "                        with --pitch relative, keep with absolute)\n"
            "  --level-db DB         normalize: the level a frame plays at, at full velocity,\n"
            "                        dB re a full-scale sine, -60..0 (default -12: -15 dBFS RMS)\n"
            "  --val FRACTION        share of files held out for validation (default 0.1)\n"
            "  --checkpoint FILE     checkpoint (default MODEL.vae.ckpt)\n"
            "  --resume              continue from the checkpoint\n"
            "  --presets DIR         write an LV2 preset bundle, one preset per input file\n"
            "  --presets-model IRI   model reference written in the presets (default: the\n"
            "                        model's absolute file URI; e.g. a path relative to the bundle)\n"
            "  --log FILE.csv        per-epoch figures for plotting\n"
            "  --report FILE.html    an HTML report, rewritten after every epoch (reload it\n"
            "                        while training runs): loss, KL and LSD per epoch, and at\n"
            "                        the end the KL per latent dimension, a map of the files\n"
            "                        and spectrograms of validation files\n"
            "  --quiet               only the final summary\n"
            "  --dump-frames FILE    write the normalised training frames (for benchmarks:\n"
            "                        int32 frames, int32 bins, then float32 values, little-endian)\n"
            "                        and exit\n", anc_cli_cores());
}

/* The relative axis of a run: relfreq.h's defaults, with the options' changes. */
static void relfreq_config(const options *o, anc_relfreq_config *c)
{
    anc_relfreq_config_default(c, (double)o->rate, o->fft);
    if (o->ppo)
        c->points_per_octave = o->ppo;
    if (o->f0_min > 0)
        c->f0_min = o->f0_min;
    /* Unvoiced frames map at the reference: its axis must reach Nyquist too. */
    if (c->f0_ref < c->f0_min)
        c->f0_ref = c->f0_min;
}

static void parse(int argc, char **argv, options *o, int *first_input)
{
    enum { O_LATENT = 256, O_HIDDEN, O_ACT, O_EPOCHS, O_BATCH, O_LR, O_BETA, O_WARMUP, O_CLIP,
           O_SEED, O_THREADS, O_RATE, O_FFT, O_HOP, O_VAL, O_CKPT, O_RESUME, O_PRESETS, O_LOG,
           O_QUIET, O_STOP, O_DUMP, O_FAULT, O_PMODEL, O_PITCH, O_PPO, O_F0MIN, O_LEVEL, O_LEVEL_DB,
           O_REPORT, O_HELP };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"latent", required_argument, 0, O_LATENT},
        {"hidden", required_argument, 0, O_HIDDEN}, {"activation", required_argument, 0, O_ACT},
        {"epochs", required_argument, 0, O_EPOCHS}, {"batch", required_argument, 0, O_BATCH},
        {"lr", required_argument, 0, O_LR}, {"beta", required_argument, 0, O_BETA},
        {"warmup", required_argument, 0, O_WARMUP}, {"clip", required_argument, 0, O_CLIP},
        {"seed", required_argument, 0, O_SEED}, {"threads", required_argument, 0, O_THREADS},
        {"rate", required_argument, 0, O_RATE}, {"fft", required_argument, 0, O_FFT},
        {"hop", required_argument, 0, O_HOP}, {"val", required_argument, 0, O_VAL},
        {"checkpoint", required_argument, 0, O_CKPT}, {"resume", no_argument, 0, O_RESUME},
        {"presets", required_argument, 0, O_PRESETS}, {"log", required_argument, 0, O_LOG},
        {"quiet", no_argument, 0, O_QUIET}, {"stop-after-batches", required_argument, 0, O_STOP},
        {"dump-frames", required_argument, 0, O_DUMP},
        {"fault-nan-batch", required_argument, 0, O_FAULT},
        {"level", required_argument, 0, O_LEVEL}, {"level-db", required_argument, 0, O_LEVEL_DB},
        {"presets-model", required_argument, 0, O_PMODEL},
        {"pitch", required_argument, 0, O_PITCH},
        {"points-per-octave", required_argument, 0, O_PPO},
        {"f0-min", required_argument, 0, O_F0MIN}, {"report", required_argument, 0, O_REPORT},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0}};
    *o = (options){.latent = 8, .n_hidden = 2, .hidden = {512, 256}, .act = ANC_ACT_SILU,
                   .epochs = 30, .batch = 256, .threads = anc_cli_cores(), .rate = 44100, .fft = 2048,
                   .hop = 512, .lr = 1e-3, .beta = 1.0, .val = 0.1, .clip = 50.0,
                   .warmup = 2000, .seed = 1, .stop_after = -1,
                   .fault_nan = -1, .pitch = ANC_PITCH_RELATIVE,
                   .level = -1, .level_db = NAN};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case O_LATENT: o->latent = (int)anc_cli_int("--latent", optarg, 1, ANC_MAX_LATENT); break;
        case O_HIDDEN:
            if (!strcmp(optarg, "none") || !*optarg)
                o->n_hidden = 0;
            else
                o->n_hidden = anc_cli_int_list("--hidden", optarg, o->hidden, ANC_MAX_HIDDEN, 1,
                                               ANC_MAX_WIDTH);
            /* Widths past the last layer are 0, as the model file stores them: none of
             * the default's may linger behind a shorter list. */
            for (int i = o->n_hidden; i < ANC_MAX_HIDDEN; i++)
                o->hidden[i] = 0;
            break;
        case O_ACT:
            o->act = anc_activation_from_name(optarg);
            if (o->act < 0 || o->act == ANC_ACT_LINEAR)
                anc_cli_die(ANC_EXIT_USAGE, "--activation: unknown '%s' (silu, tanh, relu, "
                            "leaky_relu)", optarg);
            break;
        case O_EPOCHS: o->epochs = (int)anc_cli_int("--epochs", optarg, 1, 1000000); break;
        case O_BATCH: o->batch = (int)anc_cli_int("--batch", optarg, 1, 65536); break;
        case O_LR: o->lr = anc_cli_double("--lr", optarg, 1e-9, 1.0); break;
        case O_BETA: o->beta = anc_cli_double("--beta", optarg, 0.0, 1000.0); break;
        case O_WARMUP: o->warmup = anc_cli_int("--warmup", optarg, 0, LONG_MAX); break;
        case O_CLIP: o->clip = anc_cli_double("--clip", optarg, 1e-6, 1e12); break;
        case O_SEED: o->seed = anc_cli_u64("--seed", optarg); break;
        case O_THREADS:
            o->threads = (int)anc_cli_int("--threads", optarg, 1, ANC_CLI_MAX_THREADS);
            break;
        case O_RATE: o->rate = (int)anc_cli_int("--rate", optarg, 8000, 384000); break;
        case O_FFT: o->fft = (int)anc_cli_int("--fft", optarg, ANC_STFT_MIN_FFT, ANC_MODEL_MAX_FFT); break;
        case O_HOP: o->hop = (int)anc_cli_int("--hop", optarg, 1, ANC_MODEL_MAX_FFT / 2); break;
        case O_VAL: o->val = anc_cli_double("--val", optarg, 0.0, 0.9); break;
        case O_CKPT: o->checkpoint = optarg; break;
        case O_RESUME: o->resume = 1; break;
        case O_PRESETS: o->presets = optarg; break;
        case O_LOG: o->log = optarg; break;
        case O_REPORT: o->report = optarg; break;
        case O_QUIET: o->quiet = 1; break;
        case O_DUMP: o->dump = optarg; break;
        case O_PMODEL: o->presets_model = optarg; break;
        case O_PITCH:
            if (!strcmp(optarg, "relative"))
                o->pitch = ANC_PITCH_RELATIVE;
            else if (!strcmp(optarg, "absolute"))
                o->pitch = ANC_PITCH_ABSOLUTE;
            else
                anc_cli_die(ANC_EXIT_USAGE, "--pitch: unknown '%s' (relative, absolute)", optarg);
            break;
        case O_LEVEL:
            if (!strcmp(optarg, "normalize"))
                o->level = ANC_LEVEL_NORMALIZED;
            else if (!strcmp(optarg, "keep"))
                o->level = ANC_LEVEL_KEPT;
            else
                anc_cli_die(ANC_EXIT_USAGE, "--level: unknown '%s' (normalize, keep)", optarg);
            break;
        case O_LEVEL_DB:
            o->level_db = anc_cli_double("--level-db", optarg, ANC_MODEL_MIN_LEVEL_DB,
                                         ANC_MODEL_MAX_LEVEL_DB);
            break;
        case O_PPO: o->ppo = (int)anc_cli_int("--points-per-octave", optarg, 12, 384); break;
        case O_F0MIN: o->f0_min = anc_cli_double("--f0-min", optarg, 10.0, 192000.0); break;
        case O_FAULT: o->fault_nan = anc_cli_int("--fault-nan-batch", optarg, 0, LONG_MAX); break;
        case O_STOP: o->stop_after = anc_cli_int("--stop-after-batches", optarg, 0, LONG_MAX); break;
        case 'h': case O_HELP: usage(stdout); exit(0);
        default:
            anc_cli_die(ANC_EXIT_USAGE, "unknown or incomplete option '%s' (see --help)",
                        argv[optind - 1]);
        }
    }
    if (!o->out)
        anc_cli_die(ANC_EXIT_USAGE, "no output model given (-o MODEL.vae; see --help)");
    if (optind >= argc)
        anc_cli_die(ANC_EXIT_USAGE, "no input sound files or folders given (see --help)");
    if (o->fft % 2 || o->hop > o->fft / 2)
        anc_cli_die(ANC_EXIT_USAGE, "--fft must be even and --hop at most half of it (%d, %d)",
                    o->fft, o->hop);
    if (o->pitch == ANC_PITCH_ABSOLUTE && (o->ppo || o->f0_min > 0))
        anc_cli_die(ANC_EXIT_USAGE, "--points-per-octave and --f0-min describe the relative "
                    "axis: they do not go with --pitch absolute");
    if (o->level < 0)
        o->level = o->pitch == ANC_PITCH_RELATIVE ? ANC_LEVEL_NORMALIZED : ANC_LEVEL_KEPT;
    if (o->level == ANC_LEVEL_KEPT && !isnan(o->level_db))
        anc_cli_die(ANC_EXIT_USAGE, "--level-db sets the level of normalised frames: it does "
                    "not go with --level keep%s", o->pitch == ANC_PITCH_ABSOLUTE ?
                    " (the default with --pitch absolute)" : "");
    if (o->level == ANC_LEVEL_NORMALIZED && isnan(o->level_db))
        o->level_db = -12.0;
    if (o->pitch == ANC_PITCH_RELATIVE) {
        anc_relfreq_config rc;
        relfreq_config(o, &rc);
        anc_error err;
        if (anc_relfreq_config_check(&rc, &err) != ANC_OK)
            anc_cli_die(ANC_EXIT_USAGE, "%s", err.message);
        if (anc_relfreq_size(&rc) > ANC_MAX_WIDTH + 1)
            anc_cli_die(ANC_EXIT_USAGE, "--points-per-octave %d with --f0-min %g makes %d inputs, "
                        "more than %d", rc.points_per_octave, rc.f0_min, anc_relfreq_size(&rc),
                        ANC_MAX_WIDTH + 1);
    }
    *first_input = optind;
}

/* Fails before any work when path cannot be written: creates and removes a probe
 * file in its folder. */
static void check_writable(const char *what, const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
    else
        snprintf(dir, sizeof dir, ".");
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        anc_cli_die(ANC_EXIT_USAGE, "%s %s is a folder", what, path);
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/.ancestral-probe-%ld", dir, (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        anc_cli_die(ANC_EXIT_USAGE, "cannot write %s %s: %s", what, path, strerror(errno));
    close(fd);
    unlink(probe);
}

/* Removes temporaries that an earlier run killed in the middle of a save left
 * beside path (atomic_file.h writes PATH.tmp-XXXXXX, then renames it). */
static void remove_stale_temporaries(const char *path)
{
    char pattern[PATH_MAX + 16];
    snprintf(pattern, sizeof pattern, "%s.tmp-??????", path);
    glob_t g;
    if (glob(pattern, GLOB_NOSORT | GLOB_NOESCAPE, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++)
        if (unlink(g.gl_pathv[i]) == 0)
            anc_cli_warn("removed %s, left by an interrupted save", g.gl_pathv[i]);
    globfree(&g);
}

/* ---- training state ------------------------------------------------------ */

typedef struct state {
    int epoch;           /* epochs completed */
    long long batch;     /* batches completed within the current epoch */
    long long step;      /* batches completed in all */
    anc_rng rng_epoch;   /* the generator as it was when the current epoch began */
    anc_rng rng;         /* the generator now */
    anc_adam adam;
    long long bad;       /* batches skipped for a non-finite loss or gradient */
    double sum_total, sum_rec, sum_kl; /* running sums over this epoch's batches */
    uint64_t n_train;    /* training frames: guards against resuming on other data */
} state;

/* A checkpoint stores the state as named records of the model file, one per field
 * below (the optimiser's moments are records too, see write_checkpoint). Records
 * hold f32 or u32 values, so 64-bit integers and doubles are two u32 words each,
 * low word first. */
typedef enum { FIELD_INT, FIELD_I64, FIELD_U64, FIELD_F32, FIELD_F64 } field_kind;
_Static_assert(sizeof(long long) == 8 && sizeof(uint64_t) == 8 && sizeof(double) == 8,
               "I64, U64 and F64 fields are copied as 8 bytes");

typedef struct state_field {
    const char *name;
    field_kind kind;
    int count;     /* values */
    size_t offset; /* in state */
} state_field;

#define FIELD(name, kind, count, member) {name, kind, count, offsetof(state, member)}
static const state_field STATE_FIELDS[] = {
    FIELD("train.epoch", FIELD_INT, 1, epoch),
    FIELD("train.batch", FIELD_I64, 1, batch),
    FIELD("train.step", FIELD_I64, 1, step),
    FIELD("train.skipped", FIELD_I64, 1, bad),
    FIELD("train.frames", FIELD_U64, 1, n_train),
    FIELD("train.adam.t", FIELD_I64, 1, adam.t),
    FIELD("train.adam.lr", FIELD_F32, 1, adam.lr),
    FIELD("train.rng_epoch.s", FIELD_U64, 4, rng_epoch.s),
    FIELD("train.rng_epoch.spare", FIELD_F64, 1, rng_epoch.spare),
    FIELD("train.rng_epoch.has_spare", FIELD_INT, 1, rng_epoch.has_spare),
    FIELD("train.rng.s", FIELD_U64, 4, rng.s),
    FIELD("train.rng.spare", FIELD_F64, 1, rng.spare),
    FIELD("train.rng.has_spare", FIELD_INT, 1, rng.has_spare),
    FIELD("train.sum.total", FIELD_F64, 1, sum_total),
    FIELD("train.sum.rec", FIELD_F64, 1, sum_rec),
    FIELD("train.sum.kl", FIELD_F64, 1, sum_kl),
};
#undef FIELD
#define N_STATE_FIELDS (sizeof STATE_FIELDS / sizeof STATE_FIELDS[0])
#define FIELD_MAX_WORDS 8 /* four 64-bit values */

static size_t field_words(const state_field *f)
{
    return (size_t)f->count * (f->kind == FIELD_INT || f->kind == FIELD_F32 ? 1 : 2);
}

/* Adds every state field to m as its record. */
static anc_status put_state(anc_model *m, const state *s, anc_error *err)
{
    for (size_t i = 0; i < N_STATE_FIELDS; i++) {
        const state_field *f = &STATE_FIELDS[i];
        const unsigned char *p = (const unsigned char *)s + f->offset;
        uint32_t w[FIELD_MAX_WORDS];
        anc_status st;
        if (f->kind == FIELD_F32) {
            st = anc_model_set_extra(m, f->name, ANC_DTYPE_F32, p, (size_t)f->count, err);
        } else {
            for (int j = 0; j < f->count; j++) {
                uint64_t v;
                if (f->kind == FIELD_INT) {
                    int x;
                    memcpy(&x, p + j * sizeof x, sizeof x);
                    w[j] = (uint32_t)x;
                    continue;
                }
                memcpy(&v, p + j * sizeof v, sizeof v); /* long long, uint64_t, double */
                w[2 * j] = (uint32_t)v;
                w[2 * j + 1] = (uint32_t)(v >> 32);
            }
            st = anc_model_set_extra(m, f->name, ANC_DTYPE_U32, w, field_words(f), err);
        }
        if (st != ANC_OK)
            return st;
    }
    return ANC_OK;
}

/* Reads every state field of s from m's records. Returns the name of the first
 * record that is missing or has another size, or NULL when all were read. */
static const char *get_state(const anc_model *m, state *s)
{
    for (size_t i = 0; i < N_STATE_FIELDS; i++) {
        const state_field *f = &STATE_FIELDS[i];
        unsigned char *p = (unsigned char *)s + f->offset;
        size_t n;
        if (f->kind == FIELD_F32) {
            const float *v = anc_model_get_extra(m, f->name, ANC_DTYPE_F32, &n);
            if (!v || n != (size_t)f->count)
                return f->name;
            memcpy(p, v, n * sizeof *v);
            continue;
        }
        const uint32_t *w = anc_model_get_extra(m, f->name, ANC_DTYPE_U32, &n);
        if (!w || n != field_words(f))
            return f->name;
        for (int j = 0; j < f->count; j++) {
            if (f->kind == FIELD_INT) {
                int x = (int)w[j];
                memcpy(p + j * sizeof x, &x, sizeof x);
                continue;
            }
            uint64_t v = (uint64_t)w[2 * j] | (uint64_t)w[2 * j + 1] << 32;
            memcpy(p + j * sizeof v, &v, sizeof v);
        }
    }
    return NULL;
}

/* ---- evaluation ---------------------------------------------------------- */

typedef struct eval_result {
    double lsd_db, elbo, rec, kl;
} eval_result;

/* Reconstructs frames idx[0..n-1] through the posterior mean (decode(mu(x))) and
 * measures LSD in dB; with rng, also the single-sample ELBO (beta = 1). */
static eval_result evaluate(anc_vae *vae, const anc_dataset *ds, const size_t *idx, size_t n,
                            anc_rng *rng)
{
    const int D = ds->n_input, L = anc_vae_get_config(vae)->n_latent;
    const int B = anc_vae_max_batch(vae), nb = ds->space.n_bins;
    float *x = malloc(sizeof(float) * B * D), *f = malloc(sizeof(float) * B * D);
    float *mu = malloc(sizeof(float) * B * L), *eps = malloc(sizeof(float) * B * L);
    float *a = malloc(sizeof(float) * nb), *b = malloc(sizeof(float) * nb);
    const int need_ref = ds->f0 || ds->space.level_norm; /* model_vae.h: add_lsd */
    float *ref = need_ref ? malloc(sizeof(float) * B * nb) : NULL;
    float *f0 = ds->f0 ? malloc(sizeof(float) * B) : NULL;
    eval_result r = {NAN, NAN, NAN, NAN};
    if (!x || !f || !mu || !eps || !a || !b || (need_ref && !ref) || (ds->f0 && !f0))
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory evaluating the model");
    anc_lsd lsd = {0};
    double elbo = 0, rec = 0, kl = 0;
    for (size_t i0 = 0; i0 < n; i0 += (size_t)B) {
        int m = (int)(n - i0 < (size_t)B ? n - i0 : (size_t)B);
        for (int j = 0; j < m; j++)
            memcpy(x + (size_t)j * D, ds->z + idx[i0 + j] * D, sizeof(float) * D);
        for (int j = 0; need_ref && j < m; j++)
            anc_dataset_linear_db(ds, idx[i0 + j], ref + (size_t)j * nb);
        for (int j = 0; ds->f0 && j < m; j++)
            f0[j] = ds->f0[idx[i0 + j]];
        if (rng) {
            anc_vae_loss l;
            anc_rng_normal_fill(rng, eps, (size_t)m * L);
            anc_vae_loss_batch(vae, x, eps, m, 1.0f, 0, NULL, &l);
            elbo += -l.total * m;
            rec += l.rec * m;
            kl += l.kl * m;
        }
        anc_vae_add_recon_lsd(vae, &ds->space, x, m, ref, f0, mu, NULL, f, a, b, &lsd);
    }
    r.lsd_db = anc_lsd_result(&lsd);
    if (rng && n) {
        r.elbo = elbo / (double)n;
        r.rec = rec / (double)n;
        r.kl = kl / (double)n;
    }
    free(x); free(f); free(mu); free(eps); free(a); free(b); free(ref); free(f0);
    return r;
}

static double pca_lsd(const anc_pca *p, const anc_dataset *ds, const size_t *idx, size_t n)
{
    const int D = ds->n_input, nb = ds->space.n_bins;
    float *rec = malloc(sizeof(float) * D), *tmp = malloc(sizeof(float) * p->k);
    float *a = malloc(sizeof(float) * nb), *b = malloc(sizeof(float) * nb);
    float *ref = malloc(sizeof(float) * nb);
    if (!rec || !tmp || !a || !b || !ref)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory evaluating the PCA baseline");
    anc_lsd lsd = {0};
    for (size_t i = 0; i < n; i++) {
        const float *x = ds->z + idx[i] * D;
        anc_pca_reconstruct(p, x, rec, tmp);
        if (ds->f0 || ds->space.level_norm)
            anc_dataset_linear_db(ds, idx[i], ref);
        anc_frame_space_add_lsd(&ds->space, x, rec, ref, ds->f0 ? ds->f0[idx[i]] : 0.0f, a, b,
                                &lsd);
    }
    free(rec); free(tmp); free(a); free(b); free(ref);
    return anc_lsd_result(&lsd);
}

/* ---- models and checkpoints ---------------------------------------------- */

/* The figures of every epoch so far, for the report; a checkpoint carries them
 * (record "train.history") so a resumed run draws the whole run. */
typedef struct history {
    anc_report_epoch *e;
    size_t n, cap;
} history;

static void history_add(history *h, const anc_report_epoch *e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        anc_report_epoch *p = realloc(h->e, cap * sizeof *p);
        if (!p)
            anc_cli_die(ANC_EXIT_FAILURE, "out of memory for the training history");
        h->e = p;
        h->cap = cap;
    }
    h->e[h->n++] = *e;
}

static anc_model *new_model(const options *o, const anc_vae_config *cfg, const anc_dataset *ds,
                            const float *params)
{
    anc_model_header h = {.sample_rate = (uint32_t)o->rate, .n_fft = (uint32_t)o->fft,
                          .hop = (uint32_t)o->hop, .window = ANC_WINDOW_HANN,
                          .floor_db = ANC_FEATURE_FLOOR_DB, .arch = *cfg,
                          .train_files = (uint32_t)ds->train_files,
                          .val_files = (uint32_t)ds->val_files, .train_frames = ds->n_train,
                          .val_frames = ds->n_val, .seed = o->seed, .beta = (float)o->beta,
                          .pitch_mode = (uint32_t)o->pitch,
                          .level_mode = (uint32_t)o->level};
    if (o->level == ANC_LEVEL_NORMALIZED)
        h.level_db = (float)o->level_db;
    if (o->pitch == ANC_PITCH_RELATIVE) {
        const anc_relfreq_config *rc = anc_relfreq_get_config(ds->space.rel);
        h.rel_points_per_octave = (uint32_t)rc->points_per_octave;
        h.rel_octaves_below = (float)rc->octaves_below;
        h.rel_f0_min = (float)rc->f0_min;
        h.rel_f0_ref = (float)rc->f0_ref;
        h.pitch_lo_hz = ds->pitch_lo_hz;
        h.pitch_hi_hz = ds->pitch_hi_hz;
        h.voiced_fraction = ds->voiced_fraction;
    }
    anc_model *m;
    anc_error err;
    if (anc_model_create(&m, &h, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot build the model: %s", err.message);
    memcpy(anc_model_params(m), params, anc_model_num_params(m) * sizeof(float));
    memcpy(anc_model_feature_mean(m), ds->mean, sizeof(float) * ds->n_input);
    memcpy(anc_model_feature_std(m), ds->std, sizeof(float) * ds->n_input);
    anc_latent_stats ls;
    anc_model_latent_stats(m, &ls);
    for (int l = 0; l < cfg->n_latent; l++) {
        ls.order[l] = (uint32_t)l;
        ls.mu_std[l] = 1.0f;
    }
    return m;
}

/* A checkpoint is a model file (the plugin can even play it) with the optimiser
 * moments ("train.adam.m", "train.adam.v") and the loop state (STATE_FIELDS) as
 * extra records. Written atomically. */
static void write_checkpoint(const options *o, anc_vae *vae, const anc_dataset *ds,
                             const state *s, const history *hist)
{
    anc_model *m = new_model(o, anc_vae_get_config(vae), ds, anc_vae_params(vae));
    anc_model_header_mut(m)->epochs = (uint32_t)s->epoch;
    anc_error err;
    size_t np = anc_vae_num_params(vae);
    if (anc_model_set_extra(m, "train.adam.m", ANC_DTYPE_F32, anc_vae_adam_m(vae), np, &err) ||
        anc_model_set_extra(m, "train.adam.v", ANC_DTYPE_F32, anc_vae_adam_v(vae), np, &err) ||
        put_state(m, s, &err))
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write checkpoint: %s", err.message);
    if (hist->n) {
        float *v = malloc(hist->n * ANC_REPORT_EPOCH_VALUES * sizeof *v);
        if (!v)
            anc_cli_die(ANC_EXIT_FAILURE, "out of memory for the training history");
        anc_report_history_to_values(hist->e, hist->n, v);
        anc_status st = anc_model_set_extra(m, "train.history", ANC_DTYPE_F32, v,
                                            hist->n * ANC_REPORT_EPOCH_VALUES, &err);
        free(v);
        if (st != ANC_OK)
            anc_cli_die(ANC_EXIT_FAILURE, "cannot write checkpoint: %s", err.message);
    }
    if (anc_model_save(m, o->checkpoint, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write checkpoint: %s", err.message);
    anc_model_free(m);
}

/* Loads the checkpoint into vae, s and hist (the epochs it has figures of; a
 * checkpoint without them resumes with none); dies when it does not fit this run. */
static void read_checkpoint(const options *o, anc_vae *vae, const anc_dataset *ds, state *s,
                            history *hist)
{
    anc_model *m;
    anc_error err;
    if (anc_model_load_file(&m, o->checkpoint, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_USAGE, "cannot resume: %s", err.message);
    const anc_model_header *h = anc_model_get_header(m);
    const anc_vae_config *c = anc_vae_get_config(vae);
    size_t n;
    if (anc_model_get_extra(m, "train.state", ANC_DTYPE_U32, &n))
        anc_cli_die(ANC_EXIT_USAGE, "cannot resume from %s: it was written by an older "
                    "ancestral-train, whose training state this one does not read; start "
                    "afresh (without --resume, or delete it)", o->checkpoint);
    int same = h->sample_rate == (uint32_t)o->rate && h->n_fft == (uint32_t)o->fft &&
               h->hop == (uint32_t)o->hop && h->arch.n_input == c->n_input &&
               h->arch.n_latent == c->n_latent && h->arch.n_hidden == c->n_hidden &&
               h->arch.act == c->act && h->seed == o->seed &&
               h->level_mode == (uint32_t)o->level &&
               (o->level != ANC_LEVEL_NORMALIZED || h->level_db == (float)o->level_db);
    for (int i = 0; same && i < c->n_hidden; i++) /* the file keeps only the used widths */
        same = h->arch.hidden[i] == c->hidden[i];
    if (same && ds->space.rel) {
        const anc_relfreq_config *rc = anc_relfreq_get_config(ds->space.rel);
        same = h->pitch_mode == ANC_PITCH_RELATIVE &&
               h->rel_points_per_octave == (uint32_t)rc->points_per_octave &&
               h->rel_f0_min == (float)rc->f0_min && h->rel_f0_ref == (float)rc->f0_ref;
    } else if (same) {
        same = h->pitch_mode == ANC_PITCH_ABSOLUTE;
    }
    if (!same)
        anc_cli_die(ANC_EXIT_USAGE, "cannot resume from %s: it was trained with other settings "
                    "(rate, FFT, hop, pitch representation, architecture or seed)",
                    o->checkpoint);
    size_t np = anc_vae_num_params(vae);
    const float *am = anc_model_get_extra(m, "train.adam.m", ANC_DTYPE_F32, &n);
    const float *av = n == np ? anc_model_get_extra(m, "train.adam.v", ANC_DTYPE_F32, &n) : NULL;
    if (!am || !av || n != np)
        anc_cli_die(ANC_EXIT_USAGE, "cannot resume from %s: it holds no training state",
                    o->checkpoint);
    anc_adam_init(&s->adam, (float)o->lr);
    const char *bad = get_state(m, s);
    if (bad)
        anc_cli_die(ANC_EXIT_USAGE, "cannot resume from %s: its record %s is missing or has "
                    "the wrong size", o->checkpoint, bad);
    if (s->n_train != ds->n_train)
        anc_cli_die(ANC_EXIT_USAGE, "cannot resume from %s: the inputs have changed (%zu "
                    "training frames now, %llu then)", o->checkpoint, ds->n_train,
                    (unsigned long long)s->n_train);
    memcpy(anc_vae_params(vae), anc_model_params_const(m), np * sizeof(float));
    memcpy(anc_vae_adam_m(vae), am, np * sizeof(float));
    memcpy(anc_vae_adam_v(vae), av, np * sizeof(float));
    const float *hv = anc_model_get_extra(m, "train.history", ANC_DTYPE_F32, &n);
    for (size_t i = 0; hv && i + ANC_REPORT_EPOCH_VALUES <= n; i += ANC_REPORT_EPOCH_VALUES) {
        anc_report_epoch e;
        anc_report_history_from_values(hv + i, ANC_REPORT_EPOCH_VALUES, &e, 1);
        if (e.epoch <= s->epoch) /* figures of epochs the checkpoint completed only */
            history_add(hist, &e);
    }
    anc_model_free(m);
}

/* Fisher-Yates shuffle of the training frame order. */
static void shuffle(size_t *a, size_t n, anc_rng *rng)
{
    for (size_t i = n - 1; i > 0 && n > 1; i--) {
        size_t j = (size_t)anc_rng_below(rng, i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* Per-dimension KL, mean and spread of mu over the training frames; returns the
 * order by decreasing KL in perm. */
static void latent_stats(anc_vae *vae, const anc_dataset *ds, double *kl, double *mean,
                         double *sd, int *perm)
{
    const int D = ds->n_input, L = anc_vae_get_config(vae)->n_latent, B = anc_vae_max_batch(vae);
    float *x = malloc(sizeof(float) * B * D), *mu = malloc(sizeof(float) * B * L);
    float *lv = malloc(sizeof(float) * B * L);
    double *sq = calloc((size_t)L, sizeof *sq);
    if (!x || !mu || !lv || !sq)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory for latent statistics");
    for (int l = 0; l < L; l++)
        kl[l] = mean[l] = 0.0;
    for (size_t i0 = 0; i0 < ds->n_train; i0 += (size_t)B) {
        int m = (int)(ds->n_train - i0 < (size_t)B ? ds->n_train - i0 : (size_t)B);
        for (int j = 0; j < m; j++)
            memcpy(x + (size_t)j * D, ds->z + ds->train[i0 + j] * D, sizeof(float) * D);
        anc_vae_encode(vae, x, m, mu, lv);
        for (int j = 0; j < m; j++)
            for (int l = 0; l < L; l++) {
                double u = mu[j * L + l], v = lv[j * L + l];
                kl[l] += 0.5 * (u * u + exp(v) - v - 1.0);
                mean[l] += u;
                sq[l] += u * u;
            }
    }
    double n = (double)ds->n_train;
    for (int l = 0; l < L; l++) {
        kl[l] /= n;
        mean[l] /= n;
        sd[l] = sqrt(fmax(sq[l] / n - mean[l] * mean[l], 0.0));
        perm[l] = l;
    }
    /* insertion sort by decreasing KL; ties keep the lower index first */
    for (int i = 1; i < L; i++)
        for (int j = i; j > 0 && kl[perm[j]] > kl[perm[j - 1]]; j--) {
            int t = perm[j];
            perm[j] = perm[j - 1];
            perm[j - 1] = t;
        }
    free(x); free(mu); free(lv); free(sq);
}

/* The sum of the posterior means of each clip's frames, sum[clip][L], and the
 * frames counted, cnt[clip] (both n_clips long, calloc'd; the caller frees). */
static void clip_mu_sums(anc_vae *vae, const anc_dataset *ds, size_t n_clips, double **sum_out,
                         size_t **cnt_out)
{
    const int D = ds->n_input, L = anc_vae_get_config(vae)->n_latent;
    double *sum = calloc(n_clips * (size_t)L, sizeof *sum);
    size_t *cnt = calloc(n_clips, sizeof *cnt);
    float *mu = malloc(sizeof(float) * L);
    if (!sum || !cnt || !mu)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory for the files' latent means");
    for (size_t i = 0; i < ds->n_frames; i++) {
        uint32_t c = ds->clip[i];
        anc_vae_encode(vae, ds->z + i * D, 1, mu, NULL);
        for (int l = 0; l < L; l++)
            sum[c * L + l] += mu[l];
        cnt[c]++;
    }
    free(mu);
    *sum_out = sum;
    *cnt_out = cnt;
}

static void write_presets(const options *o, anc_vae *vae, const anc_dataset *ds,
                          const anc_audio_corpus *corpus)
{
    const int L = anc_vae_get_config(vae)->n_latent;
    anc_preset *ps = calloc(corpus->n_clips, sizeof *ps);
    char **labels = calloc(corpus->n_clips, sizeof *labels);
    if (!ps || !labels)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory for presets");
    double *sum;
    size_t *cnt;
    clip_mu_sums(vae, ds, corpus->n_clips, &sum, &cnt);
    size_t n = 0;
    for (size_t c = 0; c < corpus->n_clips; c++) {
        if (!cnt[c])
            continue;
        const char *path = corpus->clips[c].path, *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        labels[n] = strdup(base);
        if (!labels[n])
            anc_cli_die(ANC_EXIT_FAILURE, "out of memory for presets");
        char *dot = strrchr(labels[n], '.');
        if (dot && dot != labels[n])
            *dot = '\0';
        ps[n].label = labels[n];
        ps[n].n_knobs = L < ANC_KNOBS ? L : ANC_KNOBS;
        for (int l = 0; l < ps[n].n_knobs; l++)
            ps[n].knobs[l] = (float)(sum[c * L + l] / (double)cnt[c]);
        n++;
    }
    char *abs = o->presets_model ? NULL : realpath(o->out, NULL);
    char *uri = o->presets_model ? strdup(o->presets_model) : abs ? anc_file_uri(abs) : NULL;
    anc_error err;
    if (!uri)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot resolve the model path %s", o->out);
    if (anc_presets_write(o->presets, ps, n, uri, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write presets: %s", err.message);
    if (!o->quiet)
        fprintf(stderr, "wrote %zu presets to %s\n", n, o->presets);
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels); free(ps); free(sum); free(cnt); free(abs); free(uri);
}

/* The normalised training frames in file order, for comparing trainers on the
 * very same data. The host is little-endian (x86-64, aarch64), as the format says. */
static void dump_frames(const char *path, const anc_dataset *ds)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        anc_cli_die(ANC_EXIT_USAGE, "cannot write %s: %s", path, strerror(errno));
    int32_t hdr[2] = {(int32_t)ds->n_train, ds->n_input};
    int ok = fwrite(hdr, sizeof hdr, 1, f) == 1;
    for (size_t i = 0; ok && i < ds->n_train; i++)
        ok = fwrite(ds->z + ds->train[i] * ds->n_input, sizeof(float), (size_t)ds->n_input, f) ==
             (size_t)ds->n_input;
    if (fclose(f) != 0 || !ok)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write %s: %s", path, strerror(errno));
}

/* ---- the steps of a run -------------------------------------------------- */

/* Everything a run holds between its steps. */
typedef struct trainer {
    options o;
    char ckpt_path[PATH_MAX + 8]; /* the default checkpoint, MODEL.vae.ckpt */
    FILE *logf;                   /* --log, or NULL */
    int tty;                      /* draw a progress bar */
    double t0;                    /* start of the run, anc_cli_now() */
    anc_audio_corpus *corpus;
    anc_dataset *ds;
    anc_vae_config cfg;
    anc_vae *vae;
    size_t np;                    /* parameters */
    state s;
    /* The last good state, for the rare step that blows up despite clipping:
     * [params | (grads, unused) | adam m] as at the start of the epoch, and Adam's. */
    float *good;
    anc_adam good_adam;
    size_t *order;                /* [n_train] this epoch's frame order */
    float *xb, *eps;              /* [batch][D] frames, [batch][L] noise */
    size_t *probe, n_probe;       /* fixed subset of training frames for the epoch's LSD */
    long long per_epoch;          /* batches per epoch */
    long long batches_this_run;   /* for --stop-after-batches */
    double train_time, frames_done; /* whole epochs only, for frames_per_second */
    eval_result last_val;         /* shown in the progress bar */
    history hist;                 /* figures per epoch */
    int pca_done;                 /* the PCA baseline below is measured */
    double pca_train, pca_val;    /* its LSD on the training and validation frames */
} trainer;

/* The outputs checked before any work (model, checkpoint, log), stale
 * temporaries removed, signals caught. */
static void open_outputs(trainer *t)
{
    options *o = &t->o;
    if (!o->checkpoint) {
        snprintf(t->ckpt_path, sizeof t->ckpt_path, "%s.ckpt", o->out);
        o->checkpoint = t->ckpt_path;
    }
    check_writable("model", o->out);
    check_writable("checkpoint", o->checkpoint);
    remove_stale_temporaries(o->out);
    remove_stale_temporaries(o->checkpoint);
    if (o->report) {
        check_writable("report", o->report);
        remove_stale_temporaries(o->report);
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (o->log) {
        int exists = access(o->log, F_OK) == 0;
        t->logf = fopen(o->log, o->resume && exists ? "a" : "w");
        if (!t->logf)
            anc_cli_die(ANC_EXIT_USAGE, "cannot write log %s: %s", o->log, strerror(errno));
        if (!(o->resume && exists))
            fprintf(t->logf, "epoch,step,seconds,lr,beta,train_loss,train_rec,train_kl,"
                             "train_lsd_db,val_elbo,val_lsd_db,skipped_batches\n");
    }
}

typedef struct figures figures;
static void pca_baseline(trainer *t);
static void write_report(trainer *t, const figures *fg);

/* The corpus from the inputs, and its gated, normalised frames. */
static void read_frames(trainer *t, const char *const *inputs, size_t n_inputs)
{
    const options *o = &t->o;
    anc_audio_settings as;
    anc_audio_settings_default(&as);
    as.target_rate = o->rate;
    as.min_samples = (size_t)o->fft;
    as.warn = anc_cli_warn_skipped;
    as.warn_used = anc_cli_warn_used;
    anc_error err;
    if (anc_audio_load(inputs, n_inputs, &as, &t->corpus, &err) != ANC_OK)
        anc_cli_die(err.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s",
                    err.message);
    const anc_audio_summary *sum = &t->corpus->summary;
    if (interrupted)
        anc_cli_die(ANC_EXIT_FAILURE, "interrupted while reading the inputs; nothing to save");
    if (t->corpus->n_clips == 0)
        anc_cli_die(ANC_EXIT_USAGE, "no usable audio in the inputs (%zu files skipped)",
                    sum->files_skipped);
    if (!o->quiet)
        fprintf(stderr, "read %zu files (%.1f s of audio); skipped %zu (%.1f s)\n",
                sum->files_used, sum->seconds_used, sum->files_skipped, sum->seconds_skipped);

    anc_relfreq_config rc;
    relfreq_config(o, &rc);
    if (anc_dataset_build(t->corpus, (double)o->rate, o->fft, o->hop,
                          o->pitch == ANC_PITCH_RELATIVE ? &rc : NULL,
                          o->level == ANC_LEVEL_NORMALIZED, o->val, o->seed, &t->ds,
                          &err) != ANC_OK)
        anc_cli_die(err.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s",
                    err.message);
    const anc_dataset *ds = t->ds;
    if (!o->quiet)
        fprintf(stderr, "%zu training frames from %zu files, %zu validation frames from %zu "
                "files, %d %s\n", ds->n_train, ds->train_files, ds->n_val, ds->val_files,
                ds->n_input, ds->space.rel ? "points per pitch-relative frame" : "bins");
}

/* Options, outputs, the corpus and its frames. */
static void setup(trainer *t, int argc, char **argv)
{
    int first;
    parse(argc, argv, &t->o, &first);
    open_outputs(t);
    t->tty = anc_cli_is_tty() && !t->o.quiet;
    t->t0 = anc_cli_now();
    read_frames(t, (const char *const *)argv + first, (size_t)(argc - first));
}

/* The network, the optimiser and the loop state, fresh or from the checkpoint,
 * and the buffers of the loop. */
static void setup_training(trainer *t)
{
    options *o = &t->o;
    const anc_dataset *ds = t->ds;
    openblas_set_num_threads(o->threads);
    o->threads = openblas_get_num_threads(); /* what BLAS runs; it may have a lower limit */
    t->cfg = (anc_vae_config){.n_input = ds->n_input, .n_latent = o->latent,
                              .n_hidden = o->n_hidden, .act = (anc_activation)o->act};
    memcpy(t->cfg.hidden, o->hidden, sizeof t->cfg.hidden);
    anc_error err;
    int max_batch = o->batch > 512 ? o->batch : 512;
    if (anc_vae_create(&t->vae, &t->cfg, max_batch, &err) != ANC_OK)
        anc_cli_die(err.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s",
                    err.message);
    t->np = anc_vae_num_params(t->vae);
    state *s = &t->s;
    anc_rng_seed(&s->rng, o->seed);
    anc_vae_init(t->vae, &s->rng);
    anc_adam_init(&s->adam, (float)o->lr);
    s->rng_epoch = s->rng;
    s->n_train = ds->n_train;
    if (o->resume && access(o->checkpoint, F_OK) == 0) {
        read_checkpoint(o, t->vae, ds, s, &t->hist);
        if (!o->quiet)
            fprintf(stderr, "resuming from %s at epoch %d, batch %lld\n", o->checkpoint,
                    s->epoch + 1, s->batch);
    } else if (o->resume && !o->quiet) {
        fprintf(stderr, "no checkpoint at %s: starting afresh\n", o->checkpoint);
    }

    const size_t np = t->np, D = (size_t)ds->n_input, L = (size_t)t->cfg.n_latent;
    t->good = malloc(3 * np * sizeof *t->good);
    t->order = malloc(ds->n_train * sizeof *t->order);
    t->xb = malloc(sizeof(float) * (size_t)o->batch * D);
    t->eps = malloc(sizeof(float) * (size_t)o->batch * L);
    t->n_probe = ds->n_train < 4096 ? ds->n_train : 4096;
    t->probe = malloc(t->n_probe * sizeof *t->probe);
    if (!t->good || !t->order || !t->xb || !t->eps || !t->probe)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory for training buffers");
    memcpy(t->good, anc_vae_params(t->vae), 3 * np * sizeof *t->good); /* v is not kept */
    t->good_adam = s->adam;
    /* Evenly spaced, the same every epoch. */
    for (size_t i = 0; i < t->n_probe; i++)
        t->probe[i] = ds->train[i * ds->n_train / t->n_probe];
    t->per_epoch = (long long)((ds->n_train + (size_t)o->batch - 1) / (size_t)o->batch);
    t->last_val = (eval_result){NAN, NAN, NAN, NAN};
    if (o->report)
        pca_baseline(t);
}

static double kl_weight(const options *o, long long step)
{
    return o->warmup > 0 && step < o->warmup ? o->beta * (double)step / (double)o->warmup
                                             : o->beta;
}

/* One Adam step on batch s.batch of the epoch's order. A batch whose loss or
 * gradient is not finite is skipped; a step that makes a parameter non-finite
 * goes back to the epoch's start with half the learning rate. */
static void train_batch(trainer *t, double epoch_start)
{
    const options *o = &t->o;
    const anc_dataset *ds = t->ds;
    state *s = &t->s;
    const int D = ds->n_input, L = t->cfg.n_latent;
    const size_t np = t->np;
    anc_vae *vae = t->vae;
    size_t start = (size_t)s->batch * (size_t)o->batch;
    int m = (int)(ds->n_train - start < (size_t)o->batch ? ds->n_train - start
                                                         : (size_t)o->batch);
    for (int j = 0; j < m; j++)
        memcpy(t->xb + (size_t)j * D, ds->z + t->order[start + j] * D, sizeof(float) * D);
    anc_rng_normal_fill(&s->rng, t->eps, (size_t)m * L);
    if (s->step == o->fault_nan)
        t->xb[0] = NAN;
    float beta = (float)kl_weight(o, s->step);
    anc_vae_zero_grad(vae);
    anc_vae_loss l;
    anc_status st = anc_vae_loss_batch(vae, t->xb, t->eps, m, beta, 1, NULL, &l);
    double gn = st == ANC_OK ? anc_grad_clip(anc_vae_grads(vae), np, o->clip) : NAN;
    s->step++;
    t->batches_this_run++;
    if (st != ANC_OK || !isfinite(gn)) {
        s->bad++;
        if (t->tty)
            anc_cli_progress_end();
        anc_cli_warn("epoch %d batch %lld: non-finite %s; batch skipped", s->epoch + 1,
                     s->batch + 1, st != ANC_OK ? "loss" : "gradient");
        return;
    }
    anc_adam_step(&s->adam, anc_vae_params(vae), anc_vae_grads(vae), anc_vae_adam_m(vae),
                  anc_vae_adam_v(vae), np);
    if (!anc_all_finite(anc_vae_params(vae), np)) {
        memcpy(anc_vae_params(vae), t->good, np * sizeof(float));
        memcpy(anc_vae_adam_m(vae), t->good + 2 * np, np * sizeof(float));
        memset(anc_vae_adam_v(vae), 0, np * sizeof(float));
        s->adam = t->good_adam;
        s->adam.lr *= 0.5f;
        s->bad++;
        anc_cli_warn("epoch %d batch %lld: parameters became non-finite; back to the state of "
                     "the epoch start with learning rate %g", s->epoch + 1, s->batch + 1,
                     (double)s->adam.lr);
        return;
    }
    s->sum_total += l.total * m;
    s->sum_rec += l.rec * m;
    s->sum_kl += l.kl * m;
    t->frames_done += m;
    if (t->tty && (s->batch % 4 == 0 || s->batch + 1 == t->per_epoch)) {
        char label[64], extra[160];
        double done = (double)(s->epoch * t->per_epoch + s->batch + 1) /
                      (double)(o->epochs * t->per_epoch);
        snprintf(label, sizeof label, "epoch %d/%d", s->epoch + 1, o->epochs);
        snprintf(extra, sizeof extra, "loss %.2f KL %.2f val LSD %.2f dB", l.total, l.kl,
                 t->last_val.lsd_db);
        anc_cli_progress(label, done, t->train_time + anc_cli_now() - epoch_start, extra);
    }
}

/* The batches of epoch s.epoch from s.batch on. Returns 0 when interrupted (a
 * signal or --stop-after-batches), after writing the checkpoint. */
static int train_epoch(trainer *t)
{
    const options *o = &t->o;
    state *s = &t->s;
    /* The permutation comes from the generator as it was at the epoch's start, so
     * a resumed run rebuilds the same order and skips what was done. */
    anc_rng perm_rng = s->rng_epoch;
    for (size_t i = 0; i < t->ds->n_train; i++)
        t->order[i] = t->ds->train[i];
    shuffle(t->order, t->ds->n_train, &perm_rng);
    if (s->batch == 0)
        s->rng = perm_rng;
    double te = anc_cli_now();
    for (; s->batch < t->per_epoch; s->batch++) {
        if (interrupted || (o->stop_after >= 0 && t->batches_this_run >= o->stop_after)) {
            if (t->tty)
                anc_cli_progress_end();
            write_checkpoint(o, t->vae, t->ds, s, &t->hist);
            fprintf(stderr, "%s: interrupted at epoch %d batch %lld; checkpoint written to %s "
                    "(continue with --resume)\n", anc_cli_program(), s->epoch + 1, s->batch,
                    o->checkpoint);
            return 0;
        }
        train_batch(t, te);
    }
    t->train_time += anc_cli_now() - te;
    return 1;
}

/* End of epoch: measure, print, log, remember the good state, checkpoint.
 * Evaluation draws its noise from a generator of its own so it never shifts the
 * training sequence. */
static void finish_epoch(trainer *t)
{
    const options *o = &t->o;
    const anc_dataset *ds = t->ds;
    state *s = &t->s;
    const size_t np = t->np;
    double tl = s->sum_total / (double)ds->n_train, tr = s->sum_rec / (double)ds->n_train,
           tk = s->sum_kl / (double)ds->n_train;
    anc_rng erng;
    anc_rng_seed(&erng, o->seed * 1000003ULL + (uint64_t)s->epoch);
    eval_result tre = evaluate(t->vae, ds, t->probe, t->n_probe, NULL);
    t->last_val = ds->n_val ? evaluate(t->vae, ds, ds->val, ds->n_val, &erng)
                            : (eval_result){NAN, NAN, NAN, NAN};
    if (t->tty)
        fputs("\r\033[K", stderr); /* the epoch line replaces the bar */
    if (!o->quiet)
        fprintf(stderr, "epoch %d/%d: loss %.3f (rec %.3f, KL %.3f) train LSD %.2f dB, "
                "val LSD %.2f dB, val ELBO %.2f%s\n", s->epoch + 1, o->epochs, tl, tr, tk,
                tre.lsd_db, t->last_val.lsd_db, t->last_val.elbo,
                s->bad ? " (some batches skipped)" : "");
    if (t->logf) {
        fprintf(t->logf, "%d,%lld,%.3f,%.6g,%.6g,%.6f,%.6f,%.6f,%.4f,%.6f,%.4f,%lld\n",
                s->epoch + 1, s->step, anc_cli_now() - t->t0, (double)s->adam.lr,
                kl_weight(o, s->step), tl, tr, tk, tre.lsd_db, t->last_val.elbo,
                t->last_val.lsd_db, s->bad);
        fflush(t->logf);
    }
    s->batch = 0;
    s->sum_total = s->sum_rec = s->sum_kl = 0.0;
    s->rng_epoch = s->rng;
    memcpy(t->good, anc_vae_params(t->vae), np * sizeof(float));
    memcpy(t->good + 2 * np, anc_vae_adam_m(t->vae), np * sizeof(float));
    t->good_adam = s->adam;
    state saved = *s;
    saved.epoch = s->epoch + 1; /* the loop counts this epoch as done only after */
    history_add(&t->hist, &(anc_report_epoch){
        .epoch = s->epoch + 1, .train_loss = tr + tk, .val_loss = -t->last_val.elbo,
        .train_kl = tk, .val_kl = t->last_val.kl, .train_lsd_db = tre.lsd_db,
        .val_lsd_db = t->last_val.lsd_db, .beta = kl_weight(o, s->step)});
    write_checkpoint(o, t->vae, ds, &saved, &t->hist);
    if (o->report)
        write_report(t, NULL);
}

/* What a finished run measured: the latents' statistics in the original order
 * and their order by importance, and the final figures. */
struct figures {
    double kl[ANC_MAX_LATENT], mean[ANC_MAX_LATENT], sd[ANC_MAX_LATENT];
    int perm[ANC_MAX_LATENT]; /* perm[j]: the dimension that becomes knob j */
    eval_result train, val;
    double pca_train, pca_val;
};

/* The PCA baseline's LSD on the training and validation frames (NAN where not
 * measured), once per run: --report draws it from the first epoch on. */
static void pca_baseline(trainer *t)
{
    const anc_dataset *ds = t->ds;
    const int D = ds->n_input, L = t->cfg.n_latent;
    if (t->pca_done)
        return;
    t->pca_done = 1;
    anc_pca *pca = NULL;
    anc_error err;
    t->pca_val = t->pca_train = NAN;
    if (anc_pca_fit(ds->z, ds->train, ds->n_train, D, L < D ? L : D, &pca, &err) == ANC_OK) {
        t->pca_train = pca_lsd(pca, ds, ds->train, ds->n_train);
        if (ds->n_val)
            t->pca_val = pca_lsd(pca, ds, ds->val, ds->n_val);
        anc_pca_free(pca);
    } else {
        anc_cli_warn("PCA baseline skipped: %s", err.message);
    }
}

/* Orders the latents by importance and measures the model, on the training and
 * validation frames, against the PCA baseline. */
static void measure(trainer *t, figures *fg)
{
    const anc_dataset *ds = t->ds;
    anc_error err;
    latent_stats(t->vae, ds, fg->kl, fg->mean, fg->sd, fg->perm);
    if (anc_vae_permute_latents(t->vae, fg->perm, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "%s", err.message);

    fg->train = evaluate(t->vae, ds, ds->train, ds->n_train, NULL);
    anc_rng erng;
    anc_rng_seed(&erng, t->o.seed * 7919ULL + 17);
    fg->val = ds->n_val ? evaluate(t->vae, ds, ds->val, ds->n_val, &erng)
                        : (eval_result){NAN, NAN, NAN, NAN};
    pca_baseline(t);
    fg->pca_train = t->pca_train;
    fg->pca_val = t->pca_val;
}

/* The model file, with its figures and latent statistics in knob order. */
static void save_model(trainer *t, const figures *fg)
{
    const options *o = &t->o;
    anc_model *model = new_model(o, &t->cfg, t->ds, anc_vae_params(t->vae));
    anc_model_header *h = anc_model_header_mut(model);
    h->epochs = (uint32_t)o->epochs;
    /* The file holds finite numbers only; figures not measured (no validation
     * files, --val 0) are stored as 0 and reported as nan by print_summary. */
    h->train_lsd_db = isfinite(fg->train.lsd_db) ? (float)fg->train.lsd_db : 0.0f;
    h->val_lsd_db = isfinite(fg->val.lsd_db) ? (float)fg->val.lsd_db : 0.0f;
    h->pca_val_lsd_db = isfinite(fg->pca_val) ? (float)fg->pca_val : 0.0f;
    h->val_elbo_nats_per_frame = isfinite(fg->val.elbo) ? (float)fg->val.elbo : 0.0f;
    anc_latent_stats ls;
    anc_model_latent_stats(model, &ls);
    for (int j = 0; j < t->cfg.n_latent; j++) {
        ls.order[j] = (uint32_t)fg->perm[j];
        ls.kl[j] = (float)fg->kl[fg->perm[j]];
        ls.mu_mean[j] = (float)fg->mean[fg->perm[j]];
        ls.mu_std[j] = (float)fg->sd[fg->perm[j]];
    }
    anc_error err;
    if (anc_model_save(model, o->out, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot save the model: %s", err.message);
    anc_model_free(model);
}

/* The end summary on stdout, as key: value lines. */
static void print_summary(const trainer *t, const figures *fg)
{
    const options *o = &t->o;
    const anc_dataset *ds = t->ds;
    const anc_audio_summary *sum = &t->corpus->summary;
    double fps = t->train_time > 0 ? t->frames_done / t->train_time : 0.0;
    printf("model: %s\n", o->out);
    printf("files_used: %zu\nfiles_skipped: %zu\nseconds_used: %.1f\n", sum->files_used,
           sum->files_skipped, sum->seconds_used);
    printf("train_files: %zu\nval_files: %zu\ntrain_frames: %zu\nval_frames: %zu\n",
           ds->train_files, ds->val_files, ds->n_train, ds->n_val);
    printf("epochs: %d\nparameters: %zu\nthreads: %d\n", o->epochs, t->np, o->threads);
    printf("pitch: %s\nn_input: %d\n", ds->space.rel ? "relative" : "absolute", ds->n_input);
    if (ds->space.level_norm)
        printf("level: normalized\nlevel_db: %.1f\n", o->level_db);
    else
        printf("level: kept\n");
    if (ds->space.rel)
        printf("pitch_range_hz: %.1f..%.1f\nvoiced_fraction: %.4f\n", (double)ds->pitch_lo_hz,
               (double)ds->pitch_hi_hz, (double)ds->voiced_fraction);
    printf("frames_per_second: %.0f\n", fps);
    printf("train_lsd_db: %.3f\nval_lsd_db: %.3f\n", fg->train.lsd_db, fg->val.lsd_db);
    printf("pca_train_lsd_db: %.3f\npca_val_lsd_db: %.3f\n", fg->pca_train, fg->pca_val);
    printf("val_elbo_nats_per_frame: %.3f\nval_kl_nats_per_frame: %.3f\n", fg->val.elbo,
           fg->val.kl);
    printf("skipped_batches: %lld\n", t->s.bad);
    printf("latent_kl:");
    for (int j = 0; j < t->cfg.n_latent; j++)
        printf(" %.3f", fg->kl[fg->perm[j]]);
    printf("\nseconds: %.1f\n", anc_cli_now() - t->t0);
}

/* The report's spectrograms: REPORT_SPECTRA validation files (training files when
 * there are none), evenly spaced in clip order. */
#define REPORT_SPECTRA 3
static size_t report_spectra(trainer *t, anc_report_spectra *sp, char *note, size_t cap)
{
    const anc_dataset *ds = t->ds;
    const anc_audio_corpus *corpus = t->corpus;
    const int want_val = ds->val_files > 0;
    size_t pick[REPORT_SPECTRA], n_cand = 0, ns = 0;
    for (size_t c = 0; c < ds->n_clips; c++)
        n_cand += ds->is_val[c] == want_val;
    size_t k = n_cand < REPORT_SPECTRA ? n_cand : REPORT_SPECTRA;
    for (size_t c = 0, i = 0; c < ds->n_clips && ns < k; c++) {
        if (ds->is_val[c] != want_val)
            continue;
        if (i++ == ns * n_cand / k)
            pick[ns++] = c;
    }
    anc_stft *st = NULL;
    anc_phase *ph = NULL;
    anc_error err;
    if (anc_stft_create(&st, t->o.fft, t->o.hop, &err) != ANC_OK ||
        anc_phase_create(&ph, t->o.fft, t->o.hop, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot draw the report's spectrograms: %s", err.message);
    for (size_t i = 0; i < ns; i++) {
        const anc_audio_clip *clip = &corpus->clips[pick[i]];
        if (anc_recon_spectra(&sp[i], anc_recon_basename(clip->path), t->vae, &ds->space, st, ph,
                              clip->samples, clip->n, &err) != ANC_OK)
            anc_cli_die(ANC_EXIT_FAILURE, "%s: %s", clip->path, err.message);
    }
    anc_phase_free(ph);
    anc_stft_free(st);
    snprintf(note, cap, "Up to the first %.1f s of %zu of the %zu %s files.",
             ANC_RECON_REPORT_HOPS * (double)t->o.hop / t->o.rate, ns, n_cand,
             want_val ? "validation" : "training (there are no validation)");
    return ns;
}

/* --report: the page of the run so far. Every epoch (fg NULL) the curves; at the
 * end (fg, latents in knob order) also the KL per dimension, the map of the
 * files and the spectrograms. */
static void write_report(trainer *t, const figures *fg)
{
    const double t0 = anc_cli_now();
    const options *o = &t->o;
    const anc_dataset *ds = t->ds;
    const int L = t->cfg.n_latent;
    anc_report_row rows[16];
    size_t nr = 0;
#define ROW(k, ...) (rows[nr].key = (k), snprintf(rows[nr].value, sizeof rows[nr].value, \
                                                   __VA_ARGS__), nr++)
    ROW("model", "%s%s", o->out, fg ? "" : " (training)");
    ROW("epochs", "%zu of %d", t->hist.n ? (size_t)t->hist.e[t->hist.n - 1].epoch : (size_t)0,
        o->epochs);
    ROW("files", "%zu training, %zu validation (%zu skipped)", ds->train_files, ds->val_files,
        t->corpus->summary.files_skipped);
    ROW("frames", "%zu training, %zu validation", ds->n_train, ds->n_val);
    char hidden[96] = "";
    for (int i = 0; i < t->cfg.n_hidden; i++)
        snprintf(hidden + strlen(hidden), sizeof hidden - strlen(hidden), "%s%d", i ? "-" : "",
                 t->cfg.hidden[i]);
    ROW("network", "%d inputs (%s), hidden %s, %d latent dimensions, %zu parameters",
        ds->n_input, ds->space.rel ? "pitch-relative" : "linear bins",
        t->cfg.n_hidden ? hidden : "none", L, t->np);
    ROW("STFT", "%d Hz, FFT %d, hop %d", o->rate, o->fft, o->hop);
    ROW("training", "batch %d, learning rate %g, beta %g after %ld warm-up steps, seed %llu",
        o->batch, o->lr, o->beta, o->warmup, o->seed);
    if (fg) {
        ROW("LSD", "training %.2f dB, validation %.2f dB (PCA: %.2f dB, %.2f dB)",
            fg->train.lsd_db, fg->val.lsd_db, fg->pca_train, fg->pca_val);
        ROW("validation ELBO", "%.3f nats per frame (KL %.3f)", fg->val.elbo, fg->val.kl);
    }
#undef ROW
    double kl[ANC_MAX_LATENT];
    anc_report_point *pts = NULL;
    anc_report_spectra sp[REPORT_SPECTRA] = {{0}};
    char note[160] = "";
    size_t np = 0, ns = 0;
    if (fg) {
        for (int j = 0; j < L; j++)
            kl[j] = fg->kl[fg->perm[j]];
        double *sum;
        size_t *cnt;
        clip_mu_sums(t->vae, ds, ds->n_clips, &sum, &cnt);
        pts = calloc(ds->n_clips, sizeof *pts);
        if (!pts)
            anc_cli_die(ANC_EXIT_FAILURE, "out of memory for the report");
        for (size_t c = 0; c < ds->n_clips; c++)
            if (cnt[c])
                pts[np++] = (anc_report_point){
                    anc_recon_basename(t->corpus->clips[c].path), sum[c * L] / (double)cnt[c],
                    L > 1 ? sum[c * L + 1] / (double)cnt[c] : 0.0, ds->is_val[c]};
        free(sum);
        free(cnt);
        ns = report_spectra(t, sp, note, sizeof note);
    }
    anc_report r = {
        .title = "ancestral-train report",
        .subtitle = fg ? "Training finished." : "Training: this page is rewritten after every "
                                                "epoch; reload it to follow the run.",
        .rows = rows, .n_rows = nr,
        .history = t->hist.e, .n_epochs = t->hist.n, .epochs_planned = o->epochs,
        .pca_train_lsd_db = t->pca_train, .pca_val_lsd_db = t->pca_val,
        .n_latent = L, .latent_kl = fg ? kl : NULL,
        .latent_note = "Mean KL per training frame of each latent dimension, in knob order: "
                       "the trainer orders them by importance, so z1 matters most.",
        .points = pts, .n_points = np,
        .spectra = sp, .n_spectra = ns, .spectra_note = fg ? note : NULL,
        .pending_note = "Drawn when training ends (the latent dimensions are ordered by "
                        "importance then).",
    };
    anc_error err;
    if (anc_report_write(&r, o->report, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write the report: %s", err.message);
    for (size_t i = 0; i < ns; i++)
        anc_recon_spectra_free(&sp[i]);
    free(pts);
    if (fg && !o->quiet)
        fprintf(stderr, "wrote the report %s in %.2f s\n", o->report, anc_cli_now() - t0);
}

/* After the last epoch: measure, save the model and the presets, summarise. */
static void finish(trainer *t)
{
    figures fg;
    measure(t, &fg);
    save_model(t, &fg);
    if (t->o.presets)
        write_presets(&t->o, t->vae, t->ds, t->corpus);
    if (t->o.report)
        write_report(t, &fg);
    print_summary(t, &fg);
}

static void teardown(trainer *t)
{
    if (t->logf)
        fclose(t->logf);
    free(t->good);
    free(t->order);
    free(t->xb);
    free(t->eps);
    free(t->probe);
    free(t->hist.e);
    anc_vae_free(t->vae);
    anc_dataset_free(t->ds);
    anc_audio_corpus_free(t->corpus);
}

int main(int argc, char **argv)
{
    anc_cli_set_program("ancestral-train");
    static trainer t; /* zeroed; large enough to keep off the stack */
    setup(&t, argc, argv);
    if (t.o.dump) {
        dump_frames(t.o.dump, t.ds);
        teardown(&t);
        return ANC_EXIT_OK;
    }
    setup_training(&t);
    int status = ANC_EXIT_OK;
    for (; t.s.epoch < t.o.epochs; t.s.epoch++) {
        if (!train_epoch(&t)) {
            status = ANC_EXIT_FAILURE;
            break;
        }
        finish_epoch(&t);
    }
    if (status == ANC_EXIT_OK)
        finish(&t);
    teardown(&t);
    return status;
}

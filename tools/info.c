/* info.c — ancestral-info: what a model file (.vae) holds, as `key: value` lines:
 * the file header, STFT settings, architecture, learned sigma, training summary
 * and per-dimension latent statistics. It reads the model and nothing else.
 *
 *   ancestral-info MODEL.vae
 *
 * Exit status: 0 printed, 1 runtime failure, 2 bad usage or an unusable model
 * (one line naming the file, the loader's message). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "model.h"
#include "nn.h"
#include "stft.h"
#include "vae.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ancestral-info MODEL.vae\n"
               "Prints a model's header, STFT settings, architecture, learned sigma, training\n"
               "summary and per-dimension latent statistics as `key: value` lines.\n");
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The loader has accepted the file, so its first 16 bytes are magic, version and
 * header size; they are re-read here because the parsed model does not keep them. */
static void file_facts(const char *path, uint32_t *version, uint32_t *header_bytes,
                       long long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        anc_cli_die(ANC_EXIT_FAILURE, "%s: cannot reopen: %s", path, strerror(errno));
    unsigned char b[16];
    struct stat sb;
    if (fread(b, 1, sizeof b, f) != sizeof b || fstat(fileno(f), &sb) != 0) {
        fclose(f);
        anc_cli_die(ANC_EXIT_FAILURE, "%s: cannot reread the header", path);
    }
    fclose(f);
    *version = le32(b + 8);
    *header_bytes = le32(b + 12);
    *size = (long long)sb.st_size;
}

/* Parameters of the tensors the decoder (the plugin) loads. */
static size_t decoder_params(const anc_vae_config *cfg)
{
    anc_tensor_info infos[ANC_VAE_MAX_TENSORS];
    size_t n = 0;
    int count = anc_vae_layout(cfg, infos, NULL);
    for (int i = 0; i < count; i++)
        if (infos[i].decoder)
            n += (size_t)infos[i].rows * (size_t)infos[i].cols;
    return n;
}

static const char *window_name(uint32_t w)
{
    return w == ANC_WINDOW_HANN ? "hann" : "unknown";
}

int main(int argc, char **argv)
{
    anc_cli_set_program("ancestral-info");
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return ANC_EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '-')
        anc_cli_die(ANC_EXIT_USAGE, "%s (usage: ancestral-info MODEL.vae)",
                    argc < 2 ? "no model file given"
                    : argc > 2 ? "one model file at a time"
                               : "unknown option");
    const char *path = argv[1];
    anc_model *m;
    anc_error err;
    if (anc_model_load_file(&m, path, &err) != ANC_OK)
        anc_cli_die(err.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s",
                    err.message);
    uint32_t version, header_bytes;
    long long size;
    file_facts(path, &version, &header_bytes, &size);

    const anc_model_header *h = anc_model_get_header(m);
    const anc_vae_config *a = &h->arch;
    const int nb = (int)h->n_fft / 2 + 1, L = a->n_latent;

    printf("file: %s\n", path);
    printf("format_version: %u\n", (unsigned)version);
    printf("header_bytes: %u\n", (unsigned)header_bytes);
    printf("size_bytes: %lld\n", size);

    printf("sample_rate: %u\n", (unsigned)h->sample_rate);
    printf("n_fft: %u\n", (unsigned)h->n_fft);
    printf("hop: %u\n", (unsigned)h->hop);
    printf("window: %s\n", window_name(h->window));
    printf("frame_rate_hz: %.3f\n", (double)h->sample_rate / (double)h->hop);
    printf("n_bins: %d\n", nb);
    printf("floor_db: %.1f\n", (double)h->floor_db);
    printf("pitch: %s\n", h->pitch_mode == ANC_PITCH_RELATIVE ? "relative" : "absolute");
    printf("n_input: %d\n", a->n_input);
    if (h->pitch_mode == ANC_PITCH_RELATIVE) {
        printf("relative_points_per_octave: %u\n", (unsigned)h->rel_points_per_octave);
        printf("relative_octaves_below_f0: %g\n", (double)h->rel_octaves_below);
        printf("relative_f0_min_hz: %g\n", (double)h->rel_f0_min);
        printf("relative_unvoiced_f0_hz: %g\n", (double)h->rel_f0_ref);
    }
    /* 0 when the trainer did not measure them (older models). */
    printf("pitch_range_hz: %.1f..%.1f\n", (double)h->pitch_lo_hz, (double)h->pitch_hi_hz);
    printf("voiced_fraction: %.4f\n", (double)h->voiced_fraction);
    if (h->level_mode == ANC_LEVEL_NORMALIZED)
        printf("level: normalized\nlevel_db: %.1f\n", (double)h->level_db);
    else
        printf("level: kept\n");

    printf("n_latent: %d\n", L);
    printf("hidden: ");
    if (a->n_hidden == 0)
        printf("none");
    for (int i = 0; i < a->n_hidden; i++)
        printf(i ? ",%d" : "%d", a->hidden[i]);
    printf("\nactivation: %s\n", anc_activation_name(a->act));
    printf("parameters: %zu\n", anc_model_num_params(m));
    /* What the plugin loads: the decoder layers, the output layer and sigma. */
    printf("decoder_parameters: %zu\n", decoder_params(a));

    /* sigma is in normalised feature units (one per-bin deviation); times the mean
     * deviation it reads roughly as dB of spectral level. */
    anc_vae_tensors t;
    anc_model_tensors(m, &t);
    const double log_sigma = (double)t.log_sigma[0], sigma = exp(log_sigma);
    const float *std = anc_model_feature_std_const(m);
    double mean_std = 0.0;
    for (int k = 0; k < a->n_input; k++)
        mean_std += (double)std[k];
    mean_std /= (double)a->n_input;
    printf("log_sigma: %.6f\n", log_sigma);
    printf("sigma: %.6f\n", sigma);
    printf("mean_feature_std_db: %.3f\n", mean_std);
    printf("sigma_db_approx: %.3f\n", sigma * mean_std);

    printf("epochs: %u\n", (unsigned)h->epochs);
    printf("train_files: %u\n", (unsigned)h->train_files);
    printf("val_files: %u\n", (unsigned)h->val_files);
    printf("train_frames: %llu\n", (unsigned long long)h->train_frames);
    printf("val_frames: %llu\n", (unsigned long long)h->val_frames);
    printf("seed: %llu\n", (unsigned long long)h->seed);
    printf("beta: %g\n", (double)h->beta);
    if (h->train_seconds > 0)
        printf("train_seconds: %.1f\n", (double)h->train_seconds);
    printf("train_lsd_db: %.3f\n", (double)h->train_lsd_db);
    printf("val_lsd_db: %.3f\n", (double)h->val_lsd_db);
    printf("pca_val_lsd_db: %.3f\n", (double)h->pca_val_lsd_db);
    printf("val_elbo_nats_per_frame: %.3f\n", (double)h->val_elbo_nats_per_frame);

    /* Knob order: latent_1 is z1, the dimension with the most KL. */
    anc_latent_stats ls;
    anc_model_latent_stats(m, &ls);
    double kl_total = 0.0;
    for (int l = 0; l < L; l++)
        kl_total += (double)ls.kl[l];
    printf("kl_total_nats_per_frame: %.3f\n", kl_total);
    for (int l = 0; l < L; l++)
        printf("latent_%d: kl %.3f mu_mean %.3f mu_std %.3f original_index %u\n", l + 1,
               (double)ls.kl[l], (double)ls.mu_mean[l], (double)ls.mu_std[l],
               (unsigned)ls.order[l]);

    anc_model_free(m);
    if (fflush(stdout) != 0 || ferror(stdout))
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write the output: %s", strerror(errno));
    return ANC_EXIT_OK;
}

/* test_presets.c — the shipped presets: each labelled, each naming the bundle's
 * default model, and each sounding clearly different from every other. Every
 * preset's knob values are played through the engine with the default model;
 * the time-averaged level spectra of any two presets must differ by at least
 * 3 dB of log-spectral distance.
 * usage: test_presets PRESETS_DIR (holding manifest.ttl, the presets, default.vae) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"
#include "metrics.h"
#include "model.h"
#include "stft.h"

#define MAX_PRESETS 32

typedef struct preset {
    char file[256], label[128];
    float knobs[ANC_KNOBS];
    int n_knobs, has_model;
    float *spectrum_db;
} preset;

/* Reads the values of a preset file as written by anc_presets_write(). */
static int read_preset(const char *path, preset *p)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[512];
    int sym = -1;
    while (fgets(line, sizeof line, f)) {
        const char *s;
        if ((s = strstr(line, "rdfs:label \""))) {
            s += 12;
            size_t n = strcspn(s, "\"");
            snprintf(p->label, sizeof p->label, "%.*s", (int)n, s);
        } else if ((s = strstr(line, "lv2:symbol \"z"))) {
            sym = atoi(s + 13) - 1;
        } else if ((s = strstr(line, "pset:value")) && sym >= 0 && sym < ANC_KNOBS) {
            p->knobs[sym] = strtof(s + 10, NULL);
            if (sym + 1 > p->n_knobs)
                p->n_knobs = sym + 1;
            sym = -1;
        } else if (strstr(line, "<" ANC_MODEL_URI "> <default.vae>")) {
            p->has_model = 1;
        }
    }
    fclose(f);
    return 1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../presets";
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.ttl", dir);
    FILE *mf = fopen(path, "r");
    if (!check_true(mf != NULL, "cannot open %s", path))
        return check_exit();
    preset ps[MAX_PRESETS];
    int n = 0;
    char line[512];
    memset(ps, 0, sizeof ps);
    while (fgets(line, sizeof line, mf) && n < MAX_PRESETS) {
        const char *s = strstr(line, "rdfs:seeAlso <");
        if (!s)
            continue;
        s += 14;
        size_t len = strcspn(s, ">");
        snprintf(ps[n].file, sizeof ps[n].file, "%.*s", (int)len, s);
        int w = snprintf(path, sizeof path, "%s/%s", dir, ps[n].file);
        check_true(w > 0 && w < (int)sizeof path && read_preset(path, &ps[n]),
                   "cannot read preset %s", path);
        n++;
    }
    fclose(mf);
    check_true(n >= 6, "%d presets listed, at least 6 expected", n);

    anc_model *m;
    anc_error err;
    snprintf(path, sizeof path, "%s/default.vae", dir);
    if (!check_true(anc_model_load_file(&m, path, &err) == ANC_OK, "%s", err.message))
        return check_exit();
    const anc_model_header *h = anc_model_get_header(m);
    const double rate = h->sample_rate;
    anc_stft *st;
    anc_stft_create(&st, (int)h->n_fft, (int)h->hop, NULL);
    const int nb = anc_stft_n_bins(st);
    const size_t len = (size_t)(2.0 * rate);
    float *y = malloc(len * sizeof *y), *mag = malloc(sizeof(float) * nb * anc_stft_num_frames(st, len));
    for (int i = 0; i < n; i++) {
        preset *p = &ps[i];
        check_true(p->label[0] != 0, "%s has no rdfs:label", p->file);
        check_true(p->has_model, "%s does not name <default.vae> as its model", p->file);
        check_true(p->n_knobs >= h->arch.n_latent, "%s sets %d knobs, model has %d latents",
                   p->file, p->n_knobs, h->arch.n_latent);
        anc_engine *e;
        anc_engine_create(&e, m, rate, 1, NULL);
        anc_engine_params prm;
        anc_engine_params_default(&prm);
        memcpy(prm.knobs, p->knobs, sizeof prm.knobs);
        anc_engine_set_params(e, &prm);
        anc_engine_reset(e);
        anc_engine_process(e, y, (uint32_t)len);
        anc_engine_free(e);
        /* average power spectrum over the second half (after start-up), in dB */
        size_t nf = anc_stft_num_frames(st, len);
        anc_stft_analyze_magnitude(st, y, len, mag);
        p->spectrum_db = calloc((size_t)nb, sizeof(float));
        for (int k = 0; k < nb; k++) {
            double s = 0.0;
            for (size_t t = nf / 2; t < nf; t++)
                s += (double)mag[t * nb + k] * mag[t * nb + k];
            p->spectrum_db[k] = (float)(10.0 * log10(s / (double)(nf - nf / 2) + 1e-20));
        }
    }
    double closest = INFINITY;
    int ci = 0, cj = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            anc_lsd acc = {0};
            anc_lsd_add_db(&acc, ps[i].spectrum_db, ps[j].spectrum_db, nb);
            anc_lsd acc2 = {0};
            anc_lsd_add_db(&acc2, ps[j].spectrum_db, ps[i].spectrum_db, nb);
            double d = fmin(anc_lsd_result(&acc), anc_lsd_result(&acc2));
            if (isnan(d))
                d = 0.0;
            if (d < closest) {
                closest = d;
                ci = i;
                cj = j;
            }
        }
    printf("%s %d presets; closest pair \"%s\" / \"%s\" differs by %.2f dB LSD (need >= 3)\n",
           closest >= 3.0 ? "ok" : "FAIL", n, ps[ci].label, ps[cj].label, closest);
    check_true(closest >= 3.0, "presets \"%s\" and \"%s\" sound alike (%.2f dB)", ps[ci].label,
               ps[cj].label, closest);
    for (int i = 0; i < n; i++)
        free(ps[i].spectrum_db);
    free(y);
    free(mag);
    anc_stft_free(st);
    anc_model_free(m);
    return check_exit();
}

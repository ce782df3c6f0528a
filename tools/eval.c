/* eval.c — ancestral-eval: how well a trained model explains sound files, as
 * `key: value` lines (definitions in DESIGN.md, "Metrics").
 *
 *   ancestral-eval --model MODEL.vae [--samples K] [--phase rtpghi|random]
 *                  [--seed S] [--threads T] [--report FILE.html] [--quiet] INPUT...
 *
 * Inputs are read at the model's sample rate and framed with the model's STFT
 * settings and the model's own feature normalisation (never refitted: the model
 * is judged on the features it was trained to see); a pitch-relative model's
 * frames are mapped onto its axis at each frame's f0 from the offline pitch
 * track, as the trainer does. Frame-based figures use the frames above the
 * -60 dBFS gate, as the trainer's dataset does:
 *  - elbo_nats_per_frame: the ELBO at beta = 1 (the trainer's val ELBO units:
 *    nats in the normalised feature space), noise averaged over ELBO_DRAWS draws;
 *  - log_px_nats_per_frame: the importance-sampled estimate
 *      log p(x) ~ logsumexp_k [log N(x; f(z_k), sigma^2 I) + log N(z_k; 0, I)
 *                               - log q(z_k|x)] - log K,   z_k ~ q(z|x),
 *    a stochastic lower bound on log p(x) that is never below the ELBO in
 *    expectation and tightens as K grows;
 *  - lsd_db: decode of the posterior mean against the input, on linear bins (a
 *    relative model's decode mapped back at each frame's own f0), so relative
 *    and absolute models compare;
 *  - voiced_fraction: the share of those frames the pitch track calls voiced.
 * Clip-based figures use every frame of every clip in order:
 *  - spectral_convergence_db: phase rebuilt causally from the true magnitudes,
 *    frame by frame with anc_phase_next as the plugin does, overlap-added and
 *    re-analysed;
 *  - decoded_spectral_convergence_db: the same with the decoder's magnitudes
 *    along the input's latent path (decode(mu(x)) of each frame, on linear bins
 *    at the frame's f0).
 *
 * --report writes an HTML page (report.h) with the figures, the model's KL per
 * latent dimension, a map of the input files in its two most important
 * dimensions and the spectrograms of a few of them; it changes no figure.
 *
 * Exit status: 0 ok, 1 runtime failure, 2 bad usage or unusable input. */
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_in.h"
#include "cli.h"
#include "feature.h"
#include "metrics.h"
#include "model.h"
#include "model_vae.h"
#include "phase.h"
#include "recon.h"
#include "report.h"
#include "rng.h"
#include "stft.h"
#include "vae.h"

#define LOG_2PI 1.8378770664093454836
#define ELBO_DRAWS 4   /* noise draws the ELBO is averaged over */
#define MIN_SAMPLES 64 /* the contract's least K for the importance-sampled log p(x) */
#define BATCH 256      /* frames per encoder / decoder call */
#define REPORT_SPECTRA 3 /* files whose spectrograms the report shows */

typedef struct options {
    const char *model, *report;
    int samples, threads, phase, quiet;
    unsigned long long seed;
} options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ancestral-eval --model MODEL.vae [options] INPUT...\n"
            "Measures a timbre model on sound files and folders (searched recursively).\n"
            "  --model FILE          the model to evaluate (required)\n"
            "  --samples K           importance samples for log p(x), at least %d (default %d)\n"
            "  --phase NAME          rtpghi or random: phase reconstruction for the\n"
            "                        spectral convergence figures (default rtpghi)\n"
            "  --seed S              random seed (default 1)\n"
            "  --threads T           cores for the network (default 1)\n"
            "  --report FILE.html    also write an HTML report: figures, KL per latent\n"
            "                        dimension, a map of the inputs, spectrograms\n"
            "  --quiet               no progress bar\n",
            MIN_SAMPLES, MIN_SAMPLES);
}

static int parse(int argc, char **argv, options *o)
{
    enum { O_MODEL = 256, O_SAMPLES, O_PHASE, O_SEED, O_THREADS, O_QUIET, O_REPORT, O_HELP };
    static const struct option longopts[] = {
        {"model", required_argument, 0, O_MODEL}, {"samples", required_argument, 0, O_SAMPLES},
        {"phase", required_argument, 0, O_PHASE}, {"seed", required_argument, 0, O_SEED},
        {"threads", required_argument, 0, O_THREADS}, {"quiet", no_argument, 0, O_QUIET},
        {"report", required_argument, 0, O_REPORT},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0}};
    *o = (options){.samples = MIN_SAMPLES, .threads = 1, .phase = ANC_PHASE_RTPGHI, .seed = 1};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_MODEL: o->model = optarg; break;
        case O_SAMPLES:
            o->samples = (int)anc_cli_int("--samples", optarg, MIN_SAMPLES, 1 << 16);
            break;
        case O_PHASE:
            o->phase = anc_phase_method_from_name(optarg);
            if (o->phase < 0)
                anc_cli_die(ANC_EXIT_USAGE, "--phase: unknown '%s' (rtpghi, random)", optarg);
            break;
        case O_SEED: o->seed = anc_cli_u64("--seed", optarg); break;
        case O_THREADS: o->threads = (int)anc_cli_int("--threads", optarg, 1, 256); break;
        case O_QUIET: o->quiet = 1; break;
        case O_REPORT: o->report = optarg; break;
        case 'h': case O_HELP: usage(stdout); exit(ANC_EXIT_OK);
        default:
            anc_cli_die(ANC_EXIT_USAGE, "unknown or incomplete option '%s' (see --help)",
                        argv[optind - 1]);
        }
    }
    if (!o->model)
        anc_cli_die(ANC_EXIT_USAGE, "no model given (--model MODEL.vae; see --help)");
    if (optind >= argc)
        anc_cli_die(ANC_EXIT_USAGE, "no input sound files or folders given (see --help)");
    return optind;
}

static void *xmalloc(size_t count, size_t size)
{
    void *p = size && count > SIZE_MAX / size ? NULL
              : count && size ? malloc(count * size) : malloc(1);
    if (!p)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory (%zu x %zu bytes)", count, size);
    return p;
}

/* Everything the evaluation keeps across clips: the network, the STFT and phase
 * objects, buffers sized for the longest clip, and the running sums. */
typedef struct evaluator {
    const anc_model *model;
    anc_vae *vae;
    anc_frame_space fs;
    anc_stft *st;
    anc_phase *ph;
    anc_phase_method method;
    int D, L, K, nb; /* D features (bins or relative points), nb linear bins */
    double log_sigma;
    anc_rng rng_elbo, rng_is, rng_phase;
    /* per clip: [frames][D] features, [frames][nb] spectra, [frames] anchors */
    float *feat, *gated;
    float *mag, *gated_db, *dec_mag, *re, *im, *remag;
    float *anchor, *gated_f0;
    unsigned char *voiced;
    float *y;
    /* per batch */
    float *mu, *lv, *eps, *z, *f, *db_a, *db_b;
    double *lw;
    /* sums */
    size_t frames, voiced_frames;
    double elbo_sum, log_px_sum;
    anc_lsd lsd;
    anc_sc sc_true, sc_dec;
    /* --report: the sum of the gated frames' posterior means [clips][L] and their count */
    double *clip_mu;
    size_t *clip_frames;
} evaluator;

/* ELBO, importance-sampled log p(x) and LSD for m gated frames x[m][D] whose
 * linear levels are ref_db[m][nb] and anchors f0[m]. */
static void score_batch(evaluator *e, const float *x, const float *ref_db, const float *f0,
                        int m, const char *clip)
{
    const int D = e->D, L = e->L, K = e->K;
    for (int d = 0; d < ELBO_DRAWS; d++) {
        anc_vae_loss l;
        anc_rng_normal_fill(&e->rng_elbo, e->eps, (size_t)m * L);
        if (anc_vae_loss_batch(e->vae, x, e->eps, m, 1.0f, 0, NULL, &l) != ANC_OK)
            anc_cli_die(ANC_EXIT_FAILURE, "%s: the model's ELBO is not finite on this audio",
                        clip);
        e->elbo_sum += -l.total * m / (double)ELBO_DRAWS;
    }

    anc_vae_add_recon_lsd(e->vae, &e->fs, x, m, ref_db, f0, e->mu, e->lv, e->f, e->db_a,
                          e->db_b, &e->lsd);

    /* log w_k = log N(x; f(z_k), sigma^2 I) + log N(z_k; 0, I) - log q(z_k|x). The
     * L/2 log 2 pi of the prior and the posterior cancel and are left out. */
    const double inv_var = exp(-2.0 * e->log_sigma);
    const double log_px_const = -(double)D * e->log_sigma - 0.5 * (double)D * LOG_2PI;
    for (int k = 0; k < K; k++) {
        anc_rng_normal_fill(&e->rng_is, e->eps, (size_t)m * L);
        for (int i = 0; i < m * L; i++)
            e->z[i] = e->mu[i] + expf(0.5f * e->lv[i]) * e->eps[i];
        anc_vae_decode(e->vae, e->z, m, e->f);
        for (int j = 0; j < m; j++) {
            const float *xj = x + (size_t)j * D, *fj = e->f + (size_t)j * D;
            double sq = 0.0, zz = 0.0, ee = 0.0, lvs = 0.0;
            for (int i = 0; i < D; i++) {
                double r = (double)xj[i] - (double)fj[i];
                sq += r * r;
            }
            for (int l = 0; l < L; l++) {
                double zl = e->z[j * L + l], el = e->eps[j * L + l];
                zz += zl * zl;
                ee += el * el;
                lvs += e->lv[j * L + l];
            }
            double log_lik = -0.5 * sq * inv_var + log_px_const;
            double log_prior = -0.5 * zz;
            double log_q = -0.5 * ee - 0.5 * lvs;
            e->lw[(size_t)j * K + k] = log_lik + log_prior - log_q;
        }
    }
    for (int j = 0; j < m; j++) {
        const double *w = e->lw + (size_t)j * K;
        double top = w[0], s = 0.0;
        for (int k = 1; k < K; k++)
            if (w[k] > top)
                top = w[k];
        for (int k = 0; k < K; k++)
            s += exp(w[k] - top);
        e->log_px_sum += top + log(s) - log((double)K);
    }
}

/* Rebuilds the phase of M[nf][nb] causally, frame by frame as the engine does,
 * resynthesises n samples, re-analyses them and adds the result to acc. */
static void phase_sc(evaluator *e, const float *M, size_t nf, size_t n, anc_sc *acc)
{
    const int nb = e->nb;
    anc_error err;
    if (anc_recon_resynthesize(e->st, e->ph, e->method, &e->rng_phase, M, nf, n, e->re, e->im,
                               e->y, e->remag, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "resynthesis failed: %s", err.message);
    for (size_t t = 0; t < nf; t++)
        anc_sc_add(acc, M + t * nb, e->remag + t * nb, nb);
}

static void eval_clip(evaluator *e, const anc_audio_clip *clip, size_t c)
{
    const int D = e->D, nb = e->nb;
    const size_t nf = anc_stft_num_frames(e->st, clip->n);
    anc_stft_analyze_magnitude(e->st, clip->samples, clip->n, e->mag);
    anc_error err;
    if (anc_frame_space_anchors(&e->fs, clip->samples, clip->n, nf, e->anchor, e->voiced, &err) !=
        ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "%s: %s", clip->path, err.message);

    /* Features of every frame; those above the gate (the trainer's frames) are
     * also packed for scoring, with their linear levels and anchors. */
    size_t ng = 0;
    for (size_t t = 0; t < nf; t++) {
        float *db = e->gated_db + ng * nb;
        anc_mag_to_db(e->mag + t * nb, db, nb);
        anc_frame_space_encode(&e->fs, db, e->anchor[t], e->feat + t * D);
        if (anc_frame_above_gate(db, nb)) {
            memcpy(e->gated + ng * D, e->feat + t * D, sizeof(float) * D);
            e->gated_f0[ng] = e->anchor[t];
            e->voiced_frames += e->voiced[t];
            ng++;
        }
    }
    for (size_t i = 0; i < ng; i += BATCH) {
        int m = (int)(ng - i < BATCH ? ng - i : BATCH);
        score_batch(e, e->gated + i * D, e->gated_db + i * nb, e->gated_f0 + i, m, clip->path);
        for (int j = 0; e->clip_mu && j < m * e->L; j++)
            e->clip_mu[c * (size_t)e->L + (size_t)(j % e->L)] += e->mu[j];
    }
    if (e->clip_frames)
        e->clip_frames[c] = ng;
    e->frames += ng;

    /* The decoder's magnitudes along the clip's latent path, every frame. */
    anc_recon_decode_path(e->vae, &e->fs, e->feat, e->anchor, e->mag, nf, e->mu, e->f,
                          e->dec_mag);

    phase_sc(e, e->mag, nf, clip->n, &e->sc_true);
    phase_sc(e, e->dec_mag, nf, clip->n, &e->sc_dec);
}

/* The HTML report: the figures printed above, the model's KL per dimension (of
 * its training frames), the inputs on the map and the spectrograms of up to
 * REPORT_SPECTRA of them, evenly spaced in input order. */
static void write_report(evaluator *e, const options *o, const anc_audio_corpus *corpus)
{
    const double t0 = anc_cli_now();
    const anc_model_header *h = anc_model_get_header(e->model);
    const int L = e->L;
    anc_report_row rows[16];
    size_t nr = 0;
#define ROW(k, ...) (rows[nr].key = (k), snprintf(rows[nr].value, sizeof rows[nr].value, \
                                                   __VA_ARGS__), nr++)
    ROW("model", "%s", o->model);
    ROW("representation", "%s, %d inputs, %d latent dimensions, %u Hz, FFT %u, hop %u",
        e->fs.rel ? "pitch-relative" : "absolute (linear bins)", e->D, L, h->sample_rate,
        h->n_fft, h->hop);
    ROW("files", "%zu (%zu skipped), %zu frames above %.0f dBFS", corpus->n_clips,
        corpus->summary.files_skipped, e->frames, ANC_LSD_GATE_DB);
    ROW("lsd_db", "%.3f dB", anc_lsd_result(&e->lsd));
    ROW("elbo_nats_per_frame", "%.3f", e->elbo_sum / (double)e->frames);
    ROW("log_px_nats_per_frame", "%.3f (K = %d)", e->log_px_sum / (double)e->frames, e->K);
    ROW("spectral_convergence_db", "%.2f dB (%s phase from the true magnitudes)",
        anc_sc_result(&e->sc_true), anc_phase_method_name(e->method));
    ROW("decoded_spectral_convergence_db", "%.2f dB", anc_sc_result(&e->sc_dec));
    ROW("the model's training", "%u epochs, train LSD %.2f dB, validation LSD %.2f dB, "
        "PCA validation LSD %.2f dB (0 = not measured)", h->epochs, (double)h->train_lsd_db,
        (double)h->val_lsd_db, (double)h->pca_val_lsd_db);
#undef ROW
    anc_latent_stats ls;
    anc_model_latent_stats(e->model, &ls);
    double kl[ANC_MAX_LATENT];
    for (int j = 0; j < L; j++)
        kl[j] = (double)ls.kl[j];
    anc_report_point *pts = xmalloc(corpus->n_clips, sizeof *pts);
    size_t np = 0;
    for (size_t c = 0; c < corpus->n_clips; c++) {
        size_t n = e->clip_frames[c];
        if (!n)
            continue;
        pts[np++] = (anc_report_point){anc_recon_basename(corpus->clips[c].path),
                                       e->clip_mu[c * (size_t)L] / (double)n,
                                       L > 1 ? e->clip_mu[c * (size_t)L + 1] / (double)n : 0.0,
                                       0};
    }
    anc_report_spectra sp[REPORT_SPECTRA] = {{0}};
    size_t ns = corpus->n_clips < REPORT_SPECTRA ? corpus->n_clips : REPORT_SPECTRA;
    anc_error err;
    for (size_t i = 0; i < ns; i++) {
        const anc_audio_clip *clip = &corpus->clips[i * corpus->n_clips / ns];
        if (anc_recon_spectra(&sp[i], anc_recon_basename(clip->path), e->vae, &e->fs, e->st,
                              e->ph, clip->samples, clip->n, &err) != ANC_OK)
            anc_cli_die(ANC_EXIT_FAILURE, "%s: %s", clip->path, err.message);
    }
    char spectra_note[160];
    snprintf(spectra_note, sizeof spectra_note, "Up to the first %.1f s of %zu of the %zu input files.",
             ANC_RECON_REPORT_HOPS * (double)h->hop / h->sample_rate, ns, corpus->n_clips);
    anc_report r = {
        .title = "ancestral-eval report",
        .subtitle = anc_recon_basename(o->model),
        .rows = rows, .n_rows = nr,
        .history_note = "A model file keeps no per-epoch history: ancestral-train --report "
                        "draws the curves while it trains.",
        .pca_train_lsd_db = NAN, .pca_val_lsd_db = NAN,
        .n_latent = L, .latent_kl = kl,
        .latent_note = "KL per frame of each latent dimension on the model's training frames "
                       "(stored in the model), in knob order: z1 matters most.",
        .points = pts, .n_points = np,
        .spectra = sp, .n_spectra = ns, .spectra_note = spectra_note,
    };
    if (anc_report_write(&r, o->report, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write the report: %s", err.message);
    for (size_t i = 0; i < ns; i++)
        anc_recon_spectra_free(&sp[i]);
    free(pts);
    printf("report: %s\nreport_seconds: %.2f\n", o->report, anc_cli_now() - t0);
}

int main(int argc, char **argv)
{
    anc_cli_set_program("ancestral-eval");
    options o;
    int first = parse(argc, argv, &o);
    const double t0 = anc_cli_now();
    openblas_set_num_threads(o.threads);

    anc_model *model;
    anc_error err;
    if (anc_model_load_file(&model, o.model, &err) != ANC_OK)
        anc_cli_die(err.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s",
                    err.message);
    const anc_model_header *h = anc_model_get_header(model);

    anc_audio_settings as;
    anc_audio_settings_default(&as);
    as.target_rate = (int)h->sample_rate;
    as.min_samples = h->n_fft; /* as the trainer: a clip shorter than one FFT is no sound */
    as.warn = anc_cli_warn_skipped;
    as.warn_used = anc_cli_warn_used;
    anc_audio_corpus *corpus;
    if (anc_audio_load((const char *const *)argv + first, (size_t)(argc - first), &as, &corpus,
                       &err) != ANC_OK)
        anc_cli_die(err.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s",
                    err.message);
    if (corpus->n_clips == 0)
        anc_cli_die(ANC_EXIT_USAGE, "no usable audio in the inputs (%zu files skipped)",
                    corpus->summary.files_skipped);

    evaluator e = {.model = model, .method = (anc_phase_method)o.phase, .K = o.samples};
    if (anc_vae_from_model(model, BATCH, &e.vae, &err) != ANC_OK ||
        anc_frame_space_from_model(&e.fs, model, &err) != ANC_OK ||
        anc_stft_create(&e.st, (int)h->n_fft, (int)h->hop, &err) != ANC_OK ||
        anc_phase_create(&e.ph, (int)h->n_fft, (int)h->hop, &err) != ANC_OK)
        anc_cli_die(err.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s: %s",
                    o.model, err.message);
    e.D = e.fs.n_input;
    e.nb = e.fs.n_bins;
    e.L = h->arch.n_latent;
    anc_vae_tensors tens;
    anc_model_tensors(model, &tens);
    e.log_sigma = (double)tens.log_sigma[0];
    /* Independent streams, so changing K or the phase method leaves the others as
     * they were. */
    anc_rng_seed(&e.rng_elbo, o.seed * 1000003ULL + 1);
    anc_rng_seed(&e.rng_is, o.seed * 1000003ULL + 2);
    anc_rng_seed(&e.rng_phase, o.seed * 1000003ULL + 3);

    size_t max_frames = 1, max_n = 1;
    double audio_seconds = 0.0;
    for (size_t c = 0; c < corpus->n_clips; c++) {
        size_t nf = anc_stft_num_frames(e.st, corpus->clips[c].n);
        if (nf > max_frames)
            max_frames = nf;
        if (corpus->clips[c].n > max_n)
            max_n = corpus->clips[c].n;
        audio_seconds += (double)corpus->clips[c].n / (double)h->sample_rate;
    }
    const size_t D = (size_t)e.D, L = (size_t)e.L, K = (size_t)e.K, nb = (size_t)e.nb;
    if (max_frames > SIZE_MAX / sizeof(float) / (D > nb ? D : nb))
        anc_cli_die(ANC_EXIT_FAILURE, "a clip of %zu frames is too long to hold", max_frames);
    e.feat = xmalloc(max_frames * D, sizeof(float));
    e.gated = xmalloc(max_frames * D, sizeof(float));
    e.mag = xmalloc(max_frames * nb, sizeof(float));
    e.gated_db = xmalloc(max_frames * nb, sizeof(float));
    e.dec_mag = xmalloc(max_frames * nb, sizeof(float));
    e.re = xmalloc(max_frames * nb, sizeof(float));
    e.im = xmalloc(max_frames * nb, sizeof(float));
    e.remag = xmalloc(max_frames * nb, sizeof(float));
    e.anchor = xmalloc(max_frames, sizeof(float));
    e.gated_f0 = xmalloc(max_frames, sizeof(float));
    e.voiced = xmalloc(max_frames, 1);
    e.y = xmalloc(max_n, sizeof(float));
    e.mu = xmalloc(BATCH * L, sizeof(float));
    e.lv = xmalloc(BATCH * L, sizeof(float));
    e.eps = xmalloc(BATCH * L, sizeof(float));
    e.z = xmalloc(BATCH * L, sizeof(float));
    e.f = xmalloc(BATCH * D, sizeof(float));
    e.db_a = xmalloc(nb, sizeof(float));
    e.db_b = xmalloc(nb, sizeof(float));
    e.lw = xmalloc(BATCH * K, sizeof(double));
    if (o.report) {
        e.clip_mu = xmalloc(corpus->n_clips * L, sizeof(double));
        e.clip_frames = xmalloc(corpus->n_clips, sizeof(size_t));
        memset(e.clip_mu, 0, corpus->n_clips * L * sizeof(double));
    }

    const int tty = anc_cli_is_tty() && !o.quiet;
    double done = 0.0;
    for (size_t c = 0; c < corpus->n_clips; c++) {
        eval_clip(&e, &corpus->clips[c], c);
        done += (double)corpus->clips[c].n / (double)h->sample_rate;
        if (tty) {
            char extra[64];
            snprintf(extra, sizeof extra, "%zu/%zu files", c + 1, corpus->n_clips);
            anc_cli_progress("evaluating", done / audio_seconds, anc_cli_now() - t0, extra);
        }
    }
    if (tty)
        anc_cli_progress_end();
    if (e.frames == 0)
        anc_cli_die(ANC_EXIT_USAGE, "no frame of the inputs is above %.0f dBFS: nothing to "
                    "measure", ANC_LSD_GATE_DB);

    printf("model: %s\n", o.model);
    printf("clips: %zu\n", corpus->n_clips);
    printf("files_skipped: %zu\n", corpus->summary.files_skipped);
    printf("seconds: %.3f\n", audio_seconds);
    printf("frames: %zu\n", e.frames);
    printf("samples: %d\n", e.K);
    printf("elbo_nats_per_frame: %.4f\n", e.elbo_sum / (double)e.frames);
    printf("log_px_nats_per_frame: %.4f\n", e.log_px_sum / (double)e.frames);
    printf("lsd_db: %.4f\n", anc_lsd_result(&e.lsd));
    printf("pitch: %s\n", e.fs.rel ? "relative" : "absolute");
    printf("voiced_fraction: %.4f\n", (double)e.voiced_frames / (double)e.frames);
    printf("phase_method: %s\n", anc_phase_method_name(e.method));
    printf("spectral_convergence_db: %.4f\n", anc_sc_result(&e.sc_true));
    printf("decoded_spectral_convergence_db: %.4f\n", anc_sc_result(&e.sc_dec));
    if (o.report)
        write_report(&e, &o, corpus);
    printf("elapsed_seconds: %.2f\n", anc_cli_now() - t0);

    free(e.mag); free(e.feat); free(e.gated); free(e.dec_mag); free(e.re); free(e.im);
    free(e.remag); free(e.gated_db); free(e.anchor); free(e.gated_f0); free(e.voiced);
    free(e.y); free(e.mu); free(e.lv); free(e.eps); free(e.z); free(e.f);
    free(e.db_a); free(e.db_b); free(e.lw); free(e.clip_mu); free(e.clip_frames);
    anc_phase_free(e.ph);
    anc_frame_space_clear(&e.fs);
    anc_stft_free(e.st);
    anc_vae_free(e.vae);
    anc_audio_corpus_free(corpus);
    anc_model_free(model);
    if (fflush(stdout) != 0 || ferror(stdout))
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write the output: %s", strerror(errno));
    return ANC_EXIT_OK;
}

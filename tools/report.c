/* report.c — the HTML page of report.h, drawn with svg.h. */
#include "report.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "svg.h"

#define COLOUR_TRAIN "#1f6fb4"
#define COLOUR_VAL "#c8312b"
#define COLOUR_PCA_TRAIN "#5f8fbf"
#define COLOUR_PCA_VAL "#9a5a55"
#define DB_LO (-80.0)          /* the colour scale: the metrics' clip level (metrics.h) .. */
#define DB_HI 0.0              /* .. full scale */
#define SPEC_ROWS 192          /* image rows on the log-frequency axis */
#define SPEC_F_LO 40.0         /* Hz, bottom of the frequency axis */

static const char CSS[] =
    "body{font-family:sans-serif;margin:24px auto;max-width:1200px;color:#222;"
    "background:#fff;padding:0 16px}"
    "h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;"
    "border-bottom:1px solid #ccc}"
    "p.sub{color:#555;margin-top:0}p.note{color:#555;font-style:italic}"
    "table.meta{border-collapse:collapse;font-size:14px}"
    "table.meta td{padding:2px 14px 2px 0;vertical-align:top}"
    "table.meta td:first-child{color:#555}"
    "figure{display:inline-block;margin:8px 16px 8px 0;vertical-align:top}"
    "figcaption{font-size:13px;color:#444;max-width:520px}"
    "svg text{font-family:sans-serif}"
    ".frame{fill:none;stroke:#444;stroke-width:1}.axis{stroke:#444}.grid{stroke:#e4e4e4}"
    ".tick{font-size:11px;fill:#333}.axislabel{font-size:13px;fill:#222}"
    ".linelabel{font-size:12px;font-weight:bold}.pointlabel{font-size:10px;fill:#333}"
    ".paneltitle{font-size:13px;font-weight:bold;fill:#222}\n";

static void note(anc_buf *b, const char *text)
{
    anc_buf_puts(b, "<p class=\"note\">");
    anc_buf_text(b, text);
    anc_buf_puts(b, "</p>\n");
}

static void figure_begin(anc_buf *b) { anc_buf_puts(b, "<figure>\n"); }

static void figure_end(anc_buf *b, const char *caption)
{
    anc_buf_puts(b, "<figcaption>");
    anc_buf_text(b, caption);
    anc_buf_puts(b, "</figcaption></figure>\n");
}

static void table(anc_buf *b, const anc_report *r)
{
    if (!r->n_rows)
        return;
    anc_buf_puts(b, "<table class=\"meta\">\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        anc_buf_puts(b, "<tr><td>");
        anc_buf_text(b, r->rows[i].key);
        anc_buf_puts(b, "</td><td>");
        anc_buf_text(b, r->rows[i].value);
        anc_buf_puts(b, "</td></tr>\n");
    }
    anc_buf_puts(b, "</table>\n");
}

/* ---- curves per epoch ----------------------------------------------------- */

typedef struct series {
    const double *y;
    const char *colour, *name;
} series;

/* One plot of figures per epoch: the series as lines named at their ends, and
 * optional horizontal baselines (NAN: none). */
static void epoch_plot(anc_buf *b, const anc_report *r, const double *x, const series *s, int ns,
                       const series *base, int nbase, const char *ylabel, const char *caption)
{
    const double W = 540, H = 320;
    anc_plot p = {.left = 70, .top = 16, .width = W - 70 - 130, .height = H - 16 - 56,
                  .x0 = 1, .x1 = (double)r->n_epochs};
    if (r->epochs_planned > (int)p.x1)
        p.x1 = r->epochs_planned;
    if (p.x1 <= p.x0)
        p.x1 = p.x0 + 1;
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < ns; k++)
        for (size_t i = 0; i < r->n_epochs; i++)
            if (isfinite(s[k].y[i])) {
                lo = fmin(lo, s[k].y[i]);
                hi = fmax(hi, s[k].y[i]);
            }
    for (int k = 0; k < nbase; k++)
        if (isfinite(*base[k].y)) {
            lo = fmin(lo, *base[k].y);
            hi = fmax(hi, *base[k].y);
        }
    anc_plot_range(&lo, &hi, 0.05);
    p.y0 = lo;
    p.y1 = hi;
    figure_begin(b);
    anc_svg_begin(b, W, H, caption);
    anc_svg_axes(b, &p, "epoch", ylabel, 1);
    anc_svg_label labels[8];
    int nl = 0;
    for (int k = 0; k < nbase && nl < 8; k++) {
        anc_svg_hline(b, &p, *base[k].y, base[k].colour);
        labels[nl++] = (anc_svg_label){isfinite(*base[k].y) ? anc_plot_py(&p, *base[k].y) : NAN,
                                       base[k].colour, base[k].name};
    }
    for (int k = 0; k < ns && nl < 8; k++) {
        anc_svg_line(b, &p, x, s[k].y, r->n_epochs, s[k].colour, 0, r->n_epochs <= 60);
        labels[nl++] = (anc_svg_label){anc_svg_line_end(&p, x, s[k].y, r->n_epochs),
                                       s[k].colour, s[k].name};
    }
    anc_svg_labels(b, p.left + p.width + 8, labels, nl);
    anc_svg_end(b);
    figure_end(b, caption);
}

static void history(anc_buf *b, const anc_report *r)
{
    anc_buf_puts(b, "<h2 id=\"curves\">Training curves</h2>\n");
    if (!r->n_epochs) {
        note(b, r->history_note ? r->history_note : "No epoch has finished yet.");
        return;
    }
    const size_t n = r->n_epochs;
    double *v = malloc(sizeof(double) * n * 7);
    if (!v) {
        b->failed = 1;
        return;
    }
    double *x = v, *tl = v + n, *vl = v + 2 * n, *tk = v + 3 * n, *vk = v + 4 * n,
           *tlsd = v + 5 * n, *vlsd = v + 6 * n;
    for (size_t i = 0; i < n; i++) {
        const anc_report_epoch *e = &r->history[i];
        x[i] = e->epoch;
        tl[i] = e->train_loss;
        vl[i] = e->val_loss;
        tk[i] = e->train_kl;
        vk[i] = e->val_kl;
        tlsd[i] = e->train_lsd_db;
        vlsd[i] = e->val_lsd_db;
    }
    series loss[2] = {{tl, COLOUR_TRAIN, "training"}, {vl, COLOUR_VAL, "validation"}};
    series kl[2] = {{tk, COLOUR_TRAIN, "training"}, {vk, COLOUR_VAL, "validation"}};
    series lsd[2] = {{tlsd, COLOUR_TRAIN, "training"}, {vlsd, COLOUR_VAL, "validation"}};
    series pca[2] = {{&r->pca_train_lsd_db, COLOUR_PCA_TRAIN, "PCA, training"},
                     {&r->pca_val_lsd_db, COLOUR_PCA_VAL, "PCA, validation"}};
    epoch_plot(b, r, x, loss, 2, NULL, 0, "loss (nats per frame)",
               "Loss: the negative ELBO at beta = 1 per frame, on the training frames (averaged "
               "over the epoch's batches) and on the validation files. Lower is better.");
    epoch_plot(b, r, x, kl, 2, NULL, 0, "KL (nats per frame)",
               "KL divergence of the posterior from the prior per frame: how much the latent "
               "code carries.");
    epoch_plot(b, r, x, lsd, 2, pca, 2, "LSD (dB)",
               "Log-spectral distance of the posterior-mean reconstruction (training: a fixed "
               "subset of up to 4096 frames). Dashed: PCA with as many components as latent "
               "dimensions, the linear baseline the model should beat.");
    free(v);
}

/* ---- latent dimensions ---------------------------------------------------- */

static void latent_kl(anc_buf *b, const anc_report *r)
{
    anc_buf_puts(b, "<h2 id=\"latents\">Latent dimensions by importance</h2>\n");
    if (!r->latent_kl || r->n_latent < 1) {
        note(b, r->pending_note ? r->pending_note : "Not available.");
        return;
    }
    const int L = r->n_latent;
    const double W = 80 + 130 + (L < 8 ? 8 : L) * 40.0, H = 300;
    double hi = 0.0;
    for (int j = 0; j < L; j++)
        if (isfinite(r->latent_kl[j]))
            hi = fmax(hi, r->latent_kl[j]);
    double lo = 0.0;
    anc_plot_range(&lo, &hi, 0.0);
    anc_plot p = {.left = 70, .top = 16, .width = W - 70 - 30, .height = H - 16 - 56,
                  .x0 = 0.5, .x1 = L + 0.5, .y0 = 0.0, .y1 = hi * 1.08};
    figure_begin(b);
    anc_svg_begin(b, W, H, "KL per latent dimension");
    anc_svg_axes(b, &p, "latent dimension (knob z1, z2, ...)", "KL (nats per frame)", 1);
    for (int j = 0; j < L; j++) {
        double v = isfinite(r->latent_kl[j]) ? fmax(r->latent_kl[j], 0.0) : 0.0;
        double x = anc_plot_px(&p, j + 1.0), y = anc_plot_py(&p, v);
        double w = fmin(28.0, p.width / L * 0.7);
        anc_svg_rect(b, x - w / 2, y, w, anc_plot_py(&p, 0.0) - y, COLOUR_TRAIN);
        anc_buf_puts(b, "<text x=\"");
        anc_buf_num(b, x, 2);
        anc_buf_puts(b, "\" y=\"");
        anc_buf_num(b, y - 4, 2);
        anc_buf_puts(b, "\" text-anchor=\"middle\" class=\"tick\">");
        anc_buf_num(b, v, v < 10 ? 2 : 1);
        anc_buf_puts(b, "</text>\n");
    }
    anc_svg_end(b);
    figure_end(b, r->latent_note ? r->latent_note
                                 : "Mean KL per frame of each latent dimension, in knob order: "
                                   "z1 matters most.");
}

/* ---- latent map --------------------------------------------------------- */

static void latent_map(anc_buf *b, const anc_report *r)
{
    anc_buf_puts(b, "<h2 id=\"map\">Map of the files in the two most important dimensions</h2>\n");
    if (!r->n_points || !r->latent_kl) {
        note(b, r->pending_note ? r->pending_note : "Not available.");
        return;
    }
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < r->n_points; i++) {
        x0 = fmin(x0, r->points[i].z1);
        x1 = fmax(x1, r->points[i].z1);
        y0 = fmin(y0, r->points[i].z2);
        y1 = fmax(y1, r->points[i].z2);
    }
    anc_plot_range(&x0, &x1, 0.08);
    anc_plot_range(&y0, &y1, 0.08);
    const double W = 1100, H = 640;
    anc_plot p = {.left = 80, .top = 16, .width = W - 80 - 160, .height = H - 16 - 60,
                  .x0 = x0, .x1 = x1, .y0 = y0, .y1 = y1};
    char xl[160], yl[160];
    snprintf(xl, sizeof xl, "z1: mean posterior mean (prior sd), KL %.2f nats per frame",
             r->latent_kl[0]);
    if (r->n_latent > 1)
        snprintf(yl, sizeof yl, "z2: mean posterior mean (prior sd), KL %.2f nats per frame",
                 r->latent_kl[1]);
    else
        snprintf(yl, sizeof yl, "z2 (the model has one latent dimension)");
    figure_begin(b);
    anc_svg_begin(b, W, H, "map of the files in z1 and z2");
    anc_svg_axes(b, &p, xl, yl, 0);
    for (size_t i = 0; i < r->n_points; i++) {
        const anc_report_point *q = &r->points[i];
        double x = anc_plot_px(&p, q->z1), y = anc_plot_py(&p, q->z2);
        anc_svg_point(b, x, y, 4, q->is_val ? COLOUR_VAL : COLOUR_TRAIN, q->is_val, q->label);
        anc_svg_text(b, x + 6, y - 5, "start", "pointlabel", 0, q->label);
    }
    anc_svg_end(b);
    figure_end(b, "Each file at the mean over its frames of the encoder's posterior mean. "
                  "Filled blue: training files; hollow red: validation files. Nearby files "
                  "sound alike to the model; hover a point for its name.");
}

/* ---- spectrograms ------------------------------------------------------- */

/* mag[n_frames][nb] as an RGB image of n_frames columns and SPEC_ROWS rows,
 * rows spaced evenly in log frequency from f_lo (bottom) to f_hi (top), each
 * the level interpolated linearly in dB between the two nearest bins. */
static void spectrogram_rgb(const float *mag, size_t nf, int nb, double bin_hz, double f_lo,
                            double f_hi, uint8_t *rgb)
{
    for (int row = 0; row < SPEC_ROWS; row++) {
        double f = f_lo * pow(f_hi / f_lo, 1.0 - (row + 0.5) / SPEC_ROWS);
        double k = f / bin_hz;
        int k0 = (int)k;
        if (k0 > nb - 2)
            k0 = nb - 2;
        double w = k - k0;
        for (size_t t = 0; t < nf; t++) {
            const float *m = mag + t * (size_t)nb;
            double a = 20.0 * log10(fmax((double)m[k0], 1e-10));
            double c = 20.0 * log10(fmax((double)m[k0 + 1], 1e-10));
            double db = a + w * (c - a);
            anc_colormap((db - DB_LO) / (DB_HI - DB_LO), rgb + ((size_t)row * nf + t) * 3);
        }
    }
}

static void colour_bar(anc_buf *b, double x, double top, double h)
{
    enum { STEPS = 64 };
    for (int i = 0; i < STEPS; i++) {
        uint8_t c[3];
        anc_colormap((i + 0.5) / STEPS, c);
        char col[16];
        snprintf(col, sizeof col, "#%02x%02x%02x", c[0], c[1], c[2]);
        double y0 = top + h * (1.0 - (i + 1.0) / STEPS);
        anc_svg_rect(b, x, y0, 14, h / STEPS + 0.5, col);
    }
    anc_plot p = {.left = x, .top = top, .width = 14, .height = h, .x0 = 0, .x1 = 1,
                  .y0 = DB_LO, .y1 = DB_HI};
    for (double v = DB_LO; v <= DB_HI + 1e-9; v += 20.0) {
        double y = anc_plot_py(&p, v);
        anc_buf_puts(b, "<text x=\"");
        anc_buf_num(b, x + 18, 2);
        anc_buf_puts(b, "\" y=\"");
        anc_buf_num(b, y + 4, 2);
        anc_buf_puts(b, "\" text-anchor=\"start\" class=\"tick\">");
        anc_buf_num(b, v, 0);
        anc_buf_puts(b, "</text>\n");
    }
    anc_svg_text(b, x + 58, top + h / 2, "middle", "axislabel", 1, "level (dBFS)");
}

static void spectra_row(anc_buf *b, const anc_report_spectra *s, uint8_t *rgb)
{
    static const char *const TITLES[3] = {"original", "reconstruction (decoder output)",
                                          "resynthesised audio (RTPGHI phase)"};
    const float *mags[3] = {s->orig, s->recon, s->resynth};
    const double PW = 290, PH = 210, GAP = 62, LEFT = 62, TOP = 22;
    const double W = LEFT + 3 * PW + 2 * GAP + 90, H = TOP + PH + 56;
    const int nb = s->n_fft / 2 + 1;
    const double bin_hz = s->rate / s->n_fft, f_hi = s->rate / 2;
    const double f_lo = fmin(fmax(SPEC_F_LO, bin_hz), f_hi / 4);
    /* frame t is centred on sample t*hop + hop - n_fft/2; each column spans one hop */
    const double t0 = ((double)s->hop - s->n_fft / 2.0 - s->hop / 2.0) / s->rate;
    const double t1 = t0 + (double)s->n_frames * s->hop / s->rate;
    char label[512];
    snprintf(label, sizeof label, "spectrograms of %s", s->label);
    anc_svg_begin(b, W, H, label);
    for (int k = 0; k < 3; k++) {
        anc_plot p = {.left = LEFT + k * (PW + GAP), .top = TOP, .width = PW, .height = PH,
                      .x0 = t0, .x1 = t1, .y0 = f_lo, .y1 = f_hi, .log_y = 1};
        anc_svg_axes(b, &p, "time (s)", k == 0 ? "frequency (Hz)" : "", 0);
        spectrogram_rgb(mags[k], s->n_frames, nb, bin_hz, f_lo, f_hi, rgb);
        /* over the grid, which would only clutter the picture */
        anc_svg_image_rgb(b, p.left, p.top, p.width, p.height, rgb, (int)s->n_frames, SPEC_ROWS);
        anc_svg_text(b, p.left, TOP - 8, "start", "paneltitle", 0, TITLES[k]);
    }
    colour_bar(b, LEFT + 3 * PW + 2 * GAP + 12, TOP, PH);
    anc_svg_end(b);
}

static void spectrograms(anc_buf *b, const anc_report *r)
{
    anc_buf_puts(b, "<h2 id=\"spectrograms\">Spectrograms: original, reconstruction, "
                    "resynthesis</h2>\n");
    if (!r->n_spectra) {
        note(b, r->spectra_note ? r->spectra_note
                                : r->pending_note ? r->pending_note : "Not available.");
        return;
    }
    if (r->spectra_note)
        note(b, r->spectra_note);
    for (size_t i = 0; i < r->n_spectra; i++) {
        const anc_report_spectra *s = &r->spectra[i];
        if (!s->n_frames || s->n_fft < 4)
            continue;
        uint8_t *rgb = malloc(s->n_frames * SPEC_ROWS * 3);
        if (!rgb) {
            b->failed = 1;
            return;
        }
        anc_buf_puts(b, "<h3>");
        anc_buf_text(b, s->label);
        anc_buf_puts(b, "</h3>\n");
        spectra_row(b, s, rgb);
        free(rgb);
    }
}

/* ---- the page ------------------------------------------------------------ */

anc_status anc_report_write(const anc_report *r, const char *path, anc_error *err)
{
    anc_buf b = {0};
    anc_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<link rel=\"icon\" href=\"data:,\">\n<title>");
    anc_buf_text(&b, r->title);
    anc_buf_puts(&b, "</title>\n<style>");
    anc_buf_puts(&b, CSS);
    anc_buf_puts(&b, "</style>\n</head>\n<body>\n<h1>");
    anc_buf_text(&b, r->title);
    anc_buf_puts(&b, "</h1>\n");
    if (r->subtitle) {
        anc_buf_puts(&b, "<p class=\"sub\">");
        anc_buf_text(&b, r->subtitle);
        anc_buf_puts(&b, "</p>\n");
    }
    table(&b, r);
    history(&b, r);
    latent_kl(&b, r);
    latent_map(&b, r);
    spectrograms(&b, r);
    anc_buf_puts(&b, "</body>\n</html>\n");
    anc_status s = ANC_OK;
    if (b.failed)
        s = anc_error_set(err, ANC_E_NOMEM, "%s: out of memory for the report", path);
    else
        s = anc_atomic_write(path, b.data, b.len, err);
    anc_buf_free(&b);
    return s;
}

void anc_report_history_to_values(const anc_report_epoch *h, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++) {
        const double v[ANC_REPORT_EPOCH_VALUES] = {h[i].epoch,        h[i].train_loss,
                                                   h[i].val_loss,     h[i].train_kl,
                                                   h[i].val_kl,       h[i].train_lsd_db,
                                                   h[i].val_lsd_db,   h[i].beta};
        for (int k = 0; k < ANC_REPORT_EPOCH_VALUES; k++)
            out[i * ANC_REPORT_EPOCH_VALUES + (size_t)k] = (float)v[k];
    }
}

size_t anc_report_history_from_values(const float *v, size_t count, anc_report_epoch *h,
                                      size_t max)
{
    size_t n = count / ANC_REPORT_EPOCH_VALUES;
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++, v += ANC_REPORT_EPOCH_VALUES)
        h[i] = (anc_report_epoch){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
    return n;
}

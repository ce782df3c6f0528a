/* svg.c — the SVG writer of svg.h: a growable buffer, locale-free numbers,
 * escaped text, plot frames with ticks, lines, and PNG images (libpng). */
#include "svg.h"

#include <math.h>
#include <png.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffer ------------------------------------------------------------- */

void anc_buf_free(anc_buf *b)
{
    free(b->data);
    *b = (anc_buf){0};
}

static int reserve(anc_buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void anc_buf_put(anc_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void anc_buf_puts(anc_buf *b, const char *s) { anc_buf_put(b, s, strlen(s)); }

void anc_buf_printf(anc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void anc_buf_num(anc_buf *b, double v, int decimals)
{
    static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    if (!isfinite(v) || fabs(v) > 1e12) {
        anc_buf_puts(b, "0");
        return;
    }
    long long q = llround(fabs(v) * scale[decimals]);
    long long whole = q / (long long)scale[decimals], frac = q % (long long)scale[decimals];
    char digits[24];
    int nd = decimals;
    while (nd > 0 && frac % 10 == 0) { /* trailing zeros dropped */
        frac /= 10;
        nd--;
    }
    if (q != 0 && v < 0)
        anc_buf_puts(b, "-");
    snprintf(digits, sizeof digits, "%lld", whole);
    anc_buf_puts(b, digits);
    if (nd > 0) {
        snprintf(digits, sizeof digits, ".%0*lld", nd, frac);
        anc_buf_puts(b, digits);
    }
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static int utf8_length(const unsigned char *s)
{
    int n;
    unsigned min;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    else if ((s[0] & 0xE0) == 0xC0)
        n = 2, min = 0x80, cp = s[0] & 0x1Fu;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3, min = 0x800, cp = s[0] & 0x0Fu;
    else if ((s[0] & 0xF8) == 0xF0)
        n = 4, min = 0x10000, cp = s[0] & 0x07u;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    /* overlong forms, UTF-16 surrogates and code points past Unicode's end, and
     * the two non-characters XML 1.0 forbids */
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return n;
}

void anc_buf_text(anc_buf *b, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        int n = utf8_length(s);
        switch (n ? *s : 0) {
        case '&': anc_buf_puts(b, "&amp;"); break;
        case '<': anc_buf_puts(b, "&lt;"); break;
        case '>': anc_buf_puts(b, "&gt;"); break;
        case '"': anc_buf_puts(b, "&quot;"); break;
        case '\'': anc_buf_puts(b, "&#39;"); break;
        default:
            if (n == 0 || (n == 1 && (*s < 0x20 || *s == 0x7F)))
                anc_buf_puts(b, "?");
            else
                anc_buf_put(b, (const char *)s, (size_t)n);
        }
        s += n ? n : 1;
    }
}

void anc_buf_base64(anc_buf *b, const unsigned char *d, size_t n)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!reserve(b, (n + 2) / 3 * 4))
        return;
    char *o = b->data + b->len;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        *o++ = A[v >> 18];
        *o++ = A[v >> 12 & 63];
        *o++ = A[v >> 6 & 63];
        *o++ = A[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0);
        *o++ = A[v >> 18];
        *o++ = A[v >> 12 & 63];
        *o++ = i + 1 < n ? A[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

/* ---- plots -------------------------------------------------------------- */

double anc_plot_px(const anc_plot *p, double x)
{
    return p->left + (x - p->x0) / (p->x1 - p->x0) * p->width;
}

double anc_plot_py(const anc_plot *p, double y)
{
    double t = p->log_y ? (log10(fmax(y, 1e-300)) - log10(p->y0)) / (log10(p->y1) - log10(p->y0))
                        : (y - p->y0) / (p->y1 - p->y0);
    return p->top + (1.0 - t) * p->height;
}

void anc_plot_range(double *lo, double *hi, double pad)
{
    if (!isfinite(*lo) || !isfinite(*hi) || *lo > *hi) {
        *lo = 0.0;
        *hi = 1.0;
    }
    double span = *hi - *lo;
    if (span <= 1e-12 * fmax(fabs(*lo), fabs(*hi)) || span == 0.0) {
        double m = fmax(fabs(*lo) * 0.05, 0.5);
        *lo -= m;
        *hi += m;
        return;
    }
    *lo -= pad * span;
    *hi += pad * span;
}

static void attr_num(anc_buf *b, const char *name, double v)
{
    anc_buf_printf(b, " %s=\"", name);
    anc_buf_num(b, v, 2);
    anc_buf_puts(b, "\"");
}

void anc_svg_begin(anc_buf *b, double w, double h, const char *label)
{
    anc_buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"");
    attr_num(b, "width", w);
    attr_num(b, "height", h);
    anc_buf_puts(b, " viewBox=\"0 0 ");
    anc_buf_num(b, w, 2);
    anc_buf_puts(b, " ");
    anc_buf_num(b, h, 2);
    anc_buf_puts(b, "\" aria-label=\"");
    anc_buf_text(b, label);
    anc_buf_puts(b, "\">\n");
}

void anc_svg_end(anc_buf *b) { anc_buf_puts(b, "</svg>\n"); }

void anc_svg_text(anc_buf *b, double x, double y, const char *anchor, const char *cls,
                  int vertical, const char *text)
{
    anc_buf_puts(b, "<text");
    attr_num(b, "x", x);
    attr_num(b, "y", y);
    anc_buf_printf(b, " text-anchor=\"%s\"", anchor);
    if (cls)
        anc_buf_printf(b, " class=\"%s\"", cls);
    if (vertical) {
        anc_buf_puts(b, " transform=\"rotate(-90 ");
        anc_buf_num(b, x, 2);
        anc_buf_puts(b, " ");
        anc_buf_num(b, y, 2);
        anc_buf_puts(b, ")\"");
    }
    anc_buf_puts(b, ">");
    anc_buf_text(b, text);
    anc_buf_puts(b, "</text>\n");
}

static void svg_segment(anc_buf *b, double x1, double y1, double x2, double y2, const char *cls)
{
    anc_buf_puts(b, "<line");
    attr_num(b, "x1", x1);
    attr_num(b, "y1", y1);
    attr_num(b, "x2", x2);
    attr_num(b, "y2", y2);
    anc_buf_printf(b, " class=\"%s\"/>\n", cls);
}

/* A tick step of 1, 2 or 5 times a power of ten giving about `want` ticks. */
static double nice_step(double span, int want)
{
    double raw = span / want, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* Decimals that show a tick step exactly. */
static int step_decimals(double step)
{
    int d = 0;
    while (d < 6 && fabs(step * pow(10.0, d) - round(step * pow(10.0, d))) > 1e-6)
        d++;
    return d;
}

/* A tick's value; with kilo, thousands as "1k", "20k" (a log axis of Hz). */
static void tick_label(anc_buf *b, double x, double y, const char *anchor, double v, int dec,
                       int kilo)
{
    anc_buf_puts(b, "<text");
    attr_num(b, "x", x);
    attr_num(b, "y", y);
    anc_buf_printf(b, " text-anchor=\"%s\" class=\"tick\">", anchor);
    if (kilo && fabs(v) >= 1e3 && fmod(v, 1000.0) == 0.0) {
        anc_buf_num(b, v / 1000.0, 0);
        anc_buf_puts(b, "k");
    } else {
        anc_buf_num(b, v, dec);
    }
    anc_buf_puts(b, "</text>\n");
}

void anc_svg_axes(anc_buf *b, const anc_plot *p, const char *xlabel, const char *ylabel,
                  int x_integer)
{
    const double bottom = p->top + p->height, right = p->left + p->width;
    anc_buf_puts(b, "<rect");
    attr_num(b, "x", p->left);
    attr_num(b, "y", p->top);
    attr_num(b, "width", p->width);
    attr_num(b, "height", p->height);
    anc_buf_puts(b, " class=\"frame\"/>\n");

    double xs = nice_step(p->x1 - p->x0, (int)fmax(2.0, p->width / 80.0));
    if (x_integer && xs < 1.0)
        xs = 1.0;
    int xd = step_decimals(xs);
    for (double v = ceil(p->x0 / xs - 1e-9) * xs; v <= p->x1 + 1e-9 * fabs(xs); v += xs) {
        double x = anc_plot_px(p, v);
        svg_segment(b, x, bottom, x, bottom + 5, "axis");
        svg_segment(b, x, p->top, x, bottom, "grid");
        tick_label(b, x, bottom + 18, "middle", v, xd, 0);
    }
    if (p->log_y) {
        static const double mult[] = {1, 2, 5};
        for (double dec = pow(10.0, floor(log10(p->y0))); dec <= p->y1; dec *= 10.0)
            for (int i = 0; i < 3; i++) {
                double v = dec * mult[i];
                if (v < p->y0 * (1 - 1e-9) || v > p->y1 * (1 + 1e-9))
                    continue;
                double y = anc_plot_py(p, v);
                svg_segment(b, p->left - 5, y, p->left, y, "axis");
                svg_segment(b, p->left, y, right, y, "grid");
                tick_label(b, p->left - 8, y + 4, "end", v, v < 1 ? step_decimals(v) : 0, 1);
            }
    } else {
        double ys = nice_step(p->y1 - p->y0, (int)fmax(2.0, p->height / 50.0));
        int yd = step_decimals(ys);
        for (double v = ceil(p->y0 / ys - 1e-9) * ys; v <= p->y1 + 1e-9 * fabs(ys); v += ys) {
            double y = anc_plot_py(p, v);
            svg_segment(b, p->left - 5, y, p->left, y, "axis");
            svg_segment(b, p->left, y, right, y, "grid");
            tick_label(b, p->left - 8, y + 4, "end", fabs(v) < 1e-9 * ys ? 0.0 : v, yd, 0);
        }
    }
    anc_svg_text(b, p->left + p->width / 2, bottom + 38, "middle", "axislabel", 0, xlabel);
    anc_svg_text(b, p->left - 48, p->top + p->height / 2, "middle", "axislabel", 1, ylabel);
}

static int inside(const anc_plot *p, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!p->log_y || y > 0);
}

void anc_svg_line(anc_buf *b, const anc_plot *p, const double *x, const double *y, size_t n,
                  const char *colour, int dashed, int markers)
{
    int open = 0;
    for (size_t i = 0; i <= n; i++) {
        int ok = i < n && inside(p, x[i], y[i]);
        if (!ok && open) {
            anc_buf_printf(b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", colour,
                           dashed ? " stroke-dasharray=\"6 4\"" : "");
            open = 0;
        }
        if (!ok)
            continue;
        anc_buf_puts(b, open ? " " : "<polyline points=\"");
        open = 1;
        anc_buf_num(b, anc_plot_px(p, x[i]), 2);
        anc_buf_puts(b, ",");
        anc_buf_num(b, anc_plot_py(p, y[i]), 2);
    }
    for (size_t i = 0; markers && i < n; i++) {
        if (!inside(p, x[i], y[i]))
            continue;
        anc_buf_puts(b, "<circle");
        attr_num(b, "cx", anc_plot_px(p, x[i]));
        attr_num(b, "cy", anc_plot_py(p, y[i]));
        anc_buf_printf(b, " r=\"3\" fill=\"%s\"/>\n", colour);
    }
}

double anc_svg_line_end(const anc_plot *p, const double *x, const double *y, size_t n)
{
    for (size_t i = n; i > 0; i--)
        if (inside(p, x[i - 1], y[i - 1]))
            return anc_plot_py(p, y[i - 1]);
    return NAN;
}

void anc_svg_hline(anc_buf *b, const anc_plot *p, double y, const char *colour)
{
    if (!inside(p, 0.0, y))
        return;
    double py = anc_plot_py(p, y);
    anc_buf_puts(b, "<line");
    attr_num(b, "x1", p->left);
    attr_num(b, "y1", py);
    attr_num(b, "x2", p->left + p->width);
    attr_num(b, "y2", py);
    anc_buf_printf(b, " stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n", colour);
}

void anc_svg_labels(anc_buf *b, double x, anc_svg_label *l, int n)
{
    enum { GAP = 14 }; /* one line of the labels' 12 px text */
    int m = 0;
    for (int i = 0; i < n; i++) /* drop the unplaced, then sort by y */
        if (isfinite(l[i].y))
            l[m++] = l[i];
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && l[j].y < l[j - 1].y; j--) {
            anc_svg_label t = l[j];
            l[j] = l[j - 1];
            l[j - 1] = t;
        }
    for (int i = 1; i < m; i++) /* push down what overlaps the label above */
        if (l[i].y < l[i - 1].y + GAP)
            l[i].y = l[i - 1].y + GAP;
    for (int i = 0; i < m; i++) {
        anc_buf_puts(b, "<text");
        attr_num(b, "x", x);
        attr_num(b, "y", l[i].y + 4);
        anc_buf_printf(b, " class=\"linelabel\" fill=\"%s\">", l[i].colour);
        anc_buf_text(b, l[i].text);
        anc_buf_puts(b, "</text>\n");
    }
}

void anc_svg_rect(anc_buf *b, double x, double y, double w, double h, const char *colour)
{
    anc_buf_puts(b, "<rect");
    attr_num(b, "x", x);
    attr_num(b, "y", y);
    attr_num(b, "width", w);
    attr_num(b, "height", h);
    anc_buf_printf(b, " fill=\"%s\"/>\n", colour);
}

void anc_svg_point(anc_buf *b, double x, double y, double r, const char *colour, int hollow,
                   const char *title)
{
    anc_buf_puts(b, "<circle");
    attr_num(b, "cx", x);
    attr_num(b, "cy", y);
    attr_num(b, "r", r);
    if (hollow)
        anc_buf_printf(b, " fill=\"white\" stroke=\"%s\" stroke-width=\"2\"", colour);
    else
        anc_buf_printf(b, " fill=\"%s\"", colour);
    if (!title) {
        anc_buf_puts(b, "/>\n");
        return;
    }
    anc_buf_puts(b, "><title>");
    anc_buf_text(b, title);
    anc_buf_puts(b, "</title></circle>\n");
}

/* ---- colours and images ------------------------------------------------- */

void anc_colormap(double t, uint8_t rgb[3])
{
    /* viridis (matplotlib's default map, CC0) at nine evenly spaced points */
    static const uint8_t V[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},
                                    {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
                                    {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    if (!(t > 0.0))
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    double u = t * 8.0;
    int i = (int)u;
    if (i > 7)
        i = 7;
    double f = u - i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (uint8_t)lround(V[i][c] + f * (V[i + 1][c] - V[i][c]));
}

static void png_to_buf(png_structp png, png_bytep data, size_t n)
{
    anc_buf_put((anc_buf *)png_get_io_ptr(png), (const char *)data, n);
}

static void png_no_flush(png_structp png) { (void)png; }

/* Encodes the image as PNG into out. Returns 0 on success. */
static int encode_png(anc_buf *out, const uint8_t *rgb, int w, int h)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return -1;
    }
    /* volatile: read after longjmp */
    volatile int ok = 0;
    if (setjmp(png_jmpbuf(png)) == 0) {
        png_set_write_fn(png, out, png_to_buf, png_no_flush);
        png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_compression_level(png, 9);
        png_write_info(png, info);
        for (int r = 0; r < h; r++)
            png_write_row(png, (png_const_bytep)(rgb + (size_t)r * (size_t)w * 3));
        png_write_end(png, NULL);
        ok = !out->failed;
    }
    png_destroy_write_struct(&png, &info);
    return ok ? 0 : -1;
}

int anc_svg_image_rgb(anc_buf *b, double x, double y, double dw, double dh, const uint8_t *rgb,
                      int w, int h)
{
    anc_buf png = {0};
    if (w < 1 || h < 1 || encode_png(&png, rgb, w, h) != 0) {
        anc_buf_free(&png);
        b->failed = 1;
        return -1;
    }
    anc_buf_puts(b, "<image");
    attr_num(b, "x", x);
    attr_num(b, "y", y);
    attr_num(b, "width", dw);
    attr_num(b, "height", dh);
    anc_buf_puts(b, " preserveAspectRatio=\"none\" href=\"data:image/png;base64,");
    anc_buf_base64(b, (const unsigned char *)png.data, png.len);
    anc_buf_puts(b, "\"/>\n");
    anc_buf_free(&png);
    return 0;
}

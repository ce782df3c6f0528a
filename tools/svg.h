/* svg.h — a small writer of SVG drawings into a growable text buffer, for the
 * HTML reports of the tools (report.h): XML-escaped text, numbers formatted
 * without the C library's locale, plot frames with ticks and units, lines,
 * points, bars, and raster images embedded as PNG data: URIs (libpng).
 *
 * Every number in the output goes through anc_buf_num(), which writes digits
 * itself: a '.' decimal point whatever LC_NUMERIC says, no exponent, and "0"
 * for anything not finite. Every text goes through anc_buf_text(), which
 * escapes XML's five special characters and replaces control characters and
 * bytes that are not UTF-8 with '?', so a file name can never break the
 * document. A failed allocation sets buf->failed and later writes do nothing:
 * check it once at the end. tools/ only (the core does no I/O). */
#ifndef ANC_SVG_H
#define ANC_SVG_H

#include <stddef.h>
#include <stdint.h>

typedef struct anc_buf {
    char *data; /* NUL-terminated, malloc'd; free with anc_buf_free() */
    size_t len, cap;
    int failed; /* an allocation failed: the text is incomplete */
} anc_buf;

void anc_buf_free(anc_buf *b); /* leaves b empty and reusable */
void anc_buf_put(anc_buf *b, const char *s, size_t n);
void anc_buf_puts(anc_buf *b, const char *s);
/* printf for strings and integers only (%s %d %zu ...): floating-point numbers
 * go through anc_buf_num(); the text of %s is not escaped. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void anc_buf_printf(anc_buf *b, const char *fmt, ...);
/* v rounded to `decimals` places (0..6), trailing zeros dropped. */
void anc_buf_num(anc_buf *b, double v, int decimals);
/* s escaped for XML text and attribute values (see above). */
void anc_buf_text(anc_buf *b, const char *s);
/* RFC 4648 base64 of n bytes. */
void anc_buf_base64(anc_buf *b, const unsigned char *data, size_t n);

/* A plot's data area: the rectangle (left, top, width, height) in SVG user
 * units shows x0..x1 from left to right and y0..y1 from bottom to top; log_y
 * draws y on a logarithmic scale (y0 > 0). */
typedef struct anc_plot {
    double left, top, width, height;
    double x0, x1, y0, y1;
    int log_y;
} anc_plot;

double anc_plot_px(const anc_plot *p, double x);
double anc_plot_py(const anc_plot *p, double y);
/* Widens [*lo, *hi] to a range a plot can show: finite, not empty, with some
 * margin (pad: fraction of the span added at each end). */
void anc_plot_range(double *lo, double *hi, double pad);

/* <svg> of width w and height h with a label for screen readers, and its end. */
void anc_svg_begin(anc_buf *b, double w, double h, const char *label);
void anc_svg_end(anc_buf *b);
/* Text at (x, y) (SVG units), anchor "start", "middle" or "end", with CSS class
 * cls (may be NULL); rotate by -90 degrees about (x, y) when vertical. */
void anc_svg_text(anc_buf *b, double x, double y, const char *anchor, const char *cls,
                  int vertical, const char *text);
/* The frame of plot p with ticks, tick labels and the axis labels (each with
 * its unit, e.g. "epoch" and "LSD (dB)"). x_integer: x ticks on whole numbers
 * only. A log y axis ticks at 1, 2 and 5 times powers of ten. */
void anc_svg_axes(anc_buf *b, const anc_plot *p, const char *xlabel, const char *ylabel,
                  int x_integer);
/* A line through the n points (x[i], y[i]) in colour (CSS colour), dashed or
 * not; a point that is not finite breaks the line. A marker on each point when
 * markers is set. */
void anc_svg_line(anc_buf *b, const anc_plot *p, const double *x, const double *y, size_t n,
                  const char *colour, int dashed, int markers);
/* The y (SVG units) of the last point of a line that anc_svg_line draws, NAN
 * when it draws none: where the line's label goes. */
double anc_svg_line_end(const anc_plot *p, const double *x, const double *y, size_t n);
/* A horizontal dashed line across the plot at y (unlabelled: see anc_svg_labels). */
void anc_svg_hline(anc_buf *b, const anc_plot *p, double y, const char *colour);
/* Names lines where they end, so no legend is needed: each label is written in
 * its line's colour at x, as near its y as the labels' spacing allows (they are
 * moved apart to at least one line of text). Reorders l; labels whose y is NAN
 * are left out. */
typedef struct anc_svg_label {
    double y;
    const char *colour, *text;
} anc_svg_label;
void anc_svg_labels(anc_buf *b, double x, anc_svg_label *l, int n);
/* A filled rectangle, and a point (circle of radius r, hollow or filled) with a
 * tooltip (title, may be NULL). */
void anc_svg_rect(anc_buf *b, double x, double y, double w, double h, const char *colour);
void anc_svg_point(anc_buf *b, double x, double y, double r, const char *colour, int hollow,
                   const char *title);

/* The colour of t in 0..1 on the viridis scale (perceptually uniform, readable
 * in grey and by most colour-blind readers), as 8-bit RGB. */
void anc_colormap(double t, uint8_t rgb[3]);
/* An RGB image of w x h pixels (rgb[h][w][3], top row first) drawn into the
 * rectangle (x, y, dw, dh) as a PNG data: URI. Returns 0, or -1 if the PNG
 * could not be made (b->failed is set). */
int anc_svg_image_rgb(anc_buf *b, double x, double y, double dw, double dh,
                      const uint8_t *rgb, int w, int h);

#endif

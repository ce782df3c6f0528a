/* inline_display.h — the Ancestral plugins' inline display (Ardour's mixer
 * strip picture, inline_display_ext.h), shared by every plugin of the bundle:
 * the spectrum being played as a filled curve on a log-frequency axis (dB
 * scale), and the voices as marks at their pitch and as a row of lamps.
 *
 * A plugin owns one anc_display per instance and does four things with it:
 *   instantiate():    d = anc_display_new(features, rate)   (NULL: out of memory)
 *   run(), at the end: if (anc_display_due(d, n)) {
 *                          anc_snapshot_frame *f = anc_display_frame(d);
 *                          ... fill f (anc_engine_snapshot(), or anc_snapshot_frame_clear()) ...
 *                          anc_display_publish(d);
 *                      }
 *   extension_data(): LV2_INLINEDISPLAY__interface -> an interface whose render
 *                     calls anc_display_render(self->display, w, h)
 *   cleanup():        anc_display_free(d)
 *
 * Threads: anc_display_due/frame/publish run on the audio thread and are hard
 * real time (no allocation, lock or I/O: the frame goes through the lock-free
 * triple buffer of core/snapshot.h; queue_draw is the host's, which Ardour
 * asks plugins to call from run()). anc_display_render runs on the host's
 * display thread, one call at a time, concurrently with run(); it allocates
 * the picture (growing it when the host asks for a bigger one). new and free
 * on the instantiation thread. */
#ifndef ANC_INLINE_DISPLAY_H
#define ANC_INLINE_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <lv2/core/lv2.h>

#include "inline_display_ext.h"
#include "snapshot.h"

/* Pictures per second at most that run() asks the host for. */
#define ANC_DISPLAY_RATE 30.0
/* Largest picture drawn; a host offering more gets this (and centres it). */
#define ANC_DISPLAY_MAX_W 2048
#define ANC_DISPLAY_MAX_H 1024

typedef struct anc_display anc_display;

/* A display at the host's sample rate; takes the queue_draw feature if the host
 * gives it. NULL if out of memory. */
anc_display *anc_display_new(const LV2_Feature *const *features, double rate);
void anc_display_free(anc_display *d); /* accepts NULL */

/* Audio thread: n samples were processed; true when a new frame is due (at most
 * one per call, about ANC_DISPLAY_RATE per second). */
bool anc_display_due(anc_display *d, uint32_t n);
/* Audio thread: the frame to fill (fill every field but serial). */
anc_snapshot_frame *anc_display_frame(anc_display *d);
/* Audio thread: hands the filled frame over and asks the host to draw, unless
 * it equals the last frame handed over (then neither). */
void anc_display_publish(anc_display *d);

/* Display thread: draws the newest frame at most w x max_h pixels (height
 * half the width, or max_h if less); NULL when w or max_h is 0 or memory runs
 * out. The surface and its data stay valid until the next call or
 * anc_display_free(). */
LV2_Inline_Display_Image_Surface *anc_display_render(anc_display *d, uint32_t w, uint32_t max_h);

/* The drawing alone, for tests: frame f into pixels (w x h, stride_px pixels
 * per row, ARGB32). */
void anc_display_draw(const anc_snapshot_frame *f, uint32_t *pixels, int w, int h, int stride_px);

#endif

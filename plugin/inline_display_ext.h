/* inline_display_ext.h — the declarations of Ardour's inline display extension
 * (http://harrisonconsoles.com/lv2/inlinedisplay), which LV2's own headers do
 * not carry. Written from the extension's interface as Ardour's
 * libs/ardour/ardour/lv2_extensions.h defines it: the same URIs, the same
 * struct layouts (hosts pass and read these by layout).
 *
 * A plugin lists LV2_INLINEDISPLAY__interface in lv2:extensionData (Ardour
 * asks for it only then) and may take the optional feature
 * LV2_INLINEDISPLAY__queue_draw. The host calls render() in a non-real-time
 * thread (Ardour: its GUI thread); the plugin calls queue_draw() from run() to
 * ask for a call. The surface is Cairo's ARGB32: one native-endian uint32_t
 * per pixel, 0xAARRGGBB, colours premultiplied by alpha, rows `stride` bytes
 * apart; the plugin owns its data from the first render() until cleanup(). */
#ifndef ANC_INLINE_DISPLAY_EXT_H
#define ANC_INLINE_DISPLAY_EXT_H

#include <stdint.h>

#include <lv2/core/lv2.h>

#define LV2_INLINEDISPLAY_URI "http://harrisonconsoles.com/lv2/inlinedisplay"
#define LV2_INLINEDISPLAY_PREFIX LV2_INLINEDISPLAY_URI "#"
#define LV2_INLINEDISPLAY__interface LV2_INLINEDISPLAY_PREFIX "interface"
#define LV2_INLINEDISPLAY__queue_draw LV2_INLINEDISPLAY_PREFIX "queue_draw"

typedef void *LV2_Inline_Display_Handle;

/* The picture render() returns. */
typedef struct {
    unsigned char *data; /* ARGB32 premultiplied, height rows of stride bytes */
    int width;           /* at most the width the host offered */
    int height;          /* at most the height the host offered */
    int stride;          /* bytes from one row to the next */
} LV2_Inline_Display_Image_Surface;

/* The feature data of LV2_INLINEDISPLAY__queue_draw. */
typedef struct {
    LV2_Inline_Display_Handle handle;
    void (*queue_draw)(LV2_Inline_Display_Handle handle); /* from run(): render() again later */
} LV2_Inline_Display;

/* The extension data of LV2_INLINEDISPLAY__interface. */
typedef struct {
    /* Non-real-time thread: a picture at most w pixels wide and h high, or NULL. */
    LV2_Inline_Display_Image_Surface *(*render)(LV2_Handle instance, uint32_t w, uint32_t h);
} LV2_Inline_Display_Interface;

#endif

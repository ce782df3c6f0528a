/* fuzz_audio_in.c — libFuzzer target for the sound-file reader,
 * anc_audio_read_file() in tools/audio_in.c.
 *
 * libsndfile does the parsing; our code checks the header it reports (channels,
 * rate, length), every sample (NaN, Inf), and resamples to the corpus rate. The
 * reader takes a path, so each input is written to one temporary file (made once
 * per process, rewritten in place) and read from there: a memory entry point
 * would have meant a second code path in tools/ only for the fuzzer. libsndfile
 * itself is the system's uninstrumented build, so coverage guidance comes from
 * our code alone; a crash inside libsndfile is still reported (and is then
 * libsndfile's bug, to report upstream).
 *
 * Checked beyond "no crash, no sanitizer report, no leak", as audio_in.h
 * promises: a success gives at least one finite sample, a sane header and the
 * path; a failure gives a documented status with a message and a zeroed clip.
 * Input: the bytes of a sound file. The corpus rate is 22050 Hz, so most inputs
 * are resampled. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_in.h"

#define FUZZ_TARGET "fuzz_audio_in"
#include "fuzz_common.h"

static char path[256];
static int fd = -1;

static void remove_file(void)
{
    if (fd >= 0)
        unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/anc-fuzz-audio.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    fd = mkstemp(path);
    if (fd < 0)
        broken("cannot make a temporary file");
    atexit(remove_file);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0)
        LLVMFuzzerInitialize(NULL, NULL);
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        broken("cannot write the temporary file");

    anc_audio_settings s;
    anc_audio_settings_default(&s);
    s.target_rate = 22050;
    anc_audio_clip clip;
    anc_error err;
    anc_error_clear(&err);
    anc_status st = anc_audio_read_file(path, &s, &clip, &err);
    if (st != ANC_OK) {
        if (st != ANC_E_IO && st != ANC_E_FORMAT && st != ANC_E_NUMERIC && st != ANC_E_NOMEM)
            broken("undocumented status %d: %s", (int)st, err.message);
        if (!err.message[0] || clip.samples || clip.path || clip.n)
            broken("failure %d without a message or with a clip left over", (int)st);
        return 0;
    }
    if (!clip.path || strcmp(clip.path, path))
        broken("clip path is not the file's");
    if (clip.n < 1 || !clip.samples)
        broken("success with %zu samples", clip.n);
    if (clip.channels < 1 || clip.channels > ANC_AUDIO_MAX_CHANNELS ||
        clip.original_rate < ANC_AUDIO_MIN_RATE || clip.original_rate > ANC_AUDIO_MAX_RATE)
        broken("success with %d channels at %d Hz", clip.channels, clip.original_rate);
    if (!(clip.seconds > 0.0) || !isfinite(clip.seconds))
        broken("success with %g seconds", clip.seconds);
    for (size_t i = 0; i < clip.n; i++)
        if (!isfinite(clip.samples[i]))
            broken("sample %zu of %zu is %g", i, clip.n, (double)clip.samples[i]);
    /* One decoded frame gives ratio samples, give or take the converter's flush. */
    const double expect = clip.seconds * s.target_rate;
    if (fabs((double)clip.n - expect) > 2.0 + 0.01 * expect)
        broken("%zu samples for %g s at %d Hz", clip.n, clip.seconds, s.target_rate);
    anc_audio_clip_clear(&clip);
    return 0;
}

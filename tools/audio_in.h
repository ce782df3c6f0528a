/* audio_in.h — reading a training corpus: collect sound files from any mix of files
 * and folders, decode them with libsndfile, mix to mono and resample to one rate
 * with libsamplerate.
 *
 * This is tools/ code (it touches files and sound libraries, which core/ may not).
 * It still never prints: every file it does not use is reported once, with the
 * reason, through the settings' warn callback; the caller decides where that goes. */
#ifndef ANC_AUDIO_IN_H
#define ANC_AUDIO_IN_H

#include <stddef.h>

#include "status.h"

/* Header sanity limits: a file outside them is skipped as an absurd header. */
#define ANC_AUDIO_MAX_CHANNELS 256
#define ANC_AUDIO_MIN_RATE 1000
#define ANC_AUDIO_MAX_RATE 1000000

/* Converter quality (values are libsamplerate's SRC_SINC_* converter types). */
typedef enum anc_audio_quality {
    ANC_AUDIO_QUALITY_BEST = 0,   /* SRC_SINC_BEST_QUALITY: 97% bandwidth, ~15x real time */
    ANC_AUDIO_QUALITY_MEDIUM = 1  /* SRC_SINC_MEDIUM_QUALITY: 90% bandwidth, ~70x real time */
} anc_audio_quality;

/* A report about one input (see the settings' warn and warn_used). path is the file
 * as reached from the inputs; reason is one line without a trailing newline ("not
 * audio: ...", "too short: ...", "same file as X", "truncated, ..."). Both strings
 * are valid only during the call. */
typedef void (*anc_audio_warn_fn)(void *user, const char *path, const char *reason);

typedef struct anc_audio_settings {
    int target_rate;           /* Hz, ANC_AUDIO_MIN_RATE..ANC_AUDIO_MAX_RATE */
    size_t min_samples;        /* at target_rate; shorter files are skipped (e.g. one FFT) */
    anc_audio_quality quality;
    /* Called once for every input that is not used. May be NULL: skipped files are
     * then only counted. */
    anc_audio_warn_fn warn;
    /* Called once for every file that is used although cut short (it holds fewer
     * frames than its header promises), reason "truncated, 1.25 s of 3.00 s missing
     * (header promises 132300 frames, file holds 77175)". May be NULL. */
    anc_audio_warn_fn warn_used;
    void *warn_user;           /* passed to both callbacks */
} anc_audio_settings;

/* target_rate 44100, min_samples 1, quality MEDIUM, no callbacks. */
void anc_audio_settings_default(anc_audio_settings *s);

typedef struct anc_audio_clip {
    char *path;          /* as reached from the inputs (input + relative part) */
    float *samples;      /* mono (mean of the channels), at settings.target_rate */
    size_t n;            /* number of samples: frames x target / original rate, give
                          * or take one (the converter's flush) */
    int original_rate;   /* Hz, from the file */
    int channels;        /* from the file */
    double seconds;      /* duration of the decoded audio, frames / original_rate */
} anc_audio_clip;

typedef struct anc_audio_summary {
    size_t files_used;
    size_t files_skipped;     /* unreadable, not audio, bad header, non-finite, too short */
    size_t files_repeated;    /* the same file (st_dev, st_ino) reached twice, or a
                               * folder reached again through a symlink: not counted
                               * as skipped, since no audio is lost */
    size_t files_truncated;   /* used, but holding less than their header promises */
    double seconds_used;
    double seconds_skipped;   /* of skipped files whose length is known and whose
                               * header is sane (an absurd header's is not trusted) */
} anc_audio_summary;

typedef struct anc_audio_corpus {
    anc_audio_clip *clips;    /* n_clips clips, in input order, folders in sorted order */
    size_t n_clips;
    int rate;                 /* settings.target_rate */
    anc_audio_summary summary;
} anc_audio_corpus;

/* Reads every sound file named by or found under inputs[0..n_inputs-1].
 *
 * Folders are searched recursively in byte order of names; names starting with '.'
 * are ignored inside folders (a hidden file named explicitly is read). Each file
 * is read once however often it is reached. A file is skipped, with one warn call,
 * when libsndfile cannot open it, its header is absurd (0 or more than
 * ANC_AUDIO_MAX_CHANNELS channels, rate outside ANC_AUDIO_MIN_RATE..MAX_RATE), it
 * holds no frames, a sample is NaN or Inf, or it is shorter than min_samples after
 * resampling. Large values are kept as they are. A file cut short (a WAV whose
 * header promises more data than it holds, or any format that decodes to fewer
 * frames than its stated length) gives the whole frames it does hold, with one
 * warn_used call saying how much is missing; a decoding error part-way through
 * skips the file.
 *
 * Returns ANC_OK with *out set (possibly with zero clips: the caller decides whether
 * that is an error), or, with *out NULL and err filled: ANC_E_INVALID for bad
 * settings, ANC_E_IO when an input named in inputs does not exist (a typo should
 * not silently shrink a corpus), ANC_E_NOMEM. The caller owns *out and frees it
 * with anc_audio_corpus_free(). */
anc_status anc_audio_load(const char *const *inputs, size_t n_inputs,
                          const anc_audio_settings *settings, anc_audio_corpus **out,
                          anc_error *err);

/* Frees the corpus, its clips, their paths and samples. c may be NULL.
 *
 * Threads: loads of different corpora may run concurrently, except that the text
 * libsndfile gives for a failed open comes from a global and may then be mixed up. */
void anc_audio_corpus_free(anc_audio_corpus *c);

/* Reads one sound file into *clip (same rules as anc_audio_load; no folders; only
 * the warn_used callback, for a file cut short). On success the caller owns clip->path and clip->samples and frees them
 * with anc_audio_clip_clear(). Returns ANC_OK; ANC_E_IO (cannot open / read),
 * ANC_E_FORMAT (not audio, absurd header, no frames, too short), ANC_E_NUMERIC
 * (NaN or Inf), ANC_E_INVALID (bad settings) or ANC_E_NOMEM, with the reason and the
 * path in err; *clip is then zeroed. */
anc_status anc_audio_read_file(const char *path, const anc_audio_settings *settings,
                               anc_audio_clip *clip, anc_error *err);

/* Frees what clip owns and zeroes it. clip may be NULL. */
void anc_audio_clip_clear(anc_audio_clip *clip);

#endif

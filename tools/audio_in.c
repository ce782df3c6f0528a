/* audio_in.c — the corpus reader declared in audio_in.h: folder walk, libsndfile
 * decoding in blocks, mono mix, libsamplerate conversion.
 *
 * Memory: a file is decoded BLOCK_FRAMES frames at a time, so the only buffer that
 * grows with the file is the resampled mono output the caller keeps. */
#include "audio_in.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <samplerate.h>
#include <stdarg.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Frames decoded per sf_readf_float call: small enough that 256 channels of it
 * stay cache-friendly (4 MiB), large enough to amortise the library calls. */
#define BLOCK_FRAMES 4096

/* The output buffer starts at the header's length estimate (plus the converter's
 * rounding, MARGIN) but never above INITIAL_CAP_MAX samples (64 MiB), so a header
 * claiming a huge length costs nothing until the audio is really there; beyond it,
 * or from INITIAL_CAP_UNKNOWN when the length is unknown, it grows by half. */
#define INITIAL_CAP_MAX ((size_t)1 << 24)
#define INITIAL_CAP_UNKNOWN ((size_t)1 << 16)
#define MARGIN 4096

/* libsamplerate accepts conversion ratios in [1/256, 256] (SRC_MAX_RATIO). */
#define MAX_RATIO 256.0

#define REASON_MAX 200

void anc_audio_settings_default(anc_audio_settings *s)
{
    s->target_rate = 44100;
    s->min_samples = 1;
    s->quality = ANC_AUDIO_QUALITY_MEDIUM;
    s->warn = NULL;
    s->warn_used = NULL;
    s->warn_user = NULL;
}

static anc_status check_settings(const anc_audio_settings *s, anc_error *err)
{
    if (!s)
        return anc_error_set(err, ANC_E_INVALID, "audio settings are NULL");
    if (s->target_rate < ANC_AUDIO_MIN_RATE || s->target_rate > ANC_AUDIO_MAX_RATE)
        return anc_error_set(err, ANC_E_INVALID, "target rate %d Hz is outside %d..%d Hz",
                             s->target_rate, ANC_AUDIO_MIN_RATE, ANC_AUDIO_MAX_RATE);
    if (s->quality != ANC_AUDIO_QUALITY_BEST && s->quality != ANC_AUDIO_QUALITY_MEDIUM)
        return anc_error_set(err, ANC_E_INVALID, "unknown resampler quality %d",
                             (int)s->quality);
    return ANC_OK;
}

static int converter_type(anc_audio_quality q)
{
    return q == ANC_AUDIO_QUALITY_BEST ? SRC_SINC_BEST_QUALITY : SRC_SINC_MEDIUM_QUALITY;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void reason_set(char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, REASON_MAX, fmt, ap);
    va_end(ap);
}

/* Makes room for `more` samples after clip->n. Returns 0, or -1 when out of memory
 * or when the count would overflow. */
static int reserve(anc_audio_clip *clip, size_t *cap, size_t more)
{
    if (more > SIZE_MAX / sizeof(float) - clip->n)
        return -1;
    size_t need = clip->n + more;
    if (need <= *cap)
        return 0;
    size_t grown = *cap + *cap / 2;
    if (grown < need || grown > SIZE_MAX / sizeof(float))
        grown = need;
    float *p = realloc(clip->samples, grown * sizeof(float));
    if (!p)
        return -1;
    clip->samples = p;
    *cap = grown;
    return 0;
}

/* Feeds n_in mono samples (n_in may be 0 at the end) through the converter into
 * clip. Returns ANC_OK, ANC_E_NOMEM, or ANC_E_INVALID with reason set. */
static anc_status resample_block(SRC_STATE *src, double ratio, const float *in, size_t n_in,
                                 int end, anc_audio_clip *clip, size_t *cap, char *reason)
{
    for (;;) {
        /* Whole block's output plus the converter's own delay line, so that one
         * call normally consumes everything. */
        size_t room = (size_t)ceil((double)n_in * ratio) + 1024;
        if (reserve(clip, cap, room))
            return ANC_E_NOMEM;
        SRC_DATA d;
        memset(&d, 0, sizeof d);
        d.data_in = in;
        d.input_frames = (long)n_in;
        d.data_out = clip->samples + clip->n;
        d.output_frames = (long)(*cap - clip->n);
        d.src_ratio = ratio;
        d.end_of_input = end;
        int e = src_process(src, &d);
        if (e) {
            reason_set(reason, "resampling failed: %s", src_strerror(e));
            return ANC_E_INVALID;
        }
        clip->n += (size_t)d.output_frames_gen;
        in += d.input_frames_used;
        n_in -= (size_t)d.input_frames_used;
        if (n_in == 0 && (!end || d.output_frames_gen == 0))
            return ANC_OK;
        if (d.input_frames_used == 0 && d.output_frames_gen == 0) {
            reason_set(reason, "resampling made no progress");
            return ANC_E_INVALID;
        }
    }
}

/* WAV format tags whose data is whole frames of block_align bytes each (PCM,
 * IEEE float, A-law, mu-law, WAVE_FORMAT_EXTENSIBLE); compressed tags are not. */
static int wav_linear_tag(unsigned tag)
{
    return tag == 1 || tag == 3 || tag == 6 || tag == 7 || tag == 0xFFFE;
}

static uint32_t get_u32_order(const unsigned char *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The frames a WAV's header promises: its data chunk's size over the fmt chunk's
 * block size. libsndfile shortens the length of a file cut inside its data to
 * what is there without a word, so a truncated recording is only seen here.
 * Reads RIFF, RIFX (big-endian) and RF64/BW64 (the size in the ds64 chunk) with
 * pread, leaving the descriptor's offset alone. Returns -1 when fd is no such
 * WAV, its samples are compressed, or the size means "not recorded" (0, or
 * 0xFFFFFFFF as a recorder that could not seek leaves it). */
static int64_t wav_promised_frames(int fd)
{
    unsigned char b[28];
    if (pread(fd, b, 12, 0) != 12 || memcmp(b + 8, "WAVE", 4))
        return -1;
    int big = !memcmp(b, "RIFX", 4), rf64 = !memcmp(b, "RF64", 4) || !memcmp(b, "BW64", 4);
    if (!big && !rf64 && memcmp(b, "RIFF", 4))
        return -1;
    uint64_t data_size = 0, ds64_data = 0;
    unsigned block_align = 0, tag = 0;
    off_t at = 12;
    /* A bound on the walk: real files hold a handful of chunks before their data. */
    for (int chunks = 0; chunks < 1024; chunks++) {
        if (pread(fd, b, 8, at) != 8)
            return -1;
        uint64_t size = get_u32_order(b + 4, big);
        off_t body = at + 8;
        if (!memcmp(b, "ds64", 4) && size >= 16) {
            if (pread(fd, b, 16, body) != 16)
                return -1;
            ds64_data = (uint64_t)get_u32_order(b + 8, 0) |
                        (uint64_t)get_u32_order(b + 12, 0) << 32;
        } else if (!memcmp(b, "fmt ", 4) && size >= 14) {
            if (pread(fd, b, 14, body) != 14)
                return -1;
            tag = big ? (unsigned)b[0] << 8 | b[1] : (unsigned)b[1] << 8 | b[0];
            block_align = big ? (unsigned)b[12] << 8 | b[13] : (unsigned)b[13] << 8 | b[12];
        } else if (!memcmp(b, "data", 4)) {
            data_size = rf64 && size == 0xFFFFFFFFu ? ds64_data : size;
            if (!rf64 && size == 0xFFFFFFFFu)
                return -1;
            break;
        }
        if (size > (uint64_t)INT64_MAX - 9 - (uint64_t)body)
            return -1;
        at = body + (off_t)(size + (size & 1)); /* chunks are padded to even sizes */
    }
    if (!data_size || !block_align || !wav_linear_tag(tag))
        return -1;
    return (int64_t)(data_size / block_align);
}

/* Decodes path into clip. On failure returns the status, fills reason (without the
 * path) and *known_seconds (the header's length, 0 if unknown), leaves clip zeroed.
 * On success, when the file holds fewer frames than its header promises, sets
 * cut_short to one line saying how much is missing, else to "". */
static anc_status read_one(const char *path, const anc_audio_settings *s,
                           anc_audio_clip *clip, char *reason, double *known_seconds,
                           char *cut_short)
{
    anc_status st = ANC_OK;
    SNDFILE *sf = NULL;
    SRC_STATE *src = NULL;
    float *block = NULL, *mono = NULL;
    size_t cap = 0;
    int fd = -1;

    memset(clip, 0, sizeof *clip);
    *known_seconds = 0.0;
    reason[0] = '\0';
    cut_short[0] = '\0';

    /* O_NONBLOCK: a FIFO must not hang the open; it has no effect on regular files. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        reason_set(reason, "cannot open: %s", strerror(errno));
        return ANC_E_IO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        reason_set(reason, "cannot stat: %s", strerror(errno));
        close(fd);
        return ANC_E_IO;
    }
    if (!S_ISREG(sb.st_mode)) {
        reason_set(reason, "not a regular file");
        close(fd);
        return ANC_E_FORMAT;
    }
    const int64_t wav_frames = wav_promised_frames(fd);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    /* The descriptor stays ours (close_desc false) so it is closed exactly once on
     * every path, whatever libsndfile does on a failed open. */
    sf = sf_open_fd(fd, SFM_READ, &info, SF_FALSE);
    if (!sf) {
        reason_set(reason, "not audio (libsndfile: %s)", sf_strerror(NULL));
        st = ANC_E_FORMAT;
        goto done;
    }
    if (info.channels < 1 || info.channels > ANC_AUDIO_MAX_CHANNELS) {
        reason_set(reason, "absurd header: %d channels", info.channels);
        st = ANC_E_FORMAT;
        goto done;
    }
    if (info.samplerate < ANC_AUDIO_MIN_RATE || info.samplerate > ANC_AUDIO_MAX_RATE) {
        reason_set(reason, "absurd header: sample rate %d Hz (accepted %d..%d)",
                   info.samplerate, ANC_AUDIO_MIN_RATE, ANC_AUDIO_MAX_RATE);
        st = ANC_E_FORMAT;
        goto done;
    }
    if (info.frames < 0) {
        reason_set(reason, "absurd header: %lld frames", (long long)info.frames);
        st = ANC_E_FORMAT;
        goto done;
    }
    /* SF_COUNT_MAX means "unknown length" (a pipe or a stream format). */
    int length_known = info.frames != SF_COUNT_MAX;
    if (length_known)
        *known_seconds = (double)info.frames / info.samplerate;
    if (info.frames == 0) {
        reason_set(reason, "no audio frames");
        st = ANC_E_FORMAT;
        goto done;
    }

    double ratio = (double)s->target_rate / info.samplerate;
    int same_rate = info.samplerate == s->target_rate;
    if (!same_rate) {
        if (ratio > MAX_RATIO || ratio < 1.0 / MAX_RATIO) {
            reason_set(reason, "cannot resample %d Hz to %d Hz (ratio beyond %g)",
                       info.samplerate, s->target_rate, MAX_RATIO);
            st = ANC_E_FORMAT;
            goto done;
        }
        int e = 0;
        src = src_new(converter_type(s->quality), 1, &e);
        if (!src) {
            /* src_new fails only for want of memory or a bad converter type, and the
             * type was checked in check_settings. */
            reason_set(reason, "resampler: %s", src_strerror(e));
            st = ANC_E_NOMEM;
            goto done;
        }
    }

    size_t ch = (size_t)info.channels;
    block = malloc(BLOCK_FRAMES * ch * sizeof(float));
    mono = malloc(BLOCK_FRAMES * sizeof(float));
    clip->path = strdup(path);
    if (!block || !mono || !clip->path) {
        st = ANC_E_NOMEM;
        goto done;
    }
    cap = length_known ? INITIAL_CAP_MAX : INITIAL_CAP_UNKNOWN;
    if (length_known && (double)info.frames * ratio + MARGIN < (double)cap)
        cap = (size_t)((double)info.frames * ratio) + MARGIN;
    clip->samples = malloc(cap * sizeof(float));
    if (!clip->samples) {
        st = ANC_E_NOMEM;
        goto done;
    }

    uint64_t frames_read = 0;
    for (;;) {
        sf_count_t got = sf_readf_float(sf, block, BLOCK_FRAMES);
        if (got <= 0)
            break;
        for (sf_count_t i = 0; i < got; i++) {
            const float *fr = block + (size_t)i * ch;
            double sum = 0.0;
            for (size_t c = 0; c < ch; c++) {
                if (!isfinite(fr[c])) {
                    reason_set(reason, "%s sample at frame %llu, channel %zu",
                               isnan(fr[c]) ? "NaN" : "Inf",
                               (unsigned long long)(frames_read + (uint64_t)i), c + 1);
                    st = ANC_E_NUMERIC;
                    goto done;
                }
                sum += fr[c];
            }
            mono[i] = (float)(sum / (double)ch);
        }
        frames_read += (uint64_t)got;
        if (same_rate) {
            if (reserve(clip, &cap, (size_t)got)) {
                st = ANC_E_NOMEM;
                goto done;
            }
            memcpy(clip->samples + clip->n, mono, (size_t)got * sizeof(float));
            clip->n += (size_t)got;
        } else {
            st = resample_block(src, ratio, mono, (size_t)got, 0, clip, &cap, reason);
            if (st)
                goto done;
        }
    }
    if (sf_error(sf) != SF_ERR_NO_ERROR) {
        reason_set(reason, "read error after %llu frames: %s",
                   (unsigned long long)frames_read, sf_strerror(sf));
        st = ANC_E_IO;
        goto done;
    }
    if (frames_read == 0) {
        reason_set(reason, "no audio frames could be decoded");
        st = ANC_E_FORMAT;
        goto done;
    }
    if (!same_rate) {
        st = resample_block(src, ratio, mono, 0, 1, clip, &cap, reason);
        if (st)
            goto done;
    }
    *known_seconds = (double)frames_read / info.samplerate;
    /* The mix and the resampler's filter can overshoot finite samples near
     * FLT_MAX into Inf (found by fuzzing): check what comes out, too. */
    for (size_t i = 0; i < clip->n; i++)
        if (!isfinite(clip->samples[i])) {
            reason_set(reason, "sample %zu overflows to %s after mixing and resampling "
                       "(levels near the float limit)", i, isnan(clip->samples[i]) ? "NaN" : "Inf");
            st = ANC_E_NUMERIC;
            goto done;
        }
    if (clip->n < s->min_samples) {
        reason_set(reason, "too short: %zu samples at %d Hz (%.3f s), need %zu", clip->n,
                   s->target_rate, (double)clip->n / s->target_rate, s->min_samples);
        st = ANC_E_FORMAT;
        goto done;
    }
    if (clip->n < cap) {
        float *p = realloc(clip->samples, (clip->n ? clip->n : 1) * sizeof(float));
        if (p) /* keeping the larger block is harmless if shrinking fails */
            clip->samples = p;
    }
    clip->original_rate = info.samplerate;
    clip->channels = info.channels;
    clip->seconds = (double)frames_read / info.samplerate;
    /* Cut short: the WAV header, or libsndfile's length for other formats, promised
     * more than could be decoded. */
    uint64_t promised = length_known ? (uint64_t)info.frames : 0;
    if (wav_frames > 0 && (uint64_t)wav_frames > promised)
        promised = (uint64_t)wav_frames;
    if (promised > frames_read)
        reason_set(cut_short, "truncated, %.2f s of %.2f s missing (header promises %llu "
                   "frames, file holds %llu)", (double)(promised - frames_read) / info.samplerate,
                   (double)promised / info.samplerate, (unsigned long long)promised,
                   (unsigned long long)frames_read);

done:
    if (st == ANC_E_NOMEM && !reason[0])
        reason_set(reason, "out of memory");
    if (st)
        anc_audio_clip_clear(clip);
    if (src)
        src_delete(src);
    /* sf_close's status is ignored: a read-only handle has nothing to flush, so a
     * failure would say nothing about the samples already decoded. */
    if (sf)
        (void)sf_close(sf);
    close(fd);
    free(block);
    free(mono);
    return st;
}

void anc_audio_clip_clear(anc_audio_clip *clip)
{
    if (!clip)
        return;
    free(clip->path);
    free(clip->samples);
    memset(clip, 0, sizeof *clip);
}

anc_status anc_audio_read_file(const char *path, const anc_audio_settings *settings,
                               anc_audio_clip *clip, anc_error *err)
{
    char reason[REASON_MAX], cut_short[REASON_MAX];
    double known;
    if (!clip)
        return anc_error_set(err, ANC_E_INVALID, "clip is NULL");
    memset(clip, 0, sizeof *clip);
    anc_status st = check_settings(settings, err);
    if (st)
        return st;
    if (!path)
        return anc_error_set(err, ANC_E_INVALID, "path is NULL");
    st = read_one(path, settings, clip, reason, &known, cut_short);
    if (st)
        return anc_error_set(err, st, "%s: %s", path, reason);
    if (cut_short[0] && settings->warn_used)
        settings->warn_used(settings->warn_user, path, cut_short);
    return ANC_OK;
}

/* ---- the set of files and folders already reached, keyed by (st_dev, st_ino) ---- */

typedef struct seen_entry {
    dev_t dev;
    ino_t ino;
    char *path; /* NULL marks an empty slot */
} seen_entry;

typedef struct seen_set {
    seen_entry *slots;
    size_t cap; /* a power of two */
    size_t count;
} seen_set;

static size_t seen_hash(dev_t dev, ino_t ino, size_t mask)
{
    uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev * 0xbf58476d1ce4e5b9ULL;
    return (size_t)(h ^ (h >> 29)) & mask;
}

static const char *seen_find(const seen_set *set, dev_t dev, ino_t ino)
{
    if (!set->cap)
        return NULL;
    size_t mask = set->cap - 1;
    for (size_t i = seen_hash(dev, ino, mask);; i = (i + 1) & mask) {
        const seen_entry *e = &set->slots[i];
        if (!e->path)
            return NULL;
        if (e->dev == dev && e->ino == ino)
            return e->path;
    }
}

/* Takes ownership of path only on success. Returns 0 or -1 (out of memory). */
static int seen_add(seen_set *set, dev_t dev, ino_t ino, char *path)
{
    if ((set->count + 1) * 2 > set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 64;
        seen_entry *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t j = 0; j < set->cap; j++) {
            seen_entry *e = &set->slots[j];
            if (!e->path)
                continue;
            size_t i = seen_hash(e->dev, e->ino, ncap - 1);
            while (ns[i].path)
                i = (i + 1) & (ncap - 1);
            ns[i] = *e;
        }
        free(set->slots);
        set->slots = ns;
        set->cap = ncap;
    }
    size_t mask = set->cap - 1;
    size_t i = seen_hash(dev, ino, mask);
    while (set->slots[i].path)
        i = (i + 1) & mask;
    set->slots[i].dev = dev;
    set->slots[i].ino = ino;
    set->slots[i].path = path;
    set->count++;
    return 0;
}

static void seen_free(seen_set *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slots[i].path);
    free(set->slots);
    memset(set, 0, sizeof *set);
}

/* ---- the walk ---- */

typedef struct walker {
    const anc_audio_settings *s;
    anc_audio_corpus *c;
    size_t clips_cap;
    seen_set seen;
    anc_error *err;
} walker;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void warn(walker *w, const char *path, const char *fmt, ...)
{
    if (!w->s->warn)
        return;
    char reason[REASON_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    w->s->warn(w->s->warn_user, path, reason);
}

/* Records (dev, ino) for path. Returns 1 if it was new, 0 if reached before (and
 * reports it), -1 when out of memory. */
static int mark_seen(walker *w, const char *path, const struct stat *sb, const char *what)
{
    const char *first = seen_find(&w->seen, sb->st_dev, sb->st_ino);
    if (first) {
        warn(w, path, "%s already reached as %s", what, first);
        w->c->summary.files_repeated++;
        return 0;
    }
    char *copy = strdup(path);
    if (!copy || seen_add(&w->seen, sb->st_dev, sb->st_ino, copy)) {
        free(copy);
        return -1;
    }
    return 1;
}

static anc_status add_file(walker *w, const char *path)
{
    anc_audio_clip clip;
    char reason[REASON_MAX], cut_short[REASON_MAX];
    double known = 0.0;
    anc_status st = read_one(path, w->s, &clip, reason, &known, cut_short);
    if (st == ANC_E_NOMEM)
        return anc_error_set(w->err, ANC_E_NOMEM, "%s: out of memory while reading", path);
    if (st) {
        warn(w, path, "%s", reason);
        w->c->summary.files_skipped++;
        w->c->summary.seconds_skipped += known;
        return ANC_OK;
    }
    if (w->c->n_clips == w->clips_cap) {
        size_t ncap = w->clips_cap ? w->clips_cap * 2 : 16;
        anc_audio_clip *nc = realloc(w->c->clips, ncap * sizeof *nc);
        if (!nc) {
            anc_audio_clip_clear(&clip);
            return anc_error_set(w->err, ANC_E_NOMEM, "%s: out of memory", path);
        }
        w->c->clips = nc;
        w->clips_cap = ncap;
    }
    w->c->clips[w->c->n_clips++] = clip;
    w->c->summary.files_used++;
    w->c->summary.seconds_used += clip.seconds;
    if (cut_short[0]) {
        w->c->summary.files_truncated++;
        if (w->s->warn_used)
            w->s->warn_used(w->s->warn_user, path, cut_short);
    }
    return ANC_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static anc_status visit(walker *w, const char *path);

static anc_status walk_dir(walker *w, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        warn(w, dir, "cannot open folder: %s", strerror(errno));
        w->c->summary.files_skipped++;
        return ANC_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    anc_status st = ANC_OK;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno) {
                warn(w, dir, "cannot list folder completely: %s", strerror(errno));
                w->c->summary.files_skipped++;
            }
            break;
        }
        if (e->d_name[0] == '.') /* hidden files, "." and ".." */
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn) {
                st = ANC_E_NOMEM;
                break;
            }
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(e->d_name))) {
            st = ANC_E_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (st) {
        anc_error_set(w->err, st, "%s: out of memory while listing", dir);
        goto done;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_names);

    size_t dlen = strlen(dir);
    int slash = dlen > 0 && dir[dlen - 1] == '/';
    for (size_t i = 0; i < n && st == ANC_OK; i++) {
        size_t len = dlen + 1 + strlen(names[i]) + 1;
        char *child = malloc(len);
        if (!child) {
            st = anc_error_set(w->err, ANC_E_NOMEM, "%s: out of memory", dir);
            break;
        }
        snprintf(child, len, "%s%s%s", dir, slash ? "" : "/", names[i]);
        st = visit(w, child);
        free(child);
    }
done:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

/* One path reached inside a folder (top-level inputs go through load's own check
 * first, so a missing one is an error rather than a warning). */
static anc_status visit(walker *w, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        /* ELOOP here is a chain of symlinks that never reaches a file. */
        warn(w, path, "cannot access: %s", strerror(errno));
        w->c->summary.files_skipped++;
        return ANC_OK;
    }
    if (S_ISDIR(sb.st_mode)) {
        int r = mark_seen(w, path, &sb, "folder");
        if (r < 0)
            return anc_error_set(w->err, ANC_E_NOMEM, "%s: out of memory", path);
        return r ? walk_dir(w, path) : ANC_OK;
    }
    if (!S_ISREG(sb.st_mode)) {
        warn(w, path, "not a regular file");
        w->c->summary.files_skipped++;
        return ANC_OK;
    }
    int r = mark_seen(w, path, &sb, "same file");
    if (r < 0)
        return anc_error_set(w->err, ANC_E_NOMEM, "%s: out of memory", path);
    return r ? add_file(w, path) : ANC_OK;
}

void anc_audio_corpus_free(anc_audio_corpus *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_clips; i++)
        anc_audio_clip_clear(&c->clips[i]);
    free(c->clips);
    free(c);
}

anc_status anc_audio_load(const char *const *inputs, size_t n_inputs,
                          const anc_audio_settings *settings, anc_audio_corpus **out,
                          anc_error *err)
{
    if (!out)
        return anc_error_set(err, ANC_E_INVALID, "out is NULL");
    *out = NULL;
    anc_status st = check_settings(settings, err);
    if (st)
        return st;
    if (n_inputs && !inputs)
        return anc_error_set(err, ANC_E_INVALID, "inputs is NULL");

    /* Missing inputs are reported before any decoding, so a typo costs nothing. */
    for (size_t i = 0; i < n_inputs; i++) {
        struct stat sb;
        if (!inputs[i])
            return anc_error_set(err, ANC_E_INVALID, "input %zu is NULL", i);
        if (stat(inputs[i], &sb) != 0)
            return anc_error_set(err, ANC_E_IO, "%s: %s", inputs[i], strerror(errno));
    }

    walker w;
    memset(&w, 0, sizeof w);
    w.s = settings;
    w.err = err;
    w.c = calloc(1, sizeof *w.c);
    if (!w.c)
        return anc_error_set(err, ANC_E_NOMEM, "out of memory");
    w.c->rate = settings->target_rate;

    for (size_t i = 0; i < n_inputs && st == ANC_OK; i++)
        st = visit(&w, inputs[i]);
    seen_free(&w.seen);
    if (st) {
        anc_audio_corpus_free(w.c);
        return st;
    }
    *out = w.c;
    return ANC_OK;
}

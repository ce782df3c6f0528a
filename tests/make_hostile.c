/* make_hostile.c — writes a folder of broken and odd sound files for the trainer's
 * hardening test (test_hostile.sh), and prints what the trainer must do with each.
 *
 *   make_hostile [--bad-only] OUT_DIR
 *
 * OUT_DIR must not exist yet. Every entry written is printed on stdout as one line
 *   NAME<TAB>used
 *   NAME<TAB>cut<TAB>REASON          used, with one warning holding REASON (cut short)
 *   NAME<TAB>skipped<TAB>REASON      REASON: text the trainer's warning must hold
 *   NAME<TAB>walked                  a folder, searched like any other
 *   NAME<TAB>repeated<TAB>REASON     reached again: a warning, but not counted as skipped
 * so the expectations sit beside the code that makes each file. The rules come from
 * tools/audio_in.h: a file libsndfile cannot open, with no frames, with a NaN or
 * Inf sample, or shorter than one FFT is skipped; a WAV whose header promises more
 * data than it holds gives the frames it does hold, with a warning; any channel
 * count up to 256, any rate from 1 kHz to 1 MHz and any sample format libsndfile
 * reads are used.
 * --bad-only writes only the entries that give no audio.
 *
 * The good files are 0.3 s of a harmonic tone at -6 dBFS (long enough for a 256-point
 * FFT at any rate here, loud enough for the trainer's -60 dBFS gate). Nothing
 * depends on the clock or a random source, so the folder is the same on every run. */
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TWO_PI 6.283185307179586476925
#define SECONDS 0.3
#define AMP 0.5 /* -6 dBFS, as ancestral-make-corpus writes */

static const char *root;

static void die(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "make_hostile: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    exit(1);
}

static char *path_of(const char *name)
{
    static char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s/%s", root, name);
    if (n < 0 || (size_t)n >= sizeof buf)
        die("path too long: %s/%s", root, name);
    return buf;
}

/* Sample i of a tone with three harmonics, peak about AMP: it has a spectrum worth
 * learning and stays below full scale in every format. */
static float tone(long i, int rate, double f0)
{
    double t = (double)i / rate;
    return (float)(AMP * (0.6 * sin(TWO_PI * f0 * t) + 0.25 * sin(TWO_PI * 2 * f0 * t) +
                          0.15 * sin(TWO_PI * 3 * f0 * t)));
}

/* Writes frames of the tone on every channel (channel c scaled by 1 - c/(2 ch) so
 * the channels differ but never cancel in the mono mix). poison_at >= 0 replaces
 * the sample of channel 0 at that frame with poison. */
static void write_tone(const char *name, int format, int rate, int channels, long frames,
                       long poison_at, float poison)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    const char *p = path_of(name);
    SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
    if (!sf)
        die("cannot write %s: %s", p, sf_strerror(NULL));
    /* A float file's PEAK chunk carries the time of writing; leave it out. */
    sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    float *fr = malloc((size_t)channels * sizeof *fr);
    if (!fr)
        die("out of memory for %s%s", name, "");
    for (long i = 0; i < frames; i++) {
        float s = tone(i, rate, 220.0);
        for (int c = 0; c < channels; c++)
            fr[c] = s * (float)(1.0 - (double)c / (2.0 * channels));
        if (i == poison_at)
            fr[0] = poison;
        if (sf_writef_float(sf, fr, 1) != 1)
            die("writing %s failed: %s", p, sf_strerror(sf));
    }
    free(fr);
    if (sf_close(sf) != 0)
        die("closing %s failed%s", p, "");
}

static void write_bytes(const char *name, const void *data, size_t len)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    if (!f)
        die("cannot write %s: %s", p, strerror(errno));
    if ((len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        die("writing %s failed%s", p, "");
}

/* Reads a whole file written above (small: at most a few hundred kB). */
static unsigned char *slurp(const char *name, size_t *len)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "rb");
    if (!f)
        die("cannot read %s: %s", p, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            die("out of memory reading %s%s", p, "");
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    fclose(f);
    *len = n;
    return buf;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Offset of the four-letter chunk id in a RIFF/WAVE file (the first match after
 * the 12-byte RIFF header), or dies. */
static size_t find_chunk(const unsigned char *b, size_t len, const char *id, const char *name)
{
    for (size_t i = 12; i + 8 <= len; i++)
        if (!memcmp(b + i, id, 4))
            return i;
    die("no %s chunk in %s", id, name);
    return 0;
}

static void used(const char *name) { printf("%s\tused\n", name); }
/* Used although cut short: the one warning must say how much is missing, from the
 * frames the header promises and the whole frames the file holds. */
static void cut(const char *name, int rate, unsigned long long promised,
                unsigned long long held)
{
    printf("%s\tcut\ttruncated, %.2f s of %.2f s missing (header promises %llu frames, file "
           "holds %llu)\n", name, (double)(promised - held) / rate, (double)promised / rate,
           promised, held);
}
static void skipped(const char *name, const char *reason)
{
    printf("%s\tskipped\t%s\n", name, reason);
}

int main(int argc, char **argv)
{
    int bad_only = 0;
    if (argc == 3 && !strcmp(argv[1], "--bad-only"))
        bad_only = 1;
    else if (argc != 2) {
        fprintf(stderr, "usage: make_hostile [--bad-only] OUT_DIR\n");
        return 2;
    }
    root = argv[argc - 1];
    if (mkdir(root, 0755) != 0)
        die("cannot create %s: %s", root, strerror(errno));

    const int wav16 = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    const int wavf = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    const int rate = 44100;
    const long frames = (long)(SECONDS * rate);

    /* ---- files that give no audio ---- */

    /* A WAV cut inside its fmt chunk: libsndfile cannot even read the format. */
    write_tone("cut_in_header.wav", wav16, rate, 1, frames, -1, 0.0f);
    {
        size_t len;
        unsigned char *b = slurp("cut_in_header.wav", &len);
        write_bytes("cut_in_header.wav", b, 30);
        free(b);
    }
    skipped("cut_in_header.wav", "not audio");

    /* RIFF/WAVE with a fmt chunk of garbage: format tag, channels and rate 0xA5A5. */
    {
        write_tone("garbage_fmt.wav", wav16, rate, 1, frames, -1, 0.0f);
        size_t len;
        unsigned char *b = slurp("garbage_fmt.wav", &len);
        size_t fmt = find_chunk(b, len, "fmt ", "garbage_fmt.wav");
        memset(b + fmt + 8, 0xA5, 16);
        write_bytes("garbage_fmt.wav", b, len);
        free(b);
    }
    skipped("garbage_fmt.wav", "not audio");

    write_tone("zero_frames.wav", wav16, rate, 1, 0, -1, 0.0f);
    skipped("zero_frames.wav", "no audio frames");

    write_tone("one_frame.wav", wav16, rate, 1, 1, -1, 0.0f);
    skipped("one_frame.wav", "too short");

    /* Poison past libsndfile's first blocks, so detection is no header check. */
    write_tone("nan.wav", wavf, rate, 1, frames, 7000, NAN);
    skipped("nan.wav", "NaN sample at frame 7000");
    write_tone("inf.wav", wavf, rate, 1, frames, 9000, -INFINITY);
    skipped("inf.wav", "Inf sample at frame 9000");

    static const char text[] = "This is not a sound file.\nIt only has a .wav name.\n";
    write_bytes("readme.wav", text, sizeof text - 1);
    skipped("readme.wav", "not audio");

    write_bytes("empty.wav", "", 0);
    skipped("empty.wav", "not audio");

    /* A loop of two symlinks: stat() fails with ELOOP. */
    if (symlink("loop_b.wav", path_of("loop_a.wav")) != 0 ||
        symlink("loop_a.wav", path_of("loop_b.wav")) != 0)
        die("cannot make symlinks in %s: %s", root, strerror(errno));
    skipped("loop_a.wav", "cannot access");
    skipped("loop_b.wav", "cannot access");

    /* A folder whose name looks like a sound file: walked like any folder. It holds
     * only a symlink back to its parent, a loop of folders that a naive walk would
     * follow for ever: the reader notices the folder was reached before, says so
     * and goes on (counted as repeated, not skipped: no audio is lost). */
    if (mkdir(path_of("folder.wav"), 0755) != 0)
        die("cannot create %s: %s", path_of("folder.wav"), strerror(errno));
    printf("folder.wav\twalked\n");
    if (symlink("..", path_of("folder.wav/up")) != 0)
        die("cannot make a symlink in %s: %s", root, strerror(errno));
    printf("folder.wav/up\trepeated\talready reached\n");

    /* A header claiming 2^32 - 2 bytes of data in front of 100 frames: libsndfile
     * gives the frames that are there, too few for one FFT. */
    write_tone("huge_claim_short.wav", wav16, rate, 1, 100, -1, 0.0f);
    {
        size_t len;
        unsigned char *b = slurp("huge_claim_short.wav", &len);
        size_t data = find_chunk(b, len, "data", "huge_claim_short.wav");
        put_le32(b + 4, 0xFFFFFFFEu);
        put_le32(b + data + 4, 0xFFFFFFFEu - (uint32_t)data);
        write_bytes("huge_claim_short.wav", b, len);
        free(b);
    }
    skipped("huge_claim_short.wav", "too short");

    if (bad_only)
        return 0;

    /* ---- odd but valid: every one is used ---- */

    write_tone("ch32.wav", wav16, rate, 32, frames, -1, 0.0f);
    used("ch32.wav");
    write_tone("rate8k.wav", wav16, 8000, 1, (long)(SECONDS * 8000), -1, 0.0f);
    used("rate8k.wav");
    write_tone("rate192k.wav", wav16, 192000, 1, (long)(SECONDS * 192000), -1, 0.0f);
    used("rate192k.wav");
    write_tone("u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, rate, 1, frames, -1, 0.0f);
    used("u8.wav");

    /* Cut in the middle of its data: the header promises twice what is there. */
    write_tone("cut_in_data.wav", wav16, rate, 2, frames, -1, 0.0f);
    {
        size_t len;
        unsigned char *b = slurp("cut_in_data.wav", &len);
        size_t data = find_chunk(b, len, "data", "cut_in_data.wav");
        write_bytes("cut_in_data.wav", b, len / 2 + 1); /* odd: a split sample too */
        free(b);
        cut("cut_in_data.wav", rate, (unsigned long long)frames,
            (len / 2 + 1 - (data + 8)) / 4); /* 2 channels of 2 bytes */
    }

    /* A header claiming 2^32 - 2 bytes of data in front of 0.3 s of it. */
    write_tone("huge_claim.wav", wav16, rate, 1, frames, -1, 0.0f);
    {
        size_t len;
        unsigned char *b = slurp("huge_claim.wav", &len);
        size_t data = find_chunk(b, len, "data", "huge_claim.wav");
        put_le32(b + 4, 0xFFFFFFFEu);
        put_le32(b + data + 4, 0xFFFFFFFEu - (uint32_t)data);
        write_bytes("huge_claim.wav", b, len);
        free(b);
        cut("huge_claim.wav", rate, (0xFFFFFFFEull - data) / 2, (unsigned long long)frames);
    }
    return 0;
}

/* pitch.c — ancestral-pitch: the f0 track of a sound file, by the estimator the
 * trainer and the real-time engines use (core/pitch.h). One line per frame,
 * "time f0 periodicity voiced" (seconds, Hz, 0..1, 0/1; f0 0 when unvoiced), like
 * aubiopitch's output, or with --summary `key: value` lines only.
 *
 *   ancestral-pitch [--causal] [--hop N] [--rate HZ] [--fmin HZ] [--fmax HZ]
 *                   [--summary] FILE
 *
 * Offline (default): the whole file, with the Viterbi path that removes octave
 * jumps. --causal: window by window as a real-time engine sees it (each frame's
 * window ends at its time; no look-ahead).
 *
 * Exit status: 0 printed, 1 runtime failure, 2 bad usage or an unusable file. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_in.h"
#include "cli.h"
#include "pitch.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ancestral-pitch [options] FILE\n"
            "Prints the f0 track of a sound file: one line per frame, 'time f0 periodicity\n"
            "voiced' (s, Hz, 0..1, 0/1; f0 is 0 where unvoiced).\n"
            "  --causal      frame by frame without look-ahead, as the plugin sees it\n"
            "  --hop N       samples between frames (default 256)\n"
            "  --rate HZ     analysis rate; the file is resampled to it (default 48000)\n"
            "  --fmin HZ     lowest f0 searched (default 50)\n"
            "  --fmax HZ     highest f0 searched (default 2000)\n"
            "  --summary     only key: value lines: frames, voiced_fraction, median_f0_hz\n");
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    anc_cli_set_program("ancestral-pitch");
    int causal = 0, summary = 0, hop = 256;
    double rate = 48000.0, fmin = -1.0, fmax = -1.0;
    static const struct option opts[] = {
        {"causal", no_argument, NULL, 'c'}, {"hop", required_argument, NULL, 'H'},
        {"rate", required_argument, NULL, 'r'}, {"fmin", required_argument, NULL, 'l'},
        {"fmax", required_argument, NULL, 'u'}, {"summary", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': causal = 1; break;
        case 's': summary = 1; break;
        case 'H': hop = (int)anc_cli_int("--hop", optarg, 1, 65536); break;
        case 'r': rate = anc_cli_double("--rate", optarg, 8000, 384000); break;
        case 'l': fmin = anc_cli_double("--fmin", optarg, 20, 20000); break;
        case 'u': fmax = anc_cli_double("--fmax", optarg, 40, 96000); break;
        case 'h': usage(stdout); return ANC_EXIT_OK;
        default: usage(stderr); return ANC_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return ANC_EXIT_USAGE;
    }
    const char *path = argv[optind];

    anc_pitch_config pc;
    anc_pitch_config_default(&pc, rate);
    if (fmin > 0)
        pc.fmin = fmin;
    if (fmax > 0)
        pc.fmax = fmax;
    anc_error err = {0};
    anc_pitch *p = NULL;
    if (anc_pitch_create(&p, &pc, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_USAGE, "%s", err.message);

    anc_audio_settings as;
    anc_audio_settings_default(&as);
    as.target_rate = (int)lround(rate);
    as.quality = ANC_AUDIO_QUALITY_BEST;
    as.warn_used = anc_cli_warn_used; /* a recording cut short: say how much is missing */
    anc_audio_clip clip = {0};
    anc_status s = anc_audio_read_file(path, &as, &clip, &err);
    if (s != ANC_OK) {
        anc_pitch_free(p);
        anc_cli_die(s == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s", err.message);
    }

    const int W = anc_pitch_window(p);
    const size_t n_frames = clip.n / (size_t)hop + 1;
    anc_pitch_frame *fr = malloc(sizeof *fr * n_frames);
    float *win = malloc(sizeof *win * (size_t)W);
    float *voiced_f0 = malloc(sizeof *voiced_f0 * n_frames);
    if (!fr || !win || !voiced_f0)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory for %zu frames", n_frames);
    if (causal) {
        /* Frame t's window ends at sample t * hop: what a live engine has heard. */
        for (size_t t = 0; t < n_frames; t++) {
            long end = (long)(t * (size_t)hop);
            for (int j = 0; j < W; j++) {
                long i = end - W + 1 + j;
                win[j] = (i >= 0 && (size_t)i < clip.n) ? clip.samples[i] : 0.0f;
            }
            anc_pitch_causal(p, win, &fr[t]);
        }
    } else if (anc_pitch_track(p, clip.samples, clip.n, 0, hop, fr, n_frames, &err) != ANC_OK) {
        anc_cli_die(ANC_EXIT_FAILURE, "%s: %s", path, err.message);
    }

    size_t nv = 0;
    for (size_t t = 0; t < n_frames; t++) {
        if (fr[t].voiced)
            voiced_f0[nv++] = fr[t].f0;
        if (!summary)
            printf("%.6f %.3f %.3f %d\n", (double)t * hop / rate, fr[t].f0, fr[t].periodicity,
                   fr[t].voiced);
    }
    if (summary) {
        qsort(voiced_f0, nv, sizeof *voiced_f0, cmp_float);
        printf("frames: %zu\n", n_frames);
        printf("voiced_fraction: %.4f\n", n_frames ? (double)nv / n_frames : 0.0);
        printf("median_f0_hz: %.3f\n", nv ? voiced_f0[nv / 2] : 0.0);
    }
    free(fr);
    free(win);
    free(voiced_f0);
    anc_audio_clip_clear(&clip);
    anc_pitch_free(p);
    return ANC_EXIT_OK;
}

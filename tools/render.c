/* render.c — ancestral-render: renders a model to a WAV file offline with the same
 * core engine the plugin runs, block by block.
 *
 *   ancestral-render --model M.vae -o OUT.wav [--latent z1,z2,...]   fixed point
 *   ancestral-render --model M.vae -o OUT.wav --random SEED          ancestral sampling
 *   ancestral-render --model M.vae -o OUT.wav --input IN.wav         timbre
 *                                                                    transfer
 *   ancestral-render --model M.vae -o OUT.wav --midi SONG.mid        play the notes
 * --input runs the transfer engine (core/transfer.h), the transfer plugin's:
 * the input's pitch and loudness, the model's timbre, aligned with the input
 * (its latency removed). The plugin's other controls come as flags, taken from
 * the control table (core/controls.h): their names, ranges and defaults are the plugin's. Exit
 * status: 0 ok, 1 runtime failure, 2 bad usage or unusable input. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "audio_in.h"
#include "cli.h"
#include "controls.h"
#include "engine.h"
#include "feature.h"
#include "midi_file.h"
#include "model.h"
#include "model_vae.h"
#include "stft.h"
#include "transfer.h"

/* A choice's name on the command line: its label without spaces
 * ("knobs + noise" -> "knobs+noise"). */
static void choice_name(const char *label, char *out, size_t cap)
{
    size_t j = 0;
    for (; *label && j + 1 < cap; label++)
        if (*label != ' ')
            out[j++] = *label;
    out[j] = '\0';
}

/* "a|b|c": the command-line names of a choice control's values. */
static void choice_names(const anc_control *c, char *out, size_t cap)
{
    out[0] = '\0';
    for (int k = 0; k <= (int)c->max; k++) {
        char name[64];
        choice_name(c->choices[k], name, sizeof name);
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", k ? "|" : "", name);
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ancestral-render --model MODEL.vae -o OUT.wav [options]\n"
            "  --latent z1,z2,...   fixed latent point, in prior standard deviations\n"
            "  --random SEED        ancestral sampling: z drawn from the prior\n"
            "  --input IN.wav       timbre transfer: IN re-voiced in the model's timbre\n"
            "  --midi FILE.mid      play a Standard MIDI File (drone off unless --drone is given)\n"
            "  --seconds S          length without --input (default 4; with --midi the song\n"
            "                       and its last release)\n"
            "  --rate HZ            output sample rate (default: the model's)\n");
    for (int id = 0; id < ANC_CONTROL_COUNT; id++) {
        const anc_control *c = &anc_controls[id];
        if (!c->flag)
            continue;
        if (c->kind == ANC_CONTROL_CHOICE) {
            char names[256], def[64];
            choice_names(c, names, sizeof names);
            choice_name(c->choices[(int)c->def], def, sizeof def);
            fprintf(f, "  --%s %s   %s (default %s%s)\n", c->flag, names, c->help, def,
                    id == ANC_CONTROL_MODE ? ", or ancestral with --random" : "");
        } else {
            char opt[64];
            snprintf(opt, sizeof opt, "--%s X", c->flag);
            fprintf(f, "  %-20s %s, %g..%g (default %g)\n", opt, c->help, (double)c->min,
                    (double)c->max, (double)c->def);
        }
    }
    fprintf(f,
            "  --phase rtpghi|random   phase reconstruction (default rtpghi)\n"
            "  --block N            frames per processing block (default 256)\n");
}

/* Sets control id from its flag's argument: a number within the control's range,
 * or the name of one of its choices. */
static void parse_control(anc_engine_params *p, int id, const char *arg)
{
    const anc_control *c = &anc_controls[id];
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", c->flag);
    if (c->kind != ANC_CONTROL_CHOICE) {
        anc_control_store(p, id, (float)anc_cli_double(opt, arg, c->min, c->max));
        return;
    }
    for (int k = 0; k <= (int)c->max; k++) {
        char name[64];
        choice_name(c->choices[k], name, sizeof name);
        if (!strcmp(arg, name)) {
            anc_control_store(p, id, (float)k);
            return;
        }
    }
    char names[256];
    choice_names(c, names, sizeof names);
    anc_cli_die(ANC_EXIT_USAGE, "%s: one of %s, not '%s'", opt, names, arg);
}

/* The output is written beside its target and renamed into place (atomic_file.h),
 * so a failed render never leaves a half file and never destroys an earlier render
 * of the same name. The temporary is created before the work starts: an
 * unwritable destination fails at once. */
typedef anc_atomic_file out_file;

static out_file *pending; /* removed on any later failure (atexit) */

static void remove_pending(void)
{
    anc_atomic_abort(pending);
}

static void out_open(out_file *o, const char *path)
{
    anc_error err;
    if (anc_atomic_begin(o, path, &err) != ANC_OK)
        anc_cli_die(err.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE,
                    "cannot write %s", err.message);
    pending = o;
    atexit(remove_pending);
}

static void out_write_wav(out_file *o, const float *y, size_t n, int rate)
{
    SF_INFO info = {.samplerate = rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open_fd(o->fd, SFM_WRITE, &info, SF_FALSE); /* the commit closes it */
    if (!f)
        anc_cli_die(ANC_EXIT_USAGE, "cannot write %s: %s", o->path, sf_strerror(NULL));
    sf_command(f, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    const sf_count_t w = sf_write_float(f, y, (sf_count_t)n);
    if (sf_close(f) != 0 || w != (sf_count_t)n)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write %s: short write (disk full?)", o->path);
    anc_error err;
    if (anc_atomic_commit(o, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_USAGE, "cannot write %s", err.message);
    pending = NULL;
}

int main(int argc, char **argv)
{
    anc_cli_set_program("ancestral-render");
    /* The control flags follow the fixed options: option O_CONTROL + id. */
    enum { O_MODEL = 256, O_LATENT, O_RANDOM, O_INPUT, O_MIDI, O_SECONDS, O_RATE, O_PHASE,
           O_BLOCK, O_HELP, O_CONTROL };
    static const struct option fixed[] = {
        {"model", required_argument, 0, O_MODEL}, {"output", required_argument, 0, 'o'},
        {"latent", required_argument, 0, O_LATENT}, {"random", required_argument, 0, O_RANDOM},
        {"input", required_argument, 0, O_INPUT}, {"midi", required_argument, 0, O_MIDI},
        {"seconds", required_argument, 0, O_SECONDS},
        {"rate", required_argument, 0, O_RATE}, {"phase", required_argument, 0, O_PHASE},
        {"block", required_argument, 0, O_BLOCK}, {"help", no_argument, 0, O_HELP}};
    enum { N_FIXED = sizeof fixed / sizeof fixed[0] };
    struct option longopts[N_FIXED + ANC_CONTROL_COUNT + 1];
    memcpy(longopts, fixed, sizeof fixed);
    int n_opts = N_FIXED;
    for (int id = 0; id < ANC_CONTROL_COUNT; id++)
        if (anc_controls[id].flag)
            longopts[n_opts++] = (struct option){anc_controls[id].flag, required_argument, 0,
                                                 O_CONTROL + id};
    longopts[n_opts] = (struct option){0, 0, 0, 0};
    const anc_control *knob = &anc_controls[ANC_CONTROL_Z1];
    const char *model_path = NULL, *out = NULL, *input = NULL, *midi = NULL;
    double latent[ANC_KNOBS] = {0}, seconds = 4.0, rate = 0.0;
    int n_latent = 0, have_random = 0, block = 256, mode_given = 0, drone_given = 0;
    int seconds_given = 0;
    unsigned long long seed = 1;
    anc_engine_params p;
    anc_engine_params_default(&p);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_MODEL: model_path = optarg; break;
        case 'o': out = optarg; break;
        case O_LATENT:
            n_latent = anc_cli_double_list("--latent", optarg, latent, ANC_KNOBS, knob->min,
                                           knob->max);
            break;
        case O_RANDOM: seed = anc_cli_u64("--random", optarg); have_random = 1; break;
        case O_INPUT: input = optarg; break;
        case O_MIDI: midi = optarg; break;
        case O_SECONDS:
            seconds = anc_cli_double("--seconds", optarg, 0.001, 3600);
            seconds_given = 1;
            break;
        case O_RATE: rate = anc_cli_double("--rate", optarg, 8000, 384000); break;
        case O_PHASE:
            p.phase = anc_phase_method_from_name(optarg);
            if (p.phase < 0)
                anc_cli_die(ANC_EXIT_USAGE, "--phase: rtpghi or random, not '%s'", optarg);
            break;
        case O_BLOCK: block = (int)anc_cli_int("--block", optarg, 1, 65536); break;
        case 'h': case O_HELP: usage(stdout); return 0;
        default:
            if (c >= O_CONTROL && c < O_CONTROL + ANC_CONTROL_COUNT) {
                parse_control(&p, c - O_CONTROL, optarg);
                mode_given |= c == O_CONTROL + ANC_CONTROL_MODE;
                drone_given |= c == O_CONTROL + ANC_CONTROL_DRONE;
                break;
            }
            anc_cli_die(ANC_EXIT_USAGE, "unknown or incomplete option '%s' (see --help)",
                        argv[optind - 1]);
        }
    }
    if (!model_path || !out)
        anc_cli_die(ANC_EXIT_USAGE, "--model and -o are required (see --help)");
    if (optind < argc)
        anc_cli_die(ANC_EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
    if ((n_latent > 0) + have_random + (input != NULL) > 1)
        anc_cli_die(ANC_EXIT_USAGE, "choose one of --latent, --random and --input");
    if (midi && input)
        anc_cli_die(ANC_EXIT_USAGE, "--midi plays notes, --input re-voices a recording: not both");
    anc_midi_song song = {0};
    if (midi) {
        anc_error merr;
        if (anc_midi_file_read(midi, &song, &merr) != ANC_OK)
            anc_cli_die(merr.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s",
                        merr.message);
        /* A song is silent before its first note, and ends with its last release. */
        if (!drone_given)
            anc_control_store(&p, ANC_CONTROL_DRONE, ANC_DRONE_OFF);
        if (!seconds_given)
            seconds = song.seconds + anc_control_clamp(ANC_CONTROL_RELEASE, p.release) + 0.5;
    }

    anc_model *m;
    anc_error err;
    if (anc_model_load_file(&m, model_path, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_USAGE, "%s", err.message);
    const anc_model_header *h = anc_model_get_header(m);
    if (rate == 0.0)
        rate = h->sample_rate;
    for (int k = 0; k < n_latent; k++)
        p.knobs[k] = (float)latent[k];
    if (!mode_given)
        p.mode = have_random ? ANC_MODE_ANCESTRAL : ANC_MODE_KNOBS;
    anc_engine *e;
    if (anc_engine_create(&e, m, rate, have_random ? seed : ANC_ENGINE_SEED, &err) != ANC_OK)
        anc_cli_die(ANC_EXIT_USAGE, "%s: %s", model_path, err.message);
    out_file of;
    out_open(&of, out);
    anc_engine_set_params(e, &p);
    anc_engine_reset(e);
    int hop = anc_engine_host_hop(e), fft = anc_engine_host_fft(e);
    double synth_rate = anc_engine_synthesis_rate(e);
    uint32_t latency = anc_engine_latency(e);

    float *y = NULL;
    size_t n = 0;
    if (input) {
        /* Timbre transfer (transfer.h), the plugin's engine, at the output
         * rate; the render is aligned with the input: the first latency samples
         * are dropped and as many of silence flush the last frames out. */
        anc_audio_settings as;
        anc_audio_settings_default(&as);
        as.target_rate = (int)lround(rate);
        as.min_samples = 1;
        as.warn_used = anc_cli_warn_used; /* a recording cut short: say how much is missing */
        anc_audio_clip clip;
        if (anc_audio_read_file(input, &as, &clip, &err) != ANC_OK)
            anc_cli_die(ANC_EXIT_USAGE, "%s", err.message);
        anc_transfer *tr;
        if (anc_transfer_create(&tr, m, rate, ANC_ENGINE_SEED, &err) != ANC_OK)
            anc_cli_die(ANC_EXIT_USAGE, "%s: %s", model_path, err.message);
        anc_transfer_set_params(tr, &p);
        anc_transfer_reset(tr);
        latency = anc_transfer_latency(tr);
        n = clip.n;
        const size_t total = n + latency;
        float *x = calloc(total, sizeof *x);
        y = malloc(total * sizeof *y);
        if (!x || !y)
            anc_cli_die(ANC_EXIT_FAILURE, "out of memory for %s", input);
        memcpy(x, clip.samples, n * sizeof *x);
        for (size_t i = 0; i < total; i += (size_t)block)
            anc_transfer_process(tr, x + i, y + i,
                                 (uint32_t)(total - i < (size_t)block ? total - i : (size_t)block));
        memmove(y, y + latency, n * sizeof *y);
        synth_rate = anc_transfer_synthesis_rate(tr);
        fft = anc_transfer_fft(tr);
        hop = anc_transfer_hop(tr);
        free(x);
        anc_transfer_free(tr);
        anc_audio_clip_clear(&clip);
    } else if (midi) {
        /* Blocks end at every event's sample, as a host splits its cycles. */
        n = (size_t)llround(seconds * rate);
        y = malloc(n * sizeof *y);
        if (!y)
            anc_cli_die(ANC_EXIT_FAILURE, "out of memory for %zu samples", n);
        size_t i = 0, k = 0;
        while (i < n) {
            while (k < song.n_events && (size_t)llround(song.events[k].seconds * rate) <= i) {
                anc_engine_midi(e, song.events[k].data, song.events[k].size);
                k++;
            }
            size_t end = n - i < (size_t)block ? n : i + (size_t)block;
            if (k < song.n_events) {
                size_t at = (size_t)llround(song.events[k].seconds * rate);
                end = at < end ? at : end;
            }
            anc_engine_process(e, y + i, (uint32_t)(end - i));
            i = end;
        }
    } else {
        n = (size_t)llround(seconds * rate);
        y = malloc(n * sizeof *y);
        if (!y)
            anc_cli_die(ANC_EXIT_FAILURE, "out of memory for %zu samples", n);
        for (size_t i = 0; i < n; i += (size_t)block)
            anc_engine_process(e, y + i, (uint32_t)(n - i < (size_t)block ? n - i : (size_t)block));
    }
    out_write_wav(&of, y, n, (int)lround(rate));
    double peak = 0.0, sq = 0.0;
    for (size_t i = 0; i < n; i++) {
        peak = fmax(peak, fabs(y[i]));
        sq += (double)y[i] * y[i];
    }
    printf("output: %s\nsample_rate: %.0f\nseconds: %.3f\nsynthesis_rate: %.3f\n"
           "frames_per_hop: %d\nfft: %d\npeak_dbfs: %.2f\nrms_dbfs: %.2f\nlatency_samples: %u\n",
           out, rate, n / rate, synth_rate, hop, fft, 20 * log10(fmax(peak, 1e-10)),
           10 * log10(fmax(sq / (n ? n : 1), 1e-20)), latency);
    if (midi)
        printf("midi_events: %zu\nmidi_notes: %zu\n", song.n_events, song.n_notes);
    anc_midi_song_clear(&song);
    free(y);
    anc_engine_free(e);
    anc_model_free(m);
    return ANC_EXIT_OK;
}

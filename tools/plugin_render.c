/* plugin_render.c — ancestral-plugin-render: renders audio through the LV2 plugins
 * themselves, loaded by lilv as a real host loads them (default state, worker,
 * options), so what it writes is what Ardour or Carla would play.
 *
 *   ancestral-plugin-render -o OUT.wav [--model FILE] [--set SYMBOL=VALUE]...
 *                           [--midi SONG.mid | --input IN.wav] [--seconds S]
 *                           [--rate HZ] [--block N] [--lv2-path PATH]
 *
 * --midi sends the song's notes as midi:MidiEvent atoms at their frames, as a
 * host's MIDI track does (the drone is set off unless --set drone=... says
 * otherwise, and the length is the song's plus its last release).
 * --input runs the transfer effect (ANC_TRANSFER_URI) instead of the synth on
 * IN (mono mix, converted to --rate); the output is aligned with the input as
 * ancestral-render --input's: the plugin's reported latency is dropped from
 * its start, and as much silence after the input flushes the last frames out.
 *
 * Without --lv2-path the plugin is looked up in LV2_PATH (or lilv's default
 * folders, ~/.lv2 among them). Exit status: 0 ok, 1 runtime failure, 2 bad usage. */
#include <getopt.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/presets/presets.h>

#include "cli.h"
#include "audio_in.h"
#include "controls.h"
#include "lv2_host.h"
#include "midi_file.h"

#define MAX_SETS 64

/* lilv wants an LV2_URID_Map for preset states; the host world has the table. */
static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    return anc_host_map(handle, uri);
}

static void set_port(const char *symbol, void *user, const void *value, uint32_t size,
                     uint32_t type)
{
    (void)type;
    if (size == sizeof(float))
        anc_host_set_control_sym(user, symbol, *(const float *)value);
}

/* Sets the port values of the plugin's preset labelled label; 0 if found. */
static int apply_preset(anc_host_world *w, anc_host *h, const char *label)
{
    LilvWorld *lw = anc_host_lilv_world(w);
    LV2_URID_Map map = {w, map_uri};
    LilvNode *pset = lilv_new_uri(lw, LV2_PRESETS__Preset);
    LilvNode *rdfs_label = lilv_new_uri(lw, "http://www.w3.org/2000/01/rdf-schema#label");
    LilvNodes *presets = lilv_plugin_get_related(anc_host_plugin(w), pset);
    int found = -1;
    LILV_FOREACH (nodes, i, presets) {
        const LilvNode *pr = lilv_nodes_get(presets, i);
        lilv_world_load_resource(lw, pr);
        LilvNodes *labels = lilv_world_find_nodes(lw, pr, rdfs_label, NULL);
        int match = labels && lilv_nodes_size(labels) > 0 &&
                    !strcmp(lilv_node_as_string(lilv_nodes_get_first(labels)), label);
        lilv_nodes_free(labels);
        if (!match)
            continue;
        LilvState *st = lilv_state_new_from_world(lw, &map, pr);
        if (st) {
            lilv_state_emit_port_values(st, set_port, h);
            lilv_state_free(st);
            found = 0;
        }
        break;
    }
    lilv_nodes_free(presets);
    lilv_node_free(rdfs_label);
    lilv_node_free(pset);
    return found;
}

int main(int argc, char **argv)
{
    anc_cli_set_program("ancestral-plugin-render");
    enum { O_MODEL = 256, O_SET, O_SECONDS, O_RATE, O_BLOCK, O_PATH, O_PRESET, O_MIDI, O_INPUT, O_HELP };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"model", required_argument, 0, O_MODEL},
        {"set", required_argument, 0, O_SET}, {"seconds", required_argument, 0, O_SECONDS},
        {"rate", required_argument, 0, O_RATE}, {"block", required_argument, 0, O_BLOCK},
        {"lv2-path", required_argument, 0, O_PATH}, {"preset", required_argument, 0, O_PRESET},
        {"midi", required_argument, 0, O_MIDI}, {"input", required_argument, 0, O_INPUT},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    const char *out = NULL, *model = NULL, *lv2_path = NULL, *preset = NULL, *midi = NULL,
               *input = NULL;
    int seconds_given = 0;
    const char *sets[MAX_SETS];
    int n_sets = 0, block = 512;
    double seconds = 4.0, rate = 48000.0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_MODEL: model = optarg; break;
        case O_SET:
            if (n_sets == MAX_SETS)
                anc_cli_die(ANC_EXIT_USAGE, "at most %d --set options", MAX_SETS);
            sets[n_sets++] = optarg;
            break;
        case O_SECONDS:
            seconds = anc_cli_double("--seconds", optarg, 0.01, 3600);
            seconds_given = 1;
            break;
        case O_MIDI: midi = optarg; break;
        case O_INPUT: input = optarg; break;
        case O_RATE: rate = anc_cli_double("--rate", optarg, 8000, 384000); break;
        case O_BLOCK: block = (int)anc_cli_int("--block", optarg, 1, 8192); break;
        case O_PATH: lv2_path = optarg; break;
        case O_PRESET: preset = optarg; break;
        case 'h':
        case O_HELP:
            puts("usage: ancestral-plugin-render -o OUT.wav [--model FILE] [--preset LABEL] "
                 "[--set z1=1.5]... [--midi SONG.mid | --input IN.wav] [--seconds S] "
                 "[--rate HZ] [--block N] [--lv2-path PATH]\n"
                 "A preset sets its port values; --set options apply after it. --midi plays a\n"
                 "Standard MIDI File's notes through the synth's MIDI input. --input re-voices\n"
                 "IN.wav through the transfer effect (urn:ancestral:transfer), aligned with it.");
            return 0;
        default:
            anc_cli_die(ANC_EXIT_USAGE, "unknown or incomplete option '%s' (see --help)",
                        argv[optind - 1]);
        }
    }
    if (!out)
        anc_cli_die(ANC_EXIT_USAGE, "no output given (-o OUT.wav; see --help)");
    if (midi && input)
        anc_cli_die(ANC_EXIT_USAGE, "--midi plays the synth, --input the transfer effect: not both");
    if (input && seconds_given)
        anc_cli_die(ANC_EXIT_USAGE, "--seconds: the input's length sets the output's");
    anc_audio_clip clip = {0};
    if (input) {
        anc_audio_settings as;
        anc_audio_settings_default(&as);
        as.target_rate = (int)lround(rate);
        as.min_samples = 1;
        as.warn_used = anc_cli_warn_used;
        anc_error aerr;
        if (anc_audio_read_file(input, &as, &clip, &aerr) != ANC_OK)
            anc_cli_die(ANC_EXIT_USAGE, "%s", aerr.message);
    }
    anc_midi_song song = {0};
    if (midi) {
        anc_error merr;
        if (anc_midi_file_read(midi, &song, &merr) != ANC_OK)
            anc_cli_die(merr.status == ANC_E_NOMEM ? ANC_EXIT_FAILURE : ANC_EXIT_USAGE, "%s",
                        merr.message);
    }

    char err[512];
    anc_host_world *w =
        anc_host_world_new(lv2_path, input ? ANC_TRANSFER_URI : ANC_PLUGIN_URI, err, sizeof err);
    if (!w)
        anc_cli_die(ANC_EXIT_USAGE, "%s", err);
    anc_host_config cfg;
    anc_host_config_default(&cfg);
    cfg.sample_rate = rate;
    cfg.max_block = (uint32_t)block;
    anc_host *h = anc_host_new(w, &cfg, err, sizeof err);
    if (!h)
        anc_cli_die(ANC_EXIT_FAILURE, "%s", err);
    if (preset && apply_preset(w, h, preset) != 0)
        anc_cli_die(ANC_EXIT_USAGE, "the plugin has no preset labelled '%s'", preset);
    /* A song is silent before its first note: no drone unless asked for. */
    if (midi)
        anc_host_set_control_sym(h, anc_controls[ANC_CONTROL_DRONE].symbol, 0.0f);
    for (int i = 0; i < n_sets; i++) {
        const char *eq = strchr(sets[i], '=');
        char sym[64];
        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof sym)
            anc_cli_die(ANC_EXIT_USAGE, "--set wants SYMBOL=VALUE, not '%s'", sets[i]);
        snprintf(sym, sizeof sym, "%.*s", (int)(eq - sets[i]), sets[i]);
        double v = anc_cli_double("--set", eq + 1, -1e9, 1e9);
        if (anc_host_set_control_sym(h, sym, (float)v) < 0)
            anc_cli_die(ANC_EXIT_USAGE, "--set: the plugin has no control port '%s'", sym);
    }
    anc_host_activate(h);
    char *abs = model ? realpath(model, NULL) : NULL;
    if (model && !abs)
        anc_cli_die(ANC_EXIT_USAGE, "cannot read model %s", model);
    model = abs;
    if (model) {
        if (anc_host_send_model(h, model) != 0)
            anc_cli_die(ANC_EXIT_FAILURE, "could not send the model path to the plugin");
    }
    anc_host_settle(h, (uint32_t)block, 2000);
    if (model && strcmp(anc_host_model_echo(h), model) != 0) {
        const char *log = anc_host_log(h);
        anc_cli_die(ANC_EXIT_USAGE, "the plugin did not load %s%s%s", model, *log ? ": " : "",
                    log);
    }
    if (midi && !seconds_given) {
        int r = anc_host_port_index(h, anc_controls[ANC_CONTROL_RELEASE].symbol);
        seconds = song.seconds + (r >= 0 ? anc_host_get_control(h, (uint32_t)r) : 1.0) + 0.5;
    }
    size_t n = (size_t)llround(seconds * rate);
    float *y = malloc(n * sizeof *y);
    if (!y)
        anc_cli_die(ANC_EXIT_FAILURE, "out of memory for %zu samples", n);
    if (midi) {
        /* Each cycle carries the events that fall inside it, at their frames. */
        size_t k = 0;
        for (size_t i = 0; i < n; i += (size_t)block) {
            const uint32_t len = (uint32_t)(n - i < (size_t)block ? n - i : (size_t)block);
            for (; k < song.n_events; k++) {
                const size_t at = (size_t)llround(song.events[k].seconds * rate);
                if (at >= i + len)
                    break;
                if (anc_host_send_midi(h, (uint32_t)(at > i ? at - i : 0), song.events[k].data,
                                       song.events[k].size) != 0)
                    anc_cli_die(ANC_EXIT_FAILURE, "%s: more events in one cycle than the "
                                "control buffer holds (try a smaller --block)", midi);
            }
            anc_host_run(h, y + i, len);
        }
    } else if (input) {
        const size_t latency = (size_t)llround(fmax(anc_host_latency(h), 0.0));
        free(y);
        n = clip.n;
        float *x = calloc(n + latency, sizeof *x);
        y = malloc((n + latency) * sizeof *y);
        if (!x || !y)
            anc_cli_die(ANC_EXIT_FAILURE, "out of memory for %s", input);
        memcpy(x, clip.samples, n * sizeof *x);
        anc_host_render_input(h, x, y, n + latency, (uint32_t)block);
        memmove(y, y + latency, n * sizeof *y);
        seconds = (double)n / rate;
        free(x);
    } else {
        anc_host_render(h, y, n, (uint32_t)block);
    }

    SF_INFO info = {.samplerate = (int)lround(rate), .channels = 1,
                    .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(out, SFM_WRITE, &info);
    if (!f)
        anc_cli_die(ANC_EXIT_USAGE, "cannot write %s: %s", out, sf_strerror(NULL));
    sf_command(f, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    if (sf_write_float(f, y, (sf_count_t)n) != (sf_count_t)n || sf_close(f) != 0)
        anc_cli_die(ANC_EXIT_FAILURE, "cannot write %s", out);
    double peak = 0.0, sq = 0.0;
    for (size_t i = 0; i < n; i++) {
        peak = fmax(peak, fabs(y[i]));
        sq += (double)y[i] * y[i];
    }
    const char *echo = anc_host_model_echo(h);
    printf("output: %s\nmodel: %s\nsample_rate: %.0f\nseconds: %.3f\nlatency_samples: %.0f\n"
           "peak_dbfs: %.2f\nrms_dbfs: %.2f\n",
           out, *echo ? echo : "(default)", rate, seconds, anc_host_latency(h),
           20 * log10(fmax(peak, 1e-10)), 10 * log10(fmax(sq / (double)(n ? n : 1), 1e-20)));
    if (midi)
        printf("midi_events: %zu\nmidi_notes: %zu\n", song.n_events, song.n_notes);
    anc_midi_song_clear(&song);
    anc_audio_clip_clear(&clip);
    free(y);
    free(abs);
    anc_host_free(h);
    anc_host_world_free(w);
    return 0;
}

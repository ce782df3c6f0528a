#!/usr/bin/env python3
"""carla_session.py — drives the Ancestral plugin in Carla's engine, headless:
the "Dummy" driver (no audio device, no JACK, no GUI), through the ctypes
binding Carla builds (source/frontend/carla_backend.py). Run by test_carla.sh,
which checks the figures printed here.

  carla_session.py CARLA_DIR create STATE PROGRAM MODEL
    Inserts the plugin by URI and listens to the default model, to the program
    (an LV2 preset) PROGRAM, and to MODEL chosen through Carla's file parameter;
    then sets z1 = 1.5, z2 = -0.75, gain = -3, listens again and saves the
    plugin's state to STATE (a .carxs file).
  carla_session.py CARLA_DIR reopen STATE
    A new engine and a new instance, STATE loaded into it, listened to.

Prints `key: value` lines. Per listen TAG: `level_TAG: MEDIAN_DB MAX_DB NONFINITE
COUNT` over the output peaks of the engine's cycles (Carla's only audio
observable without a JACK client: the absolute peak of the plugin's last
cycle), `latency_TAG` (the plugin's lv2:latency output) and `knobs_TAG` (every
control input by symbol). Also `parameters`, `programs`, `model_TAG` (the
file custom data) and `xruns`. A step Carla refuses prints FAIL and exits 1.

The engine runs in real time on its own thread: listening is sleeping while it
processes and polling engine_idle() so that its callbacks are delivered.
"""
import math
import os
import statistics
import sys
import time

URI = "urn:ancestral:synth"
RATE = 48000
BLOCK = 256
SETTLE_S = 0.6   # a model or program change reaches the output (the worker, a short fade)
LISTEN_S = 2.0   # peaks gathered per listen
POLL_S = 0.01
# Carla's custom data type for a plugin's atom:Path parameter (its file dialog).
PATH_TYPE = "http://kxstudio.sf.net/ns/carla/path"


host = None


def fail(msg):
    print(f"FAIL: {msg}")
    if host is not None and host.is_engine_running():
        host.engine_close()
    sys.exit(1)


def usage():
    sys.exit("usage: carla_session.py CARLA_DIR create STATE PROGRAM MODEL\n"
             "       carla_session.py CARLA_DIR reopen STATE")


if len(sys.argv) < 4:
    usage()
carla_dir, mode, state = sys.argv[1], sys.argv[2], sys.argv[3]
if (mode, len(sys.argv)) not in (("create", 6), ("reopen", 4)):
    usage()
sys.path.insert(0, os.path.join(carla_dir, "source", "frontend"))
import carla_backend as cb  # noqa: E402  (found only once CARLA_DIR is known)

host = cb.CarlaHostDLL(os.path.join(carla_dir, "bin", "libcarla_standalone2.so"), False)
host.set_engine_callback(lambda *args: None)
# The Dummy driver runs only in the continuous rack mode.
host.set_engine_option(cb.ENGINE_OPTION_PROCESS_MODE, cb.ENGINE_PROCESS_MODE_CONTINUOUS_RACK, "")
host.set_engine_option(cb.ENGINE_OPTION_AUDIO_BUFFER_SIZE, BLOCK, "")
host.set_engine_option(cb.ENGINE_OPTION_AUDIO_SAMPLE_RATE, RATE, "")
host.set_engine_option(cb.ENGINE_OPTION_PREFER_PLUGIN_BRIDGES, 0, "")
# Carla finds LV2 bundles through this option, not through LV2_PATH itself.
host.set_engine_option(cb.ENGINE_OPTION_PLUGIN_PATH, cb.PLUGIN_LV2,
                       os.environ.get("LV2_PATH", "/usr/lib/lv2"))
host.set_engine_option(cb.ENGINE_OPTION_PATH_BINARIES, 0, os.path.join(carla_dir, "bin"))
if not host.engine_init("Dummy", "ancestral-test"):
    fail(f"engine_init: {host.get_last_error()}")
if not host.add_plugin(cb.BINARY_NATIVE, cb.PLUGIN_LV2, "", "", URI, 0, None, 0):
    fail(f"add_plugin {URI}: {host.get_last_error()}")
PID = 0

inputs, outputs = {}, {}
for i in range(host.get_parameter_count(PID)):
    symbol = host.get_parameter_info(PID, i)["symbol"]
    is_input = host.get_parameter_data(PID, i)["type"] == cb.PARAMETER_INPUT
    (inputs if is_input else outputs)[symbol] = i
if "latency" not in outputs:
    fail("no latency output parameter")


def wait(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        host.engine_idle()
        time.sleep(POLL_S)


def latency():
    return host.get_current_parameter_value(PID, outputs["latency"])


def report(tag):
    """Settles, then prints the output level over LISTEN_S, the latency and the knobs."""
    wait(SETTLE_S)
    peaks, bad = [], 0
    end = time.monotonic() + LISTEN_S
    while time.monotonic() < end:
        host.engine_idle()
        for left in (True, False):
            p = host.get_output_peak_value(PID, left)
            if math.isfinite(p):
                peaks.append(p)
            else:
                bad += 1
        time.sleep(POLL_S)
    db = [20 * math.log10(max(p, 1e-12)) for p in peaks]
    print(f"level_{tag}: {statistics.median(db) if db else -240:.2f} {max(db, default=-240):.2f} "
          f"{bad} {len(peaks) + bad}")
    print(f"latency_{tag}: {latency():.0f}")
    knobs = ",".join(f"{s}={host.get_current_parameter_value(PID, i):.6f}" for s, i in inputs.items())
    print(f"knobs_{tag}: {knobs}")


def print_model(tag):
    model = host.get_custom_data_value(PID, PATH_TYPE, "file") or ""
    for i in range(host.get_custom_data_count(PID)):
        d = host.get_custom_data(PID, i)
        if d["key"] == URI + "#model":
            model = model or d["value"]
    print(f"model_{tag}: {model}")


def wait_latency_change(before, seconds=5.0):
    end = time.monotonic() + seconds
    while latency() == before and time.monotonic() < end:
        wait(0.05)


info = host.get_plugin_info(PID)
print(f"name: {info['name']}")
print(f"is_synth: {int(bool(info['hints'] & cb.PLUGIN_IS_SYNTH))}")
print(f"category_synth: {int(info['category'] == cb.PLUGIN_CATEGORY_SYNTH)}")
print(f"midi_ins: {host.get_midi_port_count_info(PID)['ins']}")
print(f"file_parameter: {int(bool(info['hints'] & cb.PLUGIN_HAS_CUSTOM_UI_USING_FILE_OPEN))}")
print(f"parameters: {len(inputs) + len(outputs)}")
programs = [host.get_program_name(PID, i) for i in range(host.get_program_count(PID))]
print(f"programs: {'|'.join(programs)}")

if mode == "create":
    program, model = sys.argv[4], sys.argv[5]
    report("default")
    if program not in programs:
        fail(f"no program {program}")
    host.set_program(PID, programs.index(program))
    report("program")
    before = latency()
    host.set_custom_data(PID, PATH_TYPE, "file", model)
    wait_latency_change(before)
    report("model")
    for symbol, value in (("z1", 1.5), ("z2", -0.75), ("gain", -3.0)):
        host.set_parameter_value(PID, inputs[symbol], value)
    report("saved")
    if not host.save_plugin_state(PID, state):
        fail(f"save_plugin_state {state}: {host.get_last_error()}")
    print(f"state: {state}")
    print_model("saved")  # Carla fills the plugin's state in while saving
else:
    before = latency()
    if not host.load_plugin_state(PID, state):
        fail(f"load_plugin_state {state}: {host.get_last_error()}")
    wait_latency_change(before)
    report("reopened")
    print_model("reopened")

print(f"xruns: {host.get_runtime_engine_info().get('xruns')}")
host.engine_close()

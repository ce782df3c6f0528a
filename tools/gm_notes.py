#!/usr/bin/env python3
"""gm_notes.py — notes of real instruments for training, tests and benchmarks:
General MIDI instruments from a soundfont Debian ships, rendered with
fluidsynth, one WAV file per note.

The soundfonts: musescore-general-soundfont-small (MuseScore_General_Lite.sf3,
MIT; what the shipped default model is trained on) and timgm6mb-soundfont
(TimGM6mb.sf2, GPL-2; the tests and benchmarks use it as a second, different
set of instruments, never for a model we ship).

As a module: write_midi() writes a Standard MIDI File of notes one after
another; render() runs fluidsynth; split_notes() cuts a rendering into one
file per note. As a program:

  gm_notes.py OUT_DIR --instrument NAME:PROGRAM [...] [--notes FIRST-LAST:STEP]
              [--soundfont FILE] [--rate HZ] [--velocity V] [--rms-db DB]

writes OUT_DIR/NAME_NOTE.wav for every instrument and note (each note held
SECONDS_ON, then SECONDS_GAP of release; with --rms-db scaled to that level and
written as float samples). Exit 0, 1 when fluidsynth fails, 2 on
bad usage, 77 when fluidsynth or the soundfont is missing.
"""
import argparse
import array
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import wave

SF2 = "/usr/share/sounds/sf2/TimGM6mb.sf2"
SF3 = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"  # the file the -small package ships
SECONDS_ON, SECONDS_GAP = 1.0, 0.5


def _vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def write_midi(path, program, notes, seconds_on=SECONDS_ON, seconds_gap=SECONDS_GAP,
               velocity=100):
    """A type-0 Standard MIDI File: 120 bpm, 480 ticks per beat (960 per second),
    program change, then each note held seconds_on with seconds_gap after it."""
    ev = bytearray(_vlq(0) + bytes([0xFF, 0x51, 3]) + (500000).to_bytes(3, "big"))
    ev += _vlq(0) + bytes([0xC0, program])
    gap = 0
    for n in notes:
        ev += _vlq(gap) + bytes([0x90, n, velocity])
        ev += _vlq(int(960 * seconds_on)) + bytes([0x80, n, 0])
        gap = int(960 * seconds_gap)
    ev += _vlq(gap) + bytes([0xFF, 0x2F, 0])
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480))
        f.write(b"MTrk" + struct.pack(">I", len(ev)) + ev)


def render(soundfont, midi, wav, rate):
    """fluidsynth, offline, gain 1 (its default 0.2 is quiet), no reverb or chorus
    beyond the soundfont's own."""
    subprocess.run(["fluidsynth", "-ni", "-g", "1", "-r", str(rate), "-F", wav, soundfont, midi],
                   capture_output=True, check=True)


def write_float_wav(path, samples, channels, rate):
    """An IEEE-float WAV (format 3), which holds levels above full scale."""
    body = array.array("f", samples)
    if sys.byteorder != "little":
        body.byteswap()
    data = body.tobytes()
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * channels * 4, channels * 4, 32)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(data)) + data)


def split_notes(wav_path, name, notes, out_dir_of, seconds_on=SECONDS_ON,
                seconds_gap=SECONDS_GAP, rms_db=None):
    """One file per note of a rendering made by write_midi + render: [onset,
    onset + seconds_on + seconds_gap), release tail included, written to
    out_dir_of(note)/NAME_NOTE.wav. With rms_db, each note is scaled to that RMS
    level (dB re full scale) and written as float samples. Returns the paths."""
    with wave.open(wav_path, "rb") as w:
        ch, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
        data = w.readframes(w.getnframes())
    step = int((seconds_on + seconds_gap) * rate) * ch * width
    paths = []
    for i, n in enumerate(notes):
        out = os.path.join(out_dir_of(n), f"{name}_{n}.wav")
        chunk = data[i * step:(i + 1) * step]
        if rms_db is None:
            with wave.open(out, "wb") as w:
                w.setnchannels(ch)
                w.setsampwidth(width)
                w.setframerate(rate)
                w.writeframes(chunk)
        else:
            if width != 2:
                raise ValueError(f"{wav_path}: {8 * width}-bit samples, 16 expected")
            x = array.array("h", chunk)
            if sys.byteorder != "little":
                x.byteswap()
            rms = math.sqrt(sum(v * v for v in x) / max(len(x), 1)) / 32768.0
            g = (10.0 ** (rms_db / 20.0) / rms if rms > 0.0 else 0.0) / 32768.0
            write_float_wav(out, [v * g for v in x], ch, rate)
        paths.append(out)
    return paths


def missing_tools(soundfonts):
    """The first reason these notes cannot be made here, or None."""
    if not shutil.which("fluidsynth"):
        return "fluidsynth is not installed (tools/setup-deps.sh installs it)"
    for sf in soundfonts:
        if not os.path.exists(sf):
            return f"soundfont {sf} missing (tools/setup-deps.sh installs it)"
    return None


def _note_range(text):
    try:
        span, _, step = text.partition(":")
        first, _, last = span.partition("-")
        notes = list(range(int(first), int(last) + 1, int(step or 1)))
    except ValueError:
        notes = []
    if not notes or min(notes) < 0 or max(notes) > 127:
        raise argparse.ArgumentTypeError(f"notes FIRST-LAST:STEP within 0..127, not '{text}'")
    return notes


def _instrument(text):
    name, _, prog = text.partition(":")
    if not name or not name.isidentifier() or not prog.isdigit() or int(prog) > 127:
        raise argparse.ArgumentTypeError(f"instrument NAME:PROGRAM (0..127), not '{text}'")
    return name, int(prog)


def main():
    ap = argparse.ArgumentParser(description="Render General MIDI notes, one WAV per note.")
    ap.add_argument("out_dir")
    ap.add_argument("--instrument", type=_instrument, action="append", required=True)
    ap.add_argument("--notes", type=_note_range, default=_note_range("36-84:2"))
    ap.add_argument("--soundfont", default=SF3)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--velocity", type=int, default=100, choices=range(1, 128), metavar="1..127")
    ap.add_argument("--rms-db", type=float, default=None,
                    help="scale every note to this RMS level (dB re full scale), float WAV")
    a = ap.parse_args()
    why = missing_tools([a.soundfont])
    if why:
        print(f"gm_notes: SKIP: {why}", file=sys.stderr)
        return 77
    os.makedirs(a.out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="anc-gm.") as d:
        for name, program in a.instrument:
            mid, wav = os.path.join(d, "n.mid"), os.path.join(d, "n.wav")
            write_midi(mid, program, a.notes, velocity=a.velocity)
            try:
                render(a.soundfont, mid, wav, a.rate)
            except subprocess.CalledProcessError as e:
                print(f"gm_notes: fluidsynth failed on {name}: {e.stderr.decode(errors='replace')}",
                      file=sys.stderr)
                return 1
            split_notes(wav, name, a.notes, lambda n: a.out_dir, rms_db=a.rms_db)
    return 0


if __name__ == "__main__":
    sys.exit(main())

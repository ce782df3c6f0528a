#!/usr/bin/env python3
"""quality_bench.py — pitch-relative against absolute models on notes of real
instruments at pitches the models never heard (issue: "Playable", point 7).

Renders notes C2..C6 in whole-tone steps (MIDI 36, 38, .., 84) of six General
MIDI instruments from the soundfonts Debian ships (timgm6mb-soundfont,
musescore-general-soundfont-small) with fluidsynth at 48 kHz, one file per
note; every third note (MIDI 38, 44, 50, ..) is held out. Trains a relative and
an absolute model on the other notes with the same architecture, epochs, seed
and threads (--val 0: the held-out notes are the validation), then runs
ancestral-eval on the held-out files with each and prints key: value lines:
  relative_lsd_db, absolute_lsd_db          held-out LSD on linear bins
  lsd_ratio                                 relative / absolute; target <= 0.6
  relative_decoded_spectral_convergence_db, absolute_decoded_spectral_convergence_db
                                            target -15 dB or better
  and for context each run's training frames and LSD, held-out voiced share,
  spectral convergence from the true magnitudes, and seconds.
It reports and does not judge: exit 0 whatever the figures, 77 when fluidsynth
or a soundfont is missing, 1 when a program fails.

usage: quality_bench.py BUILD_DIR [--epochs E] [--latent L] [--hidden A,B]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gm_notes import SF2, SF3, missing_tools, render, split_notes, write_midi  # noqa: E402

RATE = 48000
NOTES = list(range(36, 85, 2))          # C2 .. C6, whole tones
HELD_OUT = set(NOTES[1::3])             # every third note
INSTRUMENTS = [  # name, General MIDI program, soundfont
    ("piano", 0, SF2), ("flute", 73, SF2), ("violin", 40, SF2),
    ("clarinet", 71, SF3), ("trumpet", 56, SF3), ("cello", 42, SF3),
]


def keys(text):
    d = {}
    for line in text.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            d.setdefault(k, v)
    return d


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(f"FAIL: {' '.join(cmd)} exited {p.returncode}: {p.stderr}")
        sys.exit(1)
    return keys(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--latent", type=int, default=16)
    ap.add_argument("--hidden", default="512,256")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    why = missing_tools([SF2, SF3])
    if why:
        print(f"SKIP: {why}")
        return 77
    train = os.path.join(a.build, "tools", "ancestral-train")
    evaluate = os.path.join(a.build, "tools", "ancestral-eval")
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="anc-quality.") as d:
        train_dir, held_dir = os.path.join(d, "train"), os.path.join(d, "held")
        os.makedirs(train_dir)
        os.makedirs(held_dir)
        for name, program, sf in INSTRUMENTS:
            mid, wav = os.path.join(d, name + ".mid"), os.path.join(d, name + ".wav")
            write_midi(mid, program, NOTES)
            render(sf, mid, wav, RATE)
            split_notes(wav, name, NOTES, lambda n: held_dir if n in HELD_OUT else train_dir)
        print(f"instruments: {' '.join(i[0] for i in INSTRUMENTS)}")
        print(f"train_notes: {' '.join(str(n) for n in NOTES if n not in HELD_OUT)}")
        print(f"held_out_notes: {' '.join(str(n) for n in sorted(HELD_OUT))}")
        print(f"epochs: {a.epochs}\nlatent: {a.latent}\nhidden: {a.hidden}")
        res = {}
        for mode in ("relative", "absolute"):
            model = os.path.join(d, mode + ".vae")
            ts = time.time()
            tr = run([train, "--pitch", mode, "--rate", str(RATE), "--fft", "2048", "--hop", "512",
                      "--latent", str(a.latent), "--hidden", a.hidden, "--epochs", str(a.epochs),
                      "--threads", str(a.threads), "--seed", "1", "--val", "0", "--quiet",
                      "-o", model, train_dir])
            ev = run([evaluate, "--model", model, "--threads", str(a.threads), "--quiet",
                      held_dir])
            res[mode] = ev
            print(f"{mode}_train_frames: {tr['train_frames']}")
            print(f"{mode}_train_lsd_db: {tr['train_lsd_db']}")
            if mode == "relative":
                print(f"relative_pitch_range_hz: {tr.get('pitch_range_hz', 'nan')}")
            print(f"{mode}_held_out_frames: {ev['frames']}")
            print(f"{mode}_voiced_fraction: {ev['voiced_fraction']}")
            print(f"{mode}_lsd_db: {ev['lsd_db']}")
            print(f"{mode}_spectral_convergence_db: {ev['spectral_convergence_db']}")
            print(f"{mode}_decoded_spectral_convergence_db: "
                  f"{ev['decoded_spectral_convergence_db']}")
            print(f"{mode}_seconds: {time.time() - ts:.1f}", flush=True)
        ratio = float(res["relative"]["lsd_db"]) / float(res["absolute"]["lsd_db"])
        print(f"lsd_ratio: {ratio:.3f}\ntarget_lsd_ratio: 0.6")
        print("target_decoded_spectral_convergence_db: -15")
        print(f"seconds: {time.time() - t0:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""make-seeds.py — writes the seed corpora of the fuzz targets into
tests/fuzz/corpus/<target>/ (run again after a change to a format).

Usage: tests/fuzz/make-seeds.py BUILD_DIR [CORPUS_DIR]

Models are trained with the build's ancestral-make-corpus --small and
ancestral-train at the smallest settings (FFT 256, a few hidden units), so each
seed is a few KB; their variants (truncated, damaged checksum, longer header,
records reordered, an extra record) are made here from the format described in
core/model.h. The other seeds are written byte by byte from the input formats
documented at the top of each fuzz_*.c. Deterministic: the same build gives
the same files. Files named found-* (inputs the fuzzers found) are kept."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HEADER_V1 = 144


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def crc_fixed(b):
    """The model file with its CRC-32 (zlib's) recomputed."""
    return b[:-4] + struct.pack("<I", zlib.crc32(b[:-4]) & 0xFFFFFFFF)


def records(b):
    """(start, end) of every record of a model file, from model.h's layout."""
    pos = struct.unpack_from("<I", b, 12)[0]
    count = struct.unpack_from("<I", b, pos)[0]
    pos += 4
    out = []
    for _ in range(count):
        start = pos
        nl = struct.unpack_from("<I", b, pos)[0]
        pos += 4 + nl
        ndim = struct.unpack_from("<I", b, pos + 4)[0]
        dims = struct.unpack_from("<%dI" % ndim, b, pos + 8)
        pos += 8 + 4 * ndim
        n = 1
        for d in dims:
            n *= d
        pos += 4 * n
        out.append((start, pos))
    return out


def models(build, work):
    tools = os.path.join(build, "tools")
    corpus = os.path.join(work, "sounds")
    subprocess.run([os.path.join(tools, "ancestral-make-corpus"), "--small", "--quiet",
                    "--seed", "5", corpus], check=True, stdout=subprocess.DEVNULL)
    settings = {
        "l2-h8-silu": "--latent 2 --hidden 8 --fft 256 --hop 64",
        "l1-h4x4-tanh-22k": "--latent 1 --hidden 4,4 --activation tanh --rate 22050 --fft 256 --hop 128",
        "l3-h6-relu-8k": "--latent 3 --hidden 6 --activation relu --rate 8000 --fft 256 --hop 32",
        "l2-h3x2x2-leaky": "--latent 2 --hidden 3,2,2 --activation leaky_relu --fft 256 --hop 64",
    }
    out = {}
    for name, args in settings.items():
        path = os.path.join(work, name + ".vae")
        subprocess.run([os.path.join(tools, "ancestral-train")] + args.split() +
                       ["--epochs", "1", "--seed", "2", "--quiet", "-o", path, corpus],
                       check=True, stdout=subprocess.DEVNULL)
        with open(path, "rb") as f:
            out[name] = f.read()
        if name == "l2-h3x2x2-leaky":  # the checkpoint: a model with extra records
            with open(path + ".ckpt", "rb") as f:
                out[name + ".ckpt"] = f.read()
    return out


def model_seeds(m, folder):
    for name, b in m.items():
        write(folder, name + ".vae", b)
    b = m["l2-h8-silu"]
    recs = records(b)
    write(folder, "empty", b"")
    write(folder, "magic-only", b[:8])
    write(folder, "header-only", b[:HEADER_V1 + 4])
    write(folder, "cut-in-half.vae", b[:len(b) // 2])
    write(folder, "cut-in-first-record.vae", b[:recs[0][0] + 30])
    write(folder, "no-crc.vae", b[:-4])
    damaged = bytearray(b)
    damaged[recs[1][1] - 3] ^= 0x40  # a value of the second record
    write(folder, "crc-mismatch.vae", bytes(damaged))
    # A longer header (a later writer's fields), as version 1 readers must skip.
    longer = bytearray(b[:HEADER_V1] + b"\0\0\0\0" + b[HEADER_V1:])
    struct.pack_into("<I", longer, 12, HEADER_V1 + 4)
    write(folder, "header-148.vae", crc_fixed(bytes(longer)))
    # The first two records swapped: order is free.
    body = b[recs[0][0]:recs[-1][1]]
    r0 = b[recs[0][0]:recs[0][1]]
    r1 = b[recs[1][0]:recs[1][1]]
    swapped = b[:recs[0][0]] + r1 + r0 + body[len(r0) + len(r1):] + b[-4:]
    write(folder, "records-swapped.vae", crc_fixed(swapped))
    # One extra 2-D u32 record at the end.
    extra = struct.pack("<I", 7) + b"x.extra" + struct.pack("<IIII", 2, 2, 2, 3) + \
        struct.pack("<6I", *range(6))
    count = struct.unpack_from("<I", b, HEADER_V1)[0]
    withx = bytearray(b[:-4] + extra + b[-4:])
    struct.pack_into("<I", withx, HEADER_V1, count + 1)
    write(folder, "extra-record.vae", crc_fixed(bytes(withx)))
    # The last record again (an error the loader must name).
    dup = bytearray(b[:-4] + b[recs[-1][0]:recs[-1][1]] + b[-4:])
    struct.pack_into("<I", dup, HEADER_V1, count + 1)
    write(folder, "duplicate-record.vae", crc_fixed(bytes(dup)))


def engine_seeds(m, folder):
    # fuzz_model_engine.c: 16 bytes of engine settings, then a model.
    prefixes = {
        "48k-knobs": bytes([0, 0, 80, 80, 20, 0, 170, 125, 125, 125, 125, 125, 125, 125, 125, 0]),
        "44k-ancestral-noise": bytes([1, 1, 150, 200, 30, 200, 180, 0, 250, 60, 190, 125, 125, 125, 125, 3]),
        "22k-knobs-noise-random-phase": bytes([2, 2 | 4, 120, 90, 0, 120, 160, 30, 220, 125, 125, 125, 125, 125, 125, 5]),
        "192k-nan-controls": bytes([4, 3, 255, 254, 253, 252, 255, 255, 254, 253, 252, 0, 250, 125, 125, 1]),
        "8k-disabled": bytes([6, 8, 100, 100, 100, 100, 100, 125, 125, 125, 125, 125, 125, 125, 125, 2]),
    }
    names = sorted(m)
    for i, (pname, prefix) in enumerate(sorted(prefixes.items())):
        mname = names[i % len(names)]
        write(folder, pname + "+" + mname, prefix + m[mname])


# fuzz_plugin_atoms.c commands
OP_RUN, OP_EVENT_RAW, OP_OBJECT, OP_SET_MODEL, OP_GET, OP_CONTROL, OP_STATE, OP_CONNECT = range(8)


def set_model(path, flags=0, urid=0):
    """add_set_model(): flags, path length, path, then the subject's and the
    property's URID bytes when the flags ask for them."""
    b = bytes([OP_SET_MODEL, flags, len(path)]) + path
    if flags & 2 and not flags & 4:
        b += bytes([urid])
    if flags & 8:
        b += bytes([urid])
    return b


def run(n):
    return bytes([OP_RUN, n])


def plugin_seeds(folder):
    seeds = {
        # load a model, play, ask for the model, play on
        "set-a-get": bytes([0, 3]) + run(100) + set_model(b"a") + run(200) + run(7) +
        bytes([OP_GET, 3]) + run(50),
        # switch models (fade, graveyard), a broken one and a folder in between
        "switch-a-b-c-d": bytes([1, 1]) + set_model(b"a", 2 | 4) + run(120) + set_model(b"b") +
        run(3) + run(250) + set_model(b"c") + run(10) + set_model(b"d") + run(10) +
        set_model(b"a") + set_model(b"b") + run(255),
        # save with mapPath, restore what was saved
        "save-restore": bytes([0, 3]) + set_model(b"b") + run(30) +
        bytes([OP_STATE, 16 | 1 | 2]) + bytes([OP_STATE, 4 | 1 | 2 | 8]) + run(40) +
        bytes([OP_STATE, 16]) + bytes([OP_STATE, 4 | 8]) + run(40),
        # restore from outside data: a path, a wrong type, no terminator
        "restore-values": bytes([2, 0]) + bytes([OP_STATE, 8, 2, 1]) + b"a\0" + run(20) +
        bytes([OP_STATE, 1 | 8, 2, 17]) + b"b\0" + bytes([OP_STATE, 0, 3, 1]) + b"abc" +
        run(20),
        # unterminated path, a string instead of a path, another subject, another property
        "set-odd-values": bytes([0, 1]) + set_model(b"a", 1) + run(5) + set_model(b"a", 16) +
        run(5) + set_model(b"a", 2, 200) + set_model(b"a", 8, 6) + run(5) +
        set_model(b"", 0) + run(5),
        # raw events and objects with arbitrary properties
        "raw-events": bytes([1, 0]) + bytes([OP_EVENT_RAW, 13, 12, 0]) + bytes(range(12)) +
        bytes([OP_EVENT_RAW, 2, 4, 0, 10, 0, 0, 0]) +
        bytes([OP_OBJECT, 0, 0, 2, 1, 0, 4, 10, 0, 0, 0, 2, 1, 2, 97, 0, 0]) +
        bytes([OP_OBJECT, 1, 1, 1, 2, 3, 4, 1, 1, 3, 4, 1, 0, 0, 0, 1]) + run(30),
        # controls out of range and NaN, ports unconnected, tiny notify, full queue
        "controls-ports": bytes([3, 2]) + set_model(b"a") + run(10) +
        bytes([OP_CONTROL, 16, 0, 0, 0xC0, 0x7F]) + bytes([OP_CONTROL, 21, 0, 0, 0x80, 0x7F]) +
        bytes([OP_CONTROL, 0, 0, 0, 0x80, 0xFF]) + run(100) +
        bytes([OP_CONNECT, 32, 20, 0]) + bytes([OP_GET, 1, 10]) + run(10) +
        bytes([OP_CONNECT, 1 | 2 | 4 | 8 | 16]) + set_model(b"b") + run(10) +
        bytes([OP_CONNECT, 64]) + run(10) + bytes([OP_CONNECT, 64]) + run(10),
        # transport: rolling from frame 1000, stopped, rolling again after a jump
        "transport": bytes([1, 3]) + set_model(b"a") + run(20) +
        bytes([OP_OBJECT, 2, 0, 2, 3, 5, 4]) + struct.pack("<f", 1.0) +
        bytes([4, 9, 8]) + struct.pack("<q", 1000) + bytes([0]) + run(40) +
        bytes([OP_OBJECT, 2, 0, 1, 3, 8, 8]) + struct.pack("<d", 0.0) + bytes([0]) + run(40) +
        bytes([OP_OBJECT, 2, 0, 2, 3, 3, 4]) + struct.pack("<i", 1) +
        bytes([4, 5, 4]) + struct.pack("<f", 5e9) + bytes([0]) + run(40),
        # no bundle path, no log: silent until a model comes
        "no-bundle": bytes([5, 4]) + run(64) + set_model(b"default.vae") + run(64),
    }
    # Former findings, kept as regression inputs once fixed (minimised by libFuzzer).
    seeds["restore-queue-full"] = bytes.fromhex("000303000162001e0613eeeeeeeeeeeeeeeeeeee")
    seeds["urid-size-get"] = bytes.fromhex("00030201000101000000")
    seeds["urid-size-set-property"] = bytes.fromhex("000302000001010000000001")
    seeds["urid-size-set-subject"] = bytes.fromhex("000b020000010000000004030000")
    for name, b in seeds.items():
        write(folder, name, b)


OP_AUDIO = 8  # the FUZZ_TRANSFER build only


def plugin_transfer_seeds(folder):
    # The transfer effect's build reads the same commands, and OP_AUDIO.
    plugin_seeds(folder)
    nan, inf, big = 0x7FC00000, 0x7F800000, 0x7F7FFFFF  # NaN, Inf, FLT_MAX
    def audio(kind, bits):
        return bytes([OP_AUDIO, kind]) + struct.pack("<I", bits)
    seeds = {
        # a tone, then spikes of NaN, Inf and FLT_MAX in it, and a denormal
        "audio-garbage": bytes([0, 3]) + set_model(b"a") + audio(0, 0) + run(200) +
        audio(2, nan) + run(200) + audio(2, inf) + run(100) + audio(2, big) + run(100) +
        audio(1, 1) + run(50),
        # a constant FLT_MAX at 22.05 kHz with gain +12 dB, mix 0.5 and the
        # bypass off long enough (58 blocks of 765 frames) for its ramp to reach
        # 0 (a former finding of test_abuse: 0 times an overflowed dry signal)
        "audio-huge-bypass": bytes([2, 3]) + set_model(b"a") + audio(1, big) +
        bytes([OP_CONTROL, 18]) + struct.pack("<f", 12.0) +
        bytes([OP_CONTROL, 17]) + struct.pack("<f", 0.5) +
        bytes([OP_CONTROL, 19]) + struct.pack("<f", 0.0) + run(255) * 58,
        # in place, a model switch while the input is a tone, silence after
        "audio-in-place-switch": bytes([1, 1]) + set_model(b"a") + audio(0, 0) +
        bytes([OP_CONNECT, 128]) + run(150) + set_model(b"b") + run(3) + run(250) +
        audio(3, 0) + run(100),
    }
    for name, b in seeds.items():
        write(folder, name, b)


def plugin_lax_seeds(folder):
    # Replayed with ANC_FUZZ_LAX_ATOMS=1 (ill-formed objects kept as they are).
    write(folder, "short-object", bytes.fromhex("0504196f"))  # a former finding


def wav(channels, rate, bits, samples, fmt=1, frames_claim=None):
    data = b"".join(samples)
    block = channels * bits // 8
    size = len(data) if frames_claim is None else frames_claim * block
    fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * block, block, bits)
    return (b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt_chunk) + 8 + size) + b"WAVE" +
            b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk +
            b"data" + struct.pack("<I", size) + data)


def audio_seeds(folder):
    import math
    s16 = [struct.pack("<h", int(12000 * math.sin(i * 0.3))) for i in range(120)]
    f32 = [struct.pack("<ff", math.sin(i * 0.2), math.cos(i * 0.2)) for i in range(80)]
    f32_nan = list(f32)
    f32_nan[40] = struct.pack("<ff", float("nan"), 0.0)
    s24 = [struct.pack("<i", int(3e6 * math.sin(i * 0.1)))[:3] * 2 for i in range(64)]
    u8 = [bytes([128 + int(100 * math.sin(i * 0.5))]) for i in range(100)]
    write(folder, "pcm16-mono-22k.wav", wav(1, 22050, 16, s16))
    write(folder, "pcm16-mono-8k.wav", wav(1, 8000, 16, s16))
    write(folder, "float-stereo-44k.wav", wav(2, 44100, 32, f32, fmt=3))
    write(folder, "float-nan.wav", wav(2, 48000, 32, f32_nan, fmt=3))
    write(folder, "pcm24-stereo-96k.wav", wav(2, 96000, 24, s24))
    write(folder, "u8-mono-11k.wav", wav(1, 11025, 8, u8))
    write(folder, "no-frames.wav", wav(1, 22050, 16, []))
    write(folder, "rate-500.wav", wav(1, 500, 16, s16))
    write(folder, "claims-more.wav", wav(1, 22050, 16, s16[:20], frames_claim=1 << 30))
    write(folder, "300-channels.wav", wav(300, 22050, 8, [bytes(300)] * 2))
    # AIFF, 16-bit big-endian mono at 16 kHz (80-bit extended rate)
    frames = [struct.pack(">h", int(9000 * math.sin(i * 0.4))) for i in range(60)]
    rate80 = bytes([0x40, 0x0C, 0xFA, 0, 0, 0, 0, 0, 0, 0])  # 16000
    comm = struct.pack(">hIh", 1, len(frames), 16) + rate80
    ssnd = struct.pack(">II", 0, 0) + b"".join(frames)
    aiff = b"AIFF" + b"COMM" + struct.pack(">I", len(comm)) + comm + \
        b"SSND" + struct.pack(">I", len(ssnd)) + ssnd
    write(folder, "pcm16-mono-16k.aiff", b"FORM" + struct.pack(">I", len(aiff)) + aiff)
    # Sun/NeXT .au, 16-bit linear big-endian stereo at 32 kHz
    au_data = b"".join(struct.pack(">hh", i * 100, -i * 100) for i in range(50))
    write(folder, "pcm16-stereo-32k.au",
          b".snd" + struct.pack(">IIIII", 24, len(au_data), 3, 32000, 2) + au_data)
    write(folder, "empty", b"")
    write(folder, "not-audio.txt", b"hello, this is not a sound file\n")
    # A former finding: finite samples near FLT_MAX that resampling made Inf.
    write(folder, "resample-overflow.wav", bytes.fromhex(
        "52494646a402000057415645666d7420100000000300010080bb000000dc0500"
        "080020006461746180020000147f7f7f7f7f7f7f7f7f7f7f7f7f7f7f00000014"))


def cli_seeds(folder):
    # fuzz_cli.c: byte 0 picks the parser (% 5), the bounds (>> 3) and max (>> 5).
    seeds = {
        "int-44100": bytes([0 | (1 << 3)]) + b"8192",
        "int-negative": bytes([0 | (4 << 3)]) + b"-5",
        "double-lr": bytes([1 | (3 << 3)]) + b"0.001",
        "double-hex": bytes([1 | (2 << 3)]) + b"0x1p-3",
        "u64-seed": bytes([2]) + b"18446744073709551615",
        "int-list-hidden": bytes([3 | (1 << 3) | (1 << 5)]) + b"512,256",
        "int-list-too-many": bytes([3 | (1 << 3)]) + b"1,2,3",
        "double-list-latent": bytes([4 | (2 << 5)]) + b"0.5,-1,2",
        "double-list-empty-field": bytes([4 | (7 << 5)]) + b"1,,2",
        "u64-minus-after-space": b"  -5",  # a former finding
    }
    for name, b in seeds.items():
        write(folder, name, b)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    build = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) == 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    work = tempfile.mkdtemp(prefix="anc-seeds.")
    try:
        m = models(build, work)
    finally:
        shutil.rmtree(work)
    # Inputs the fuzzers found (found-*, added with libFuzzer -merge=1 for the
    # coverage they add) stay; everything else is written anew.
    for target in ("model", "model_engine", "plugin_atoms", "plugin_atoms_lax",
                   "plugin_atoms_transfer", "audio_in", "cli"):
        folder = os.path.join(root, target)
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if not name.startswith("found-"):
                os.remove(os.path.join(folder, name))
    model_seeds(m, os.path.join(root, "model"))
    engine_seeds(m, os.path.join(root, "model_engine"))
    plugin_seeds(os.path.join(root, "plugin_atoms"))
    plugin_lax_seeds(os.path.join(root, "plugin_atoms_lax"))
    plugin_transfer_seeds(os.path.join(root, "plugin_atoms_transfer"))
    audio_seeds(os.path.join(root, "audio_in"))
    cli_seeds(os.path.join(root, "cli"))


if __name__ == "__main__":
    main()

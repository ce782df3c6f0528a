#!/usr/bin/env python3
"""check_report.py — checks an HTML report of ancestral-train or ancestral-eval.

  check_report.py html REPORT.html [--epochs N] [--spectra N] [--label NAME]...
      every <svg> element is well-formed XML (xml.etree); the page has its
      sections; nothing is fetched (every src/href is a data: URI, no script);
      the loss plot has N points; N spectrogram rows of three images each; each
      NAME appears, escaped, as a point label; the file is under 3 MB.
  check_report.py png SCREENSHOT.png
      the screenshot is not blank: decodes the PNG (zlib, no imaging library)
      and wants many colours, the curves' blue and the spectrograms' viridis.
Exit 0 when every check passes, 1 with the failures listed."""
import html
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

SVG_NS = "{http://www.w3.org/2000/svg}"
failures = []


def fail(msg):
    failures.append(msg)


def check_html(path, args):
    data = open(path, "rb").read()
    if len(data) > 3 * 1024 * 1024:
        fail(f"{path}: {len(data)} bytes, more than 3 MB")
    text = data.decode("utf-8")  # raises on bytes that are not UTF-8
    svgs = re.findall(r"<svg\b.*?</svg>", text, re.S)
    if not svgs:
        fail("no <svg> element")
    trees = []
    for i, s in enumerate(svgs):
        try:
            trees.append(ET.fromstring(s))
        except ET.ParseError as e:
            fail(f"svg {i} is not well-formed XML: {e}")
    if text.count("<svg") != len(svgs):
        fail("an <svg> element is not closed")
    for sid in ("curves", "latents", "map", "spectrograms"):
        if f'id="{sid}"' not in text:
            fail(f"section {sid} missing")
    if re.search(r"<script", text, re.I):
        fail("the page has a script")
    for m in re.finditer(r'\b(?:src|href)="([^"]*)"', text):
        if not m.group(1).startswith("data:"):
            fail(f"a reference to something outside the page: {m.group(1)[:80]}")
    if "epochs" in args:
        curves = text[text.index('id="curves"'):text.index('id="latents"')]
        first = re.search(r'<polyline points="([^"]*)"', curves)
        n = len(first.group(1).split()) if first else 0
        if n != args["epochs"]:
            fail(f"the loss plot has {n} points, want {args['epochs']}")
    if "spectra" in args:
        spec = text[text.index('id="spectrograms"'):]
        rows = re.findall(r"<svg\b.*?</svg>", spec, re.S)
        images = [len(re.findall(r"<image\b", r)) for r in rows]
        if len(rows) != args["spectra"] or any(k != 3 for k in images):
            fail(f"spectrogram rows {len(rows)} with images {images}, want "
                 f"{args['spectra']} rows of 3")
        if "dBFS" not in spec:
            fail("the spectrograms have no labelled dB colour bar")
    map_labels = set()
    for t in trees:
        if t.get("aria-label") == "map of the files in z1 and z2":
            map_labels = {e.text for e in t.iter(SVG_NS + "text")
                          if e.get("class") == "pointlabel"}
            for ax in ("z1: ", "z2"):
                if not any(ax in (e.text or "") for e in t.iter(SVG_NS + "text")):
                    fail(f"the map has no axis label {ax}")
    for name in args.get("labels", []):
        if name not in map_labels:
            fail(f"the map has no point labelled {name!r}")
        if html.escape(name, quote=True).replace("&#x27;", "&#39;") not in text:
            fail(f"{name!r} does not appear escaped")
    for unit in ("loss (nats per frame)", "KL (nats per frame)", "LSD (dB)", "epoch"):
        if "epochs" in args and unit not in text:
            fail(f"no axis labelled {unit!r}")
    print(f"{path}: {len(data)} bytes, {len(svgs)} svg elements well-formed")


def png_pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError(f"unsupported PNG: depth {depth}, colour type {ctype}")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for r in range(h):
        f = raw[r * (stride + 1)]
        line = bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def check_png(path):
    w, h, bpp, rows = png_pixels(path)
    colours = {}
    for row in rows:
        for i in range(0, len(row), bpp):
            px = row[i:i + 3]
            colours[px] = colours.get(px, 0) + 1
    total = w * h
    background = max(colours.values())
    near = lambda rgb, tol: sum(c for px, c in colours.items()
                                if all(abs(px[k] - rgb[k]) <= tol for k in range(3)))
    blue = near((31, 111, 180), 12)
    dark = near((68, 1, 84), 12)  # the low end of the viridis colour scale
    print(f"{path}: {w}x{h}, {len(colours)} colours, {100 * (total - background) / total:.1f}% "
          f"not background, {blue} curve-blue and {dark} viridis-dark pixels")
    if len(colours) < 50 or total - background < total // 50:
        fail(f"{path}: the screenshot is blank or nearly so")
    if blue < 100:
        fail(f"{path}: no curve drawn (only {blue} pixels of the training colour)")
    if dark < 1000:
        fail(f"{path}: no spectrogram drawn (only {dark} dark viridis pixels)")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("html", "png"):
        print(__doc__)
        return 2
    if argv[1] == "png":
        check_png(argv[2])
    else:
        args, i = {"labels": []}, 3
        while i < len(argv):
            if argv[i] == "--label":
                args["labels"].append(argv[i + 1])
            else:
                args[argv[i].lstrip("-")] = int(argv[i + 1])
            i += 2
        check_html(argv[2], args)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

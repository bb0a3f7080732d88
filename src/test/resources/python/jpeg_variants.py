"""Writes a corpus of JPEG marker variants into argv[1], with what Pillow (libjpeg-turbo)
shows of each: NAME.jpg, NAME.rgb (raw RGB rows, when Pillow reads it; for the large size,
Pillow's decode reduced by 8 with Image.reduce, the box mean ClipGuard's reduced decode
computes) and manifest.json.

Variants: subsampling 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1; sequential and progressive;
restart intervals, and stray bytes before the restart markers; JFIF and Adobe markers in
every combination, and component ids 'R','G','B' or 0,1,2 with and without JFIF; tables
redefined between scans and after the last one, Huffman tables repeated; greyscale, RGB,
CMYK, YCCK; 12-bit and arithmetic-coded files; colours outside the RGB cube and samples
that overshoot, which a viewer clamps pixel by pixel. Each in a small (full decode) and a large
(reduced decode) size. Encoders: Pillow and libjpeg-turbo's cjpeg, then bytes edited here."""
import io
import json
import os
import struct
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

out = sys.argv[1]
manifest = []


def scene(w, h):
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = (x * 255 // w, y * 255 // h, (x * 7 + y * 3) % 256)
    d = ImageDraw.Draw(img)
    d.polygon([(w // 4, h * 3 // 4), (w // 2, h // 5), (w * 3 // 4, h * 3 // 4)], fill=(220, 20, 30))
    d.ellipse([w // 10, h // 10, w // 3, h // 3], fill=(250, 220, 0))
    d.rectangle([w * 2 // 3, h // 10, w * 9 // 10, h // 3], fill=(20, 60, 200))
    return img


def pillow(img, **kw):
    b = io.BytesIO()
    img.save(b, "JPEG", quality=kw.pop("quality", 90), **kw)
    return b.getvalue()


def cjpeg(img, *args):
    with tempfile.TemporaryDirectory() as t:
        src = os.path.join(t, "in.ppm")
        img.save(src)
        return subprocess.run(["cjpeg", "-quality", "90", *args, src], check=True, capture_output=True).stdout


def segments(b):
    """(marker, start, end) of each segment up to the first scan's data, then each later segment."""
    pos, out_ = 2, []
    while pos < len(b):
        assert b[pos] == 0xFF, pos
        m = b[pos + 1]
        if m == 0xD9:
            out_.append((m, pos, pos + 2))
            break
        ln = struct.unpack(">H", b[pos + 2:pos + 4])[0]
        end = pos + 2 + ln
        if m == 0xDA:
            p = end
            while not (b[p] == 0xFF and b[p + 1] not in (0x00, 0xFF) and not 0xD0 <= b[p + 1] <= 0xD7):
                p += 1
            end = p
        out_.append((m, pos, end))
        pos = end
    return out_


def insert(b, at, seg):
    return b[:at] + seg + b[at:]


def adobe(transform):
    return b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00" + bytes([transform])


def first(b, marker):
    return next(s for s in segments(b) if s[0] == marker)


def without(b, marker, prefix=b""):
    for m, s, e in segments(b):
        if m == marker and b[s + 4:s + 4 + len(prefix)] == prefix:
            return b[:s] + b[e:]
    return b


def with_adobe(b, transform):
    app0 = [s for s in segments(b) if s[0] == 0xE0]
    at = app0[0][2] if app0 else 2
    return insert(b, at, adobe(transform))


def set_ids(b, ids):
    b = bytearray(b)
    m, s, e = next(x for x in segments(bytes(b)) if x[0] in (0xC0, 0xC1, 0xC2))
    n = b[s + 9]
    old = [b[s + 10 + 3 * i] for i in range(n)]
    for i in range(n):
        b[s + 10 + 3 * i] = ids[i]
    for m, s, e in segments(bytes(b)):
        if m == 0xDA:
            for i in range(b[s + 4]):
                b[s + 5 + 2 * i] = ids[old.index(b[s + 5 + 2 * i])]
    return bytes(b)


def dqt(value):
    body = b"".join(bytes([t]) + bytes([value]) * 64 for t in (0, 1))
    return b"\xff\xdb" + struct.pack(">H", 2 + len(body)) + body


def before_eoi(b, seg):
    return b[:-2] + seg + b[-2:]


def before_scan(b, k, seg):
    scans = [s for s in segments(b) if s[0] == 0xDA]
    return insert(b, scans[k][1], seg)


def repeat_huffman(b):
    tables = b"".join(b[s:e] for m, s, e in segments(b) if m == 0xC4)
    for m, s, e in reversed([x for x in segments(b) if x[0] == 0xDA]):
        b = insert(b, s, tables)
    return b


def stray(b, junk=b"\x12\x34\x56"):
    o = bytearray()
    i = 0
    while i < len(b):
        if b[i] == 0xFF and i + 1 < len(b) and 0xD0 <= b[i + 1] <= 0xD7:
            o += junk
        o.append(b[i])
        i += 1
    return bytes(o)


def set_byte(b, at, v):
    b = bytearray(b)
    b[at] = v
    return bytes(b)


def add(name, data, reduce):
    path = os.path.join(out, name + ".jpg")
    with open(path, "wb") as f:
        f.write(data)
    entry = {"name": name, "file": name + ".jpg"}
    try:
        img = Image.open(path)
        img.load()
        rgb = img.convert("RGB")
        if reduce > 1:
            rgb = rgb.reduce(reduce)
        with open(os.path.join(out, name + ".rgb"), "wb") as f:
            f.write(rgb.tobytes())
        entry.update(width=rgb.width, height=rgb.height, reduce=reduce, pillow=name + ".rgb")
    except Exception as e:  # what Pillow refuses, ClipGuard must refuse too
        entry.update(pillow=None, error=str(e))
    manifest.append(entry)


for size, (w, h), reduce in (("small", (400, 300), 1), ("large", (1800, 1792), 8)):
    img = scene(w, h)
    s420 = pillow(img, subsampling=2)
    p444 = pillow(img, subsampling=0, progressive=True)
    rst = cjpeg(img, "-restart", "1")
    variants = {
        "seq_444": pillow(img, subsampling=0),
        "seq_422": pillow(img, subsampling=1),
        "seq_420": s420,
        "seq_440": cjpeg(img, "-sample", "1x2"),
        "seq_411": cjpeg(img, "-sample", "4x1"),
        "prog_420": pillow(img, subsampling=2, progressive=True),
        "prog_444": p444,
        "q40": pillow(img, quality=40),
        "restart": rst,
        "restart_stray": stray(rst),
        "prog_restart_stray": stray(cjpeg(img, "-progressive", "-restart", "2", "-sample", "1x1")),
        "jfif_adobe0": with_adobe(s420, 0),
        "jfif_adobe1": with_adobe(s420, 1),
        "adobe0_nojfif": with_adobe(without(s420, 0xE0), 0),
        "adobe1_nojfif": with_adobe(without(s420, 0xE0), 1),
        "adobe2_three": with_adobe(without(s420, 0xE0), 2),
        "ids_rgb_nojfif": set_ids(without(s420, 0xE0), b"RGB"),
        "ids_rgb_jfif": set_ids(s420, b"RGB"),
        "ids_012_nojfif": set_ids(without(s420, 0xE0), bytes([0, 1, 2])),
        "prog_ids_rgb_adobe1": with_adobe(set_ids(without(p444, 0xE0), b"RGB"), 1),
        "late_dqt_seq": before_eoi(s420, dqt(1)),
        "late_dqt_prog": before_eoi(p444, dqt(1)),
        "dqt_between_scans": before_scan(p444, 3, dqt(255)),
        "repeated_dht": repeat_huffman(p444),
        "cjpeg_rgb": cjpeg(img, "-rgb"),
        "grey": pillow(img.convert("L")),
        "cmyk": pillow(img.convert("CMYK")),
        "arithmetic": cjpeg(img, "-arithmetic"),
    }
    cmyk = variants["cmyk"]
    variants["ycck"] = set_byte(cmyk, first(cmyk, 0xEE)[1] + 15, 2)
    variants["cmyk_no_adobe"] = without(cmyk, 0xEE, b"Adobe")
    sof = first(s420, 0xC0)[1]
    variants["twelve_bit"] = set_byte(s420, sof + 4, 12)
    # Pixels alternating between colours outside the RGB cube and black: a viewer clamps each
    # pixel, so block means converted to RGB would show another colour; and a greyscale
    # checkerboard whose samples overshoot 0..255 and are clamped.
    ycc = Image.new("YCbCr", (w, h))
    ycc.putdata([(255, 128, 255) if (x + y) % 2 == 0 else (0, 128, 128) for y in range(h) for x in range(w)])
    variants["gamut_checker"] = pillow(ycc, quality=100, subsampling=0)
    grey = Image.new("L", (w, h))
    grey.putdata([255 if (x // 2 + y // 2) % 2 == 0 else 0 for y in range(h) for x in range(w)])
    variants["clamp_checker"] = pillow(grey, quality=95)
    for name, data in variants.items():
        add(size + "_" + name, data, reduce)

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)

"""Writes image fixtures with Pillow (an encoder independent of the JDK) into argv[1]."""
import struct
import sys
import zlib

from PIL import Image

out = sys.argv[1]

Image.new("CMYK", (64, 48), (0, 255, 255, 0)).save(f"{out}/cmyk.jpg", quality=95)
Image.new("L", (32, 32), 100).save(f"{out}/grey.png")
Image.new("I;16", (32, 32), 40000).save(f"{out}/grey16.png")

# 16-bit RGB PNG, written by hand: Pillow cannot save 48-bit colour.
w, h = 16, 8
row = b"\x00" + struct.pack(">HHH", 65535, 32768, 0) * w
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b"")
open(f"{out}/rgb16.png", "wb").write(png)

pal = Image.new("P", (32, 16), 0)
pal.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
pal.paste(1, (16, 0, 32, 16))
pal.save(f"{out}/palette_transparent.png", transparency=1)

Image.new("RGBA", (16, 16), (255, 0, 0, 128)).save(f"{out}/rgba.png")

rot = Image.new("RGB", (60, 40), (255, 0, 0))
rot.paste((0, 0, 255), (30, 0, 60, 40))
exif = Image.Exif()
exif[0x0112] = 6
rot.save(f"{out}/exif_rotated.jpg", quality=95, exif=exif.tobytes())

Image.new("RGB", (64, 64), (0, 200, 0)).save(f"{out}/progressive.jpg", quality=90, progressive=True)

frames = []
for i in range(1000):
    f = Image.new("P", (16, 16), 0 if i == 0 else 1)
    f.putpalette([255, 255, 0, 0, 0, 255, 7, 7, 7] + [0] * 759)
    f.putpixel((i % 16, (i // 16) % 16), 2)
    frames.append(f)
frames[0].save(f"{out}/frames1000.gif", save_all=True, append_images=frames[1:], duration=10, loop=0)

Image.new("RGB", (24, 24), (0, 0, 255)).save(f"{out}/blue.webp", lossless=True)
Image.new("RGB", (24, 24), (255, 255, 0)).save(f"{out}/yellow.bmp")

"""Photo test files for parity and reduced decoding, from the real photographs in
argv[1], written to argv[2]: JPEG re-encodes (baseline and progressive), a portrait, a
small image that must be upscaled, and a 4032x3024 mosaic of photos at their native
resolution (plus cjpeg variants of it with restart markers and progressive scans, an RGB
one, and greyscale ones)."""
import random
import subprocess
import sys

from PIL import Image

src, out = sys.argv[1], sys.argv[2]
names = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "hubble_deep_field.jpg"]
photos = {n: Image.open(f"{src}/{n}").convert("RGB") for n in names}

photos["coffee.png"].save(f"{out}/coffee_q90.jpg", quality=90)
photos["coffee.png"].convert("L").save(f"{out}/coffee_grey.jpg", quality=90)
photos["astronaut.png"].save(f"{out}/astronaut_progressive.jpg", quality=85, progressive=True)
photos["motorcycle_left.png"].transpose(Image.Transpose.ROTATE_90).save(f"{out}/motorcycle_portrait.png")
photos["chelsea.png"].resize((150, 100), Image.LANCZOS).save(f"{out}/chelsea_small.png")

random.seed(20261128)
W, H = 4032, 3024
mosaic = Image.new("RGB", (W, H))
y = 0
while y < H:
    x, row_h = 0, 0
    while x < W:
        p = photos[random.choice(names)]
        mosaic.paste(p, (x, y))
        x += p.size[0]
        row_h = max(row_h, p.size[1])
    y += row_h
mosaic.save(f"{out}/mosaic_4032x3024.jpg", quality=90)
mosaic.convert("L").save(f"{out}/mosaic_grey.jpg", quality=90)
mosaic.save(f"{out}/mosaic.ppm")
subprocess.run(["cjpeg", "-quality", "88", "-restart", "1", "-outfile", f"{out}/mosaic_restart.jpg", f"{out}/mosaic.ppm"], check=True)
subprocess.run(["cjpeg", "-quality", "88", "-progressive", "-outfile", f"{out}/mosaic_progressive.jpg", f"{out}/mosaic.ppm"], check=True)
subprocess.run(["cjpeg", "-quality", "88", "-progressive", "-sample", "1x1", "-outfile", f"{out}/mosaic_progressive_444.jpg", f"{out}/mosaic.ppm"], check=True)
subprocess.run(["cjpeg", "-quality", "90", "-sample", "1x1", "-outfile", f"{out}/mosaic_444.jpg", f"{out}/mosaic.ppm"], check=True)
subprocess.run(["cjpeg", "-quality", "90", "-rgb", "-outfile", f"{out}/mosaic_rgb.jpg", f"{out}/mosaic.ppm"], check=True)

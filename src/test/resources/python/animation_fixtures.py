"""Writes animations with Pillow into argv[1], and the frames Pillow composites from them (what
a viewer sees at each step): NAME.NNN.rgba for the frames ClipGuard samples (the first, the
last and evenly between, 4 of them), and manifest.json.

anim.gif: a full first frame, then smaller frames with transparency, kept (disposal 1) or
cleared (disposal 2). anim.png: an APNG whose default image (a blue square, never shown by
browsers) is not part of the animation, with frames blended over the canvas. anim.webp: a
lossless animated WebP whose later frames are transparent around their rectangle."""
import json
import sys

from PIL import Image, ImageDraw

out = sys.argv[1]
W, H = 120, 90
DELAY = 80
manifest = []


def frames_with(colour_steps):
    frames = []
    for i, (fill, box) in enumerate(colour_steps):
        f = Image.new("RGBA", (W, H), (0, 0, 0, 0) if i else (240, 240, 240, 255))
        ImageDraw.Draw(f).rectangle(box, fill=fill)
        frames.append(f)
    return frames


steps = [((220, 20, 30, 255), (10 + 8 * i, 10, 40 + 8 * i, 60)) for i in range(9)]


def sample(durations, n=4):
    """ClipGuard's choice, by display time: the frames on screen at n instants spread evenly over
    the running time, and the frame shown longest (a delay of 10 ms or less is shown for 100)."""
    if len(durations) <= n:
        return list(range(len(durations)))
    shown = [100 if d <= 10 else d for d in durations]
    ends, total = [], 0
    for d in shown:
        total += d
        ends.append(total)
    picked = {max(range(len(shown)), key=lambda i: (shown[i], -i))}
    for k in range(n):
        t = k * (total - 1) // (n - 1)
        picked.add(next(i for i, e in enumerate(ends) if e > t))
    return sorted(picked)


def record(name):
    im = Image.open(f"{out}/{name}")
    # Pillow counts an APNG's hidden default image as frame 0; browsers never show it.
    hidden = 1 if im.info.get("default_image") else 0
    total = getattr(im, "n_frames", 1) - hidden
    picked = sample([DELAY] * total)
    if hidden:
        im.seek(0)
        with open(f"{out}/{name}.default.rgba", "wb") as f:
            f.write(im.convert("RGBA").tobytes())
    for k in picked:
        im.seek(k + hidden)
        im.convert("RGBA").save(f"{out}/{name}.{k:03d}.png")
        with open(f"{out}/{name}.{k:03d}.rgba", "wb") as f:
            f.write(im.convert("RGBA").tobytes())
    # Pillow opens an animated WebP whose header has no alpha flag as RGB: transparent areas show
    # black, which is one of the two backgrounds ClipGuard scores.
    manifest.append({"file": name, "frames": total, "sampled": picked, "width": im.width, "height": im.height, "hiddenDefault": bool(hidden),
                     "alpha": im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info})


# GIF: palette frames (0 transparent, 1 light grey, 2 red); the first covers the canvas, the
# others only their rectangle, so uncovered pixels show what earlier frames left.
palette = [0, 0, 0, 240, 240, 240, 220, 20, 30] + [0] * (256 * 3 - 9)
gif_frames = []
for i, (fill, box) in enumerate(steps):
    p = Image.new("P", (W, H), 1 if i == 0 else 0)
    p.putpalette(palette)
    ImageDraw.Draw(p).rectangle(box, fill=2)
    gif_frames.append(p)
gif_frames[0].save(f"{out}/anim.gif", save_all=True, append_images=gif_frames[1:], duration=DELAY, loop=0,
                   disposal=[1, 2, 1, 1, 2, 1, 1, 2, 1], transparency=0, optimize=False)
record("anim.gif")

# APNG: the default image is a blue square that is not part of the animation.
blue = Image.new("RGBA", (W, H), (0, 0, 255, 255))
apng = frames_with(steps)
blue.save(f"{out}/anim.png", save_all=True, append_images=apng, default_image=True, duration=DELAY, loop=0,
          blend=1, disposal=0)
record("anim.png")

apng[0].save(f"{out}/anim.webp", save_all=True, append_images=apng[1:], duration=DELAY, loop=0, lossless=True)
record("anim.webp")

with open(f"{out}/manifest.json", "w") as f:
    json.dump(manifest, f, indent=1)

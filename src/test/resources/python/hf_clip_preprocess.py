"""Reference CLIP preprocessing, step for step as Hugging Face's CLIPImageProcessor does it
with Pillow: shortest side to 224 (long side int(224 * long / short)), Image.resize BICUBIC,
centre crop at (size - 224) // 2, rescale 1/255, normalise. Writes a (1, 3, 224, 224)
float32 .npy for each input: argv = OUT_DIR IMAGE..."""
import os
import sys

import numpy as np
from PIL import Image

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
EDGE = CROP = 224

out_dir = sys.argv[1]
for path in sys.argv[2:]:
    img = Image.open(path).convert("RGB")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = EDGE, int(EDGE * long / short)
    size = (new_short, new_long) if w <= h else (new_long, new_short)
    img = img.resize(size, resample=Image.BICUBIC, reducing_gap=None)
    arr = np.asarray(img, dtype=np.uint8)
    top = (arr.shape[0] - CROP) // 2
    left = (arr.shape[1] - CROP) // 2
    arr = arr[top:top + CROP, left:left + CROP]
    x = arr.astype(np.float32) * np.float32(1 / 255)
    x = (x - MEAN) / STD
    x = x.transpose(2, 0, 1)[None].astype(np.float32)
    np.save(os.path.join(out_dir, os.path.basename(path) + ".npy"), x)

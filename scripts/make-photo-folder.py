#!/usr/bin/env python3
"""A class folder of camera-size JPEGs made from real photos (Debian python3-skimage's sample photos), for measuring
data loading (usage: /usr/bin/python3 scripts/make-photo-folder.py OUT_DIR [COUNT] [WIDTH] [HEIGHT]). Three classes (cat,
coffee, rocket); each image a random crop of its photo, maybe flipped, colour-jittered, resized to WIDTH×HEIGHT."""
import os, random, sys
from PIL import Image, ImageEnhance

SRC = '/usr/lib/python3/dist-packages/skimage/data'
CLASSES = {'cat': 'chelsea.png', 'coffee': 'coffee.png', 'rocket': 'rocket.jpg'}
out, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3000
width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1024, 768)
rng = random.Random(1)
for k, (name, file) in enumerate(CLASSES.items()):
    photo = Image.open(os.path.join(SRC, file)).convert('RGB')
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for i in range(k, count, len(CLASSES)):
        w, h = photo.size
        s = rng.uniform(0.6, 1.0)
        cw, ch = int(w * s), int(h * s)
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        img = photo.crop((x, y, x + cw, y + ch))
        if rng.random() < 0.5: img = img.transpose(Image.FLIP_LEFT_RIGHT)
        img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.7, 1.3))
        img = ImageEnhance.Color(img).enhance(rng.uniform(0.6, 1.4))
        img.resize((width, height), Image.BILINEAR).save(os.path.join(out, name, f'{i:05d}.jpg'), quality=90)

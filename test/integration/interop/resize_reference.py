# Reference pixels for test/integration/interop/resizePolicy.test.ts: one photo fitted to each input shape under each
# resize policy by (1) the exported train.py's own fit() (numpy, CNN Studio's resampling) and (2) torchvision's
# transforms as a PyTorch user would write them (Resize, CenterCrop, Pad; PIL's antialiased bilinear), and (3) the
# image folder read by train.py's load_source, whose policy is the exported INPUT_RESIZE.
# argv: export folder (model.py, train.py), the photo, the output folder, the data folder name (relative to the model
# file, as in DATA), then shapes "h,w,c". Writes <source>_<policy>_<h>x<w>x<c>.f32 (float32 HWC, values 0..1) and
# prints {"plans": {"<policy> <h>x<w>": [rh, rw, top, left]}, "folder": "<h>x<w>x<c>"}.
import json
import os
import sys

import numpy as np
from PIL import Image
import torchvision.transforms as T
import torchvision.transforms.functional as TF

export_dir, photo, out_dir, folder = sys.argv[1:5]
shapes = [tuple(int(v) for v in s.split(",")) for s in sys.argv[5:]]
sys.path.insert(0, export_dir)
import train  # noqa: E402  (imports model.py beside it)

POLICIES = ["stretch", "centerCrop", "letterbox"]
rgba = np.asarray(Image.open(photo).convert("RGBA"))
src_h, src_w = rgba.shape[:2]


def save(name, hwc):
    np.ascontiguousarray(hwc, dtype="<f4").tofile(os.path.join(out_dir, name + ".f32"))


def torchvision_fit(policy, h, w):
    """The transforms a PyTorch user writes for the policy; a square input takes the textbook Resize(side) + CenterCrop."""
    rh, rw, top, left = train.fit_plan(src_h, src_w, h, w, policy)
    if policy == "stretch":
        steps = [T.Resize((h, w))]
    elif policy == "centerCrop" and h == w:
        steps = [T.Resize(h), T.CenterCrop(h)]
    elif policy == "centerCrop":
        steps = [T.Resize((rh, rw)), T.Lambda(lambda im: TF.crop(im, -top, -left, h, w))]
    else:
        steps = [T.Resize((rh, rw)), T.Pad((left, top, w - left - rw, h - top - rh), fill=0)]
    image = Image.open(photo).convert("RGB")
    return T.Compose(steps + [T.ToTensor()])(image).permute(1, 2, 0).numpy()


plans = {}
for h, w, c in shapes:
    tag = f"{h}x{w}x{c}"
    for policy in POLICIES:
        plans[f"{policy} {h}x{w}"] = list(train.fit_plan(src_h, src_w, h, w, policy))
        save(f"trainpy_{policy}_{tag}", train.fit(train.rgba_to_channels(rgba, c)[None], h, w, policy)[0])
        if c == 3:
            save(f"torchvision_{policy}_{tag}", torchvision_fit(policy, h, w))

h, w, c = shapes[0]
images, labels, classes = train.load_source(folder, (h, w, c))
save(f"folder_{train.INPUT_RESIZE}_{h}x{w}x{c}", images[0])
print(json.dumps({"plans": plans, "folder": f"{h}x{w}x{c}", "resize": train.INPUT_RESIZE, "classes": classes}))

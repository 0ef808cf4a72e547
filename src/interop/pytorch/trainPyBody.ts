// The part of train.py that is the same for every model: data loading as src/node/datasets does it, CNN Studio's optimizers
// and schedules, the DistributedDataParallel loop, metrics reduced over ranks, checkpoints in our layout.
export const TRAIN_PY_BODY = String.raw`
# ---------------------------------------------------------------- data, as CNN Studio loads it (src/node/datasets)

def resolve(path):
    return os.path.normpath(os.path.join(HERE, MODEL_DIR, path))


def read_idx(path):
    """An MNIST-style IDX file of unsigned bytes, plain or gzipped (told by its magic bytes, not its name)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8 or not 1 <= data[3] <= 4:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    ndims = data[3]
    dims = struct.unpack(f">{ndims}I", data[4:4 + 4 * ndims])
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims)
    if values.size != int(np.prod(dims)):
        raise ValueError(f"{path}: the header says {'x'.join(map(str, dims))} but the file holds {values.size} values")
    return values.reshape(dims)


def axis_weights(src, dst):
    """A [dst, src] resampling matrix: area averaging when shrinking, bilinear with half-pixel centres when enlarging."""
    m = np.zeros((dst, src), dtype=np.float32)
    scale = src / dst
    for o in range(dst):
        if scale > 1:
            lo, hi = o * scale, min((o + 1) * scale, src)
            for i in range(math.floor(lo), min(math.ceil(hi) - 1, src - 1) + 1):
                m[o, i] = (min(hi, i + 1) - max(lo, i)) / scale
        else:
            x = min(max((o + 0.5) * scale - 0.5, 0), src - 1)
            i0 = math.floor(x)
            f = x - i0
            if i0 + 1 < src:
                m[o, i0], m[o, i0 + 1] = 1 - f, f
            else:
                m[o, i0] = 1
    return m


def resize(images, height, width):
    """[N, h, w, c] -> [N, height, width, c], as CNN Studio resizes (src/node/datasets/pixels.ts)."""
    n, h, w, c = images.shape
    if (h, w) == (height, width):
        return images
    return np.einsum("yi,nijc,xj->nyxc", axis_weights(h, height), images, axis_weights(w, width)).astype(np.float32)


def fit_plan(h, w, height, width, policy):
    """CNN Studio's resize policy (src/model/resize.ts): the size the whole image is resized to and where its top-left
    corner lands in the input (negative: cropped, positive: padded). centerCrop covers the input, letterbox fits inside
    it; the other side rounded half up; centred with an odd leftover row or column at the bottom / right."""
    if policy == "stretch" or h * width == w * height:
        return height, width, 0, 0
    wider = w * height > width * h
    height_fits = wider if policy == "centerCrop" else not wider
    rh = height if height_fits else max(1, (2 * h * width + w) // (2 * w))
    rw = max(1, (2 * w * height + h) // (2 * h)) if height_fits else width

    def offset(inner, outer):
        return (outer - inner) // 2 if outer >= inner else -((inner - outer) // 2)

    return rh, rw, offset(rh, height), offset(rw, width)


def fit(images, height, width, policy):
    """[N, h, w, c] -> [N, height, width, c] as CNN Studio fits images to the input: resized by fit_plan, then cropped
    or padded with 0."""
    n, h, w, c = images.shape
    rh, rw, top, left = fit_plan(h, w, height, width, policy)
    resized = resize(images, rh, rw)
    if (rh, rw, top, left) == (height, width, 0, 0):
        return resized
    out = np.zeros((n, height, width, c), dtype=np.float32)
    y0, y1, x0, x1 = max(0, top), min(height, top + rh), max(0, left), min(width, left + rw)
    out[:, y0:y1, x0:x1] = resized[:, y0 - top:y1 - top, x0 - left:x1 - left]
    return out


def to_channels(images, channels):
    """Gray [N, h, w, 1] -> RGB (and alpha 1) as CNN Studio converts IDX pixels."""
    have = images.shape[3]
    if have == channels:
        return images
    if have != 1:
        raise ValueError(f"cannot convert {have}-channel pixels to {channels} channels")
    out = np.repeat(images, channels, axis=3)
    if channels == 4:
        out[..., 3] = 1
    return out


def rgba_to_channels(rgba, channels):
    """RGBA bytes -> [h, w, channels] in [0, 1]: alpha composited on black; gray is ITU-R BT.601 luminance."""
    x = rgba.astype(np.float32) / 255
    if channels == 4:
        return x
    rgb = x[..., :3] * x[..., 3:4]
    if channels == 3:
        return rgb
    return (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2])[..., None]


def list_files(folder, prefix="", depth=0):
    """Files under folder (hidden ones left out), sorted, nested folders walked up to 8 deep."""
    out = []
    for name in sorted(e for e in os.listdir(folder) if not e.startswith(".")):
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            if depth < 8:
                out += list_files(path, prefix + name + "/", depth + 1)
        else:
            out.append(prefix + name)
    return out


def load_folder(source, shape):
    """One subfolder of PNG/JPEG images per class (sorted names = classes); unreadable files are skipped."""
    try:
        from PIL import Image
    except ImportError:
        sys.exit("reading image folders needs Pillow: pip install pillow")
    root = resolve(source)
    classes = sorted(e for e in os.listdir(root) if not e.startswith(".") and os.path.isdir(os.path.join(root, e)))
    if not classes:
        sys.exit(f"{source} has no class subfolders (one folder of PNG/JPEG images per class)")
    height, width, channels = shape
    images, labels, skipped = [], [], 0
    for label, name in enumerate(classes):
        for rel in list_files(os.path.join(root, name)):
            path = os.path.join(root, name, rel)
            with open(path, "rb") as f:
                magic = f.read(8)
            if not (magic.startswith(b"\x89PNG\r\n\x1a\n") or magic.startswith(b"\xff\xd8\xff")):
                skipped += 1
                continue
            try:
                with Image.open(path) as im:
                    rgba = np.asarray(im.convert("RGBA"))
            except Exception:  # noqa: BLE001 - a broken file is skipped, as CNN Studio does
                skipped += 1
                continue
            images.append(fit(rgba_to_channels(rgba, channels)[None], height, width, INPUT_RESIZE)[0])
            labels.append(label)
    if not images:
        sys.exit(f"{source} has no readable PNG/JPEG images")
    if skipped:
        log(f"warning: skipped {skipped} unreadable or non-image files in {source}")
    return np.stack(images).astype(np.float32), np.array(labels, dtype=np.int64), classes


def load_source(source, shape):
    """A data source of the model file -> (images [N, h, w, c] float32 in [0, 1], labels, class names)."""
    if isinstance(source, str):
        return load_folder(source, shape)
    images = read_idx(resolve(source["images"]))
    labels = read_idx(resolve(source["labels"]))
    if images.ndim == 3:
        images = images[..., None]
    if len(images) != len(labels):
        sys.exit(f"{source['images']} has {len(images)} images but {source['labels']} has {len(labels)} labels")
    x = (images / 255.0).astype(np.float32)
    x = to_channels(fit(x, shape[0], shape[1], INPUT_RESIZE), shape[2])
    return x, labels.astype(np.int64), [str(i) for i in range(int(labels.max()) + 1)]


class Mulberry32:
    """CNN Studio's seeded generator (src/engine/rng.ts), so the validation split holds out the same samples."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next(self):
        m = 0xFFFFFFFF
        self.state = (self.state + 0x6D2B79F5) & m
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & m
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & m)) & m
        return ((t ^ (t >> 14)) & m) / 4294967296

    def int(self, n):
        return math.floor(self.next() * n)


def shuffled(count, rng):
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = rng.int(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def split(count, fraction, seed):
    """(train indices, validation indices) exactly as CNN Studio's splitDataset: a seeded shuffle, the last part held out."""
    order = shuffled(count, Mulberry32(seed))
    n_val = math.floor(count * fraction + 0.5)
    if fraction > 0 and count >= 2:
        n_val = min(max(n_val, 1), count - 1)
    return order[:count - n_val], order[count - n_val:]


def epoch_order(count, seed, epoch):
    """The order cnn train visits the training samples in, in this epoch (src/engine/train.ts: epochRng, then a fork)."""
    epoch_rng = Mulberry32((seed * 0x9E3779B1 + (epoch + 1) * 0x85EBCA6B) & 0xFFFFFFFF)
    return shuffled(count, Mulberry32(math.floor(epoch_rng.next() * 4294967296)))


class StudioOrder(Sampler):
    """One process visits the samples in cnn train's order, so the two runs of one model take the same batches."""

    def __init__(self, count, seed):
        self.count, self.seed, self.epoch = count, seed, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        return iter(epoch_order(self.count, self.seed, self.epoch))

    def __len__(self):
        return self.count


def nchw(images):
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()


# ---------------------------------------------------------------- CNN Studio's optimizers and schedules

class StudioOptimizer(torch.optim.Optimizer):
    """CNN Studio's update rules (src/engine/optimizers), which are Keras':
    sgd      v = mu*v + g; p -= lr*v (nesterov: p -= lr*(g + mu*v)), as torch.optim.SGD
    adam     m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v) + eps)
    adamw    the same after p *= 1 - lr*weightDecay (decoupled decay)
    rmsprop  s = rho*s + (1-rho)*g^2; d = lr*g/sqrt(s + eps); p -= d (momentum: b = mu*b + d; p -= b)
    weightDecay is an L2 term added to the gradient (but for adamw); clipNorm clips the global norm first.
    lr is each param group's (param_groups: the epoch's rate times the layer's learningRateMultiplier), adamw's decay too."""

    def __init__(self, params, config):
        super().__init__(params, {"lr": config["learningRate"]})
        self.config = config
        self.steps = 0

    @torch.no_grad()
    def step(self, closure=None):
        c = self.config
        kind = c["type"]
        l2 = 0.0 if kind == "adamw" else c["weightDecay"]
        self.steps += 1
        t = self.steps
        for group in self.param_groups:
            lr = group["lr"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad if l2 == 0 else p.grad + l2 * p
                state = self.state[p]
                if kind == "sgd":
                    mu = c["momentum"]
                    if mu == 0:
                        p.add_(g, alpha=-lr)
                        continue
                    v = state.setdefault("velocity", torch.zeros_like(p))
                    v.mul_(mu).add_(g)
                    p.add_(g + mu * v if c["nesterov"] else v, alpha=-lr)
                elif kind in ("adam", "adamw"):
                    m = state.setdefault("m", torch.zeros_like(p))
                    v = state.setdefault("v", torch.zeros_like(p))
                    b1, b2 = c["beta1"], c["beta2"]
                    m.mul_(b1).add_(g, alpha=1 - b1)
                    v.mul_(b2).addcmul_(g, g, value=1 - b2)
                    if kind == "adamw":
                        p.mul_(1 - lr * c["weightDecay"])
                    p.addcdiv_(m, v.sqrt().add_(c["epsilon"]), value=-lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t))
                elif kind == "rmsprop":
                    s = state.setdefault("rms", torch.zeros_like(p))
                    s.mul_(c["rho"]).addcmul_(g, g, value=1 - c["rho"])
                    delta = lr * g / (s + c["epsilon"]).sqrt()
                    if c["momentum"] > 0:
                        b = state.setdefault("momentum", torch.zeros_like(p))
                        b.mul_(c["momentum"]).add_(delta)
                        p.sub_(b)
                    else:
                        p.sub_(delta)
                else:
                    raise ValueError(f"unknown optimizer {kind}")


def param_groups(model):
    """model.parameters() as param groups, one per learning-rate multiplier (LEARNING_RATE_MULTIPLIERS in model.py, the
    model file's "learningRateMultiplier"; 1 for the other layers): PyTorch's per-group lr, set by set_learning_rate."""
    groups = {}
    for name, p in model.named_parameters():
        groups.setdefault(LEARNING_RATE_MULTIPLIERS.get(name.split(".", 1)[0], 1), []).append(p)
    return [{"params": params, "lr": OPTIMIZER["learningRate"] * m, "lr_multiplier": m} for m, params in groups.items()]


def set_learning_rate(optimizer, lr):
    """The epoch's rate: each param group trains at lr times its layer's multiplier."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group["lr_multiplier"]


def learning_rate_at(epoch, epochs):
    """The rate of epoch (from 0), as CNN Studio's schedules: set once per epoch."""
    base = OPTIMIZER["learningRate"]
    s = SCHEDULE
    if s is None:
        return base
    if s["type"] == "step":
        return base * s["gamma"] ** (epoch // max(1, s["stepSize"]))
    if s["type"] == "exponential":
        return base * s["gamma"] ** epoch
    low = s["minLearningRate"]
    return low + (base - low) * (1 + math.cos(math.pi * min(1, epoch / max(1, epochs)))) / 2


# ---------------------------------------------------------------- loss and accuracy

# With a final softmax (sigmoid) and cross-entropy, the model gives logits (forward(x, logits=True)) and the loss
# applies the softmax itself (F.cross_entropy = NLL of log-softmax): the same loss, without applying softmax twice.
FROM_LOGITS = (LOSS in ("categoricalCrossentropy", "sparseCategoricalCrossentropy") and OUTPUT_ACTIVATION == "softmax") or (
    LOSS == "binaryCrossentropy" and OUTPUT_ACTIVATION == "sigmoid")
EPS = 1e-7  # Keras' clipping of probabilities, when the loss works on the outputs themselves


def targets(y, units):
    return y.float()[:, None] if units == 1 else F.one_hot(y, units).float()


def loss_of(out, y):
    out = out.reshape(len(out), -1)
    units = out.shape[1]
    if LOSS in ("categoricalCrossentropy", "sparseCategoricalCrossentropy"):
        if FROM_LOGITS:
            return F.cross_entropy(out, y)
        return -torch.log(out.gather(1, y[:, None]).clamp(EPS, 1 - EPS)).mean()
    if LOSS == "binaryCrossentropy":
        if FROM_LOGITS:
            return F.binary_cross_entropy_with_logits(out, targets(y, units))
        return F.binary_cross_entropy(out.clamp(EPS, 1 - EPS), targets(y, units))
    return ((out - targets(y, units)) ** 2).mean()  # meanSquaredError


def correct(out, y):
    out = out.reshape(len(out), -1)
    if out.shape[1] == 1:  # one sigmoid unit: class 1 when p >= 0.5 (logit >= 0)
        return ((out[:, 0] >= (0.0 if FROM_LOGITS else 0.5)).long() == y).sum()
    return (out.argmax(1) == y).sum()


def round_half_up(v):
    """JavaScript's Math.round (Python's round() rounds halves to even)."""
    return math.floor(v + 0.5)


def draw_crop(scale, ratio, h, w, uniform):
    """torchvision RandomResizedCrop.get_params with CNN Studio's draws: (top, left, height, width) in whole pixels."""
    log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(10):
        target = h * w * (scale[0] + (scale[1] - scale[0]) * uniform())
        aspect = math.exp(log_lo + (log_hi - log_lo) * uniform())
        cw, ch = round_half_up(math.sqrt(target * aspect)), round_half_up(math.sqrt(target / aspect))
        if 0 < cw <= w and 0 < ch <= h:
            top = math.floor(uniform() * (h - ch + 1))
            return top, math.floor(uniform() * (w - cw + 1)), ch, cw
    cw, ch = w, h
    if w / h < ratio[0]:
        ch = round_half_up(w / ratio[0])
    elif w / h > ratio[1]:
        cw = round_half_up(h * ratio[1])
    return (h - ch) // 2, (w - cw) // 2, ch, cw


def draw_augmentation(h, w, uniform):
    """One sample's draws from uniform() (numbers in [0, 1)), in CNN Studio's fixed order (src/node/datasets/augmentParams.ts)."""
    a = AUGMENTATION
    p = {"crop": (0, 0, h, w), "angle": 0.0, "scale": a["zoom"][0], "dy": 0, "dx": 0, "hflip": False, "vflip": False,
         "order": [0, 1, 2, 3], "brightness": 1.0, "contrast": 1.0, "saturation": 1.0, "hue": 0.0, "holes": []}
    if a["randomResizedCrop"]:
        p["crop"] = draw_crop(a["randomResizedCrop"]["scale"], a["randomResizedCrop"]["ratio"], h, w, uniform)
    if a["rotation"] > 0:
        p["angle"] = -a["rotation"] + 2 * a["rotation"] * uniform()
    if a["zoom"][0] < a["zoom"][1]:
        p["scale"] = a["zoom"][0] + (a["zoom"][1] - a["zoom"][0]) * uniform()
    max_dy, max_dx = round_half_up(a["translation"] * h), round_half_up(a["translation"] * w)
    if max_dy > 0:
        p["dy"] = math.floor(uniform() * (2 * max_dy + 1)) - max_dy
    if max_dx > 0:
        p["dx"] = math.floor(uniform() * (2 * max_dx + 1)) - max_dx
    p["hflip"] = a["horizontalFlip"] and uniform() < 0.5
    p["vflip"] = a["verticalFlip"] and uniform() < 0.5
    if a["brightness"] > 0 or a["contrast"] > 0 or a["saturation"] > 0 or a["hue"] > 0:
        for i in range(3, 0, -1):  # ColorJitter's random order
            j = math.floor(uniform() * (i + 1))
            p["order"][i], p["order"][j] = p["order"][j], p["order"][i]
    for name in ("brightness", "contrast", "saturation"):
        if a[name] > 0:
            lo = max(0.0, 1 - a[name])
            p[name] = lo + (1 + a[name] - lo) * uniform()
    if a["hue"] > 0:
        p["hue"] = -a["hue"] + 2 * a["hue"] * uniform()
    if a["cutout"]:
        p["holes"] = [(math.floor(uniform() * h), math.floor(uniform() * w)) for _ in range(a["cutout"]["holes"])]
    return p


def inverse_affine(p, h, w):
    """Output pixel → source pixel (a, b, e, c, d, f) for flips(rotate/zoom/translate(crop(image))), in pixel indices."""
    cx, cy = (w - 1) / 2, (h - 1) / 2
    rad = p["angle"] * math.pi / 180
    cos, sin = math.cos(rad) / p["scale"], math.sin(rad) / p["scale"]
    top, left, ch, cw = p["crop"]

    def source(x, y):
        u = (w - 1 - x if p["hflip"] else x) - cx - p["dx"]
        v = (h - 1 - y if p["vflip"] else y) - cy - p["dy"]
        return left + (cx + u * cos - v * sin + 0.5) * cw / w - 0.5, top + (cy + u * sin + v * cos + 0.5) * ch / h - 0.5

    (x0, y0), (x1, y1), (x2, y2) = source(0, 0), source(1, 0), source(0, 1)
    return x1 - x0, x2 - x0, x0, y1 - y0, y2 - y0, y0


def gray(x):
    return 0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]


def adjust_hue(rgb, factor):
    """torchvision's adjust_hue (through HSV), for one [3, H, W] sample."""
    r, g, b = rgb
    maxc, minc = rgb.max(0).values, rgb.min(0).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = torch.ones_like(maxc)
    s = cr / torch.where(eqc, ones, maxc)
    div = torch.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    h = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = (torch.fmod(h / 6.0 + 1.0, 1.0) + factor) % 1.0
    i = torch.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.long() % 6
    p = (maxc * (1.0 - s)).clamp(0, 1)
    q = (maxc * (1.0 - s * f)).clamp(0, 1)
    t = (maxc * (1.0 - s * (1.0 - f))).clamp(0, 1)
    table = torch.stack([torch.stack(c) for c in ((maxc, q, p, p, t, maxc), (t, maxc, maxc, q, p, p), (p, p, t, maxc, maxc, q))])
    return table.gather(1, i.unsqueeze(0).unsqueeze(0).expand(3, 1, *i.shape)).squeeze(1)


def jitter(x, op, f):
    """torchvision ColorJitter's four ops (0 brightness, 1 contrast, 2 saturation, 3 hue) on one [C, H, W] sample; alpha is kept."""
    colours = x[:3] if x.shape[0] >= 3 else x[:1]
    if op == 0:
        out = (f * colours).clamp(0, 1)
    elif op == 1:
        mean = gray(x).mean() if x.shape[0] >= 3 else x[0].mean()
        out = (f * colours + (1 - f) * mean).clamp(0, 1)
    elif x.shape[0] < 3:  # saturation and hue leave gray images alone, as torchvision
        return x
    elif op == 2:
        out = (f * colours + (1 - f) * gray(x)).clamp(0, 1)
    else:
        out = adjust_hue(colours, f)
    return torch.cat([out, x[out.shape[0]:]])


def apply_augmentation(x, p):
    """One [C, H, W] sample augmented with draws p: one bilinear resampling (0 outside the image), the colour ops, cutout."""
    c, h, w = x.shape
    m = inverse_affine(p, h, w)
    if m != (1, 0, 0, 0, 1, 0):
        # The pixel-index map in grid_sample's normalized coordinates (align_corners=False: -1 and 1 are the outer edges).
        def norm(xn, yn):
            xi, yi = ((xn + 1) * w - 1) / 2, ((yn + 1) * h - 1) / 2
            return (2 * (m[0] * xi + m[1] * yi + m[2]) + 1) / w - 1, (2 * (m[3] * xi + m[4] * yi + m[5]) + 1) / h - 1

        (x0, y0), (x1, y1), (x2, y2) = norm(0, 0), norm(1, 0), norm(0, 1)
        theta = torch.tensor([[[x1 - x0, x2 - x0, x0], [y1 - y0, y2 - y0, y0]]], dtype=x.dtype, device=x.device)
        grid = F.affine_grid(theta, [1, c, h, w], align_corners=False)
        # Bilinear inside the image (its outer half pixel repeats the edge, as a resize does), 0 outside it.
        inside = (grid.abs() <= 1).all(-1).to(x.dtype)
        x = F.grid_sample(x[None], grid, mode="bilinear", padding_mode="border", align_corners=False)[0] * inside
    for op in p["order"]:
        f = p[("brightness", "contrast", "saturation", "hue")[op]]
        if f != (0 if op == 3 else 1):
            x = jitter(x, op, f)
    if p["holes"]:
        x = x.clone()
        hh, hw = max(1, round_half_up(AUGMENTATION["cutout"]["size"] * h)), max(1, round_half_up(AUGMENTATION["cutout"]["size"] * w))
        for cy, cx in p["holes"]:
            top, left = cy - hh // 2, cx - hw // 2
            x[:, max(0, top):max(0, top + hh), max(0, left):max(0, left + hw)] = 0
    return x


def augment(x, generator):
    """CNN Studio's augmentation (training.augmentation in docs/model-format.md) of an [N, C, H, W] batch, drawn from generator."""
    _, _, h, w = x.shape
    uniform = lambda: torch.rand((), generator=generator).item()  # noqa: E731
    return torch.stack([apply_augmentation(sample, draw_augmentation(h, w, uniform)) for sample in x])


# ---------------------------------------------------------------- training

RANK = int(os.environ.get("RANK", "0"))


def log(line):
    if RANK == 0:
        print(line, flush=True)


def evaluate(model, x, y, device, world, rank, batch):
    """Loss sum, correct count and sample count of this rank's share (every world-th sample), summed over ranks."""
    model.eval()
    sums = torch.zeros(3, dtype=torch.float64, device=device)
    with torch.no_grad():
        for start in range(rank * batch, len(x), world * batch):
            xb, yb = x[start:start + batch].to(device), y[start:start + batch].to(device)
            out = model(xb, logits=FROM_LOGITS)
            sums += torch.stack([loss_of(out, yb).double() * len(yb), correct(out, yb).double(), torch.tensor(float(len(yb)), dtype=torch.float64, device=device)])
    if world > 1:
        dist.all_reduce(sums)
    loss, hits, count = sums.tolist()
    return loss / max(count, 1), hits / max(count, 1)


def main():
    parser = argparse.ArgumentParser(description=f"Trains {MODEL_FILE}'s model with PyTorch (python train.py, or torchrun --nproc_per_node=N train.py).")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs to train (default {EPOCHS})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"global batch size, split over the processes (default {BATCH_SIZE})")
    parser.add_argument("--out", default=os.path.join(HERE, CHECKPOINT), help=f"the checkpoint to write (default {CHECKPOINT} here)")
    parser.add_argument("--from-scratch", action="store_true", help=f"start from PyTorch's initialisation, not {INITIAL_WEIGHTS}")
    parser.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is there")
    args = parser.parse_args()
    if DATA is None:
        sys.exit(f"{MODEL_FILE} has no training.data: set DATA at the top of this file")

    # torchrun's environment: WORLD_SIZE processes, this one RANK (LOCAL_RANK on its machine); MASTER_ADDR/PORT meet.
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and not args.cpu
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1:
        # All ranks on this machine: gloo otherwise binds to the address the host name resolves to, which in
        # containers can be unreachable, and the ranks wait on each other for its 30-minute timeout.
        if not cuda and os.environ.get("MASTER_ADDR") in ("127.0.0.1", "localhost") and sys.platform == "linux":
            os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
        dist.init_process_group("nccl" if cuda else "gloo")
    torch.manual_seed(SEED)

    shape = (INPUT_SHAPE[1], INPUT_SHAPE[2], INPUT_SHAPE[0])
    images, labels, classes = load_source(DATA["train"], shape)
    train_idx, val_idx = split(len(images), VALIDATION_SPLIT, SEED) if VALIDATION_SPLIT else (list(range(len(images))), [])
    x_train, y_train = nchw(images[train_idx]), torch.from_numpy(labels[train_idx])
    x_val, y_val = nchw(images[val_idx]), torch.from_numpy(labels[val_idx])
    test = None
    if DATA.get("test") is not None:
        t_images, t_labels, _ = load_source(DATA["test"], shape)
        test = (nchw(t_images), torch.from_numpy(t_labels))
    if len(x_train) == 0:
        sys.exit(f"validationSplit {VALIDATION_SPLIT} of {len(images)} samples leaves no training samples")

    model = Model()
    init = os.path.join(HERE, INITIAL_WEIGHTS)
    if os.path.exists(init) and not args.from_scratch:
        model.load_weights(init)
        start = f"from {INITIAL_WEIGHTS}"
    else:
        start = "from PyTorch's initialisation"
    model.to(device)
    net = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None) if world > 1 else model
    optimizer = StudioOptimizer(param_groups(model), OPTIMIZER)
    per_rank = max(1, args.batch_size // world)
    sampler = (DistributedSampler(TensorDataset(x_train, y_train), num_replicas=world, rank=RANK, shuffle=True, seed=SEED)
               if world > 1 else StudioOrder(len(x_train), SEED))
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=per_rank, sampler=sampler)
    generator = torch.Generator().manual_seed(SEED * 1000 + RANK)
    log(f"{MODEL_FILE}: {len(x_train)} training samples" + (f", {len(x_val)} held out for validation" if len(x_val) else "")
        + (f", {len(test[0])} test samples" if test else "") + f"; {world} process{'es' if world > 1 else ''} on "
        + f"{'cuda' if cuda else 'cpu'}" + (f" ({'nccl' if cuda else 'gloo'})" if world > 1 else "")
        + f", batch {per_rank * world} ({per_rank} per process); starting {start}")

    best, best_state, since_best = None, None, 0
    for epoch in range(args.epochs):
        began = time.time()
        lr = learning_rate_at(epoch, args.epochs)
        set_learning_rate(optimizer, lr)
        sampler.set_epoch(epoch)
        net.train()
        sums = torch.zeros(3, dtype=torch.float64, device=device)
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            if AUGMENTATION:
                xb = augment(xb, generator)
            out = net(xb, logits=FROM_LOGITS)
            loss = loss_of(out, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if not math.isfinite(loss.item()):
                sys.exit(f"training diverged: the loss became {loss.item()} in epoch {epoch + 1}; try a lower learning rate or set clipNorm")
            if OPTIMIZER["clipNorm"] is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), OPTIMIZER["clipNorm"])
            optimizer.step()
            sums += torch.stack([loss.detach().double() * len(yb), correct(out.detach(), yb).double(), torch.tensor(float(len(yb)), dtype=torch.float64, device=device)])
        if world > 1:
            dist.all_reduce(sums)
        loss_sum, hits, count = sums.tolist()
        line = f"epoch {epoch + 1}/{args.epochs} loss {loss_sum / count:.4f} accuracy {hits / count:.4f}"
        val = evaluate(model, x_val, y_val, device, world, RANK, per_rank) if len(x_val) else None
        if val:
            line += f" val_loss {val[0]:.4f} val_accuracy {val[1]:.4f}"
        if test:
            t_loss, t_acc = evaluate(model, test[0], test[1], device, world, RANK, per_rank)
            line += f" test_loss {t_loss:.4f} test_accuracy {t_acc:.4f}"
        log(line + f" lr {lr:.6g} time {time.time() - began:.1f}s")
        if RANK == 0:
            model.save_weights(args.out, classes)
        if EARLY_STOPPING:
            by_accuracy = EARLY_STOPPING["monitor"] == "valAccuracy"
            watched = val if val else (loss_sum / count, hits / count)
            value = watched[1] if by_accuracy else watched[0]
            if best is None or (value > best if by_accuracy else value < best):
                best, best_state, since_best = value, copy.deepcopy(model.state_dict()), 0
            else:
                since_best += 1
                if since_best >= EARLY_STOPPING["patience"]:
                    model.load_state_dict(best_state)
                    if RANK == 0:
                        model.save_weights(args.out, classes)
                    log(f"early stopping: kept the weights of the best epoch ({EARLY_STOPPING['monitor']} {best:.4f})")
                    break
    log(f"saved {args.out}: copy it beside {MODEL_FILE} for cnn evaluate / cnn predict")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;

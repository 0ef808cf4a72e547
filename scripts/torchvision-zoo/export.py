# Exports torchvision 0.14's CNN classifiers to ONNX with random (seeded) weights, and PyTorch's answer on a real photo.
# usage: export.py --list                   one JSON line per classifier: name, parameters, smallest input side
#        export.py --cache DIR --opset 13|17 --bn folded|kept --photo PNG NAME[:SIZE]...
# For each NAME it writes DIR/<name>-<size>px-opset<opset>-bn<bn>/ with
#   model.onnx      torch.onnx.export of the eval() model, input "input" [1, 3, size, size], output "logits"
#   photo.png       the photo, centre-cropped to a square and resized to size×size by PIL: the model's input size,
#                   so `cnn predict` reads it without resizing and both sides see the same pixels
#   batch.bin       float32 NCHW [2, 3, size, size]: that photo and a second one (coffee.png), for the round trips
#   reference.json  PyTorch's class probabilities and logits on the photo, its logits on the batch, the counts of
#                   BatchNormalization nodes, timings
# and prints that reference (with "dir") as one JSON line; an existing reference.json of this REFERENCE_FORMAT is
# reused (the cache). A network that fails to build or export prints {"name", "error"} instead. Progress: stderr.
# Besides torchvision's classifiers it knows the small networks of synthetic.py (not listed by --list).
import argparse
import gc
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torchvision
from PIL import Image
from torch import nn
from torchvision import models

from synthetic import SYNTHETIC

SEED = 0
# Bumped when reference.json gains or changes a field: older cached folders are exported again.
REFERENCE_FORMAT = 2

# Transformers (and MaxViT's attention) are not CNN classifiers: the list leaves them out.
NOT_CNN = ("vit_", "swin_", "maxvit_")


def classifiers():
    return [n for n in models.list_models(module=models) if not n.startswith(NOT_CNN)]


def meta(name):
    if name in SYNTHETIC:
        return {"name": name, "params": sum(p.numel() for p in SYNTHETIC[name]().parameters()), "minSize": 32}
    m = models.get_model_weights(name).DEFAULT.meta
    return {"name": name, "params": m["num_params"], "minSize": max(m["min_size"])}


def default_size(name):
    # The input size the network was designed for; inception_v3's layers need 299 (min 75), every other one 224.
    return 299 if name == "inception_v3" else 32 if name in SYNTHETIC else 224


def vary_constants(model):
    """Fresh torchvision networks hold constants that hide mistakes: batch norm is the identity (mean 0, var 1,
    scale 1, shift 0), biases start at 0 and ConvNeXt's layer scale at 1e-6 (its blocks add next to nothing).
    Seeded noise makes each of them count, as trained weights do."""
    g = torch.Generator().manual_seed(SEED + 1)

    def uniform(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=g, dtype=t.dtype) * (hi - lo) + lo)

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.BatchNorm2d, nn.LayerNorm)):
                if module.weight is not None:
                    uniform(module.weight, 0.8, 1.2)
                    uniform(module.bias, -0.1, 0.1)
                if isinstance(module, nn.BatchNorm2d):
                    uniform(module.running_mean, -0.1, 0.1)
                    uniform(module.running_var, 0.8, 1.25)
            elif isinstance(module, (nn.Conv2d, nn.Linear)) and module.bias is not None:
                if torch.all(module.bias == 0):
                    uniform(module.bias, -0.05, 0.05)
            if hasattr(module, "layer_scale") and isinstance(module.layer_scale, nn.Parameter):
                uniform(module.layer_scale, 0.1, 0.3)


def build(name):
    torch.manual_seed(SEED)
    if name in SYNTHETIC:
        model = SYNTHETIC[name]()
        vary_constants(model)
        return model.eval()
    kwargs = {"init_weights": True} if name in ("googlenet", "inception_v3") else {}  # else they warn
    model = models.get_model(name, weights=None, **kwargs)
    vary_constants(model)
    return model.eval()


def photo(path, size, out):
    # Written to a temporary name and renamed: a run killed half-way leaves no truncated photo in the cache.
    if not os.path.exists(out):
        img = Image.open(path).convert("RGB")
        w, h = img.size
        s = min(w, h)
        img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
        img.resize((size, size), Image.BILINEAR).save(out + ".tmp.png")
        os.replace(out + ".tmp.png", out)
    # As `cnn predict` reads a PNG of the model's size: RGB / 255, no mean/std (the torchvision nets have none inside).
    x = np.asarray(Image.open(out).convert("RGB"), dtype=np.float32) / np.float32(255)
    return torch.from_numpy(x).permute(2, 0, 1).unsqueeze(0).contiguous()


def bn_calls(model, x):
    """The forward pass, counting the BatchNorm2d modules it runs (eval skips the aux heads' ones)."""
    calls = []
    hooks = [m.register_forward_hook(lambda *_: calls.append(1)) for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    try:
        with torch.no_grad():
            logits = model(x)
    finally:
        for h in hooks:
            h.remove()
    return logits, len(calls)


def export_one(name, size, args):
    folder = os.path.join(args.cache, f"{name}-{size}px-opset{args.opset}-bn{args.bn}")
    ref_path = os.path.join(folder, "reference.json")
    if os.path.exists(ref_path):
        with open(ref_path) as f:
            ref = json.load(f)
        if ref.get("format") == REFERENCE_FORMAT:
            ref["cached"] = True
            return ref
    os.makedirs(folder, exist_ok=True)
    started = time.time()
    model = build(name)
    built = time.time()
    x = photo(args.photo, size, os.path.join(folder, "photo.png"))
    second = photo(os.path.join(os.path.dirname(args.photo), "coffee.png"), size, os.path.join(folder, "photo2.png"))
    batch = torch.cat([x, second])
    batch.numpy().astype("<f4").tofile(os.path.join(folder, "batch.bin"))
    logits, bn_expected = bn_calls(model, x)
    with torch.no_grad():
        batch_logits = model(batch)
    forwarded = time.time()
    mode = torch.onnx.TrainingMode.EVAL if args.bn == "folded" else torch.onnx.TrainingMode.PRESERVE
    onnx_path = os.path.join(folder, "model.onnx")
    torch.onnx.export(model, x, onnx_path, opset_version=args.opset, training=mode, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"])
    exported = time.time()
    graph = onnx.load(onnx_path, load_external_data=False).graph
    ops = [n.op_type for n in graph.node]
    bn_nodes = ops.count("BatchNormalization")
    if args.bn == "kept" and bn_nodes != bn_expected:
        raise RuntimeError(f"TrainingMode.PRESERVE kept {bn_nodes} BatchNormalization nodes of the {bn_expected} batch norms run")
    probs = torch.softmax(logits.double(), dim=1)[0]
    ref = {
        "format": REFERENCE_FORMAT,
        "name": name,
        "size": size,
        "opset": args.opset,
        "bn": args.bn,
        "params": sum(p.numel() for p in model.parameters()),
        "nodes": len(ops),
        "bnNodes": bn_nodes,
        "bnRun": bn_expected,
        "onnxBytes": os.path.getsize(onnx_path),
        "probabilities": probs.tolist(),
        "logits": logits[0].tolist(),
        "batchLogits": batch_logits.tolist(),
        "seconds": {"build": built - started, "forward": forwarded - built, "export": exported - forwarded},
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "onnx": onnx.__version__},
    }
    with open(ref_path + ".tmp", "w") as f:
        json.dump(ref, f)
    os.replace(ref_path + ".tmp", ref_path)
    ref["cached"] = False
    return ref


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--list", action="store_true")
    p.add_argument("--cache")
    p.add_argument("--opset", type=int, choices=[13, 17], default=17)
    p.add_argument("--bn", choices=["folded", "kept"], default="folded")
    p.add_argument("--photo")
    p.add_argument("nets", nargs="*")
    args = p.parse_args()
    if args.list:
        for name in classifiers():
            print(json.dumps({**meta(name), "size": default_size(name)}), flush=True)
        return
    torch.set_num_threads(int(os.environ.get("ZOO_TORCH_THREADS", "1")))
    known = set(classifiers()) | set(SYNTHETIC)
    for spec in args.nets:
        name, _, size = spec.partition(":")
        if name not in known:
            print(json.dumps({"name": name, "error": f"not a torchvision {torchvision.__version__} CNN classifier"}), flush=True)
            continue
        print(f"export.py: {name} (opset {args.opset}, batch norm {args.bn})", file=sys.stderr, flush=True)
        try:
            ref = export_one(name, int(size) if size else default_size(name), args)
            ref["dir"] = os.path.join(args.cache, f"{ref['name']}-{ref['size']}px-opset{args.opset}-bn{args.bn}")
            print(json.dumps(ref), flush=True)
        except Exception as e:  # one network's failure is a row of the table, not the end of the run
            message = str(e).strip().split("\n")[0]
            print(json.dumps({"name": name, "error": f"{type(e).__name__}: {message}"}), flush=True)
        gc.collect()


if __name__ == "__main__":
    main()

"""PyTorch on the CPU running the same plain steps as `cnn bench MODEL` (run by bench/run.ts in its own process).

The model file is built as an NCHW nn.Sequential (conv2d, maxPool2d, flatten, dense; ReLU/softmax), Glorot-uniform
weights and zero biases; the same seeded synthetic batch as ours (mulberry32, inputs uniform in [0, 1), random
labels); softmax cross-entropy; plain SGD 0.01; 1 s of warm-up, then the median of R runs of at least S seconds.
Prints one JSON line.

    /usr/bin/python3 bench/torch_bench.py MODEL --mode train|infer --batch N [--seconds S] [--runs R] [--threads T]
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn


def mulberry32(seed):
    """src/engine/rng.ts createRng: the same stream of uniform [0, 1) numbers."""
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def nxt():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return nxt


def pair(v):
    return (v, v) if isinstance(v, int) else (v[0], v[1])


def build(model):
    h, w, c = model["input"]["shape"]
    layers = []
    for i, l in enumerate(model["layers"]):
        t = l["type"]
        act = l.get("activation", "linear")
        last = i == len(model["layers"]) - 1
        if act not in ("relu", "linear") and not (last and act == "softmax"):
            raise SystemExit(f"no PyTorch twin for activation {act}")
        if t == "conv2d":
            k = pair(l["kernelSize"])
            s = pair(l.get("strides", 1))
            if l.get("padding", "valid") == "same" and s != (1, 1):
                raise SystemExit("'same' padding with strides > 1 has no PyTorch twin")
            conv = nn.Conv2d(c, l["filters"], k, stride=s, padding="same" if l.get("padding") == "same" else 0,
                             dilation=pair(l.get("dilationRate", 1)), bias=l.get("useBias", True))
            layers.append(conv)
            c = l["filters"]
        elif t == "maxPool2d":
            p = pair(l.get("poolSize", 2))
            if l.get("padding", "valid") != "valid":
                raise SystemExit("maxPool2d with 'same' padding has no PyTorch twin here")
            layers.append(nn.MaxPool2d(p, stride=pair(l.get("strides", l.get("poolSize", 2)))))
        elif t == "flatten":
            layers.append(nn.Flatten())
        elif t == "dense":
            layers.append(nn.LazyLinear(l["units"], bias=l.get("useBias", True)))
        else:
            raise SystemExit(f"no PyTorch twin for layer {t}")
        # The final softmax is fused into the loss (training) or applied after (inference), as in our engine.
        if act == "relu":
            layers.append(nn.ReLU())
    net = nn.Sequential(*layers)
    net(torch.zeros(1, model["input"]["shape"][2], h, w))  # sizes the lazy dense layers
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    last = model["layers"][-1]
    return net, last.get("activation") == "softmax"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--mode", choices=("train", "infer"), default="train")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(a.model, encoding="utf-8") as f:
        model = json.load(f)
    net, final_softmax = build(model)
    h, w, c = model["input"]["shape"]
    rng = mulberry32(a.seed + 1)
    # Our batch is NHWC; the same values, transposed to NCHW.
    xs = torch.tensor([rng() for _ in range(a.batch * h * w * c)], dtype=torch.float32)
    x = xs.reshape(a.batch, h, w, c).permute(0, 3, 1, 2).contiguous()
    classes = model["layers"][-1]["units"]
    labels = torch.tensor([int(rng() * classes) for _ in range(a.batch)], dtype=torch.long)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)

    if a.mode == "train":
        net.train()

        def step():
            opt.zero_grad(set_to_none=False)
            loss = F.cross_entropy(net(x), labels)
            loss.backward()
            opt.step()
            return loss.item()
    else:
        net.eval()

        def step():
            with torch.no_grad():
                y = net(x)
                if final_softmax:
                    y = torch.softmax(y, dim=1)
                return float(y.numpy()[0, 0])

    start = time.perf_counter()
    step()
    while time.perf_counter() - start < 1.0:
        step()
    rates = []
    for _ in range(a.runs):
        start = time.perf_counter()
        steps = 0
        while True:
            step()
            steps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= a.seconds:
                break
        rates.append(steps * a.batch / elapsed)
    print(json.dumps({
        "backend": f"PyTorch {torch.__version__} (CPU, {torch.get_num_threads()} threads, NCHW)",
        "samples_per_s": statistics.median(rates),
        "runs": rates,
        "threads": torch.get_num_threads(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()

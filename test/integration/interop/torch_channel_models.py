# Makes .onnx files with PyTorch (torch.onnx.export at opsets 13 and 17) of the patterns that import as multiply,
# layerNormalization and channelSlice, and the reference outputs.
# usage: python3 torch_channel_models.py OUT_DIR
# Writes, for each model and opset, NAME_OPSET.onnx, NAME_OPSET.json ({"trainable", "input": [N, C, H, W]}) and
# NAME_OPSET.io.bin: the float32 input then PyTorch's output, little-endian.
import json
import sys

import torch
from torch import nn
from torch.nn import functional as F


class SqueezeExcite(nn.Module):
    """A squeeze-and-excitation gate (pooled, two linears, sigmoid, gate[:, :, None, None]) and a spatial mask."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc1 = nn.Linear(8, 4)
        self.fc2 = nn.Linear(4, 8)
        self.mask = nn.Conv2d(8, 1, 1)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = self.conv(x)
        gate = torch.sigmoid(self.fc2(torch.relu(self.fc1(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))))
        x = x * gate[:, :, None, None]
        x = torch.sigmoid(self.mask(x)) * x
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class LayerNorms(nn.Module):
    """ConvNeXt's LayerNorm2d (permute, layer norm over channels, permute back), its layer scale (a constant
    [C, 1, 1] factor after a conv), and a layer norm of pooled features."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        self.pw = nn.Conv2d(8, 8, 1)
        self.layer_scale = nn.Parameter(torch.rand(8, 1, 1) + 0.5)
        self.head_norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = self.conv(x)
        x = self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        x = self.layer_scale * self.pw(x)
        return self.head(self.head_norm(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))


class ChannelSplit(nn.Module):
    """ShuffleNetV2's split (torch.split into halves), a slice of channels, concatenation."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 1)
        self.branch = nn.Conv2d(4, 4, 3, padding=1)
        self.head = nn.Linear(10, 5)

    def forward(self, x):
        x = self.conv(x)
        a, b = torch.split(x, [4, 4], dim=1)
        x = torch.cat([a, torch.relu(self.branch(b)), x[:, 5:7]], 1)
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def main(out_dir):
    torch.manual_seed(0)
    models = {"squeeze_excite": SqueezeExcite(), "layer_norms": LayerNorms(), "channel_split": ChannelSplit()}
    shape = [2, 3, 6, 7]
    for name, model in models.items():
        for p in model.parameters():
            p.data.uniform_(-0.8, 0.8) if p.dim() > 1 else p.data.uniform_(0.5, 1.5)
        model.eval()
        x = torch.randn(*shape)
        with torch.no_grad():
            y = model(x)
        for opset in (13, 17):
            stem = f"{out_dir}/{name}_{opset}"
            torch.onnx.export(model, x, f"{stem}.onnx", opset_version=opset, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
            with open(f"{stem}.json", "w") as f:
                json.dump({"trainable": sum(p.numel() for p in model.parameters()), "input": shape}, f)
            with open(f"{stem}.io.bin", "wb") as f:
                f.write(x.numpy().astype("<f4").tobytes())
                f.write(y.numpy().astype("<f4").tobytes())


if __name__ == "__main__":
    main(sys.argv[1])

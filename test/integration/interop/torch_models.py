# Makes .onnx files with PyTorch (torch.onnx.export, opset 17; acts_cnn also at 13) for the import test, and the
# reference outputs.
# usage: python3 torch_models.py OUT_DIR
# Writes, for each model, NAME.onnx, NAME.json ({"trainable", "nonTrainable", "input": [N, C, H, W]}) and
# NAME.io.bin: the float32 input then PyTorch's output, little-endian.
import json
import math
import sys

import torch
from torch import nn


class SmallCnn(nn.Module):
    """conv, batch norm, relu, max pool, flatten, linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc1 = nn.Linear(16 * 3 * 3, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.bn1(self.conv1(x))))
        x = self.pool(self.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        return self.fc2(self.relu(self.fc1(x)))


class ResidualCnn(nn.Module):
    """A stem, one basic residual block (the add shortcut), ReLU6 and SiLU, global average pooling, linear, softmax."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, stride=2, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(8)
        self.act0 = nn.ReLU6()
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.act1 = nn.SiLU()
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 16, 3, padding=1, groups=8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.act0(self.bn0(self.stem(x)))
        y = self.bn2(self.conv2(self.act1(self.bn1(self.conv1(x)))))
        x = torch.relu(x + y)
        x = torch.tanh(self.dw(x))
        x = torch.flatten(self.pool(x), 1)
        return torch.softmax(self.fc(x), dim=1)


class PoolCnn(nn.Module):
    """PyTorch's pooling windows: ResNet's padded max pool, GoogLeNet's ceil mode, a dilated max pool, average pools
    that count their padding (PyTorch's default) or not, in ceil mode."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 6, 7, stride=2, padding=3)
        self.pool1 = nn.MaxPool2d(3, stride=2, padding=1)
        self.pool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.pool3 = nn.MaxPool2d(2, stride=1, padding=1, dilation=2)
        self.pool4 = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.pool5 = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.fc = nn.Linear(6 * 4 * 4, 4)

    def forward(self, x):
        x = self.pool2(self.pool1(torch.relu(self.stem(x))))
        x = self.pool5(self.pool4(self.pool3(x)))
        return self.fc(torch.flatten(x, 1))


class GroupedCnn(nn.Module):
    """A ResNeXt-like bottleneck (1×1, grouped 3×3, grouped 1×1, the add shortcut), then a strided grouped 3×3."""

    def __init__(self):
        super().__init__()
        self.conv_a = nn.Conv2d(8, 16, 1, bias=False)
        self.bn_a = nn.BatchNorm2d(16)
        self.conv_b = nn.Conv2d(16, 16, 3, padding=1, groups=4, bias=False)
        self.bn_b = nn.BatchNorm2d(16)
        self.conv_c = nn.Conv2d(16, 8, 1, groups=2, bias=False)
        self.bn_c = nn.BatchNorm2d(8)
        self.down = nn.Conv2d(8, 12, 3, stride=2, groups=4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(12, 5)

    def forward(self, x):
        y = torch.relu(self.bn_a(self.conv_a(x)))
        y = torch.relu(self.bn_b(self.conv_b(y)))
        x = torch.relu(x + self.bn_c(self.conv_c(y)))
        x = torch.tanh(self.down(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class ActsCnn(nn.Module):
    """GELU (nn.GELU, and written out with the Mul by 0.5 first), Hardsigmoid, a channel shuffle with constant shapes,
    global pooling kept 1×1 for a 1×1 conv (squeeze-and-excitation's shape)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.gelu = nn.GELU()
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.hsig = nn.Hardsigmoid()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(8, 6, 1)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        x = self.gelu(self.conv1(x))
        x = x.reshape(-1, 2, 4, 8, 8).transpose(1, 2).reshape(-1, 8, 8, 8)
        x = self.conv2(x)
        x = 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
        x = self.pool(self.hsig(x))
        x = torch.relu(self.fc1(x))
        return self.fc(torch.flatten(x, 1))


def randomize_batch_norm(model):
    # Fresh running statistics are 0 and 1: make them (and the affine weights) matter.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)


def main(out_dir):
    torch.manual_seed(0)
    acts = ActsCnn()
    models = {
        "small_cnn": (SmallCnn(), [2, 3, 16, 16], 17),
        "residual_cnn": (ResidualCnn(), [2, 1, 12, 12], 17),
        "grouped_cnn": (GroupedCnn(), [2, 8, 10, 10], 17),
        "pool_cnn": (PoolCnn(), [2, 3, 48, 48], 17),
        "acts_cnn_13": (acts, [2, 3, 8, 8], 13),
        "acts_cnn_17": (acts, [2, 3, 8, 8], 17),
    }
    for name, (model, shape, opset) in models.items():
        randomize_batch_norm(model)
        model.eval()
        x = torch.randn(*shape)
        with torch.no_grad():
            y = model(x)
        # PRESERVE keeps batch norm as its own node (EVAL would fold it into the conv before it).
        torch.onnx.export(model, x, f"{out_dir}/{name}.onnx", opset_version=opset, input_names=["x"], output_names=["y"],
                          training=torch.onnx.TrainingMode.PRESERVE, dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        # Batch norm's running mean and variance, as Keras counts them (not num_batches_tracked, a step counter).
        stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith("running_mean") or n.endswith("running_var"))
        with open(f"{out_dir}/{name}.json", "w") as f:
            json.dump({"trainable": trainable, "nonTrainable": stats, "input": shape}, f)
        with open(f"{out_dir}/{name}.io.bin", "wb") as f:
            f.write(x.numpy().astype("<f4").tobytes())
            f.write(y.numpy().astype("<f4").tobytes())


if __name__ == "__main__":
    main(sys.argv[1])

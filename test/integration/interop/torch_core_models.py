# Makes .onnx files with PyTorch for the importer-core test: what real exporters write around the layers. One module,
# exported at opsets 13 and 17, batch norm folded (TrainingMode.EVAL) and kept (PRESERVE), and without constant folding
# (do_constant_folding=False), batch dynamic:
#   x.view(x.size(0), -1)        Shape/Gather/Unsqueeze/Concat arithmetic feeding a Reshape (NCHW feature order)
#   x.mean([2, 3], keepdim=...)  ReduceMean over height and width, keepdims 1 and 0
#   permute + nn.Linear + permute ConvNeXt's channels-last linear layers (MatMul + Add on [N, H, W, C])
#   1×1 convs on a pooled tensor  squeeze-and-excitation's layers
#   torch.cat([x], 1)            a Concat of one input (DenseNet)
#   (x - mean) / std             ImageNet's normalisation inside the model (Sub, Div by [1, 3, 1, 1] buffers)
# usage: python3 torch_core_models.py OUT_DIR
# Writes core-o<opset>-<folded|kept|unfolded>.onnx, core.json ({"trainable", "nonTrainable", "input"}) and core.io.bin (the
# float32 input, then PyTorch's output, little-endian).
import json
import sys

import torch
from torch import nn


class CoreNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.block = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 8))
        self.se = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 6, 1))
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 3 * 3, 6)
        self.fc2 = nn.Linear(8, 6)

    def forward(self, x):
        x = self.stem((x - self.mean) / self.std)
        x = torch.cat([x], 1)
        y = self.block(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        x = x + y
        gate = self.se(x.mean([2, 3], keepdim=True))
        features = self.pool(x)
        flat = features.view(features.size(0), -1)
        return self.fc(flat) + torch.flatten(gate, 1) + self.fc2(x.mean([2, 3]))


def main(out_dir):
    torch.manual_seed(0)
    model = CoreNet()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    model.eval()
    shape = [2, 3, 6, 6]
    x = torch.randn(*shape)
    with torch.no_grad():
        y = model(x)
    for opset in (13, 17):
        # "unfolded": without constant folding the weights reach MatMul through Transpose nodes.
        for bn, mode, fold in (("folded", torch.onnx.TrainingMode.EVAL, True), ("kept", torch.onnx.TrainingMode.PRESERVE, True),
                               ("unfolded", torch.onnx.TrainingMode.EVAL, False)):
            torch.onnx.export(model, x, f"{out_dir}/core-o{opset}-{bn}.onnx", opset_version=opset, input_names=["x"], output_names=["y"],
                              training=mode, do_constant_folding=fold, dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith("running_mean") or n.endswith("running_var"))
    with open(f"{out_dir}/core.json", "w") as f:
        json.dump({"trainable": trainable, "nonTrainable": stats, "input": shape}, f)
    with open(f"{out_dir}/core.io.bin", "wb") as f:
        f.write(x.numpy().astype("<f4").tobytes())
        f.write(y.numpy().astype("<f4").tobytes())


if __name__ == "__main__":
    main(sys.argv[1])

# Makes the .onnx files of the onnx-view scenario with PyTorch (torch.onnx.export, opset 17, batch norm folded):
# torchvision's resnet18 (random weights) as is, and with three ReLUs replaced by SELU, an operator CNN Studio does
# not convert. Beside each, NAME.json: what the onnx package reads in the file (node operators and names in order,
# the parameters of the float initializers), for the scenario to compare with the view.
# usage: python3 _resnet18_onnx.py OUT_DIR
import json
import sys

import onnx
import torch
import torchvision

FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16}


def export(model, path):
    x = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, x, path + '.onnx', opset_version=17, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    graph = onnx.load(path + '.onnx').graph
    params = sum(int(torch.tensor(list(t.dims)).prod().item()) if t.dims else 1 for t in graph.initializer if t.data_type in FLOAT_TYPES)
    with open(path + '.json', 'w') as f:
        json.dump({'ops': [n.op_type for n in graph.node], 'names': [n.name for n in graph.node], 'params': params}, f)


def main(out):
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    export(model, out + '/resnet18')
    # The stem's ReLU (one node) and the last block's (used twice: two nodes).
    model.relu = torch.nn.SELU()
    model.layer4[1].relu = torch.nn.SELU()
    export(model, out + '/resnet18-selu')


if __name__ == '__main__':
    main(sys.argv[1])

# A valid ONNX chain of N nodes for timing `cnn import` (scripts/torchvision-zoo/importTime.ts):
# usage: chain.py N OUT.onnx
# Input [1, 4, 8, 8]; then Conv 1×1 (4 → 4 channels, bias) and Relu in turn, N nodes in all; opset 17; checked by
# onnx.checker. Every node is a layer of ours, so the import's time is the importer's, not an error path's.
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CHANNELS = 4


def chain(n):
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    x = "input"
    for i in range(n):
        y = f"v{i}"
        if i % 2 == 0:
            w = numpy_helper.from_array(rng.uniform(-0.5, 0.5, (CHANNELS, CHANNELS, 1, 1)).astype(np.float32), f"conv{i}.weight")
            b = numpy_helper.from_array(rng.uniform(-0.1, 0.1, (CHANNELS,)).astype(np.float32), f"conv{i}.bias")
            inits += [w, b]
            nodes.append(helper.make_node("Conv", [x, w.name, b.name], [y], name=f"conv{i}", kernel_shape=[1, 1]))
        else:
            nodes.append(helper.make_node("Relu", [x], [y], name=f"relu{i}"))
        x = y
    graph = helper.make_graph(
        nodes,
        f"chain{n}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, CHANNELS, 8, 8])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, CHANNELS, 8, 8])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="chain.py")
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    onnx.save(chain(int(sys.argv[1])), sys.argv[2])

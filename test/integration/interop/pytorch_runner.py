# Runs exported model.py files for test/integration/interop/pytorchModel.test.ts, all in one process (torch takes seconds
# to import). argv[1] is a folder of cases: case/model.py, weights.safetensors, input.bin (float32 NHWC) and
# case.json ({"class": ..., "n": ..., "shape": [h, w, c]}). Writes output.bin (NHWC, or [N, units]), logits.bin
# (forward(x, logits=True)) and saved.safetensors (save_weights), and py_compiles every .py file of the case.
# Prints {"cases": [the name of every case it ran to the end]}.
import importlib.util
import json
import os
import py_compile
import sys

import numpy as np
import torch

torch.set_num_threads(1)
root = sys.argv[1]
ran = []
for name in sorted(os.listdir(root)):
    case = os.path.join(root, name)
    meta = json.load(open(os.path.join(case, "case.json")))
    for f in sorted(os.listdir(case)):
        if f.endswith(".py"):
            py_compile.compile(os.path.join(case, f), doraise=True)
    spec = importlib.util.spec_from_file_location(f"exported_{name}", os.path.join(case, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, meta["class"])()
    model.load_weights(os.path.join(case, "weights.safetensors"))
    model.eval()
    h, w, c = meta["shape"]
    x = np.fromfile(os.path.join(case, "input.bin"), dtype="<f4").reshape(meta["n"], h, w, c)
    with torch.no_grad():
        x = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
        for what, logits in (("output", False), ("logits", True)):
            y = model(x, logits=logits)
            if y.dim() == 4:
                y = y.permute(0, 2, 3, 1)
            y.contiguous().numpy().astype("<f4").tofile(os.path.join(case, f"{what}.bin"))
    model.save_weights(os.path.join(case, "saved.safetensors"), ["a", "b"])
    ran.append(name)
print(json.dumps({"cases": ran}))

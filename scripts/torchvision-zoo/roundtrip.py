# PyTorch's side of the round trips (roundTrips.ts): usage: roundtrip.py CASE_DIR
# CASE_DIR holds case.json ({"n", "labels", "eval": {"class"}, "train": {"class"}}), batch.bin (float32 NCHW, n
# images) and two exports by `cnn export --format pytorch` (the library function): eval/ (the imported model as it
# is) and train/ (its training variant: dropout off, a final softmax for the cross-entropy), each model.py +
# weights.safetensors. Writes
#   eval_logits.bin    eval/model.py's eval() forward on the batch, float32: to compare with the original network
#   grads.safetensors  d(mean cross-entropy)/d(parameter) of train/model.py in train() mode (batch norm on the
#                      batch's statistics), computed in float64 by autograd, in CNN Studio's names and layouts
#   grads32.safetensors  the same in float32: how far PyTorch's own float32 lands from float64 (context for ours)
#   gradsNudged{0,1}.safetensors  float64 again on the batch nudged by 1e-6 relative noise (seeded): how far the exact
#                      gradient moves under the rounding any float32 engine makes. Near a kink (a max-pool tie, a
#                      ReLU at 0) a parameter's gradient jumps (googlenet's inception4c.branch2.1 by 10 % at 64 px):
#                      no float32 result can be held closer than that.
# and prints {"loss": the float64 mean cross-entropy, "parameters": how many got a gradient, "nudgedLosses": the loss
# on each nudged batch}.
import importlib.util
import json
import os
import sys

import numpy as np
import torch


def load(folder, cls, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(folder, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, cls)()
    model.load_weights(os.path.join(folder, "weights.safetensors"))
    return module, model


def main():
    case = sys.argv[1]
    torch.set_num_threads(int(os.environ.get("ROUNDTRIP_TORCH_THREADS", "1")))
    meta = json.load(open(os.path.join(case, "case.json")))
    n = meta["n"]
    x = torch.from_numpy(np.fromfile(os.path.join(case, "batch.bin"), dtype="<f4").reshape(n, *meta["nchw"]))

    _, model = load(os.path.join(case, "eval"), meta["eval"]["class"], "roundtrip_eval")
    model.eval()
    with torch.no_grad():
        model(x).contiguous().numpy().astype("<f4").tofile(os.path.join(case, "eval_logits.bin"))
    del model

    labels = torch.tensor(meta["labels"], dtype=torch.long)
    result = {}
    # float64: autograd's gradients are then exact to ~1e-15, and the comparison measures our float32 error alone.
    nudged_losses = []
    noise = torch.Generator().manual_seed(5)
    nudged = [x.double() * (1 + 1e-6 * torch.randn(x.shape, generator=noise, dtype=torch.float64)) for _ in range(2)]
    runs = [(torch.float32, x, "grads32.safetensors")] + [(torch.float64, v, f"gradsNudged{i}.safetensors") for i, v in enumerate(nudged)]
    for dtype, batch, file in runs + [(torch.float64, x, "grads.safetensors")]:
        module, model = load(os.path.join(case, "train"), meta["train"]["class"], "roundtrip_train")
        model.to(dtype).train()
        loss = torch.nn.functional.cross_entropy(model(batch.to(dtype), logits=True), labels)
        loss.backward()
        params = dict(model.named_parameters())
        grads = {}
        for ours, theirs, layout, shape in module.WEIGHTS:
            p = params.get(theirs)  # batch norm's running statistics are buffers: no gradient
            if p is not None and p.requires_grad:
                grads[ours] = module.to_our_layout(p.grad.detach().double().numpy(), layout, shape)
        module.write_safetensors(os.path.join(case, file), grads, {"loss": repr(loss.item())})
        if file.startswith("gradsNudged"):
            nudged_losses.append(loss.item())
        result = {"loss": loss.item(), "parameters": len(grads), "nudgedLosses": nudged_losses}
        del model, grads, params
    print(json.dumps(result))


if __name__ == "__main__":
    main()

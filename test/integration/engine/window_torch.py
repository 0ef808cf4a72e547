# PyTorch's side of windowTorch.test.ts: each case's forward output (shape and values) and the gradients of
# sum(y * dy) with respect to x (and the conv's weight and bias), by torch's own conv2d / max_pool2d / avg_pool2d.
# Reads the cases (JSON) on stdin, writes the results (JSON) on stdout.
import json
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def run(c):
    x = torch.tensor(c['x']).reshape(c['xShape']).requires_grad_(True)
    top, bottom, left, right = c['pads']
    k, s, d = tuple(c['kernel']), tuple(c['stride']), tuple(c['dilation'])
    params = []
    if c['op'] == 'conv':
        w = torch.tensor(c['w']).reshape(c['wShape']).requires_grad_(True)
        b = torch.tensor(c['b']).requires_grad_(True)
        params = [w, b]
        if top == bottom and left == right:
            y = F.conv2d(x, w, b, s, (top, left), d, c['groups'])
        else:
            # PyTorch's convolutions pad symmetrically; uneven sides are F.pad's (left, right, top, bottom).
            y = F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, s, 0, d, c['groups'])
    elif c['op'] == 'max':
        y = F.max_pool2d(x, k, s, (top, left), d, ceil_mode=c['ceil'])
    else:
        y = F.avg_pool2d(x, k, s, (top, left), ceil_mode=c['ceil'], count_include_pad=c['countPad'])
    dy = torch.tensor(c['dy'][: y.numel()]).reshape(y.shape) if len(c['dy']) >= y.numel() else None
    out = {'id': c['id'], 'shape': list(y.shape), 'y': y.detach().flatten().tolist()}
    if dy is not None:
        grads = torch.autograd.grad((y * dy).sum(), [x, *params])
        out['dx'] = grads[0].flatten().tolist()
        if params:
            out['dw'] = grads[1].flatten().tolist()
            out['db'] = grads[2].flatten().tolist()
    return out


print(json.dumps([run(c) for c in json.load(sys.stdin)]))

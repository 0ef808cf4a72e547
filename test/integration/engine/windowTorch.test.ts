// PyTorch's window conventions, checked against PyTorch itself (python3, torch's conv2d / max_pool2d / avg_pool2d):
// explicit and uneven padding on convolutions, pools' padding left out of the window, ceil mode (with PyTorch's rule
// that the last window starts inside the input or the top/left padding), count_include_pad and pool dilation. For
// each case the output shape equals PyTorch's, and the forward output and the gradients (input, kernel, bias) agree
// to 1e-4. Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createLayer } from '../../../src/engine/layers';
import { createRng } from '../../../src/engine/rng';
import { tensor } from '../../../src/engine/tensor';
import { ceilAddsWindows } from '../../../src/model/geometry';
import type { Layer, Shape } from '../../../src/model/types';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { assertClose, infoFor } from '../../unit/engine/helpers';
import { debianPython, ROOT } from '../../unit/interop/helpers';

interface Case {
  readonly input: Shape;
  readonly layer: Layer;
}

const cases: Case[] = [
  { input: [7, 6, 3], layer: { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, padding: 1 } },
  { input: [7, 6, 2], layer: { type: 'conv2d', filters: 3, kernelSize: [3, 2], padding: [2, 1], dilationRate: [1, 2] } },
  { input: [6, 7, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 3, strides: 2, padding: [[0, 2], [1, 0]] } },
  { input: [5, 5, 2], layer: { type: 'conv2d', filters: 2, kernelSize: 1, padding: 2, useBias: true } },
  { input: [6, 7, 3], layer: { type: 'depthwiseConv2d', kernelSize: 3, strides: 2, padding: 1, depthMultiplier: 2 } },
  { input: [6, 6, 2], layer: { type: 'depthwiseConv2d', kernelSize: 3, padding: [[2, 0], [0, 1]], dilationRate: 2 } },
  // ResNet's stem pool, GoogLeNet's ceil-mode pools, SqueezeNet's.
  { input: [9, 8, 3], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1 } },
  { input: [8, 10, 2], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true } },
  { input: [7, 7, 2], layer: { type: 'maxPool2d', poolSize: 3, strides: 1, padding: 1, ceilMode: true } },
  // The last window would start in the bottom/right padding: PyTorch drops it.
  { input: [5, 5, 2], layer: { type: 'maxPool2d', poolSize: 2, strides: 2, padding: 1, ceilMode: true } },
  { input: [9, 8, 2], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, padding: [1, 0], dilationRate: 2, ceilMode: true } },
  { input: [7, 6, 2], layer: { type: 'maxPool2d', poolSize: [2, 3], strides: [1, 2], dilationRate: [2, 1] } },
  { input: [7, 8, 3], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, countIncludePad: true } },
  { input: [7, 8, 3], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1 } },
  // Ceil mode's last window reaches past the padding: those cells are never counted.
  { input: [8, 6, 2], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true } },
  { input: [8, 6, 2], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, ceilMode: true } },
  { input: [5, 5, 2], layer: { type: 'avgPool2d', poolSize: 2, strides: 2, padding: 1, ceilMode: true, countIncludePad: true } },
  { input: [8, 6, 2], layer: { type: 'avgPool2d', poolSize: [3, 2], strides: [2, 1], padding: [1, 1], ceilMode: true, countIncludePad: true } },
  { input: [7, 7, 2], layer: { type: 'avgPool2d', poolSize: 2, strides: 2, ceilMode: true } },
];

const N = 2;

/** NHWC (ours) ↔ NCHW (PyTorch's). */
function toNchw(v: Float32Array, n: number, h: number, w: number, c: number): number[] {
  const out = new Array<number>(v.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = v[((b * h + y) * w + x) * c + k]!;
  return out;
}

interface TorchResult {
  readonly id: number;
  readonly shape: number[];
  readonly y: number[];
  readonly dx?: number[];
  readonly dw?: number[];
  readonly db?: number[];
}

describe('window conventions against PyTorch (explicit padding, ceil mode, count_include_pad, pool dilation)', function () {
  this.timeout(300_000);
  const rng = createRng(18);
  const runs = cases.map((c, id) => {
    const info = infoFor(c.input, c.layer);
    const layer = createLayer(info, rng.fork());
    const [h, w, ch] = c.input as [number, number, number];
    const x = tensor([N, h, w, ch]);
    x.data.forEach((_, i) => (x.data[i] = 2 * rng.next() - 1));
    for (const p of layer.params) p.value.forEach((_, i) => (p.value[i] = 2 * rng.next() - 1));
    const y = layer.forward(x, true);
    const yData = y.data.slice();
    const dy = tensor(y.shape);
    dy.data.forEach((_, i) => (dy.data[i] = 2 * rng.next() - 1));
    for (const p of layer.params) p.grad.fill(0);
    const dx = layer.backward(dy).data.slice();
    const win = info.window!;
    const [oh, ow, oc] = info.outputShape as [number, number, number];
    const param = (suffix: string): Float32Array | undefined => layer.params.find((p) => p.name.endsWith(suffix))?.value;
    const grad = (suffix: string): Float32Array | undefined => layer.params.find((p) => p.name.endsWith(suffix))?.grad;
    const kernel = param('.kernel');
    const depthwise = c.layer.type === 'depthwiseConv2d';
    // Kernels [kh, kw, in, out] (depthwise: [kh, kw, C, mult], out channel c·mult + m) → PyTorch's [out, in/groups, kh, kw].
    const torchKernel = (k: Float32Array): number[] => {
      const cin = depthwise ? 1 : ch;
      const out = new Array<number>(k.length);
      for (let ky = 0; ky < win.kh; ky++) for (let kx = 0; kx < win.kw; kx++) for (let i = 0; i < ch; i++) for (let o = 0; o < (depthwise ? oc / ch : oc); o++) {
        const ours = ((ky * win.kw + kx) * ch + i) * (depthwise ? oc / ch : oc) + o;
        const oOut = depthwise ? i * (oc / ch) + o : o, iIn = depthwise ? 0 : i;
        out[((oOut * cin + iIn) * win.kh + ky) * win.kw + kx] = k[ours]!;
      }
      return out;
    };
    const pool = c.layer.type === 'maxPool2d' || c.layer.type === 'avgPool2d';
    const request = {
      id, op: c.layer.type === 'maxPool2d' ? 'max' : c.layer.type === 'avgPool2d' ? 'avg' : 'conv',
      xShape: [N, ch, h, w], x: toNchw(x.data, N, h, w, ch), dy: toNchw(dy.data, N, oh, ow, oc),
      pads: [win.padTop, win.padBottom, win.padLeft, win.padRight], kernel: [win.kh, win.kw], stride: [win.sh, win.sw], dilation: [win.dh, win.dw],
      ceil: pool && (c.layer as { ceilMode?: boolean }).ceilMode === true, countPad: c.layer.type === 'avgPool2d' && c.layer.countIncludePad === true,
      ...(kernel ? { w: torchKernel(kernel), wShape: [oc, depthwise ? 1 : ch, win.kh, win.kw], b: Array.from(param('.bias') ?? new Float32Array(oc)), groups: depthwise ? ch : 1 } : {}),
    };
    const expected = { y: toNchw(yData, N, oh, ow, oc), dx: toNchw(dx, N, h, w, ch), dw: kernel && torchKernel(grad('.kernel')!), db: kernel && Array.from(grad('.bias') ?? []) };
    return { c, request, expected, shape: [N, oc, oh, ow], adds: ceilAddsWindows(win) };
  });
  let results: TorchResult[] = [];

  before(function () {
    const python = debianPython(['torch']);
    if (!python.ok) skipUnavailable(this, python.why);
    const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/integration/engine/window_torch.py')], {
      timeout: CHILD_TIMEOUT_MS,
      input: JSON.stringify(runs.map((run) => run.request)), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, maxBuffer: 1 << 26,
    });
    assert.equal(r.status, 0, r.stderr);
    results = JSON.parse(r.stdout) as TorchResult[];
  });

  runs.forEach((run, i) => {
    const { type, ...fields } = run.c.layer;
    it(`${type} ${JSON.stringify(fields)} on ${run.c.input.join('×')}: PyTorch's shape, outputs and gradients`, () => {
      const theirs = results[i]!;
      assert.deepEqual(theirs.shape, run.shape, 'output shape [N, C, H, W]');
      assertClose(Float32Array.from(run.expected.y), Float64Array.from(theirs.y), 1e-4, 'forward');
      assertClose(Float32Array.from(run.expected.dx), Float64Array.from(theirs.dx!), 1e-4, 'dL/dx');
      if (run.expected.dw) assertClose(Float32Array.from(run.expected.dw), Float64Array.from(theirs.dw!), 1e-4, 'dL/dkernel');
      if (run.expected.db && run.expected.db.length) assertClose(Float32Array.from(run.expected.db), Float64Array.from(theirs.db!), 1e-4, 'dL/dbias');
    });
  });

  it('includes windows that ceil mode adds, and a last window that PyTorch\'s rule drops', () => {
    assert.ok(runs.filter((r) => r.request.ceil && r.adds).length >= 5);
    assert.ok(runs.some((r) => r.request.ceil && !r.adds));
  });
});

// tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel, so the gradient of any conv2d throws on it.
// For a fair comparison we register one for 'wasm' built from the backend's own (XNNPACK) ops, and check it
// against tfjs-cpu's kernel before any timing. Two formulations, selectable for measuring; the default is the
// faster one on the benchmark models:
// - 'conv': dW[a,b,c,o] = Σ_{n,i,j} xpad[n, i·s+a, j·s+b, c]·dy[n,i,j,o] is itself a stride-1 conv2d of x with
//   batch and channels swapped ([c, H, W, n]) by dy as the filter ([oh, ow, n, o]), dilated by the stride;
// - 'im2col': the kh·kw shifted windows of the padded x stacked into [n·oh·ow, kh·kw·c], times dy [n·oh·ow, o].
import * as tf from '@tensorflow/tfjs-core';

export type FilterGradStrategy = 'conv' | 'im2col';

const KERNEL = 'Conv2DBackpropFilter';

export function conv2DBackpropFilterFromOps(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: tf.Conv2DBackpropFilterAttrs, strategy: FilterGradStrategy): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') throw new Error(`${KERNEL} for wasm: NCHW is not supported`);
  const [kh, kw, ci, co] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { top, bottom, left, right } = info.padInfo;
  const [n] = x.shape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  return tf.tidy(() => {
    if (strategy === 'conv') {
      const xT = tf.transpose(x, [3, 1, 2, 0]);
      const dyT = tf.transpose(dy, [1, 2, 0, 3]);
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
      // The result is at least kh × kw (more when the stride leaves unused rows at the bottom/right): cut to size.
      const r = tf.conv2d(xT, dyT, 1, pad, 'NHWC', [sh, sw]);
      return tf.transpose(tf.slice(r, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
    }
    const xp = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    const windows: tf.Tensor[] = [];
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        windows.push(tf.stridedSlice(xp, [0, a, b, 0], [n, a + (oh - 1) * sh + 1, b + (ow - 1) * sw + 1, ci], [1, sh, sw, 1]));
      }
    }
    const cols = tf.reshape(tf.stack(windows, 3), [n * oh * ow, kh * kw * ci]);
    const dW = tf.matMul(cols, tf.reshape(dy, [n * oh * ow, co]), true, false);
    return tf.reshape(dW, [kh, kw, ci, co]);
  });
}

/** Registers the kernel for the 'wasm' backend (call before tf.setBackend('wasm')); idempotent. */
export function registerWasmConv2DBackpropFilter(strategy: FilterGradStrategy = 'conv'): void {
  if (tf.getKernel(KERNEL, 'wasm')) tf.unregisterKernel(KERNEL, 'wasm');
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      // The op hands its input tensors through. Wrapping a bare TensorInfo instead (engine.makeTensorFromTensorInfo)
      // would not hold a reference on the wasm backend, so disposing the wrapper would free the input's memory.
      const { x, dy } = inputs;
      if (!(x instanceof tf.Tensor) || !(dy instanceof tf.Tensor)) throw new Error(`${KERNEL} for wasm: expected tensors as inputs`);
      // Ops run inside a kernel are not recorded on the gradient tape (the engine's kernelDepth): to tfjs this is a
      // plain kernel; its intermediates are disposed by the tidy in conv2DBackpropFilterFromOps.
      return conv2DBackpropFilterFromOps(x as tf.Tensor4D, dy as tf.Tensor4D, attrs as unknown as tf.Conv2DBackpropFilterAttrs, strategy);
    },
  });
}

interface FilterCase {
  readonly x: [number, number, number, number];
  readonly k: [number, number];
  readonly co: number;
  readonly strides: [number, number];
  readonly pad: 'same' | 'valid';
}

/** Odd sizes, both paddings, strides 1 and 2, rectangular kernels, and the benchmark models' layers (smaller: tfjs-cpu's
 *  reference kernel runs at about 5 M multiply-adds per second). */
const CASES: readonly FilterCase[] = [
  { x: [1, 5, 5, 1], k: [3, 3], co: 1, strides: [1, 1], pad: 'valid' },
  { x: [3, 7, 9, 2], k: [3, 3], co: 5, strides: [1, 1], pad: 'same' },
  { x: [2, 9, 7, 3], k: [5, 3], co: 4, strides: [2, 2], pad: 'same' },
  { x: [3, 11, 10, 3], k: [3, 4], co: 7, strides: [2, 1], pad: 'valid' },
  { x: [2, 8, 8, 4], k: [2, 2], co: 3, strides: [2, 2], pad: 'valid' },
  { x: [4, 28, 28, 1], k: [5, 5], co: 8, strides: [1, 1], pad: 'same' },
  { x: [2, 14, 14, 8], k: [5, 5], co: 16, strides: [1, 1], pad: 'same' },
  { x: [1, 32, 32, 3], k: [3, 3], co: 32, strides: [1, 1], pad: 'same' },
  { x: [1, 8, 8, 64], k: [3, 3], co: 64, strides: [1, 1], pad: 'same' },
];

function filterGrad(backend: string, x: Float32Array, dy: Float32Array, c: FilterCase, dyShape: [number, number, number, number]): Float32Array {
  return tf.tidy(() => {
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k[0], c.k[1], c.x[3], c.co] };
    const out = tf.engine().runKernel(KERNEL, { x: tf.tensor4d(x, c.x), dy: tf.tensor4d(dy, dyShape) }, attrs) as tf.Tensor;
    if (tf.getBackend() !== backend) throw new Error(`expected the ${backend} backend`);
    return out.dataSync() as Float32Array;
  });
}

/** Compares the registered wasm kernel with tfjs-cpu's on CASES (both backends must be registered); throws
 *  beyond 1e-4 relative to the largest reference value. Leaves the cpu backend active. */
export async function checkConv2DBackpropFilter(seed = 7): Promise<{ cases: number; maxRelativeError: number }> {
  let worst = 0;
  let s = seed;
  for (const c of CASES) {
    const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.co], c.strides, 1, c.pad);
    const dyShape: [number, number, number, number] = [c.x[0], info.outHeight, info.outWidth, c.co];
    const x = tf.tidy(() => tf.randomUniform(c.x, -1, 1, 'float32', s++).dataSync() as Float32Array);
    const dy = tf.tidy(() => tf.randomUniform(dyShape, -1, 1, 'float32', s++).dataSync() as Float32Array);
    await tf.setBackend('wasm');
    const got = filterGrad('wasm', x, dy, c, dyShape);
    await tf.setBackend('cpu');
    const want = filterGrad('cpu', x, dy, c, dyShape);
    const rel = relativeError(got, want);
    if (!(rel <= 1e-4)) {
      throw new Error(`${KERNEL} for wasm disagrees with tfjs-cpu on x ${c.x.join('×')}, kernel ${c.k.join('×')}→${c.co}, strides ${c.strides.join(',')}, ${c.pad}: relative error ${rel}`);
    }
    worst = Math.max(worst, rel);
  }
  worst = Math.max(worst, await checkThroughGradients(s));
  return { cases: CASES.length + 1, maxRelativeError: worst };
}

function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
  }
  return got.length === want.length ? diff / Math.max(scale, 1e-30) : Infinity;
}

/** The path training takes: the gradients of a fused conv2d + bias + ReLU, computed twice in a row (the second
 *  time would differ if the kernel had released its inputs' memory), on wasm and on cpu. */
async function checkThroughGradients(seed: number): Promise<number> {
  const xs = tf.tidy(() => tf.randomUniform([3, 9, 9, 3], 0, 1, 'float32', seed).dataSync() as Float32Array);
  const ws = tf.tidy(() => tf.randomUniform([3, 3, 3, 5], -0.5, 0.5, 'float32', seed + 1).dataSync() as Float32Array);
  const bs = tf.tidy(() => tf.randomUniform([5], -0.1, 0.1, 'float32', seed + 2).dataSync() as Float32Array);
  const grads = (backend: string): Float32Array[] => {
    const x = tf.tensor4d(xs, [3, 9, 9, 3]);
    const w = tf.tensor4d(ws, [3, 3, 3, 5]);
    const b = tf.tensor1d(bs);
    const f = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }))));
    let out: Float32Array[] = [];
    for (let i = 0; i < 2; i++) {
      const g = f([x, w, b]);
      out = g.map((t) => t.dataSync() as Float32Array);
      tf.dispose(g);
    }
    tf.dispose([x, w, b]);
    if (tf.getBackend() !== backend) throw new Error(`expected the ${backend} backend`);
    return out;
  };
  await tf.setBackend('wasm');
  const got = grads('wasm');
  await tf.setBackend('cpu');
  const want = grads('cpu');
  const rel = Math.max(...got.map((g, i) => relativeError(g, want[i]!)));
  if (!(rel <= 1e-4)) throw new Error(`conv2d gradients on wasm (with the registered ${KERNEL}) disagree with tfjs-cpu: relative error ${rel}`);
  return rel;
}

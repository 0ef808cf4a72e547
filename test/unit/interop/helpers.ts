// Shared by the ONNX tests: example, random and per-layer-type models, their networks and weights, ONNX Runtime,
// Debian's Python.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng, type Rng } from '../../../src/engine/rng';
import { LAYER_DEFS } from '../../../src/model/layers';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import { LAYER_TYPES } from '../../../src/model/spec';
import { MODEL_FORMAT, MODEL_INPUT, type ActivationName, type Layer, type LayerType, type Model } from '../../../src/model/types';
import { ROOT } from '../model/helpers';
import { CHILD_TIMEOUT_MS } from '../availability';

export { ROOT };

/** The one example that is broken on purpose (it shows the editor's errors); every other example must parse. */
export const BROKEN_EXAMPLE = 'broken.cnn.json';

/**
 * Every example but examples/broken.cnn.json, parsed. An example that does not parse throws, naming its errors
 * (at load time when a suite lists its cases from this), so it fails the tests instead of dropping out of them.
 */
export function exampleModels(): { readonly file: string; readonly model: Model }[] {
  const dir = join(ROOT, 'examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cnn.json') && f !== BROKEN_EXAMPLE)
    .sort()
    .map((f) => {
      const parsed = parseModelText(readFileSync(join(dir, f), 'utf8'));
      if (!parsed.model) {
        const errors = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.path.join('.') || '(file)'}: ${d.message}`);
        throw new Error(`examples/${f} does not parse (only ${BROKEN_EXAMPLE} may be broken): ${errors.join('; ')}`);
      }
      return { file: join(dir, f), model: parsed.model };
    });
}

export function networkOf(model: Model, seed = 1): Network {
  return buildNetwork(model, analyze(model.input.shape, model.layers), seed);
}

/** A copy of every parameter, by name. */
export function weightsOf(net: Network): Map<string, Float32Array> {
  return new Map(net.params.map((p) => [p.name, Float32Array.from(p.value)]));
}

/** Every parameter set to random values, batch-norm variances positive, so nothing is a fresh 0 or 1. */
export function randomizeWeights(net: Network, rng: Rng): void {
  for (const p of net.params) {
    const v = p.value;
    const variance = p.name.endsWith('.movingVariance');
    for (let i = 0; i < v.length; i++) v[i] = variance ? 0.5 + rng.next() : (2 * rng.next() - 1) * 0.5;
  }
}

export function randomInput(model: Model, n: number, rng: Rng): Float32Array {
  const [h, w, c] = model.input.shape;
  return Float32Array.from({ length: n * h * w * c }, () => 2 * rng.next() - 1);
}

export function engineOutput(net: Network, model: Model, x: Float32Array, n: number): Float32Array {
  return Float32Array.from(net.forward({ shape: [n, ...model.input.shape], data: x }, false).data);
}

export async function ortOutput(bytes: Uint8Array, x: Float32Array, dims: readonly number[], input = 'input'): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [input]: new ort.Tensor('float32', x, [...dims]) });
    const out = result[session.outputNames[0]!]!;
    return { data: Float32Array.from(out.data as Float32Array), dims: out.dims };
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Debian's Python with the given modules, or why it cannot be used (for skipUnavailable: in CI a failure). */
export function debianPython(modules: readonly string[]): { ok: true } | { ok: false; why: string } {
  const r = spawnSync('/usr/bin/python3', ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  if (r.status === 0) return { ok: true };
  const why = `/usr/bin/python3 cannot import ${modules.join(', ')} (apt-get install -y ${modules.map((m) => `python3-${m}`).join(' ')}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return { ok: false, why };
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;
const ACTS: ActivationName[] = ['linear', 'relu', 'leakyRelu', 'sigmoid', 'tanh', 'softmax'];

/** Grouped convolutions (conv2d `groups`) for the export tests: a ResNeXt-like bottleneck with a shortcut, and a chain
 *  with a strided 'same' (asymmetric) grouped conv, a dilated one with groups = channels and a grouped 1×1. */
export function groupedModels(): Model[] {
  return [
    {
      format: MODEL_FORMAT, name: 'grouped_bottleneck', input: { shape: [8, 8, 8] },
      layers: [
        { type: 'conv2d', filters: 16, kernelSize: 1, activation: 'relu' },
        { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', groups: 4, activation: 'relu' },
        { type: 'conv2d', name: 'project', filters: 8, kernelSize: 1, groups: 2, useBias: false },
        { type: 'add', inputs: ['project', MODEL_INPUT] },
        { type: 'relu' },
        { type: 'globalAvgPool2d' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
    },
    {
      format: MODEL_FORMAT, name: 'grouped_chain', input: { shape: [9, 7, 6] },
      layers: [
        { type: 'conv2d', filters: 9, kernelSize: 3, strides: 2, padding: 'same', groups: 3, activation: 'tanh' },
        { type: 'conv2d', filters: 9, kernelSize: [2, 3], dilationRate: 2, padding: 'same', groups: 9 },
        { type: 'batchNorm' },
        { type: 'conv2d', filters: 6, kernelSize: 1, groups: 3, useBias: false, activation: 'sigmoid' },
        { type: 'flatten' },
        { type: 'dense', units: 4 },
      ],
    },
  ];
}

/** A random valid chain of every layer type the chain engine has, with dilation, strides and both paddings. */
export function randomChainModel(rng: Rng, index: number): Model {
  for (;;) {
    const input = [6 + rng.int(8), 6 + rng.int(8), 1 + rng.int(3)] as const;
    const layers: Layer[] = [];
    for (let b = 1 + rng.int(3); b > 0; b--) {
      const padding = pick(rng, ['valid', 'same'] as const);
      const k = 1 + rng.int(3);
      const strides = rng.next() < 0.3 ? ([1 + rng.int(2), 1 + rng.int(2)] as const) : 1 + rng.int(2);
      const dilationRate = rng.next() < 0.25 ? 2 : 1;
      if (rng.next() < 0.65) {
        layers.push({ type: 'conv2d', filters: 1 + rng.int(5), kernelSize: rng.next() < 0.2 ? [k, 1 + rng.int(3)] : k, strides: dilationRate > 1 ? 1 : strides, dilationRate, padding, useBias: rng.next() < 0.8, activation: pick(rng, ACTS) });
      } else {
        layers.push({ type: 'depthwiseConv2d', kernelSize: k, strides: dilationRate > 1 ? 1 : strides, dilationRate, padding, depthMultiplier: 1 + rng.int(2), useBias: rng.next() < 0.8, activation: pick(rng, ACTS) });
      }
      if (rng.next() < 0.4) layers.push({ type: 'batchNorm', epsilon: pick(rng, [0.001, 0.01]) });
      if (rng.next() < 0.3) layers.push(rng.next() < 0.5 ? { type: 'leakyRelu', alpha: pick(rng, [0.1, 0.3]) } : { type: pick(rng, ['relu', 'tanh', 'sigmoid', 'softmax'] as const) });
      if (rng.next() < 0.2) layers.push({ type: 'dropout', rate: 0.3 });
      if (rng.next() < 0.4) layers.push({ type: rng.next() < 0.5 ? 'maxPool2d' : 'avgPool2d', poolSize: 2 + rng.int(2), ...(rng.next() < 0.5 ? { strides: 1 + rng.int(2) } : {}), padding: pick(rng, ['valid', 'same'] as const) });
    }
    const head = rng.int(4);
    if (head < 3) {
      layers.push(pick(rng, [{ type: 'flatten' }, { type: 'globalAvgPool2d' }, { type: 'globalMaxPool2d' }] as const));
      if (rng.next() < 0.4) layers.push({ type: 'batchNorm' });
      if (rng.next() < 0.5) layers.push({ type: 'dense', units: 2 + rng.int(6), activation: pick(rng, ACTS) });
      layers.push({ type: 'dense', units: 2 + rng.int(4), activation: pick(rng, ['softmax', 'linear', 'sigmoid'] as const) });
    }
    // head 3: the model ends on an image (the output is transposed back to NHWC).
    const model: Model = { format: MODEL_FORMAT, name: `random_${index}`, input: { shape: input }, layers };
    if (analyze(input, layers).ok) return model;
  }
}

/** Small models of PyTorch's window conventions: explicit (uneven) padding on each convolution, pools' padding left
 *  out, ceil mode (windows added; a last window dropped by PyTorch's rule; both in one pool), counted padding, pool
 *  dilation, padding over half the pool window. Each model ends on the image. */
export function windowModels(): Model[] {
  const models: [string, readonly [number, number, number], Layer[]][] = [
    ['conv_uneven', [7, 8, 2], [{ type: 'conv2d', filters: 3, kernelSize: 3, strides: 2, padding: [[0, 2], [1, 0]], activation: 'relu' }]],
    ['conv_sym', [7, 8, 2], [{ type: 'conv2d', filters: 3, kernelSize: [3, 2], padding: [2, 1], dilationRate: [1, 2] }]],
    ['depthwise_pad', [7, 8, 3], [{ type: 'depthwiseConv2d', kernelSize: 3, strides: 2, padding: 1, depthMultiplier: 2 }]],
    ['separable_pad', [7, 8, 3], [{ type: 'separableConv2d', filters: 4, kernelSize: 3, padding: [[1, 0], [2, 1]] }]],
    ['max_resnet', [9, 8, 2], [{ type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1 }]],
    ['max_ceil', [8, 10, 2], [{ type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true }]],
    ['max_ceil_adds_and_drops', [8, 5, 2], [{ type: 'maxPool2d', poolSize: [3, 2], strides: 2, padding: 1, ceilMode: true }]],
    ['max_dilated_uneven_ceil', [9, 9, 2], [{ type: 'maxPool2d', poolSize: 2, strides: 2, padding: [[1, 0], [0, 1]], dilationRate: 2, ceilMode: true }]],
    ['max_wide_pad', [6, 6, 2], [{ type: 'maxPool2d', poolSize: 3, strides: 1, padding: 2 }]],
    ['avg_count', [7, 8, 3], [{ type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, countIncludePad: true }]],
    ['avg_count_ceil', [8, 6, 2], [{ type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true }]],
    ['avg_uneven_ceil', [7, 8, 2], [{ type: 'avgPool2d', poolSize: 3, strides: 2, padding: [[1, 0], [0, 2]], ceilMode: true }]],
    ['avg_uneven_count_ceil', [7, 8, 2], [{ type: 'avgPool2d', poolSize: 3, strides: 2, padding: [[1, 0], [0, 2]], ceilMode: true, countIncludePad: true }]],
    ['avg_wide_pad', [6, 6, 2], [{ type: 'avgPool2d', poolSize: 3, strides: 1, padding: 2 }]],
    ['avg_ceil_adds_and_drops', [8, 5, 2], [{ type: 'avgPool2d', poolSize: [3, 2], strides: 2, padding: 1, ceilMode: true, countIncludePad: true }]],
  ];
  return models.map(([name, shape, layers]) => {
    const model: Model = { format: MODEL_FORMAT, name: `window_${name}`, input: { shape }, layers };
    assert.ok(analyze(shape, layers).ok, name);
    return model;
  });
}

export const rngFor = (seed: number): Rng => createRng(seed);

const GRAPH_ACTS: ActivationName[] = ['linear', 'relu', 'relu6', 'swish', 'leakyRelu', 'tanh'];

/**
 * A random valid graph: residual blocks (add, with a projection when the shapes differ), concatenated branches
 * (conv and separable conv), zero padding, relu6 and swish as layers and as activations, flat merges at the head.
 */
export function randomGraphModel(rng: Rng, index: number): Model {
  for (;;) {
    const input = [6 + rng.int(6), 6 + rng.int(6), 1 + rng.int(3)] as const;
    const layers: Layer[] = [];
    let id = 0;
    // The name of the current tail, giving the last layer a name when it has none.
    const tail = (): string => {
      if (layers.length === 0) return 'input';
      const last = layers[layers.length - 1]!;
      if (!last.name) layers[layers.length - 1] = { ...last, name: `n${id++}` };
      return layers[layers.length - 1]!.name!;
    };
    for (let b = 1 + rng.int(3); b > 0; b--) {
      const kind = rng.int(4);
      const from = tail();
      const filters = 1 + rng.int(4);
      if (kind === 0) {
        layers.push({ type: 'conv2d', inputs: [from], filters, kernelSize: 3, padding: 'same', activation: pick(rng, GRAPH_ACTS) });
        if (rng.next() < 0.5) layers.push({ type: 'batchNorm' });
        layers.push({ type: 'conv2d', filters, kernelSize: 1 + 2 * rng.int(2), padding: 'same', name: `n${id++}` });
        const y = layers[layers.length - 1]!.name!;
        // The shortcut, projected by a 1×1 conv to the same filters.
        layers.push({ type: 'conv2d', inputs: [from], filters, kernelSize: 1, useBias: false, name: `n${id++}` });
        layers.push({ type: 'add', inputs: [layers[layers.length - 1]!.name!, y] });
        layers.push({ type: pick(rng, ['relu', 'relu6', 'swish'] as const) });
      } else if (kind === 1) {
        layers.push({ type: 'conv2d', inputs: [from], filters, kernelSize: 1 + rng.int(3), padding: 'same', activation: pick(rng, GRAPH_ACTS), name: `n${id++}` });
        const a = layers[layers.length - 1]!.name!;
        layers.push({ type: 'separableConv2d', inputs: [from], filters: 1 + rng.int(4), kernelSize: 1 + rng.int(3), padding: 'same', depthMultiplier: 1 + rng.int(2), useBias: rng.next() < 0.7, activation: pick(rng, GRAPH_ACTS), name: `n${id++}` });
        layers.push({ type: 'concatenate', inputs: [a, layers[layers.length - 1]!.name!, ...(rng.next() < 0.3 ? [from] : [])] });
      } else if (kind === 2) {
        const padding = pick(rng, [1, [1, 2], [[0, 1], [2, 0]]] as const);
        layers.push({ type: 'zeroPadding2D', padding });
        layers.push({ type: 'separableConv2d', filters, kernelSize: 2 + rng.int(2), strides: 1 + rng.int(2), dilationRate: 1, activation: pick(rng, GRAPH_ACTS) });
      } else {
        layers.push({ type: 'depthwiseConv2d', kernelSize: 3, padding: 'same', activation: pick(rng, ['relu6', 'swish'] as const) });
        layers.push({ type: pick(rng, ['relu6', 'swish', 'sigmoid'] as const) });
        if (rng.next() < 0.5) layers.push({ type: 'maxPool2d', poolSize: 2, padding: 'same' });
      }
    }
    // A flat merge at the head: two poolings of the same features, concatenated or added.
    const features = tail();
    layers.push({ type: 'globalAvgPool2d', inputs: [features], name: `n${id++}` });
    const avg = layers[layers.length - 1]!.name!;
    layers.push({ type: 'globalMaxPool2d', inputs: [features], name: `n${id++}` });
    layers.push({ type: rng.next() < 0.5 ? 'add' : 'concatenate', inputs: [avg, layers[layers.length - 1]!.name!] });
    layers.push({ type: 'dense', units: 2 + rng.int(4), activation: 'softmax' });
    const model: Model = { format: MODEL_FORMAT, name: `graph_${index}`, input: { shape: input }, layers };
    if (analyze(input, layers).ok) return model;
  }
}

/** A few real training steps (Adam on random images and labels), so the weights are what training makes of them. */
export function trainSteps(net: Network, model: Model, rng: Rng, steps = 3, n = 4): void {
  const optimizer = createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params);
  const classes = net.outputShape[net.outputShape.length - 1]!;
  for (let s = 0; s < steps; s++) {
    const x = randomInput(model, n, rng);
    const labels = Int32Array.from({ length: n }, () => Math.floor(rng.next() * classes));
    net.zeroGrads();
    net.trainBatch({ shape: [n, ...model.input.shape], data: x }, labels, 'categoricalCrossentropy');
    optimizer.step();
  }
}

/** Where a layer type's template is tried: on an image, on flat features, or merging two branches. */
export type LayerContext = 'image' | 'flat' | 'merge' | 'fields';

export interface LayerTypeCase {
  readonly type: LayerType;
  readonly context: LayerContext;
  readonly model: Model;
}

/**
 * One small model per layer type and each context its registry template (`spec.template`) is valid in: on an
 * 8×8×3 image, on 48 flat features (after a flatten), or (merge layers) joining two convolutions of the image.
 * Derived from LAYER_DEFS, so a new layer type is covered without anyone adding it here.
 */
export function layerTypeModels(): LayerTypeCase[] {
  const perType = LAYER_TYPES.flatMap((type): LayerTypeCase[] => {
    const def = LAYER_DEFS[type];
    // The template is a layer of its type with the designer's defaults (the model tests validate every one).
    const template = def.spec.template as unknown as Layer;
    const contexts: [LayerContext, readonly [number, number, number], Layer[]][] =
      def.inputs === 'many'
        ? [['merge', [8, 8, 3], [
            { type: 'conv2d', name: 'a', filters: 4, kernelSize: 1 },
            { type: 'conv2d', name: 'b', inputs: [MODEL_INPUT], filters: 4, kernelSize: 3, padding: 'same' },
            { ...template, inputs: ['a', 'b'] } as Layer,
          ]]]
        // 4 channels where 3 do not fit (channelShuffle's groups 2).
        : [['image', [8, 8, 3], [template]], ['image', [8, 8, 4], [template]], ['flat', [4, 4, 3], [{ type: 'flatten' }, template]]];
    const fitting = contexts.filter(([, shape, layers]) => analyze(shape, layers).ok);
    return fitting
      .filter(([context], k) => fitting.findIndex(([c]) => c === context) === k)
      .map(([context, shape, layers]) => ({ type, context, model: { format: MODEL_FORMAT, name: `${type}_${context}`, input: { shape }, layers } }));
  });
  return [...perType, ...FIELD_CASES];
}

/** Fields of newer layer types that the templates leave at their defaults: gelu and hardSigmoid as `activation`,
 *  hardSigmoid's other slope, a shuffle of 3 groups, global pools kept 1×1 (inside, and as the output). Each case's
 *  type is its last layer's. */
const FIELD_CASES: readonly LayerTypeCase[] = [
  {
    type: 'dense', context: 'fields',
    model: {
      format: MODEL_FORMAT, name: 'dense_fields', input: { shape: [6, 6, 3] },
      layers: [
        { type: 'conv2d', filters: 6, kernelSize: 3, padding: 'same', activation: 'gelu' },
        { type: 'channelShuffle', groups: 3 },
        { type: 'hardSigmoid', alpha: 0.2 },
        { type: 'depthwiseConv2d', kernelSize: 3, activation: 'hardSigmoid' },
        { type: 'globalAvgPool2d', keepDims: true },
        { type: 'conv2d', filters: 4, kernelSize: 1, activation: 'relu' },
        { type: 'flatten' },
        { type: 'dense', units: 3, activation: 'gelu' },
      ],
    },
  },
  // A torchvision input convention in the model: 0–255 to 0–1 (a Mul alone), ImageNet's mean and std per channel,
  // then a flat normalization per feature and a rescaling with an offset.
  {
    type: 'normalization', context: 'fields',
    model: {
      format: MODEL_FORMAT, name: 'normalization_fields', input: { shape: [5, 5, 3] },
      layers: [
        { type: 'rescaling', scale: 1 / 255 },
        { type: 'normalization', mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] },
        { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
        { type: 'globalAvgPool2d' },
        { type: 'rescaling', scale: -0.5, offset: 0.25 },
        { type: 'normalization', mean: [0.1, -0.2, 0.3, 0], variance: [0.5, 2, 0.25, 1] },
      ],
    },
  },
  {
    type: 'globalMaxPool2d', context: 'fields',
    model: { format: MODEL_FORMAT, name: 'globalMaxPool2d_fields', input: { shape: [5, 5, 2] }, layers: [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'globalMaxPool2d', keepDims: true }] },
  },
];

/** The layer types some of `cases` cover equal LAYER_TYPES: a new type fails until it has a case that works. */
export function assertCoversEveryLayerType(covered: Iterable<LayerType>, what: string): void {
  assert.deepEqual([...new Set(covered)].sort(), [...LAYER_TYPES].sort(), `${what} do not cover every layer type`);
}

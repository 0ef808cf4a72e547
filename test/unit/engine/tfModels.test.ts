// Differential tests on random whole sequential models: the engine's trainBatch (fused softmax CE, batch-norm and
// dropout in training mode, tfjs applying the engine's dropout masks) and inference forward against the same model
// composed from tfjs-core ops; twelve random models, and one with each layer type's template from the registry.
import assert from 'node:assert/strict';
import { Dropout } from '../../../src/engine/layers/dropout';
import { buildNetwork } from '../../../src/engine/network';
import { createRng, type Rng } from '../../../src/engine/rng';
import { analyze } from '../../../src/model/shapes';
import { LAYER_TYPES } from '../../../src/model/spec';
import { MODEL_FORMAT, type ActivationName, type Layer, type LayerType, type Model } from '../../../src/model/types';
import { assertClose, randomTensor } from './helpers';
import { assertEveryType, isMerge, TEMPLATE_CASES, templateOf } from './registryCases';
import { paramsToTf, tf, tfModel, toTf, useCpu } from './tfRef';

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;
// No relu before max pooling: exact ties among zeros would let the two engines route gradients differently.
const CONV_ACTS: ActivationName[] = ['linear', 'tanh', 'sigmoid', 'leakyRelu'];

/**
 * A random valid model; dilation and avg-pool 'same' are left out (tfjs has no / a different gradient there). With
 * `featured`, that type's template (the registry's) joins before the classifier: on an image after a tanh conv (no
 * ties for a max pool), or on the pooled features when it needs a flat input; a merge reads the previous layer twice.
 */
function randomModel(rng: Rng, featured?: LayerType): Model {
  for (let attempt = 0; ; attempt++) {
    if (attempt === 1000) throw new Error(`no valid random model${featured ? ` with ${featured}'s template` : ''} in 1000 attempts`);
    const input = [5 + rng.int(6), 5 + rng.int(6), 1 + rng.int(3)] as const;
    const layers: Layer[] = [];
    for (let b = 1 + rng.int(3); b > 0; b--) {
      // Dropout only right before a conv or dense: its zeros straight into a max pool could tie.
      if (layers.length > 0 && rng.next() < 0.4) layers.push({ type: 'dropout', rate: pick(rng, [0.2, 0.5]) });
      const padding = pick(rng, ['valid', 'same'] as const);
      if (rng.next() < 0.7) layers.push({ type: 'conv2d', filters: 1 + rng.int(4), kernelSize: 1 + rng.int(3), strides: 1 + rng.int(2), padding, activation: pick(rng, CONV_ACTS) });
      else layers.push({ type: 'depthwiseConv2d', kernelSize: 1 + rng.int(3), strides: 1 + rng.int(2), padding, depthMultiplier: 1 + rng.int(2), activation: pick(rng, CONV_ACTS) });
      if (rng.next() < 0.4) layers.push({ type: 'batchNorm' });
      if (rng.next() < 0.3) layers.push({ type: pick(rng, ['tanh', 'leakyRelu', 'sigmoid'] as const) });
      if (rng.next() < 0.4) layers.push(rng.next() < 0.5 ? { type: 'maxPool2d', poolSize: 2, padding } : { type: 'avgPool2d', poolSize: 2 });
    }
    const feature = (): void => {
      // A merge names what it reads (a default name cannot be referenced).
      if (isMerge(featured!)) layers[layers.length - 1] = { ...layers[layers.length - 1]!, name: 'merged' };
      layers.push({ ...templateOf(featured!), ...(isMerge(featured!) ? { inputs: ['merged', 'merged'] } : {}) } as Layer);
    };
    const onImage = featured !== undefined && TEMPLATE_CASES.find((c) => c.type === featured)!.input.length === 3;
    if (onImage) {
      layers.push({ type: 'conv2d', filters: 1 + rng.int(4), kernelSize: 1 + rng.int(3), padding: 'same', activation: 'tanh' });
      feature();
    }
    // After a featured layer (relu's zeros, say) no global max pool: it could tie.
    if ((analyze(input, layers).outputShape?.length ?? 3) === 3) layers.push(pick(rng, featured ? ([{ type: 'flatten' }, { type: 'globalAvgPool2d' }] as const) : ([{ type: 'flatten' }, { type: 'globalAvgPool2d' }, { type: 'globalMaxPool2d' }] as const)));
    if (featured !== undefined && !onImage) feature();
    if (rng.next() < 0.5) layers.push({ type: 'dense', units: 3 + rng.int(6), activation: pick(rng, ['relu', 'tanh'] as const) });
    // Every model trains through a dropout before its classifier.
    layers.push({ type: 'dropout', rate: pick(rng, [0.25, 0.5]) });
    layers.push({ type: 'dense', units: 2 + rng.int(4), activation: 'softmax' });
    const model: Model = { format: MODEL_FORMAT, name: 'random', input: { shape: input }, layers };
    if (analyze(input, layers).ok) return model;
  }
}

/** Grouped convolutions (conv2d `groups`: tfjs composes them per group) in a bottleneck, pointwise ones too. */
const GROUPED: Model = {
  format: MODEL_FORMAT, name: 'grouped', input: { shape: [8, 7, 3] },
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 1, activation: 'tanh' },
    { type: 'conv2d', filters: 8, kernelSize: 3, strides: 2, padding: 'same', groups: 4, activation: 'leakyRelu' },
    { type: 'batchNorm' },
    { type: 'conv2d', filters: 6, kernelSize: 1, groups: 2, activation: 'sigmoid' },
    { type: 'conv2d', filters: 4, kernelSize: 2, groups: 2 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
};

describe('engine vs tfjs-core, random whole models', () => {
  before(useCpu);

  const models = [
    ...Array.from({ length: 12 }, (_, k) => ({ title: `random model #${k}`, seed: 900 + k, netSeed: 77 + k, featured: undefined })),
    ...LAYER_TYPES.map((type, k) => ({ title: `random model with ${type}'s template`, seed: 950 + k, netSeed: 177 + k, featured: type })),
  ];
  const fixed = [{ title: 'grouped convolutions (a ResNeXt-like block)', seed: 990, netSeed: 190, model: GROUPED }];

  it('the random models cover every layer type', () => assertEveryType(models.flatMap((m) => randomModel(createRng(m.seed), m.featured).layers), 'the random models'));

  for (const m of [...models, ...fixed]) {
    it(`${m.title}: loss, parameter gradients and inference outputs agree`, () => {
      const rng = createRng(m.seed);
      const model = 'model' in m ? m.model : randomModel(rng, m.featured);
      const analysis = analyze(model.input.shape, model.layers);
      const net = buildNetwork(model, analysis, m.netSeed);
      const n = 4;
      const x = randomTensor([n, ...model.input.shape], rng, 2);
      const classes = analysis.outputShape![0]!;
      const labels = Int32Array.from({ length: n }, () => rng.int(classes));
      net.zeroGrads();
      const { loss } = net.trainBatch(x, labels, 'sparseCategoricalCrossentropy');
      // The masks of the training forward, read before the inference forward below makes dropout the identity.
      const masks = new Map<string, Uint8Array>();
      net.layers.forEach((l, i) => {
        const kept = l instanceof Dropout ? l.keptMask() : undefined;
        if (kept) masks.set(analysis.layers[i]!.name, kept);
      });
      const inference = net.forward(x, false).data.slice();
      const what = JSON.stringify(model.layers);

      assert.ok([...masks.values()].some((k) => k.includes(0)), `dropout drops something in ${JSON.stringify(model.layers)}`);

      tf.tidy(() => {
        const map = paramsToTf(net.params);
        const trainable = net.params.filter((p) => p.trainable);
        const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
        const xt = toTf(x);
        const f = (...ws: tf.Tensor[]): tf.Scalar => {
          const m = new Map(map);
          trainable.forEach((p, i) => m.set(p.name, ws[i]!));
          const probs = tfModel(analysis.layers, m, xt, true, masks);
          return tf.neg(tf.mean(tf.log(tf.sum(tf.mul(probs, onehot), 1)))) as tf.Scalar;
        };
        const { value, grads } = tf.valueAndGrads(f)(trainable.map((p) => map.get(p.name)!));
        assertClose([loss], value.dataSync(), 1e-4, `loss of ${what}`);
        // A bias right before batchNorm has a true gradient of 0 and float noise instead: measure every gradient
        // against 1% of the largest one in the model.
        const refs = grads.map((g) => Float32Array.from(g.dataSync()));
        const floor = 0.01 * Math.max(...refs.map((r) => r.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
        trainable.forEach((p, i) => assertClose(p.grad, refs[i]!, 1e-4, `d/d${p.name} of ${what}`, floor));
        assertClose(inference, tfModel(analysis.layers, map, xt, false).dataSync(), 1e-4, `inference of ${what}`);
      });
    });
  }
});

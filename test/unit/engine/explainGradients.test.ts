// Saliency and Grad-CAM against independent estimates: saliency equals central differences of the class score
// (the logit) with respect to the image on tiny chain and graph models with batch norm and dropout (so the
// inference function is the one differentiated); Grad-CAM's channel weights equal the spatial mean of the score's
// gradient with respect to the chosen layer's output, estimated by central differences on the rest of the network
// rebuilt as a model of its own. Network.gradients changes neither training nor the params' gradients.
import assert from 'node:assert/strict';
import { defaultGradCamLayer, gradCam, resizeBilinear, saliency } from '../../../src/engine/explain';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng, type Rng } from '../../../src/engine/rng';
import type { Tensor } from '../../../src/engine/tensor';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';
import { checkCoords, randomTensor } from './helpers';
import { tf, useCpu } from './tfRef';

function model(input: readonly [number, number, number], layers: Layer[]): Model {
  return { format: MODEL_FORMAT, name: 'g', input: { shape: input }, layers };
}

const CHAIN = model([6, 5, 2], [
  { type: 'conv2d', name: 'a', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' },
  { type: 'batchNorm', name: 'bn' },
  { type: 'conv2d', name: 'feat', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'swish' },
  { type: 'avgPool2d', name: 'pool', poolSize: 2, padding: 'same' },
  { type: 'flatten', name: 'flat' },
  { type: 'dropout', name: 'drop', rate: 0.5 },
  { type: 'dense', name: 'out', units: 4, activation: 'softmax' },
]);

/** "feat" feeds two branches, an add, and a concatenation with itself. */
const GRAPH = model([6, 6, 2], [
  { type: 'conv2d', name: 'stem', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' },
  { type: 'separableConv2d', name: 'feat', filters: 3, kernelSize: 3, padding: 'same', activation: 'swish' },
  { type: 'conv2d', name: 'b1', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', inputs: ['feat'] },
  { type: 'batchNorm', name: 'bn', inputs: ['b1'] },
  { type: 'add', name: 'sum', inputs: ['feat', 'bn'] },
  { type: 'concatenate', name: 'cat', inputs: ['sum', 'feat'] },
  { type: 'dropout', name: 'drop', rate: 0.25 },
  { type: 'globalAvgPool2d', name: 'gap' },
  { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
]);

function perturb(net: Network, rng: Rng): void {
  for (const p of net.params) {
    const v = p.value;
    if (/\.(bias|beta|movingMean)$/.test(p.name)) v.forEach((_, i) => (v[i] = rng.next() - 0.5));
    if (/\.(gamma|movingVariance)$/.test(p.name)) v.forEach((_, i) => (v[i] = 0.5 + rng.next()));
  }
}

function build(m: Model, seed: number): { net: Network; image: Tensor; rng: Rng } {
  const net = buildNetwork(m, inferShapes(m), seed);
  const rng = createRng(seed + 100);
  perturb(net, rng);
  return { net, image: randomTensor(m.input.shape, rng), rng };
}

/** The logit of `cls` from an inference pass. */
function logit(net: Network, x: Tensor, cls: number): number {
  net.forward({ shape: [1, ...x.shape], data: x.data }, false);
  return net.layers[net.layers.length - 1]!.preActivation!().data[cls]!;
}

/** The model made of the layers after `layer`, reading that layer's output as its input (names kept, so the
 *  weights copy over by name). */
function tail(m: Model, layer: string): Model {
  const i = m.layers.findIndex((l) => l.name === layer);
  const info = inferShapes(m).layers[i]!;
  const rest = m.layers.slice(i + 1).map((l, k) => {
    const inputs = l.inputs?.map((n) => (n === layer ? 'input' : n));
    return k === 0 || !inputs ? { ...l, inputs } : { ...l, inputs };
  });
  return model(info.outputShape as [number, number, number], rest);
}

function copyParams(from: Network, to: Network): void {
  for (const p of to.params) p.value.set(from.params.find((q) => q.name === p.name)!.value);
}

describe('saliency and Grad-CAM', () => {
  before(useCpu);

  for (const [name, m] of [['chain', CHAIN], ['graph', GRAPH]] as const) {
    it(`${name}: saliency is d(logit)/d(image) of the inference function (central differences)`, () => {
      for (const seed of [1, 2]) {
        const { net, image, rng } = build(m, seed);
        for (const cls of [0, 2]) {
          const s = saliency(net, image, cls);
          assert.equal(s.scoreKind, 'logit');
          assert.equal(s.score, logit(net, image, cls));
          assert.deepEqual(s.shape, m.input.shape);
          checkCoords(`saliency ${name} seed ${seed} class ${cls}`, image.data, s.gradient, () => logit(net, image, cls), 1e-2, { rng, maxCoords: 1000 });
          // map: per pixel the largest |gradient| over channels, scaled to a maximum of 1.
          const c = m.input.shape[2];
          let maxAbs = 0;
          for (const g of s.gradient) maxAbs = Math.max(maxAbs, Math.abs(g));
          assert.equal(s.maxAbs, maxAbs);
          assert.ok(maxAbs > 0);
          for (let p = 0; p < s.map.length; p++) {
            const want = Math.max(...Array.from({ length: c }, (_, ch) => Math.abs(s.gradient[p * c + ch]!))) / maxAbs;
            assert.ok(Math.abs(s.map[p]! - want) < 1e-6);
          }
        }
      }
    });
  }

  it('a model without softmax: the score is the output itself', () => {
    const m = model([4, 4, 1], [{ type: 'conv2d', filters: 2, kernelSize: 3, activation: 'tanh' }, { type: 'flatten' }, { type: 'dense', units: 2 }]);
    const { net, image, rng } = build(m, 3);
    const s = saliency(net, image, 1);
    assert.equal(s.scoreKind, 'output');
    const out = (): number => net.forward({ shape: [1, 4, 4, 1], data: image.data }, false).data[1]!;
    assert.equal(s.score, out());
    checkCoords('linear output', image.data, s.gradient, out, 1e-2, { rng, maxCoords: 16 });
  });

  it('refuses a class outside the output', () => {
    const { net, image } = build(CHAIN, 4);
    assert.throws(() => saliency(net, image, 4), /class 4 is outside the model's output \(classes 0–3\)/);
    assert.throws(() => gradCam(net, inferShapes(CHAIN), image, -1), /class -1 is outside/);
  });

  for (const [name, m, layer] of [['chain', CHAIN, 'feat'], ['graph', GRAPH, 'feat']] as const) {
    it(`${name}: Grad-CAM's channel weights are the spatial mean of d(logit)/d(${layer}) (central differences)`, () => {
      const analysis = inferShapes(m);
      const index = analysis.layers.findIndex((l) => l.name === layer);
      const { net, image } = build(m, 5);
      const rest = tail(m, layer);
      const restNet = buildNetwork(rest, inferShapes(rest), 1);
      copyParams(net, restNet);
      const a = net.featureMaps(image)[index]!;
      const [fh, fw, k] = a.shape as [number, number, number];
      for (const cls of [0, 1]) {
        const cam = gradCam(net, analysis, image, cls, index);
        assert.equal(cam.layerName, layer);
        assert.deepEqual(cam.featureShape, [fh, fw, k]);
        // The rest of the network on A itself gives the same logit.
        assert.ok(Math.abs(logit(restNet, a, cls) - cam.score) < 1e-5);
        const eps = 1e-2;
        const mean = new Float64Array(k);
        for (let i = 0; i < a.data.length; i++) {
          const old = a.data[i]!;
          a.data[i] = old + eps;
          const up = logit(restNet, a, cls);
          a.data[i] = old - eps;
          const down = logit(restNet, a, cls);
          a.data[i] = old;
          mean[i % k] += (up - down) / (2 * eps) / (fh * fw);
        }
        for (let ch = 0; ch < k; ch++) {
          assert.ok(Math.abs(cam.weights[ch]! - mean[ch]!) <= 2e-3 + 1e-2 * Math.abs(mean[ch]!), `w${ch}: ${cam.weights[ch]} vs ${mean[ch]}`);
        }
        // cam = ReLU(Σ_k w_k A_k), its maximum, and the heatmap scaled by it.
        let max = 0;
        for (let p = 0; p < fh * fw; p++) {
          let s = 0;
          for (let ch = 0; ch < k; ch++) s += cam.weights[ch]! * a.data[p * k + ch]!;
          assert.ok(Math.abs(cam.cam[p]! - Math.max(0, s)) < 1e-6);
          max = Math.max(max, Math.max(0, s));
        }
        assert.ok(Math.abs(cam.camMax - max) < 1e-6);
        assert.equal(cam.heatmap.length, m.input.shape[0] * m.input.shape[1]);
        const up = resizeBilinear(cam.cam, fh, fw, cam.height, cam.width);
        up.forEach((v, p) => assert.ok(Math.abs(cam.heatmap[p]! - (max > 0 ? v / max : 0)) < 1e-6));
      }
    });
  }

  it('the default Grad-CAM layer is the last convolution or activation with a spatial output', () => {
    assert.equal(defaultGradCamLayer(inferShapes(CHAIN)), 2);
    assert.equal(defaultGradCamLayer(inferShapes(GRAPH)), 2);
    const resnetTail = model([8, 8, 1], [
      { type: 'conv2d', name: 'c', filters: 2, kernelSize: 3, padding: 'same' },
      { type: 'batchNorm', name: 'bn' },
      { type: 'add', name: 'sum', inputs: ['c', 'bn'] },
      { type: 'relu', name: 'out_relu' },
      { type: 'globalAvgPool2d' },
      { type: 'dense', units: 2, activation: 'softmax' },
    ]);
    assert.equal(defaultGradCamLayer(inferShapes(resnetTail)), 3);
    const { net, image } = build(resnetTail, 6);
    assert.equal(gradCam(net, inferShapes(resnetTail), image, 1).layerName, 'out_relu');
    const flat = model([3, 3, 1], [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }]);
    assert.equal(defaultGradCamLayer(inferShapes(flat)), undefined);
    const f = build(flat, 7);
    assert.throws(() => gradCam(f.net, inferShapes(flat), f.image, 0), /needs a layer with a spatial output \(a convolution\); the model has none/);
    assert.throws(() => gradCam(f.net, inferShapes(flat), f.image, 0, 0), /"flatten_0" gives 9/);
  });

  it('a layer on a dead branch gets zero weights', () => {
    const m = model([5, 5, 1], [
      { type: 'conv2d', name: 'c', filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh' },
      { type: 'conv2d', name: 'dead', filters: 2, kernelSize: 3, padding: 'same', inputs: ['c'] },
      { type: 'globalAvgPool2d', inputs: ['c'] },
      { type: 'dense', units: 2, activation: 'softmax' },
    ]);
    const analysis = inferShapes(m);
    const { net, image } = build(m, 8);
    assert.deepEqual([...gradCam(net, analysis, image, 0, 1).weights], [0, 0]);
    assert.ok(gradCam(net, analysis, image, 0, 0).weights.some((w) => w !== 0));
  });

  it('Network.gradients: onGradient sees every live layer once, in reverse order; preActivation needs one', () => {
    const m = model([5, 5, 1], [
      { type: 'conv2d', name: 'c', filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh' },
      { type: 'conv2d', name: 'dead', filters: 2, kernelSize: 3, padding: 'same', inputs: ['c'] },
      { type: 'flatten', inputs: ['c'] },
      { type: 'dense', units: 2, activation: 'softmax' },
    ]);
    const { net, image } = build(m, 12);
    const x = { shape: [1, 5, 5, 1], data: image.data };
    const dy = { shape: [1, 2], data: Float32Array.from([0, 1]) };
    const seen: number[] = [];
    net.gradients(x, dy, { preActivation: true, onGradient: (i, g) => {
      seen.push(i);
      assert.equal(g.data.length >= 50, true);
    } });
    // Not the last layer (dy is its logits' gradient), not the dead branch.
    assert.deepEqual(seen, [2, 0]);
    const flat = model([2, 2, 1], [{ type: 'flatten', name: 'f' }]);
    const f = build(flat, 13);
    assert.throws(() => f.net.gradients({ shape: [1, 2, 2, 1], data: new Float32Array(4) }, { shape: [1, 4], data: new Float32Array(4) }, { preActivation: true }), /the last layer \(f\) has no pre-activation/);
    assert.throws(() => net.gradients(x, { shape: [1, 3], data: new Float32Array(3) }), /dy has 3 values, the outputs 2/);
  });

  it('resizeBilinear equals tf.image.resizeBilinear with half-pixel centres', () => {
    const rng = createRng(9);
    for (const [h, w, oh, ow] of [[3, 4, 12, 10], [7, 7, 28, 28], [2, 5, 2, 5], [1, 1, 4, 3], [5, 3, 2, 2]] as const) {
      const src = randomTensor([h * w], rng).data;
      const ours = resizeBilinear(src, h, w, oh, ow);
      const ref = tf.image.resizeBilinear(tf.tensor4d(src, [1, h, w, 1]), [oh, ow], false, true).dataSync();
      ours.forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) < 1e-6, `${h}×${w}→${oh}×${ow} [${i}]: ${v} vs ${ref[i]}`));
    }
  });

  it('explanations between training steps change nothing: same weights, moving statistics and gradients as without', () => {
    const m = CHAIN;
    const runs = [true, false].map((explain) => {
      const { net, rng } = build(m, 10);
      const opt = createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params);
      const x = randomTensor([4, ...m.input.shape], rng);
      const labels = Int32Array.from([0, 1, 2, 3]);
      const image = { shape: m.input.shape, data: x.data.slice(0, 60) };
      const losses: number[] = [];
      for (let step = 0; step < 3; step++) {
        net.zeroGrads();
        losses.push(net.trainBatch(x, labels, 'sparseCategoricalCrossentropy').loss);
        // Between backward and the update: the gradients must survive an explanation.
        if (explain) {
          saliency(net, image, 1);
          gradCam(net, inferShapes(m), image, 2);
        }
        opt.step();
      }
      return { losses, params: net.params.map((p) => p.value.slice()) };
    });
    assert.deepEqual(runs[0]!.losses, runs[1]!.losses);
    runs[0]!.params.forEach((p, i) => assert.deepEqual(p, runs[1]!.params[i]));
  });
});

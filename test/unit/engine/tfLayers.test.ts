// Differential tests, layer by layer: the engine and tfjs-core (CPU) on the same weights and inputs must agree on
// forward outputs and on the gradients of Σ y·r w.r.t. input and weights, to 1e-4 of the tensor's scale.
import assert from 'node:assert/strict';
import { createLayer } from '../../../src/engine/layers';
import { Dropout } from '../../../src/engine/layers/dropout';
import { createRng } from '../../../src/engine/rng';
import type { Layer, Shape } from '../../../src/model/types';
import { assertClose, distinctValues, infoFor, randomTensor } from './helpers';
import { tf, tfLayer, toTf, useCpu } from './tfRef';

interface Case {
  readonly input: Shape;
  readonly layer: Layer;
  readonly training?: boolean;
  readonly distinct?: boolean;
  /** tfjs has no gradient for this configuration (dilated conv/depthwise) or a different one (avgPool 'same'
   *  backward counts the padding, unlike its own forward): compare forward only. */
  readonly forwardOnly?: boolean;
  /** Inputs (and outputs) ×4: reach relu6's upper kink. */
  readonly wide?: boolean;
}

const cases: Case[] = [
  { input: [6, 6, 3], layer: { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' } },
  { input: [7, 6, 2], layer: { type: 'conv2d', filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same' } },
  { input: [5, 5, 4], layer: { type: 'conv2d', filters: 6, kernelSize: 1, useBias: false, activation: 'tanh' } },
  { input: [6, 7, 2], layer: { type: 'conv2d', filters: 9, kernelSize: 4, strides: [1, 2], padding: 'same', activation: 'sigmoid' } },
  { input: [8, 8, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }, forwardOnly: true },
  { input: [6, 6, 3], layer: { type: 'depthwiseConv2d', kernelSize: 3, activation: 'leakyRelu' } },
  { input: [7, 6, 2], layer: { type: 'depthwiseConv2d', kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 3 } },
  { input: [8, 7, 2], layer: { type: 'depthwiseConv2d', kernelSize: 2, dilationRate: [2, 3], padding: 'same' }, forwardOnly: true },
  { input: [6, 6, 2], layer: { type: 'maxPool2d' }, distinct: true },
  { input: [7, 5, 3], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 'same' }, distinct: true },
  { input: [6, 6, 2], layer: { type: 'avgPool2d' } },
  { input: [7, 7, 2], layer: { type: 'avgPool2d', poolSize: 3, strides: 2 } },
  { input: [7, 5, 3], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 'same' }, forwardOnly: true },
  { input: [4, 5, 3], layer: { type: 'globalAvgPool2d' } },
  { input: [4, 5, 3], layer: { type: 'globalMaxPool2d' }, distinct: true },
  { input: [3, 4, 2], layer: { type: 'flatten' } },
  { input: [12], layer: { type: 'dense', units: 7, activation: 'softmax' } },
  { input: [9], layer: { type: 'dense', units: 5, useBias: false, activation: 'relu' } },
  { input: [3, 3, 2], layer: { type: 'dropout', rate: 0.3 } },
  { input: [3, 3, 2], layer: { type: 'dropout', rate: 0.3 }, training: true },
  { input: [5], layer: { type: 'dropout', rate: 0.6 }, training: true },
  { input: [4, 4, 3], layer: { type: 'batchNorm' }, training: true },
  { input: [4, 4, 3], layer: { type: 'batchNorm', epsilon: 0.01 } },
  { input: [6], layer: { type: 'batchNorm' }, training: true },
  { input: [3, 3, 4], layer: { type: 'relu' } },
  { input: [3, 3, 4], layer: { type: 'leakyRelu', alpha: 0.1 } },
  { input: [3, 3, 4], layer: { type: 'sigmoid' } },
  { input: [3, 3, 4], layer: { type: 'tanh' } },
  { input: [3, 3, 4], layer: { type: 'softmax' } },
  { input: [3, 3, 4], layer: { type: 'relu6' }, wide: true },
  { input: [3, 3, 4], layer: { type: 'swish' }, wide: true },
  { input: [6, 6, 3], layer: { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'swish' } },
  { input: [8], layer: { type: 'dense', units: 5, activation: 'relu6' }, wide: true },
  { input: [4, 5, 3], layer: { type: 'zeroPadding2D' } },
  { input: [4, 5, 3], layer: { type: 'zeroPadding2D', padding: [1, 3] } },
  { input: [4, 5, 2], layer: { type: 'zeroPadding2D', padding: [[2, 0], [1, 3]] } },
  { input: [6, 6, 3], layer: { type: 'separableConv2d', filters: 4, kernelSize: 3, activation: 'relu' } },
  { input: [7, 6, 2], layer: { type: 'separableConv2d', filters: 5, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 3, activation: 'relu6' }, wide: true },
  { input: [5, 5, 4], layer: { type: 'separableConv2d', filters: 3, kernelSize: [2, 3], useBias: false, activation: 'swish' } },
  { input: [8, 8, 2], layer: { type: 'separableConv2d', filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }, forwardOnly: true },
];

describe('engine vs tfjs-core, per layer', () => {
  before(useCpu);

  cases.forEach((c, k) => {
    const { type, ...fields } = c.layer;
    const title = `${type} ${JSON.stringify(fields)} on ${c.input.join('×')}${c.training ? ' (training)' : ''}`;
    it(title, () => {
      const rng = createRng(500 + k);
      const info = infoFor(c.input, c.layer);
      const layer = createLayer(info, rng.fork());
      for (const p of layer.params) {
        if (!p.name.endsWith('.kernel')) p.value.forEach((_, i) => (p.value[i] = p.name.endsWith('Variance') || p.name.endsWith('gamma') ? 0.5 + rng.next() : rng.next() - 0.5));
      }
      const shape = [4, ...c.input];
      const x = c.distinct ? distinctValues(shape, rng) : randomTensor(shape, rng, c.wide ? 8 : 2);
      const training = c.training ?? false;
      const y = layer.forward(x, training);
      const yData = y.data.slice();
      // Training-mode dropout: tfjs applies the mask the engine drew; a mask without drops would test nothing.
      const masks = new Map<string, Uint8Array>();
      const kept = layer instanceof Dropout ? layer.keptMask() : undefined;
      if (kept) {
        assert.ok(kept.includes(0) && kept.includes(1), 'the mask both keeps and drops');
        masks.set(info.name, kept);
      }
      const r = randomTensor(y.shape, rng);
      const dx = layer.backward(r).data.slice();

      tf.tidy(() => {
        const names = layer.params.map((p) => p.name);
        const consts = layer.params.map((p) => tf.tensor(p.value, [...p.shape]));
        const trainable = layer.params.map((p, i) => (p.trainable ? i : -1)).filter((i) => i >= 0);
        const run = (xt: tf.Tensor, ...ws: tf.Tensor[]): tf.Tensor => {
          const map = new Map(names.map((n, i) => [n, consts[i]!]));
          trainable.forEach((pi, j) => map.set(names[pi]!, ws[j]!));
          return tfLayer(info, map, xt, training, masks);
        };
        const ref = run(toTf(x), ...trainable.map((i) => consts[i]!));
        assertClose(yData, ref.dataSync(), 1e-4, 'forward');
        if (c.forwardOnly) return;
        const rt = toTf(r);
        const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(run(args[0]!, ...args.slice(1)), rt)))([toTf(x), ...trainable.map((i) => consts[i]!)]);
        assertClose(dx, grads[0]!.dataSync(), 1e-4, 'dL/dx');
        trainable.forEach((pi, j) => assertClose(layer.params[pi]!.grad, grads[j + 1]!.dataSync(), 1e-4, `dL/d${names[pi]}`));
      });
    });
  });
});

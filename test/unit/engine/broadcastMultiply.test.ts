// multiply on inputs of different shapes (the registry's template reads one value twice): squeeze-and-excitation's
// [1, 1, c] gate, a flat [c] gate, an [h, w, 1] mask, a gate first, three inputs. Central differences on every
// input, and tfjs-core's tf.mul (broadcasting, with its own gradient reduction) on the forward and each input's
// gradient.
import assert from 'node:assert/strict';
import { createLayer } from '../../../src/engine/layers';
import { createRng } from '../../../src/engine/rng';
import { analyze } from '../../../src/model/shapes';
import type { Layer, Shape } from '../../../src/model/types';
import { assertClose, gradCheckInputs, randomTensor } from './helpers';
import { tf, tfNode, toTf, useCpu } from './tfRef';

interface Case {
  readonly title: string;
  readonly input: Shape;
  /** The last layer is the multiply under test. */
  readonly layers: Layer[];
  readonly output: Shape;
}

const gate = (c: number): Layer[] => [
  { type: 'globalAvgPool2d', name: 'squeeze' },
  { type: 'dense', name: 'excite', units: c, activation: 'sigmoid' },
];

const cases: Case[] = [
  // Squeeze-and-excitation as torchvision writes it (pooled to 1×1, 1×1 convolutions, the [1, 1, c] gate).
  { title: '[1, 1, c] gate × [h, w, c]', input: [4, 5, 3], layers: [{ type: 'avgPool2d', name: 'g', poolSize: [4, 5] }, { type: 'multiply', inputs: ['input', 'g'] }], output: [4, 5, 3] },
  { title: 'flat [c] gate × [h, w, c] (Keras: expand_dims after the batch)', input: [3, 4, 3], layers: [...gate(3), { type: 'multiply', inputs: ['input', 'excite'] }], output: [3, 4, 3] },
  { title: 'gate first: [c] × [h, w, c]', input: [3, 3, 2], layers: [...gate(2), { type: 'multiply', inputs: ['excite', 'input'] }], output: [3, 3, 2] },
  { title: '[h, w, 1] mask × [h, w, c]', input: [3, 4, 3], layers: [{ type: 'conv2d', name: 'mask', filters: 1, kernelSize: 1 }, { type: 'multiply', inputs: ['input', 'mask'] }], output: [3, 4, 3] },
  {
    title: 'three inputs: [h, w, c] × [c] × [h, w, 1]',
    input: [3, 3, 4],
    layers: [...gate(4), { type: 'conv2d', name: 'mask', filters: 1, kernelSize: 1, inputs: ['input'] }, { type: 'multiply', inputs: ['input', 'excite', 'mask'] }],
    output: [3, 3, 4],
  },
  { title: 'flat × flat', input: [6], layers: [{ type: 'dense', name: 'd', units: 6 }, { type: 'multiply', inputs: ['d', 'input'] }], output: [6] },
];

function lastInfo(c: Case) {
  const analysis = analyze(c.input, c.layers);
  const info = analysis.layers[analysis.layers.length - 1]!;
  assert.deepEqual(analysis.layers.flatMap((l) => l.errors), [], c.title);
  assert.deepEqual(info.outputShape, c.output, `${c.title}: output shape`);
  return info;
}

describe('multiply, broadcasting', () => {
  before(useCpu);

  cases.forEach((c, k) => {
    it(`${c.title}: central differences on every input`, () => {
      const rng = createRng(900 + k);
      const info = lastInfo(c);
      const layer = createLayer(info, rng.fork());
      gradCheckInputs(layer, info.inputs.map((inp) => randomTensor([3, ...inp.shape!], rng)), { rng });
    });

    it(`${c.title}: forward and each input's gradient as tfjs-core's tf.mul`, () => {
      const rng = createRng(950 + k);
      const info = lastInfo(c);
      const layer = createLayer(info, rng.fork());
      const xs = info.inputs.map((inp) => randomTensor([3, ...inp.shape!], rng, 2));
      const y = layer.forwardInputs!(xs, false);
      assert.deepEqual(y.shape, [3, ...c.output]);
      const yData = y.data.slice();
      const r = randomTensor(y.shape, rng);
      const dxs = layer.backwardInputs!(r).map((t) => t.data.slice());
      tf.tidy(() => {
        assertClose(yData, tfNode(info, new Map(), xs.map(toTf), false).dataSync(), 1e-6, 'forward');
        const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(tfNode(info, new Map(), ts, false), toTf(r))))(xs.map(toTf));
        grads.forEach((g, j) => {
          assert.deepEqual(g.shape, [3, ...info.inputs[j]!.shape!], `dL/dx${j} shape`);
          assertClose(dxs[j]!, g.dataSync(), 1e-5, `dL/dx${j}`);
        });
      });
    });
  });

  it('names the input that does not broadcast, against one it disagrees with', () => {
    const a = analyze([4, 4, 3], [{ type: 'conv2d', name: 'c', filters: 2, kernelSize: 1 }, { type: 'multiply', inputs: ['input', 'c'] }]);
    assert.deepEqual(
      a.layers[1]!.errors.map((e) => [e.field, e.element, e.message]),
      [['inputs', 1, 'multiply needs shapes that broadcast (aligned from the last axis, each dimension equal or 1): "c" gives 4×4×2 but "input" gives 4×4×3']],
    );
    const flat = analyze([4, 4, 3], [{ type: 'globalAvgPool2d', name: 'g' }, { type: 'dense', name: 'd', units: 5 }, { type: 'multiply', inputs: ['input', 'd'] }]);
    assert.match(flat.layers[2]!.errors[0]!.message, /"input" gives 4×4×3 but "d" gives 5|"d" gives 5 but "input" gives 4×4×3/);
  });
});

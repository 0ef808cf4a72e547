// Losses: finite-difference checks of lossBackward and of the fused softmax/sigmoid steps, agreement between the
// fused and plain paths, stability on extreme logits, and a differential check against tfjs.
import assert from 'node:assert/strict';
import { jsKernels } from '../../../src/engine/kernels';
import { fusedLossStep, lossBackward, lossForward } from '../../../src/engine/losses';
import { createRng } from '../../../src/engine/rng';
import { tensor, type Tensor } from '../../../src/engine/tensor';
import type { ActivationName, LossName } from '../../../src/model/types';
import { assertClose, checkCoords, randomTensor } from './helpers';
import { tf, useCpu } from './tfRef';

const LOSSES: LossName[] = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'];

function labelsFor(n: number, c: number, seed: number): Int32Array {
  const rng = createRng(seed);
  return Int32Array.from({ length: n }, () => rng.int(c === 1 ? 2 : c));
}

function activate(act: ActivationName, z: Tensor): Tensor {
  const y = tensor(z.shape);
  jsKernels.activationForward(act, z.data, y.data, z.data.length, z.shape[z.shape.length - 1]!, 0.3);
  return y;
}

describe('engine losses', () => {
  before(useCpu);

  for (const loss of LOSSES) {
    for (const c of loss.includes('ategorical') ? [5] : [1, 4]) {
      it(`${loss} (${c} unit${c > 1 ? 's' : ''}): lossBackward matches central differences`, () => {
        const rng = createRng(11 + c);
        const p = tensor([6, c], Float32Array.from({ length: 6 * c }, () => 0.05 + 0.9 * rng.next()));
        const labels = labelsFor(6, c, 3);
        const g = lossBackward(loss, p, labels).data.slice();
        checkCoords('p', p.data, g, () => lossForward(loss, p, labels), 1e-3, { rng });
      });
    }
  }

  for (const [act, loss, c] of [
    ['softmax', 'categoricalCrossentropy', 5],
    ['softmax', 'sparseCategoricalCrossentropy', 3],
    ['sigmoid', 'binaryCrossentropy', 1],
    ['sigmoid', 'binaryCrossentropy', 4],
  ] as const) {
    it(`fused ${act} + ${loss} (${c}): gradient by central differences, same value as the plain path`, () => {
      const rng = createRng(21 + c);
      const z = randomTensor([5, c], rng, 3);
      const labels = labelsFor(5, c, 4);
      const fused = fusedLossStep(loss, act, z, activate(act, z), labels)!;
      assert.ok(Math.abs(fused.loss - lossForward(loss, activate(act, z), labels)) < 1e-5);
      const g = fused.dLogits.data.slice();
      checkCoords('z', z.data, g, () => fusedLossStep(loss, act, z, activate(act, z), labels, false)!.loss, 1e-2, { rng });
    });
  }

  it('fused steps stay finite and exact on extreme logits', () => {
    const z = tensor([2, 3], Float32Array.from([1000, -1000, 0, -500, 500, 0]));
    const ce = fusedLossStep('categoricalCrossentropy', 'softmax', z, activate('softmax', z), Int32Array.from([1, 1]))!;
    assert.ok(Math.abs(ce.loss - 1000) < 1e-3, `loss ${ce.loss}`);
    assert.ok(ce.dLogits.data.every(Number.isFinite));
    const zb = tensor([2, 1], Float32Array.from([200, -200]));
    const bce = fusedLossStep('binaryCrossentropy', 'sigmoid', zb, activate('sigmoid', zb), Int32Array.from([0, 0]))!;
    assert.ok(Math.abs(bce.loss - 100) < 1e-3, `loss ${bce.loss}`);
    assert.equal(fusedLossStep('meanSquaredError', 'softmax', z, z, Int32Array.from([0, 0])), undefined);
  });

  it('rejects labels outside the output range', () => {
    const p = tensor([2, 3]);
    assert.throws(() => lossForward('categoricalCrossentropy', p, Int32Array.from([0, 3])), /label 3 of sample 1/);
    assert.throws(() => lossForward('meanSquaredError', p, Int32Array.from([0])), /1 labels for a batch of 2/);
  });

  it('match tfjs losses and gradients', () => {
    const rng = createRng(5);
    const n = 6;
    const c = 4;
    const z = randomTensor([n, c], rng, 2);
    const labels = labelsFor(n, c, 9);
    const probs = activate('softmax', z);
    tf.tidy(() => {
      const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), c);
      const zt = tf.tensor2d(z.data, [n, c]);
      const ce = (l: tf.Tensor): tf.Scalar => tf.losses.softmaxCrossEntropy(onehot, l) as tf.Scalar;
      const { value, grads } = tf.valueAndGrads(ce)([zt]);
      const fused = fusedLossStep('categoricalCrossentropy', 'softmax', z, probs, labels)!;
      assertClose([fused.loss], [value.dataSync()[0]!], 1e-5, 'softmax CE');
      assertClose(fused.dLogits.data, grads[0]!.dataSync(), 1e-4, 'dCE/dlogits');
      const pt = tf.tensor2d(probs.data, [n, c]);
      const mse = tf.valueAndGrads((p: tf.Tensor) => tf.losses.meanSquaredError(onehot, p) as tf.Scalar)([pt]);
      assertClose([lossForward('meanSquaredError', probs, labels)], [mse.value.dataSync()[0]!], 1e-5, 'MSE');
      assertClose(lossBackward('meanSquaredError', probs, labels).data, mse.grads[0]!.dataSync(), 1e-4, 'dMSE/dp');
      const sig = activate('sigmoid', z);
      const bce = tf.losses.sigmoidCrossEntropy(onehot, zt).dataSync()[0]!;
      assertClose([fusedLossStep('binaryCrossentropy', 'sigmoid', z, sig, labels)!.loss], [bce], 1e-5, 'sigmoid BCE');
    });
  });
});

// The preprocessing layers (rescaling, normalization): their shape rule and diagnostics, the validator's checks of
// number-or-list fields, the engine's values on known inputs (Keras' formula, its ε for a zero variance), and the
// Keras and PyTorch export text.
import assert from 'node:assert/strict';
import { createLayer } from '../../../src/engine/layers';
import { createRng } from '../../../src/engine/rng';
import { tensor } from '../../../src/engine/tensor';
import { architectureFingerprint } from '../../../src/engine/weights';
import { exportKeras } from '../../../src/interop/keras/export';
import { modelPy } from '../../../src/interop/pytorch/modelPy';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';

const errorsOf = (input: readonly number[], layer: Layer): string[][] =>
  analyze(input, [layer]).layers[0]!.errors.map((e) => [e.field ?? '', e.message]);

/** The layer's forward on one sample of `input`'s shape. */
function forward(input: readonly number[], layer: Layer, x: readonly number[]): number[] {
  const analysis = analyze(input, [layer]);
  assert.ok(analysis.ok, JSON.stringify(analysis.layers[0]!.errors));
  const engine = createLayer(analysis.layers[0]!, createRng(1));
  return [...engine.forward(tensor([1, ...input], Float32Array.from(x)), false).data];
}

const model = (layers: Layer[], shape: [number, number, number] = [2, 2, 3]): Model => ({ format: MODEL_FORMAT, name: 'pre', input: { shape }, layers });

describe('preprocessing layers: rescaling and normalization', () => {
  it('normalization names the field whose values do not match the channels', () => {
    assert.deepEqual(errorsOf([28, 28, 1], { type: 'normalization', mean: [0.485, 0.456, 0.406], variance: 0.05 }), [
      ['mean', 'normalization.mean has 3 values but the input has 1 channel (input 28×28×1): give one number or 1'],
    ]);
    assert.deepEqual(errorsOf([10], { type: 'normalization', mean: 0, variance: [1, 2] }), [
      ['variance', 'normalization.variance has 2 values but the input has 10 channels (input 10): give one number or 10'],
    ]);
    assert.deepEqual(errorsOf([4, 4, 3], { type: 'normalization', mean: [1, 2, 3], variance: 4 }), []);
  });

  it('keeps the shape and has no parameters', () => {
    for (const layer of [{ type: 'rescaling', scale: 2 }, { type: 'normalization', mean: 0.5, variance: [1, 2, 3] }] as Layer[]) {
      const a = analyze([4, 5, 3], [layer]);
      assert.deepEqual(a.outputShape, [4, 5, 3]);
      assert.deepEqual(a.layers[0]!.params, { trainable: 0, nonTrainable: 0 });
    }
  });

  it('the validator reports bad numbers, empty lists and a negative variance at the element', () => {
    const diags = (layer: string): string[] => {
      const text = `{"format": "${MODEL_FORMAT}", "name": "m", "input": {"shape": [2, 2, 3]}, "layers": [${layer}]}`;
      return parseModelText(text).diagnostics.map((d) => `${d.code}: ${d.message}`);
    };
    assert.deepEqual(diags('{"type": "normalization", "mean": [0.5, "a", 0.5], "variance": 1}'), ['wrong-type: layers[0].mean[1] must be a number, not the string \"a\"']);
    assert.deepEqual(diags('{"type": "normalization", "mean": [], "variance": 1}'), ['out-of-range: layers[0].mean is empty: give one number, or one per channel']);
    assert.deepEqual(diags('{"type": "normalization", "mean": 0, "variance": [1, -1, 1]}'), ['out-of-range: layers[0].variance[1] is -1; it must be ≥ 0 and ≤ 1000000000000']);
    assert.deepEqual(diags('{"type": "normalization", "mean": 0, "variance": "1"}'), ['wrong-type: layers[0].variance must be a number or an array of numbers (one per channel), not the string "1"']);
    assert.deepEqual(diags('{"type": "rescaling"}'), ['missing-field: layers[0] needs "scale"']);
    assert.deepEqual(diags('{"type": "rescaling", "scale": 0.5, "offset": 1e13}'), ['out-of-range: layers[0].offset is 10000000000000; it must be ≥ -1000000000000 and ≤ 1000000000000']);
    assert.deepEqual(diags('{"type": "normalization", "mean": [0.485, 0.456, 0.406], "variance": [0.052441, 0.050176, 0.050625]}'), []);
  });

  it('rescaling computes x · scale + offset', () => {
    assert.deepEqual(forward([2, 1, 2], { type: 'rescaling', scale: 2, offset: -1 }, [0, 0.25, 0.5, 1]), [-1, -0.5, 0, 1]);
    assert.deepEqual(forward([3], { type: 'rescaling', scale: 1 / 255 }, [0, 51, 255]), [0, Math.fround(51 * Math.fround(1 / 255)), Math.fround(255 * Math.fround(1 / 255))]);
  });

  it('normalization computes (x − mean) / √variance per channel (the last axis), a number for every channel', () => {
    // Two pixels of three channels: means 1, 2, 3 and standard deviations 2, 4, 0.5.
    const y = forward([1, 2, 3], { type: 'normalization', mean: [1, 2, 3], variance: [4, 16, 0.25] }, [1, 2, 3, 5, 10, 2]);
    assert.deepEqual(y, [0, 0, 0, 2, 2, -2]);
    assert.deepEqual(forward([4], { type: 'normalization', mean: 0.5, variance: 0.25 }, [0, 0.5, 1, 0.25]), [-1, 0, 1, -0.5]);
  });

  it("normalization divides by Keras' max(√variance, 1e-7): a zero variance does not divide by 0", () => {
    const [a, b] = forward([2], { type: 'normalization', mean: [1, 0], variance: [0, 1] }, [1.5, 3]);
    assert.ok(Math.abs(a! - 0.5e7) <= 1, `${a}`);
    assert.equal(b, 3);
  });

  it('the gradient is dy times the scale (the constants learn nothing)', () => {
    const analysis = analyze([1, 1, 2], [{ type: 'normalization', mean: [5, -5], variance: [4, 0.25] }]);
    const engine = createLayer(analysis.layers[0]!, createRng(1));
    engine.forward(tensor([1, 1, 1, 2], Float32Array.of(1, 1)), true);
    assert.deepEqual([...engine.backward(tensor([1, 1, 1, 2], Float32Array.of(1, 3))).data], [0.5, 6]);
    assert.equal(engine.params.length, 0);
  });

  it('exports to Keras as Rescaling and Normalization(mean=…, variance=…)', () => {
    const m = model([
      { type: 'rescaling', scale: 2, offset: -1 },
      { type: 'rescaling', name: 'to01', scale: 0.5 },
      { type: 'normalization', name: 'imagenet', mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] },
      { type: 'normalization', name: 'one', mean: 0.5, variance: 0.25 },
    ]);
    const text = exportKeras({ model: m, analysis: analyze(m.input.shape, m.layers), modelFile: 'pre.cnn.json', fingerprint: architectureFingerprint(m), weightsFile: 'pre.safetensors' });
    assert.ok(text.includes('layers.Rescaling(2, offset=-1, name="rescaling_0"),'), text);
    assert.ok(text.includes('layers.Rescaling(0.5, name="to01"),'));
    assert.ok(text.includes('layers.Normalization(axis=-1, mean=[0.485, 0.456, 0.406], variance=[0.052441, 0.050176, 0.050625], name="imagenet"),'));
    assert.ok(text.includes('layers.Normalization(axis=-1, mean=0.5, variance=0.25, name="one"),'));
  });

  it('exports to PyTorch as x * scale + offset and a Normalization module of constant buffers', () => {
    const m = model([
      { type: 'rescaling', scale: 2, offset: -1 },
      { type: 'normalization', name: 'imagenet', mean: [0.485, 0.456, 0.406], variance: 0.25 },
      { type: 'flatten' },
    ]);
    const text = modelPy({ model: m, analysis: analyze(m.input.shape, m.layers), modelFile: 'pre.cnn.json', fingerprint: architectureFingerprint(m) });
    assert.match(text, /= x \* 2 \+ -1$/m);
    assert.match(text, /self\.imagenet = Normalization\(\[0\.485, 0\.456, 0\.406\], \[0\.25, 0\.25, 0\.25\]\)/);
    assert.ok(text.includes('class Normalization(nn.Module):'));
    assert.ok(text.includes('persistent=False'));
  });
});

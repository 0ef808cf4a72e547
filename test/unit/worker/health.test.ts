// Training health and every layer's kernels where they leave the engine: the kernel views the worker draws from
// (layout, caps, the shared scale) and the figures as the views take them (NaN as null). The real worker run and
// `cnn train`'s warning lines are in test/integration/worker/health.test.ts.
import * as assert from 'node:assert/strict';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { healthWarningLines } from '../../../src/extension/training/format';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';
import { featureMapsTransfer, type EpochView, type FeatureMapsView } from '../../../src/protocol/worker';
import { kernelViews, MAX_TILE_COLS, MAX_TILE_ROWS } from '../../../src/worker/kernelViews';
import { toEpochView, toHealthView } from '../../../src/worker/run';

function built(shape: readonly [number, number, number], layers: Layer[]): { net: Network; model: Model } {
  const model: Model = { format: MODEL_FORMAT, name: 'k', input: { shape }, layers };
  return { net: buildNetwork(model, inferShapes(model), 1), model };
}
const param = (net: Network, name: string) => net.params.find((p) => p.name === name)!;
const absMax = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('every layer\'s kernels (worker)', () => {
  it('lays conv kernels out as output × input tiles, depthwise per channel, dense and 1×1 as matrices, in file order', () => {
    const { net, model } = built([6, 6, 2], [
      { type: 'conv2d', name: 'c', filters: 3, kernelSize: [2, 3] },
      { type: 'depthwiseConv2d', name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same' },
      { type: 'separableConv2d', name: 'sep', filters: 4, kernelSize: 3, padding: 'same' },
      { type: 'conv2d', name: 'pw', filters: 5, kernelSize: 1 },
      { type: 'batchNorm', name: 'bn' },
      { type: 'flatten' },
      { type: 'dense', name: 'out', units: 2, activation: 'softmax' },
    ]);
    const views = kernelViews(net, inferShapes(model).layers);
    assert.deepEqual(views.map((v) => [v.param, v.kind, v.rows, v.cols, v.kh, v.kw]), [
      ['c.kernel', 'conv', 3, 2, 2, 3],
      ['dw.kernel', 'depthwise', 3, 2, 3, 3],
      ['sep.depthwiseKernel', 'depthwise', 6, 1, 3, 3],
      ['sep.pointwiseKernel', 'matrix', 4, 6, 1, 1],
      ['pw.kernel', 'matrix', 5, 4, 1, 1],
      ['out.kernel', 'matrix', 2, 5 * 4 * 5, 1, 1],
    ]);
    // Tile (out o, in i) pixel (y, x) is kernel[y][x][i][o] (HWIO).
    const c = views[0];
    const w = param(net, 'c.kernel').value;
    for (let o = 0; o < 3; o++)
      for (let i = 0; i < 2; i++)
        for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) assert.equal(c.data[((o * 2 + i) * 2 + y) * 3 + x], w[((y * 3 + x) * 2 + i) * 3 + o]);
    // Depthwise [kh, kw, channel, multiplier]: row = channel, column = multiplier.
    const dw = views[1];
    const dwv = param(net, 'dw.kernel').value;
    assert.equal(dw.data[((1 * 2 + 0) * 3 + 2) * 3 + 1], dwv[((2 * 3 + 1) * 3 + 1) * 2 + 0]);
    // Dense [in, out] → a row per output unit.
    const out = views[5];
    const ow = param(net, 'out.kernel').value;
    assert.equal(out.data[1 * 100 + 37], ow[37 * 2 + 1]);
    for (const v of views) {
      assert.ok(v.data instanceof Float32Array);
      assert.equal(v.data.length, v.rows * v.cols * v.kh * v.kw);
      assert.equal(v.absMax, absMax(param(net, v.param).value));
    }
  });

  it('caps a large layer to its first tiles but keeps the whole layer\'s scale and counts', () => {
    const { net, model } = built([8, 8, 40], [{ type: 'conv2d', name: 'big', filters: 100, kernelSize: 3 }]);
    const k = param(net, 'big.kernel');
    k.value[k.value.length - 1] = 7; // the last output channel of the last input: beyond what is drawn
    const [v] = kernelViews(net, inferShapes(model).layers);
    assert.deepEqual([v.rows, v.cols, v.totalRows, v.totalCols], [MAX_TILE_ROWS, MAX_TILE_COLS, 100, 40]);
    assert.equal(v.data.length, MAX_TILE_ROWS * MAX_TILE_COLS * 9);
    assert.equal(v.absMax, 7);
  });

  it('transfers the kernels\' buffers with the feature maps', () => {
    const { net, model } = built([4, 4, 1], [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 2 }]);
    const layerKernels = kernelViews(net, inferShapes(model).layers);
    const empty = { name: 'x', shape: [1], data: new Float32Array(1), min: 0, max: 0 };
    const maps: FeatureMapsView = { sample: { kind: 'file', path: 'a.png' }, caption: '', epoch: 1, input: empty, layers: [], probabilities: new Float32Array(2), classes: [], layerKernels };
    const buffers = featureMapsTransfer(maps);
    for (const v of layerKernels) assert.ok(buffers.includes(v.data.buffer as ArrayBuffer));
  });
});

describe('training health as the views take it', () => {
  it('turns figures that are not finite into null and rides on the epoch view', () => {
    const view = toHealthView({
      epoch: 3,
      steps: 4,
      samples: 128,
      gradNorm: Number.NaN,
      maxGradNorm: Number.POSITIVE_INFINITY,
      layers: [{ layer: 'c', index: 0, gradNorm: Number.NaN, updateRatio: 0.01, activation: 'relu', units: 4, dead: 0.5 }, { layer: 'a', index: 1, activation: 'tanh', units: 2, saturated: 0.25 }],
      warnings: [{ kind: 'explodingGradients', epoch: 3, layer: 'c', message: 'exploding gradients: …', remedy: 'Set "clipNorm".' }],
    });
    assert.equal(view.gradNorm, null);
    assert.equal(view.maxGradNorm, null);
    assert.deepEqual(view.layers[0], { layer: 'c', index: 0, gradNorm: null, updateRatio: 0.01, activation: 'relu', units: 4, dead: 0.5 });
    assert.equal('gradNorm' in view.layers[1], false);
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view, 'survives JSON as it is');
    const epoch: EpochView = toEpochView({ epoch: 3, learningRate: 0.1, trainLoss: 1, trainAccuracy: 0.5, seconds: 1 }, 10, undefined, view);
    assert.equal(epoch.health, view);
    assert.deepEqual(healthWarningLines('lenet5', epoch), ['lenet5: exploding gradients: … Set "clipNorm".']);
    assert.deepEqual(healthWarningLines('lenet5', { ...epoch, health: undefined }), []);
  });
});

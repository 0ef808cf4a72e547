// The exported ONNX models, run by ONNX Runtime (onnxruntime-node's bundled CPU runtime), give our engine's outputs:
// every example with its trained and with random weights, every layer type (from the registry), random chain and
// graph models.
import assert from 'node:assert/strict';
import { buildOnnxModel, exportOnnx } from '../../../src/interop/onnx/export';
import { analyze } from '../../../src/model/shapes';
import type { Model } from '../../../src/model/types';
import { assertCoversEveryLayerType, engineOutput, exampleModels, groupedModels, layerTypeModels, maxAbsDiff, networkOf, ortOutput, randomChainModel, randomGraphModel, randomInput, randomizeWeights, rngFor, trainSteps, weightsOf, windowModels } from '../../unit/interop/helpers';

const TOLERANCE = 1e-4;

async function agree(model: Model, net: ReturnType<typeof networkOf>, seed: number): Promise<void> {
  const analysis = analyze(model.input.shape, model.layers);
  const bytes = exportOnnx({ model, analysis, weights: weightsOf(net) });
  const n = 3;
  const x = randomInput(model, n, rngFor(seed));
  const ours = engineOutput(net, model, x, n);
  const theirs = await ortOutput(bytes, x, [n, ...model.input.shape]);
  assert.deepEqual(theirs.dims, [n, ...analysis.outputShape!]);
  const diff = maxAbsDiff(ours, theirs.data);
  assert.ok(diff <= TOLERANCE, `${model.name}: ONNX Runtime differs from the engine by ${diff}`);
}

describe('ONNX export run by ONNX Runtime', function () {
  this.timeout(120_000);

  for (const { file, model } of exampleModels()) {
    const name = file.split('/').pop()!;
    it(`${name} with random weights gives the engine's outputs`, async () => {
      const net = networkOf(model);
      randomizeWeights(net, rngFor(5));
      await agree(model, net, 11);
    });

    it(`${name} after training steps (weights and batch-norm statistics moved by training) gives the engine's outputs`, async () => {
      const net = networkOf(model);
      trainSteps(net, model, rngFor(6));
      await agree(model, net, 12);
    });
  }

  const perType = layerTypeModels();
  for (const [k, { type, context, model }] of perType.entries()) {
    it(`${type} (its registry template, on ${context}) gives the engine's outputs`, async () => {
      const net = networkOf(model, 20 + k);
      randomizeWeights(net, rngFor(120 + k));
      await agree(model, net, 140 + k);
    });
  }

  it('has a case of every layer type', () => assertCoversEveryLayerType(perType.map((c) => c.type), 'the ONNX Runtime cases'));

  for (const [k, model] of groupedModels().entries()) {
    it(`${model.name} (conv2d groups: Conv's group) gives the engine's outputs`, async () => {
      const net = networkOf(model, 30 + k);
      randomizeWeights(net, rngFor(150 + k));
      await agree(model, net, 160 + k);
    });
  }

  for (let k = 0; k < 16; k++) {
    it(`random chain model #${k} gives the engine's outputs`, async () => {
      const model = randomChainModel(rngFor(300 + k), k);
      const net = networkOf(model, 7 + k);
      randomizeWeights(net, rngFor(40 + k));
      await agree(model, net, 60 + k);
    });
  }

  for (let k = 0; k < 12; k++) {
    it(`random graph model #${k} (add, concatenate, zero padding, separable conv, relu6, swish) gives the engine's outputs`, async () => {
      const model = randomGraphModel(rngFor(500 + k), k);
      const net = networkOf(model, 3 + k);
      randomizeWeights(net, rngFor(80 + k));
      await agree(model, net, 90 + k);
    });
  }

  for (const [k, model] of windowModels().entries()) {
    it(`${model.name} (PyTorch's window conventions: pads, ceil_mode, count_include_pad, dilations) gives the engine's outputs`, async () => {
      const net = networkOf(model, 30 + k);
      randomizeWeights(net, rngFor(160 + k));
      await agree(model, net, 180 + k);
    });
  }

  it('takes NHWC "input" through one Transpose and names the output "output"', () => {
    const model = exampleModels().find((e) => e.file.endsWith('lenet5.cnn.json'))!.model;
    const net = networkOf(model);
    const proto = buildOnnxModel({ model, analysis: analyze(model.input.shape, model.layers), weights: weightsOf(net), classes: ['a', 'b'] });
    const graph = proto.graph!;
    assert.equal(proto.opsetImport![0]!.version, 17);
    assert.deepEqual(graph.input!.map((i) => [i.name, i.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? d.dimValue)]), [['input', ['N', 28, 28, 1]]]);
    assert.deepEqual(graph.output!.map((i) => [i.name, i.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? d.dimValue)]), [['output', ['N', 10]]]);
    assert.deepEqual(graph.node!.map((n) => `${n.opType}:${n.name}`), [
      'Transpose:input/Transpose', 'Conv:conv2d_0', 'Relu:conv2d_0/Relu', 'MaxPool:maxPool2d_1', 'Conv:conv2d_2', 'Relu:conv2d_2/Relu', 'MaxPool:maxPool2d_3',
      'Transpose:flatten_4/Transpose', 'Flatten:flatten_4', 'Gemm:dense_5', 'Relu:dense_5/Relu', 'Gemm:dense_6', 'Relu:dense_6/Relu', 'Gemm:dense_7', 'Softmax:dense_7/Softmax',
    ]);
    // 'same' 5×5 on 28×28: two rows and columns on each side.
    const pads = graph.node![1]!.attribute!.find((a) => a.name === 'pads')!.ints!.map(Number);
    assert.deepEqual(pads, [2, 2, 2, 2]);
    assert.deepEqual(proto.metadataProps, [
      { key: 'classes', value: '["a","b"]' },
      { key: 'resize', value: 'stretch' },
      {
        key: 'preprocessing',
        value:
          'NHWC float32: each image is decoded to gray (ITU-R BT.601 luminance, alpha composited on black), fitted to 28 × 28 (height × width) by "stretch" — ' +
          "resized to the input's height and width, distorted when its aspect ratio differs — and divided by 255 (values 0…1), as CNN Studio feeds it",
      },
    ]);
  });

  it("puts Keras' odd 'same' padding at the bottom and right", () => {
    const model: Model = { format: 'cnn-studio/model@1', name: 'odd', input: { shape: [8, 8, 1] }, layers: [{ type: 'conv2d', filters: 1, kernelSize: 4, strides: 2, padding: 'same' }] };
    const net = networkOf(model);
    const proto = buildOnnxModel({ model, analysis: analyze(model.input.shape, model.layers), weights: weightsOf(net) });
    const conv = proto.graph!.node!.find((n) => n.opType === 'Conv')!;
    // out 4: (4 − 1)·2 + 4 − 8 = 2 → 1 before, 1 after; kernel 4 stride 1 on 8 would be 1 before and 2 after.
    assert.deepEqual(conv.attribute!.find((a) => a.name === 'pads')!.ints!.map(Number), [1, 1, 1, 1]);
    const model2: Model = { ...model, layers: [{ type: 'conv2d', filters: 1, kernelSize: 4, padding: 'same' }] };
    const proto2 = buildOnnxModel({ model: model2, analysis: analyze(model2.input.shape, model2.layers), weights: weightsOf(networkOf(model2)) });
    assert.deepEqual(proto2.graph!.node!.find((n) => n.opType === 'Conv')!.attribute!.find((a) => a.name === 'pads')!.ints!.map(Number), [1, 1, 2, 2]);
  });
});

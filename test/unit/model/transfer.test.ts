import { strict as assert } from 'node:assert';
import { parseModelText } from '../../../src/model/parse';
import { inferShapes } from '../../../src/model/shapes';
import { cutPoints, defaultCut, resolveCut, TransferError, transferModel } from '../../../src/model/transfer';
import type { Model } from '../../../src/model/types';
import { modelText, parseFile } from './helpers';

const load = (path: string): Model => {
  const m = parseFile(path).model;
  assert.ok(m, path);
  return m;
};

const transfer = (backbone: Model, cut: number, extra: Partial<Parameters<typeof transferModel>[0]> = {}) =>
  transferModel({ backbone, analysis: inferShapes(backbone), cut, classes: ['a', 'b', 'c'], name: 'x', trainData: 'photos', initialWeights: 'x.backbone.safetensors', ...extra });

describe('transfer: cutting a backbone and adding a head', () => {
  it("LeNet-5's default cut is the 84-unit layer before the classifier, kept and frozen, with a dense head", () => {
    const lenet = load('examples/lenet5.cnn.json');
    const a = inferShapes(lenet);
    assert.equal(defaultCut(a), 6);
    const t = transfer(lenet, 6);
    const types = t.model.layers.map((l) => l.type);
    assert.deepEqual(types, ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense', 'dense', 'dense']);
    assert.deepEqual(t.model.layers.map((l) => l.trainable), [false, undefined, false, undefined, undefined, false, false, undefined]);
    // Nothing moved, so unnamed layers keep their default names (and their weights' names).
    assert.equal(t.model.layers[0]!.name, undefined);
    assert.deepEqual(t.model.layers[7], { type: 'dense', name: 'head', units: 3, activation: 'softmax' });
    assert.equal(t.frozen, 4);
    const shapes = inferShapes(t.model);
    assert.ok(shapes.ok);
    assert.equal(shapes.totals.trainable, 84 * 3 + 3);
    assert.equal(shapes.totals.nonTrainable, 61706 - (84 * 10 + 10));
    assert.deepEqual(t.model.training, {
      data: { train: 'photos' },
      initialWeights: 'x.backbone.safetensors',
      optimizer: { type: 'adam', learningRate: 0.001 },
      loss: 'categoricalCrossentropy',
      batchSize: 16,
      epochs: 50,
      seed: 1,
    });
  });

  it('a spatial cut gets global average pooling; a 1×1 one a flatten; dropout when asked', () => {
    const lenet = load('examples/lenet5.cnn.json');
    assert.deepEqual(transfer(lenet, 3, { dropout: 0.2 }).model.layers.slice(4).map((l) => [l.type, l.name]), [
      ['globalAvgPool2d', 'head_pool'],
      ['dropout', 'head_dropout'],
      ['dense', 'head'],
    ]);
    const oneByOne = parseModelText(modelText([{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'globalAvgPool2d', keepDims: true }, { type: 'flatten' }, { type: 'dense', units: 2 }], [3, 3, 1])).model!;
    assert.deepEqual(transfer(oneByOne, 1).model.layers.slice(2).map((l) => l.type), ['flatten', 'dense']);
  });

  it("MobileNetV2's default cut is the global pooling before the classifier's dropout", () => {
    const m = load('examples/mobilenetv2.cnn.json');
    const a = inferShapes(m);
    const cut = defaultCut(a);
    assert.equal(a.layers[cut]!.type, 'globalAvgPool2d');
    assert.equal(a.layers[cut + 1]!.type, 'dropout');
  });

  it('a backbone whose output is spatial is kept whole', () => {
    const m = parseModelText(modelText([{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'conv2d', filters: 8, kernelSize: 3 }], [8, 8, 1])).model!;
    assert.equal(defaultCut(inferShapes(m)), 1);
  });

  it('cutting inside ResNet-20 keeps only what the cut depends on', () => {
    const resnet = load('examples/resnet20.cnn.json');
    const a = inferShapes(resnet);
    const points = cutPoints(a);
    const boundaries = points.filter((p) => p.boundary).map((p) => p.index);
    // A residual block's inner layers are not boundaries: the shortcut crosses them.
    const firstAdd = a.layers.findIndex((l) => l.type === 'add');
    const blockStart = Math.min(...a.layers[firstAdd]!.inputs.map((i) => i.index!));
    assert.ok(boundaries.includes(firstAdd) && boundaries.includes(blockStart));
    for (let k = blockStart + 1; k < firstAdd; k++) assert.ok(!boundaries.includes(k), `layer ${k} is inside the first block`);
    // Cut at the block's second convolution: the add and everything after go; all layers before it are ancestors.
    const cut = firstAdd - 1;
    const t = transfer(resnet, cut);
    assert.equal(t.kept.length, cut + 1);
    assert.ok(inferShapes(t.model).ok);
  });

  it('a preprocessing layer goes in front; layers that read the image read it, and unnamed layers keep their names', () => {
    const m = parseModelText(
      modelText(
        [
          { type: 'conv2d', name: 'a', filters: 2, kernelSize: 1 },
          { type: 'conv2d', filters: 2, kernelSize: 1, inputs: ['input'] },
          { type: 'add', inputs: ['a', 'conv2d_1'] },
          { type: 'globalAvgPool2d' },
          { type: 'dense', units: 2, activation: 'softmax' },
        ],
        [4, 4, 3],
      ),
    ).model;
    // conv2d_1 is referenced, so it must be named in the file already: this one is not valid.
    assert.equal(m, undefined);
    const ok = parseModelText(
      modelText(
        [
          { type: 'conv2d', name: 'a', filters: 2, kernelSize: 1 },
          { type: 'conv2d', name: 'b', filters: 2, kernelSize: 1, inputs: ['input'] },
          { type: 'add', inputs: ['a', 'b'] },
          { type: 'conv2d', filters: 2, kernelSize: 1 },
          { type: 'globalAvgPool2d' },
          { type: 'dense', units: 2, activation: 'softmax' },
        ],
        [4, 4, 3],
      ),
    ).model!;
    const t = transfer(ok, defaultCut(inferShapes(ok)), { convention: 'imagenet' });
    assert.deepEqual(t.model.layers[0], { type: 'normalization', name: 'preprocess', mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] });
    assert.deepEqual(t.model.layers[2]!.inputs, ['preprocess']);
    assert.equal(t.model.layers[4]!.name, 'conv2d_3');
    assert.ok(inferShapes(t.model).ok);
    assert.throws(() => transfer(t.model, 1, { convention: '-1-1' }), /already starts with a normalization layer/);
  });

  it('refuses one class, no class, and names what a wrong cut could have meant', () => {
    const lenet = load('examples/lenet5.cnn.json');
    assert.throws(() => transfer(lenet, 6, { classes: ['only'] }), (e: unknown) => e instanceof TransferError && /one class \(only\)/.test(e.message));
    assert.throws(() => transfer(lenet, 6, { classes: [] }), /no class folders/);
    const a = inferShapes(lenet);
    assert.equal(resolveCut(a, 'dense_5'), 5);
    assert.equal(resolveCut(a, '3'), 3);
    assert.throws(() => resolveCut(a, 'dense'), /no layer "dense".*names containing it: dense_5, dense_6, dense_7/);
    assert.throws(() => resolveCut(a, '99'), /index 0…7/);
  });

  it('the input size can change for a convolutional backbone', () => {
    const m = load('examples/mobilenetv2.cnn.json');
    const t = transfer(m, defaultCut(inferShapes(m)), { inputSize: [64, 48] });
    assert.deepEqual(t.model.input.shape, [64, 48, m.input.shape[2]]);
    assert.ok(inferShapes(t.model).ok);
  });
});

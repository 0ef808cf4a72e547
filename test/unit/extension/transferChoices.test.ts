import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { asksForConvention, chosenSize, classesProblem, conventionItems, createdMessage, cutItems, DEFAULT_CUT_NOTE, sizePrefill, sizeProblem } from '../../../src/extension/transfer/choices';
import type { ModelAnalysis } from '../../../src/model/analysis';
import { parseModelText } from '../../../src/model/parse';
import { inferShapes } from '../../../src/model/shapes';
import type { Layer } from '../../../src/model/types';

const analysis = (example: string): ModelAnalysis => {
  const m = parseModelText(readFileSync(`examples/${example}.cnn.json`, 'utf8')).model;
  assert.ok(m, example);
  return inferShapes(m);
};

describe('New Model from Pretrained: the quick picks and the input size box', () => {
  it("lists LeNet-5's cuts with the default (the 84-unit dense layer) first and marked, then every layer in order", () => {
    const items = cutItems(analysis('lenet5'));
    assert.deepEqual(items[0], { label: 'dense_6', description: `dense → 84 ${DEFAULT_CUT_NOTE}`, index: 6 });
    assert.equal(DEFAULT_CUT_NOTE, '(default: last feature layer before the classifier)');
    assert.deepEqual(items.map((i) => i.index), [6, 0, 1, 2, 3, 4, 5, 7]);
    assert.deepEqual(items[2], { label: 'maxPool2d_1', description: 'maxPool2d → 14×14×6', index: 1 });
    assert.equal(items.filter((i) => i.description.includes('default')).length, 1);
  });

  it("lists only ResNet-20's stage boundaries (never a layer inside a residual block), plus the default", () => {
    const items = cutItems(analysis('resnet20'));
    assert.equal(items[0]!.label, 'avg_pool');
    assert.match(items[0]!.description, /^globalAvgPool2d → 64 \(default/);
    const labels = items.map((i) => i.label);
    assert.deepEqual(labels.slice(1, 8), ['stem_conv', 'stem_bn', 'stem_relu', 'stage1_block1_add', 'stage1_block1_out', 'stage1_block2_add', 'stage1_block2_out']);
    assert.equal(labels.length, 23);
    for (const inside of ['stage1_block1_conv1', 'stage1_block1_bn1', 'stage1_block1_relu1', 'stage1_block1_conv2', 'stage3_block3_bn2']) assert.ok(!labels.includes(inside), inside);
    // Layer order after the default.
    const rest = items.slice(1).map((i) => i.index);
    assert.deepEqual(rest, [...rest].sort((a, b) => a - b));
  });

  it('offers the ImageNet convention first for an .onnx file, and asks only when the backbone has no preprocessing layer', () => {
    assert.deepEqual(conventionItems(true).map((i) => i.convention), ['imagenet', '-1-1', '0-1']);
    assert.deepEqual(conventionItems(false).map((i) => i.convention), ['0-1', '-1-1', 'imagenet']);
    assert.equal(conventionItems(true)[0]!.label, "ImageNet mean/std (normalization; torchvision's pretrained networks)");
    const conv: Layer = { type: 'conv2d', filters: 8, kernelSize: 3 };
    assert.equal(asksForConvention('/a/mobilenet_v2.onnx', [conv]), true);
    assert.equal(asksForConvention('/a/MODEL.ONNX', [conv]), true);
    assert.equal(asksForConvention('/a/m.onnx', [{ type: 'rescaling', scale: 2, offset: -1 }, conv]), false);
    assert.equal(asksForConvention('/a/m.onnx', [{ type: 'normalization', mean: [0.5], variance: [0.25] }, conv]), false);
    assert.equal(asksForConvention('/a/lenet5.cnn.json', [conv]), false);
  });

  it('prefills the backbone size and validates the box as cnn transfer --input-size does', () => {
    assert.equal(sizePrefill([224, 224, 3]), '224×224');
    assert.equal(sizePrefill([160, 120, 3]), '160×120');
    for (const ok of ['96', '96x128', '96×128', ' 224 x 224 ', '4096', '1x1']) assert.equal(sizeProblem(ok), undefined, ok);
    for (const bad of ['', '0', '4097', '96x0', '96x', 'x96', '96,96', '-96', '9.6', '96x96x3', 'big']) assert.match(sizeProblem(bad) ?? '', /^Height × width, e\.g\. 224 or 160x224, each 1 to 4096$/, bad);
    assert.deepEqual(chosenSize('96', [224, 224, 3]), [96, 96]);
    assert.deepEqual(chosenSize('96x128', [224, 224, 3]), [96, 128]);
    // The backbone's own size changes nothing (the model keeps its input as it is).
    assert.equal(chosenSize('224×224', [224, 224, 3]), undefined);
    assert.equal(chosenSize('nonsense', [224, 224, 3]), undefined);
  });

  it('refuses a folder with fewer than two classes, saying how many it has', () => {
    assert.equal(classesProblem('photos/', ['cat', 'dog']), undefined);
    assert.equal(classesProblem('photos/', []), 'Cannot train on photos/: it has no class folders; a classifier needs at least 2 (one subfolder of images per class).');
    assert.equal(classesProblem('photos/', ['cat']), 'Cannot train on photos/: it has one class folder (cat); a classifier needs at least 2 (one subfolder of images per class).');
  });

  it('says what was created with the counts', () => {
    assert.equal(
      createdMessage({ modelFile: 'photos.cnn.json', backboneFile: 'mobilenet_v2.onnx', cutName: 'globalAvgPool2d_97', frozen: 52, trainable: 3843, classes: 3 }),
      'Created photos.cnn.json from mobilenet_v2.onnx (up to globalAvgPool2d_97): 52 frozen layers, 3,843 trainable parameters, 3 classes.',
    );
    assert.equal(createdMessage({ modelFile: 'a.cnn.json', backboneFile: 'b.cnn.json', cutName: 'c', frozen: 1, trainable: 1, classes: 2 }), 'Created a.cnn.json from b.cnn.json (up to c): 1 frozen layer, 1 trainable parameter, 2 classes.');
  });
});

import { strict as assert } from 'node:assert';
import { parseModelText } from '../../../src/model/parse';
import { modelText, parseFile, textAt } from './helpers';

describe('model parser and validation', () => {
  for (const file of ['lenet5', 'simple-mnist-convnet', 'vgg-cifar']) {
    it(`accepts examples/${file}.cnn.json without diagnostics`, () => {
      const parsed = parseFile(`examples/${file}.cnn.json`);
      assert.deepEqual(parsed.diagnostics, []);
      assert.ok(parsed.model);
      assert.equal(parsed.layers.length, parsed.model.layers.length);
    });
  }

  it('points every error of the broken example at its exact text', () => {
    const { text, diagnostics } = parseFile('examples/broken.cnn.json');
    const found = diagnostics.map((d) => [d.code, textAt(text, d.range), d.layerIndex, d.suggestion]);
    assert.deepEqual(found, [
      ['unknown-type', '"maxpooling2d"', 1, 'maxPool2d'],
      ['unknown-field', '"kernel_size"', 2, 'kernelSize'],
      ['needs-flatten', '"dense"', 4, undefined],
    ]);
  });

  it('keeps key and value ranges of every layer field', () => {
    const { text, layers } = parseFile('examples/lenet5.cnn.json');
    assert.equal(textAt(text, layers[0].fields.get('kernelSize')!.value), '5');
    assert.equal(textAt(text, layers[0].fields.get('padding')!.key), '"padding"');
    assert.equal(textAt(text, layers[0].typeRange!), '"conv2d"');
    assert.ok(textAt(text, layers[7].range).startsWith('{ "type": "dense", "units": 10'));
  });

  it('reports malformed JSON as syntax errors without throwing', () => {
    for (const text of ['', '{', '{"format": }', '[1,2', '{"a": 1,}', 'null', '"x"', '{"layers": [ {"type": "conv2d",, } ]}']) {
      const parsed = parseModelText(text);
      assert.ok(parsed.diagnostics.length > 0, text);
      assert.equal(parsed.model, undefined);
    }
    assert.match(parseModelText('{"format": }').diagnostics[0].message, /JSON syntax error: value expected/);
  });

  it('requires format, input and layers and says which is missing', () => {
    const parsed = parseModelText('{ "name": "x" }');
    assert.deepEqual(
      parsed.diagnostics.map((d) => d.message),
      ['the model needs "format"', 'the model needs "input"', 'the model needs "layers"'],
    );
  });

  it('rejects wrong types with the field path', () => {
    const text = modelText([{ type: 'conv2d', filters: '32', kernelSize: 3 }, { type: 'dense', units: 2.5 }, { type: 'dropout', rate: 1 }]);
    const messages = parseModelText(text).diagnostics.map((d) => d.message);
    assert.deepEqual(messages, [
      'layers[0].filters must be a whole number, not the string "32"',
      'layers[1].units must be a whole number, not a fraction',
      'layers[2].rate is 1; it must be ≥ 0 and < 1',
    ]);
  });

  it('rejects absurd sizes (a conv with 10^12 filters) as out of range, on the value', () => {
    const text = modelText([{ type: 'conv2d', filters: 1e12, kernelSize: 3 }]);
    const parsed = parseModelText(text);
    assert.equal(parsed.diagnostics.length, 1);
    assert.equal(parsed.diagnostics[0].code, 'out-of-range');
    assert.equal(textAt(text, parsed.diagnostics[0].range), '1000000000000');
    const negative = parseModelText(modelText([{ type: 'dense', units: -3 }]));
    assert.match(negative.diagnostics[0].message, /layers\[0\]\.units is -3; it must be ≥ 1/);
    const input = parseModelText(modelText([], [0, 28, 1e9]));
    assert.equal(input.diagnostics.length, 2);
  });

  it('suggests the right name for misspelt fields and types (Keras names too)', () => {
    const cases: [unknown, string][] = [
      [{ type: 'Conv2D', filters: 1, kernelSize: 1 }, 'conv2d'],
      [{ type: 'MaxPooling2D' }, 'maxPool2d'],
      [{ type: 'BatchNormalization' }, 'batchNorm'],
      [{ type: 'desne', units: 1 }, 'dense'],
      [{ type: 'dense', unit: 1 }, 'units'],
      [{ type: 'conv2d', filters: 1, kernelSize: 1, stride: 2 }, 'strides'],
    ];
    for (const [layer, expected] of cases) {
      const d = parseModelText(modelText([layer])).diagnostics[0];
      assert.equal(d.suggestion, expected, JSON.stringify(layer));
      assert.match(d.message, new RegExp(`did you mean "${expected}"`));
    }
  });

  it('rejects unknown fields at every level, and duplicate keys', () => {
    const text = modelText([{ type: 'flatten', foo: 1 }], [28, 28, 1], { trainig: {}, training: { epoch: 3, optimizer: { type: 'adam', lr: 0.1 } } });
    const d = parseModelText(text).diagnostics;
    assert.deepEqual(
      d.map((x) => [x.message, x.suggestion]),
      [
        ['unknown field "foo" in layers[0]', undefined],
        ['unknown field "trainig"; did you mean "training"?', 'training'],
        ['unknown field "epoch" in training; did you mean "epochs"?', 'epochs'],
        ['unknown field "lr" in training.optimizer', undefined],
      ],
    );
    const dup = parseModelText('{"format":"cnn-studio/model@1","format":"x","input":{"shape":[1,1,1]},"layers":[]}');
    assert.match(dup.diagnostics[0].message, /"format" is given twice/);
  });

  it('validates the training section: data sources, optimizer variants, schedules', () => {
    const ok = modelText([{ type: 'flatten' }, { type: 'dense', units: 2 }], [8, 8, 1], {
      training: {
        data: { train: { images: 'a.idx', labels: 'b.idx' }, test: 'digits/test' },
        optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, schedule: { type: 'cosine' } },
        loss: 'sparseCategoricalCrossentropy',
        batchSize: 64,
        epochs: 3,
        validationSplit: 0.1,
        earlyStopping: { patience: 2 },
        augmentation: { shift: 0.1, horizontalFlip: true },
        seed: 7,
      },
    });
    const parsed = parseModelText(ok);
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(parsed.model!.training!.optimizer!.type, 'sgd');
    const bad = parseModelText(
      modelText([], [8, 8, 1], { training: { data: { train: 3 }, optimizer: { type: 'adamm' }, batchSize: 0, loss: 'mse' } }),
    ).diagnostics.map((d) => d.message);
    assert.deepEqual(bad, [
      'training.data.train must be a folder path or { "images": …, "labels": … }, not 3',
      'unknown type "adamm"; did you mean "adam"?',
      'training.batchSize is 0; it must be ≥ 1 and ≤ 65536',
      'training.loss must be one of "categoricalCrossentropy", "sparseCategoricalCrossentropy", "binaryCrossentropy", "meanSquaredError"',
    ]);
  });

  it('validates training.augmentation at the field: limits, ranges, and shift with its newer name', () => {
    const all = {
      randomResizedCrop: { scale: [0.08, 1], ratio: [0.75, 1.3333] }, rotation: 15, zoom: [0.9, 1.1], translation: 0.1,
      horizontalFlip: true, verticalFlip: false, brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.05, cutout: { holes: 2, size: 0.25 },
    };
    const ok = parseModelText(modelText([{ type: 'flatten' }], [8, 8, 3], { training: { augmentation: all } }));
    assert.deepEqual(ok.diagnostics, []);
    assert.deepEqual(ok.model!.training!.augmentation, all);
    assert.deepEqual(parseModelText(modelText([], [8, 8, 3], { training: { augmentation: { randomResizedCrop: {}, cutout: {} } } })).diagnostics, []);
    const text = modelText([], [8, 8, 3], {
      training: {
        augmentation: { rotation: 400, zoom: [2, 1], hue: 0.6, randomResizedCrop: { scale: [0, 1], ratio: 1.2 }, cutout: { holes: 0 }, shift: 0.1, translation: 0.2 },
      },
    });
    const found = parseModelText(text).diagnostics.map((d) => [d.code, d.message, textAt(text, d.range).replace(/\s+/g, '')]);
    assert.deepEqual(found, [
      ['out-of-range', 'training.augmentation.rotation is 400; it must be ≥ 0 and ≤ 180', '400'],
      ['out-of-range', 'training.augmentation.zoom is [2, 1]; the low end must not be above the high end', '[2,1]'],
      ['out-of-range', 'training.augmentation.hue is 0.6; it must be ≥ 0 and ≤ 0.5', '0.6'],
      ['out-of-range', 'training.augmentation.randomResizedCrop.scale[0] is 0; it must be > 0 and ≤ 1', '0'],
      ['wrong-type', 'training.augmentation.randomResizedCrop.ratio must be a range [low, high], not a fraction', '1.2'],
      ['out-of-range', 'training.augmentation.cutout.holes is 0; it must be ≥ 1 and ≤ 100', '0'],
      ['unknown-field', 'training.augmentation.shift is the older name of training.augmentation.translation: give only one of them', '"shift"'],
    ]);
  });

  it('rejects comments (other tools read these files as strict JSON)', () => {
    const parsed = parseModelText('{ // hi\n "format": "cnn-studio/model@1", "input": {"shape": [1,1,1]}, "layers": [] }');
    assert.equal(parsed.diagnostics[0].code, 'syntax');
  });
});

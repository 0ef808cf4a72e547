import { strict as assert } from 'node:assert';
import { parseModelText } from '../../../src/model/parse';
import { modelText, parseFile, textAt } from './helpers';

function shapesOf(layers: unknown[], input?: number[]) {
  const parsed = parseModelText(modelText(layers, input));
  assert.ok(parsed.analysis, 'analysis');
  return parsed;
}

function outputOf(layer: Record<string, unknown>, input: number[]): readonly number[] | undefined {
  const parsed = shapesOf([layer], input);
  assert.deepEqual(parsed.diagnostics, [], JSON.stringify(parsed.diagnostics));
  return parsed.analysis!.layers[0].outputShape;
}

describe('shape inference', () => {
  it('computes conv outputs for strides, padding and dilation (hand-checked)', () => {
    const conv = (extra: Record<string, unknown>) => ({ type: 'conv2d', filters: 4, ...extra });
    assert.deepEqual(outputOf(conv({ kernelSize: 3 }), [28, 28, 1]), [26, 26, 4]);
    assert.deepEqual(outputOf(conv({ kernelSize: 3, padding: 'same' }), [28, 28, 1]), [28, 28, 4]);
    assert.deepEqual(outputOf(conv({ kernelSize: 3, strides: 2 }), [28, 28, 1]), [13, 13, 4]);
    assert.deepEqual(outputOf(conv({ kernelSize: 3, strides: 2, padding: 'same' }), [28, 28, 1]), [14, 14, 4]);
    assert.deepEqual(outputOf(conv({ kernelSize: 3, strides: 2, padding: 'same' }), [7, 7, 1]), [4, 4, 4]);
    // dilation 2: a 3×3 kernel spans 5×5
    assert.deepEqual(outputOf(conv({ kernelSize: 3, dilationRate: 2 }), [10, 10, 1]), [6, 6, 4]);
    assert.deepEqual(outputOf(conv({ kernelSize: [1, 5], strides: [1, 2] }), [9, 11, 3]), [9, 4, 4]);
    assert.deepEqual(outputOf(conv({ kernelSize: [3, 5], dilationRate: [1, 2], padding: 'same' }), [9, 11, 3]), [9, 11, 4]);
  });

  it('computes same-padding amounts as Keras (extra row at the bottom/right)', () => {
    const parsed = shapesOf([{ type: 'conv2d', filters: 1, kernelSize: 4, padding: 'same' }], [6, 6, 1]);
    const w = parsed.analysis!.layers[0].window!;
    assert.deepEqual([w.padTop, w.padBottom, w.padLeft, w.padRight], [1, 2, 1, 2]);
    const strided = shapesOf([{ type: 'conv2d', filters: 1, kernelSize: 3, strides: 2, padding: 'same' }], [8, 8, 1]);
    const s = strided.analysis!.layers[0].window!;
    assert.deepEqual([s.padTop, s.padBottom, s.outH], [0, 1, 4]);
  });

  it('computes depthwise conv shapes and parameters', () => {
    const parsed = shapesOf([{ type: 'depthwiseConv2d', kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }], [16, 16, 8]);
    const info = parsed.analysis!.layers[0];
    assert.deepEqual(info.outputShape, [8, 8, 16]);
    assert.equal(info.params.trainable, 3 * 3 * 8 * 2 + 16);
    assert.equal(info.macs, 8 * 8 * 16 * 9);
  });

  it('computes grouped conv2d parameters and multiply-adds as PyTorch (nn.Conv2d(64, 128, 3, groups=32): 2,432)', () => {
    const info = shapesOf([{ type: 'conv2d', filters: 128, kernelSize: 3, padding: 'same', groups: 32 }], [14, 14, 64]).analysis!.layers[0];
    assert.deepEqual(info.outputShape, [14, 14, 128]);
    // kernel [3, 3, 64/32, 128] + bias 128, as sum(p.numel() for p in nn.Conv2d(64, 128, 3, groups=32).parameters())
    assert.equal(info.params.trainable, 3 * 3 * 2 * 128 + 128);
    assert.equal(info.macs, 14 * 14 * 128 * 3 * 3 * 2);
    // groups: 1 is the ungrouped layer
    const plain = shapesOf([{ type: 'conv2d', filters: 8, kernelSize: 3, groups: 1 }], [6, 6, 4]).analysis!.layers[0];
    assert.equal(plain.params.trainable, 3 * 3 * 4 * 8 + 8);
  });

  it('says which of input channels and filters a conv2d groups does not divide, on the groups field', () => {
    const text = modelText([{ type: 'conv2d', filters: 6, kernelSize: 3, groups: 4 }], [8, 8, 6]);
    const parsed = parseModelText(text);
    assert.deepEqual(parsed.diagnostics.map((d) => d.message), [
      'the number of input channels must be evenly divisible by the number of groups: groups=4, but the input has 6 channels',
      'the number of filters must be evenly divisible by the number of groups: groups=4, filters=6',
    ]);
    for (const d of parsed.diagnostics) {
      assert.equal(d.code, 'indivisible-groups');
      assert.deepEqual(d.path, ['layers', 0, 'groups']);
      assert.equal(textAt(text, d.range), '4');
    }
    const filtersOnly = parseModelText(modelText([{ type: 'conv2d', filters: 6, kernelSize: 1, groups: 4 }], [8, 8, 8])).diagnostics;
    assert.deepEqual(filtersOnly.map((d) => d.message), ['the number of filters must be evenly divisible by the number of groups: groups=4, filters=6']);
    for (const groups of [0, 2.5, -1]) {
      const bad = parseModelText(modelText([{ type: 'conv2d', filters: 6, kernelSize: 1, groups }], [8, 8, 6])).diagnostics;
      assert.equal(bad.length, 1, JSON.stringify(bad));
      assert.deepEqual(bad[0]!.path, ['layers', 0, 'groups']);
    }
  });

  it('computes pooling, global pooling and flatten shapes', () => {
    assert.deepEqual(outputOf({ type: 'maxPool2d' }, [28, 28, 6]), [14, 14, 6]);
    assert.deepEqual(outputOf({ type: 'avgPool2d', poolSize: 3, strides: 2 }, [28, 28, 6]), [13, 13, 6]);
    assert.deepEqual(outputOf({ type: 'maxPool2d', poolSize: 2, padding: 'same' }, [7, 7, 6]), [4, 4, 6]);
    assert.deepEqual(outputOf({ type: 'maxPool2d', poolSize: 2 }, [7, 7, 6]), [3, 3, 6]);
    assert.deepEqual(outputOf({ type: 'globalAvgPool2d' }, [7, 7, 6]), [6]);
    assert.deepEqual(outputOf({ type: 'globalMaxPool2d' }, [7, 7, 6]), [6]);
    assert.deepEqual(outputOf({ type: 'flatten' }, [5, 5, 16]), [400]);
  });

  it('counts batch-norm as 2 trainable + 2 non-trainable per channel, like Keras', () => {
    const info = shapesOf([{ type: 'batchNorm' }], [8, 8, 32]).analysis!.layers[0];
    assert.deepEqual(info.params, { trainable: 64, nonTrainable: 64 });
  });

  it("matches Keras' model.summary() for the simple MNIST convnet (34,826)", () => {
    const { analysis, diagnostics } = parseFile('examples/simple-mnist-convnet.cnn.json');
    assert.deepEqual(diagnostics, []);
    assert.equal(analysis!.totals.params, 34826);
    assert.deepEqual(
      analysis!.layers.map((l) => l.params.trainable),
      [320, 0, 18496, 0, 0, 0, 16010],
    );
    assert.deepEqual(analysis!.outputShape, [10]);
  });

  it("matches Keras' model.summary() for VGG-16 with its 1000-way head (138,357,544)", () => {
    const { analysis, diagnostics } = parseFile('test/fixtures/vgg16.cnn.json');
    assert.deepEqual(diagnostics, []);
    assert.equal(analysis!.totals.params, 138357544);
    assert.equal(analysis!.totals.trainable, 138357544);
    assert.deepEqual(analysis!.layers[17].outputShape, [7, 7, 512]);
    // VGG-16 is known as ~15.5 G multiply-adds per 224×224 image.
    assert.ok(Math.abs(analysis!.totals.macs / 1e9 - 15.47) < 0.05, String(analysis!.totals.macs));
  });

  it('reports a kernel that does not fit with exact numbers, on the kernelSize field', () => {
    const text = modelText([{ type: 'maxPool2d', poolSize: 7 }, { type: 'conv2d', filters: 2, kernelSize: 5 }]);
    const parsed = parseModelText(text);
    assert.equal(parsed.diagnostics.length, 1);
    const d = parsed.diagnostics[0];
    assert.equal(d.message, "kernel 5×5 does not fit the 4×4 input with 'valid' padding");
    assert.equal(d.code, 'kernel-too-large');
    assert.equal(textAt(text, d.range), '5');
    assert.deepEqual(d.path, ['layers', 1, 'kernelSize']);
    assert.equal(d.layerIndex, 1);
  });

  it('says a dense after a 3-D tensor needs a flatten, and still infers what follows', () => {
    const text = modelText([
      { type: 'conv2d', filters: 2, kernelSize: 3 },
      { type: 'dense', units: 16 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ]);
    const parsed = parseModelText(text);
    assert.equal(parsed.diagnostics.length, 1);
    assert.match(parsed.diagnostics[0].message, /dense needs a flat input, but gets 26×26×2: add a flatten or global pooling before it/);
    assert.equal(textAt(text, parsed.diagnostics[0].range), '"dense"');
    assert.deepEqual(parsed.analysis!.layers[2].outputShape, [10]);
    assert.equal(parsed.analysis!.layers[2].params.trainable, 170);
    assert.equal(parsed.model, undefined);
  });

  it('keeps inferring later layers past a layer whose shape is unknown', () => {
    const parsed = parseModelText(
      modelText([{ type: 'conv2d', filters: 2, kernelSize: 50 }, { type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'dense', units: 3 }]),
    );
    const layers = parsed.analysis!.layers;
    assert.equal(layers[1].outputShape, undefined);
    assert.deepEqual(layers[2].outputShape, [8]);
    assert.deepEqual(layers[3].outputShape, [3]);
    assert.equal(layers[3].params.trainable, 27);
  });

  it('reports conv after flatten as needing a spatial input', () => {
    const parsed = parseModelText(modelText([{ type: 'flatten' }, { type: 'conv2d', filters: 2, kernelSize: 3 }]));
    assert.equal(parsed.diagnostics[0].code, 'needs-spatial');
    assert.match(parsed.diagnostics[0].message, /needs a \[height, width, channels\] input, but gets 784/);
  });

  it('rejects activations too large to run, without allocating them', () => {
    const parsed = parseModelText(modelText([{ type: 'conv2d', filters: 1000000, kernelSize: 1 }], [65536, 65536, 1]));
    assert.ok(parsed.diagnostics.some((d) => d.code === 'too-large'));
  });

  it('summarises a 10,000-layer model', () => {
    const layers = [{ type: 'flatten' }, ...Array.from({ length: 9999 }, (_, i) => ({ type: 'dense', units: 8 + (i % 5) }))];
    const parsed = parseModelText(modelText(layers));
    assert.equal(parsed.analysis!.layers.length, 10000);
    assert.equal(parsed.diagnostics.length, 0);
  });
});

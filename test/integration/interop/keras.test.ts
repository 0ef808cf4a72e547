// The tf.keras export: golden files for a chain (LeNet-5, Sequential) and a graph (ResNet-20, functional), every
// layer type (from the registry) as the registry's Keras layer, and every generated file compiles (python3 -m
// py_compile; Keras itself is not installed here, so it is not run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectureFingerprint } from '../../../src/engine/weights';
import { exportKeras } from '../../../src/interop/keras/export';
import { defOf, LAYER_DEFS } from '../../../src/model/layers';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import type { Model } from '../../../src/model/types';
import { assertGolden } from './goldenFiles';
import { assertCoversEveryLayerType, exampleModels, groupedModels, layerTypeModels, randomChainModel, randomGraphModel, ROOT, rngFor } from '../../unit/interop/helpers';
import { CHILD_TIMEOUT_MS } from '../../unit/availability';

const example = (name: string): Model => parseModelText(readFileSync(join(ROOT, `examples/${name}.cnn.json`), 'utf8')).model!;
const kerasOf = (model: Model): string =>
  exportKeras({ model, analysis: analyze(model.input.shape, model.layers), modelFile: `${model.name}.cnn.json`, fingerprint: architectureFingerprint(model), weightsFile: `${model.name}_keras.safetensors` });

describe('Keras export', () => {
  it('matches the golden file of LeNet-5 (Sequential) and of ResNet-20 (functional)', () => {
    assertGolden('lenet5_keras.py', kerasOf(example('lenet5')));
    assertGolden('resnet20_keras.py', kerasOf(example('resnet20')));
  });

  it('builds a chain as Sequential and a graph with the functional API, under our layer names', () => {
    const lenet = kerasOf(example('lenet5'));
    assert.match(lenet, /return keras\.Sequential\(\n {8}\[\n {12}keras\.Input\(shape=\(28, 28, 1\), name="input"\),\n {12}layers\.Conv2D\(6, kernel_size=\(5, 5\), strides=\(1, 1\), padding="same", activation="relu", name="conv2d_0"\),/);
    const resnet = kerasOf(example('resnet20'));
    assert.match(resnet, /^ {4}stage1_block1_add = layers\.Add\(name="stage1_block1_add"\)\(\[stage1_block1_bn2, stem_relu\]\)$/m);
    assert.match(resnet, /^ {4}return keras\.Model\(inputs, predictions, name="resnet20"\)$/m);
    const mobile = kerasOf(example('mobilenetv2'));
    assert.match(mobile, /layers\.ZeroPadding2D\(padding=\(\(0, 1\), \(0, 1\)\), name="[^"]+"\)/);
    assert.match(mobile, /layers\.DepthwiseConv2D\(kernel_size=\(3, 3\), strides=\(2, 2\), padding="valid", use_bias=False, name="[^"]+"\)/);
    // Batch norm: Keras' own momentum and epsilon; weights in set_weights order.
    assert.match(resnet, /layers\.BatchNormalization\(momentum=0\.99, epsilon=0\.001, name="stem_bn"\)/);
    assert.ok(resnet.includes('("stem_bn", ["stem_bn.gamma", "stem_bn.beta", "stem_bn.movingMean", "stem_bn.movingVariance"]),'));
  });

  it('writes activations every Keras version knows: relu6 and the fused leakyRelu as functions', () => {
    const model: Model = {
      format: 'cnn-studio/model@1',
      name: 'acts',
      input: { shape: [8, 8, 2] },
      layers: [
        { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu6' },
        { type: 'separableConv2d', filters: 3, kernelSize: 3, depthMultiplier: 2, activation: 'leakyRelu', useBias: false },
        { type: 'leakyRelu', alpha: 0.1 },
        { type: 'swish' },
        { type: 'relu6' },
        { type: 'globalAvgPool2d' },
        { type: 'dense', units: 2, activation: 'swish' },
        { type: 'softmax' },
      ],
    };
    const py = kerasOf(model);
    assert.ok(py.includes('layers.Conv2D(2, kernel_size=(3, 3), strides=(1, 1), padding="valid", activation=tf.nn.relu6, name="conv2d_0")'));
    assert.ok(py.includes('layers.SeparableConv2D(3, kernel_size=(3, 3), strides=(1, 1), padding="valid", depth_multiplier=2, use_bias=False, activation=leaky_relu, name="separableConv2d_1")'));
    assert.ok(py.includes('    return tf.nn.leaky_relu(x, alpha=0.3)'));
    assert.ok(py.includes('layers.LeakyReLU(0.1, name="leakyRelu_2")'));
    assert.ok(py.includes('layers.Activation("swish", name="swish_3")'));
    assert.ok(py.includes('layers.ReLU(max_value=6.0, name="relu6_4")'));
    assert.ok(py.includes('layers.Dense(2, activation="swish", name="dense_6")'));
    assert.ok(py.includes('("separableConv2d_1", ["separableConv2d_1.depthwiseKernel", "separableConv2d_1.pointwiseKernel"]),'));
  });

  it('writes "trainable": false as trainable=False, on each layer it freezes', () => {
    const model: Model = {
      format: 'cnn-studio/model@1',
      name: 'frozen',
      input: { shape: [8, 8, 2] },
      layers: [
        { type: 'conv2d', filters: 2, kernelSize: 3, padding: [[1, 0], [0, 1]], trainable: false },
        { type: 'batchNorm', trainable: false },
        { type: 'relu', trainable: false },
        { type: 'flatten' },
        { type: 'dense', units: 2, activation: 'softmax', trainable: true },
      ],
    };
    const py = kerasOf(model);
    assert.match(py, /layers\.Conv2D\(2, [^\n]*, trainable=False, name="conv2d_0"\)/);
    assert.ok(py.includes('layers.BatchNormalization(momentum=0.99, epsilon=0.001, trainable=False, name="batchNorm_1")'), py);
    assert.ok(py.includes('layers.ReLU(trainable=False, name="relu_2")'), py);
    assert.ok(py.includes('layers.Dense(2, activation="softmax", name="dense_4")'), py);
    assert.equal(py.match(/trainable=False/g)?.length, 3);
  });

  it('refuses a learningRateMultiplier that changes training (Keras has no per-layer rate), and drops one that changes nothing', () => {
    const model = (layers: Model['layers']): Model => ({ format: 'cnn-studio/model@1', name: 'rates', input: { shape: [8, 8, 2] }, layers });
    const head: Model['layers'] = [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }];
    assert.throws(
      () => kerasOf(model([{ type: 'conv2d', name: 'backbone', filters: 2, kernelSize: 3, learningRateMultiplier: 0.1 }, ...head])),
      (e: Error) => e.message === 'layer "backbone" (conv2d) cannot be written in Keras: "learningRateMultiplier": 0.1 (Keras has no per-layer learning rate; the PyTorch export keeps it as a param group\'s lr)',
    );
    assert.throws(() => kerasOf(model([{ type: 'conv2d', filters: 2, kernelSize: 3 }, ...head.slice(0, 1), { type: 'dense', units: 2, learningRateMultiplier: 0 }])), /"dense_2" \(dense\) cannot be written in Keras: "learningRateMultiplier": 0 /);
    // 1 (the default), a frozen layer's and a relu's change nothing: the export is the one without them.
    const plain = kerasOf(model([{ type: 'conv2d', filters: 2, kernelSize: 3, trainable: false }, { type: 'relu' }, ...head]));
    const noEffect = kerasOf(model([{ type: 'conv2d', filters: 2, kernelSize: 3, trainable: false, learningRateMultiplier: 0.1 }, { type: 'relu', learningRateMultiplier: 5 }, head[0]!, { type: 'dense', units: 2, activation: 'softmax', learningRateMultiplier: 1 }]));
    assert.equal(noEffect, plain);
  });

  it('writes a grouped conv2d as Conv2D(groups=…): its kernel [kh, kw, in / groups, filters] is Keras\' as it is', () => {
    const [bottleneck, chain] = groupedModels();
    const py = kerasOf(bottleneck!);
    assert.ok(py.includes('layers.Conv2D(16, kernel_size=(1, 1), strides=(1, 1), padding="valid", activation="relu", name="conv2d_0")'), py);
    assert.ok(py.includes('layers.Conv2D(16, kernel_size=(3, 3), strides=(1, 1), padding="same", groups=4, activation="relu", name="conv2d_1")'), py);
    assert.ok(py.includes('layers.Conv2D(8, kernel_size=(1, 1), strides=(1, 1), padding="valid", groups=2, use_bias=False, name="project")'), py);
    assert.ok(kerasOf(chain!).includes('layers.Conv2D(9, kernel_size=(2, 3), strides=(1, 1), padding="same", dilation_rate=(2, 2), groups=9, name="conv2d_1")'));
  });

  it("writes every layer type as the registry's Keras layer (spec.keras), with its weights in set_weights order", () => {
    const perType = layerTypeModels();
    for (const { type, model } of perType) {
      const py = kerasOf(model);
      const info = analyze(model.input.shape, model.layers).layers.at(-1)!;
      // spec.keras is the class, or the class and its arguments ('ReLU(max_value=6)'): the call starts so.
      const call = `layers.${LAYER_DEFS[type].spec.keras.replace(/\)$/, '')}`;
      assert.ok(py.includes(call), `${model.name}: no ${call}`);
      // Keras' set_weights order is the registry's parameter order (docs/weights.md).
      const params = defOf(info.layer).params?.(info) ?? [];
      if (params.length) assert.ok(py.includes(`("${info.name}", [${params.map((p) => `"${info.name}.${p.name}"`).join(', ')}]),`), `${model.name}: weights`);
    }
    assertCoversEveryLayerType(perType.map((c) => c.type), 'the Keras cases');
  });

  it("writes PyTorch's explicit padding as Keras' own padding where equal, else ZeroPadding2D then 'valid'; refuses what Keras cannot say", () => {
    const chain = (shape: readonly [number, number, number], ...layers: Model['layers']): Model => ({ format: 'cnn-studio/model@1', name: 'w', input: { shape }, layers });
    // Symmetric padding 1 around a 3×3 stride-1 kernel is Keras' 'same'; zero is 'valid'.
    assert.ok(kerasOf(chain([8, 8, 2], { type: 'conv2d', filters: 2, kernelSize: 3, padding: 1 })).includes('layers.Conv2D(2, kernel_size=(3, 3), strides=(1, 1), padding="same", name="conv2d_0")'));
    assert.ok(kerasOf(chain([8, 8, 2], { type: 'maxPool2d', padding: 0 })).includes('layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding="valid", name="maxPool2d_0")'));
    // Keras' 'same' with stride 2 pads bottom/right only: PyTorch's symmetric 1 is not it.
    const conv = kerasOf(chain([8, 8, 2], { type: 'conv2d', filters: 2, kernelSize: 3, strides: 2, padding: 1 }, { type: 'depthwiseConv2d', kernelSize: 3, padding: [[0, 2], [1, 0]] }));
    // A chain is Sequential: the ZeroPadding2D comes right before the layer.
    assert.ok(conv.includes('layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="conv2d_0_pad"),\n            layers.Conv2D(2, kernel_size=(3, 3), strides=(2, 2), padding="valid", name="conv2d_0"),'), conv);
    assert.ok(conv.includes('layers.ZeroPadding2D(padding=((0, 2), (1, 0)), name="depthwiseConv2d_1_pad"),\n            layers.DepthwiseConv2D(kernel_size=(3, 3), strides=(1, 1), padding="valid", name="depthwiseConv2d_1"),'), conv);
    // Counted padding is zeros in the input.
    assert.ok(kerasOf(chain([8, 8, 2], { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, countIncludePad: true })).includes('layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="avgPool2d_0_pad"),\n            layers.AveragePooling2D(pool_size=(3, 3), strides=(2, 2), padding="valid", name="avgPool2d_0"),'));
    // A graph (functional API): the calls nest.
    const graph = kerasOf(chain([8, 8, 2], { type: 'conv2d', name: 'a', filters: 2, kernelSize: 3, padding: [[0, 1], [1, 0]] }, { type: 'add', inputs: ['a', 'a'] }));
    assert.ok(graph.includes('a = layers.Conv2D(2, kernel_size=(3, 3), strides=(1, 1), padding="valid", name="a")(layers.ZeroPadding2D(padding=((0, 1), (1, 0)), name="a_pad")(inputs))'), graph);
    const refusals: [Model['layers'][number], RegExp][] = [
      [{ type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1 }, /layer "maxPool2d_0" \(maxPool2d\) cannot be written in Keras: its padding 1 leaves cells out/],
      [{ type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1 }, /layer "avgPool2d_0" \(avgPool2d\) cannot be written in Keras: its padding 1 leaves cells out/],
      [{ type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true }, /ceilMode adds a last partial window, and Keras pools round down/],
      [{ type: 'maxPool2d', poolSize: 2, strides: 1, dilationRate: 2 }, /Keras pools have no dilation/],
    ];
    for (const [layer, message] of refusals) assert.throws(() => kerasOf(chain([8, 8, 2], layer)), message);
    // On 9×9, Keras' 'same' for a 3×3 stride-2 window pads 1 on every side: PyTorch's padding 1 is it.
    assert.ok(kerasOf(chain([9, 9, 2], { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1 })).includes('layers.MaxPooling2D(pool_size=(3, 3), strides=(2, 2), padding="same", name="maxPool2d_0")'));
    // Ceil mode that adds nothing is rounding down, which Keras does.
    assert.ok(kerasOf(chain([9, 9, 2], { type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true })).includes('padding="valid"'));
  });

  it('compiles for every example, every layer type and random chains and graphs (python3 -m py_compile)', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'cnn-keras-compile-'));
    try {
      const models = [...exampleModels().map((e) => e.model), ...layerTypeModels().map((c) => c.model), ...[0, 1, 2, 3].map((i) => randomChainModel(rngFor(80 + i), i)), ...[0, 1, 2, 3].map((i) => randomGraphModel(rngFor(90 + i), i)), ...groupedModels()];
      const files = models.map((m, i) => {
        const path = join(dir, `m${i}_keras.py`);
        writeFileSync(path, kerasOf(m));
        return path;
      });
      const r = spawnSync('/usr/bin/python3', ['-m', 'py_compile', ...files], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

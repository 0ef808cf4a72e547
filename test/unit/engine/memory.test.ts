// The training memory estimate: exact figures for a hand-computed model, the verdict for absurd models, and the
// estimate against what a real engine network allocates for one training step.
import { strict as assert } from 'node:assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { estimateTrainingMemory, optimizerSlots, type MemoryEstimate } from '../../../src/engine/plan/memory';
import { memoryLine, memoryVerdict } from '../../../src/engine/plan/memoryVerdict';
import { parseModelText } from '../../../src/model/parse';
import type { Model, TrainingConfig } from '../../../src/model/types';
import { modelText, parseFile } from '../model/helpers';

const GiB = 1024 ** 3;

function estimateOf(layers: unknown[], input: number[], training: TrainingConfig): MemoryEstimate {
  const parsed = parseModelText(modelText(layers, input, { training }));
  assert.deepEqual(parsed.diagnostics, []);
  assert.ok(parsed.analysis?.ok);
  return estimateTrainingMemory(parsed.analysis, parsed.model?.training);
}

describe('training memory estimate', () => {
  it('gives exact bytes for a small model (hand-computed)', () => {
    // conv 3×3×1×2 on 4×4×1 → 2×2×2, flatten → 8, dense 3 softmax; batch 2, SGD without momentum (no slots).
    const e = estimateOf(
      [{ type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }],
      [4, 4, 1],
      { batchSize: 2, optimizer: { type: 'sgd' } },
    );
    const bytes = Object.fromEntries(e.consumers.map((c) => [c.label, c.bytes]));
    // Every arena allocation is rounded up to 16 floats (64 bytes). The step's buffers (floats, aligned) and lives,
    // with forward(i) = i, loss 3, backward(i) = 6 − i, end 7: input 32 [0,0]; conv y 16 [0,4] (dense reads it in
    // backward), z 16 [0,6], cols 2·4·9 → 80 [0,6], dz 16 [6,6], dx 32 [6,7]; dense y 16 [2,7], z 16 [2,4],
    // dz 16 [4,4], dx 16 [4,6]; dLoss 16 [3,7]. First fit in start order, largest first: t0 cols@0 input@80 y@112
    // z@128; t2 dense y@80 z@96 (input's gap); t3 dLoss@144; t4 dense dx@160 dz@176; t6 conv dx@96 (the gap of
    // conv y and dense z) dz@176: 192 floats = 768 bytes, against 272 floats unshared (conv 160, dense 64, the
    // network's 48). Each layer is listed with its share, 768/1088 of its own buffers.
    const share = 768 / 1088;
    assert.deepEqual(bytes, {
      // value and gradient, aligned, and the checkpoint's encoded copy
      "conv2d_0's kernel, its gradient and checkpoint copy": 2 * 32 * 4 + 18 * 4,
      "conv2d_0's bias, its gradient and checkpoint copy": 2 * 16 * 4 + 2 * 4,
      "dense_2's kernel, its gradient and checkpoint copy": 2 * 32 * 4 + 24 * 4,
      "dense_2's bias, its gradient and checkpoint copy": 2 * 16 * 4 + 3 * 4,
      "conv2d_0's activations and gradients × batch 2": Math.round(80 * 4 * share),
      "conv2d_0's im2col patches × batch 2": Math.round(80 * 4 * share),
      "dense_2's activations and gradients × batch 2": Math.round(64 * 4 * share),
      "the network's input batch and loss gradient": Math.round(48 * 4 * share),
      // One GEMM over the batch: packed A grows 32 → 96 doubles (conv weight gradient), packed B 18 → 36.
      'the GEMM packing buffers (float64)': 132 * 8,
      "the optimizer's gradient scratch": 32 * 4,
      'the input batch (2 images)': 2 * 17 * 4,
    });
    assert.equal(e.totalBytes, 3044);
    assert.deepEqual(e.byKind, { parameters: 768, activations: 768 - 226, scratch: 226 + 1056 + 128, copies: 188, input: 136 });
    assert.equal(memoryLine(e), 'Training memory (batch 2, sgd): 3.0 KiB');
    assert.deepEqual(memoryVerdict(e, 8 * GiB), { ok: true, limitBytes: 4 * GiB });
  });

  it('counts the data as held: float images by default, the bytes given, and a stream\'s read-ahead buffers', () => {
    const parsed = parseModelText(modelText([{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }], [4, 4, 1], { training: { batchSize: 2, optimizer: { type: 'sgd' } } }));
    assert.ok(parsed.analysis?.ok);
    const analysis = parsed.analysis;
    const label = (o: Parameters<typeof estimateTrainingMemory>[2]) =>
      Object.fromEntries(estimateTrainingMemory(analysis, parsed.model?.training, o).consumers.filter((c) => c.kind === 'input').map((c) => [c.label, c.bytes]));
    assert.deepEqual(label({ samples: 10 }), { 'the input batch (2 images)': 2 * 17 * 4, 'the 10 training images in memory': 10 * 17 * 4 });
    assert.deepEqual(label({ samples: 10, dataBytes: 200 }), { 'the input batch (2 images)': 2 * 17 * 4, 'the 10 training images in memory': 200 });
    assert.deepEqual(label({ samples: 10, dataBytes: 40, streamed: true }), {
      'the input batch (2 images)': 2 * 17 * 4,
      'the 10 training images in memory': 40,
      'the streamed batches read ahead from disk': 2 * 2 * 16,
    });
  });

  it('counts optimizer slots as the engine rules declare them', () => {
    assert.equal(optimizerSlots(undefined), 2);
    assert.equal(optimizerSlots({ type: 'sgd' }), 0);
    assert.equal(optimizerSlots({ type: 'sgd', momentum: 0.9 }), 1);
    assert.equal(optimizerSlots({ type: 'adam' }), 2);
    assert.equal(optimizerSlots({ type: 'adamw' }), 2);
    assert.equal(optimizerSlots({ type: 'rmsprop' }), 1);
    assert.equal(optimizerSlots({ type: 'rmsprop', momentum: 0.5 }), 2);
  });

  it('refuses a dense layer of 1,048,576 units after a 28×28 flatten, naming its kernel and the units', () => {
    const e = estimateOf([{ type: 'flatten' }, { type: 'dense', units: 1048576 }], [28, 28, 1], {});
    const kernel = 784 * 1048576;
    assert.equal(e.consumers[0]!.label, "dense_1's kernel, its gradient, 2 Adam slots and checkpoint copies");
    // value, gradient, m, v; the checkpoint's encoded value and the state's copy and encoding of m and v
    assert.equal(e.consumers[0]!.bytes, kernel * 9 * 4);
    assert.ok(Number.isSafeInteger(e.totalBytes));
    const v = memoryVerdict(e, 24 * GiB);
    assert.equal(v.ok, false);
    assert.equal(
      v.message,
      `training needs ${(e.totalBytes / GiB).toFixed(1)} GiB: dense_1's kernel, its gradient, 2 Adam slots and checkpoint copies are 27.6 GiB; ` +
        "this machine has 24.0 GiB, CNN Studio uses at most half — reduce dense_1's units",
    );
  });

  it('refuses a conv of 1,000,000 filters for its activations × batch, with exact integer counts', () => {
    const e = estimateOf([{ type: 'conv2d', filters: 1000000, kernelSize: 3, activation: 'relu' }], [28, 28, 1], { batchSize: 32 });
    const activations = e.consumers.find((c) => c.kind === 'activations')!;
    // Y = 32 × 26·26·1,000,000 floats each: relu output, z, dz and the loss gradient, which all overlap in time; the
    // patches (32·676·9) beside them; the input (32·784) is dead after forward, so the input gradient takes its place.
    const Y = 32 * 676e6, cols = 32 * 676 * 9, image = 32 * 784;
    const plan = 4 * Y + cols + image;
    assert.equal(e.byKind.activations + e.byKind.scratch - e.consumers.find((c) => c.label.startsWith('the GEMM'))!.bytes - e.consumers.find((c) => c.label.startsWith("the optimizer's"))!.bytes, plan * 4);
    // conv2d_0's own buffers are y, z, dz and dx, listed with the plan's share of them.
    assert.equal(activations.bytes, Math.round((3 * Y + image) * 4 * (plan / (4 * Y + cols + 2 * image))));
    assert.equal(e.consumers[0], activations);
    assert.ok(Number.isSafeInteger(e.totalBytes));
    const v = memoryVerdict(e, 16 * GiB);
    assert.equal(
      v.message,
      "training needs 322.7 GiB: conv2d_0's activations and gradients × batch 32 are 241.8 GiB; " +
        'this machine has 16.0 GiB, CNN Studio uses at most half — reduce the batch size (32)',
    );
  });

  it('is below the limit for the examples on a 16 GiB machine', () => {
    for (const file of ['examples/lenet5.cnn.json', 'examples/simple-mnist-convnet.cnn.json', 'examples/vgg-cifar.cnn.json']) {
      const parsed = parseFile(file);
      const e = estimateTrainingMemory(parsed.analysis!, parsed.model?.training);
      assert.ok(memoryVerdict(e, 16 * GiB).ok, `${file}: ${memoryLine(e)}`);
    }
  });
});

describe('training memory estimate against the engine', () => {
  // Models that reach every buffer kind: kept and per-sample patches, pointwise conv, pools with argmax,
  // dropout masks, batch norm, a fused and an unfused loss, early stopping's copy, every optimizer.
  const cases: { name: string; layers: unknown[]; input: number[]; training: TrainingConfig }[] = [
    { name: 'lenet5 example', layers: [], input: [], training: {} },
    { name: 'simple convnet example', layers: [], input: [], training: {} },
    {
      name: 'mixed layers, rmsprop with momentum, early stopping',
      input: [12, 12, 3],
      layers: [
        { type: 'conv2d', filters: 10, kernelSize: 3, padding: 'same' },
        { type: 'batchNorm' },
        { type: 'relu' },
        { type: 'conv2d', filters: 4, kernelSize: 1 },
        { type: 'maxPool2d', poolSize: 2 },
        { type: 'depthwiseConv2d', kernelSize: 3, depthMultiplier: 2, activation: 'tanh' },
        { type: 'avgPool2d', poolSize: 2, padding: 'same' },
        { type: 'dropout', rate: 0.3 },
        { type: 'globalMaxPool2d' },
        { type: 'dense', units: 12, activation: 'leakyRelu' },
        { type: 'dense', units: 1, activation: 'sigmoid' },
      ],
      training: { batchSize: 5, loss: 'binaryCrossentropy', optimizer: { type: 'rmsprop', momentum: 0.5 }, earlyStopping: { patience: 2 } },
    },
    {
      name: 'big patches (per-sample im2col), sgd with momentum, mse',
      input: [64, 64, 3],
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: 7, strides: 1, activation: 'relu' },
        { type: 'globalAvgPool2d' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      training: { batchSize: 24, loss: 'meanSquaredError', optimizer: { type: 'sgd', momentum: 0.9 } },
    },
    {
      // Values read by several layers (gradient sums), one add reading a value twice, the model input read by the
      // stem and a concatenation, separable conv, zero padding, a dropout before the classifier.
      name: 'graph: residual block, concatenations, separable conv, adam',
      input: [10, 10, 2],
      layers: [
        { type: 'conv2d', name: 'stem', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'conv2d', name: 'c1', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu6' },
        { type: 'batchNorm', name: 'bn' },
        { type: 'add', name: 'sum', inputs: ['stem', 'bn'] },
        { type: 'add', name: 'twice', inputs: ['sum', 'sum', 'stem'] },
        { type: 'separableConv2d', name: 'sep', filters: 3, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'swish' },
        { type: 'concatenate', name: 'cat', inputs: ['input', 'sep', 'twice'] },
        { type: 'zeroPadding2D', name: 'pad', padding: [[1, 0], [2, 1]] },
        { type: 'conv2d', name: 'down', filters: 6, kernelSize: 3, strides: 2 },
        { type: 'flatten', name: 'flat' },
        { type: 'dropout', name: 'drop', rate: 0.2 },
        { type: 'dense', name: 'out', units: 4, activation: 'softmax' },
      ],
      training: { batchSize: 6, optimizer: { type: 'adam' } },
    },
    {
      // A dead branch (forward only), a separable conv reading only the model input, projection shortcut.
      name: 'graph: dead branch, projected shortcut, sgd with momentum',
      input: [9, 9, 3],
      layers: [
        { type: 'separableConv2d', name: 'a', filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' },
        { type: 'conv2d', name: 'side', filters: 7, kernelSize: 3 },
        { type: 'swish', name: 'sideAct' },
        { type: 'conv2d', name: 'main', filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputs: ['a'] },
        { type: 'conv2d', name: 'proj', filters: 8, kernelSize: 1, strides: 2, inputs: ['a'] },
        { type: 'add', name: 'res', inputs: ['main', 'proj'] },
        { type: 'globalAvgPool2d' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      training: { batchSize: 7, optimizer: { type: 'sgd', momentum: 0.9 } },
    },
    {
      // Frozen layers: no gradient and no optimizer slots for their parameters, a backbone with no backward pass.
      name: 'frozen backbone and a frozen layer between trainable ones, adam',
      input: [10, 10, 3],
      layers: [
        { type: 'conv2d', filters: 6, kernelSize: 3, activation: 'relu', trainable: false },
        { type: 'batchNorm', trainable: false },
        { type: 'depthwiseConv2d', kernelSize: 3, trainable: false },
        { type: 'conv2d', filters: 5, kernelSize: 3, activation: 'relu' },
        { type: 'conv2d', filters: 4, kernelSize: 1, trainable: false },
        { type: 'flatten' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      training: { batchSize: 4, optimizer: { type: 'adam' } },
    },
    {
      // Grouped convolutions: one GEMM per group (the packing buffers replay each), a grouped pointwise one too.
      name: 'grouped convolutions, rmsprop',
      input: [12, 11, 8],
      layers: [
        { type: 'conv2d', filters: 16, kernelSize: 3, strides: 2, padding: 'same', groups: 4, activation: 'relu' },
        { type: 'conv2d', filters: 12, kernelSize: 1, groups: 2 },
        { type: 'conv2d', filters: 300, kernelSize: 2, groups: 3, activation: 'tanh' },
        { type: 'globalAvgPool2d' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      training: { batchSize: 5, optimizer: { type: 'rmsprop' } },
    },
    {
      // Winograd (model/layers/winograd.ts): two convs by it in inference only (8 input channels: tiles beside the
      // kept patches), one in training too (32 → 33: tiles in forward, the input gradient's in the patches' buffer),
      // a transformed-filter buffer each; the packing buffers replay the 16 element GEMMs.
      name: 'Winograd convolutions, adam',
      input: [9, 7, 8],
      layers: [
        { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same' },
        { type: 'batchNorm' },
        { type: 'relu' },
        { type: 'conv2d', filters: 33, kernelSize: 3, activation: 'relu' },
        { type: 'globalAvgPool2d' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      training: { batchSize: 3, optimizer: { type: 'adam' } },
    },
  ];

  for (const c of cases) {
    it(`matches what the engine holds after a training step and an evaluation: ${c.name}`, async () => {
      const parsed = c.layers.length
        ? parseModelText(modelText(c.layers, c.input, { training: c.training }))
        : parseFile(c.name.startsWith('lenet5') ? 'examples/lenet5.cnn.json' : 'examples/simple-mnist-convnet.cnn.json');
      const model = parsed.model!;
      assert.ok(model && parsed.analysis?.ok, JSON.stringify(parsed.diagnostics));
      const training: TrainingConfig = c.layers.length ? c.training : { ...model.training, batchSize: 8 };
      const estimate = estimateTrainingMemory(parsed.analysis, training);
      const measured = await measureTrainingStep({ ...model, training }, training.batchSize!);
      // What the engine allocates itself: all but the training loop's batch, early stopping and checkpoint copies.
      const expected = estimate.totalBytes - estimate.byKind.input - estimate.byKind.copies;
      // Exact for these models (a tolerance once hid batch norm's gamma and beta being two allocations each); the
      // engine's small module buffers (pooling taps beyond 16) would need one.
      assert.equal(measured, expected, `measured ${measured} bytes, estimated ${expected} (${memoryLine(estimate)})`);
    });
  }
});

/**
 * Bytes of the typed arrays the engine allocates, and still holds, after building a network and its optimizer and
 * running one training step, one update and one evaluation: the typed array constructors are wrapped for the
 * duration (views of existing memory excluded), and a garbage collection drops buffers the engine replaced. The
 * engine modules are loaded afresh, so the GEMM packing buffers start empty as in a new process.
 */
async function measureTrainingStep(model: Model, batch: number): Promise<number> {
  for (const key of Object.keys(require.cache)) if (/[\\/]src[\\/]engine[\\/]/.test(key)) delete require.cache[key];
  /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module instance of the engine, see above */
  const { buildNetwork } = require('../../../src/engine/network') as typeof import('../../../src/engine/network');
  const { createOptimizer } = require('../../../src/engine/optimizers') as typeof import('../../../src/engine/optimizers');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const analysis = parseModelText(JSON.stringify(model)).analysis!;
  const loss = model.training?.loss ?? 'categoricalCrossentropy';
  const [h, w, c] = model.input.shape;
  const x = { shape: [batch, h, w, c], data: new Float32Array(batch * h * w * c).map((_, i) => (i % 7) / 7) };
  const labels = new Int32Array(batch).map((_, i) => i % Math.min(2, analysis.outputShape!.at(-1)!));
  const allocated: WeakRef<ArrayBufferView>[] = [];
  const originals = { Float32Array, Float64Array, Int32Array };
  const counting = <T extends Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor>(Base: T): T =>
    class extends (Base as Float32ArrayConstructor) {
      constructor(...args: unknown[]) {
        super(...(args as []));
        if (!(args[0] instanceof ArrayBuffer)) allocated.push(new WeakRef(this));
      }
    } as unknown as T;
  Object.assign(globalThis, { Float32Array: counting(Float32Array), Float64Array: counting(Float64Array), Int32Array: counting(Int32Array) });
  let network: ReturnType<typeof buildNetwork>;
  let optimizer: ReturnType<typeof createOptimizer>;
  try {
    network = buildNetwork(model, analysis, 1);
    optimizer = createOptimizer(model.training?.optimizer, network.params);
    network.zeroGrads();
    network.trainBatch(x, labels, loss);
    optimizer.step();
    network.evaluateBatch(x, labels, loss);
  } finally {
    Object.assign(globalThis, originals);
  }
  // WeakRef targets stay alive until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  // Typed arrays on the JS heap (the JavaScript GEMM's packing buffers) plus the arena the network owns.
  let bytes = network.arena.usedBytes;
  for (const ref of allocated) bytes += ref.deref()?.byteLength ?? 0;
  assert.ok(network && optimizer); // both held until here
  return bytes;
}

/** V8's collector, without starting node with --expose-gc. */
function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

// Per-layer learning-rate multipliers ("learningRateMultiplier"): every optimizer updates a param at lr × its
// multiplier (the schedule's rate too), AdamW's decoupled decay included, as a PyTorch param group with that lr.
// Expected numbers are the optimizer files' formulas worked out by hand (float64, then stored as float32). The
// default (1) changes no bit: checked against today's update written out (the rule at the plain rate) and against
// the same model spelling out 1 on every layer, on the JavaScript and (wasm.mocharc.json) WebAssembly kernels.
import { strict as assert } from 'node:assert';
import { getKernels } from '../../../src/engine/kernels';
import type { Param } from '../../../src/engine/layer';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer, learningRateAt, OPTIMIZER_DEFAULTS } from '../../../src/engine/optimizers';
import { adamRule } from '../../../src/engine/optimizers/adam';
import { rmspropRule } from '../../../src/engine/optimizers/rmsprop';
import type { UpdateRule } from '../../../src/engine/optimizers/rule';
import { sgdRule } from '../../../src/engine/optimizers/sgd';
import { createRng } from '../../../src/engine/rng';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model, type OptimizerConfig } from '../../../src/model/types';
import { closeTo as close, optimizerSteps, plainParam as param, randomTensor } from './helpers';

const run = (config: OptimizerConfig, multiplier: number | undefined, start: number[], grad: number[], steps: number): number[][] => optimizerSteps(config, start, grad, steps, multiplier);




const CONFIGS: readonly OptimizerConfig[] = [
  { type: 'sgd', learningRate: 0.1 },
  { type: 'sgd', learningRate: 0.1, momentum: 0.9 },
  { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { type: 'adam', learningRate: 0.1 },
  { type: 'adamw', learningRate: 0.1, weightDecay: 0.1 },
  { type: 'rmsprop', learningRate: 0.01 },
  { type: 'rmsprop', learningRate: 0.01, momentum: 0.5, clipNorm: 0.3 },
];
const label = (c: OptimizerConfig): string => JSON.stringify(c);

describe('learning-rate multipliers: the update math per optimizer', () => {
  it('sgd: p -= lr·m·g', () => {
    close(run({ type: 'sgd', learningRate: 0.1 }, 0.1, [1, -2], [0.5, 1], 2).flat(), [0.995, -2.01, 0.99, -2.02]);
    close(run({ type: 'sgd', learningRate: 0.1 }, 3, [1, -2], [0.5, 1], 1).flat(), [0.85, -2.3]);
  });

  it('sgd with momentum: the velocity is the gradient\'s (lr-free, as PyTorch), the step lr·m·v', () => {
    // v = [0.5, 1], then [0.95, 1.9]
    close(run({ type: 'sgd', learningRate: 0.1, momentum: 0.9 }, 0.1, [1, -2], [0.5, 1], 2).flat(), [0.995, -2.01, 0.9855, -2.029]);
  });

  it('sgd with Nesterov momentum: p -= lr·m·(g + μv)', () => {
    close(run({ type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true }, 0.1, [1, -2], [0.5, 1], 2).flat(), [0.9905, -2.019, 0.97695, -2.0461]);
  });

  it('adam: the bias-corrected step size is lr·m·√(1−β2^t)/(1−β1^t)', () => {
    close(run({ type: 'adam', learningRate: 0.1 }, 0.1, [1], [0.5], 2).flat(), [0.9900000632451532, 0.9800001079774973]);
    close(run({ type: 'adam', learningRate: 0.1 }, 3, [1], [0.5], 2).flat(), [0.7000018973545961, 0.4000032393249177]);
  });

  it('adamw: the decoupled decay uses the param group\'s rate too, p·(1 − lr·m·λ) (PyTorch\'s AdamW)', () => {
    close(run({ type: 'adamw', learningRate: 0.1, weightDecay: 0.1 }, 0.1, [1], [0.5], 2).flat(), [0.9890000632451532, 0.978011107914252]);
  });

  it('rmsprop, with and without momentum: Δ = lr·m·g/√(s+ε)', () => {
    close(run({ type: 'rmsprop', learningRate: 0.01 }, 0.1, [1], [0.5], 2).flat(), [0.9968377286643679, 0.9945435737405609]);
    close(run({ type: 'rmsprop', learningRate: 0.01, momentum: 0.5 }, 0.1, [1], [0.5], 2).flat(), [0.9968377286643679, 0.992962438072745]);
  });

  for (const config of CONFIGS) {
    it(`multiplier 0 leaves the values exactly as they were, and the slots advance as at 1 (${label(config)})`, () => {
      const start = [0.75, -1.5, 2];
      const frozen = param('w', start, 0);
      const full = param('w', start);
      const a = createOptimizer(config, [frozen]);
      const b = createOptimizer(config, [full]);
      for (const g of [[0.5, 1, -0.25], [-0.2, 0.4, 0.1]]) {
        frozen.grad.set(g);
        full.grad.set(g);
        a.step();
        b.step();
      }
      assert.deepEqual([...frozen.value], [...Float32Array.from(start)]);
      assert.notDeepEqual([...full.value], [...Float32Array.from(start)], 'the test can fail: at 1 the values move');
      // PyTorch's lr 0: the optimizer still keeps its statistics (so raising the multiplier later resumes smoothly).
      const slots = a.exportState().slots;
      for (const [k, v] of Object.entries(b.exportState().slots)) {
        // The velocity of sgd with L2 decay reads the (unchanged) value: it differs; the others hold only gradients.
        if (config.weightDecay && config.type === 'sgd') continue;
        // RMSprop's momentum (Keras' form) accumulates the rate-scaled steps: at rate 0 there are none.
        if (config.type === 'rmsprop' && k.endsWith('.momentum')) assert.deepEqual([...slots[k]!], [0, 0, 0], k);
        else assert.deepEqual(slots[k], v, k);
      }
    });

    it(`multiplier 1 is bit for bit the update without one (${label(config)})`, () => {
      const values = [0.3, -0.7, 1.1, 2.5];
      const grads = [[0.5, 1, -0.25, 0.125], [-0.2, 0.4, 0.1, 3]];
      const explicit = run(config, 1, values, grads[0]!, 1);
      const none = run(config, undefined, values, grads[0]!, 1);
      assert.deepEqual(explicit, none);
    });
  }

  it('each param at its own multiplier, indexed past frozen params; clipping sees every trainable gradient', () => {
    const slow = param('slow', [1], 0.1);
    const stats = param('stats', [7], 0.5, false);
    const fast = param('fast', [1], 3);
    const plain = param('plain', [1]);
    const opt = createOptimizer({ type: 'sgd', learningRate: 1, clipNorm: 1 }, [slow, stats, fast, plain]);
    slow.grad[0] = 3;
    fast.grad[0] = 4;
    plain.grad[0] = 0;
    assert.equal(opt.step(), 5); // the global norm, before clipping: the multiplier does not enter it
    close([slow.value[0]!, stats.value[0]!, fast.value[0]!, plain.value[0]!], [1 - 0.1 * 0.6, 7, 1 - 3 * 0.8, 1]);
  });

  it("under a schedule: the epoch's rate × the multiplier", () => {
    const p = param('w', [1], 0.1);
    const opt = createOptimizer({ type: 'sgd', learningRate: 0.1, schedule: { type: 'step', stepSize: 1, gamma: 0.5 } }, [p]);
    for (let epoch = 0; epoch < 3; epoch++) {
      opt.learningRate = learningRateAt(opt.baseLearningRate, opt.schedule, epoch, 3);
      p.grad[0] = 1;
      opt.step();
    }
    close([p.value[0]!], [1 - 0.01 - 0.005 - 0.0025]);
  });

  it('the optimizer state keeps its layout: a run resumes with other multipliers', () => {
    const a = param('w', [1, 2], 0.1);
    const optA = createOptimizer({ type: 'adam', learningRate: 0.05 }, [a]);
    a.grad.set([0.1, -0.3]);
    optA.step();
    const b = param('w', [...a.value], 1);
    const optB = createOptimizer({ type: 'adam', learningRate: 0.05 }, [b]);
    optB.importState(optA.exportState());
    assert.deepEqual(Object.keys(optB.exportState().slots).sort(), ['w.m', 'w.v']);
    assert.equal(optB.stepCount, 1);
  });
});

/** A small network with every kind of parameter the optimizer sees: conv, batch norm (with moving statistics),
 *  depthwise, dense. `extra` is spread into each layer. */
function model(extra: (layer: Layer, index: number) => Partial<Layer> = () => ({})): Model {
  const layers: Layer[] = [
    { type: 'conv2d', name: 'conv', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' },
    { type: 'batchNorm', name: 'bn' },
    { type: 'depthwiseConv2d', name: 'dw', kernelSize: 2, activation: 'swish' },
    { type: 'flatten' },
    { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
  ];
  return { format: MODEL_FORMAT, name: 'rates', input: { shape: [5, 5, 2] }, layers: layers.map((l, i) => ({ ...l, ...extra(l, i) }) as Layer) };
}
const build = (m: Model): Network => buildNetwork(m, inferShapes(m), 11);
const LABELS = Int32Array.from([0, 2, 1, 1]);
const LOSS = 'sparseCategoricalCrossentropy';

/** `steps` batches (one input per step), the rate changing every step as a schedule would; the params after. */
function train(net: Network, config: OptimizerConfig, steps: number, update: (p: Param[]) => () => void = (ps) => createStep(config, ps)): Float32Array[] {
  const step = update(net.params as Param[]);
  for (let s = 0; s < steps; s++) {
    net.zeroGrads();
    net.trainBatch(randomTensor([4, 5, 5, 2], createRng(100 + s)), LABELS, LOSS);
    step();
  }
  return net.params.map((p) => p.value.slice());
}

/** The engine's optimizer, its rate changed per step (0.5, 0.25, … of the base) as a schedule does per epoch. */
function createStep(config: OptimizerConfig, params: readonly Param[]): () => void {
  const opt = createOptimizer(config, params);
  return () => {
    opt.step();
    opt.learningRate /= 2;
  };
}

/** Today's update without multipliers, written out: clip-norm scale, then the rule at the plain rate per param. */
function referenceStep(config: OptimizerConfig, params: readonly Param[]): () => void {
  const d = OPTIMIZER_DEFAULTS;
  const rule: UpdateRule =
    config.type === 'sgd'
      ? sgdRule({ momentum: config.momentum ?? d.sgd.momentum, nesterov: config.nesterov ?? d.sgd.nesterov })
      : config.type === 'rmsprop'
        ? rmspropRule({ rho: config.rho ?? d.rmsprop.rho, momentum: config.momentum ?? d.rmsprop.momentum, epsilon: config.epsilon ?? d.rmsprop.epsilon })
        : adamRule({ beta1: d.adam.beta1, beta2: d.adam.beta2, epsilon: d.adam.epsilon, decoupledWeightDecay: config.type === 'adamw' ? config.weightDecay! : 0 });
  const trainable = params.filter((p) => p.trainable);
  const slots = trainable.map((p) => rule.slots.map(() => new Float32Array(p.value.length)));
  const l2 = config.type === 'adamw' ? 0 : (config.weightDecay ?? d[config.type].weightDecay);
  let lr = config.learningRate!;
  let step = 0;
  return () => {
    const kr = getKernels();
    let sumSq = 0;
    for (const p of trainable) sumSq = kr.sumSquares(p.grad, sumSq);
    const norm = Math.sqrt(sumSq);
    const scale = config.clipNorm !== undefined && norm > config.clipNorm ? config.clipNorm / norm : 1;
    step++;
    trainable.forEach((p, k) => kr.applyUpdate(rule, p.value, p.grad, new Float32Array(p.value.length), slots[k]!, scale, l2, step, lr));
    lr /= 2;
  };
}

describe('learning-rate multipliers in a network', () => {
  for (const config of CONFIGS) {
    it(`the default changes no bit: as today's update, and as "learningRateMultiplier": 1 on every layer (${label(config)})`, () => {
      const today = train(build(model()), config, 3, (ps) => referenceStep(config, ps));
      const none = train(build(model()), config, 3);
      const ones = train(build(model(() => ({ learningRateMultiplier: 1 }))), config, 3);
      assert.deepEqual(none, today);
      assert.deepEqual(ones, today);
    });
  }

  it("the layer's multiplier reaches its params; one SGD step moves them by m × the full step, 0 not at all", () => {
    const rates: Record<string, number> = { conv: 0.1, bn: 0, dw: 2.5 };
    const slow = build(model((l) => (l.name && l.name in rates ? { learningRateMultiplier: rates[l.name]! } : {})));
    assert.deepEqual(slow.params.map((p) => [p.name, p.learningRateMultiplier]), [
      ['conv.kernel', 0.1], ['conv.bias', 0.1], ['bn.gamma', 0], ['bn.beta', 0], ['bn.movingMean', 0], ['bn.movingVariance', 0],
      ['dw.kernel', 2.5], ['dw.bias', 2.5], ['out.kernel', 1], ['out.bias', 1],
    ]);
    const full = build(model());
    const before = full.params.map((p) => p.value.slice());
    const config: OptimizerConfig = { type: 'sgd', learningRate: 0.05 };
    const afterSlow = train(slow, config, 1);
    const afterFull = train(full, config, 1);
    slow.params.forEach((p, i) => {
      const m = rates[p.name.split('.')[0]!] ?? 1;
      const was = before[i]!;
      if (p.name === 'bn.movingMean' || p.name === 'bn.movingVariance') {
        // Moving statistics are not the optimizer's: they move in the forward pass whatever the multiplier.
        assert.deepEqual(afterSlow[i], afterFull[i], p.name);
        return;
      }
      if (m === 0) {
        assert.deepEqual(afterSlow[i], was, `${p.name} stays`);
        return;
      }
      const moved = afterFull[i]!.map((v, k) => v - was[k]!);
      assert.ok(moved.some((d) => d !== 0), `${p.name}: the test can fail`);
      const scale = Math.max(...moved.map(Math.abs));
      afterSlow[i]!.forEach((v, k) => {
        const expected = was[k]! + m * moved[k]!;
        assert.ok(Math.abs(v - expected) <= 1e-6 * scale + 2e-7 * Math.abs(was[k]!), `${p.name}[${k}]: ${v} vs ${expected}`);
      });
    });
  });
});

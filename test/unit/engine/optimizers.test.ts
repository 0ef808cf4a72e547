// Optimizer steps against values worked out by hand (and the formulas in the optimizer files).
import { strict as assert } from 'node:assert';
import type { OptimizerConfig } from '../../../src/model/types';
import type { Param } from '../../../src/engine/layer';
import { createOptimizer, OPTIMIZER_DEFAULTS } from '../../../src/engine/optimizers';
import { OPTIMIZER_SPEC } from '../../../src/model/modelSpec';
import { learningRateAt } from '../../../src/engine/optimizers/schedules';
import { closeTo as close, optimizerSteps as run, plainParam } from './helpers';

const param = (name: string, value: number[], trainable = true): Param => plainParam(name, value, undefined, trainable);




describe('optimizers', () => {
  it('sgd: p -= lr·g', () => {
    const [s1, s2] = run({ type: 'sgd', learningRate: 0.1 }, [1, -2], [0.5, 1], 2);
    close(s1, [0.95, -2.1]);
    close(s2, [0.9, -2.2]);
  });

  it('sgd defaults to Keras learning rate 0.01', () => {
    close(run({ type: 'sgd' }, [1], [1], 1)[0], [0.99]);
  });

  it('sgd with momentum: v = μv + g, p -= lr·v', () => {
    const [s1, s2] = run({ type: 'sgd', learningRate: 0.1, momentum: 0.9 }, [1, -2], [0.5, 1], 2);
    close(s1, [0.95, -2.1]);
    close(s2, [0.855, -2.29]); // v = [0.95, 1.9]
  });

  it('sgd with Nesterov momentum: p -= lr·(g + μv)', () => {
    const [s1, s2] = run({ type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true }, [1, -2], [0.5, 1], 2);
    close(s1, [0.905, -2.19]);
    close(s2, [0.7695, -2.461]);
  });

  it('sgd with L2 weight decay adds λ·p to the gradient', () => {
    const [s1, s2] = run({ type: 'sgd', learningRate: 0.1, weightDecay: 0.1 }, [1], [0.5], 2);
    close(s1, [0.94]); // g' = 0.5 + 0.1·1
    close(s2, [0.8806]); // g' = 0.5 + 0.1·0.94
  });

  it('clips the global gradient norm over all params', () => {
    const a = param('a', [0]);
    const b = param('b', [0]);
    const frozen = param('stats', [7], false);
    const opt = createOptimizer({ type: 'sgd', learningRate: 1, clipNorm: 1 }, [a, b, frozen]);
    a.grad[0] = 3;
    b.grad[0] = 4;
    assert.equal(opt.step(), 5);
    close([a.value[0], b.value[0], frozen.value[0]], [-0.6, -0.8, 7]);
    // Below the threshold nothing is scaled.
    a.grad[0] = 0.3;
    b.grad[0] = 0.4;
    opt.step();
    close([a.value[0], b.value[0]], [-0.9, -1.2]);
  });

  it('adam (Keras form, epsilon 1e-7) moves by ≈ lr per step for a constant gradient', () => {
    const steps = run({ type: 'adam', learningRate: 0.1 }, [1], [0.5], 3);
    close(steps.flat(), [0.9000006324515321, 0.8000010797749726, 0.7000014451046599]);
  });

  it('adamw decays the weights decoupled from the gradient; adam adds L2 to the gradient', () => {
    const adamw = run({ type: 'adamw', learningRate: 0.1, weightDecay: 0.1 }, [1], [0.5], 2).flat();
    const adamL2 = run({ type: 'adam', learningRate: 0.1, weightDecay: 0.1 }, [1], [0.5], 2).flat();
    close(adamw, [0.890000632451532, 0.7811010734504572]); // p·(1 − lr·λ) − adam step
    close(adamL2, [0.900000527043499, 0.8000482396285391]); // L2 is normalised away by √v
  });

  it('rmsprop: s = ρs + (1−ρ)g², p -= lr·g/√(s+ε)', () => {
    close(run({ type: 'rmsprop', learningRate: 0.01 }, [1], [0.5], 2).flat(), [0.9683772866436797, 0.94543573740561]);
  });

  it('rmsprop with momentum accumulates the increments', () => {
    close(run({ type: 'rmsprop', learningRate: 0.01, momentum: 0.5 }, [1], [0.5], 2).flat(), [0.9683772866436797, 0.9296243807274499]);
  });

  it('exports and imports state so a resumed run continues identically', () => {
    const config: OptimizerConfig = { type: 'adam', learningRate: 0.05 };
    const a = param('w', [1, 2]);
    const optA = createOptimizer(config, [a]);
    for (const g of [[0.1, -0.3], [0.2, 0.5]]) {
      a.grad.set(g);
      optA.step();
    }
    const b = param('w', [...a.value]);
    const optB = createOptimizer(config, [b]);
    optB.importState(optA.exportState());
    assert.equal(optB.stepCount, 2);
    a.grad.set([0.7, 0.1]);
    b.grad.set([0.7, 0.1]);
    optA.step();
    optB.step();
    assert.deepEqual([...b.value], [...a.value]);
    assert.deepEqual(Object.keys(optA.exportState().slots).sort(), ['w.m', 'w.v']);
  });

  it('refuses state of another optimizer or model with a clear message', () => {
    const p = param('w', [1]);
    const state = createOptimizer({ type: 'adam' }, [p]).exportState();
    assert.throws(() => createOptimizer({ type: 'rmsprop' }, [p]).importState(state), /state is for "adam" but the model now uses "rmsprop"/);
    assert.throws(() => createOptimizer({ type: 'adam' }, [param('other', [1])]).importState(state), /no "other\.m"/);
    assert.throws(() => createOptimizer({ type: 'adam' }, [param('w', [1, 2])]).importState(state), /"w\.m" has 1 values, the parameter has 2/);
  });
});

describe('optimizer defaults come from the spec table', () => {
  const variants = OPTIMIZER_SPEC.kind === 'tagged' ? OPTIMIZER_SPEC.variants : {};
  /** Every field of the variant that has a default in the spec, with that default. */
  const specDefaults = (type: string): Record<string, unknown> =>
    Object.fromEntries(Object.entries(variants[type].fields).flatMap(([k, f]) => ('default' in f && f.default !== undefined ? [[k, f.default]] : [])));

  it('has one entry per optimizer of the spec', () => {
    assert.deepEqual(Object.keys(OPTIMIZER_DEFAULTS).sort(), Object.keys(variants).sort());
  });

  for (const type of Object.keys(OPTIMIZER_DEFAULTS) as (keyof typeof OPTIMIZER_DEFAULTS)[]) {
    it(`${type}: the engine's defaults are the spec's, field by field`, () => {
      assert.deepEqual({ ...OPTIMIZER_DEFAULTS[type] }, specDefaults(type));
    });

    it(`${type}: an empty config trains exactly like one spelling out every spec default`, () => {
      // Catches a fallback inside the engine that bypasses the table (the AdamW 0.004 vs 0 drift).
      const implicit = run({ type } as OptimizerConfig, [1, -2], [0.5, 1], 3);
      const explicit = run({ type, ...specDefaults(type) } as OptimizerConfig, [1, -2], [0.5, 1], 3);
      assert.deepEqual(implicit, explicit);
    });
  }

  it("follows Keras: AdamW's weight decay is 0.004, the L2 penalty of the others 0", () => {
    assert.equal(OPTIMIZER_DEFAULTS.adamw.weightDecay, 0.004);
    for (const t of ['sgd', 'adam', 'rmsprop'] as const) assert.equal(OPTIMIZER_DEFAULTS[t].weightDecay, 0);
    assert.notDeepEqual(run({ type: 'adamw' }, [1], [0.5], 2), run({ type: 'adamw', weightDecay: 0 }, [1], [0.5], 2));
  });
});

describe('learning-rate schedules', () => {
  it('none: constant', () => assert.equal(learningRateAt(0.1, undefined, 7, 10), 0.1));
  it('step: × gamma every stepSize epochs', () => {
    const lrs = [0, 1, 2, 3, 4].map((e) => learningRateAt(1, { type: 'step', stepSize: 2, gamma: 0.5 }, e, 5));
    assert.deepEqual(lrs, [1, 1, 0.5, 0.5, 0.25]);
    assert.ok(Math.abs(learningRateAt(1, { type: 'step', stepSize: 1 }, 1, 5) - 0.1) < 1e-12);
  });
  it('exponential: × gamma per epoch', () => {
    close([0, 1, 2].map((e) => learningRateAt(1, { type: 'exponential', gamma: 0.9 }, e, 5)), [1, 0.9, 0.81], 1e-12);
  });
  it('cosine: from the base rate towards minLearningRate over all epochs', () => {
    close([0, 1, 2, 3].map((e) => learningRateAt(1, { type: 'cosine' }, e, 4)), [1, 0.8535533905932737, 0.5, 0.14644660940672627], 1e-12);
    close([learningRateAt(1, { type: 'cosine', minLearningRate: 0.1 }, 2, 4)], [0.55], 1e-12);
  });
});

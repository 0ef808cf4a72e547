// Typed views of the defaults in the spec tables (modelSpec.ts, spec.ts): the engine, worker, CLI and
// designer read these instead of repeating numbers, so a default is written down exactly once.
import { LOSSES, MODEL_SPEC, OPTIMIZER_SPEC, TRAINING_SPEC } from './modelSpec';
import { RESIZE_POLICIES } from './resize';
import type { FieldSpec, ObjectSpec } from './spec';
import type { AdamConfig, LossName, ResizePolicy, RmspropConfig, SgdConfig } from './types';

type Defaults<C, K extends keyof C> = { readonly [P in K]-?: Exclude<C[P], undefined> };
type Common = 'learningRate' | 'weightDecay';

export interface OptimizerDefaults {
  readonly sgd: Defaults<SgdConfig, Common | 'momentum' | 'nesterov'>;
  readonly adam: Defaults<AdamConfig, Common | 'beta1' | 'beta2' | 'epsilon'>;
  readonly adamw: Defaults<AdamConfig, Common | 'beta1' | 'beta2' | 'epsilon'>;
  readonly rmsprop: Defaults<RmspropConfig, Common | 'rho' | 'momentum' | 'epsilon'>;
}

function specDefault(spec: ObjectSpec, field: string, where: string): unknown {
  const f = spec.fields[field];
  // A missing default is a bug in the spec table; failing at import time shows it in every test.
  if (!f || !('default' in f) || f.default === undefined) throw new Error(`${where}.${field} has no default in the spec`);
  return f.default;
}

function num(spec: ObjectSpec, field: string, where: string): number {
  const v = specDefault(spec, field, where);
  if (typeof v !== 'number') throw new Error(`${where}.${field}'s default is not a number`);
  return v;
}

function bool(spec: ObjectSpec, field: string, where: string): boolean {
  const v = specDefault(spec, field, where);
  if (typeof v !== 'boolean') throw new Error(`${where}.${field}'s default is not a boolean`);
  return v;
}

function variant(spec: FieldSpec, type: string): ObjectSpec {
  const v = spec.kind === 'tagged' ? spec.variants[type] : undefined;
  if (!v) throw new Error(`the spec has no variant "${type}"`);
  return v;
}

function adamDefaults(type: 'adam' | 'adamw'): OptimizerDefaults['adam'] {
  const s = variant(OPTIMIZER_SPEC, type);
  const at = `optimizer ${type}`;
  return {
    learningRate: num(s, 'learningRate', at),
    weightDecay: num(s, 'weightDecay', at),
    beta1: num(s, 'beta1', at),
    beta2: num(s, 'beta2', at),
    epsilon: num(s, 'epsilon', at),
  };
}

export const OPTIMIZER_DEFAULTS: OptimizerDefaults = (() => {
  const sgd = variant(OPTIMIZER_SPEC, 'sgd');
  const rms = variant(OPTIMIZER_SPEC, 'rmsprop');
  return {
    sgd: {
      learningRate: num(sgd, 'learningRate', 'optimizer sgd'),
      weightDecay: num(sgd, 'weightDecay', 'optimizer sgd'),
      momentum: num(sgd, 'momentum', 'optimizer sgd'),
      nesterov: bool(sgd, 'nesterov', 'optimizer sgd'),
    },
    adam: adamDefaults('adam'),
    adamw: adamDefaults('adamw'),
    rmsprop: {
      learningRate: num(rms, 'learningRate', 'optimizer rmsprop'),
      weightDecay: num(rms, 'weightDecay', 'optimizer rmsprop'),
      rho: num(rms, 'rho', 'optimizer rmsprop'),
      momentum: num(rms, 'momentum', 'optimizer rmsprop'),
      epsilon: num(rms, 'epsilon', 'optimizer rmsprop'),
    },
  };
})();

export const SCHEDULE_DEFAULTS = (() => {
  const schedule = variant(OPTIMIZER_SPEC, 'sgd').fields.schedule;
  return {
    step: { gamma: num(variant(schedule, 'step'), 'gamma', 'schedule step') },
    cosine: { minLearningRate: num(variant(schedule, 'cosine'), 'minLearningRate', 'schedule cosine') },
  } as const;
})();

export interface TrainingDefaults {
  readonly loss: LossName;
  readonly batchSize: number;
  readonly epochs: number;
  readonly validationSplit: number;
  readonly seed: number;
}

function lossDefault(): LossName {
  const v = specDefault(TRAINING_SPEC, 'loss', 'training');
  const loss = LOSSES.find((l) => l === v);
  if (!loss) throw new Error(`training.loss's default "${String(v)}" is not a loss`);
  return loss;
}

export const TRAINING_DEFAULTS: TrainingDefaults = {
  loss: lossDefault(),
  batchSize: num(TRAINING_SPEC, 'batchSize', 'training'),
  epochs: num(TRAINING_SPEC, 'epochs', 'training'),
  validationSplit: num(TRAINING_SPEC, 'validationSplit', 'training'),
  seed: num(TRAINING_SPEC, 'seed', 'training'),
};

/** The input's defaults: the resize policy when the model says none. */
export const INPUT_DEFAULTS: { readonly resize: ResizePolicy } = (() => {
  const field = MODEL_SPEC.fields.input;
  if (field.kind !== 'object') throw new Error('input is not an object in the spec');
  const v = specDefault(field.spec, 'resize', 'input');
  const resize = RESIZE_POLICIES.find((p) => p === v);
  if (!resize) throw new Error(`input.resize's default "${String(v)}" is not a resize policy`);
  return { resize };
})();

/** The model input's resize policy, its default filled in. */
export function inputResize(input: { readonly resize?: ResizePolicy }): ResizePolicy {
  return input.resize ?? INPUT_DEFAULTS.resize;
}

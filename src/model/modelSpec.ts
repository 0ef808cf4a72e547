// The whole file's spec: root fields, input, the layer list and the training section.
// Layer fields live in spec.ts; this composes them.
import { AUGMENTATION_SPEC } from './augmentationSpec';
import { RESIZE_POLICIES } from './resize';
import { LAYER_SPECS, MAX_DIM, type FieldSpec, type ObjectSpec } from './spec';
import { MODEL_FORMAT } from './types';

const schedule: FieldSpec = {
  kind: 'tagged',
  doc: 'Learning-rate schedule over epochs.',
  variants: {
    step: {
      doc: 'Multiply the learning rate by gamma every stepSize epochs.',
      fields: {
        stepSize: { kind: 'int', min: 1, max: 1e6, doc: 'Epochs between decays.' },
        gamma: { kind: 'number', min: 0, max: 1, exclusiveMin: true, default: 0.1, doc: 'Decay factor.' },
      },
      required: ['stepSize'],
    },
    exponential: {
      doc: 'Multiply the learning rate by gamma after every epoch.',
      fields: { gamma: { kind: 'number', min: 0, max: 1, exclusiveMin: true, doc: 'Decay factor per epoch.' } },
      required: ['gamma'],
    },
    cosine: {
      doc: 'Cosine annealing from the learning rate to minLearningRate over all epochs.',
      fields: { minLearningRate: { kind: 'number', min: 0, max: 10, default: 0, doc: 'Final learning rate.' } },
      required: [],
    },
  },
};

// Each optimizer's defaults are Keras' (SGD 0.01, the others 0.001; AdamW's weight_decay 0.004): the engine,
// the CLI and the designer read them from here (model/defaults.ts), so they cannot drift apart.
function optimizerCommon(learningRate: number, weightDecay: number): Record<string, FieldSpec> {
  return {
    learningRate: { kind: 'number', min: 0, max: 10, exclusiveMin: true, default: learningRate, doc: 'Step size.' },
    weightDecay: { kind: 'number', min: 0, max: 1, default: weightDecay, doc: 'L2 penalty on the weights (AdamW: decoupled weight decay).' },
    clipNorm: { kind: 'number', min: 0, max: 1e6, exclusiveMin: true, doc: 'Clip the global gradient norm to this value.' },
    schedule,
  };
}
const epsilon: FieldSpec = { kind: 'number', min: 0, max: 1, exclusiveMin: true, default: 1e-7, doc: 'Numerical stability term.' };

function adamSpec(doc: string, weightDecay: number): ObjectSpec {
  return {
    doc,
    fields: {
      ...optimizerCommon(0.001, weightDecay),
      beta1: { kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.9, doc: 'Decay of the first moment.' },
      beta2: { kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.999, doc: 'Decay of the second moment.' },
      epsilon,
    },
    required: [],
  };
}

export const OPTIMIZER_SPEC: FieldSpec = {
  kind: 'tagged',
  doc: 'The optimizer (defaults as in Keras).',
  variants: {
    sgd: {
      doc: 'Stochastic gradient descent with optional (Nesterov) momentum.',
      fields: {
        ...optimizerCommon(0.01, 0),
        momentum: { kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0, doc: 'Momentum factor.' },
        nesterov: { kind: 'bool', default: false, doc: 'Use Nesterov momentum.' },
      },
      required: [],
    },
    adam: adamSpec('Adam.', 0),
    adamw: adamSpec('Adam with decoupled weight decay.', 0.004),
    rmsprop: {
      doc: 'RMSprop.',
      fields: {
        ...optimizerCommon(0.001, 0),
        rho: { kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.9, doc: 'Decay of the squared-gradient average.' },
        momentum: { kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0, doc: 'Momentum factor.' },
        epsilon,
      },
      required: [],
    },
  },
};

export { AUGMENTATION_SPEC };

export const LOSSES = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'] as const;

export const TRAINING_SPEC: ObjectSpec = {
  doc: 'How `CNN: Train Model` and `cnn train` train this model.',
  fields: {
    data: {
      kind: 'object',
      doc: 'Where the images are; paths are relative to this file.',
      spec: {
        doc: 'Training and test data.',
        fields: {
          train: { kind: 'dataSource', doc: 'Training data.' },
          test: { kind: 'dataSource', doc: 'Test data, evaluated after each epoch.' },
        },
        required: ['train'],
      },
    },
    optimizer: OPTIMIZER_SPEC,
    loss: { kind: 'enum', values: LOSSES, default: 'categoricalCrossentropy', doc: 'Loss function; labels are class indices.' },
    batchSize: { kind: 'int', min: 1, max: 65536, default: 32, doc: 'Samples per gradient step.' },
    epochs: { kind: 'int', min: 1, max: 100000, default: 1, doc: 'Passes over the training data.' },
    validationSplit: {
      kind: 'number',
      min: 0,
      max: 1,
      exclusiveMax: true,
      default: 0,
      doc: 'Fraction of the training data held out for validation.',
    },
    seed: { kind: 'int', min: 0, max: 4294967295, default: 1, doc: 'Seed for initialisation, shuffling, dropout and augmentation.' },
    earlyStopping: {
      kind: 'object',
      doc: 'Stop when the monitored metric has not improved for `patience` epochs, restoring the best weights.',
      spec: {
        doc: 'Early stopping.',
        fields: {
          patience: { kind: 'int', min: 1, max: 100000, doc: 'Epochs without improvement before stopping.' },
          monitor: { kind: 'enum', values: ['valLoss', 'valAccuracy'], default: 'valLoss', doc: 'The metric to watch.' },
        },
        required: ['patience'],
      },
    },
    augmentation: { kind: 'object', doc: 'Random changes to each training sample, drawn anew for every batch from the seed.', spec: AUGMENTATION_SPEC },
    topK: { kind: 'int', min: 1, max: 1000, doc: 'Also report top-k accuracy for this k.' },
    initialWeights: {
      kind: 'string',
      doc:
        'A .safetensors weights file, relative to this file, that a new run starts from: every layer whose parameters it holds (same name and shape) starts with them, the others from the seed (a pretrained backbone; `cnn transfer` writes it). Resume and --warm-start load over it.',
    },
  },
  required: [],
};

/** One element of `layers`: its "type" selects the layer spec. */
export const LAYER_ITEM: FieldSpec = { kind: 'tagged', variants: LAYER_SPECS, doc: 'A layer.' };

export const MODEL_SPEC: ObjectSpec = {
  doc: 'A CNN Studio model.',
  fields: {
    format: { kind: 'enum', values: [MODEL_FORMAT], doc: `Always "${MODEL_FORMAT}".` },
    name: { kind: 'string', doc: 'Model name, used for weight files and exports.' },
    description: { kind: 'string', doc: 'Free text.' },
    input: {
      kind: 'object',
      doc: 'The input images.',
      spec: {
        doc: 'Input.',
        fields: {
          shape: { kind: 'shape3', doc: `[height, width, channels], each 1…${MAX_DIM}.` },
          resize: {
            kind: 'enum',
            values: RESIZE_POLICIES,
            default: 'stretch',
            doc:
              'How an image of another aspect ratio is fitted to height × width: "stretch" distorts it, "centerCrop" keeps its centre ' +
              '(Keras\' crop_to_aspect_ratio), "letterbox" keeps all of it and pads with black (Keras\' pad_to_aspect_ratio). ' +
              'Training, evaluate, predict, explain and the exports all fit images so.',
          },
        },
        required: ['shape'],
      },
    },
    layers: { kind: 'array', items: LAYER_ITEM, doc: 'The layers, in order.' },
    training: { kind: 'object', spec: TRAINING_SPEC, doc: TRAINING_SPEC.doc },
  },
  required: ['format', 'input', 'layers'],
};

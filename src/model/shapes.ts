// The one shape function: per layer, input → output shape, parameters, multiply-adds and activation size,
// or an error with exact numbers. Designer, hover, inlay hints, diagnostics, CLI and engine all read it.
import type { LayerInfo, ModelAnalysis, ParamCount, ShapeError } from './analysis';
import { isWindowError, window2d, type Window2d } from './geometry';
import { field } from './spec';
import type { Layer, Model, Shape } from './types';

/** Beyond this many values in one activation, a model cannot be run in this engine (Float32Array limit). */
export const MAX_ACTIVATION_ELEMENTS = 2 ** 31 - 1;

export function inferShapes(model: Model): ModelAnalysis {
  return analyze(model.input.shape, model.layers);
}

interface Step {
  outputShape?: Shape;
  window?: Window2d;
  params: ParamCount;
  macs: number;
  errors: ShapeError[];
}

const NO_PARAMS: ParamCount = { trainable: 0, nonTrainable: 0 };

/** Layers that failed validation are `undefined`: their output is unknown, but later layers are still inferred where they can be. */
export function analyze(inputShape: Shape, layers: readonly (Layer | undefined)[]): ModelAnalysis {
  const infos: LayerInfo[] = [];
  let shape: Shape | undefined = inputShape;
  let params = 0;
  let trainable = 0;
  let macs = 0;
  let activations = product(inputShape);
  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index];
    if (!layer) {
      shape = undefined;
      continue;
    }
    const step = inferLayer(layer, shape);
    const out = step.outputShape;
    const outputElements = out ? product(out) : 0;
    if (out && outputElements > MAX_ACTIVATION_ELEMENTS) {
      step.errors.push({ code: 'too-large', message: `output ${formatDims(out)} has ${outputElements.toExponential(2)} values per sample: too large to run` });
    }
    infos.push({
      index,
      type: layer.type,
      name: layer.name ?? `${layer.type}_${index}`,
      layer,
      ...(shape ? { inputShape: shape } : {}),
      ...(out ? { outputShape: out } : {}),
      ...(step.window ? { window: step.window } : {}),
      params: step.params,
      macs: step.macs,
      outputElements,
      errors: step.errors,
    });
    params += step.params.trainable + step.params.nonTrainable;
    trainable += step.params.trainable;
    macs += step.macs;
    activations += outputElements;
    shape = out;
  }
  const ok = infos.length === layers.length && infos.every((i) => i.errors.length === 0);
  return {
    inputShape,
    layers: infos,
    ...(shape ? { outputShape: shape } : {}),
    totals: {
      params,
      trainable,
      nonTrainable: params - trainable,
      weightBytes: params * 4,
      macs,
      activationBytesPerSample: activations * 4,
    },
    ok,
  };
}

function inferLayer(layer: Layer, input: Shape | undefined): Step {
  const errors: ShapeError[] = [];
  const step = (outputShape: Shape | undefined, p: ParamCount = NO_PARAMS, macs = 0, window?: Window2d): Step => ({
    ...(outputShape ? { outputShape } : {}),
    ...(window ? { window } : {}),
    params: p,
    macs,
    errors,
  });
  if (layer.type === 'dense') {
    const useBias = field('dense', layer.useBias, 'useBias');
    if (!input) return step([layer.units]);
    const features = product(input);
    if (input.length !== 1) {
      errors.push({ code: 'needs-flatten', message: `dense needs a flat input, but gets ${formatDims(input)}: add a flatten or global pooling before it` });
    }
    return step([layer.units], { trainable: features * layer.units + (useBias ? layer.units : 0), nonTrainable: 0 }, features * layer.units);
  }
  if (!input) return step(undefined);
  switch (layer.type) {
    case 'conv2d':
    case 'depthwiseConv2d': {
      const spatial = needsSpatial(layer.type, input, errors);
      if (!spatial) return step(undefined);
      const [h, w, c] = spatial;
      const win = window2d(h, w, layer.kernelSize, field(layer.type, layer.strides, 'strides'), field(layer.type, layer.dilationRate, 'dilationRate'), field(layer.type, layer.padding, 'padding'));
      if (isWindowError(win)) {
        errors.push({ code: 'kernel-too-large', message: win.error, field: win.field });
        return step(undefined);
      }
      const bias = field(layer.type, layer.useBias, 'useBias');
      const taps = win.kh * win.kw;
      const outC = layer.type === 'conv2d' ? layer.filters : c * field('depthwiseConv2d', layer.depthMultiplier, 'depthMultiplier');
      const weights = layer.type === 'conv2d' ? taps * c * outC : taps * outC;
      const macsPerPixel = layer.type === 'conv2d' ? taps * c * outC : taps * outC;
      return step(
        [win.outH, win.outW, outC],
        { trainable: weights + (bias ? outC : 0), nonTrainable: 0 },
        win.outH * win.outW * macsPerPixel,
        win,
      );
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const spatial = needsSpatial(layer.type, input, errors);
      if (!spatial) return step(undefined);
      const [h, w, c] = spatial;
      const pool = field(layer.type, layer.poolSize, 'poolSize');
      // Keras: strides default to the pool size.
      const win = window2d(h, w, pool, layer.strides ?? pool, 1, field(layer.type, layer.padding, 'padding'), 'poolSize');
      if (isWindowError(win)) {
        errors.push({ code: 'kernel-too-large', message: win.error.replace(/^kernel/, 'pool window'), field: win.field });
        return step(undefined);
      }
      return step([win.outH, win.outW, c], NO_PARAMS, 0, win);
    }
    case 'globalAvgPool2d':
    case 'globalMaxPool2d': {
      const spatial = needsSpatial(layer.type, input, errors);
      return step(spatial ? [spatial[2]] : undefined);
    }
    case 'flatten':
      return step([product(input)]);
    case 'batchNorm': {
      const channels = input[input.length - 1];
      return step(input, { trainable: 2 * channels, nonTrainable: 2 * channels }, product(input));
    }
    case 'dropout':
    case 'relu':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
      return step(input);
  }
}

function needsSpatial(type: string, input: Shape, errors: ShapeError[]): readonly [number, number, number] | undefined {
  if (input.length === 3) return input as readonly [number, number, number];
  errors.push({ code: 'needs-spatial', message: `${type} needs a [height, width, channels] input, but gets ${formatDims(input)}` });
  return undefined;
}

function product(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** 28×28×6 — the notation of every view. */
export function formatDims(shape: Shape): string {
  return shape.join('×');
}

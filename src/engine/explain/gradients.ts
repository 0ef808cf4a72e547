// Where the model looks: saliency (Simonyan et al. 2014, d(class score)/d(input)) and Grad-CAM (Selvaraju et al.
// 2017) from the network's own backward pass (Network.gradients: inference behaviour, so batch norm uses its
// moving statistics and dropout is the identity, exactly the function predict computes).
//
// The class score is the pre-softmax one (the logit) when the last layer ends in softmax or sigmoid, as Simonyan
// et al. and Keras' Grad-CAM example use: a probability's gradient also depends on the other classes and vanishes
// when the model is confident. Otherwise (a linear output) it is the output itself.
import type { LayerInfo, ModelAnalysis } from '../../model/analysis';
import { defOf } from '../../model/layers';
import type { Network } from '../network';
import { sizeOf, type Tensor } from '../tensor';
import type { GradCamResult, SaliencyResult, ScoreKind } from '../../model/explanation';

interface Score {
  readonly kind: ScoreKind;
  readonly value: number;
}

function batchOfOne(network: Network, image: Tensor): Tensor {
  const size = sizeOf(network.inputShape);
  if (image.data.length !== size) throw new Error(`the image has ${image.data.length} values, the model input [${network.inputShape.join(', ')}] needs ${size}`);
  return { shape: [1, ...network.inputShape], data: Float32Array.from(image.data) };
}

function scoreKind(network: Network): ScoreKind {
  const last = network.layers[network.layers.length - 1];
  return last?.backwardPreActivation && (last.activation === 'softmax' || last.activation === 'sigmoid') ? 'logit' : 'output';
}

function checkClass(network: Network, classIndex: number): void {
  const classes = sizeOf(network.outputShape);
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new RangeError(`class ${classIndex} is outside the model's output (classes 0–${classes - 1})`);
  }
}

/** The class score of one sample, from an inference pass (read at once: the buffers are the network's). */
function scoreOf(network: Network, x: Tensor, classIndex: number, kind: ScoreKind): Score {
  const out = network.forward(x, false);
  if (kind === 'output') return { kind, value: out.data[classIndex]! };
  const last = network.layers[network.layers.length - 1]!;
  return { kind, value: last.preActivation!().data[classIndex]! };
}

/**
 * d(score)/d(input) of one sample, with `onGradient` seeing d(score)/d(every layer's output). The params' own
 * gradients are put back as they were: an explanation between training steps changes nothing.
 */
function scoreGradient(network: Network, x: Tensor, classIndex: number, kind: ScoreKind, onGradient?: (layer: number, grad: Tensor) => void): Float32Array {
  const saved = network.params.map((p) => (p.trainable ? p.grad.slice() : undefined));
  try {
    const dy = new Float32Array(sizeOf(network.outputShape));
    dy[classIndex] = 1;
    const g = network.gradients(x, { shape: [1, ...network.outputShape], data: dy }, { preActivation: kind === 'logit', onGradient });
    return g.data.slice(0, sizeOf(network.inputShape));
  } finally {
    network.params.forEach((p, i) => {
      const s = saved[i];
      if (s) p.grad.set(s);
    });
  }
}

export function saliency(network: Network, image: Tensor, classIndex: number): SaliencyResult {
  checkClass(network, classIndex);
  const x = batchOfOne(network, image);
  const kind = scoreKind(network);
  const score = scoreOf(network, x, classIndex, kind);
  const gradient = scoreGradient(network, x, classIndex, kind);
  const [h, w, c] = network.inputShape as readonly number[];
  const map = new Float32Array(h! * w!);
  let maxAbs = 0;
  for (let p = 0; p < map.length; p++) {
    let m = 0;
    for (let ch = 0; ch < c!; ch++) m = Math.max(m, Math.abs(gradient[p * c! + ch]!));
    map[p] = m;
    if (m > maxAbs) maxAbs = m;
  }
  if (maxAbs > 0) for (let p = 0; p < map.length; p++) map[p] = map[p]! / maxAbs;
  return { classIndex, scoreKind: kind, score: score.value, shape: [...network.inputShape], gradient, map, maxAbs };
}

/** A convolution, or an activation layer but softmax (its channels compete: a class map, not features). */
function gradCamCandidate(info: LayerInfo): boolean {
  const def = defOf(info.layer);
  return def.kind === 'convolution' || (def.kind === 'activation' && def.activation?.(info.layer) !== 'softmax');
}

/** Grad-CAM's default layer: the last one with a spatial output (h × w × c) that is a convolution or an activation
 *  layer (a block's output, e.g. ResNet's ReLU after the shortcut add); undefined when there is none. */
export function defaultGradCamLayer(analysis: ModelAnalysis): number | undefined {
  for (let i = analysis.layers.length - 1; i >= 0; i--) {
    const info = analysis.layers[i]!;
    if (info.outputShape?.length === 3 && gradCamCandidate(info)) return i;
  }
  return undefined;
}

export function gradCam(network: Network, analysis: ModelAnalysis, image: Tensor, classIndex: number, layerIndex?: number): GradCamResult {
  checkClass(network, classIndex);
  const index = layerIndex ?? defaultGradCamLayer(analysis);
  if (index === undefined) throw new Error('Grad-CAM needs a layer with a spatial output (a convolution); the model has none');
  const info = analysis.layers[index];
  if (!info) throw new RangeError(`no layer ${index}: the model has ${analysis.layers.length}`);
  const shape = info.outputShape;
  if (shape?.length !== 3) throw new Error(`Grad-CAM needs a layer with a spatial output; "${info.name}" gives ${shape?.join('×') ?? 'an unknown shape'}`);
  const [fh, fw, k] = shape as readonly [number, number, number];
  const x = batchOfOne(network, image);
  const kind = scoreKind(network);
  const score = scoreOf(network, x, classIndex, kind);
  const a = network.featureMaps(x)[index]!.data;
  // A layer whose output does not reach the class score gets no gradient: its weights stay 0.
  const dA = new Float32Array(fh * fw * k);
  scoreGradient(network, x, classIndex, kind, (layer, g) => {
    if (layer === index) dA.set(g.data.subarray(0, dA.length));
  });
  const weights = new Float64Array(k);
  for (let p = 0; p < fh * fw; p++) for (let ch = 0; ch < k; ch++) weights[ch] += dA[p * k + ch]!;
  for (let ch = 0; ch < k; ch++) weights[ch] /= fh * fw;
  const cam = new Float32Array(fh * fw);
  let camMax = 0;
  for (let p = 0; p < fh * fw; p++) {
    let s = 0;
    for (let ch = 0; ch < k; ch++) s += weights[ch]! * a[p * k + ch]!;
    const v = s > 0 ? s : 0;
    cam[p] = v;
    if (v > camMax) camMax = v;
  }
  const [height, width] = network.inputShape as readonly number[];
  const heatmap = resizeBilinear(cam, fh, fw, height!, width!);
  if (camMax > 0) for (let p = 0; p < heatmap.length; p++) heatmap[p] = Math.min(1, heatmap[p]! / camMax);
  return {
    classIndex, scoreKind: kind, score: score.value, layerIndex: index, layerName: info.name, featureShape: [fh, fw, k],
    weights, cam, heatmap, height: height!, width: width!, camMax,
  };
}

/** Bilinear resize with half-pixel centres (TF's resize without align_corners, OpenCV's INTER_LINEAR). */
export function resizeBilinear(src: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * h) / outH - 0.5, 0), h - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(Math.max(((x + 0.5) * w) / outW - 0.5, 0), w - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      const top = src[y0 * w + x0]! * (1 - fx) + src[y0 * w + x1]! * fx;
      const bottom = src[y1 * w + x0]! * (1 - fx) + src[y1 * w + x1]! * fx;
      out[y * outW + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

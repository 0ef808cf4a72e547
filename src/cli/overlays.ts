// `cnn predict --saliency OUT.png --gradcam OUT.png`: the overlays of one image, for the predicted class or the
// one --class names. With several images each gets its own file, OUT-<n>.png for the n-th image (from 1).
import { basename, dirname, extname, join } from 'node:path';
import { defaultGradCamLayer, gradCam, saliency } from '../engine/explain';
import type { Network } from '../engine/network';
import { writeOverlayPng } from '../node/overlayPng';
import type { ModelAnalysis } from '../model/analysis';
import { sizeOf } from '../engine/tensor';
import { suggest } from '../model/suggest';
import type { Model } from '../model/types';
import { UsageError, UserError } from './io';

export interface OverlayRequest {
  readonly saliency?: string;
  readonly gradcam?: string;
  /** A class name (of the trained classes) or index. */
  readonly class?: string;
  readonly gradcamLayer?: string;
}

export interface OverlayResult {
  readonly saliency?: { readonly file: string; readonly class: number; readonly score: number; readonly scoreKind: string };
  readonly gradcam?: { readonly file: string; readonly class: number; readonly score: number; readonly layer: string };
}

/** OUT.png for a single image; OUT-<n>.png (n from 1) when there are several. */
export function overlayPath(out: string, n: number, count: number): string {
  if (count === 1) return out;
  const ext = extname(out) || '.png';
  return join(dirname(out), `${basename(out, extname(out))}-${n}${ext}`);
}

/** The class --class names (a trained class name or an index), checked before any image is read. */
export function resolveClass(text: string | undefined, network: Network, classes: readonly string[] | undefined): number | undefined {
  if (text === undefined) return undefined;
  const count = sizeOf(network.outputShape);
  const byName = classes?.indexOf(text) ?? -1;
  if (byName >= 0) return byName;
  if (/^[0-9]+$/.test(text) && Number(text) < count) return Number(text);
  const near = classes ? suggest(text, classes) : undefined;
  const known = classes ? `one of ${classes.join(', ')} or ` : '';
  throw new UsageError(`cnn predict: --class must be ${known}an index from 0 to ${count - 1}, got "${text}"${near ? `; did you mean "${near}"?` : ''}`);
}

/** The Grad-CAM layer --gradcam-layer names, or undefined for the default (checked before any image is read). */
export function resolveLayer(name: string | undefined, analysis: ModelAnalysis, modelPath: string, gradcam: boolean): number | undefined {
  if (name === undefined) {
    if (gradcam && defaultGradCamLayer(analysis) === undefined) throw new UserError(`${modelPath}: Grad-CAM needs a layer with a spatial output (a convolution); the model has none`);
    return undefined;
  }
  const names = analysis.layers.map((l) => l.name);
  const index = names.indexOf(name);
  if (index >= 0) {
    if (analysis.layers[index]!.outputShape?.length !== 3) throw new UsageError(`cnn predict: --gradcam-layer needs a layer with a spatial output; "${name}" gives ${analysis.layers[index]!.outputShape?.join('×')}`);
    return index;
  }
  const near = suggest(name, names);
  throw new UsageError(`cnn predict: ${modelPath} has no layer "${name}"${near ? `; did you mean "${near}"?` : ''} (its layers: ${names.join(', ')})`);
}

async function write(file: string, input: Parameters<typeof writeOverlayPng>[1]): Promise<void> {
  try {
    await writeOverlayPng(file, input);
  } catch (e) {
    throw new UserError(`cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function writeOverlays(
  req: OverlayRequest & { readonly classIndex?: number; readonly layerIndex?: number },
  model: Model, network: Network, analysis: ModelAnalysis, image: Float32Array, predicted: number, n: number, count: number,
): Promise<OverlayResult> {
  const [height, width, channels] = model.input.shape;
  const cls = req.classIndex ?? predicted;
  const x = { shape: model.input.shape, data: image };
  const result: { saliency?: OverlayResult['saliency']; gradcam?: OverlayResult['gradcam'] } = {};
  if (req.saliency) {
    const s = saliency(network, x, cls);
    const file = overlayPath(req.saliency, n, count);
    await write(file, { image, height, width, channels, map: s.map });
    result.saliency = { file, class: cls, score: s.score, scoreKind: s.scoreKind };
  }
  if (req.gradcam) {
    const g = gradCam(network, analysis, x, cls, req.layerIndex);
    const file = overlayPath(req.gradcam, n, count);
    await write(file, { image, height, width, channels, map: g.heatmap });
    result.gradcam = { file, class: cls, score: g.score, layer: g.layerName };
  }
  return result;
}

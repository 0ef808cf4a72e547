// Seeded, in-place training-batch augmentation (training.augmentation, src/model/augmentationSpec.ts): per sample,
// one resampling pass for every geometric op, then the colour jitter, then cutout. Scratch space is allocated once
// per augmenter, never per batch.
import type { Rng } from '../../engine/rng';
import { hasColorJitter, resolveAugmentation, type ResolvedAugmentation } from '../../model/augmentation';
import type { AugmentationConfig } from '../../model/types';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from './augmentColor';
import { inverseAffine, warpAffine, type Affine } from './augmentGeometry';
import { drawSampleParams, newSampleParams, type SampleParams } from './augmentParams';

export type Augmenter = (batch: Float32Array, count: number, rng: Rng) => void;

type Shape = readonly [number, number, number];

/** True when no sample can change: the training loop then skips the pass. */
function changesNothing(a: ResolvedAugmentation, h: number, w: number): boolean {
  return (
    a.randomResizedCrop === null && a.rotation === 0 && a.zoom[0] === 1 && a.zoom[1] === 1
    && Math.round(a.translation * h) === 0 && Math.round(a.translation * w) === 0
    && !a.horizontalFlip && !a.verticalFlip && !hasColorJitter(a) && a.cutout === null
  );
}

/** Scratch space for one sample of `shape`: allocate once, reuse for every sample. */
export interface AugmentScratch {
  readonly source: Float32Array;
  readonly affine: Affine;
}

export function newAugmentScratch(shape: Shape): AugmentScratch {
  return { source: new Float32Array(shape[0] * shape[1] * shape[2]), affine: new Float64Array(6) };
}

/** Applies drawn parameters to one HWC sample in place: geometry, colour ops in p.order, cutout. */
export function applySampleParams(sample: Float32Array, shape: Shape, p: SampleParams, scratch: AugmentScratch): void {
  const [h, w, c] = shape;
  if (inverseAffine(p, h, w, scratch.affine)) {
    scratch.source.set(sample);
    warpAffine(scratch.source, sample, h, w, c, scratch.affine);
  }
  const pixels = h * w;
  for (let i = 0; i < 4; i++) {
    const op = p.order[i];
    if (op === 0 && p.brightness !== 1) adjustBrightness(sample, pixels, c, p.brightness);
    else if (op === 1 && p.contrast !== 1) adjustContrast(sample, pixels, c, p.contrast);
    else if (op === 2 && p.saturation !== 1) adjustSaturation(sample, pixels, c, p.saturation);
    else if (op === 3 && p.hue !== 0) adjustHue(sample, pixels, c, p.hue);
  }
  for (let k = 0; k < p.holes; k++) {
    const top = p.holeY[k]! - Math.floor(p.holeHeight / 2);
    const left = p.holeX[k]! - Math.floor(p.holeWidth / 2);
    const x0 = Math.max(0, left) * c;
    const x1 = Math.min(w, left + p.holeWidth) * c;
    for (let y = Math.max(0, top); y < Math.min(h, top + p.holeHeight); y++) sample.fill(0, y * w * c + x0, y * w * c + x1);
  }
}

/**
 * An augmenter for NHWC batches of `shape` samples, or undefined when the config changes nothing. A config value
 * out of its limits is a RangeError naming the field. Per sample the draws follow drawSampleParams' fixed order,
 * so one seed always gives the same batch; a config of only translation (shift) and horizontalFlip draws and moves
 * exactly as before those were joined by the other ops.
 */
export function makeAugmenter(config: AugmentationConfig, shape: Shape): Augmenter | undefined {
  const [h, w, c] = shape;
  const plan = resolveAugmentation(config);
  if (changesNothing(plan, h, w)) return undefined;
  const size = h * w * c;
  const params = newSampleParams(plan.cutout?.holes ?? 0);
  const scratch = newAugmentScratch(shape);
  return (batch, count, rng) => {
    if (count * size > batch.length) throw new RangeError(`batch holds ${batch.length / size} samples, asked to augment ${count}`);
    for (let n = 0; n < count; n++) {
      drawSampleParams(plan, h, w, rng, params);
      applySampleParams(batch.subarray(n * size, (n + 1) * size), shape, params, scratch);
    }
  };
}

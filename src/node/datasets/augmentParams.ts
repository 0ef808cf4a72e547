// What one sample's augmentation draws, in a fixed order, so that one seed gives the same batch every time.
// The draws live in a reusable record (no allocation per sample); augmentApply.ts turns them into pixels.
import type { Rng } from '../../engine/rng';
import { hasColorJitter, type ResolvedAugmentation } from '../../model/augmentation';

/** The colour ops by index, as torchvision's ColorJitter numbers them (its random order permutes these). */
export const COLOR_OPS = ['brightness', 'contrast', 'saturation', 'hue'] as const;

export interface SampleParams {
  /** The crop box in source pixels; the whole image when there is no crop. */
  cropTop: number;
  cropLeft: number;
  cropHeight: number;
  cropWidth: number;
  /** Degrees, counter-clockwise. */
  angle: number;
  /** Content scale about the centre (> 1 zooms in). */
  scale: number;
  /** Whole-pixel translation, down and right. */
  dy: number;
  dx: number;
  hflip: boolean;
  vflip: boolean;
  /** The order of the colour ops (indices into COLOR_OPS). */
  readonly order: Int32Array;
  /** Factors; 1, 1, 1, 0 change nothing. */
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
  /** Cutout: the rectangles' size and the first `holes` centres. */
  holes: number;
  holeHeight: number;
  holeWidth: number;
  readonly holeY: Int32Array;
  readonly holeX: Int32Array;
}

export function newSampleParams(maxHoles: number): SampleParams {
  return {
    cropTop: 0, cropLeft: 0, cropHeight: 0, cropWidth: 0, angle: 0, scale: 1, dy: 0, dx: 0, hflip: false, vflip: false,
    order: Int32Array.from([0, 1, 2, 3]), brightness: 1, contrast: 1, saturation: 1, hue: 0,
    holes: 0, holeHeight: 0, holeWidth: 0, holeY: new Int32Array(maxHoles), holeX: new Int32Array(maxHoles),
  };
}

const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();
/** torchvision's jitter factor range for brightness, contrast and saturation: [max(0, 1 − v), 1 + v]. */
const factor = (rng: Rng, v: number): number => uniform(rng, Math.max(0, 1 - v), 1 + v);

/** torchvision RandomResizedCrop.get_params: up to 10 (scale, log-ratio) draws until the box fits, then its offsets;
 *  else the centre crop with the ratio clamped. Sizes and offsets are whole pixels, as torchvision's. */
function drawCrop(scale: readonly [number, number], ratio: readonly [number, number], h: number, w: number, rng: Rng, p: SampleParams): void {
  const area = h * w;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(rng, scale[0], scale[1]);
    const aspect = Math.exp(uniform(rng, logLo, logHi));
    const cw = Math.round(Math.sqrt(target * aspect));
    const ch = Math.round(Math.sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      p.cropTop = rng.int(h - ch + 1);
      p.cropLeft = rng.int(w - cw + 1);
      p.cropHeight = ch;
      p.cropWidth = cw;
      return;
    }
  }
  const inRatio = w / h;
  let cw = w;
  let ch = h;
  if (inRatio < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) cw = Math.round(h * ratio[1]);
  p.cropTop = Math.floor((h - ch) / 2);
  p.cropLeft = Math.floor((w - cw) / 2);
  p.cropHeight = ch;
  p.cropWidth = cw;
}

/**
 * Fills `p` for one [h, w] sample. The draws, in this order, each only when its op is on:
 * the crop (scale and log-ratio pairs, then top and left), the angle, the zoom factor, dy then dx (whole pixels,
 * uniform over −max…max), the horizontal flip, the vertical flip (each rng.next() < 1/2), the colour ops' order
 * (Fisher–Yates over all four: 3 draws), the brightness, contrast, saturation and hue factors, and each cutout
 * hole's centre row then column.
 */
export function drawSampleParams(a: ResolvedAugmentation, h: number, w: number, rng: Rng, p: SampleParams): void {
  if (a.randomResizedCrop) drawCrop(a.randomResizedCrop.scale, a.randomResizedCrop.ratio, h, w, rng, p);
  else {
    p.cropTop = 0;
    p.cropLeft = 0;
    p.cropHeight = h;
    p.cropWidth = w;
  }
  p.angle = a.rotation > 0 ? uniform(rng, -a.rotation, a.rotation) : 0;
  p.scale = a.zoom[0] < a.zoom[1] ? uniform(rng, a.zoom[0], a.zoom[1]) : a.zoom[0];
  const maxDy = Math.round(a.translation * h);
  const maxDx = Math.round(a.translation * w);
  p.dy = maxDy > 0 ? rng.int(2 * maxDy + 1) - maxDy : 0;
  p.dx = maxDx > 0 ? rng.int(2 * maxDx + 1) - maxDx : 0;
  p.hflip = a.horizontalFlip && rng.next() < 0.5;
  p.vflip = a.verticalFlip && rng.next() < 0.5;
  const order = p.order;
  for (let i = 0; i < 4; i++) order[i] = i;
  if (hasColorJitter(a)) {
    for (let i = 3; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
  p.brightness = a.brightness > 0 ? factor(rng, a.brightness) : 1;
  p.contrast = a.contrast > 0 ? factor(rng, a.contrast) : 1;
  p.saturation = a.saturation > 0 ? factor(rng, a.saturation) : 1;
  p.hue = a.hue > 0 ? uniform(rng, -a.hue, a.hue) : 0;
  p.holes = a.cutout ? a.cutout.holes : 0;
  p.holeHeight = a.cutout ? Math.max(1, Math.round(a.cutout.size * h)) : 0;
  p.holeWidth = a.cutout ? Math.max(1, Math.round(a.cutout.size * w)) : 0;
  for (let k = 0; k < p.holes; k++) {
    p.holeY[k] = rng.int(h);
    p.holeX[k] = rng.int(w);
  }
}

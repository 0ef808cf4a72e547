// Seeded, in-place training-batch augmentation: random integer shifts (zero fill) and horizontal flips.
import type { Rng } from '../../engine/rng';
import { AUGMENTATION_DEFAULTS } from '../../model/defaults';
import type { AugmentationConfig } from '../../model/types';

export type Augmenter = (batch: Float32Array, count: number, rng: Rng) => void;

/**
 * An augmenter for NHWC batches of `shape` samples, or undefined when the config asks for nothing
 * (so the training loop can skip the pass). Per sample it draws, in this fixed order: dy, dx, flip —
 * so the same seed always gives the same batch.
 */
export function makeAugmenter(config: AugmentationConfig, shape: readonly [number, number, number]): Augmenter | undefined {
  const [h, w, c] = shape;
  const shift = config.shift ?? AUGMENTATION_DEFAULTS.shift;
  if (!(shift >= 0 && shift <= 1)) throw new RangeError(`augmentation.shift must be in [0, 1], got ${shift}`);
  // Integer shifts: sub-pixel interpolation would blur every sample and costs more than it helps.
  const maxDy = Math.round(shift * h);
  const maxDx = Math.round(shift * w);
  const flip = config.horizontalFlip ?? AUGMENTATION_DEFAULTS.horizontalFlip;
  if (maxDy === 0 && maxDx === 0 && !flip) return undefined;

  const size = h * w * c;
  const row = w * c;
  const scratch = new Float32Array(size); // reused across calls: no allocation per batch

  return (batch, count, rng) => {
    if (count * size > batch.length) throw new RangeError(`batch holds ${batch.length / size} samples, asked to augment ${count}`);
    for (let n = 0; n < count; n++) {
      const dy = maxDy > 0 ? rng.int(2 * maxDy + 1) - maxDy : 0;
      const dx = maxDx > 0 ? rng.int(2 * maxDx + 1) - maxDx : 0;
      const mirror = flip && rng.next() < 0.5;
      if (dy === 0 && dx === 0 && !mirror) continue;
      const sample = batch.subarray(n * size, (n + 1) * size);
      scratch.set(sample);
      // out(y, x) = in(y - dy, x' - dx) where x' is x mirrored when flipping; outside → 0.
      for (let y = 0; y < h; y++) {
        const sy = y - dy;
        const o = y * row;
        if (sy < 0 || sy >= h) {
          sample.fill(0, o, o + row);
          continue;
        }
        for (let x = 0; x < w; x++) {
          const sx = (mirror ? w - 1 - x : x) - dx;
          const p = o + x * c;
          if (sx < 0 || sx >= w) {
            for (let k = 0; k < c; k++) sample[p + k] = 0;
          } else {
            const s = sy * row + sx * c;
            for (let k = 0; k < c; k++) sample[p + k] = scratch[s + k];
          }
        }
      }
    }
  };
}

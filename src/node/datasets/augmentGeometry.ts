// The geometric ops of one sample as ONE affine map from output pixels to source pixels, and one resampling pass:
// bilinear inside the image and 0 outside it (torch's grid_sample with align_corners=False, padding "border", masked
// to the image), or a plain copy when the map lands on whole pixels (flips, translations, right-angle turns).
import type { SampleParams } from './augmentParams';

/** [a, b, e, c, d, f]: source x = a·x + b·y + e, source y = c·x + d·y + f, in pixel indices. */
export type Affine = Float64Array;

/**
 * Output pixel → source pixel for out = flips(affine(crop(image))): undo the flips, then the rotation, zoom and
 * translation (torchvision RandomAffine's: about the centre, translation last), then map the output frame into the
 * crop box (resize with pixel centres aligned). Writes `m`; returns false when the map is the identity.
 */
export function inverseAffine(p: SampleParams, h: number, w: number, m: Affine): boolean {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const rad = (p.angle * Math.PI) / 180;
  const cos = Math.cos(rad) / p.scale;
  const sin = Math.sin(rad) / p.scale;
  const sx = p.cropWidth / w;
  const sy = p.cropHeight / h;
  const map = (x: number, y: number, out: 0 | 1): number => {
    const x1 = p.hflip ? w - 1 - x : x;
    const y1 = p.vflip ? h - 1 - y : y;
    const u = x1 - cx - p.dx;
    const v = y1 - cy - p.dy;
    // The forward map turns (dx, dy) counter-clockwise on screen (y points down): its inverse is this.
    const x2 = cx + u * cos - v * sin;
    const y2 = cy + u * sin + v * cos;
    return out === 0 ? p.cropLeft + (x2 + 0.5) * sx - 0.5 : p.cropTop + (y2 + 0.5) * sy - 0.5;
  };
  // Affine, so three points give it; snapping kills the 6e-17 of cos(90°) so right angles copy exactly.
  const x0 = map(0, 0, 0);
  const y0 = map(0, 0, 1);
  m[0] = snap(map(1, 0, 0) - x0);
  m[1] = snap(map(0, 1, 0) - x0);
  m[2] = snap(x0);
  m[3] = snap(map(1, 0, 1) - y0);
  m[4] = snap(map(0, 1, 1) - y0);
  m[5] = snap(y0);
  return !(m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 0 && m[4] === 1 && m[5] === 0);
}

function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-9 ? r : v;
}

/** dst (h·w·c) = src resampled through m; src and dst must not overlap. The image covers [−0.5, w − 0.5] ×
 *  [−0.5, h − 0.5] in pixel indices: a point inside reads it bilinearly (its outer half pixel repeats the edge, as a
 *  resize does), a point outside is 0. */
export function warpAffine(src: Float32Array, dst: Float32Array, h: number, w: number, c: number, m: Affine): void {
  const a = m[0]!, b = m[1]!, e = m[2]!, cc = m[3]!, d = m[4]!, f = m[5]!;
  if (Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(e) && Number.isInteger(cc) && Number.isInteger(d) && Number.isInteger(f)) {
    return copyWhole(src, dst, h, w, c, m);
  }
  const row = w * c;
  const right = w - 0.5;
  const bottom = h - 0.5;
  for (let y = 0, o = 0; y < h; y++) {
    for (let x = 0; x < w; x++, o += c) {
      let xs = a * x + b * y + e;
      let ys = cc * x + d * y + f;
      if (!(xs >= -0.5 && xs <= right && ys >= -0.5 && ys <= bottom)) {
        for (let k = 0; k < c; k++) dst[o + k] = 0;
        continue;
      }
      xs = xs < 0 ? 0 : xs > w - 1 ? w - 1 : xs;
      ys = ys < 0 ? 0 : ys > h - 1 ? h - 1 : ys;
      const x0 = Math.floor(xs);
      const y0 = Math.floor(ys);
      const fx = xs - x0;
      const fy = ys - y0;
      const p00 = y0 * row + x0 * c;
      const p01 = x0 + 1 < w ? p00 + c : p00;
      const p10 = y0 + 1 < h ? p00 + row : p00;
      const p11 = p10 + (p01 - p00);
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      for (let k = 0; k < c; k++) dst[o + k] = w00 * src[p00 + k]! + w01 * src[p01 + k]! + w10 * src[p10 + k]! + w11 * src[p11 + k]!;
    }
  }
}

/** Whole-pixel maps (every coefficient an integer): a copy, zero outside. */
function copyWhole(src: Float32Array, dst: Float32Array, h: number, w: number, c: number, m: Affine): void {
  const a = m[0]!, b = m[1]!, e = m[2]!, cc = m[3]!, d = m[4]!, f = m[5]!;
  const row = w * c;
  for (let y = 0, o = 0; y < h; y++) {
    for (let x = 0; x < w; x++, o += c) {
      const xs = a * x + b * y + e;
      const ys = cc * x + d * y + f;
      if (xs < 0 || xs >= w || ys < 0 || ys >= h) {
        for (let k = 0; k < c; k++) dst[o + k] = 0;
      } else {
        const s = ys * row + xs * c;
        for (let k = 0; k < c; k++) dst[o + k] = src[s + k]!;
      }
    }
  }
}

// Colour jitter on one HWC sample in [0, 1], in place: torchvision's adjust_brightness / _contrast / _saturation /
// _hue (transforms/functional_tensor.py) formula for formula, so ColorJitter's factors mean the same here. Gray is
// 0.2989 R + 0.587 G + 0.114 B as torchvision's rgb_to_grayscale. 1-channel samples: brightness and contrast
// apply, saturation and hue change nothing (as torchvision); a 4th channel (alpha) is never touched.

// COLOR_OPS (augmentParams.ts) numbers these 0–3 in the order below.
const gray = (d: Float32Array, p: number): number => 0.2989 * d[p]! + 0.587 * d[p + 1]! + 0.114 * d[p + 2]!;
const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** x → clamp(f·x). */
export function adjustBrightness(d: Float32Array, pixels: number, channels: number, f: number): void {
  const colours = Math.min(channels, 3);
  for (let i = 0, p = 0; i < pixels; i++, p += channels) {
    for (let k = 0; k < colours; k++) d[p + k] = clamp01(f * d[p + k]!);
  }
}

/** x → clamp(f·x + (1 − f)·m), m the mean gray level of the whole sample. */
export function adjustContrast(d: Float32Array, pixels: number, channels: number, f: number): void {
  let sum = 0;
  for (let i = 0, p = 0; i < pixels; i++, p += channels) sum += channels >= 3 ? Math.fround(gray(d, p)) : d[p]!;
  const mean = (1 - f) * (sum / pixels);
  const colours = Math.min(channels, 3);
  for (let i = 0, p = 0; i < pixels; i++, p += channels) {
    for (let k = 0; k < colours; k++) d[p + k] = clamp01(f * d[p + k]! + mean);
  }
}

/** x → clamp(f·x + (1 − f)·gray(pixel)); nothing on 1 channel. */
export function adjustSaturation(d: Float32Array, pixels: number, channels: number, f: number): void {
  if (channels < 3) return;
  for (let i = 0, p = 0; i < pixels; i++, p += channels) {
    const g = (1 - f) * Math.fround(gray(d, p));
    for (let k = 0; k < 3; k++) d[p + k] = clamp01(f * d[p + k]! + g);
  }
}

/** Hue turned by f (a fraction of the circle, −0.5…0.5) through HSV; nothing on 1 channel. */
export function adjustHue(d: Float32Array, pixels: number, channels: number, f: number): void {
  if (channels < 3) return;
  for (let i = 0, p = 0; i < pixels; i++, p += channels) {
    const r = d[p]!;
    const g = d[p + 1]!;
    const b = d[p + 2]!;
    // _rgb2hsv
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const eqc = maxc === minc;
    const cr = maxc - minc;
    const s = cr / (eqc ? 1 : maxc);
    const div = eqc ? 1 : cr;
    const rc = (maxc - r) / div;
    const gc = (maxc - g) / div;
    const bc = (maxc - b) / div;
    const h6 = maxc === r ? bc - gc : maxc === g ? 2 + rc - bc : 4 + gc - rc;
    let h = ((h6 / 6 + 1) % 1) + f;
    h -= Math.floor(h); // Python's %: into [0, 1)
    // _hsv2rgb
    const v = maxc;
    const sector = Math.floor(h * 6);
    const frac = h * 6 - sector;
    const pp = clamp01(v * (1 - s));
    const q = clamp01(v * (1 - s * frac));
    const t = clamp01(v * (1 - s * (1 - frac)));
    switch (((sector % 6) + 6) % 6) {
      case 0: d[p] = v; d[p + 1] = t; d[p + 2] = pp; break;
      case 1: d[p] = q; d[p + 1] = v; d[p + 2] = pp; break;
      case 2: d[p] = pp; d[p + 1] = v; d[p + 2] = t; break;
      case 3: d[p] = pp; d[p + 1] = q; d[p + 2] = v; break;
      case 4: d[p] = t; d[p + 1] = pp; d[p + 2] = v; break;
      default: d[p] = v; d[p + 1] = pp; d[p + 2] = q; break;
    }
  }
}

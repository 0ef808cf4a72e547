// The preprocessing layers' arithmetic (model/layers/rescaling.ts, normalization.ts): y = x · scale[c] + offset[c]
// over `pixels` rows of `c` channels. One multiply-add per value, in JavaScript: too cheap to need WebAssembly.

/** y ← x · scale[k] + offset[k] for channel k of each row. */
export function affineChannels(x: Float32Array, y: Float32Array, pixels: number, scale: Float32Array, offset: Float32Array): void {
  const c = scale.length;
  for (let p = 0, o = 0; p < pixels; p++, o += c) {
    for (let k = 0; k < c; k++) y[o + k] = x[o + k]! * scale[k]! + offset[k]!;
  }
}

/** dx ← dy · scale[k]: the constants have no gradient of their own. */
export function affineChannelsBackward(dy: Float32Array, dx: Float32Array, pixels: number, scale: Float32Array): void {
  const c = scale.length;
  for (let p = 0, o = 0; p < pixels; p++, o += c) {
    for (let k = 0; k < c; k++) dx[o + k] = dy[o + k]! * scale[k]!;
  }
}

// Zero padding of NHWC images (zeroPadding2D) and its inverse, the crop that takes the gradient back.

export interface PadSides {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** y[batch, h + top + bottom, w + left + right, c] ← x[batch, h, w, c] surrounded by zeros. */
export function zeroPad(x: Float32Array, y: Float32Array, batch: number, h: number, w: number, c: number, p: PadSides): void {
  const outH = h + p.top + p.bottom;
  const outW = w + p.left + p.right;
  const row = w * c;
  const outRow = outW * c;
  y.fill(0, 0, batch * outH * outRow);
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < h; i++) {
      const src = (n * h + i) * row;
      const dst = ((n * outH + i + p.top) * outW + p.left) * c;
      for (let j = 0; j < row; j++) y[dst + j] = x[src + j]!;
    }
  }
}

/** dx[batch, h, w, c] ← the interior of dy[batch, h + top + bottom, w + left + right, c]. */
export function cropPadding(dy: Float32Array, dx: Float32Array, batch: number, h: number, w: number, c: number, p: PadSides): void {
  const outH = h + p.top + p.bottom;
  const outW = w + p.left + p.right;
  const row = w * c;
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < h; i++) {
      const src = ((n * outH + i + p.top) * outW + p.left) * c;
      const dst = (n * h + i) * row;
      for (let j = 0; j < row; j++) dx[dst + j] = dy[src + j]!;
    }
  }
}

// Weight layouts between ours (Keras': channels last) and ONNX's (channels first), both ways. Pure index arithmetic.

/** Our conv kernel [kh, kw, in, out] → ONNX's Conv weight [out, in, kh, kw]. */
export function convKernelToOnnx(k: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const w = new Float32Array(k.length);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < cin; c++)
        for (let o = 0; o < cout; o++) w[((o * cin + c) * kh + i) * kw + j] = k[((i * kw + j) * cin + c) * cout + o]!;
  return w;
}

/** ONNX's Conv weight [out, in, kh, kw] → our conv kernel [kh, kw, in, out]. */
export function convKernelFromOnnx(w: Float32Array, cout: number, cin: number, kh: number, kw: number): Float32Array {
  const k = new Float32Array(w.length);
  // Reads in order; each (i, j) cell of ours is [cin, cout] with stride cin·cout between cells.
  const cell = cin * cout;
  let r = 0;
  for (let o = 0; o < cout; o++)
    for (let c = 0; c < cin; c++) {
      const base = c * cout + o;
      for (let ij = 0; ij < kh * kw; ij++) k[ij * cell + base] = w[r++]!;
    }
  return k;
}

/**
 * Our depthwise kernel [kh, kw, C, mult] → ONNX's grouped Conv weight [C·mult, 1, kh, kw] (group = C): output
 * channel c·mult + m reads input channel c in both.
 */
export function depthwiseKernelToOnnx(k: Float32Array, kh: number, kw: number, c: number, mult: number): Float32Array {
  // [kh, kw, C, mult] is [kh, kw, C·mult] with the output channel last, i.e. a conv kernel with in = 1.
  return convKernelToOnnx(k, kh, kw, 1, c * mult);
}

/** ONNX's grouped Conv weight [C·mult, 1, kh, kw] → our depthwise kernel [kh, kw, C, mult]. */
export function depthwiseKernelFromOnnx(w: Float32Array, outC: number, kh: number, kw: number): Float32Array {
  return convKernelFromOnnx(w, outC, 1, kh, kw);
}

/** A row-major [rows, cols] matrix transposed. */
export function transpose2d(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}

/**
 * Dense rows indexed by features flattened in (c, h, w) order (an NCHW flatten) → rows in our (h, w, c) order:
 * our row (y·W + x)·C + c is their row c·H·W + y·W + x.
 */
export function rowsChwToHwc(kernel: Float32Array, h: number, w: number, c: number, units: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        const ours = ((y * w + x) * c + ch) * units;
        const theirs = ((ch * h + y) * w + x) * units;
        out.set(kernel.subarray(theirs, theirs + units), ours);
      }
  return out;
}

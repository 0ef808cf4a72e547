// AssemblyScript: Winograd F(2×2, 3×3)'s input and output tile transforms, the JavaScript reference's contract
// (src/engine/kernels/winograd.ts) over byte offsets, four channels per SIMD vector: every add rounds to float32 as
// the reference's does, so both compute the same values bit for bit. Per-sample kernels (samples n0 ≤ n < n1 of the
// batch; `total` rows in each of the 16 element planes, their stride: at least the batch's tiles, padded so the
// planes do not alias in the L1 cache), so the kernel threads split the batch.

/** A tap of the tile: the 4 channels at row base r (0: the row is outside the image) and column offset q. */
@inline function tap(r: usize, q: usize, ok: bool): v128 {
  return r != 0 && ok ? v128.load(r + q) : f32x4.splat(0);
}

@inline function tap1(r: usize, q: usize, ok: bool): f32 {
  return r != 0 && ok ? load<f32>(r + q) : 0;
}

/** v[(e·total + t)·c + ch] ← (Bᵀ d B)[e] of the 4×4 input tile d of tile t, for the samples n0…n1 of x. */
export function winogradInput(
  x: usize, v: usize, total: i32, n0: i32, n1: i32, c: i32, inH: i32, inW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const tilesH = (outH + 1) >> 1, tilesW = (outW + 1) >> 1;
  const plane = <usize>(total * c) << 2;
  const cBytes = <usize>c << 2;
  const rowBytes = <usize>(inW * c) << 2;
  for (let n = n0; n < n1; n++) {
    const xs = x + (<usize>(n * inH * inW * c) << 2);
    for (let ty = 0; ty < tilesH; ty++) {
      const y0 = 2 * ty - padTop;
      const r0: usize = y0 + 0 >= 0 && y0 + 0 < inH ? xs + <usize>(y0 + 0) * rowBytes : 0;
      const r1: usize = y0 + 1 >= 0 && y0 + 1 < inH ? xs + <usize>(y0 + 1) * rowBytes : 0;
      const r2: usize = y0 + 2 >= 0 && y0 + 2 < inH ? xs + <usize>(y0 + 2) * rowBytes : 0;
      const r3: usize = y0 + 3 >= 0 && y0 + 3 < inH ? xs + <usize>(y0 + 3) * rowBytes : 0;
      for (let tx = 0; tx < tilesW; tx++) {
        const x0 = 2 * tx - padLeft;
        const k0 = x0 + 0 >= 0 && x0 + 0 < inW;
        const q0: usize = k0 ? <usize>(x0 + 0) * cBytes : 0;
        const k1 = x0 + 1 >= 0 && x0 + 1 < inW;
        const q1: usize = k1 ? <usize>(x0 + 1) * cBytes : 0;
        const k2 = x0 + 2 >= 0 && x0 + 2 < inW;
        const q2: usize = k2 ? <usize>(x0 + 2) * cBytes : 0;
        const k3 = x0 + 3 >= 0 && x0 + 3 < inW;
        const q3: usize = k3 ? <usize>(x0 + 3) * cBytes : 0;
        let o = v + (<usize>(((n * tilesH + ty) * tilesW + tx) * c) << 2);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4, o += 16) {
          const b = <usize>ch << 2;
          const d00 = tap(r0, q0 + b, k0), d10 = tap(r1, q0 + b, k0), d20 = tap(r2, q0 + b, k0), d30 = tap(r3, q0 + b, k0);
          const t00 = f32x4.sub(d00, d20), t10 = f32x4.add(d10, d20), t20 = f32x4.sub(d20, d10), t30 = f32x4.sub(d10, d30);
          const d01 = tap(r0, q1 + b, k1), d11 = tap(r1, q1 + b, k1), d21 = tap(r2, q1 + b, k1), d31 = tap(r3, q1 + b, k1);
          const t01 = f32x4.sub(d01, d21), t11 = f32x4.add(d11, d21), t21 = f32x4.sub(d21, d11), t31 = f32x4.sub(d11, d31);
          const d02 = tap(r0, q2 + b, k2), d12 = tap(r1, q2 + b, k2), d22 = tap(r2, q2 + b, k2), d32 = tap(r3, q2 + b, k2);
          const t02 = f32x4.sub(d02, d22), t12 = f32x4.add(d12, d22), t22 = f32x4.sub(d22, d12), t32 = f32x4.sub(d12, d32);
          const d03 = tap(r0, q3 + b, k3), d13 = tap(r1, q3 + b, k3), d23 = tap(r2, q3 + b, k3), d33 = tap(r3, q3 + b, k3);
          const t03 = f32x4.sub(d03, d23), t13 = f32x4.add(d13, d23), t23 = f32x4.sub(d23, d13), t33 = f32x4.sub(d13, d33);
          v128.store(o + 0 * plane, f32x4.sub(t00, t02));
          v128.store(o + 1 * plane, f32x4.add(t01, t02));
          v128.store(o + 2 * plane, f32x4.sub(t02, t01));
          v128.store(o + 3 * plane, f32x4.sub(t01, t03));
          v128.store(o + 4 * plane, f32x4.sub(t10, t12));
          v128.store(o + 5 * plane, f32x4.add(t11, t12));
          v128.store(o + 6 * plane, f32x4.sub(t12, t11));
          v128.store(o + 7 * plane, f32x4.sub(t11, t13));
          v128.store(o + 8 * plane, f32x4.sub(t20, t22));
          v128.store(o + 9 * plane, f32x4.add(t21, t22));
          v128.store(o + 10 * plane, f32x4.sub(t22, t21));
          v128.store(o + 11 * plane, f32x4.sub(t21, t23));
          v128.store(o + 12 * plane, f32x4.sub(t30, t32));
          v128.store(o + 13 * plane, f32x4.add(t31, t32));
          v128.store(o + 14 * plane, f32x4.sub(t32, t31));
          v128.store(o + 15 * plane, f32x4.sub(t31, t33));
        }
        for (; ch < c; ch++, o += 4) {
          const b = <usize>ch << 2;
          const d00 = tap1(r0, q0 + b, k0), d10 = tap1(r1, q0 + b, k0), d20 = tap1(r2, q0 + b, k0), d30 = tap1(r3, q0 + b, k0);
          const t00 = d00 - d20, t10 = d10 + d20, t20 = d20 - d10, t30 = d10 - d30;
          const d01 = tap1(r0, q1 + b, k1), d11 = tap1(r1, q1 + b, k1), d21 = tap1(r2, q1 + b, k1), d31 = tap1(r3, q1 + b, k1);
          const t01 = d01 - d21, t11 = d11 + d21, t21 = d21 - d11, t31 = d11 - d31;
          const d02 = tap1(r0, q2 + b, k2), d12 = tap1(r1, q2 + b, k2), d22 = tap1(r2, q2 + b, k2), d32 = tap1(r3, q2 + b, k2);
          const t02 = d02 - d22, t12 = d12 + d22, t22 = d22 - d12, t32 = d12 - d32;
          const d03 = tap1(r0, q3 + b, k3), d13 = tap1(r1, q3 + b, k3), d23 = tap1(r2, q3 + b, k3), d33 = tap1(r3, q3 + b, k3);
          const t03 = d03 - d23, t13 = d13 + d23, t23 = d23 - d13, t33 = d13 - d33;
          store<f32>(o + 0 * plane, t00 - t02);
          store<f32>(o + 1 * plane, t01 + t02);
          store<f32>(o + 2 * plane, t02 - t01);
          store<f32>(o + 3 * plane, t01 - t03);
          store<f32>(o + 4 * plane, t10 - t12);
          store<f32>(o + 5 * plane, t11 + t12);
          store<f32>(o + 6 * plane, t12 - t11);
          store<f32>(o + 7 * plane, t11 - t13);
          store<f32>(o + 8 * plane, t20 - t22);
          store<f32>(o + 9 * plane, t21 + t22);
          store<f32>(o + 10 * plane, t22 - t21);
          store<f32>(o + 11 * plane, t21 - t23);
          store<f32>(o + 12 * plane, t30 - t32);
          store<f32>(o + 13 * plane, t31 + t32);
          store<f32>(o + 14 * plane, t32 - t31);
          store<f32>(o + 15 * plane, t31 - t33);
        }
      }
    }
  }
}

/** z [n × outH × outW × k] ← Aᵀ M A of every tile of the samples n0…n1, M[e] at m + (e·total + t)·k; positions of a
 *  partial edge tile beyond the output are dropped. */
export function winogradOutput(m: usize, z: usize, total: i32, n0: i32, n1: i32, k: i32, outH: i32, outW: i32): void {
  const tilesH = (outH + 1) >> 1, tilesW = (outW + 1) >> 1;
  const plane = <usize>(total * k) << 2;
  const kBytes = <usize>k << 2;
  const rowBytes = <usize>(outW * k) << 2;
  for (let n = n0; n < n1; n++) {
    for (let ty = 0; ty < tilesH; ty++) {
      const down = 2 * ty + 1 < outH;
      for (let tx = 0; tx < tilesW; tx++) {
        const right = 2 * tx + 1 < outW;
        let p = m + (<usize>(((n * tilesH + ty) * tilesW + tx) * k) << 2);
        let o = z + (<usize>(((n * outH + 2 * ty) * outW + 2 * tx) * k) << 2);
        let ch = 0;
        for (; ch + 4 <= k; ch += 4, p += 16, o += 16) {
          const m00 = v128.load(p + 0 * plane), m10 = v128.load(p + 4 * plane), m20 = v128.load(p + 8 * plane), m30 = v128.load(p + 12 * plane);
          const a0 = f32x4.add(f32x4.add(m00, m10), m20), b0 = f32x4.sub(f32x4.sub(m10, m20), m30);
          const m01 = v128.load(p + 1 * plane), m11 = v128.load(p + 5 * plane), m21 = v128.load(p + 9 * plane), m31 = v128.load(p + 13 * plane);
          const a1 = f32x4.add(f32x4.add(m01, m11), m21), b1 = f32x4.sub(f32x4.sub(m11, m21), m31);
          const m02 = v128.load(p + 2 * plane), m12 = v128.load(p + 6 * plane), m22 = v128.load(p + 10 * plane), m32 = v128.load(p + 14 * plane);
          const a2 = f32x4.add(f32x4.add(m02, m12), m22), b2 = f32x4.sub(f32x4.sub(m12, m22), m32);
          const m03 = v128.load(p + 3 * plane), m13 = v128.load(p + 7 * plane), m23 = v128.load(p + 11 * plane), m33 = v128.load(p + 15 * plane);
          const a3 = f32x4.add(f32x4.add(m03, m13), m23), b3 = f32x4.sub(f32x4.sub(m13, m23), m33);
          v128.store(o, f32x4.add(f32x4.add(a0, a1), a2));
          if (right) v128.store(o + kBytes, f32x4.sub(f32x4.sub(a1, a2), a3));
          if (down) {
            v128.store(o + rowBytes, f32x4.add(f32x4.add(b0, b1), b2));
            if (right) v128.store(o + rowBytes + kBytes, f32x4.sub(f32x4.sub(b1, b2), b3));
          }
        }
        for (; ch < k; ch++, p += 4, o += 4) {
          const m00 = load<f32>(p + 0 * plane), m10 = load<f32>(p + 4 * plane), m20 = load<f32>(p + 8 * plane), m30 = load<f32>(p + 12 * plane);
          const a0 = ((m00 + m10) + m20), b0 = ((m10 - m20) - m30);
          const m01 = load<f32>(p + 1 * plane), m11 = load<f32>(p + 5 * plane), m21 = load<f32>(p + 9 * plane), m31 = load<f32>(p + 13 * plane);
          const a1 = ((m01 + m11) + m21), b1 = ((m11 - m21) - m31);
          const m02 = load<f32>(p + 2 * plane), m12 = load<f32>(p + 6 * plane), m22 = load<f32>(p + 10 * plane), m32 = load<f32>(p + 14 * plane);
          const a2 = ((m02 + m12) + m22), b2 = ((m12 - m22) - m32);
          const m03 = load<f32>(p + 3 * plane), m13 = load<f32>(p + 7 * plane), m23 = load<f32>(p + 11 * plane), m33 = load<f32>(p + 15 * plane);
          const a3 = ((m03 + m13) + m23), b3 = ((m13 - m23) - m33);
          store<f32>(o, ((a0 + a1) + a2));
          if (right) store<f32>(o + kBytes, ((a1 - a2) - a3));
          if (down) {
            store<f32>(o + rowBytes, ((b0 + b1) + b2));
            if (right) store<f32>(o + rowBytes + kBytes, ((b1 - b2) - b3));
          }
        }
      }
    }
  }
}

/**
 * u[(e·c + ci)·k + co] ← (G g Gᵀ)[e] of the 3×3 filter g = w[·, ·, ci, co] (w: [3, 3, c, k]); `flipped` (1): of the
 * input gradient's filters, g rotated by 180°, into u[(e·k + co)·c + ci]. Float32 steps (G's halves are exact).
 */
export function winogradFilter(w: usize, u: usize, c: i32, k: i32, flipped: i32): void {
  const plane = <usize>(c * k) << 2;
  const half = f32x4.splat(0.5);
  for (let ci = 0; ci < c; ci++) {
    const base = w + (<usize>(ci * k) << 2);
    let co = 0;
    for (; co + 4 <= k; co += 4) {
      const p = base + (<usize>co << 2);
      const h0 = v128.load(p + 0 * plane);
      const h1 = v128.load(p + 1 * plane);
      const h2 = v128.load(p + 2 * plane);
      const h3 = v128.load(p + 3 * plane);
      const h4 = v128.load(p + 4 * plane);
      const h5 = v128.load(p + 5 * plane);
      const h6 = v128.load(p + 6 * plane);
      const h7 = v128.load(p + 7 * plane);
      const h8 = v128.load(p + 8 * plane);
      const fl = flipped != 0;
      const g0 = fl ? h8 : h0;
      const g1 = fl ? h7 : h1;
      const g2 = fl ? h6 : h2;
      const g3 = fl ? h5 : h3;
      const g4 = fl ? h4 : h4;
      const g5 = fl ? h3 : h5;
      const g6 = fl ? h2 : h6;
      const g7 = fl ? h1 : h7;
      const g8 = fl ? h0 : h8;
      const a00 = g0, a10 = f32x4.mul(f32x4.add(f32x4.add(g0, g3), g6), half), a20 = f32x4.mul(f32x4.add(f32x4.sub(g0, g3), g6), half), a30 = g6;
      const a01 = g1, a11 = f32x4.mul(f32x4.add(f32x4.add(g1, g4), g7), half), a21 = f32x4.mul(f32x4.add(f32x4.sub(g1, g4), g7), half), a31 = g7;
      const a02 = g2, a12 = f32x4.mul(f32x4.add(f32x4.add(g2, g5), g8), half), a22 = f32x4.mul(f32x4.add(f32x4.sub(g2, g5), g8), half), a32 = g8;
      const u00 = a00, u01 = f32x4.mul(f32x4.add(f32x4.add(a00, a01), a02), half), u02 = f32x4.mul(f32x4.add(f32x4.sub(a00, a01), a02), half), u03 = a02;
      const u10 = a10, u11 = f32x4.mul(f32x4.add(f32x4.add(a10, a11), a12), half), u12 = f32x4.mul(f32x4.add(f32x4.sub(a10, a11), a12), half), u13 = a12;
      const u20 = a20, u21 = f32x4.mul(f32x4.add(f32x4.add(a20, a21), a22), half), u22 = f32x4.mul(f32x4.add(f32x4.sub(a20, a21), a22), half), u23 = a22;
      const u30 = a30, u31 = f32x4.mul(f32x4.add(f32x4.add(a30, a31), a32), half), u32 = f32x4.mul(f32x4.add(f32x4.sub(a30, a31), a32), half), u33 = a32;
      if (!fl) {
        const o = u + (<usize>(ci * k + co) << 2);
        v128.store(o + 0 * plane, u00);
        v128.store(o + 1 * plane, u01);
        v128.store(o + 2 * plane, u02);
        v128.store(o + 3 * plane, u03);
        v128.store(o + 4 * plane, u10);
        v128.store(o + 5 * plane, u11);
        v128.store(o + 6 * plane, u12);
        v128.store(o + 7 * plane, u13);
        v128.store(o + 8 * plane, u20);
        v128.store(o + 9 * plane, u21);
        v128.store(o + 10 * plane, u22);
        v128.store(o + 11 * plane, u23);
        v128.store(o + 12 * plane, u30);
        v128.store(o + 13 * plane, u31);
        v128.store(o + 14 * plane, u32);
        v128.store(o + 15 * plane, u33);
      } else {
        // [k × c]: the 4 filters' values go to 4 rows.
        const o = u + (<usize>(co * c + ci) << 2);
        const row = <usize>c << 2;
        store<f32>(o + 0 * plane + 0 * row, f32x4.extract_lane(u00, 0));
        store<f32>(o + 0 * plane + 1 * row, f32x4.extract_lane(u00, 1));
        store<f32>(o + 0 * plane + 2 * row, f32x4.extract_lane(u00, 2));
        store<f32>(o + 0 * plane + 3 * row, f32x4.extract_lane(u00, 3));
        store<f32>(o + 1 * plane + 0 * row, f32x4.extract_lane(u01, 0));
        store<f32>(o + 1 * plane + 1 * row, f32x4.extract_lane(u01, 1));
        store<f32>(o + 1 * plane + 2 * row, f32x4.extract_lane(u01, 2));
        store<f32>(o + 1 * plane + 3 * row, f32x4.extract_lane(u01, 3));
        store<f32>(o + 2 * plane + 0 * row, f32x4.extract_lane(u02, 0));
        store<f32>(o + 2 * plane + 1 * row, f32x4.extract_lane(u02, 1));
        store<f32>(o + 2 * plane + 2 * row, f32x4.extract_lane(u02, 2));
        store<f32>(o + 2 * plane + 3 * row, f32x4.extract_lane(u02, 3));
        store<f32>(o + 3 * plane + 0 * row, f32x4.extract_lane(u03, 0));
        store<f32>(o + 3 * plane + 1 * row, f32x4.extract_lane(u03, 1));
        store<f32>(o + 3 * plane + 2 * row, f32x4.extract_lane(u03, 2));
        store<f32>(o + 3 * plane + 3 * row, f32x4.extract_lane(u03, 3));
        store<f32>(o + 4 * plane + 0 * row, f32x4.extract_lane(u10, 0));
        store<f32>(o + 4 * plane + 1 * row, f32x4.extract_lane(u10, 1));
        store<f32>(o + 4 * plane + 2 * row, f32x4.extract_lane(u10, 2));
        store<f32>(o + 4 * plane + 3 * row, f32x4.extract_lane(u10, 3));
        store<f32>(o + 5 * plane + 0 * row, f32x4.extract_lane(u11, 0));
        store<f32>(o + 5 * plane + 1 * row, f32x4.extract_lane(u11, 1));
        store<f32>(o + 5 * plane + 2 * row, f32x4.extract_lane(u11, 2));
        store<f32>(o + 5 * plane + 3 * row, f32x4.extract_lane(u11, 3));
        store<f32>(o + 6 * plane + 0 * row, f32x4.extract_lane(u12, 0));
        store<f32>(o + 6 * plane + 1 * row, f32x4.extract_lane(u12, 1));
        store<f32>(o + 6 * plane + 2 * row, f32x4.extract_lane(u12, 2));
        store<f32>(o + 6 * plane + 3 * row, f32x4.extract_lane(u12, 3));
        store<f32>(o + 7 * plane + 0 * row, f32x4.extract_lane(u13, 0));
        store<f32>(o + 7 * plane + 1 * row, f32x4.extract_lane(u13, 1));
        store<f32>(o + 7 * plane + 2 * row, f32x4.extract_lane(u13, 2));
        store<f32>(o + 7 * plane + 3 * row, f32x4.extract_lane(u13, 3));
        store<f32>(o + 8 * plane + 0 * row, f32x4.extract_lane(u20, 0));
        store<f32>(o + 8 * plane + 1 * row, f32x4.extract_lane(u20, 1));
        store<f32>(o + 8 * plane + 2 * row, f32x4.extract_lane(u20, 2));
        store<f32>(o + 8 * plane + 3 * row, f32x4.extract_lane(u20, 3));
        store<f32>(o + 9 * plane + 0 * row, f32x4.extract_lane(u21, 0));
        store<f32>(o + 9 * plane + 1 * row, f32x4.extract_lane(u21, 1));
        store<f32>(o + 9 * plane + 2 * row, f32x4.extract_lane(u21, 2));
        store<f32>(o + 9 * plane + 3 * row, f32x4.extract_lane(u21, 3));
        store<f32>(o + 10 * plane + 0 * row, f32x4.extract_lane(u22, 0));
        store<f32>(o + 10 * plane + 1 * row, f32x4.extract_lane(u22, 1));
        store<f32>(o + 10 * plane + 2 * row, f32x4.extract_lane(u22, 2));
        store<f32>(o + 10 * plane + 3 * row, f32x4.extract_lane(u22, 3));
        store<f32>(o + 11 * plane + 0 * row, f32x4.extract_lane(u23, 0));
        store<f32>(o + 11 * plane + 1 * row, f32x4.extract_lane(u23, 1));
        store<f32>(o + 11 * plane + 2 * row, f32x4.extract_lane(u23, 2));
        store<f32>(o + 11 * plane + 3 * row, f32x4.extract_lane(u23, 3));
        store<f32>(o + 12 * plane + 0 * row, f32x4.extract_lane(u30, 0));
        store<f32>(o + 12 * plane + 1 * row, f32x4.extract_lane(u30, 1));
        store<f32>(o + 12 * plane + 2 * row, f32x4.extract_lane(u30, 2));
        store<f32>(o + 12 * plane + 3 * row, f32x4.extract_lane(u30, 3));
        store<f32>(o + 13 * plane + 0 * row, f32x4.extract_lane(u31, 0));
        store<f32>(o + 13 * plane + 1 * row, f32x4.extract_lane(u31, 1));
        store<f32>(o + 13 * plane + 2 * row, f32x4.extract_lane(u31, 2));
        store<f32>(o + 13 * plane + 3 * row, f32x4.extract_lane(u31, 3));
        store<f32>(o + 14 * plane + 0 * row, f32x4.extract_lane(u32, 0));
        store<f32>(o + 14 * plane + 1 * row, f32x4.extract_lane(u32, 1));
        store<f32>(o + 14 * plane + 2 * row, f32x4.extract_lane(u32, 2));
        store<f32>(o + 14 * plane + 3 * row, f32x4.extract_lane(u32, 3));
        store<f32>(o + 15 * plane + 0 * row, f32x4.extract_lane(u33, 0));
        store<f32>(o + 15 * plane + 1 * row, f32x4.extract_lane(u33, 1));
        store<f32>(o + 15 * plane + 2 * row, f32x4.extract_lane(u33, 2));
        store<f32>(o + 15 * plane + 3 * row, f32x4.extract_lane(u33, 3));
      }
    }
    for (; co < k; co++) {
      const p = base + (<usize>co << 2);
      const h0 = load<f32>(p + 0 * plane);
      const h1 = load<f32>(p + 1 * plane);
      const h2 = load<f32>(p + 2 * plane);
      const h3 = load<f32>(p + 3 * plane);
      const h4 = load<f32>(p + 4 * plane);
      const h5 = load<f32>(p + 5 * plane);
      const h6 = load<f32>(p + 6 * plane);
      const h7 = load<f32>(p + 7 * plane);
      const h8 = load<f32>(p + 8 * plane);
      const fl = flipped != 0;
      const g0 = fl ? h8 : h0;
      const g1 = fl ? h7 : h1;
      const g2 = fl ? h6 : h2;
      const g3 = fl ? h5 : h3;
      const g4 = fl ? h4 : h4;
      const g5 = fl ? h3 : h5;
      const g6 = fl ? h2 : h6;
      const g7 = fl ? h1 : h7;
      const g8 = fl ? h0 : h8;
      const a00 = g0, a10 = (g0 + g3 + g6) * <f32>0.5, a20 = (g0 - g3 + g6) * <f32>0.5, a30 = g6;
      const a01 = g1, a11 = (g1 + g4 + g7) * <f32>0.5, a21 = (g1 - g4 + g7) * <f32>0.5, a31 = g7;
      const a02 = g2, a12 = (g2 + g5 + g8) * <f32>0.5, a22 = (g2 - g5 + g8) * <f32>0.5, a32 = g8;
      const u00 = a00, u01 = (a00 + a01 + a02) * <f32>0.5, u02 = (a00 - a01 + a02) * <f32>0.5, u03 = a02;
      const u10 = a10, u11 = (a10 + a11 + a12) * <f32>0.5, u12 = (a10 - a11 + a12) * <f32>0.5, u13 = a12;
      const u20 = a20, u21 = (a20 + a21 + a22) * <f32>0.5, u22 = (a20 - a21 + a22) * <f32>0.5, u23 = a22;
      const u30 = a30, u31 = (a30 + a31 + a32) * <f32>0.5, u32 = (a30 - a31 + a32) * <f32>0.5, u33 = a32;
      const o = u + (<usize>(fl ? co * c + ci : ci * k + co) << 2);
      store<f32>(o + 0 * plane, u00);
      store<f32>(o + 1 * plane, u01);
      store<f32>(o + 2 * plane, u02);
      store<f32>(o + 3 * plane, u03);
      store<f32>(o + 4 * plane, u10);
      store<f32>(o + 5 * plane, u11);
      store<f32>(o + 6 * plane, u12);
      store<f32>(o + 7 * plane, u13);
      store<f32>(o + 8 * plane, u20);
      store<f32>(o + 9 * plane, u21);
      store<f32>(o + 10 * plane, u22);
      store<f32>(o + 11 * plane, u23);
      store<f32>(o + 12 * plane, u30);
      store<f32>(o + 13 * plane, u31);
      store<f32>(o + 14 * plane, u32);
      store<f32>(o + 15 * plane, u33);
    }
  }
}

/**
 * The adjoint of winogradOutput for samples n0 ≤ n < n1: dm[e] ← (A dY Aᵀ)[e] of each tile's 2×2 output gradient
 * dY (read from dz [batch × outH × outW × k]; positions beyond the output are 0), into the 16 matrices [total × k].
 * Float32 steps in the reference's order (src/engine/kernels/winograd.ts winogradOutputGrad): bit-identical.
 */
export function winogradOutputGrad(dz: usize, dm: usize, total: i32, n0: i32, n1: i32, k: i32, outH: i32, outW: i32): void {
  const tilesH = (outH + 1) >> 1, tilesW = (outW + 1) >> 1;
  const plane = <usize>(total * k) << 2;
  const kBytes = <usize>k << 2;
  const rowBytes = <usize>(outW * k) << 2;
  const zero = f32x4.splat(0);
  for (let n = n0; n < n1; n++) {
    for (let ty = 0; ty < tilesH; ty++) {
      const down = 2 * ty + 1 < outH;
      for (let tx = 0; tx < tilesW; tx++) {
        const right = 2 * tx + 1 < outW;
        let p = dm + (<usize>(((n * tilesH + ty) * tilesW + tx) * k) << 2);
        let o = dz + (<usize>(((n * outH + 2 * ty) * outW + 2 * tx) * k) << 2);
        let ch = 0;
        for (; ch + 4 <= k; ch += 4, p += 16, o += 16) {
          const y00 = v128.load(o);
          const y01 = right ? v128.load(o + kBytes) : zero;
          const y10 = down ? v128.load(o + rowBytes) : zero;
          const y11 = down && right ? v128.load(o + rowBytes + kBytes) : zero;
          outputGradRow(p, plane, y00, y01);
          outputGradRow(p + 4 * plane, plane, f32x4.add(y00, y10), f32x4.add(y01, y11));
          outputGradRow(p + 8 * plane, plane, f32x4.sub(y00, y10), f32x4.sub(y01, y11));
          outputGradRow(p + 12 * plane, plane, f32x4.neg(y10), f32x4.neg(y11));
        }
        for (; ch < k; ch++, p += 4, o += 4) {
          const y00 = load<f32>(o);
          const y01: f32 = right ? load<f32>(o + kBytes) : 0;
          const y10: f32 = down ? load<f32>(o + rowBytes) : 0;
          const y11: f32 = down && right ? load<f32>(o + rowBytes + kBytes) : 0;
          outputGradRow1(p, plane, y00, y01);
          outputGradRow1(p + 4 * plane, plane, y00 + y10, y01 + y11);
          outputGradRow1(p + 8 * plane, plane, y00 - y10, y01 - y11);
          outputGradRow1(p + 12 * plane, plane, -y10, -y11);
        }
      }
    }
  }
}

/** One row (p0, p1) of A dY times Aᵀ: (p0, p0 + p1, p0 − p1, −p1) into four planes. */
@inline function outputGradRow(p: usize, plane: usize, p0: v128, p1: v128): void {
  v128.store(p, p0);
  v128.store(p + plane, f32x4.add(p0, p1));
  v128.store(p + 2 * plane, f32x4.sub(p0, p1));
  v128.store(p + 3 * plane, f32x4.neg(p1));
}

@inline function outputGradRow1(p: usize, plane: usize, p0: f32, p1: f32): void {
  store<f32>(p, p0);
  store<f32>(p + plane, p0 + p1);
  store<f32>(p + 2 * plane, p0 - p1);
  store<f32>(p + 3 * plane, -p1);
}

/**
 * dw[t·c·k + ci·k + co] += (Gᵀ dU G)[t] for input channels ci0 ≤ ci < ci1, dU[e] = du + (e·c + ci)·k + co: the adjoint
 * of winogradFilter, the reference's float32 steps four filters at a time (bit-identical). By input channels, so
 * that the kernel threads split it.
 */
export function winogradFilterGrad(du: usize, dw: usize, ci0: i32, ci1: i32, c: i32, k: i32): void {
  const plane = <usize>(c * k) << 2;
  const half = f32x4.splat(0.5);
  for (let ci = ci0; ci < ci1; ci++) {
    let co = 0;
    for (; co + 4 <= k; co += 4) filterGrad4(du, dw, (<usize>(ci * k + co)) << 2, plane, half);
    for (; co < k; co++) filterGrad1(du, dw, (<usize>(ci * k + co)) << 2, plane);
  }
}

@inline function filterGrad4(du: usize, dw: usize, o: usize, plane: usize, half: v128): void {
  // Q (3×4) = Gᵀ dU, column by column: q[i][j].
  let q00 = f32x4.splat(0), q01 = q00, q02 = q00, q03 = q00, q10 = q00, q11 = q00, q12 = q00, q13 = q00, q20 = q00, q21 = q00, q22 = q00, q23 = q00;
  for (let j = 0; j < 4; j++) {
    const p = du + o + <usize>j * plane;
    const u0 = v128.load(p), u1 = v128.load(p + 4 * plane), u2 = v128.load(p + 8 * plane), u3 = v128.load(p + 12 * plane);
    const sum = f32x4.mul(f32x4.add(u1, u2), half);
    const a = f32x4.add(u0, sum), b = f32x4.mul(f32x4.sub(u1, u2), half), d = f32x4.add(sum, u3);
    if (j == 0) { q00 = a; q10 = b; q20 = d; }
    else if (j == 1) { q01 = a; q11 = b; q21 = d; }
    else if (j == 2) { q02 = a; q12 = b; q22 = d; }
    else { q03 = a; q13 = b; q23 = d; }
  }
  // dg = Q G (3×3), row i into taps 3i, 3i + 1, 3i + 2.
  filterGradRow(dw + o, plane, 0, q00, q01, q02, q03, half);
  filterGradRow(dw + o, plane, 3, q10, q11, q12, q13, half);
  filterGradRow(dw + o, plane, 6, q20, q21, q22, q23, half);
}

@inline function filterGradRow(d: usize, plane: usize, t: i32, q0: v128, q1: v128, q2: v128, q3: v128, half: v128): void {
  const sum = f32x4.mul(f32x4.add(q1, q2), half);
  const r = d + <usize>t * plane;
  v128.store(r, f32x4.add(v128.load(r), f32x4.add(q0, sum)));
  v128.store(r + plane, f32x4.add(v128.load(r + plane), f32x4.mul(f32x4.sub(q1, q2), half)));
  v128.store(r + 2 * plane, f32x4.add(v128.load(r + 2 * plane), f32x4.add(sum, q3)));
}

/** One filter of filterGrad4, in scalar float32. */
@inline function filterGrad1(du: usize, dw: usize, o: usize, plane: usize): void {
  for (let i = 0; i < 3; i++) {
    // Row i of Q = Gᵀ dU, then row i of Q G.
    let q0: f32 = 0, q1: f32 = 0, q2: f32 = 0, q3: f32 = 0;
    for (let j = 0; j < 4; j++) {
      const p = du + o + <usize>j * plane;
      const u0 = load<f32>(p), u1 = load<f32>(p + 4 * plane), u2 = load<f32>(p + 8 * plane), u3 = load<f32>(p + 12 * plane);
      const sum: f32 = (u1 + u2) * 0.5;
      const v: f32 = i == 0 ? u0 + sum : i == 1 ? (u1 - u2) * 0.5 : sum + u3;
      if (j == 0) q0 = v;
      else if (j == 1) q1 = v;
      else if (j == 2) q2 = v;
      else q3 = v;
    }
    const sum: f32 = (q1 + q2) * 0.5;
    const r = dw + o + <usize>(3 * i) * plane;
    store<f32>(r, load<f32>(r) + (q0 + sum));
    store<f32>(r + plane, load<f32>(r + plane) + (q1 - q2) * 0.5);
    store<f32>(r + 2 * plane, load<f32>(r + 2 * plane) + (sum + q3));
  }
}

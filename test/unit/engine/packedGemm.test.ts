// Weights packed once for the GEMM (src/engine/kernels/packedWeights.ts, wasm/assembly/packedGemm.ts): the layout is
// one for both implementations (the module's packB writes exactly what packWeights writes), the JavaScript product
// equals its gemm followed by biasActivationForward bit for bit, and the module's fused product equals the module's
// gemm followed by its biasActivation bit for bit, for every activation, row or column range, block edge and cache
// block; both within float32 rounding of each other.
import assert from 'node:assert/strict';
import { ACTIVATION_FUNCTIONS, type ElementwiseActivation } from '../../../src/model/activations';
import { allocBuf } from '../../../src/engine/arena';
import { biasActivationForward } from '../../../src/engine/kernels/elementwise';
import { gemm as jsGemm } from '../../../src/engine/kernels/gemm';
import { gemmPacked, packedIndex, packWeights } from '../../../src/engine/kernels/packedWeights';
import { ACTIVATION_CODES, NO_ACTIVATION } from '../../../src/engine/wasm/abi';
import { packedWeightFloats } from '../../../src/model/layers/packedWeights';
import { createRng } from '../../../src/engine/rng';
import { assertClose } from './helpers';
import { enableRelaxedSimd, freshBackend, put, random } from './wasmHelpers';

enableRelaxedSimd();

/** Sizes around the 4×8 tile, the direct path (≤ 32 columns), the KC = 256 slices and the NC = 1024 blocks. */
const SHAPES: readonly [m: number, n: number, k: number][] = [
  [1, 1, 1], [5, 3, 7], [4, 8, 16], [7, 13, 9], [13, 32, 24], [9, 33, 300], [49, 96, 160], [130, 40, 257], [6, 1030, 20], [3, 2061, 513],
];
const EPILOGUES = Object.keys(ACTIVATION_FUNCTIONS) as ElementwiseActivation[];

describe('packed weights: the layout', () => {
  it('packedIndex places every element of B once, inside the packed size', () => {
    for (const [, n, k] of SHAPES) {
      const seen = new Uint8Array(packedWeightFloats(k, n));
      for (let p = 0; p < k; p++) {
        for (let j = 0; j < n; j++) {
          const i = packedIndex(p, j, k, n);
          assert.ok(i >= 0 && i < seen.length, `${k}×${n}: B[${p}][${j}] at ${i}`);
          assert.equal(seen[i], 0, `${k}×${n}: two elements at ${i}`);
          seen[i] = 1;
        }
      }
    }
  });

  it('the module packs exactly as packWeights (padding zeros included)', () => {
    const { backend: be } = freshBackend();
    const rng = createRng(3);
    for (const [, n, k] of SHAPES) {
      const b = random(k * n, rng);
      const expected = new Float32Array(packedWeightFloats(k, n)).fill(7);
      packWeights(b, k, n, expected);
      const mark = be.mark();
      const pb = put(be, b);
      const dst = put(be, new Float32Array(expected.length).fill(7));
      be.packB(pb, n, n, k, dst);
      assert.deepEqual(be.f32At(dst, expected.length), expected, `${k}×${n}`);
      be.release(mark);
    }
  });
});

describe('packed weights: the JavaScript product', () => {
  it('equals gemm then biasActivationForward, bit for bit, with and without bias and with y apart', () => {
    const rng = createRng(5);
    for (const [m, n, k] of SHAPES.filter(([m, n, k]) => m * n * k < 2e6)) {
      const a = random(m * k, rng), b = random(k * n, rng), bias = random(n, rng);
      const packed = new Float32Array(packedWeightFloats(k, n));
      packWeights(b, k, n, packed);
      for (const act of ['linear', 'relu', 'sigmoid'] as const) {
        const z = new Float32Array(m * n), y = new Float32Array(m * n);
        gemmPacked(m, n, k, a, packed, z, { act, bias, y, alpha: 0 });
        const ez = new Float32Array(m * n), ey = new Float32Array(m * n);
        jsGemm(false, false, m, n, k, a, 0, b, 0, ez, 0, false);
        biasActivationForward(act, ez, bias, ey, m, n, 0);
        assert.deepEqual(z, ez, `${m}×${n}×${k} ${act}: z`);
        assert.deepEqual(y, ey, `${m}×${n}×${k} ${act}: y`);
      }
      const plain = new Float32Array(m * n), expected = new Float32Array(m * n);
      gemmPacked(m, n, k, a, packed, plain);
      jsGemm(false, false, m, n, k, a, 0, b, 0, expected, 0, false);
      assert.deepEqual(plain, expected, `${m}×${n}×${k} no epilogue`);
    }
  });

  it('refuses softmax (a whole-row activation) and short packed buffers', () => {
    const a = new Float32Array(4), z = new Float32Array(4), packed = new Float32Array(packedWeightFloats(2, 2));
    assert.throws(() => gemmPacked(2, 2, 2, a, packed, z, { act: 'softmax', y: z, alpha: 0 }), /softmax/);
    assert.throws(() => gemmPacked(2, 2, 2, a, new Float32Array(4), z), /packed weights: 4 floats where 16 are needed/);
  });
});

describe('packed weights: the WebAssembly product', () => {
  for (const variant of ['relaxed-simd', 'simd'] as const) {
    it(`${variant}: equals the module's gemm then biasActivation bit for bit, on any column range, for every activation`, () => {
      const { backend: be } = freshBackend(variant);
      const rng = createRng(11);
      for (const [m, n, k] of SHAPES) {
        const mark = be.mark();
        const a = put(be, random(m * k, rng)), b = put(be, random(k * n, rng)), bias = put(be, random(n, rng));
        const packed = be.alloc(packedWeightFloats(k, n));
        be.packB(b, n, n, k, packed);
        const z = be.alloc(m * n), y = be.alloc(m * n), ez = be.alloc(m * n), ey = be.alloc(m * n);
        const scratch = be.alloc(be.exports.scratchBytes(m, n, k) / 4);
        // Whole C, and columns from a multiple of 8 to the end or to another multiple of 8 (a thread's chunk).
        const ranges: [number, number][] = [[0, n]];
        if (n > 8) ranges.push([8, n], [0, 8]);
        if (n > 1024) ranges.push([1016, Math.min(n, 1040)]);
        for (const act of EPILOGUES) {
          for (const withBias of [true, false]) {
            for (const apart of [true, false]) {
              for (const [c0, c1] of ranges) {
                const code = ACTIVATION_CODES[act];
                const what = `${variant} ${m}×${n}×${k} ${act}${withBias ? ' bias' : ''}${apart ? ' y apart' : ''} columns ${c0}…${c1}`;
                be.f32At(z, m * n).fill(3);
                be.f32At(y, m * n).fill(5);
                be.f32At(ez, m * n).fill(3);
                be.f32At(ey, m * n).fill(5);
                const out = apart ? y : z;
                be.exports.gemmPacked(m, n, k, a, k, packed, z, n, c0, c1, out, withBias ? bias : 0, code, 0.1, scratch);
                // The reference: the module's gemm on those columns, then biasActivation row by row.
                be.exports.gemm(0, 0, m, c1 - c0, k, a, k, b + c0 * 4, n, ez + c0 * 4, n, 0, scratch);
                const eout = apart ? ey : ez;
                for (let r = 0; r < m; r++) {
                  const o = (r * n + c0) * 4;
                  be.exports.biasActivation(code, ez + o, withBias ? bias + c0 * 4 : 0, eout + o, 1, c1 - c0, 0.1);
                }
                assert.deepEqual(be.f32At(z, m * n), be.f32At(ez, m * n), `${what}: z`);
                if (apart) assert.deepEqual(be.f32At(y, m * n), be.f32At(ey, m * n), `${what}: y`);
              }
            }
          }
        }
        // No epilogue: the product alone, equal to gemm.
        be.exports.gemmPacked(m, n, k, a, k, packed, z, n, 0, n, z, 0, NO_ACTIVATION, 0, scratch);
        be.exports.gemm(0, 0, m, n, k, a, k, b, n, ez, n, 0, scratch);
        assert.deepEqual(be.f32At(z, m * n), be.f32At(ez, m * n), `${variant} ${m}×${n}×${k} no epilogue`);
        be.release(mark);
      }
    });
  }

  it('the kernels set: gemmPacked in place equals the JavaScript product within float32 rounding; a heap operand falls back', () => {
    const { kernels } = freshBackend();
    const rng = createRng(13);
    const [m, n, k] = [37, 70, 300];
    const arena = kernels.createArena();
    const bufs = [m * k, k * n, n, packedWeightFloats(k, n), m * n, m * n].map((f) => allocBuf(arena, f));
    const [a, b, bias, packed, z, y] = bufs.map((buf) => buf.view()) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    a.set(random(m * k, rng));
    b.set(random(k * n, rng));
    bias.set(random(n, rng));
    kernels.packWeights(b, k, n, packed);
    kernels.gemmPacked(m, n, k, a, packed, z, { act: 'relu6', bias, y, alpha: 0 });
    assert.equal(kernels.ops.inWasm.gemmPacked, 1);
    assert.equal(kernels.ops.inWasm.packWeights, 1);
    const jsPacked = new Float32Array(packed.length), ez = new Float32Array(m * n), ey = new Float32Array(m * n);
    packWeights(b, k, n, jsPacked);
    gemmPacked(m, n, k, a.slice(), jsPacked, ez, { act: 'relu6', bias: bias.slice(), y: ey, alpha: 0 });
    assertClose(y, ey, 1e-5, 'relu6 output');
    // A heap input: the JavaScript kernel on the same packed layout (packed by the module).
    const heapZ = new Float32Array(m * n);
    kernels.gemmPacked(m, n, k, a.slice(), packed, heapZ);
    assert.equal(kernels.ops.fallback.gemmPacked, 1);
    const plain = new Float32Array(m * n);
    jsGemm(false, false, m, n, k, a, 0, b, 0, plain, 0, false);
    assert.deepEqual(heapZ, plain);
  });
});

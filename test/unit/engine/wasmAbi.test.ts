// The kernels module against its one declaration (src/engine/wasm/abi.ts): every built variant exports exactly
// the declared functions with the declared parameter counts (a kernel added to assembly/ but not declared fails,
// as does one declared but not built), the load-time check names what is wrong, and each activation code of
// ACTIVATION_CODES computes, in the module, the JavaScript activation of its name (the TypeScript table and the
// AssemblyScript constants agree). A variant this runtime cannot load is skipped locally, a failure in CI.
import assert from 'node:assert/strict';
import { activationBackward, activationForward } from '../../../src/engine/kernels/elementwise';
import { ACTIVATION_CODES, KERNEL_NAMES, kernelExportProblems, kernelExports, NO_ACTIVATION } from '../../../src/engine/wasm/abi';
import { loadWasmBackend, WASM_VARIANTS, type WasmBackend, type WasmVariant } from '../../../src/engine/wasm/backend';
import type { ActivationName } from '../../../src/model/types';
import { assertClose, relError } from './helpers';
import { enableRelaxedSimd, readWasmBinaries } from './wasmHelpers';

enableRelaxedSimd();
const binaries = readWasmBinaries();

/** Skips the test, or fails it in CI (CI=true): there every variant must load. */
function cannotLoad(ctx: Mocha.Context, variant: WasmVariant, why: string): never {
  if (process.env.CI === 'true') assert.fail(`in CI: wasm-${variant} does not load: ${why}`);
  ctx.skip();
}

/** The variant's compiled module, unchecked against the ABI. */
function moduleOf(ctx: Mocha.Context, variant: WasmVariant): WebAssembly.Module {
  const bytes = binaries[variant];
  assert.ok(bytes, `wasm-${variant} is built`);
  if (!WebAssembly.validate(bytes)) cannotLoad(ctx, variant, 'it does not validate here');
  return new WebAssembly.Module(bytes);
}

/** The variant's backend (its exports checked against the ABI on the way). */
function backendOf(ctx: Mocha.Context, variant: WasmVariant): WasmBackend {
  const r = loadWasmBackend(binaries, { variant });
  return r.backend ?? cannotLoad(ctx, variant, r.reason);
}

const ACTIVATIONS = Object.keys(ACTIVATION_CODES).filter((k): k is ActivationName => k in ACTIVATION_CODES);

describe('wasm kernels ABI (src/engine/wasm/abi.ts)', () => {
  for (const variant of WASM_VARIANTS) {
    it(`wasm-${variant} exports exactly the declared functions, with their parameter counts`, function () {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
      const exports = new WebAssembly.Instance(moduleOf(this, variant), { env: { memory } }).exports;
      const functions = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
      const others = Object.keys(exports).filter((name) => typeof exports[name] !== 'function');
      assert.deepEqual(others, [], 'the module exports functions only (the backend owns the memory)');
      const declared = new Set<string>(KERNEL_NAMES);
      const undeclared = functions.filter((name) => !declared.has(name));
      assert.deepEqual(undeclared, [], `exported but not declared in abi.ts: ${undeclared.join(', ')}`);
      const missing = KERNEL_NAMES.filter((name) => !functions.includes(name));
      assert.deepEqual(missing, [], `declared in abi.ts but not exported: ${missing.join(', ')}`);
      assert.deepEqual(kernelExportProblems(exports), []);
      assert.equal(backendOf(this, variant).name, `wasm-${variant}`);
    });
  }

  it('the load-time check names every missing export and every wrong parameter count', function () {
    const { exports } = backendOf(this, WASM_VARIANTS[WASM_VARIANTS.length - 1]!);
    const complete = Object.fromEntries(KERNEL_NAMES.map((name) => [name, exports[name]]));
    assert.equal(kernelExports({ exports: complete }).gemm, exports.gemm);
    const { gemm: _gemm, im2col: _im2col, ...partial } = complete;
    assert.throws(() => kernelExports({ exports: partial }), /does not match its ABI.*gemm is missing; im2col is missing/);
    assert.throws(() => kernelExports({ exports: { ...complete, sumRows: (x: number) => x } }), /sumRows takes 1 parameters, the ABI declares 4/);
    assert.throws(() => kernelExports({ exports: { ...complete, relaxed: 1 } }), /relaxed is not a function/);
  });

  describe('activation codes', () => {
    it('are distinct, non-negative and not NO_ACTIVATION', () => {
      const codes = Object.values(ACTIVATION_CODES);
      assert.equal(new Set(codes).size, codes.length);
      for (const code of codes) assert.ok(Number.isInteger(code) && code >= 0 && code !== NO_ACTIVATION);
    });

    // Rows of 13 over [-8, 8): negatives, values past relu6's 6, saturation: every activation differs from the others.
    const rows = 5, cols = 13, size = rows * cols, alpha = 0.3;
    const z = Float32Array.from({ length: size }, (_, i) => ((i * 37) % size) / size * 16 - 8);
    const dy = Float32Array.from({ length: size }, (_, i) => Math.sin(i + 1));
    const reference = (act: ActivationName): { y: Float32Array; dz: Float32Array } => {
      const y = new Float32Array(size), dz = new Float32Array(size);
      activationForward(act, z, y, size, cols, alpha);
      activationBackward(act, z, y, dy, dz, size, cols, alpha);
      return { y, dz };
    };

    for (const variant of WASM_VARIANTS) {
      it(`wasm-${variant}: biasActivation and activationBackward with each code compute the JavaScript activation of its name`, function () {
        const be = backendOf(this, variant);
        const mark = be.mark();
        const [pz, py, pdy, pdz] = [be.alloc(size), be.alloc(size), be.alloc(size), be.alloc(size)];
        be.f32At(pz, size).set(z);
        be.f32At(pdy, size).set(dy);
        for (const act of ACTIVATIONS) {
          const code = ACTIVATION_CODES[act];
          be.exports.biasActivation(code, pz, 0, py, rows, cols, alpha);
          const y = be.f32At(py, size).slice();
          be.exports.activationBackward(code, pz, py, pdy, pdz, rows, cols, alpha, 0);
          const dz = be.f32At(pdz, size).slice();
          const ref = reference(act);
          assertClose(y, ref.y, 1e-6, `${act} (code ${code}) forward`);
          assertClose(dz, ref.dz, 1e-6, `${act} (code ${code}) backward`);
          // The inputs tell every activation apart, so a code swapped with another's cannot pass the check above.
          for (const other of ACTIVATIONS) {
            if (other !== act) assert.ok(relError(y, reference(other).y) > 1e-3, `${act}'s output differs from ${other}'s`);
          }
        }
        be.release(mark);
      });
    }
  });
});

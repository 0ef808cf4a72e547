// Mocha --require for the second pass of the engine tests (test/unit/engine/wasm.mocharc.json, part of
// `npm run test:unit`): every layer runs on the WebAssembly kernels. Fails loudly instead of silently
// re-running the JavaScript kernels when they cannot load, and checks after each test that they are still on.
import { getKernels, setKernels } from '../../../src/engine/kernels';
import { createWasmKernels } from '../../../src/engine/kernels/wasm';
import { WASM_OPS } from '../../../src/engine/kernels/wasmOps';
import { loadWasmBackend } from '../../../src/engine/wasm/backend';
import { enableRelaxedSimd, readWasmBinaries } from './wasmHelpers';

enableRelaxedSimd();
const loaded = loadWasmBackend(readWasmBinaries());
if (!loaded.backend) throw new Error(`engine tests on WebAssembly kernels: ${loaded.reason}`);
const kernels = createWasmKernels(loaded.backend);
setKernels(kernels);
console.log(`engine tests with kernels: ${kernels.name}`);

export const mochaHooks = {
  afterAll(): void {
    // Networks and layers built under these kernels own a wasm memory: their GEMMs run in place, without copies.
    if (kernels.staging.inPlace === 0) throw new Error('no test ran a GEMM in place on a WebAssembly arena');
    console.log(`wasm GEMMs: ${kernels.staging.inPlace} in place, ${kernels.staging.copied} copied (operands outside an arena)`);
    // The layers' and the optimizers' other hot loops ran in WebAssembly too (the engine calls these).
    const { inWasm, fallback } = kernels.ops;
    // im2col alone: a conv layer's forward computes its patches inside convForward (required here); im2col runs
    // by itself only for a standalone layer's backward after an inference pass (wasmOps.test checks the kernel).
    const ran = WASM_OPS.filter((op) => op !== 'activationForward' && op !== 'activationBackward' && op !== 'im2col');
    const missing = ran.filter((op) => inWasm[op] === 0);
    if (missing.length > 0) throw new Error(`no test ran these kernels in WebAssembly: ${missing.join(', ')}`);
    console.log(`wasm kernels: ${ran.map((op) => `${op} ${inWasm[op]}${fallback[op] ? ` (+${fallback[op]} in JS)` : ''}`).join(', ')}`);
  },
  afterEach(): void {
    if (getKernels() !== kernels) throw new Error(`a test left the kernels at "${getKernels().name}" instead of ${kernels.name}`);
  },
};

// The .wasm kernels inlined by esbuild (loader '.wasm': 'binary'). Imported only by the bundle entry points
// (src/cli/bin.ts, src/worker/main.ts): tsx, which runs the tests, cannot import .wasm files.
import type { WasmBinaries } from '../../engine/wasm/backend';
import relaxedSimd from '../../engine/wasm/build/kernels-relaxed-simd.wasm';
import simd from '../../engine/wasm/build/kernels-simd.wasm';

export const BUNDLED_WASM: WasmBinaries = { 'relaxed-simd': relaxedSimd, simd };

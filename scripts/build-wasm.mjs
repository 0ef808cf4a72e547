// Builds the WebAssembly kernels from src/engine/wasm/assembly (AssemblyScript, from npm: no system toolchain)
// into src/engine/wasm/build/ (ignored by git), in two variants: relaxed SIMD (f32x4.relaxed_madd) and plain
// SIMD. Skips a variant whose .wasm is newer than every source. `--force` rebuilds.
import asc from 'assemblyscript/asc';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src/engine/wasm/assembly');
const outDir = join(root, 'src/engine/wasm/build');
const force = process.argv.includes('--force');

/** Output file → features. Keep in step with WASM_FILES in src/engine/wasm/backend.ts. */
const variants = [
  { file: 'kernels-relaxed-simd.wasm', features: 'simd,relaxed-simd' },
  { file: 'kernels-simd.wasm', features: 'simd' },
];
const common = [
  '-O3', '--noAssert', '--runtime', 'stub', '--use', 'abort=',
  // The backend owns the memory and passes it in; the module neither creates nor exports one.
  '--importMemory', '--noExportMemory',
  // Shared, so the GEMM worker threads (src/engine/wasm/threadPool.ts) instantiate the module over the same memory.
  // A shared memory needs a maximum: the whole 32-bit space (V8 reserves address space, not RAM, for it; the
  // backend may import a memory with a smaller maximum). A shared memory needs the `threads` feature (below).
  '--sharedMemory', '--maximumMemory', '65536',
];

const newestSource = Math.max(
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
  ...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs),
);
mkdirSync(outDir, { recursive: true });
for (const { file, features } of variants) {
  const out = join(outDir, file);
  let outTime = 0;
  try { outTime = statSync(out).mtimeMs; } catch { /* not built yet */ }
  if (!force && outTime > newestSource) continue;
  const { error, stderr } = await asc.main([join(srcDir, 'index.ts'), '--enable', `${features},threads`, ...common, '-o', out]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${file}: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: ${file} (${statSync(out).size} bytes, --enable ${features})`);
}

// One base config, one bundle per runtime room.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const base = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  target: 'es2022',
  // jsonc-parser's UMD build hides its requires from bundlers; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  // The WebAssembly kernels (scripts/build-wasm.mjs) are bundled as bytes: `import bytes from '….wasm'`.
  loader: { '.wasm': 'binary' },
};

// tsx/cjs: only require.resolve'd, for a .ts GEMM worker entry under tsx (src/data/gemmPool.ts), never bundled.
const node = { ...base, platform: 'node', format: 'cjs', target: 'node20', external: ['tsx/cjs'] };

const bundles = [
  { ...node, entryPoints: ['src/extension/activate.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' },
  // The GEMM helper threads (src/data/gemmPool.ts starts them from dist/, beside worker.js and cli.js).
  { ...node, entryPoints: ['src/data/gemmWorker.ts'], outfile: 'dist/gemm-worker.js' },
  { ...node, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...base, platform: 'browser', format: 'iife', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
  { ...base, platform: 'browser', format: 'iife', entryPoints: ['webview/training/main.ts'], outfile: 'dist/training.js' },
].filter((b) => b.entryPoints.every((p) => existsSync(p)));

if (watch) {
  for (const b of bundles) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(bundles.map((b) => esbuild.build(b)));
}

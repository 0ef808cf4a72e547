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

// tsx/cjs: only require.resolve'd, for a .ts kernel thread entry under tsx (src/node/runtime/kernelThreads.ts), never bundled.
// sharp: its native binary (per platform, in @img/sharp-*) loads from node_modules at run time; the .vsix ships them.
const node = { ...base, platform: 'node', format: 'cjs', target: 'node20', external: ['tsx/cjs', 'sharp'] };

const bundles = [
  { ...node, entryPoints: ['src/extension/activate.ts'], outfile: 'dist/extension.js', external: [...node.external, 'vscode'] },
  { ...node, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' },
  // The kernel threads (src/node/runtime/kernelThreads.ts starts them from dist/, beside worker.js and cli.js).
  { ...node, entryPoints: ['src/node/runtime/kernelThread.ts'], outfile: 'dist/kernel-thread.js' },
  { ...node, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...base, platform: 'browser', format: 'iife', entryPoints: ['webview/designer/main.ts'], outfile: 'dist/designer.js' },
  { ...base, platform: 'browser', format: 'iife', entryPoints: ['webview/training/main.ts'], outfile: 'dist/training.js' },
  { ...base, platform: 'browser', format: 'iife', entryPoints: ['webview/onnx/main.ts'], outfile: 'dist/onnx.js' },
];
// A renamed entry must fail the build, not silently leave an old bundle in dist/.
for (const b of bundles) for (const p of b.entryPoints) if (!existsSync(p)) throw new Error(`esbuild.mjs: no entry point ${p}`);

if (watch) {
  for (const b of bundles) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(bundles.map((b) => esbuild.build(b)));
}

// The `cnn` executable (bundled to dist/cli.js): registers the .wasm kernels esbuild inlined, then runs main.
// Separate from main.ts because tests import main.ts through tsx, which cannot import .wasm.
import './threadPoolSize';
import { setWasmBinaryProvider } from '../node/runtime/loadKernels';
import { BUNDLED_WASM } from '../node/runtime/wasmBundle';
import { main } from './main';

setWasmBinaryProvider(() => BUNDLED_WASM);

// `cnn … | head` closes the pipe early: stop quietly instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cnn: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);

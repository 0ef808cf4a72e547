import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileError, openRegularFile, readRegularFile, readRegularFileSync } from '../../../src/node/files';
import { makeFifo, type Fifo } from './datasets/fifo';

const MODEL = { maxBytes: 1024, what: 'a model file' } as const;

/** Both readers must agree on every answer. */
async function readBoth(path: string, options: { maxBytes: number; what: string; name?: string } = MODEL): Promise<Buffer> {
  let sync: Buffer | FileError;
  try {
    sync = readRegularFileSync(path, options);
  } catch (e) {
    sync = e as FileError;
  }
  const async = await readRegularFile(path, options).catch((e: FileError) => e);
  assert.equal(String(async), String(sync), 'sync and async readers disagree');
  if (async instanceof Error) throw async;
  return async;
}

describe('data/files: reading only regular files', function () {
  this.timeout(8000); // a blocked FIFO read is released by the watchdog after 3 s, so this fails instead of hanging
  let dir: string;
  let fifo: Fifo | undefined;
  before(function () {
    if (process.platform === 'win32') this.skip();
    dir = mkdtempSync(join(tmpdir(), 'cnn-files-'));
    writeFileSync(join(dir, 'm.cnn.json'), '{"ok": true}');
    mkdirSync(join(dir, 'folder.cnn.json'));
    symlinkSync(join(dir, 'm.cnn.json'), join(dir, 'link-to-file'));
    symlinkSync(join(dir, 'folder.cnn.json'), join(dir, 'link-to-dir'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    writeFileSync(join(dir, 'big'), Buffer.alloc(2048, 0x20));
    writeFileSync(join(dir, 'empty'), '');
    fifo = makeFifo(join(dir, 'pipe.cnn.json'));
  });
  after(() => {
    fifo?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads a regular file, also through a symbolic link, and an empty one', async () => {
    assert.equal((await readBoth(join(dir, 'm.cnn.json'))).toString(), '{"ok": true}');
    assert.equal((await readBoth(join(dir, 'link-to-file'))).toString(), '{"ok": true}');
    assert.equal((await readBoth(join(dir, 'empty'))).length, 0);
  });

  it('refuses a directory, also through a symbolic link, naming what was expected', async () => {
    await assert.rejects(readBoth(join(dir, 'folder.cnn.json'), { ...MODEL, name: 'folder.cnn.json' }), (e: FileError) => {
      assert.equal(e.message, 'folder.cnn.json is a directory, not a model file');
      assert.equal(e.problem, 'notRegular');
      return true;
    });
    await assert.rejects(readBoth(join(dir, 'link-to-dir'), { ...MODEL, name: 'link' }), /^Error: link is a directory, not a model file$/);
  });

  it('refuses a named pipe at once instead of blocking on it', async () => {
    const started = Date.now();
    await assert.rejects(readBoth(join(dir, 'pipe.cnn.json'), { ...MODEL, name: 'pipe.cnn.json' }), (e: FileError) => {
      assert.equal(e.message, 'pipe.cnn.json is not a regular file (a named pipe)');
      assert.equal(e.reason, 'a named pipe, not a regular file');
      return true;
    });
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });

  it('refuses a character device', async () => {
    await assert.rejects(readBoth('/dev/zero', { ...MODEL, name: 'zero' }), /^Error: zero is not a regular file \(a character device\)$/);
  });

  it('checks the size limit before reading, in the message units users read', async () => {
    await assert.rejects(readBoth(join(dir, 'big'), { maxBytes: 1024, what: 'a model file', name: 'big' }), (e: FileError) => {
      assert.equal(e.message, 'big is 2.0 KiB, more than the 1.0 KiB a model file may have');
      assert.equal(e.problem, 'tooLarge');
      return true;
    });
    assert.equal((await readBoth(join(dir, 'big'), { maxBytes: 2048, what: 'a model file' })).length, 2048);
  });

  it('says "no such file" for missing paths and dangling links', async () => {
    for (const [path, name] of [[join(dir, 'nope'), 'nope'], [join(dir, 'dangling'), 'dangling'], [join(dir, 'm.cnn.json', 'below'), 'below']]) {
      await assert.rejects(readBoth(path, { ...MODEL, name }), (e: FileError) => e.message === `${name}: no such file` && e.problem === 'notFound');
    }
  });

  it('openRegularFile hands back the checked handle and size for header-first readers', async () => {
    const { handle, size } = await openRegularFile(join(dir, 'm.cnn.json'), MODEL);
    try {
      assert.equal(size, 12);
      const head = Buffer.alloc(5);
      await handle.read(head, 0, 5, 0);
      assert.equal(head.toString(), '{"ok"');
    } finally {
      await handle.close();
    }
    await assert.rejects(openRegularFile(join(dir, 'pipe.cnn.json'), { ...MODEL, name: 'p' }), /p is not a regular file \(a named pipe\)/);
  });

  it('reads a file beyond 2 GiB whole (a big network\'s weights), in reads Node accepts', async function () {
    // 2 GiB of zeros to copy: seconds on a quiet machine, more on a busy one; this checks sizes, not speed.
    this.timeout(120_000);
    // Sparse: no disk space, but 2 GiB + 5 bytes to read. One read of that length aborted the process.
    const big = join(dir, 'big.safetensors');
    writeFileSync(big, '');
    truncateSync(big, 2 ** 31 + 5);
    const bytes = await readRegularFile(big, { maxBytes: 2 ** 32, what: 'weights' });
    assert.equal(bytes.length, 2 ** 31 + 5);
    assert.equal(bytes[2 ** 31 + 4], 0);
    rmSync(big);
  });
});

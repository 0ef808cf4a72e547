// The dataset cache: a second load reads every sample back byte for byte; a changed file is decoded again; damaged
// cache bytes (a flipped bit, a torn tail, a foreign file) are never served as samples.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { clearCaches, listCaches } from '../../../../src/node/datasets/cache/datasetCache';
import { RecordKind, scanPack } from '../../../../src/node/datasets/cache/packFile';
import { loadImageFolder } from '../../../../src/node/datasets/imageFolder';
import { png, solidJpeg } from './helpers';

const SHAPE = [6, 6, 3] as const;

describe('data/datasetCache', () => {
  let root: string;
  let data: string;
  let cacheDir: string;
  const load = (dir = cacheDir) => loadImageFolder(data, SHAPE, { name: 'pets', cacheDir: dir });
  const cacheFile = (): string => {
    const files = readdirSync(cacheDir).filter((f) => f.endsWith('.cache'));
    assert.equal(files.length, 1, files.join(', '));
    return join(cacheDir, files[0]);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cnn-cache-'));
    data = join(root, 'pets');
    cacheDir = join(root, 'cache');
    mkdirSync(join(data, 'cat'), { recursive: true });
    mkdirSync(join(data, 'dog'));
    for (let i = 0; i < 4; i++) writeFileSync(join(data, 'cat', `${i}.png`), png(12, 9, 3, Array.from({ length: 12 * 9 * 3 }, (_, k) => (k * (i + 3)) % 256)));
    for (let i = 0; i < 3; i++) writeFileSync(join(data, 'dog', `${i}.jpg`), solidJpeg(10, 14, [40 * i, 200 - 30 * i, 90]));
    writeFileSync(join(data, 'dog', 'broken.png'), png(4, 4, 3, new Array(48).fill(7)).subarray(0, 30));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a second load reads every sample from the cache, the same bytes, and reports skipped files again', async () => {
    const uncached = await loadImageFolder(data, SHAPE, { name: 'pets' });
    const first = await load();
    assert.equal(first.prepared.cached, 0);
    assert.deepEqual(first.images, uncached.images);
    const second = await load();
    assert.equal(second.count, 7);
    assert.equal(second.prepared.done, 8);
    assert.equal(second.prepared.cached, 8, 'the broken file is remembered as skipped, not read again');
    assert.deepEqual(second.images, first.images);
    assert.deepEqual([...second.labels], [...first.labels]);
    assert.deepEqual(second.warnings, first.warnings);
    assert.match(second.warnings.join('\n'), /skipped 1 unreadable file in pets: dog\/broken.png \(invalid PNG/);
  });

  it('a file whose size or modification time changed is decoded again; the others come from the cache', async () => {
    await load();
    const changed = join(data, 'cat', '2.png');
    writeFileSync(changed, png(12, 9, 3, new Array(12 * 9 * 3).fill(255)));
    const later = new Date(Date.now() + 5000);
    utimesSync(changed, later, later);
    const again = await load();
    assert.equal(again.prepared.cached, 7);
    const size = 6 * 6 * 3;
    assert.deepEqual([...again.images.subarray(2 * size, 3 * size)], new Array(size).fill(255));
  });

  it('a flipped byte in a cached sample: that sample is decoded again, never served; in a record header: the records from there on', async () => {
    const first = await load();
    const path = cacheFile();
    const handle = await open(path, 'r');
    const { records } = await scanPack(handle);
    await handle.close();
    const sample = [...records.values()].find((r) => r.kind === RecordKind.Sample)!;
    const bytes = readFileSync(path);
    bytes[sample.offset + 10] ^= 0x40;
    writeFileSync(path, bytes);
    const again = await load();
    assert.deepEqual(again.images, first.images);
    assert.equal(again.prepared.cached, 7, 'exactly one record failed its checksum');
    // A record header's byte: the scan stops there (it cannot know where the next record starts).
    const fourth = [...records.values()].sort((a, b) => a.offset - b.offset)[3];
    const damaged = readFileSync(path);
    damaged[fourth.offset - 3] ^= 0x01; // inside the key, covered by the header checksum
    writeFileSync(path, damaged);
    const third = await load();
    assert.deepEqual(third.images, first.images);
    // Records 2 and 3 remain: record 1 is the sample damaged above, whose replacement lies beyond the damage.
    assert.equal(third.prepared.cached, 2);
  });

  it('a torn tail (a writer killed mid-record) is cut; earlier records stay valid; later appends are found', async () => {
    const first = await load();
    const path = cacheFile();
    truncateSync(path, statSync(path).size - 5);
    const again = await load();
    assert.deepEqual(again.images, first.images);
    assert.equal(again.prepared.cached, 7, 'only the torn last record is decoded again');
    const third = await load();
    assert.equal(third.prepared.cached, 8, 'the record appended after the cut is read');
    assert.deepEqual(third.images, first.images);
  });

  it('a file that is not a cache of these settings is replaced, not read; another input size is another cache', async () => {
    const first = await load();
    const path = cacheFile();
    writeFileSync(path, Buffer.from('not a cache at all, but long enough to look like a header or two.......'));
    const again = await load();
    assert.equal(again.prepared.cached, 0);
    assert.deepEqual(again.images, first.images);
    await loadImageFolder(data, [4, 4, 1], { name: 'pets', cacheDir });
    const list = await listCaches(cacheDir);
    assert.deepEqual(list.map((c) => [c.samples, c.skipped, c.shape?.join('×')]).sort(), [[7, 1, '4×4×1'], [7, 1, '6×6×3']]);
    assert.ok(list.every((c) => c.root === data && c.policy === 'stretch' && /^sharp /.test(c.decoder ?? '')));
    const cleared = await clearCaches(cacheDir);
    assert.equal(cleared.files, 2);
    assert.equal(cleared.bytes, list.reduce((s, c) => s + c.bytes, 0));
    assert.deepEqual(await listCaches(cacheDir), []);
  });

  it('the caches of data folders that no longer exist are removed when another cache opens', async () => {
    const gone = join(root, 'gone');
    mkdirSync(join(gone, 'a'), { recursive: true });
    writeFileSync(join(gone, 'a', 'x.png'), png(2, 2, 3, new Array(12).fill(9)));
    await loadImageFolder(gone, SHAPE, { cacheDir });
    await load();
    assert.deepEqual((await listCaches(cacheDir)).map((c) => c.root).sort(), [gone, data].sort());
    rmSync(gone, { recursive: true });
    writeFileSync(join(cacheDir, 'notes.cache'), 'not ours: left alone');
    await load();
    assert.deepEqual((await listCaches(cacheDir)).map((c) => c.root ?? c.path).sort(), [join(cacheDir, 'notes.cache'), data].sort());
  });

  it('an unusable cache folder: the load goes on without it and says so once', async () => {
    const blocked = join(root, 'a-file');
    writeFileSync(blocked, 'x');
    const ds = await load(join(blocked, 'cache'));
    assert.equal(ds.count, 7);
    assert.equal(ds.warnings.filter((w) => w.startsWith('cannot use the dataset cache')).length, 1);
  });

  it('a limited load caches what it decoded; the full load then decodes only the rest', async () => {
    const some = await loadImageFolder(data, SHAPE, { name: 'pets', cacheDir, limit: 3 });
    assert.equal(some.count, 3);
    const all = await load();
    assert.equal(all.prepared.cached, 3);
    assert.equal(all.count, 7);
  });
});

// `cnn augment-preview`: a PNG grid of the first training samples after augmentation, of the expected size, whose
// tiles are exactly makeAugmenter's output for the seed; and one-line errors for what it cannot do.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../../src/cli/main';
import { createRng } from '../../../src/engine/rng';
import type { AugmentationConfig } from '../../../src/model/types';
import { makeAugmenter } from '../../../src/node/datasets/augment';
import { loadDataSource } from '../../../src/node/datasets/load';
import { GRID_GAP, gridLayout } from '../../../src/node/sampleGridPng';

const AUGMENTATION: AugmentationConfig = { rotation: 30, horizontalFlip: true, brightness: 0.3, cutout: { size: 0.25 } };

function writePng(path: string, seed: number): void {
  const png = new PNG({ width: 8, height: 8 });
  const rng = createRng(seed);
  for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : Math.floor(rng.next() * 256);
  writeFileSync(path, PNG.sync.write(png));
}

describe('cnn augment-preview', () => {
  let dir = '';
  const savedCache = process.env.CNN_STUDIO_CACHE_DIR;
  const run = async (...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['augment-preview', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out, err };
  };
  const model = (training: Record<string, unknown>): string => {
    const path = join(dir, `m${Math.random().toString(36).slice(2)}.cnn.json`);
    writeFileSync(path, JSON.stringify({ format: 'cnn-studio/model@1', name: 'p', input: { shape: [8, 8, 3] }, layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }], training }));
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-augment-preview-'));
    process.env.CNN_STUDIO_CACHE_DIR = join(dir, 'cache');
    for (const [c, cls] of ['a', 'b'].entries()) {
      mkdirSync(join(dir, 'photos', cls), { recursive: true });
      for (let i = 0; i < 3; i++) writePng(join(dir, 'photos', cls, `${i}.png`), c * 10 + i);
    }
  });
  after(() => {
    if (savedCache === undefined) delete process.env.CNN_STUDIO_CACHE_DIR;
    else process.env.CNN_STUDIO_CACHE_DIR = savedCache;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a grid of the expected size whose tiles are the augmented samples, enlarged', async () => {
    const path = model({ data: { train: 'photos' }, augmentation: AUGMENTATION, seed: 9 });
    const output = join(dir, 'grid.png');
    const { code, out, err } = await run(path, '-o', output, '--count', '5');
    assert.equal(code, 0, err.join('\n'));
    assert.deepEqual(err, []);
    // 5 tiles of 8×8 enlarged ×12 (to 96): 3 columns, 2 rows, 2-pixel gaps.
    const layout = gridLayout(5, 8, 8);
    assert.deepEqual([layout.columns, layout.rows, layout.scale, layout.width, layout.height], [3, 2, 12, 296, 198]);
    assert.deepEqual(out, [`wrote ${output}: 5 augmented samples of photos: 5 images, 2 classes, 8×8×3 (seed 9), 3×2 tiles of 8×8 enlarged ×12, 296×198 pixels`]);
    const png = PNG.sync.read(readFileSync(output));
    assert.deepEqual([png.width, png.height], [296, 198]);

    const data = await loadDataSource('photos', dir, [8, 8, 3], { limit: 5, cacheDir: false });
    const images = data.images;
    assert.ok(images instanceof Uint8Array, 'five small images stay in memory');
    const batch = Float32Array.from(images, (v) => v / 255);
    makeAugmenter(AUGMENTATION, [8, 8, 3])!(batch, 5, createRng(9));
    let changed = 0;
    for (let n = 0; n < 5; n++) {
      const left = GRID_GAP + (n % 3) * (96 + GRID_GAP);
      const top = GRID_GAP + Math.floor(n / 3) * (96 + GRID_GAP);
      for (let y = 0; y < 96; y++) {
        for (let x = 0; x < 96; x++) {
          const p = (n * 64 + Math.floor(y / 12) * 8 + Math.floor(x / 12)) * 3;
          const o = ((top + y) * 296 + left + x) * 4;
          for (let k = 0; k < 3; k++) assert.equal(png.data[o + k], Math.round(255 * batch[p + k]!), `tile ${n} (${y}, ${x})`);
        }
      }
      for (let i = 0; i < 192; i++) if (Math.abs(batch[n * 192 + i]! - images[n * 192 + i]! / 255) > 1e-3) changed++;
    }
    assert.ok(changed > 100, 'the tiles are augmented, not the originals');
    // The gap between tiles is background.
    assert.deepEqual([...png.data.subarray((50 * 296 + GRID_GAP + 96) * 4, (50 * 296 + GRID_GAP + 96) * 4 + 4)], [48, 48, 48, 255]);
  });

  it('--copies K shows each sample K times drawn anew, one row each; --seed changes the draws', async () => {
    const path = model({ data: { train: 'photos' }, augmentation: AUGMENTATION });
    const a = join(dir, 'a.png');
    const b = join(dir, 'b.png');
    assert.equal((await run(path, '-o', a, '--count', '2', '--copies', '4')).code, 0);
    assert.equal((await run(path, '-o', b, '--count', '2', '--copies', '4', '--seed', '2')).code, 0);
    const pa = PNG.sync.read(readFileSync(a));
    assert.deepEqual([pa.width, pa.height], [4 * 96 + 5 * GRID_GAP, 2 * 96 + 3 * GRID_GAP]);
    assert.notDeepEqual(pa.data, PNG.sync.read(readFileSync(b)).data);
  });

  it('says so when there is nothing to augment, and writes the samples as they are beside the model by default', async () => {
    const path = model({ data: { train: 'photos' } });
    const { code, out, err } = await run(path, '--count', '1');
    assert.equal(code, 0);
    assert.match(err[0]!, /has no training\.augmentation that changes anything/);
    const written = path.replace(/\.cnn\.json$/, '.augment-preview.png');
    assert.match(out[0]!, new RegExp(`^wrote ${written.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1 sample of photos`));
    assert.deepEqual([PNG.sync.read(readFileSync(written)).width], [96 + 2 * GRID_GAP]);
  });

  it('refuses a model without training data, a missing folder and too many tiles, in one line each', async () => {
    const none = await run(model({}));
    assert.equal(none.code, 1);
    assert.match(none.err.at(-1)!, /has no training\.data\.train to preview$/);
    const missing = await run(model({ data: { train: 'nowhere' } }));
    assert.equal(missing.code, 1);
    assert.equal(missing.err.length, 1);
    assert.match(missing.err[0]!, /nowhere/);
    const many = await run(model({ data: { train: 'photos' } }), '--count', '100', '--copies', '3');
    assert.equal(many.code, 1);
    assert.deepEqual(many.err, ['cnn augment-preview: --count × --copies is at most 256 tiles, got 100 × 3']);
  });
});

// An image folder through `cnn train` twice: decoded the first time, read from the dataset cache the second (same
// figures); `cnn cache info` shows where and how big, `cnn cache clear` empties it.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { main } from '../../../src/cli/main';
import { createRng } from '../../../src/engine/rng';

async function cnn(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

describe('cnn train on an image folder, and cnn cache', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'cnn-cache-cli-'));
  const cacheDir = join(dir, 'cache');
  const saved = process.env.CNN_STUDIO_CACHE_DIR;
  const modelPath = join(dir, 'tiny.cnn.json');

  before(async () => {
    process.env.CNN_STUDIO_CACHE_DIR = cacheDir;
    const rng = createRng(3);
    for (const [k, cls] of ['dark', 'light'].entries()) {
      mkdirSync(join(dir, 'photos', cls), { recursive: true });
      for (let i = 0; i < 24; i++) {
        const raw = Buffer.alloc(96 * 64 * 3);
        for (let j = 0; j < raw.length; j++) raw[j] = Math.floor(k * 128 + rng.next() * 127);
        writeFileSync(join(dir, 'photos', cls, `${i}.jpg`), await sharp(raw, { raw: { width: 96, height: 64, channels: 3 } }).jpeg().toBuffer());
      }
    }
    const model = {
      format: 'cnn-studio/model@1',
      name: 'tiny',
      input: { shape: [16, 16, 3] },
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
        { type: 'globalAvgPool2d' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
      training: { data: { train: 'photos' }, validationSplit: 0.25, optimizer: { type: 'adam', learningRate: 0.01 }, batchSize: 8, epochs: 1, seed: 1 },
    };
    writeFileSync(modelPath, JSON.stringify(model));
  });
  after(() => {
    if (saved === undefined) delete process.env.CNN_STUDIO_CACHE_DIR;
    else process.env.CNN_STUDIO_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes once, then trains from the cache to the same figures; info and clear', async () => {
    const first = await cnn('train', modelPath, '--json');
    assert.equal(first.code, 0, first.err.join('\n'));
    assert.ok(first.err.some((l) => /^photos: 48 images prepared \(48 decoded\) in [\d.]+ s$/.test(l)), first.err.join('\n'));
    const second = await cnn('train', modelPath, '--json');
    assert.equal(second.code, 0, second.err.join('\n'));
    assert.ok(second.err.some((l) => /^photos: 48 images prepared \(all from the cache\) in [\d.]+ s$/.test(l)), second.err.join('\n'));
    const [a, b] = [first, second].map((r) => JSON.parse(r.out[r.out.length - 1]) as { trainLoss: number; valAccuracy: number });
    assert.equal(b.trainLoss, a.trainLoss, 'the cache gives the pixels a decode gives');
    assert.equal(b.valAccuracy, a.valAccuracy);

    const info = await cnn('cache', 'info');
    assert.equal(info.code, 0);
    assert.match(info.out[0], new RegExp(`^dataset cache: ${cacheDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.datasets \\(1 file, [\\d.]+ KiB;`));
    assert.match(info.out[1], /photos {2}16×16×3 stretch, 48 images, sharp /);
    const json = JSON.parse((await cnn('cache', 'info', '--json')).out[0]) as { bytes: number; caches: { samples: number }[] };
    assert.equal(json.caches[0].samples, 48);
    assert.ok(json.bytes >= 48 * 16 * 16 * 3);
    const cleared = await cnn('cache', 'clear');
    assert.match(cleared.out[0], /^cleared the dataset cache .*: 1 file, [\d.]+ KiB$/);
    assert.match((await cnn('cache', 'info')).out[0], /\(0 files, 0 B;/);
    const bad = await cnn('cache', 'shrink');
    assert.equal(bad.code, 2);
    assert.match(bad.err.join('\n'), /cnn cache: unknown action "shrink" \(expected info or clear\)/);
  });
});

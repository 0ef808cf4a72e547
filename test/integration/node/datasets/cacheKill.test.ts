// kill -9 while the dataset cache is being built, several times over the same cache, then load: no error, every
// sample byte for byte what a fresh decode gives (the cache never serves a torn or half-written sample).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRng } from '../../../../src/engine/rng';
import { clearCaches } from '../../../../src/node/datasets/cache/datasetCache';
import { loadImageFolder } from '../../../../src/node/datasets/imageFolder';

const SHAPE = [32, 32, 3] as const;
const IMAGES = 120;
const CHILD = join(__dirname, 'buildCacheChild.ts');

/** Starts the child and SIGKILLs it once it reports `killAtDone` images, or `killAfterMs` after its first report
 *  (its start-up time varies by machine); resolves how it ended. */
function buildAndKill(data: string, cacheDir: string, how: { killAtDone?: number; killAfterMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', CHILD, data, cacheDir, ...SHAPE.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const kill = (): void => void child.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      if (how.killAfterMs !== undefined && timer === undefined) timer = setTimeout(kill, how.killAfterMs);
      out += d.toString();
      const last = /done (\d+)\n$/.exec(out);
      if (how.killAtDone !== undefined && last && Number(last[1]) >= how.killAtDone) kill();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== null && code !== 0) reject(new Error(`child failed (${code}): ${err}`));
      else resolve(signal ?? `exit ${code}: ${out.trim().split('\n').pop() ?? ''}`);
    });
  });
}

describe('dataset cache under kill -9', function () {
  this.timeout(300_000);
  let root: string;
  let data: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'cnn-cache-kill-'));
    data = join(root, 'photos');
    const rng = createRng(7);
    for (const cls of ['a', 'b', 'c']) mkdirSync(join(data, cls), { recursive: true });
    // Noise JPEGs (slow to decode: the child spends its time decoding and appending, where the kills land).
    for (let i = 0; i < IMAGES; i++) {
      const raw = Buffer.alloc(320 * 240 * 3);
      for (let k = 0; k < raw.length; k++) raw[k] = Math.floor(rng.next() * 256);
      writeFileSync(join(data, 'abc'[i % 3], `${i}.jpg`), await sharp(raw, { raw: { width: 320, height: 240, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('three kills at random moments per trial, then a load: no error, no corrupt sample', async () => {
    const reference = await loadImageFolder(data, SHAPE);
    assert.equal(reference.count, IMAGES);
    const seed = Date.now() % 100000;
    const rng = createRng(seed);
    const cacheDir = join(root, 'cache');
    const partial: number[] = [];
    for (let trial = 0; trial < 4; trial++) {
      await clearCaches(cacheDir);
      const endings: string[] = [];
      for (let k = 0; k < 3; k++) {
        // Half the kills when the child has decoded a random number of images, half after a random time.
        const how = k % 2 === 0 ? { killAtDone: 1 + Math.floor(rng.next() * (IMAGES - 1)) } : { killAfterMs: Math.floor(rng.next() * 900) };
        endings.push(await buildAndKill(data, cacheDir, how));
      }
      const loaded = await loadImageFolder(data, SHAPE, { cacheDir });
      const context = `seed ${seed}, trial ${trial}: ${endings.join(', ')}; ${loaded.prepared.cached} cached`;
      assert.equal(loaded.count, IMAGES, context);
      assert.deepEqual(loaded.warnings, [], context);
      assert.ok(Buffer.from(loaded.images).equals(Buffer.from(reference.images)), `a sample differs from a fresh decode (${context})`);
      assert.deepEqual([...loaded.labels], [...reference.labels], context);
      partial.push(loaded.prepared.cached);
    }
    // The kills landed while the cache was being built (else this test would prove nothing).
    assert.ok(partial.some((n) => n > 0 && n < IMAGES), `cached before each final load: ${partial.join(', ')}`);
  });
});

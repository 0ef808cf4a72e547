import { strict as assert } from 'node:assert';
import { makeAugmenter } from '../../../../src/node/datasets/augment';
import { createRng } from '../../../../src/engine/rng';

const shape = [4, 5, 2] as const;
const size = 4 * 5 * 2;
/** Value encodes (sample, y, x, channel) so every move is traceable; +1 keeps 0 meaning "filled". */
const batch = (count: number): Float32Array =>
  Float32Array.from({ length: count * size }, (_, i) => i + 1);

describe('data/augment', () => {
  it('returns undefined when there is nothing to do', () => {
    assert.equal(makeAugmenter({}, shape), undefined);
    assert.equal(makeAugmenter({ shift: 0, horizontalFlip: false }, shape), undefined);
    assert.equal(makeAugmenter({ shift: 0.01 }, shape), undefined, 'rounds to a zero-pixel shift');
    assert.throws(() => makeAugmenter({ shift: 2 }, shape), /^RangeError: augmentation\.shift must be a number in \[0, 0\.5\], got 2$/);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const aug = makeAugmenter({ shift: 0.25, horizontalFlip: true }, shape)!;
    const run = (seed: number): Float32Array => {
      const b = batch(16);
      aug(b, 16, createRng(seed));
      return b;
    };
    assert.deepEqual(run(42), run(42));
    assert.notDeepEqual(run(42), run(43));
    assert.notDeepEqual(run(42), batch(16));
  });

  it('flips horizontally and leaves the others alone', () => {
    const aug = makeAugmenter({ horizontalFlip: true }, shape)!;
    const b = batch(32);
    aug(b, 32, createRng(5));
    const orig = batch(32);
    let flipped = 0;
    for (let n = 0; n < 32; n++) {
      const s = b.subarray(n * size, (n + 1) * size);
      const o = orig.subarray(n * size, (n + 1) * size);
      const isSame = s.every((v, i) => v === o[i]);
      let isFlip = true;
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 5; x++)
          for (let c = 0; c < 2; c++) if (s[(y * 5 + x) * 2 + c] !== o[(y * 5 + (4 - x)) * 2 + c]) isFlip = false;
      assert.ok(isSame || isFlip, `sample ${n} is neither the original nor its mirror`);
      if (isFlip) flipped++;
    }
    assert.ok(flipped > 5 && flipped < 27, `about half flipped, got ${flipped}`);
  });

  it('shifts by whole pixels with zero fill and touches only `count` samples', () => {
    const aug = makeAugmenter({ shift: 0.5 }, shape)!;
    const b = batch(40);
    aug(b, 39, createRng(9));
    const orig = batch(40);
    assert.deepEqual(b.subarray(39 * size), orig.subarray(39 * size), 'sample past count untouched');
    let moved = 0;
    for (let n = 0; n < 39; n++) {
      const s = b.subarray(n * size, (n + 1) * size);
      const o = orig.subarray(n * size, (n + 1) * size);
      // Find the shift from any kept value, then check every pixel against it.
      const i = s.findIndex((v) => v !== 0);
      const shifted = s.some((v, k) => v !== o[k]);
      if (i < 0) continue; // shifted fully out is impossible with |d| ≤ half, but stay safe
      const src = o.indexOf(s[i]);
      const dy = Math.floor(i / 10) - Math.floor(src / 10);
      const dx = Math.floor((i % 10) / 2) - Math.floor((src % 10) / 2);
      assert.ok(Math.abs(dy) <= 2 && Math.abs(dx) <= 3, `shift ${dy},${dx} within limits`);
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 5; x++)
          for (let c = 0; c < 2; c++) {
            const sy = y - dy, sx = x - dx;
            const want = sy >= 0 && sy < 4 && sx >= 0 && sx < 5 ? o[(sy * 5 + sx) * 2 + c] : 0;
            assert.equal(s[(y * 5 + x) * 2 + c], want);
          }
      if (shifted) moved++;
    }
    assert.ok(moved > 20, `most samples moved, got ${moved}`);
  });
});

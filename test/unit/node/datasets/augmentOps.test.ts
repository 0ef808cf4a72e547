// Each augmentation op on known images with scripted random numbers: exact pixels for flips, right-angle turns,
// crops and translations, known formulas for zoom and colour; and the whole pipeline's promises (seeds reproduce,
// values stay in [0, 1], old shift/flip files get the batches they got before).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { createRng, type Rng } from '../../../../src/engine/rng';
import type { AugmentationConfig } from '../../../../src/model/types';
import { makeAugmenter } from '../../../../src/node/datasets/augment';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from '../../../../src/node/datasets/augmentColor';

/** An Rng that returns `values` in turn and fails when asked for more (so a test also pins how many draws there are). */
function scripted(values: readonly number[]): Rng & { readonly left: () => number } {
  let i = 0;
  const next = (): number => {
    if (i >= values.length) throw new Error(`asked for draw ${i + 1}; the script has ${values.length}`);
    return values[i++]!;
  };
  return { next, int: (n) => Math.floor(next() * n), normal: () => 0, fork: () => createRng(0), left: () => values.length - i };
}

/** One augmented sample of a [h, w, c] image with a scripted or seeded rng. */
function run(config: AugmentationConfig, image: Float32Array, shape: readonly [number, number, number], rng: Rng): Float32Array {
  const out = Float32Array.from(image);
  const aug = makeAugmenter(config, shape);
  assert.ok(aug, 'the config changes something');
  aug(out, 1, rng);
  return out;
}

/** value(y, x) = (y·w + x + 1) / (h·w + 1): every pixel distinct, all in (0, 1). */
function numbered(h: number, w: number): Float32Array {
  return Float32Array.from({ length: h * w }, (_, i) => (i + 1) / (h * w + 1));
}
const at = (img: Float32Array, w: number, y: number, x: number): number => img[y * w + x]!;

describe('data/augment: the ops', () => {
  it('flips a known 4×4 image to exact pixels, on a draw below 1/2 only', () => {
    const img = numbered(4, 4);
    const h = run({ horizontalFlip: true }, img, [4, 4, 1], scripted([0.2]));
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assert.equal(at(h, 4, y, x), at(img, 4, y, 3 - x));
    assert.deepEqual(run({ horizontalFlip: true }, img, [4, 4, 1], scripted([0.7])), img);
    const v = run({ verticalFlip: true }, img, [4, 4, 1], scripted([0.4999]));
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assert.equal(at(v, 4, y, x), at(img, 4, 3 - y, x));
    // Both: the horizontal draw first, then the vertical.
    const both = run({ horizontalFlip: true, verticalFlip: true }, img, [4, 4, 1], scripted([0.9, 0.1]));
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assert.equal(at(both, 4, y, x), at(img, 4, 3 - y, x));
  });

  it('turns a square image by ±90° exactly: a marked top-right pixel goes top-left (counter-clockwise) or bottom-right', () => {
    const img = new Float32Array(25);
    img[4] = 1; // row 0, column 4
    img[5] = 0.5; // row 1, column 0: a second marker to pin the whole map
    // angle = −r + 2r·u: r = 180, u = 0.75 → +90° (counter-clockwise); r = 90, u = 0 → −90°.
    const ccw = run({ rotation: 180 }, img, [5, 5, 1], scripted([0.75]));
    const expectCcw = new Float32Array(25);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expectCcw[i * 5 + j] = img[j * 5 + (4 - i)]!;
    assert.deepEqual(ccw, expectCcw);
    assert.equal(ccw[0], 1, 'top-right → top-left');
    const cw = run({ rotation: 90 }, img, [5, 5, 1], scripted([0]));
    assert.equal(cw[4 * 5 + 4], 1, 'top-right → bottom-right');
    assert.equal(cw[0 * 5 + 3], 0.5, 'row 1, column 0 → row 0, column 3');
    assert.equal(cw.reduce((s, v) => s + v, 0), 1.5, 'nothing else lit');
  });

  it('a random resized crop of scale 1 and ratio 1 is the identity on a square image (whatever the seed)', () => {
    const img = numbered(6, 6);
    for (const seed of [1, 2, 3]) assert.deepEqual(run({ randomResizedCrop: { scale: [1, 1], ratio: [1, 1] } }, img, [6, 6, 1], createRng(seed)), img);
  });

  it('crops the drawn box and resizes it back bilinearly (a ramp stays a ramp)', () => {
    // 8×8, value = column / 8. Scale 1/4, ratio 1 → a 4×4 box; top = ⌊0.5·5⌋ = 2, left = ⌊0.9·5⌋ = 4.
    const img = Float32Array.from({ length: 64 }, (_, i) => (i % 8) / 8);
    const rng = scripted([0.3, 0.6, 0.5, 0.9]);
    const out = run({ randomResizedCrop: { scale: [0.25, 0.25], ratio: [1, 1] } }, img, [8, 8, 1], rng);
    assert.equal(rng.left(), 0);
    // Output column x reads source column 4 + (x + 0.5)·4/8 − 0.5, the last half pixel repeating the edge.
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) assert.ok(Math.abs(at(out, 8, y, x) - Math.min(3.75 + x / 2, 7) / 8) < 1e-6, `(${y}, ${x}): ${at(out, 8, y, x)}`);
  });

  it('falls back to the centre crop when no drawn box fits (10 tries, as torchvision)', () => {
    // ratio [4, 4] on a square: a box 4 times as wide as tall never fits at scale 1 → centre crop w = 8, h = 8/4 = 2.
    const img = Float32Array.from({ length: 64 }, (_, i) => Math.floor(i / 8) / 8);
    const rng = scripted(new Array<number>(20).fill(0.5));
    const out = run({ randomResizedCrop: { scale: [1, 1], ratio: [4, 4] } }, img, [8, 8, 1], rng);
    assert.equal(rng.left(), 0, '10 pairs drawn, no offsets');
    // Rows 3 and 4 (top = 3) stretched over 8 rows: source row 3 + (y + 0.5)/4 − 0.5 (read from the whole image, so
    // the outer quarter rows blend with rows 2 and 5: a ramp stays a ramp).
    for (let y = 0; y < 8; y++) assert.ok(Math.abs(at(out, 8, y, 0) - (2.625 + y / 4) / 8) < 1e-6, `row ${y}`);
  });

  it('translates by the drawn whole pixels with zero fill (dy first, then dx)', () => {
    const img = new Float32Array(64);
    img[3 * 8 + 3] = 1;
    // translation 0.25 of 8 → up to 2 pixels: d = ⌊u·5⌋ − 2.
    const out = run({ translation: 0.25 }, img, [8, 8, 1], scripted([0.9, 0.1]));
    const expect = new Float32Array(64);
    expect[5 * 8 + 1] = 1;
    assert.deepEqual(out, expect);
    // `shift` is the same setting.
    assert.deepEqual(run({ shift: 0.25 }, img, [8, 8, 1], scripted([0.9, 0.1])), expect);
  });

  it('zooms about the centre: in (a ramp at half slope) and out (a zero border)', () => {
    const img = Float32Array.from({ length: 64 }, (_, i) => (i % 8) / 8);
    const zin = run({ zoom: [2, 2] }, img, [8, 8, 1], scripted([]));
    for (let x = 0; x < 8; x++) assert.ok(Math.abs(at(zin, 8, 4, x) - (3.5 + (x - 3.5) / 2) / 8) < 1e-6, `column ${x}`);
    const zout = run({ zoom: [0.5, 0.5] }, img, [8, 8, 1], scripted([]));
    // Source column 3.5 + 2·(x − 3.5): columns 0, 1 and 6, 7 fall outside [−0.5, 7.5].
    for (let x = 0; x < 8; x++) {
      const s = 3.5 + 2 * (x - 3.5);
      assert.ok(Math.abs(at(zout, 8, 4, x) - (x >= 2 && x <= 5 ? s / 8 : 0)) < 1e-6, `column ${x}: ${at(zout, 8, 4, x)}`);
    }
  });

  it('draws the zoom factor from its range, and the angle within ±rotation', () => {
    // A centred 1-pixel dot on 9×9 stays put whatever the angle; a dot off-centre moves along its circle.
    const img = new Float32Array(81);
    img[4 * 9 + 8] = 1; // row 4, right edge: radius 4
    const out = run({ rotation: 180 }, img, [9, 9, 1], scripted([0.5 + 90 / 360]));
    assert.ok(Math.abs(out[0 * 9 + 4]! - 1) < 1e-9, 'turned +90° → top centre');
    const z = run({ zoom: [1, 3] }, img, [9, 9, 1], scripted([0.5]));
    // Zoom 2 about the centre: the source column for output x is 4 + (x − 4)/2; column 8 is reached only at x = 12 → gone.
    assert.equal(z.reduce((s, v) => s + v, 0), 0);
  });
});

describe('data/augment: colour jitter formulas', () => {
  const rgb = (): Float32Array => Float32Array.from([0.2, 0.4, 0.6, 1, 0, 0, 0.9, 0.9, 0.9, 0, 0.5, 1]); // 2×2 RGB
  const gray = (d: Float32Array, p: number): number => 0.2989 * d[p]! + 0.587 * d[p + 1]! + 0.114 * d[p + 2]!;

  it('brightness multiplies and clips', () => {
    const d = rgb();
    adjustBrightness(d, 4, 3, 1.5);
    assert.deepEqual(Array.from(d), Array.from(rgb()).map((v) => Math.fround(Math.min(1, v * 1.5))));
  });

  it('contrast blends with the mean gray level', () => {
    const d = rgb();
    const src = rgb();
    const mean = [0, 3, 6, 9].reduce((s, p) => s + Math.fround(gray(src, p)), 0) / 4;
    adjustContrast(d, 4, 3, 0.5);
    src.forEach((v, i) => assert.ok(Math.abs(d[i]! - Math.min(1, Math.max(0, 0.5 * v + 0.5 * mean))) < 1e-6, `value ${i}`));
  });

  it('saturation blends with each pixel\'s gray; 0 gives gray, and a 1-channel image is untouched', () => {
    const d = rgb();
    const src = rgb();
    adjustSaturation(d, 4, 3, 0);
    for (let p = 0; p < 12; p += 3) for (let k = 0; k < 3; k++) assert.ok(Math.abs(d[p + k]! - gray(src, p)) < 1e-6);
    const one = Float32Array.from([0.1, 0.7]);
    adjustSaturation(one, 2, 1, 3);
    adjustHue(one, 2, 1, 0.3);
    assert.deepEqual(Array.from(one), [Math.fround(0.1), Math.fround(0.7)]);
  });

  it('hue turns red to yellow (+1/6), green (+1/3) and magenta (−1/6); gray stays gray; alpha is kept', () => {
    const turn = (f: number): number[] => {
      const d = Float32Array.from([1, 0, 0, 0.25, 0.5, 0.5, 0.5, 0.75]); // red + alpha, gray + alpha
      adjustHue(d, 2, 4, f);
      return Array.from(d).map((v) => Math.round(v * 1e6) / 1e6);
    };
    assert.deepEqual(turn(1 / 6), [1, 1, 0, 0.25, 0.5, 0.5, 0.5, 0.75]);
    assert.deepEqual(turn(1 / 3), [0, 1, 0, 0.25, 0.5, 0.5, 0.5, 0.75]);
    assert.deepEqual(turn(-1 / 6), [1, 0, 1, 0.25, 0.5, 0.5, 0.5, 0.75]);
  });

  it('the pipeline draws the order (3 draws), then one factor per op that is on', () => {
    // brightness 0.5 → factor in [0.5, 1.5]; u = 0.5 → 1. contrast 1 → [0, 2]; u = 0 → 0: every value becomes the mean.
    const img = rgb();
    const rng = scripted([0, 0, 0, 0.5, 0]);
    const out = run({ brightness: 0.5, contrast: 1 }, img, [2, 2, 3], rng);
    assert.equal(rng.left(), 0);
    const mean = [0, 3, 6, 9].reduce((s, p) => s + Math.fround(gray(img, p)), 0) / 4;
    out.forEach((v) => assert.ok(Math.abs(v - mean) < 1e-6));
  });
});

describe('data/augment: cutout', () => {
  it('zeroes holes of size × the image around the drawn centres, cut at the border', () => {
    const img = new Float32Array(8 * 8).fill(0.5);
    // Two 4×4 holes (size 0.5): centres (row ⌊0.5·8⌋ = 4, column 0) and (0, 7).
    const out = run({ cutout: { holes: 2, size: 0.5 } }, img, [8, 8, 1], scripted([0.5, 0, 0, 0.99]));
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const inFirst = y >= 2 && y < 6 && x < 2;
        const inSecond = y < 2 && x >= 5;
        assert.equal(at(out, 8, y, x), inFirst || inSecond ? 0 : 0.5, `(${y}, ${x})`);
      }
    }
  });
});

describe('data/augment: the whole pipeline', () => {
  const everything: AugmentationConfig = {
    randomResizedCrop: { scale: [0.3, 1], ratio: [0.75, 1.333] },
    rotation: 30, zoom: [0.8, 1.25], translation: 0.1, horizontalFlip: true, verticalFlip: true,
    brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, cutout: { holes: 2, size: 0.2 },
  };

  it('reproduces a batch from its seed, differs across seeds, stays in [0, 1] with no NaN', () => {
    const shape = [12, 10, 3] as const;
    const size = 360;
    const base = Float32Array.from({ length: 8 * size }, (_, i) => ((i * 7919) % 1000) / 999);
    const batch = (seed: number): Float32Array => {
      const b = Float32Array.from(base);
      makeAugmenter(everything, shape)!(b, 8, createRng(seed));
      return b;
    };
    assert.deepEqual(batch(3), batch(3));
    assert.notDeepEqual(batch(3), batch(4));
    for (const v of batch(5)) assert.ok(v >= 0 && v <= 1, `value ${v}`);
  });

  it('keeps every value in [0, 1] and finite for any config within the limits and any image', function () {
    this.timeout(60_000);
    const range = (lo: number, hi: number): fc.Arbitrary<[number, number]> =>
      fc.tuple(fc.double({ min: lo, max: hi, noNaN: true }), fc.double({ min: lo, max: hi, noNaN: true })).map(([a, b]) => (a <= b ? [a, b] : [b, a]));
    const config = fc.record(
      {
        randomResizedCrop: fc.record({ scale: range(1e-3, 1), ratio: range(0.05, 20) }),
        rotation: fc.double({ min: 0, max: 180, noNaN: true }),
        zoom: range(0.05, 10),
        translation: fc.double({ min: 0, max: 0.5, noNaN: true }),
        horizontalFlip: fc.boolean(),
        verticalFlip: fc.boolean(),
        brightness: fc.double({ min: 0, max: 10, noNaN: true }),
        contrast: fc.double({ min: 0, max: 10, noNaN: true }),
        saturation: fc.double({ min: 0, max: 10, noNaN: true }),
        hue: fc.double({ min: 0, max: 0.5, noNaN: true }),
        cutout: fc.record({ holes: fc.integer({ min: 1, max: 5 }), size: fc.double({ min: 1e-3, max: 1, noNaN: true }) }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, fc.constantFrom<readonly [number, number, number]>([1, 1, 1], [5, 3, 1], [7, 7, 3], [6, 9, 4]), fc.integer(), (cfg, shape, seed) => {
        const size = shape[0] * shape[1] * shape[2];
        const rng = createRng(seed);
        const b = Float32Array.from({ length: 3 * size }, () => rng.next());
        makeAugmenter(cfg, shape)?.(b, 3, createRng(seed));
        return b.every((v) => v >= 0 && v <= 1);
      }),
      { numRuns: 300 },
    );
  });

  it('names the field and its limits for a value out of range', () => {
    const shape = [4, 4, 3] as const;
    const cases: [AugmentationConfig, string][] = [
      [{ rotation: 400 }, 'augmentation.rotation must be a number in [0, 180] degrees, got 400'],
      [{ zoom: [2, 1] }, 'augmentation.zoom must be [low, high] with low ≤ high, both in (0, 10], got [2,1]'],
      [{ zoom: [0, 1] }, 'augmentation.zoom must be [low, high] with low ≤ high, both in (0, 10], got [0,1]'],
      [{ hue: 0.6 }, 'augmentation.hue must be a number in [0, 0.5], got 0.6'],
      [{ brightness: -1 }, 'augmentation.brightness must be a number in [0, 10], got -1'],
      [{ randomResizedCrop: { scale: [0, 1] } }, 'augmentation.randomResizedCrop.scale must be [low, high] with low ≤ high, both in (0, 1], got [0,1]'],
      [{ cutout: { holes: 1.5 } }, 'augmentation.cutout.holes must be a whole number in [1, 100], got 1.5'],
      [{ translation: Number.NaN }, 'augmentation.translation must be a number in [0, 0.5], got NaN'],
      [{ shift: 0.1, translation: 0.1 }, 'augmentation.shift is the older name of augmentation.translation: give only one of them'],
    ];
    for (const [config, message] of cases) assert.throws(() => makeAugmenter(config, shape), (e: unknown) => e instanceof RangeError && e.message === message, JSON.stringify(config));
  });
});

/** The augmenter before rotation, zoom, crops, colour and cutout joined it (shift and horizontalFlip only), kept
 *  verbatim as the reference that old model files must still reproduce. */
function legacyAugment(maxDy: number, maxDx: number, flip: boolean, [h, w, c]: readonly [number, number, number], batch: Float32Array, count: number, rng: Rng): void {
  const size = h * w * c;
  const row = w * c;
  const scratch = new Float32Array(size);
  for (let n = 0; n < count; n++) {
    const dy = maxDy > 0 ? rng.int(2 * maxDy + 1) - maxDy : 0;
    const dx = maxDx > 0 ? rng.int(2 * maxDx + 1) - maxDx : 0;
    const mirror = flip && rng.next() < 0.5;
    if (dy === 0 && dx === 0 && !mirror) continue;
    const sample = batch.subarray(n * size, (n + 1) * size);
    scratch.set(sample);
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      const o = y * row;
      if (sy < 0 || sy >= h) {
        sample.fill(0, o, o + row);
        continue;
      }
      for (let x = 0; x < w; x++) {
        const sx = (mirror ? w - 1 - x : x) - dx;
        const p = o + x * c;
        if (sx < 0 || sx >= w) for (let k = 0; k < c; k++) sample[p + k] = 0;
        else for (let k = 0; k < c; k++) sample[p + k] = scratch[sy * row + sx * c + k]!;
      }
    }
  }
}

describe('data/augment: files from before', () => {
  it('shift + horizontalFlip give exactly the batches the old augmenter gave for the same seed', () => {
    for (const [shift, flip, shape] of [[0.1, true, [32, 32, 3]], [0.25, false, [28, 28, 1]], [0, true, [9, 7, 4]], [0.5, true, [5, 8, 2]]] as const) {
      const size = shape[0] * shape[1] * shape[2];
      const base = Float32Array.from({ length: 20 * size }, (_, i) => ((i * 31) % 97) / 96);
      const ours = Float32Array.from(base);
      const theirs = Float32Array.from(base);
      const rngA = createRng(11);
      const rngB = createRng(11);
      const aug = makeAugmenter({ shift, horizontalFlip: flip }, shape)!;
      for (let step = 0; step < 3; step++) {
        aug(ours, 20, rngA);
        legacyAugment(Math.round(shift * shape[0]), Math.round(shift * shape[1]), flip, shape, theirs, 20, rngB);
      }
      assert.deepEqual(ours, theirs, `shift ${shift}, flip ${flip}, ${shape.join('×')}`);
      assert.equal(rngA.next(), rngB.next(), 'the same number of draws');
    }
  });
});

// input.resize on real image files, through both decoders: a 40 × 20 image of four coloured bands (red, green, blue,
// white; 10 columns each) stretched, centre-cropped and letterboxed to 16 × 16 gives the bands where the geometry
// puts them (the crop keeps the middle two, letterbox has black bars of 4 rows), the native decoder (sharp) and the
// JavaScript one agree closely on a photo-like image, the windowed resize is the full resize cut, and every
// consumer — the dataset cache, image folders, IDX data, loadImageFile, the worker's predict, `cnn predict` — uses
// the policy it is given.
import { readSampleFloats } from '../../../../src/engine/dataset';
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { main } from '../../../../src/cli/main';
import { encodeWeights } from '../../../../src/engine/weights';
import { buildNetwork } from '../../../../src/engine/network';
import { fitPlan, RESIZE_POLICIES } from '../../../../src/model/resize';
import { inferShapes } from '../../../../src/model/shapes';
import { MODEL_FORMAT, type Model, type ResizePolicy } from '../../../../src/model/types';
import { cacheFileFor, listCaches } from '../../../../src/node/datasets/cache/datasetCache';
import { fitImage } from '../../../../src/node/datasets/fit';
import { loadImageFolder } from '../../../../src/node/datasets/imageFolder';
import { loadDataSource, loadImageFile } from '../../../../src/node/datasets/load';
import { nativeDecoder } from '../../../../src/node/datasets/nativeDecoder';
import { resizeImage } from '../../../../src/node/datasets/pixels';
import { makeSampleDecoder, type SampleDecoder, type SampleShape } from '../../../../src/node/datasets/sample';
import { predictFile } from '../../../../src/worker/inspect';
import { idxBytes, meanDifference, photo, png } from './helpers';

type Rgb = readonly [number, number, number];
const COLOURS: Record<string, Rgb> = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255], white: [255, 255, 255], black: [0, 0, 0] };
const BANDS = ['red', 'green', 'blue', 'white'] as const;

/** `width` × `height` RGB, four equal bands across (vertical: down) in BANDS' order. */
function bands(width: number, height: number, vertical = false): Buffer {
  const data: number[] = [];
  const along = vertical ? height : width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.push(...COLOURS[BANDS[Math.floor(((vertical ? y : x) * 4) / along)]!]!);
  }
  return png(width, height, 3, data);
}

/** The colour a pixel is nearest to. */
function nearest(s: Uint8Array, i: number): string {
  let best = '';
  let dist = Infinity;
  for (const [name, [r, g, b]] of Object.entries(COLOURS)) {
    const d = (s[i]! - r) ** 2 + (s[i + 1]! - g) ** 2 + (s[i + 2]! - b) ** 2;
    if (d < dist) [best, dist] = [name, d];
  }
  return best;
}

/** Rows of nearest colours' initials ("r", "g", "b", "w", "k" for black): the picture as text. */
function picture(s: Uint8Array, h: number, w: number): string[] {
  const initial = (name: string): string => (name === 'black' ? 'k' : name[0]!);
  return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => initial(nearest(s, (y * w + x) * 3))).join(''));
}

const row = (text: string, h: number): string[] => Array.from({ length: h }, () => text);



describe('input.resize: stretch, centerCrop and letterbox on image files', function () {
  this.timeout(60_000);
  let dir: string;
  const js = makeSampleDecoder(undefined);
  const native = nativeDecoder().decoder;
  const decoders: [string, SampleDecoder][] = [['JavaScript', js], ...(native ? [['native', makeSampleDecoder(native)] as [string, SampleDecoder]] : [])];
  const at = (name: string): string => join(dir, name);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-resize-'));
    writeFileSync(at('wide.png'), bands(40, 20));
    writeFileSync(at('tall.png'), bands(20, 40, true));
    writeFileSync(at('photo.png'), photo(150, 100));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  for (const [name, decoder] of decoders) {
    describe(`the ${name} decoder`, () => {
      const decode = (file: string, shape: SampleShape, policy: ResizePolicy): Promise<Uint8Array> => decoder.decode(at(file), shape, policy);

      it('stretch squeezes all four bands into 4 columns each', async () => {
        assert.deepEqual(picture(await decode('wide.png', [16, 16, 3], 'stretch'), 16, 16), row('rrrrggggbbbbwwww', 16));
      });

      it('centerCrop keeps the middle: green and blue, 8 columns each; red and white are cut off', async () => {
        const s = await decode('wide.png', [16, 16, 3], 'centerCrop');
        assert.deepEqual(picture(s, 16, 16), row('ggggggggbbbbbbbb', 16));
        // Away from the edge between them the colours are pure.
        for (const [x, rgb] of [[2, COLOURS.green], [13, COLOURS.blue]] as const) {
          for (let c = 0; c < 3; c++) assert.ok(Math.abs(s[(5 * 16 + x) * 3 + c]! - rgb[c]!) <= 2, `(5, ${x}) channel ${c}: ${s[(5 * 16 + x) * 3 + c]}`);
        }
      });

      it('letterbox keeps all four bands in 8 rows between black bars of exactly 0, 4 rows each', async () => {
        const s = await decode('wide.png', [16, 16, 3], 'letterbox');
        assert.deepEqual(picture(s, 16, 16), [...row('kkkkkkkkkkkkkkkk', 4), ...row('rrrrggggbbbbwwww', 8), ...row('kkkkkkkkkkkkkkkk', 4)]);
        const bar = 4 * 16 * 3;
        assert.ok(s.subarray(0, bar).every((v) => v === 0) && s.subarray(s.length - bar).every((v) => v === 0));
        // The image rows next to the bars are not darkened by them.
        assert.ok(s[(4 * 16 + 14) * 3]! >= 250 && s[(11 * 16 + 14) * 3]! >= 250);
      });

      it('a tall image is cut above and below, or padded left and right', async () => {
        assert.deepEqual(picture(await decode('tall.png', [16, 16, 3], 'centerCrop'), 16, 16), [...row('gggggggggggggggg', 8), ...row('bbbbbbbbbbbbbbbb', 8)]);
        const letter = picture(await decode('tall.png', [16, 16, 3], 'letterbox'), 16, 16);
        assert.deepEqual(letter, ['r', 'g', 'b', 'w'].flatMap((c) => row(`kkkk${c.repeat(8)}kkkk`, 4)));
      });

      it('a non-square input: the wide image into 8 high × 32 wide', async () => {
        // Its 2:1 aspect ratio is the input's 4:1 neither way: crop to rows, pad to columns.
        assert.deepEqual(picture(await decode('wide.png', [8, 32, 3], 'centerCrop'), 8, 32), row('rrrrrrrrggggggggbbbbbbbbwwwwwwww', 8));
        assert.deepEqual(picture(await decode('wide.png', [8, 32, 3], 'letterbox'), 8, 32), row('kkkkkkkkrrrrggggbbbbwwwwkkkkkkkk', 8));
        // Gray: the bars are 0, the white band 255.
        const gray = await decode('wide.png', [8, 32, 1], 'letterbox');
        assert.equal(gray[0], 0);
        assert.ok(gray[22]! >= 250, String(gray[22]));
      });

      it('an image smaller than the input is enlarged by the same plan', async () => {
        assert.deepEqual(picture(await decode('wide.png', [64, 64, 3], 'letterbox'), 64, 64).map((r) => r.replace(/(.)\1*/g, '$1')), [
          ...row('k', 16), ...row('rgbw', 32), ...row('k', 16),
        ]);
        assert.deepEqual(picture(await decode('wide.png', [64, 64, 3], 'centerCrop'), 64, 64).map((r) => r.replace(/(.)\1*/g, '$1')), row('gb', 64));
      });
    });
  }

  it('the native and the JavaScript decoder give nearly the same pixels under every policy', async function () {
    if (!native) this.skip(); // no sharp on this platform: only the JavaScript decoder runs
    const nat = makeSampleDecoder(native);
    for (const shape of [[32, 32, 3], [24, 40, 3], [48, 20, 3], [200, 120, 3]] as SampleShape[]) {
      for (const policy of RESIZE_POLICIES) {
        const a = await js.decode(at('photo.png'), shape, policy);
        const b = await nat.decode(at('photo.png'), shape, policy);
        // The filters differ (area averaging, libvips' linear reduce), not the geometry: the images agree far better
        // as they are than shifted by one pixel either way (which a crop or pad off by one would be).
        const aligned = meanDifference(a, b, shape, 0, 0);
        const shifted = Math.min(...[[0, 1], [0, -1], [1, 0], [-1, 0]].map(([dy, dx]) => meanDifference(a, b, shape, dy!, dx!)));
        const what = `${shape.join('×')} ${policy}: mean |difference| ${aligned.toFixed(2)} levels, shifted by a pixel ${shifted.toFixed(2)}`;
        assert.ok(aligned < 5 && aligned < 0.5 * shifted, what);
      }
    }
  });

  it('the native decoder reads the size after EXIF orientation: a rotated JPEG is cut like the upright one', async function () {
    if (!native) this.skip();
    // Stored 20 wide × 40 high, EXIF orientation 6 (turn clockwise): shown 40 wide × 20 high, the bands across.
    const upright = await sharp(bands(40, 20)).raw().toBuffer();
    const stored = await sharp(upright, { raw: { width: 40, height: 20, channels: 3 } }).rotate(270).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    writeFileSync(at('rotated.jpg'), stored);
    const s = await makeSampleDecoder(native).decode(at('rotated.jpg'), [16, 16, 3], 'centerCrop');
    assert.deepEqual(picture(s, 16, 16), row('ggggggggbbbbbbbb', 16));
  });

  it('the windowed resize of a crop or pad is exactly the full resize, cut and placed', () => {
    const [h, w, c] = [7, 30, 2];
    const src = Float32Array.from({ length: h * w * c }, (_, i) => ((i * 7919) % 101) / 100);
    for (const [H, W] of [[5, 5], [16, 9], [40, 40], [3, 11]] as const) {
      for (const policy of RESIZE_POLICIES) {
        const plan = fitPlan(h, w, H, W, policy);
        const full = resizeImage(src, h, w, c, plan.height, plan.width);
        const expected = new Float32Array(H * W * c);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const sy = y - plan.top;
            const sx = x - plan.left;
            if (sy < 0 || sx < 0 || sy >= plan.height || sx >= plan.width) continue;
            for (let k = 0; k < c; k++) expected[(y * W + x) * c + k] = full[(sy * plan.width + sx) * c + k]!;
          }
        }
        assert.deepEqual(fitImage(src, h, w, c, H, W, plan), expected, `${H}×${W} ${policy}`);
      }
    }
  });

  describe('every consumer uses the policy it is given', () => {
    it('image folders: one dataset cache per policy, each with its own pixels', async () => {
      const data = at('pets');
      mkdirSync(join(data, 'a'), { recursive: true });
      writeFileSync(join(data, 'a', 'wide.png'), bands(40, 20));
      const cacheDir = at('cache');
      const settings = { root: data, shape: [16, 16, 3] as const, decoder: 'd' };
      const keys = RESIZE_POLICIES.map((policy) => cacheFileFor(cacheDir, { ...settings, policy }));
      assert.equal(new Set(keys).size, RESIZE_POLICIES.length);

      const pictures: Record<string, string[]> = {};
      for (const policy of RESIZE_POLICIES) {
        const ds = await loadImageFolder(data, [16, 16, 3], { cacheDir, policy });
        pictures[policy] = picture(ds.images, 16, 16);
      }
      assert.deepEqual(pictures.centerCrop, row('ggggggggbbbbbbbb', 16));
      assert.deepEqual(pictures.letterbox!.slice(0, 4), row('kkkkkkkkkkkkkkkk', 4));
      assert.deepEqual(pictures.stretch, row('rrrrggggbbbbwwww', 16));
      const caches = await listCaches(cacheDir);
      assert.deepEqual(caches.map((c) => c.policy).sort(), [...RESIZE_POLICIES].sort());
      // Read back from the caches: the same pixels per policy, not another policy's.
      for (const policy of RESIZE_POLICIES) {
        const again = await loadImageFolder(data, [16, 16, 3], { cacheDir, policy });
        assert.equal(again.prepared.cached, 1);
        assert.deepEqual(picture(again.images, 16, 16), pictures[policy], policy);
      }
      // loadDataSource passes the policy to the folder (training, evaluate and the worker call it so).
      const viaSource = await loadDataSource('pets', dir, [16, 16, 3], { cacheDir: false, policy: 'centerCrop' });
      assert.deepEqual(picture(viaSource.images as Uint8Array, 16, 16), row('ggggggggbbbbbbbb', 16));
    });

    it('IDX data of another aspect ratio is fitted by the policy too', async () => {
      // One 4 high × 8 wide gray image: the left half 255, the right half 0.
      const pixels = Uint8Array.from({ length: 32 }, (_, i) => (i % 8 < 4 ? 255 : 0));
      writeFileSync(at('img.idx'), idxBytes([1, 4, 8], pixels));
      writeFileSync(at('lab.idx'), idxBytes([1], Uint8Array.of(0)));
      const load = async (policy: ResizePolicy): Promise<number[]> =>
        Array.from(await readSampleFloats(await loadDataSource({ images: 'img.idx', labels: 'lab.idx' }, dir, [4, 4, 1], { policy }), 0), (v) => Math.round(v * 255));
      assert.deepEqual(await load('stretch'), [255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0]);
      assert.deepEqual(await load('centerCrop'), [255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0].map((_, i) => (i % 4 < 2 ? 255 : 0)));
      assert.deepEqual(await load('letterbox'), [0, 0, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0]);
    });

    it('loadImageFile (predict, explain): the policy it is given, stretch by default', async () => {
      const x = await loadImageFile(at('wide.png'), [16, 16, 3], 'letterbox');
      assert.ok(x.subarray(0, 4 * 16 * 3).every((v) => v === 0));
      assert.ok(x[(4 * 16) * 3]! > 0.95); // the red band's first pixel, right under the bar
      const stretched = await loadImageFile(at('wide.png'), [16, 16, 3]);
      assert.ok(stretched[0]! > 0.95);
    });

    /** A model whose output is the mean of its gray 16 × 16 input (a global average pool), with its weights file. */
    function meanModel(policy: ResizePolicy): string {
      const model: Model = { format: MODEL_FORMAT, name: `mean-${policy}`, input: { shape: [16, 16, 1], resize: policy }, layers: [{ type: 'globalAvgPool2d' }] };
      const path = at(`mean-${policy}.cnn.json`);
      writeFileSync(path, JSON.stringify(model));
      writeFileSync(path.replace(/\.cnn\.json$/, '.safetensors'), encodeWeights(model, buildNetwork(model, inferShapes(model), 1).params));
      return path;
    }
    // White band first, then black: 10 of 40 columns white. Stretch: mean 1/4; the crop keeps columns 10–29 (black);
    // letterbox: half the rows are image: 1/8.
    const MEANS: Record<ResizePolicy, number> = { stretch: 0.25, centerCrop: 0, letterbox: 0.125 };
    const whiteThenBlack = (): Buffer => png(40, 20, 1, Array.from({ length: 800 }, (_, i) => (i % 40 < 10 ? 255 : 0)));

    it("cnn predict and VS Code's predict (the worker) fit the image by the model's input.resize", async () => {
      writeFileSync(at('wb.png'), whiteThenBlack());
      for (const policy of RESIZE_POLICIES) {
        const path = meanModel(policy);
        const out: string[] = [];
        const err: string[] = [];
        const code = await main(['predict', path, at('wb.png'), '--json'], { out: (s) => out.push(s), err: (s) => err.push(s) });
        assert.equal(code, 0, err.join('\n'));
        // One linear output unit: predict reads it as a logit, p(class 1) = sigmoid(mean).
        const [result] = JSON.parse(out.join('')) as { top: { class: string; probability: number }[] }[];
        const p1 = result!.top.find((t) => t.class === '1')!.probability;
        const mean = Math.log(p1 / (1 - p1));
        assert.ok(Math.abs(mean - MEANS[policy]) < 0.01, `cnn predict, ${policy}: mean ${mean}`);
        // The worker reports the raw output of the one unit: the mean itself.
        const viaWorker = await predictFile(path, JSON.parse(readFileSync(path, 'utf8')) as Model, at('wb.png'), 1);
        assert.ok(Math.abs(viaWorker.top[0]!.probability - MEANS[policy]) < 0.01, `worker predict, ${policy}: ${viaWorker.top[0]!.probability}`);
      }
    });
  });
});

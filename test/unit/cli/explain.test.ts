// cnn explain and cnn predict --saliency/--gradcam on a tiny graph model with saved weights: the printed breakdown
// adds up to the engine's value (computed here with the same weights), --json is the structure, and the errors
// (unknown layer with "did you mean", a position outside the output shape, no weights, a missing option); the
// overlays are PNGs of the right size whose pixels blend the image with the map.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../../src/cli/main';
import { jet, overlayPng } from '../../../src/node/overlayPng';
import { loadImageFile } from '../../../src/node/datasets/load';
import { loadTrainedNetwork } from '../../../src/node/checkpoint/trainedNetwork';
import { gradCam, saliency } from '../../../src/engine/explain';
import { buildNetwork } from '../../../src/engine/network';
import { createRng } from '../../../src/engine/rng';
import { encodeWeights } from '../../../src/engine/weights';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import { png } from '../node/datasets/helpers';

async function cnn(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

const MODEL: Model = {
  format: MODEL_FORMAT,
  name: 'tiny-graph',
  input: { shape: [8, 8, 1] },
  layers: [
    { type: 'conv2d', name: 'c1', filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'conv2d', name: 'c2', filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh' },
    { type: 'add', name: 'sum', inputs: ['c1', 'c2'] },
    { type: 'maxPool2d', name: 'pool', poolSize: 2 },
    { type: 'flatten', name: 'flat' },
    { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
  ],
  training: { seed: 3 },
};
const CLASSES = ['ant', 'bee', 'cat'];

describe('cnn explain and the overlays of cnn predict', function () {
  this.timeout(60_000);
  let dir: string;
  const at = (name: string): string => join(dir, name);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-explain-'));
    writeFileSync(at('m.cnn.json'), JSON.stringify(MODEL));
    writeFileSync(at('untrained.cnn.json'), JSON.stringify(MODEL));
    // "Trained" weights: the seed's, with biases moved off 0 so they show in the sums.
    const net = buildNetwork(MODEL, inferShapes(MODEL), 3);
    const rng = createRng(5);
    for (const p of net.params) if (p.name.endsWith('.bias')) p.value.forEach((_, i) => (p.value[i] = rng.next() - 0.5));
    writeFileSync(at('m.safetensors'), encodeWeights(MODEL, net.params, CLASSES));
    const pixels = Array.from({ length: 64 }, (_, i) => ((i * 37) % 256));
    writeFileSync(at('a.png'), png(8, 8, 1, pixels));
    writeFileSync(at('b.png'), png(8, 8, 1, pixels.map((v) => 255 - v)));
  });
  after(() => dir && !process.env.KEEP && rmSync(dir, { recursive: true, force: true }));

  /** The engine's own value of a cell, with the saved weights, on the JavaScript side of this process. */
  async function engineValue(layer: number, offset: number): Promise<number> {
    const { network } = await loadTrainedNetwork(at('m.cnn.json'), MODEL);
    const x = await loadImageFile(at('a.png'), MODEL.input.shape);
    return network.featureMaps({ shape: MODEL.input.shape, data: x })[layer]!.data[offset]!;
  }

  it('prints a convolution cell: channel sums, bias, pre-activation, activation and the engine value', async () => {
    const r = await cnn('explain', at('m.cnn.json'), at('a.png'), '--layer', 'c2', '--at', '0,7,1');
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(r.out[0], 'c2 (conv2d), output 8×8×2: row 0, column 7, channel 1');
    assert.equal(r.out[1], '  reads "c1"; receptive field in the input image: rows 0–2, columns 5–7');
    assert.equal(r.out[2], '  window on "c1": rows -1–1, columns 6–8 (3×3; "pad" = padding)');
    // Two input channels, each with its 3×3 patch (padding on the top row and right column).
    assert.deepEqual(r.out.filter((l) => /^ {4}input channel/.test(l)), ['    input channel 0:', '    input channel 1:']);
    assert.equal(r.out.filter((l) => /^ {6} *pad +pad +pad +\S/.test(l)).length, 2);
    const number = (prefix: string): number => Number(r.out.find((l) => l.trimStart().startsWith(prefix))!.trim().split(/\s+/).pop());
    const sums = r.out.filter((l) => l.includes('sum of the products = ')).map((l) => Number(l.split('= ')[1]));
    assert.equal(sums.length, 2);
    const pre = number('= pre-activation');
    assert.ok(Math.abs(sums[0]! + sums[1]! + number('+ bias') - pre) < 2e-5, 'the printed numbers add up');
    assert.ok(Math.abs(number('Σ of 2 channel sums') - (sums[0]! + sums[1]!)) < 2e-5);
    const act = r.out.find((l) => l.startsWith('  tanh('))!;
    assert.equal(act, `  tanh(${pre}) = ${act.split(' = ')[1]}`);
    const value = Number(r.out.at(-1)!.split(': ')[1]);
    assert.ok(Math.abs(value - (await engineValue(1, (0 * 8 + 7) * 2 + 1))) < 1e-5);
    assert.ok(Math.abs(Math.tanh(pre) - value) < 1e-5);
  });

  it('--json prints the structure; a flat layer takes --at FEATURE', async () => {
    const r = await cnn('explain', at('m.cnn.json'), at('a.png'), '--layer', 'out', '--at', '2', '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const e = JSON.parse(r.out.join('\n'));
    assert.equal(e.kind, 'dense');
    assert.equal(e.image, at('a.png'));
    assert.deepEqual(e.position, { row: 0, col: 0, channel: 2 });
    assert.equal(e.inputFeatures, 32);
    assert.equal(e.top.length, 10);
    assert.equal(e.activation.softmax.probabilities.length, 3);
    assert.ok(Math.abs(e.value - (await engineValue(5, 2))) < 1e-6);
    const sum = e.top.reduce((s: number, t: { product: number }) => s + t.product, 0) + e.restSum + e.bias;
    assert.ok(Math.abs(sum - e.preActivation) < 1e-12);
    const text = await cnn('explain', at('m.cnn.json'), at('a.png'), '--layer', 'out', '--at', '0,0,2');
    assert.equal(text.code, 0);
    assert.ok(text.out.some((l) => /^ {4}entry 2: 1 \/ \S+ = \S+$/.test(l)), text.out.join('\n'));
    assert.ok(text.out.some((l) => /^ {2}\+ Σ of the other 22 +\S+$/.test(l)), text.out.join('\n'));
    const add = await cnn('explain', at('m.cnn.json'), at('a.png'), '--layer', 'sum', '--at', '3,4,0');
    assert.match(add.out[2]!, /^ {4}\S+ +from "c1" at row 3, column 4, channel 0$/);
    assert.match(add.out[3]!, /^ {2}\+ \S+ +from "c2" at row 3, column 4, channel 0$/);
  });

  it('explains errors: unknown layer, position outside the shape, missing options, no weights', async () => {
    const unknown = await cnn('explain', at('m.cnn.json'), at('a.png'), '--layer', 'c3', '--at', '0,0');
    assert.equal(unknown.code, 2);
    assert.equal(unknown.err[0], `cnn explain: ${at('m.cnn.json')} has no layer "c3"; did you mean "c1"? (its layers: c1, c2, sum, pool, flat, out)`);
    const outside = await cnn('explain', at('m.cnn.json'), at('a.png'), '--layer', 'pool', '--at', '4,0');
    assert.equal(outside.code, 2);
    assert.equal(outside.err[0], 'cnn explain: --at 4,0: row 4, column 0, channel 0 is outside the output of layer "pool" (4×4×2: rows 0–3, columns 0–3, channels 0–1)');
    const form = await cnn('explain', at('m.cnn.json'), at('a.png'), '--layer', 'pool', '--at', '3');
    assert.equal(form.err[0], 'cnn explain: --at must be ROW,COL[,CHANNEL]: "pool" gives 4×4×2, got "3"');
    const flat = await cnn('explain', at('m.cnn.json'), at('a.png'), '--layer', 'out', '--at', '0,1');
    assert.equal(flat.err[0], 'cnn explain: --at must be FEATURE (or 0,0,FEATURE): "out" gives 3 features, got "0,1"');
    const missing = await cnn('explain', at('m.cnn.json'), at('a.png'), '--at', '0,0');
    assert.equal(missing.code, 2);
    assert.match(missing.err[0]!, /^cnn explain: --layer is required \(usage: cnn explain <model.cnn.json> <image> \[--layer NAME\] \[--at ROW,COL\[,CHANNEL\]\]/);
    const untrained = await cnn('explain', at('untrained.cnn.json'), at('a.png'), '--layer', 'c1', '--at', '0,0');
    assert.equal(untrained.code, 1);
    assert.equal(untrained.err[0], `${at('untrained.cnn.json')} has no trained weights yet (${at('untrained.safetensors')}): train it first`);
    const noImage = await cnn('explain', at('m.cnn.json'), at('none.png'), '--layer', 'c1', '--at', '0,0');
    assert.equal(noImage.code, 1);
    assert.match(noImage.err[0]!, /none\.png/);
  });

  it('predict --saliency --gradcam writes both overlays for one image, for the predicted class', async () => {
    const r = await cnn('predict', at('m.cnn.json'), at('a.png'), '--saliency', at('s.png'), '--gradcam', at('g.png'), '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const [entry] = JSON.parse(r.out.join('\n'));
    const predicted = entry.top[0].index;
    assert.deepEqual(entry.saliency.file, at('s.png'));
    assert.equal(entry.saliency.class, predicted);
    assert.equal(entry.saliency.scoreKind, 'logit');
    assert.deepEqual([entry.gradcam.file, entry.gradcam.class, entry.gradcam.layer], [at('g.png'), predicted, 'c2']);
    // The same maps in this process: the files are their overlays over the model input.
    const { network } = await loadTrainedNetwork(at('m.cnn.json'), MODEL);
    const x = await loadImageFile(at('a.png'), MODEL.input.shape);
    const image = { shape: MODEL.input.shape, data: x };
    const s = saliency(network, image, predicted);
    const g = gradCam(network, inferShapes(MODEL), image, predicted);
    assert.ok(Math.abs(entry.saliency.score - s.score) < 1e-5);
    for (const [file, map] of [['s.png', s.map], ['g.png', g.heatmap]] as const) {
      const bytes = readFileSync(at(file));
      const want = overlayPng({ image: x, height: 8, width: 8, channels: 1, map });
      assert.equal(want.scale, 28);
      const decoded = PNG.sync.read(bytes);
      assert.deepEqual([decoded.width, decoded.height], [224, 224]);
      // Within one grey level of this process's overlay (the CLI ran on the WebAssembly kernels).
      const ours = PNG.sync.read(want.png).data;
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - decoded.data[i]!));
      assert.ok(worst <= 1, `${file}: differs by ${worst}`);
    }
  });

  it('several images get OUT-<n>.png; --class picks the class by name or index, with "did you mean"', async () => {
    const r = await cnn('predict', at('m.cnn.json'), at('a.png'), at('b.png'), '--gradcam', at('cam.png'), '--class', 'bee');
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(existsSync(at('cam-1.png')) && existsSync(at('cam-2.png')) && !existsSync(at('cam.png')));
    assert.deepEqual(r.out.filter((l) => l.startsWith('  Grad-CAM')), [
      `  Grad-CAM for class 1 on "c2": ${at('cam-1.png')}`,
      `  Grad-CAM for class 1 on "c2": ${at('cam-2.png')}`,
    ]);
    const byIndex = await cnn('predict', at('m.cnn.json'), at('b.png'), '--saliency', at('one.png'), '--class', '2', '--gradcam-layer', 'c1', '--gradcam', at('c1.png'), '--json');
    const [entry] = JSON.parse(byIndex.out.join('\n'));
    assert.deepEqual([entry.saliency.class, entry.gradcam.layer], [2, 'c1']);
    const bad = await cnn('predict', at('m.cnn.json'), at('a.png'), '--saliency', at('x.png'), '--class', 'bea');
    assert.equal(bad.code, 2);
    assert.equal(bad.err[0], 'cnn predict: --class must be one of ant, bee, cat or an index from 0 to 2, got "bea"; did you mean "bee"?');
    const layer = await cnn('predict', at('m.cnn.json'), at('a.png'), '--gradcam', at('x.png'), '--gradcam-layer', 'flat');
    assert.equal(layer.err[0], 'cnn predict: --gradcam-layer needs a layer with a spatial output; "flat" gives 32');
    assert.ok(!existsSync(at('x.png')));
  });

  it('overlay colours: the image where the map is 0, jet blended by 0.7 × the map elsewhere', () => {
    assert.deepEqual(jet(0), [0, 0, 128]);
    assert.deepEqual(jet(0.5), [128, 255, 128]);
    assert.deepEqual(jet(1), [128, 0, 0]);
    const image = Float32Array.from([0.2, 0.2, 0.2, 1, 0, 0]);
    const { png: bytes, scale } = overlayPng({ image, height: 1, width: 2, channels: 3, map: Float32Array.from([0, 1]) });
    assert.equal(scale, 112);
    const d = PNG.sync.read(bytes);
    assert.deepEqual([d.width, d.height], [224, 112]);
    assert.deepEqual([...d.data.subarray(0, 4)], [51, 51, 51, 255]);
    const last = (d.width * d.height - 1) * 4;
    assert.deepEqual([...d.data.subarray(last, last + 4)], [Math.round(0.3 * 255 + 0.7 * 128), 0, 0, 255]);
  });
});

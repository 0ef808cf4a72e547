// The worker's explanation requests (src/worker/explain.ts) in process, on saved weights of a graph model and an
// image file: each reply is about that sample and those weights (checked against the network's own feature maps
// and outputs), a new weights file is picked up, Grad-CAM's default and chosen layers, the chosen class, and the
// reasons a request fails.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createRng } from '../../../src/engine/rng';
import { encodeWeights } from '../../../src/engine/weights';
import { loadImageFile } from '../../../src/node/datasets/load';
import { weightsPath } from '../../../src/node/checkpoint/weightsFile';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import type { ExplainTarget } from '../../../src/protocol/worker';
import { Explainer } from '../../../src/worker/explain';

const GRAPH: Model = {
  format: MODEL_FORMAT,
  name: 'graph',
  input: { shape: [8, 8, 1] },
  layers: [
    { type: 'zeroPadding2D', name: 'pad', padding: 1 },
    { type: 'conv2d', name: 'stem', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'conv2d', name: 'branch_a', filters: 4, kernelSize: 3, padding: 'same' },
    { type: 'batchNorm', name: 'branch_a_bn' },
    { type: 'conv2d', name: 'branch_b', inputs: ['stem'], filters: 4, kernelSize: 1 },
    { type: 'add', name: 'sum', inputs: ['branch_a_bn', 'branch_b'] },
    { type: 'maxPool2d', name: 'pool', poolSize: 2 },
    { type: 'flatten', name: 'flat' },
    { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
  ],
};
const CLASSES = ['a', 'b', 'c'];

/** The network with seeded parameters (not its initialisation), so the weights in use can be told apart. */
function network(seed: number): Network {
  const net = buildNetwork(GRAPH, inferShapes(GRAPH), 1);
  const rng = createRng(seed);
  for (const p of net.params) {
    const v = p.value;
    for (let i = 0; i < v.length; i++) v[i] = /variance$/i.test(p.name) ? 0.5 + rng.next() : rng.next() - 0.5;
  }
  return net;
}

const at = (data: Float32Array, shape: readonly number[], row: number, col: number, ch: number): number =>
  shape.length === 3 ? data[(row * shape[1]! + col) * shape[2]! + ch]! : data[ch]!;

describe('worker explanations (in process, saved weights)', () => {
  let dir: string;
  let modelPath: string;
  let image: string;
  let x: Float32Array;
  const text = JSON.stringify(GRAPH);
  let target: ExplainTarget;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-explain-'));
    modelPath = join(dir, 'graph.cnn.json');
    writeFileSync(modelPath, text);
    writeFileSync(weightsPath(modelPath), encodeWeights(GRAPH, network(7).params, CLASSES));
    const png = new PNG({ width: 8, height: 8 });
    for (let i = 0; i < 64; i++) png.data.set([(i * 37) % 256, (i * 37) % 256, (i * 37) % 256, 255], i * 4);
    image = join(dir, 'digit.png');
    writeFileSync(image, PNG.sync.write(png));
    x = await loadImageFile(image, GRAPH.input.shape);
    target = { modelPath, modelText: text, sample: { kind: 'file', path: image } };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('explains any layer cell of the sample with the saved weights: its value is the feature map', async () => {
    const explainer = new Explainer(() => undefined);
    const net = network(7);
    const maps = net.featureMaps({ shape: [8, 8, 1], data: x });
    const cells: [number, number, number, number][] = [[1, 3, 4, 2], [2, 0, 7, 1], [3, 5, 5, 3], [4, 2, 6, 0], [5, 7, 0, 2], [6, 1, 2, 3], [7, 0, 0, 37], [8, 0, 0, 1]];
    const kinds: string[] = [];
    for (const [layer, row, col, channel] of cells) {
      const e = await explainer.explainCell({ type: 'explainCell', layer, position: { row, col, channel }, ...target });
      kinds.push(e.kind);
      assert.equal(e.layerIndex, layer);
      assert.equal(e.layerName, GRAPH.layers[layer]!.name);
      assert.deepEqual(e.position, { row, col, channel });
      assert.equal(e.value, at(maps[layer]!.data, maps[layer]!.shape, row, col, channel), `${e.layerName} (${row}, ${col}, ${channel})`);
    }
    assert.deepEqual(kinds, ['conv', 'conv', 'batchNorm', 'conv', 'add', 'pool', 'copy', 'dense']);
  });

  it('the conv breakdown reads the sample: the first channel patch is the padded input under the window', async () => {
    const explainer = new Explainer(() => undefined);
    const e = await explainer.explainCell({ type: 'explainCell', layer: 1, position: { row: 0, col: 3, channel: 0 }, ...target });
    assert.equal(e.kind, 'conv');
    if (e.kind !== 'conv') return;
    // stem reads pad (10×10, one ring of zeros): its output (0, 3) covers pad rows 0–2, columns 3–5 = input rows −1…1.
    const expected = [0, 0, 0, x[2]!, x[3]!, x[4]!, x[10]!, x[11]!, x[12]!];
    assert.deepEqual(e.channels[0]!.patch, expected);
    assert.deepEqual(e.receptiveField, { rows: [0, 1], cols: [2, 4] });
  });

  it('a new weights file beside the model is used for the next request', async () => {
    const explainer = new Explainer(() => undefined);
    const req = { type: 'explainCell', layer: 8, position: { row: 0, col: 0, channel: 0 }, ...target } as const;
    const before = await explainer.explainCell(req);
    const other = network(11);
    writeFileSync(weightsPath(modelPath), encodeWeights(GRAPH, other.params, CLASSES));
    // Same size: the modification time must tell the files apart.
    const later = new Date(Date.now() + 5000);
    utimesSync(weightsPath(modelPath), later, later);
    const after = await explainer.explainCell(req);
    const expected = other.forward({ shape: [1, 8, 8, 1], data: x }, false).data[0]!;
    assert.equal(after.value, expected);
    assert.notEqual(after.value, before.value);
    writeFileSync(weightsPath(modelPath), encodeWeights(GRAPH, network(7).params, CLASSES));
  });

  it('saliency and Grad-CAM: the predicted class by default, the image and probabilities of the sample, the last conv', async () => {
    const explainer = new Explainer(() => undefined);
    const p = network(7).forward({ shape: [1, 8, 8, 1], data: x }, false).data.slice();
    const predicted = [0, 1, 2].reduce((b, i) => (p[i]! > p[b]! ? i : b), 0);
    const s = await explainer.saliency({ type: 'saliency', ...target });
    assert.equal(s.method, 'saliency');
    assert.equal(s.predicted, predicted);
    assert.equal(s.classIndex, predicted);
    assert.deepEqual(s.probabilities, p);
    assert.deepEqual(s.image, x);
    assert.deepEqual(s.imageShape, [8, 8, 1]);
    assert.deepEqual(s.classes, CLASSES);
    assert.equal(s.map.length, 64);
    assert.equal(s.caption, 'digit.png');
    assert.deepEqual(s.spatialLayers.map((l) => l.name), ['pad', 'stem', 'branch_a', 'branch_a_bn', 'branch_b', 'sum', 'pool']);

    const g = await explainer.gradCam({ type: 'gradCam', ...target });
    assert.equal(g.method, 'gradCam');
    // The last convolution (branch_b, index 4) is the default, for the predicted class.
    assert.equal(g.defaultLayer, 4);
    assert.equal(g.layerName, 'branch_b');
    assert.equal(g.classIndex, predicted);
    assert.deepEqual(g.featureShape, [8, 8, 4]);
    assert.equal(g.heatmap.length, 64);

    const other = (predicted + 1) % 3;
    const chosen = await explainer.gradCam({ type: 'gradCam', classIndex: other, layerIndex: 1, ...target });
    assert.equal(chosen.layerName, 'stem');
    assert.equal(chosen.classIndex, other);
    assert.equal(chosen.predicted, predicted);
    const sal = await explainer.saliency({ type: 'saliency', classIndex: other, ...target });
    assert.equal(sal.classIndex, other);
    assert.notDeepEqual(sal.map, s.map);
  });

  it('fails with the reason: a cell outside the layer, a non-spatial Grad-CAM layer, no weights, a broken model', async () => {
    const explainer = new Explainer(() => undefined);
    await assert.rejects(explainer.explainCell({ type: 'explainCell', layer: 1, position: { row: 8, col: 0, channel: 0 }, ...target }), /outside/);
    await assert.rejects(explainer.gradCam({ type: 'gradCam', layerIndex: 7, ...target }), /spatial/);
    const bare = join(dir, 'bare.cnn.json');
    writeFileSync(bare, text);
    await assert.rejects(explainer.saliency({ type: 'saliency', ...target, modelPath: bare }), /no trained weights/);
    await assert.rejects(explainer.saliency({ type: 'saliency', ...target, modelText: '{"format": 1}' }), /the model has errors/);
  });
});

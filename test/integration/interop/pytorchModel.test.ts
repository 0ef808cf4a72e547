// The exported model.py, with the exported weights, gives our engine's outputs (to 1e-4 of the output's scale) on
// the same inputs (NHWC here, NCHW in PyTorch): every example, every layer type (from the registry) and random chain
// and graph models, PyTorch's window conventions (windowModels), with random and with trained weights. save_weights gives our file back, bit for bit. One Python process runs every case (torch
// takes seconds to import). Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { architectureFingerprint, decodeSafetensors, encodeWeights, loadWeightsInto } from '../../../src/engine/weights';
import { exportPytorch } from '../../../src/interop/pytorch/export';
import { className, outputActivation } from '../../../src/interop/pytorch/modelPy';
import { analyze } from '../../../src/model/shapes';
import type { Model } from '../../../src/model/types';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { assertCoversEveryLayerType, BROKEN_EXAMPLE, debianPython, engineOutput, exampleModels, groupedModels, layerTypeModels, networkOf, randomChainModel, randomGraphModel, randomInput, randomizeWeights, ROOT, rngFor, trainSteps, windowModels } from '../../unit/interop/helpers';

interface Case {
  readonly id: string;
  readonly model: Model;
  readonly weights: Uint8Array;
  readonly input: Float32Array;
  readonly expected: Float32Array;
}

const N = 2;
const CHAINS = 24;
const GRAPHS = 16;

/** The case names the runner must report, from the examples folder itself (not from exampleModels()). */
function expectedCaseIds(): string[] {
  const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.cnn.json') && f !== BROKEN_EXAMPLE);
  return [
    ...examples.flatMap((f) => [`example_${basename(f, '.cnn.json')}`, `example_${basename(f, '.cnn.json')}_trained`]),
    ...Array.from({ length: CHAINS }, (_, i) => `chain_${i}`),
    ...Array.from({ length: GRAPHS }, (_, i) => `graph_${i}`),
    ...groupedModels().map((m) => m.name),
  ].sort();
}

function makeCase(id: string, model: Model, seed: number, trained: boolean): Case {
  const net = networkOf(model);
  const rng = rngFor(seed);
  if (trained) trainSteps(net, model, rng);
  else randomizeWeights(net, rng);
  const input = randomInput(model, N, rng);
  return { id, model, weights: encodeWeights(model, net.params), input, expected: engineOutput(net, model, input, N) };
}

function read(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function softmaxRows(x: Float32Array, units: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / units; r++) {
    const row = x.subarray(r * units, (r + 1) * units);
    const m = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (out[r * units + j] = v / s));
  }
  return out;
}

describe('PyTorch export: model.py against the engine', function () {
  this.timeout(600_000);
  let dir = '';
  const cases: Case[] = [];
  let ran: string[] = [];
  const perType = layerTypeModels();
  const windows = windowModels();

  before(function () {
    const python = debianPython(['torch', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
    for (const { file, model } of exampleModels()) {
      cases.push(makeCase(`example_${basename(file, '.cnn.json')}`, model, 11, false));
      cases.push(makeCase(`example_${basename(file, '.cnn.json')}_trained`, model, 12, true));
    }
    for (let i = 0; i < CHAINS; i++) cases.push(makeCase(`chain_${i}`, randomChainModel(rngFor(500 + i), i), 700 + i, i % 2 === 1));
    for (let i = 0; i < GRAPHS; i++) cases.push(makeCase(`graph_${i}`, randomGraphModel(rngFor(900 + i), i), 1100 + i, i % 2 === 1));
    for (const [i, { model }] of perType.entries()) cases.push(makeCase(`type_${model.name}`, model, 1300 + i, false));
    for (const [i, model] of windows.entries()) cases.push(makeCase(model.name, model, 1500 + i, i % 2 === 1));
    for (const [i, model] of groupedModels().entries()) cases.push(makeCase(model.name, model, 1400 + i, i % 2 === 1));
    dir = mkdtempSync(join(tmpdir(), 'cnn-pytorch-'));
    for (const c of cases) {
      const at = join(dir, c.id);
      mkdirSync(at);
      const analysis = analyze(c.model.input.shape, c.model.layers);
      const code = exportPytorch({ model: c.model, analysis, fingerprint: architectureFingerprint(c.model), modelFile: `${c.model.name}.cnn.json`, modelDir: '..', weightsSource: 'test weights' });
      writeFileSync(join(at, 'model.py'), code.modelPy);
      writeFileSync(join(at, 'train.py'), code.trainPy);
      writeFileSync(join(at, 'weights.safetensors'), c.weights);
      writeFileSync(join(at, 'input.bin'), c.input);
      writeFileSync(join(at, 'case.json'), JSON.stringify({ class: className(c.model.name), n: N, shape: c.model.input.shape }));
    }
    const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/integration/interop/pytorch_runner.py'), dir], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    ran = (JSON.parse(r.stdout) as { cases: string[] }).cases;
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('covers every example, every layer type, random chains and graphs, grouped convolutions', () => {
    // Every example (random and trained weights), every per-type model and every random model ran in Python to the
    // end: a case missing from the runner's list, or an example that dropped out of the cases, fails here.
    const expected = [...expectedCaseIds(), ...perType.map(({ model }) => `type_${model.name}`), ...windows.map((model) => model.name)].sort();
    assert.ok(expected.filter((id) => id.startsWith('example_')).length >= 10, expected.join(', '));
    assert.deepEqual([...ran].sort(), expected);
    assert.deepEqual(cases.map((c) => c.id).sort(), expected);
    assertCoversEveryLayerType(perType.map((c) => c.type), 'the per-type model.py cases');
    // Keras' odd 'same' totals (extra row/column at the bottom/right) occur, in convolutions and in pooling.
    const asymmetric = cases.flatMap((c) => analyze(c.model.input.shape, c.model.layers).layers.filter((i) => i.window && (i.window.padTop !== i.window.padBottom || i.window.padLeft !== i.window.padRight)).map((i) => i.type));
    assert.ok(asymmetric.includes('conv2d') && (asymmetric.includes('avgPool2d') || asymmetric.includes('maxPool2d')), `asymmetric padding only in ${[...new Set(asymmetric)].join(', ')}`);
  });

  it('gives the engine\'s outputs to 1e-4 for every case', () => {
    for (const c of cases) {
      const theirs = read(join(dir, c.id, 'output.bin'));
      assert.equal(theirs.length, c.expected.length, c.id);
      const scale = Math.max(1, ...Array.from(c.expected, Math.abs));
      let worst = 0;
      for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(theirs[i]! - c.expected[i]!));
      assert.ok(worst <= 1e-4 * scale, `${c.id}: max difference ${worst} (output scale ${scale})`);
    }
  });

  it('forward(x, logits=True) stops before the final softmax', () => {
    let checked = 0;
    for (const c of cases) {
      const analysis = analyze(c.model.input.shape, c.model.layers);
      if (outputActivation(analysis) !== 'softmax' || analysis.outputShape!.length !== 1) continue;
      const logits = read(join(dir, c.id, 'logits.bin'));
      const out = read(join(dir, c.id, 'output.bin'));
      assert.ok(logits.some((v, i) => Math.abs(v - out[i]!) > 1e-3), `${c.id}: the logits are the probabilities`);
      const p = softmaxRows(logits, analysis.outputShape![0]!);
      assert.ok(p.every((v, i) => Math.abs(v - out[i]!) <= 1e-5), c.id);
      checked++;
    }
    assert.ok(checked >= 16, `only ${checked} cases end in softmax`);
  });

  it('save_weights writes our file back: same names, shapes and values, our metadata', () => {
    for (const c of cases) {
      const ours = decodeSafetensors(c.weights);
      const back = decodeSafetensors(readFileSync(join(dir, c.id, 'saved.safetensors')));
      assert.deepEqual(back.tensors.map((t) => [t.name, t.shape, t.data]), ours.tensors.map((t) => [t.name, t.shape, t.data]), c.id);
      assert.deepEqual(back.metadata, { format: 'cnn-studio/weights@1', model: c.model.name, fingerprint: architectureFingerprint(c.model), classes: '["a","b"]' });
      const net = networkOf(c.model);
      loadWeightsInto(c.model, net.params, back);
    }
  });
});

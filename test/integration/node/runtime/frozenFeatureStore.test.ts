// A frozen backbone's outputs kept in the data cache across runs (node/datasets/cache/featureStore): a second run
// reads them back and trains to the same bits; a changed weight, preprocessing layer, file or kernels computes them
// again; a damaged file is said and computed again; cnn cache clear removes them.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareSession, runSession, type PreparedSession } from '../../../../src/node/runtime/trainingSession';
import { clearCaches, listCaches } from '../../../../src/node/datasets/cache/datasetCache';
import { loadKernels, setWasmBinaryProvider, withKernels } from '../../../../src/node/runtime/loadKernels';
import type { Model } from '../../../../src/model/types';
import { decodeSafetensors } from '../../../../src/engine/weights';
import { png, writeBars } from '../../../unit/node/datasets/helpers';
import { readWasmBinaries } from '../../../unit/engine/wasmHelpers';


const model = (scale = 1): Model => ({
  format: 'cnn-studio/model@1',
  name: 'tiny',
  input: { shape: [6, 6, 1] },
  layers: [
    { type: 'rescaling', scale },
    { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu', trainable: false },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
  training: { data: { train: 'bars', test: 'test' }, validationSplit: 0.25, optimizer: { type: 'adam', learningRate: 0.01 }, batchSize: 4, epochs: 2, seed: 3 },
});

const COMPUTING = /^the layers up to flatten_2 are frozen: computing their output once per sample \(36 samples, [\d.]+ KiB\); the epochs train only the layers after it \(stored in the data cache for the next runs\)$/;
const STORED = /^the layers up to flatten_2 are frozen: their outputs for 36 samples come from the data cache \([\d.]+ KiB\); the epochs train only the layers after it$/;
/** The test folder's outputs read back, the training folder's (one file changed) computed again. */
const TRAINING_FOLDER_AGAIN = /^the layers up to flatten_2 are frozen: their outputs for 12 samples come from the data cache, computing them for 24 \([\d.]+ KiB in all\); the epochs train only the layers after it \(stored in the data cache for the next runs\)$/;

describe('frozen features stored in the data cache across runs', function () {
  this.timeout(60_000);
  let dir = '';
  let cacheDir = '';
  const saved = process.env.CNN_STUDIO_CACHE_DIR;
  let notes: string[] = [];
  let warnings: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-features-'));
    cacheDir = join(dir, 'cache');
    process.env.CNN_STUDIO_CACHE_DIR = cacheDir;
    writeBars(join(dir, 'bars'), ['top', 'middle', 'bottom'], 8);
    writeBars(join(dir, 'test'), ['top', 'middle', 'bottom'], 4);
    notes = [];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CNN_STUDIO_CACHE_DIR;
    else process.env.CNN_STUDIO_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const modelPath = (): string => join(dir, 'tiny.cnn.json');
  async function run(m: Model = model(), before?: (p: PreparedSession) => void) {
    writeFileSync(modelPath(), JSON.stringify(m));
    const p = await prepareSession({ modelPath: modelPath(), model: m });
    before?.(p);
    notes = [];
    warnings = [];
    const r = await runSession(p, { onFrozenFeatures: (n) => notes.push(n), onNotice: (n) => warnings.push(n) });
    // The tensors, not the file: its metadata names the checkpoint.
    const weights = decodeSafetensors(readFileSync(join(dir, 'tiny.safetensors'))).tensors.map((t) => [t.name, Array.from(t.data)]);
    return { history: r.history.map(({ seconds: _, ...rest }) => rest), weights };
  }
  const featureFiles = (): string[] => readdirSync(join(cacheDir, 'datasets')).filter((n) => n.endsWith('.features'));

  it('a second run reads them back and trains to the same metrics and weights; cache info lists them, clear removes them', async () => {
    const first = await run();
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, COMPUTING);
    // One file per source: the training folder (training and validation are views of it) and the test folder.
    assert.equal(featureFiles().length, 2);
    const second = await run();
    assert.deepEqual(notes.length, 1);
    assert.match(notes[0]!, STORED);
    assert.deepEqual(second.history, first.history);
    assert.deepEqual(second.weights, first.weights, 'the same weights, bit for bit');

    const listed = (await listCaches(join(cacheDir, 'datasets'))).filter((c) => c.features);
    assert.deepEqual(listed.map((c) => ({ model: c.features!.model, cut: c.features!.cut, size: c.features!.size })).sort((a, b) => a.size - b.size), [
      { model: 'tiny', cut: 'flatten_2', size: 32 },
      { model: 'tiny', cut: 'flatten_2', size: 32 },
    ]);
    assert.deepEqual(listed.map((c) => c.features!.samples).sort(), [12, 24]);
    await clearCaches(join(cacheDir, 'datasets'));
    assert.deepEqual(featureFiles(), []);
    await run();
    assert.match(notes[0]!, COMPUTING);
  });

  it('a changed backbone weight, preprocessing layer, file or kernels computes them again', async () => {
    const base = await run();
    // One weight of the frozen conv, as a warm start or new initial weights would change it.
    await run(model(), (p) => {
      p.network.layers[1]!.params[0]!.value[0]! += 0.01;
    });
    assert.match(notes[0]!, COMPUTING);
    await run();
    assert.match(notes[0]!, COMPUTING, 'one set per model: the changed run replaced the first');
    await run();
    assert.match(notes[0]!, STORED);
    await run(model(0.5));
    assert.match(notes[0]!, COMPUTING, 'the preprocessing layer changed');
    await run();
    await run();
    assert.match(notes[0]!, STORED);
    // A file's modification time, then its content (same size).
    const file = join(dir, 'bars', 'top', '0.png');
    const t = statSync(file).mtime;
    utimesSync(file, t, new Date(t.getTime() + 5000));
    await run();
    assert.match(notes[0]!, TRAINING_FOLDER_AGAIN, 'a file was touched');
    await run();
    assert.match(notes[0]!, STORED);
    writeFileSync(file, png(6, 6, 1, Array.from({ length: 36 }, (_, p) => (p * 5) % 255)));
    const changed = await run();
    assert.match(notes[0]!, TRAINING_FOLDER_AGAIN, 'a file changed');
    assert.notDeepEqual(changed.history, base.history);
    // The WebAssembly kernels round differently from the JavaScript ones: their outputs are their own.
    setWasmBinaryProvider(readWasmBinaries);
    await withKernels(loadKernels('wasm'), () => run());
    assert.match(notes[0]!, COMPUTING, 'other kernels');
    await run();
    assert.match(notes[0]!, COMPUTING, 'back to JavaScript: the WebAssembly run replaced its outputs (one set per model)');
  });

  it('a corrupted or truncated features file is said and computed again, to the same result', async () => {
    const first = await run();
    const [a, b] = featureFiles().map((n) => join(cacheDir, 'datasets', n));
    // One flipped byte in the middle of a sample's data, and a file cut short.
    const bytes = readFileSync(a!);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(a!, bytes);
    truncateSync(b!, statSync(b!).size - 100);
    const second = await run();
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings.join('\n'), /the stored outputs of the frozen layers in .*\.features are damaged \(sample \d+ fails its checksum\): computing them again/);
    assert.match(warnings.join('\n'), /the stored outputs of the frozen layers in .*\.features are damaged \(sample \d+ of \d+ is missing or cut short\): computing them again/);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, COMPUTING);
    assert.deepEqual(second.history, first.history);
    assert.deepEqual(second.weights, first.weights);
    // Rewritten whole: the next run reads them back.
    await run();
    assert.match(notes[0]!, STORED);
  });
});

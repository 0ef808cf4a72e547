// A training run's setup and checkpoints against hostile states on disk: mixed or hand-edited checkpoints,
// stale temporary files, full and read-only disks, non-finite weights, data that cannot train the model.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '../../../../src/engine/weights';
import { prepareSession, runSession, TrainingSetupError, type SessionOptions } from '../../../../src/node/runtime/trainingSession';
import * as wf from '../../../../src/node/checkpoint/weightsFile';
import { estimateTrainingMemory } from '../../../../src/engine/plan/memory';
import { inferShapes } from '../../../../src/model/shapes';
import type { Model } from '../../../../src/model/types';
import { applyIntent } from '../../../../src/extension/editor/edits';
import { parseModelText } from '../../../../src/model/parse';
import { skipUnavailable } from '../../../unit/availability';
import { writeBars } from '../../../unit/node/datasets/helpers';


function tinyModel(training: Model['training'], units = 3): Model {
  return {
    format: 'cnn-studio/model@1',
    name: 'tiny',
    input: { shape: [6, 6, 1] },
    layers: [{ type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units, activation: 'softmax' }],
    training,
  };
}

describe('training session: setup and checkpoints', function () {
  this.timeout(60_000);
  let dir = '';
  let modelPath = '';
  const warnings: string[] = [];
  const options = (model: Model, extra: Partial<SessionOptions> = {}): SessionOptions => ({ modelPath, model, onWarning: (w) => warnings.push(w), ...extra });
  const model = tinyModel({ data: { train: 'bars' }, optimizer: { type: 'adam', learningRate: 0.01 }, batchSize: 8, epochs: 2, seed: 3 });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-session-'));
    modelPath = join(dir, 'tiny.cnn.json');
    writeFileSync(modelPath, JSON.stringify(model));
    writeBars(join(dir, 'bars'), ['top', 'middle', 'bottom'], 6);
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const trainOnce = async (m: Model = model, extra: Partial<SessionOptions> = {}) => runSession(await prepareSession(options(m, extra)));
  const checkpointIds = () => ({
    weights: decodeSafetensors(readFileSync(wf.weightsPath(modelPath))).metadata.checkpoint,
    optimizer: decodeSafetensors(readFileSync(wf.optimizerStatePath(modelPath))).metadata.checkpoint,
    state: JSON.parse(readFileSync(wf.trainStatePath(modelPath), 'utf8')).checkpoint,
  });

  it('gives the three files of a checkpoint one id, a new one per epoch, and resumes from it', async () => {
    const seen = new Set<string>();
    await runSession(await prepareSession(options(model)), { onEpoch: () => undefined });
    const ids = checkpointIds();
    assert.match(ids.state, /^[0-9a-f]{16}$/);
    assert.deepEqual(ids, { weights: ids.state, optimizer: ids.state, state: ids.state });
    seen.add(ids.state);
    const resumed = await prepareSession(options(model, { resume: true, epochs: 3 }));
    assert.equal(resumed.initialEpoch, 2);
    await runSession(resumed);
    const next = checkpointIds();
    assert.ok(!seen.has(next.state), 'a new checkpoint gets a new id');
    assert.equal(next.weights, next.state);
    assert.equal(JSON.parse(readFileSync(wf.trainStatePath(modelPath), 'utf8')).epoch, 3);
  });

  it('warm-starts after the designer inserts a layer: the other layers keep their trained weights by name', async () => {
    await trainOnce();
    const trained = decodeSafetensors(readFileSync(wf.weightsPath(modelPath)));
    const edited = parseModelText(applyIntent(readFileSync(modelPath, 'utf8'), { type: 'insertLayer', index: 1, layerType: 'batchNorm' }));
    assert.ok(edited.model, JSON.stringify(edited.diagnostics));
    await assert.rejects(prepareSession(options(edited.model, { resume: true })), /missing tensor "batchNorm_1.gamma".*--warm-start/);
    const warm = await prepareSession(options(edited.model, { warmStart: true }));
    const bn = edited.analysis!.layers[1]!.name;
    assert.deepEqual(warm.warmStarted, {
      loaded: ['conv2d_0.kernel', 'conv2d_0.bias', 'dense_2.kernel', 'dense_2.bias'],
      fresh: [`${bn}.gamma`, `${bn}.beta`, `${bn}.movingMean`, `${bn}.movingVariance`],
      unused: [],
    });
    assert.equal(warm.initialEpoch, 0);
    for (const p of warm.network.params) {
      const t = trained.tensors.find((x) => x.name === p.name);
      if (t) assert.deepEqual(Array.from(p.value), Array.from(t.data), p.name);
    }
    await assert.rejects(prepareSession(options(edited.model, { warmStart: true, resume: true })), /choose one/);
  });

  it('refuses to resume a checkpoint whose save was interrupted between renames', async () => {
    await trainOnce({ ...model, training: { ...model.training, epochs: 1 } });
    // Keep epoch 1's optimizer state and train.json, as a kill -9 after renaming the new weights leaves them.
    copyFileSync(wf.optimizerStatePath(modelPath), join(dir, 'old-opt'));
    copyFileSync(wf.trainStatePath(modelPath), join(dir, 'old-state'));
    await runSession(await prepareSession(options(model, { resume: true })));
    copyFileSync(join(dir, 'old-opt'), wf.optimizerStatePath(modelPath));
    copyFileSync(join(dir, 'old-state'), wf.trainStatePath(modelPath));
    await assert.rejects(prepareSession(options(model, { resume: true, epochs: 3 })), (e: Error) => {
      assert.ok(e instanceof TrainingSetupError);
      assert.match(e.message, /cannot resume: the checkpoint files do not belong together \(.*tiny\.safetensors is from checkpoint [0-9a-f]{16}.*\); a save was interrupted/);
      return true;
    });
  });

  it('refuses a checkpoint without ids (older files) whose optimizer step disagrees with train.json', async () => {
    await trainOnce();
    const state = JSON.parse(readFileSync(wf.trainStatePath(modelPath), 'utf8'));
    delete state.checkpoint;
    state.optimizer.step -= 3;
    writeFileSync(wf.trainStatePath(modelPath), JSON.stringify(state));
    for (const path of [wf.weightsPath(modelPath), wf.optimizerStatePath(modelPath)]) {
      const file = decodeSafetensors(readFileSync(path));
      const { checkpoint: _, ...metadata } = file.metadata;
      writeFileSync(path, encodeSafetensors(file.tensors, metadata));
    }
    await assert.rejects(prepareSession(options(model, { resume: true, epochs: 3 })), /tiny\.optimizer\.safetensors is at step \d+ but .*tiny\.train\.json says \d+/);
  });

  it('validates a hand-edited train.json like a model file', async () => {
    await trainOnce();
    const state = JSON.parse(readFileSync(wf.trainStatePath(modelPath), 'utf8'));
    const edit = (change: (s: Record<string, unknown>) => void): void => {
      const copy = structuredClone(state);
      change(copy);
      writeFileSync(wf.trainStatePath(modelPath), JSON.stringify(copy));
    };
    edit((s) => (s.epoch = -5));
    await assert.rejects(prepareSession(options(model, { resume: true })), /tiny\.train\.json is not a valid training state: "epoch" must be a whole number from 0 to 2, got -5/);
    edit((s) => (s.epoch = 1.5));
    await assert.rejects(prepareSession(options(model, { resume: true })), /"epoch" must be a whole number/);
    edit((s) => (s.status = 'done'));
    await assert.rejects(prepareSession(options(model, { resume: true })), /"status" must be one of "running", "completed"/);
    edit((s) => (s.history as unknown[]).pop());
    await assert.rejects(prepareSession(options(model, { resume: true })), /"history" has 1 epochs but "epoch" says 2 were completed/);
    edit((s) => ((s.history as Record<string, unknown>[])[0].trainLoss = 'low'));
    await assert.rejects(prepareSession(options(model, { resume: true })), /"history\[0\]\.trainLoss" must be a finite number, got "low"/);
  });

  it('refuses non-finite weights on resume, naming the tensor and the count', async () => {
    await trainOnce();
    const file = decodeSafetensors(readFileSync(wf.weightsPath(modelPath)));
    const kernel = file.tensors.find((t) => t.name === 'dense_2.kernel');
    assert.ok(kernel);
    kernel.data[0] = Number.NaN;
    kernel.data[5] = Number.POSITIVE_INFINITY;
    writeFileSync(wf.weightsPath(modelPath), encodeSafetensors(file.tensors, file.metadata));
    await assert.rejects(prepareSession(options(model, { resume: true, epochs: 3 })), /the weights are corrupt: tensor "dense_2\.kernel" has 2 non-finite values \(NaN or ±∞\) of 96/);
  });

  it('removes temporary files an interrupted save left, keeping those of live processes and of other files', async () => {
    const stale = '.tiny.safetensors.2147483646.0badf00d.tmp';
    const live = `.tiny.train.json.${process.ppid}.0badf00d.tmp`;
    const other = '.other.safetensors.2147483646.0badf00d.tmp';
    for (const f of [stale, live, other]) writeFileSync(join(dir, f), 'x');
    await prepareSession(options(model));
    const left = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(left.sort(), [live, other].sort());
    assert.ok(warnings.some((w) => /removed 1 temporary file an interrupted save left/.test(w)), warnings.join('\n'));
  });

  it('refuses a model that needs more than half the machine memory before loading data or allocating', async () => {
    const huge: Model = {
      ...model,
      input: { shape: [28, 28, 1] },
      layers: [{ type: 'flatten' }, { type: 'dense', units: 1_048_576 }],
      training: { ...model.training, data: { train: 'no-such-folder' } },
    };
    await assert.rejects(prepareSession(options(huge, { machineMemoryBytes: 24 * 1024 ** 3 })), (e: Error) => {
      assert.ok(e instanceof TrainingSetupError);
      assert.match(e.message, /tiny\.cnn\.json: training needs [\d.]+ GiB: dense_1's kernel.* [\d.]+ GiB; this machine has 24\.0 GiB, CNN Studio uses at most half — reduce dense_1's units/);
      return true;
    });
    const wide: Model = { ...huge, layers: [{ type: 'conv2d', filters: 1_000_000, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 3 }] };
    await assert.rejects(prepareSession(options(wide, { machineMemoryBytes: 24 * 1024 ** 3 })), /training needs [\d.]+ GiB/);
    // The data counts too: a machine big enough for the model alone but not with its 18 images refuses after loading them.
    const alone = estimateTrainingMemory(inferShapes(model), model.training).totalBytes;
    // Image folders are held as bytes: 18 samples of 6×6×1 and their int32 labels.
    const withData = estimateTrainingMemory(inferShapes(model), model.training, { samples: 18, dataBytes: 18 * 36 + 18 * 4 }).totalBytes;
    assert.ok(withData > alone);
    await assert.rejects(prepareSession(options(model, { machineMemoryBytes: alone + withData })), /training needs [\d.]+ KiB/);
    await prepareSession(options(model, { machineMemoryBytes: 2 * withData }));
  });

  it('refuses a validationSplit that leaves no training samples, with the counts', async () => {
    rmSync(join(dir, 'bars'), { recursive: true });
    writeBars(join(dir, 'bars'), ['top'], 1);
    const m = tinyModel({ data: { train: 'bars' }, validationSplit: 0.9, epochs: 1 }, 1);
    await assert.rejects(prepareSession(options(m)), /"validationSplit": 0\.9 of 1 sample leaves no training samples \(1 held out for validation\); lower it or add data/);
  });

  it('warns when the data has fewer classes than the output layer', async () => {
    rmSync(join(dir, 'bars'), { recursive: true });
    writeBars(join(dir, 'bars'), ['cat'], 4);
    await prepareSession(options(model));
    assert.ok(warnings.some((w) => w === 'the training data has 1 class (cat) but the last layer has 3 units: 2 of them will never be the right answer'), warnings.join('\n'));
    warnings.length = 0;
    writeBars(join(dir, 'bars'), ['cat', 'dog', 'emu'], 4);
    await prepareSession(options(model));
    assert.deepEqual(warnings.filter((w) => /classes? .* units/.test(w)), []);
  });

  it('ends an early-stopped run with a whole checkpoint of the best weights, labelled with what chose them', async () => {
    const es = tinyModel({ data: { train: 'bars' }, optimizer: { type: 'sgd', learningRate: 5 }, batchSize: 4, epochs: 12, seed: 3, earlyStopping: { patience: 1 } });
    const notices: string[] = [];
    const session = await prepareSession(options(es));
    assert.match(session.description, /; early stopping on training loss$/);
    const { result, state } = await runSession(session, { onNotice: (m) => notices.push(m) });
    assert.equal(notices.length, 1);
    assert.equal(result.status, 'earlyStopped', `losses ${result.history.map((h) => h.trainLoss).join(', ')}`);
    assert.equal(state?.status, 'earlyStopped');
    assert.deepEqual(state?.selection, { bestEpoch: result.bestEpoch, on: 'training loss' });
    const ids = checkpointIds();
    assert.deepEqual(ids, { weights: state?.checkpoint, optimizer: state?.checkpoint, state: state?.checkpoint });
    const saved = decodeSafetensors(readFileSync(wf.weightsPath(modelPath)));
    for (const p of session.network.params) assert.deepEqual([...saved.tensors.find((t) => t.name === p.name)!.data], [...p.value]);
  });

  describe('on a small file system (tmpfs, needs mount)', () => {
    let mnt = '';
    before(function () {
      mnt = mkdtempSync(join(tmpdir(), 'cnn-tmpfs-'));
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt], { stdio: 'pipe' });
      } catch (e) {
        rmSync(mnt, { recursive: true, force: true });
        mnt = '';
        const err = e as { stderr?: Buffer; message: string };
        skipUnavailable(this, `cannot mount a tmpfs (needs root, or CAP_SYS_ADMIN in a container): ${err.stderr?.toString().trim() || err.message}`);
      }
    });
    after(() => {
      if (!mnt) return;
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    });
    const setUp = (): string => {
      for (const f of readdirSync(mnt)) rmSync(join(mnt, f), { recursive: true, force: true });
      const path = join(mnt, 'tiny.cnn.json');
      writeFileSync(path, JSON.stringify(model));
      writeBars(join(mnt, 'bars'), ['top', 'middle', 'bottom'], 6);
      return path;
    };

    it('on a full disk keeps the previous checkpoint whole and names the file that did not fit', async () => {
      modelPath = setUp();
      await trainOnce({ ...model, training: { ...model.training, epochs: 1 } });
      const before = checkpointIds();
      // Leave room for the preflight check but not for a second set of files.
      const session = await prepareSession(options(model, { resume: true, epochs: 2 }));
      const free = Number(execFileSync('df', ['--output=avail', '-B1', mnt]).toString().trim().split('\n')[1]);
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free - 4096)));
      await assert.rejects(runSession(session), (e: Error) => {
        assert.ok(e instanceof TrainingSetupError);
        assert.match(e.message, /cannot save the checkpoint of .*tiny\.cnn\.json: no space left on the device for .*tiny\.(optimizer\.)?safetensors \(\d/);
        return true;
      });
      assert.deepEqual(checkpointIds(), before);
      assert.equal(JSON.parse(readFileSync(wf.trainStatePath(modelPath), 'utf8')).epoch, 1);
      assert.deepEqual(readdirSync(mnt).filter((f) => f.endsWith('.tmp')), []);
      rmSync(join(mnt, 'filler'));
    });

    it('refuses before the first epoch when the folder has no room for a checkpoint', async () => {
      modelPath = setUp();
      const free = Number(execFileSync('df', ['--output=avail', '-B1', mnt]).toString().trim().split('\n')[1]);
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free - 8192)));
      await assert.rejects(prepareSession(options(model)), /not enough disk space beside .*tiny\.cnn\.json: a checkpoint needs [\d.]+ KiB, [\d.]+ KiB free/);
      assert.equal(existsSync(wf.trainStatePath(modelPath)), false);
      rmSync(join(mnt, 'filler'));
    });

    it('refuses before the first epoch when the folder is read-only', async () => {
      modelPath = setUp();
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      try {
        await assert.rejects(prepareSession(options(model)), /cannot write the checkpoint beside .*tiny\.cnn\.json: EROFS/);
      } finally {
        execFileSync('mount', ['-o', 'remount,rw', mnt]);
      }
    });
  });
});

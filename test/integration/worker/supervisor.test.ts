// The training worker and its supervisor with a real worker thread: start, progress, feature maps, the final
// evaluation, stop, crash and out-of-memory reported as messages, restart, and a responsive host meanwhile.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadRecord } from '../../../src/extension/training/record';
import { TrainingSupervisor } from '../../../src/extension/training/supervisor';
import { useSupervisor, misbehavingWorker, Recorder, tinyModel } from './helpers';

describe('training worker and supervisor (real worker thread)', function () {
  this.timeout(30_000);
  const ctx = useSupervisor();

  it('trains: started, progress, epochs with learning rate, feature maps as Float32Arrays, done with a confusion matrix', async () => {
    const model = tinyModel(ctx.fx.dir, 'tiny');
    const rec = new Recorder();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const run = ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 96, threads: 2 }, inspect: { kind: 'dataset', split: 'test', index: 0 } }, rec.listener);
    // Asked while the data is still loading: must not end the run; the maps follow once it is loaded.
    run.inspect({ kind: 'dataset', split: 'test', index: 1 }, model.path, model.text);
    assert.throws(() => ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: {} }, () => undefined), /already training/);
    const outcome = await run.done;
    delay.disable();
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    if (outcome.kind !== 'done') return;
    // The host never stalls while the worker computes (generous bound: CI machines are shared).
    assert.ok(delay.max < 2e9, `event loop stalled for ${(delay.max / 1e6).toFixed(0)} ms`);

    const started = rec.of('started')[0];
    assert.match(started.description, /training tiny: .*96 images.*24 held out/);
    assert.equal(started.epochs, 2);
    // The worker set the relaxed-SIMD flag in its own thread, loaded the inlined .wasm and started the GEMM
    // helper threads the options asked for (from kernel-thread.js beside it).
    assert.equal(started.kernels, 'wasm-relaxed-simd, 2 threads');
    assert.ok(rec.of('progress').length > 0);
    const epochs = rec.of('epoch');
    assert.deepEqual(epochs.map((e) => e.metrics.epoch), [1, 2]);
    assert.equal(epochs[0].metrics.learningRate, 0.01);
    assert.ok(epochs[0].metrics.valAccuracy !== undefined && epochs[0].metrics.testAccuracy !== undefined);
    assert.ok((epochs[0].metrics.samplesPerSecond ?? 0) > 0);
    // The engine's memory is planned once: reported, and the same after every epoch.
    assert.ok(Number.isInteger(epochs[0].metrics.engineBytes) && epochs[0].metrics.engineBytes! > 0);
    assert.equal(epochs[1].metrics.engineBytes, epochs[0].metrics.engineBytes);

    const maps = rec.of('featureMaps');
    assert.ok(maps.length >= 3, 'feature maps at start and after each epoch');
    const last = maps[maps.length - 1].maps;
    assert.ok(last.input.data instanceof Float32Array);
    assert.deepEqual(last.layers.map((l) => l.shape), [[26, 26, 4], [13, 13, 4], [676], [10]]);
    assert.ok(last.layers.every((l) => l.data instanceof Float32Array && l.data.length === l.shape.reduce((a, b) => a * b, 1)));
    // A chain: default names, no inputs named.
    assert.deepEqual(last.layers.map((l) => [l.name, l.inputs]), [['conv2d_0', undefined], ['maxPool2d_1', undefined], ['flatten_2', undefined], ['dense_3', undefined]]);
    assert.deepEqual(last.layerKernels?.map((k) => [k.param, k.shape]), [['conv2d_0.kernel', [3, 3, 1, 4]], ['dense_3.kernel', [676, 10]]]);
    assert.equal(last.probabilities.length, 10);
    assert.ok(Math.abs(last.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.match(last.caption, /test #1 \(label 2\)/);
    assert.equal(rec.of('mapsError').length, 0);
    assert.equal(rec.of('augmentedSamples').length, 0, 'no augmentation, no samples');

    const r = outcome.result;
    assert.equal(r.status, 'completed');
    assert.equal(r.history.length, 2);
    const ev = r.evaluation!;
    assert.equal(ev.on, 'test');
    assert.equal(ev.count, 96);
    assert.equal(ev.confusion.length, 10);
    assert.equal(ev.confusion.flat().reduce((a, b) => a + b, 0), 96);
    assert.equal(ev.misclassified.length, 96 - Math.round(ev.accuracy * 96));
    assert.ok(ev.thumbnails!.data instanceof Uint8Array);
    assert.equal(ev.thumbnails!.data.length, Math.min(200, ev.misclassified.length) * 784);
    assert.ok(existsSync(r.weightsPath!));
    const stored = JSON.parse(readFileSync(model.path.replace(/\.cnn\.json$/, '.train.json'), 'utf8')) as { status: string; evaluation?: { accuracy: number } };
    assert.equal(stored.status, 'completed');
    assert.equal(stored.evaluation?.accuracy, ev.accuracy);
    assert.equal(ctx.supervisor.running(model.path), undefined);

    // Reopened later: the record comes back from train.json, images included.
    const record = await loadRecord(model.path, 'tiny');
    assert.equal(record?.phase, 'completed');
    assert.equal(record?.history.length, 2);
    assert.deepEqual(record?.evaluation?.confusion, ev.confusion);
    assert.deepEqual(record?.evaluation?.thumbnails?.data, ev.thumbnails!.data);
  });

  it('predicts and shows feature maps from the saved weights; weights that no longer fit say so', async () => {
    const model = tinyModel(ctx.fx.dir, 'tiny');
    const maps = await ctx.supervisor.inspectSaved(model.path, model.text, { kind: 'dataset', split: 'test', index: 3 });
    assert.equal(maps.maps.layers.length, 4);
    assert.match(maps.maps.caption, /test #3/);
    const changed = tinyModel(ctx.fx.dir, 'tiny', { filters: 8 });
    await assert.rejects(ctx.supervisor.inspectSaved(changed.path, changed.text, { kind: 'dataset', split: 'test', index: 0 }), /do not fit/);
    await assert.rejects(ctx.supervisor.predict(model.path, model.text, '/nonexistent.png'), /nonexistent\.png/);
    await assert.rejects(ctx.supervisor.inspectSaved(model.path, model.text, { kind: 'dataset', split: 'test', index: 5000 }), /no test sample #5000/);
  });

  it('stops mid-epoch between batches and keeps the last checkpoint; the same model can train again', async () => {
    const model = tinyModel(ctx.fx.dir, 'long', { epochs: 50, batchSize: 8, augmentation: { rotation: 15, cutout: { size: 0.25 } } });
    const rec = new Recorder();
    const run = ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 400 } }, rec.listener);
    await rec.next('epoch');
    // With augmentation, the view gets the first training samples as augmented, once, as bytes.
    const augmented = rec.of('augmentedSamples');
    assert.equal(augmented.length, 1);
    assert.deepEqual([augmented[0].samples.shape, augmented[0].samples.seed], [[8, 28, 28, 1], 1]);
    assert.ok(augmented[0].samples.data instanceof Uint8Array && augmented[0].samples.data.length === 8 * 784);
    const outcome = await run.stop();
    assert.equal(outcome.kind, 'done', 'the worker stopped cooperatively, before the grace period ended');
    if (outcome.kind === 'done') assert.equal(outcome.result.status, 'stopped');
    const state = JSON.parse(readFileSync(model.path.replace(/\.cnn\.json$/, '.train.json'), 'utf8')) as { status: string; epoch: number };
    assert.equal(state.status, 'stopped');
    assert.ok(state.epoch >= 1 && state.epoch < 50, `checkpoint of epoch ${state.epoch}`);
    assert.equal(ctx.supervisor.running(model.path), undefined);

    const again = new Recorder();
    const second = ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 32, epochs: 1 } }, again.listener);
    const o2 = await second.done;
    assert.equal(o2.kind, 'done');
  });

  it('reports a broken model and missing data as error outcomes', async () => {
    const rec = new Recorder();
    const bad = await ctx.supervisor.start('bad', { modelPath: '/tmp/bad.cnn.json', modelText: '{ "layers": 3 }', options: {} }, rec.listener).done;
    assert.equal(bad.kind, 'error');
    assert.match(bad.kind === 'error' ? bad.message : '', /has errors/);
    const text = tinyModel(ctx.fx.dir, 'nodata').text.replace(/t10k-images/g, 'missing-images');
    const missing = await ctx.supervisor.start('missing', { modelPath: `${ctx.fx.dir}/nodata.cnn.json`, modelText: text, options: { limit: 8 } }, () => undefined).done;
    assert.equal(missing.kind, 'error');
    assert.match(missing.kind === 'error' ? missing.message : '', /missing-images/);
  });

  it('turns a crashed worker and an out-of-memory worker into error outcomes, never exceptions', async () => {
    const crash = new TrainingSupervisor(misbehavingWorker(ctx.fx.dir, 'crash', 'process.exit(3)'));
    const c = await crash.start('k', { modelPath: 'x', modelText: '{}', options: {} }, () => undefined).done;
    assert.deepEqual(c, { kind: 'error', message: 'the training worker stopped unexpectedly (exit code 3)' });

    const hog = new TrainingSupervisor(misbehavingWorker(ctx.fx.dir, 'hog', 'const a = []; for (;;) a.push(new Array(1e5).fill(Math.random()));'), {
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    const h = await hog.start('k', { modelPath: 'x', modelText: '{}', options: {} }, () => undefined).done;
    assert.equal(h.kind, 'error');
    assert.match(h.kind === 'error' ? h.message : '', /out of memory/);
    assert.equal(hog.running('k'), undefined);
  });
});

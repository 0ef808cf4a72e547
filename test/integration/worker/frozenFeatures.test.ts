// A frozen first layer in the worker: the run says its output is computed once per sample (a `frozenFeatures`
// message, then `featureProgress` up to every sample, all before the first batch), or, with augmentation, that it
// runs every step; the host's progress notification and output channel show these (extension/training/controller).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useSupervisor, Recorder, tinyModel } from './helpers';

describe('training worker: frozen layers computed once (real worker thread)', function () {
  this.timeout(30_000);
  const ctx = useSupervisor();
  // A data cache of its own (the workers inherit the environment): the first run computes, a second reads back.
  const saved = process.env.CNN_STUDIO_CACHE_DIR;
  let cacheDir = '';
  before(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'cnn-worker-features-'));
    process.env.CNN_STUDIO_CACHE_DIR = cacheDir;
  });
  after(() => {
    if (saved === undefined) delete process.env.CNN_STUDIO_CACHE_DIR;
    else process.env.CNN_STUDIO_CACHE_DIR = saved;
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('says the frozen layers are computed once, reports their progress to every sample, then trains', async () => {
    const model = tinyModel(ctx.fx.dir, 'frozen', { frozenConv: true });
    const rec = new Recorder();
    const run = ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 96, threads: 2 } }, rec.listener);
    const outcome = await run.done;
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    const notes = rec.of('frozenFeatures').map((m) => m.message);
    // 96 training samples (24 held out for validation among them) and 96 test samples; flatten_2's 676 floats each.
    const size = `${((192 * 676 * 4) / 1024).toFixed(1)} KiB`;
    assert.deepEqual(rec.of('frozenFeatures').map((m) => m.fromCache), [false]);
    assert.deepEqual(notes, [`the layers up to flatten_2 are frozen: computing their output once per sample (192 samples, ${size}); the epochs train only the layers after it (stored in the data cache for the next runs)`]);
    const progress = rec.of('featureProgress').map((m) => m.progress);
    assert.ok(progress.length >= 1);
    assert.deepEqual(progress[progress.length - 1], { done: 192, total: 192 });
    assert.ok(progress.every((p, i) => p.total === 192 && p.done <= 192 && (i === 0 || p.done >= progress[i - 1]!.done)));
    // All of it before the first batch, after `started`.
    const order = rec.messages.map((m) => m.type);
    assert.ok(order.indexOf('started') < order.indexOf('frozenFeatures'));
    assert.ok(order.lastIndexOf('featureProgress') < order.indexOf('progress'));
    assert.deepEqual(rec.of('epoch').map((e) => e.metrics.epoch), [1, 2]);

    // Again: the outputs come from the data cache (no progress to report), and the epochs are the same.
    const again = new Recorder();
    const second = await ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 96, threads: 2 } }, again.listener).done;
    assert.equal(second.kind, 'done', JSON.stringify(second));
    assert.deepEqual(again.of('frozenFeatures').map((m) => m.message), [`the layers up to flatten_2 are frozen: their outputs for 192 samples come from the data cache (${size}); the epochs train only the layers after it`]);
    assert.equal(again.of('featureProgress').length, 0);
    assert.deepEqual(again.of('frozenFeatures').map((m) => m.fromCache), [true]);
    const losses = (r: Recorder): number[][] => r.of('epoch').map((e) => [e.metrics.trainLoss, e.metrics.valLoss ?? NaN, e.metrics.testLoss ?? NaN]);
    assert.deepEqual(losses(again), losses(rec));
  });

  it('with augmentation says the frozen layers run every step, and sends no progress for them', async () => {
    const model = tinyModel(ctx.fx.dir, 'frozen-augmented', { frozenConv: true, augmentation: { horizontalFlip: true } });
    const rec = new Recorder();
    const outcome = await ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 64, threads: 2, epochs: 1 } }, rec.listener).done;
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    assert.deepEqual(rec.of('frozenFeatures').map((m) => m.message), ['the layers up to flatten_2 are frozen, but augmentation changes every sample: they run every step (inference mode, no weight gradients)']);
    assert.equal(rec.of('featureProgress').length, 0);
  });
});

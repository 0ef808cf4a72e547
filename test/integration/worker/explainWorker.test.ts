// Explanation requests through real worker threads: the idle worker the host keeps for saved weights (replies,
// error replies, ended after a quiet spell, replaced after a crash) and the running worker, which answers between
// two batches from its current weights without changing the run: the same seed gives the same curve with and
// without explanations asked for mid-run.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdleWorker } from '../../../src/extension/training/idleWorker';
import type { RunOutcome } from '../../../src/extension/training/supervisor';
import { weightsPath } from '../../../src/node/checkpoint/weightsFile';
import { readSampleFloats } from '../../../src/engine/dataset';
import { loadTrainedNetwork } from '../../../src/node/checkpoint/trainedNetwork';
import { loadDataSource } from '../../../src/node/datasets/load';
import { parseModelText } from '../../../src/model/parse';
import type { CellExplanation, GradCamView, SaliencyView } from '../../../src/protocol/explain';
import type { ExplainTarget } from '../../../src/protocol/worker';
import { useSupervisor, Recorder, tinyModel } from './helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('explanations through worker threads', function () {
  this.timeout(120_000);
  const ctx = useSupervisor();

  it('the idle worker answers from the saved weights, reports errors, and ends after its idle time', async () => {
    const model = tinyModel(ctx.fx.dir, 'saved', { epochs: 1 });
    const trained = await ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 64, threads: 1 } }, () => undefined).done;
    assert.equal(trained.kind, 'done');
    const target: ExplainTarget = { modelPath: model.path, modelText: model.text, sample: { kind: 'dataset', split: 'test', index: 3 } };
    const idle = new IdleWorker(ctx.fx.workerPath, { idleMs: 300 });
    try {
      const e = await idle.request<CellExplanation>({ type: 'explainCell', layer: 0, position: { row: 10, col: 12, channel: 2 }, ...target });
      // The value the saved network computes for test #3, in this thread.
      const parsed = parseModelText(model.text).model!;
      const { network } = await loadTrainedNetwork(model.path, parsed);
      const test = await loadDataSource(parsed.training!.data!.test!, ctx.fx.dir, [28, 28, 1], { limit: 4 });
      const maps = network.featureMaps({ shape: [28, 28, 1], data: await readSampleFloats(test, 3) });
      assert.equal(e.kind, 'conv');
      assert.equal(e.layerName, 'conv2d_0');
      assert.equal(e.value, maps[0]!.data[(10 * 26 + 12) * 4 + 2]);
      assert.ok(idle.running);

      const g = await idle.request<GradCamView>({ type: 'gradCam', ...target });
      assert.equal(g.layerName, 'conv2d_0');
      let best = 0;
      for (let i = 1; i < 10; i++) if (maps[3]!.data[i]! > maps[3]!.data[best]!) best = i;
      assert.equal(g.predicted, best);
      assert.equal(g.classIndex, best);
      assert.ok(g.heatmap instanceof Float32Array && g.heatmap.length === 784);
      assert.match(g.caption, /^test #3 \(label \d\)$/);

      await assert.rejects(idle.request({ type: 'explainCell', layer: 9, position: { row: 0, col: 0, channel: 0 }, ...target }), /no layer 9/);
      await sleep(700);
      assert.equal(idle.running, false, 'the thread ended after its idle time');
      // And a later request starts a new one.
      const s = await idle.request<SaliencyView>({ type: 'saliency', classIndex: 4, ...target });
      assert.equal(s.classIndex, 4);
      assert.equal(s.map.length, 784);
    } finally {
      await idle.dispose();
    }
  });

  it('a running worker explains with its current weights, and the run goes on unchanged', async () => {
    const run = async (name: string, explain: boolean): Promise<{ outcome: RunOutcome; replies: unknown[]; weights: Buffer }> => {
      const model = tinyModel(ctx.fx.dir, name, { epochs: 3 });
      const rec = new Recorder();
      const replies: unknown[] = [];
      const r = ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 128, threads: 1 } }, rec.listener);
      if (explain) {
        await rec.next('epoch');
        const target: ExplainTarget = { modelPath: model.path, modelText: model.text, sample: { kind: 'dataset', split: 'test', index: 0 } };
        replies.push(await r.request<CellExplanation>({ type: 'explainCell', layer: 3, position: { row: 0, col: 0, channel: 7 }, ...target }));
        replies.push(await r.request<GradCamView>({ type: 'gradCam', ...target }));
        replies.push(await r.request<SaliencyView>({ type: 'saliency', classIndex: 1, ...target }));
        // Answered by the run itself, between two of its batches.
        assert.equal(rec.of('done').length, 0);
        assert.ok(rec.of('epoch').length < 3, 'answered before the last epoch');
      }
      const outcome = await r.done;
      return { outcome, replies, weights: readFileSync(weightsPath(model.path)) };
    };
    const plain = await run('plain', false);
    const asked = await run('asked', true);
    assert.equal(asked.replies.length, 3);
    const [cell, cam, sal] = asked.replies as [CellExplanation, GradCamView, SaliencyView];
    assert.equal(cell.kind, 'dense');
    assert.equal(cell.layerName, 'dense_3');
    if (cell.kind === 'dense') assert.ok(cell.activation.softmax && Math.abs(cell.activation.softmax.probabilities[7]! - cell.value) < 1e-5);
    assert.equal(cam.layerName, 'conv2d_0');
    assert.equal(sal.classIndex, 1);
    assert.equal(plain.outcome.kind, 'done');
    assert.equal(asked.outcome.kind, 'done');
    if (plain.outcome.kind !== 'done' || asked.outcome.kind !== 'done') return;
    // Same seed, same threads: explanations between batches leave the curve and the weights as they were.
    const curve = (o: typeof plain.outcome & { kind: 'done' }): number[] => o.result.history.flatMap((m) => [m.trainLoss, m.valLoss ?? NaN]);
    assert.deepEqual(curve(asked.outcome), curve(plain.outcome));
    // The weights file differs only in its metadata (the model's name is not part of it); compare the tensors.
    const tensors = (b: Buffer): Buffer => b.subarray(8 + Number(b.readBigUInt64LE(0)));
    assert.ok(tensors(asked.weights).equals(tensors(plain.weights)), 'same trained weights');
  });

  it('a request to a worker that dies is rejected, and the idle worker starts afresh', async () => {
    const crash = join(ctx.fx.dir, 'crash.js');
    writeFileSync(
      crash,
      `const { parentPort } = require('node:worker_threads');\n` +
        `parentPort.postMessage({ kind: 'notify', msg: { type: 'ready', protocolVersion: 1 } });\n` +
        `parentPort.on('message', () => process.exit(3));\n`,
    );
    const idle = new IdleWorker(crash, { idleMs: 10_000 });
    try {
      await assert.rejects(idle.request({ type: 'saliency', modelPath: 'x', modelText: '{}', sample: { kind: 'dataset', split: 'test', index: 0 } }), /exit code 3/);
      await sleep(50);
      assert.equal(idle.running, false);
    } finally {
      await idle.dispose();
    }
  });
});

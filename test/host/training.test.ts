// In-host: "CNN: New LeNet-5 on MNIST" (the template plus the MNIST subset shipped in the .vsix), then
// "CNN: Train Model" in the real extension host with a small sample limit so it stays fast; the result,
// checkpoint files and train.json; Predict Image; Stop during a run.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PNG } from 'pngjs';
import * as vscode from 'vscode';
import { waitFor } from './helpers';
import { recordMeasurement } from './runner';

interface Outcome {
  kind: 'done' | 'error';
  message?: string;
  result?: { status: string; epochs: number; history: unknown[]; evaluation?: { count: number; accuracy: number; confusion: number[][] } };
}

const trainJson = (model: vscode.Uri): string => model.fsPath.replace(/\.cnn\.json$/, '.train.json');

describe('training in VS Code', function () {
  this.timeout(90_000);
  let model: vscode.Uri;

  before(async () => {
    model = (await vscode.commands.executeCommand('cnnStudio.newMnistModel')) as vscode.Uri;
    assert.ok(model, 'the template wrote a model');
    assert.ok(existsSync(vscode.Uri.joinPath(model, '..', 'mnist', 'train-images-idx3-ubyte.gz').fsPath), 'the MNIST subset was copied beside it');
  });
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('trains one short epoch in a worker while the host stays responsive', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const outcome = (await vscode.commands.executeCommand('cnnStudio.train', model, { epochs: 1, limit: 128, wait: true })) as Outcome;
    delay.disable();
    assert.equal(outcome.kind, 'done', outcome.message);
    assert.equal(outcome.result?.status, 'completed');
    assert.equal(outcome.result?.history.length, 1);
    assert.equal(outcome.result?.evaluation?.count, 128);
    assert.equal(outcome.result?.evaluation?.confusion.length, 10);
    assert.ok(delay.max < 2e9, `extension host event loop stalled for ${(delay.max / 1e6).toFixed(0)} ms`);
    recordMeasurement(`extension host event-loop delay while training: p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`);
    const state = JSON.parse(readFileSync(trainJson(model), 'utf8')) as { status: string; epoch: number; evaluation?: unknown };
    assert.equal(state.status, 'completed');
    assert.ok(state.evaluation, 'train.json keeps the evaluation for the training view');
  });

  it('predicts a PNG with the trained weights (top-5)', async () => {
    const png = new PNG({ width: 28, height: 28 });
    png.data.fill(0);
    const file = vscode.Uri.joinPath(model, '..', 'blank-digit.png');
    writeFileSync(file.fsPath, PNG.sync.write(png));
    const prediction = (await vscode.commands.executeCommand('cnnStudio.predictImage', file, { model })) as { top: { label: string; probability: number }[] } | undefined;
    assert.ok(prediction, 'a prediction');
    assert.equal(prediction.top.length, 5);
    assert.ok(prediction.top[0].probability >= prediction.top[1].probability);
  });

  it('stops a running run on CNN: Stop Training, keeping the last checkpoint', async () => {
    rmSync(trainJson(model), { force: true });
    const started = Date.now();
    void vscode.commands.executeCommand('cnnStudio.train', model, { epochs: 30, limit: 256 });
    // The first checkpoint (train.json) is written after epoch 1.
    await waitFor(() => existsSync(trainJson(model)) && statSync(trainJson(model)).mtimeMs >= started - 1000, 'the first checkpoint', 60_000);
    const t0 = Date.now();
    await vscode.commands.executeCommand('cnnStudio.stopTraining', model);
    const stopMs = Date.now() - t0;
    console.log(`      stop took ${stopMs} ms`);
    const state = await waitFor(() => {
      const s = JSON.parse(readFileSync(trainJson(model), 'utf8')) as { status: string; epoch: number };
      return s.status === 'stopped' ? s : undefined;
    }, 'train.json to say stopped');
    assert.ok(state.epoch >= 1 && state.epoch < 30);
    // The issue asks for "within a second"; the bound leaves room for a busy CI machine.
    assert.ok(stopMs < 3000, `stop took ${stopMs} ms`);
  });
});

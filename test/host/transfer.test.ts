// In-host: "CNN: New Model from Pretrained…" with its answers as arguments (no dialogs): LeNet-5 exported as ONNX
// is the backbone, a folder of two classes of PNGs the data; the new model and the backbone's weights are written
// beside the folder, the model opens in the designer and trains (every answer is given: a missing one would
// open its dialog); a backbone without weights, or a folder with
// one class, writes nothing.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as vscode from 'vscode';
import { decodeSafetensors } from '../../src/engine/weights';
import { waitFor } from './helpers';

interface WrittenModel {
  name: string;
  layers: { type: string; name?: string; trainable?: boolean; units?: number }[];
  training: { data: { train: string }; initialWeights: string };
  input: { shape: number[] };
}

/** `count` 28×28 PNGs per class, each class its own brightness pattern. */
function writeClasses(root: string, classes: readonly string[], count: number): void {
  classes.forEach((name, k) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < count; i++) {
      const png = new PNG({ width: 28, height: 28 });
      for (let p = 0; p < 28 * 28; p++) {
        const v = ((p % 28 < 14) === (k === 0) ? 200 : 30) + i;
        png.data.set([v, v, v, 255], p * 4);
      }
      writeFileSync(join(root, name, `${i}.png`), PNG.sync.write(png));
    }
  });
}

describe('New Model from Pretrained', function () {
  this.timeout(90_000);
  let folder: string;
  let onnx: string;

  before(async () => {
    folder = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'host-transfer');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    const [lenet] = await vscode.workspace.findFiles('lenet5.cnn.json', undefined, 1);
    assert.ok(lenet, 'lenet5.cnn.json in the workspace');
    onnx = join(folder, 'lenet5.onnx');
    const files = (await vscode.commands.executeCommand('cnnStudio.exportModel', lenet, { format: 'onnx', output: onnx })) as string[] | undefined;
    assert.deepEqual(files, [onnx]);
    writeClasses(join(folder, 'shapes'), ['left', 'right'], 6);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(folder, { recursive: true, force: true });
  });

  it('writes the model (the backbone up to the cut, frozen, a new head) and its backbone weights, and opens it in the designer', async () => {
    const output = join(folder, 'shapes.cnn.json');
    const model = (await vscode.commands.executeCommand('cnnStudio.newModelFromPretrained', undefined, { backbone: onnx, cut: '6', convention: '0-1', data: join(folder, 'shapes'), inputSize: '28', output })) as vscode.Uri | undefined;
    assert.equal(model?.fsPath, output);
    const written = JSON.parse(readFileSync(output, 'utf8')) as WrittenModel;
    assert.deepEqual(written.layers.map((l) => l.type), ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense', 'dense', 'dense']);
    assert.deepEqual(written.layers.map((l) => l.trainable), [false, undefined, false, undefined, undefined, false, false, undefined]);
    assert.deepEqual(written.layers[7], { type: 'dense', name: 'head', units: 2, activation: 'softmax' });
    assert.deepEqual(written.input.shape, [28, 28, 1]);
    assert.equal(written.training.data.train, 'shapes');
    assert.equal(written.training.initialWeights, 'shapes.backbone.safetensors');
    // LeNet-5's 61,706 parameters less its 10-class classifier (84 × 10 + 10).
    const backbone = decodeSafetensors(readFileSync(join(folder, 'shapes.backbone.safetensors')));
    assert.equal(backbone.tensors.reduce((n, t) => n + t.data.length, 0), 61_706 - 850);
    await waitFor(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'cnnStudio.designer' && input.uri.fsPath === output;
    }, 'the new model in the designer');

    // It trains from the backbone's weights: one epoch, the frozen layers' outputs computed once.
    const outcome = (await vscode.commands.executeCommand('cnnStudio.train', model, { epochs: 1, wait: true })) as { kind: string; result?: { status: string; epochs: number } } | undefined;
    assert.equal(outcome?.kind, 'done', JSON.stringify(outcome));
    assert.equal(outcome?.result?.status, 'completed');
    assert.ok(existsSync(join(folder, 'shapes.safetensors')), 'the trained weights');

    // Fine-tuning: unfreeze everything and train on from those weights (not from the backbone and a fresh head).
    const head = (): Float32Array => Float32Array.from(decodeSafetensors(readFileSync(join(folder, 'shapes.safetensors'))).tensors.find((t) => t.name === 'head.kernel')!.data);
    const trainedHead = head();
    const unfrozen = readFileSync(output, 'utf8').replace(/, "trainable": false/g, '');
    writeFileSync(output, unfrozen);
    await waitFor(() => vscode.workspace.textDocuments.find((d) => d.uri.fsPath === output)?.getText() === unfrozen, 'the unfrozen model in VS Code');
    const tuned = (await vscode.commands.executeCommand('cnnStudio.trainWarmStart', model, { epochs: 1, wait: true, limit: 4 })) as { kind: string; result?: { status: string } } | undefined;
    assert.equal(tuned?.result?.status, 'completed', JSON.stringify(tuned));
    // One epoch of 4 samples moves the head a little from where it was: near it, not a new random start.
    const moved = head();
    const distance = Math.sqrt(moved.reduce((n, v, i) => n + (v - trainedHead[i]!) ** 2, 0));
    const size = Math.sqrt(trainedHead.reduce((n, v) => n + v * v, 0));
    assert.ok(distance > 0 && distance < 0.2 * size, `the head moved ${distance} (its norm ${size})`);
  });

  it("a size other than the backbone's goes into the model; the same file is refused unless replacing", async () => {
    const output = join(folder, 'shapes.cnn.json');
    const again = await vscode.commands.executeCommand('cnnStudio.newModelFromPretrained', undefined, { backbone: onnx, cut: 'conv2d_2', convention: '0-1', data: join(folder, 'shapes'), inputSize: '28', output, replace: false });
    assert.equal(again, undefined, 'shapes.cnn.json exists');
    const small = join(folder, 'small.cnn.json');
    const model = (await vscode.commands.executeCommand('cnnStudio.newModelFromPretrained', undefined, { backbone: onnx, cut: 'conv2d_2', convention: '-1-1', data: join(folder, 'shapes'), inputSize: '32x40', output: small })) as vscode.Uri | undefined;
    assert.equal(model?.fsPath, small);
    const written = JSON.parse(readFileSync(small, 'utf8')) as WrittenModel;
    assert.deepEqual(written.input.shape, [32, 40, 1]);
    // The convention's layer in front, the backbone up to conv2d_2, global pooling and the head.
    assert.deepEqual(written.layers.map((l) => l.type), ['rescaling', 'conv2d', 'maxPool2d', 'conv2d', 'globalAvgPool2d', 'dense']);
  });

  it('writes nothing for a backbone without weights, a folder with one class, or a size out of range', async () => {
    const lone = join(folder, 'lone');
    writeClasses(lone, ['only'], 2);
    writeFileSync(join(folder, 'untrained.cnn.json'), readFileSync(join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'lenet5.cnn.json')));
    const cases = [
      { backbone: join(folder, 'untrained.cnn.json'), cut: '6', data: join(folder, 'shapes'), output: join(folder, 'a.cnn.json') },
      { backbone: onnx, cut: '6', convention: '0-1', data: lone, output: join(folder, 'b.cnn.json') },
      { backbone: onnx, cut: '6', convention: '0-1', data: join(folder, 'shapes'), inputSize: '0', output: join(folder, 'c.cnn.json') },
      { backbone: onnx, cut: 'no_such_layer', convention: '0-1', data: join(folder, 'shapes'), output: join(folder, 'd.cnn.json') },
    ];
    for (const args of cases) {
      assert.equal(await vscode.commands.executeCommand('cnnStudio.newModelFromPretrained', undefined, args), undefined, JSON.stringify(args));
      assert.equal(existsSync(args.output), false, args.output);
    }
  });
});

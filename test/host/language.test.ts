// Hover, inlay hints, diagnostics and quick fixes in a real VS Code, all from the one shape function.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { hoverText, openModel, positionOf, waitFor } from './helpers';

describe('JSON editor of a *.cnn.json', () => {
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('hover on a conv layer shows its input → output shape, parameters and multiply-adds', async () => {
    const editor = await openModel('lenet5.cnn.json');
    const pos = positionOf(editor.document, '"filters": 16');
    const hovers = await waitFor(
      async () => {
        const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
        return h.some((x) => hoverText([x]).includes('conv2d_2')) ? h : undefined;
      },
      'the CNN Studio hover',
    );
    const text = hoverText(hovers);
    assert.match(text, /`14×14×6` → `10×10×16`/);
    assert.match(text, /Parameters: \*\*2,416\*\*/);
    assert.match(text, /Multiply-adds: \*\*240,000\*\*/);
  });

  it('hover on the input shows the input shape and model totals', async () => {
    const editor = await openModel('simple-mnist-convnet.cnn.json');
    const pos = positionOf(editor.document, '"shape"');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
    assert.match(hoverText(hovers), /\*\*input\*\* `28×28×1`[\s\S]*34,826 parameters/);
  });

  it('inlay hints give every layer its output shape', async () => {
    const editor = await openModel('lenet5.cnn.json');
    const doc = editor.document;
    const range = new vscode.Range(0, 0, doc.lineCount, 0);
    const hints = await waitFor(
      async () => {
        const h = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, range);
        return h.filter((x) => String(x.label).startsWith('→')).length === 8 ? h : undefined;
      },
      '8 inlay hints',
    );
    const labels = hints.filter((x) => String(x.label).startsWith('→')).map((h) => String(h.label));
    assert.deepEqual(labels, ['→ 28×28×6', '→ 14×14×6', '→ 10×10×16', '→ 5×5×16', '→ 400', '→ 120', '→ 84', '→ 10']);
  });

  it('diagnostics of the broken model sit on the exact ranges', async () => {
    const editor = await openModel('broken.cnn.json');
    const doc = editor.document;
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'CNN Studio');
      return d.length === 3 ? d : undefined;
    }, '3 diagnostics');
    const found = diags.map((d) => [doc.getText(d.range), d.code, d.range.start.line + 1, d.range.start.character + 1]);
    assert.deepEqual(found, [
      ['"maxpooling2d"', 'unknown-type', 8, 15],
      ['"kernel_size"', 'unknown-field', 9, 40],
      ['"dense"', 'needs-flatten', 11, 15],
    ]);
  });

  it('the quick fix inserts a flatten and the error disappears', async () => {
    const editor = await openModel('broken.cnn.json');
    const doc = editor.document;
    const diag = await waitFor(
      () => vscode.languages.getDiagnostics(doc.uri).find((d) => d.code === 'needs-flatten'),
      'the needs-flatten diagnostic',
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range);
    const fix = actions.find((a) => a.title.includes('flatten'));
    assert.ok(fix?.edit, `no flatten fix among ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    // The designer's insertion pins the shifted dense layer's default name, so its weights keep it.
    assert.match(doc.getText(), /\{ "type": "flatten" \},\n {4}\{ "type": "dense", "name": "dense_4", "units": 10/);
    await waitFor(() => !vscode.languages.getDiagnostics(doc.uri).some((d) => d.code === 'needs-flatten'), 'the error to disappear');
    // The typo fixes work the same way.
    const typo = vscode.languages.getDiagnostics(doc.uri).find((d) => d.code === 'unknown-type')!;
    const typoFix = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, typo.range)).find((a) =>
      a.title.includes('maxPool2d'),
    );
    assert.ok(typoFix?.edit && (await vscode.workspace.applyEdit(typoFix.edit)));
    assert.match(doc.getText(), /"type": "maxPool2d", "poolSize": 2/);
  });

  it('offers "same" padding when a kernel does not fit', async () => {
    const editor = await openModel('lenet5.cnn.json');
    const doc = editor.document;
    const at = doc.getText().indexOf('"kernelSize": 5, "activation"');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + '"kernelSize": 5'.length)), '"kernelSize": 15');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const diag = await waitFor(() => vscode.languages.getDiagnostics(doc.uri).find((d) => d.code === 'kernel-too-large'), 'kernel error');
    assert.equal(diag.message, "kernel 15×15 does not fit the 14×14 input with 'valid' padding");
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range);
    const fix = actions.find((a) => a.title === 'Use "same" padding');
    assert.ok(fix?.edit && (await vscode.workspace.applyEdit(fix.edit)));
    await waitFor(() => !vscode.languages.getDiagnostics(doc.uri).some((d) => d.code === 'kernel-too-large'), 'the kernel error to go');
  });

  it('a graph model: warning and error at their ranges, hover and completion of inputs, the shortcut projection', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const uri = vscode.Uri.joinPath(folder, 'resblock.cnn.json');
    const layers = [
      '{ "name": "stem", "type": "conv2d", "filters": 16, "kernelSize": 3, "padding": "same", "activation": "relu" }',
      '{ "type": "conv2d", "filters": 32, "kernelSize": 3, "strides": 2, "padding": "same", "activation": "relu" }',
      '{ "name": "block_conv2", "type": "conv2d", "filters": 32, "kernelSize": 3, "padding": "same" }',
      '{ "name": "side", "type": "maxPool2d", "inputs": ["stem"] }',
      '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", "stem"] }',
      '{ "type": "globalAvgPool2d" }',
      '{ "type": "dense", "units": 10, "activation": "softmax" }',
    ];
    const text = `{\n  "format": "cnn-studio/model@1",\n  "input": { "shape": [32, 32, 3] },\n  "layers": [\n    ${layers.join(',\n    ')}\n  ]\n}\n`;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    try {
      const doc = (await openModel('resblock.cnn.json')).document;
      const diags = await waitFor(() => {
        const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'CNN Studio');
        return d.length === 2 ? d : undefined;
      }, '2 diagnostics');
      const found = diags.map((d) => [doc.getText(d.range), d.code, d.severity, d.range.start.line + 1]);
      assert.deepEqual(found, [
        ['"maxPool2d"', 'dead-branch', vscode.DiagnosticSeverity.Warning, 8],
        ['"stem"', 'shape-mismatch', vscode.DiagnosticSeverity.Error, 9],
      ]);
      assert.deepEqual(diags[0]!.tags, [vscode.DiagnosticTag.Unnecessary]);

      const onStem = positionOf(doc, '"stem"] }', 1);
      const refHover = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, onStem));
      assert.match(refHover, /\*\*stem\*\* `conv2d` \(layer 0, line 5\) → `32×32×16`/);
      const addHover = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, positionOf(doc, '"add"')));
      assert.match(addHover, /Inputs: \*\*block_conv2\*\* `16×16×32`, \*\*stem\*\* `32×32×16` → `\?`/);

      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, onStem);
      const ours = list.items.filter((i) => i.kind === vscode.CompletionItemKind.Reference).map((i) => [i.label, i.detail]);
      assert.deepEqual(ours, [
        ['side', '16×16×16 · maxPool2d, layer 3'],
        ['stem', '32×32×16 · conv2d, layer 0'],
        ['input', '32×32×3 · the model input'],
        ['conv2d_1', '16×16×32 · conv2d, layer 1 (adds "name")'],
      ]);

      const mismatch = diags[1]!;
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, mismatch.range);
      const fix = actions.find((a) => a.title.startsWith('Project the shortcut with a 1×1 convolution'));
      assert.ok(fix?.edit, `no projection among ${actions.map((a) => a.title).join(', ')}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.match(doc.getText(), /\{ "type": "conv2d", "name": "block_proj", "inputs": \["stem"\], "filters": 32, "kernelSize": 1, "strides": 2 \},\n {4}\{ "name": "block_add", "type": "add", "inputs": \["block_conv2", "block_proj"\] \}/);
      const left = await waitFor(() => {
        const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'CNN Studio');
        return d.length === 1 ? d : undefined;
      }, 'only the dead-branch warning to stay');
      assert.equal(left[0]!.code, 'dead-branch');
      const range = new vscode.Range(0, 0, doc.lineCount, 0);
      const hints = await waitFor(async () => {
        const h = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, range);
        return h.some((x) => String(x.label).includes(' + ')) ? h : undefined;
      }, 'the add\'s inlay hint');
      assert.ok(hints.some((h) => String(h.label) === '16×16×32 + 16×16×32 → 16×16×32'), hints.map((h) => String(h.label)).join(' | '));
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await vscode.workspace.fs.delete(uri);
    }
  });
});


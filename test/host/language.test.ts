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
    assert.match(doc.getText(), /\{ "type": "flatten" \},\n {4}\{ "type": "dense", "units": 10/);
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
});

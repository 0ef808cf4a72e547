// The designer beside a text editor of the same model (issue 21): a node click selects the layer's text, and
// an edit in the text repaints the designer (timed from the key press to the designer's next painted frame).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { layerRange } from '../../../src/extension/editor/layerRange';
import { activeGroup, designerFrame, eventually, focusWorkbench, layerRow, reopenWith, runCommand, visibleEditorText } from './helpers';

/** The second editor group: the text editor beside the designer. */
const textGroup = (page: Page) => page.locator('.editor-group-container').nth(1);

/** Splits the designer right and reopens the split as a text editor; returns the designer's frame (left). */
export async function textEditorBeside(page: Page): Promise<FrameLocator> {
  await focusWorkbench(page);
  await runCommand(page, 'View: Split Editor Right');
  await eventually(async () => assert.equal(await page.locator('iframe.webview.ready').filter({ visible: true }).count(), 2), 15_000);
  // The new designer takes the keyboard focus once it has loaded: the command palette may miss F1 until then.
  await eventually(async () => {
    // The right group's designer, whichever group took the focus last; then the focus out of its webview.
    await textGroup(page).locator('.tab.active').click();
    await focusWorkbench(page);
    await reopenWith(page, 'Text Editor', 4000);
  }, 25_000, 300);
  await activeGroup(page).locator('.monaco-editor .view-line').first().waitFor({ state: 'visible' });
  await runCommand(page, 'View: Focus First Editor Group');
  return designerFrame(page);
}

/** Line and column (1-based, as VS Code's status bar shows them) of `offset` in `text`. */
function position(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/**
 * A click on node `row` in the diagram selects its table row, and the text editor beside selects the layer's
 * JSON text (exactly: VS Code's status bar shows the cursor at its end and its length selected) and shows it.
 */
export async function textFollows(page: Page, frame: FrameLocator, workspace: string, file: string, row: number): Promise<string> {
  const node = frame.locator(`#diagram g.node[data-row="${row}"]`);
  // A node outside the pane (or under its toolbar) gets the click event as the pointer would send it.
  const onTop = await node.evaluate(
    `((g) => { const r = g.getBoundingClientRect(); const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); return !!e && g.contains(e); })(document.querySelector('#diagram g.node[data-row="${row}"]'))`,
  );
  if (onTop === true) await node.click();
  else await node.dispatchEvent('click');
  await layerRow(frame, row).and(frame.locator('.selected')).waitFor();
  const text = readFileSync(join(workspace, file), 'utf8');
  const range = layerRange(text, row);
  assert.ok(range, `layer ${row} in ${file}`);
  const layerText = text.slice(range.offset, range.offset + range.length);
  // The line that names the layer, else (an unnamed layer on one line) its first line.
  const shown = (layerText.split('\n').find((l) => l.includes('"name"')) ?? layerText.split('\n')[0]!).trim();
  await eventually(async () => assert.ok((await visibleEditorText(page, textGroup(page))).includes(shown), `the text editor shows ${shown}`), 10_000);
  // The selection, as the status bar reads it once the text editor is the active one.
  await focusWorkbench(page);
  await runCommand(page, 'View: Focus Right Editor Group');
  const end = position(text, range.offset + range.length);
  const expected = `Ln ${end.line}, Col ${end.col} (${range.length} selected)`;
  const status = page.locator('[id="status.editor.selection"]');
  await eventually(async () => assert.equal((await status.innerText()).trim(), expected), 10_000);
  await runCommand(page, 'View: Focus First Editor Group');
  return `node ${row} clicked: table row ${row} selected, the text editor selects its ${range.length} characters (${expected}) and shows ${shown}`;
}

/** Records, in the designer's frame, each draw's painted time and what node `row`'s shape then read. */
const PAINT_PROBE = `(el, row) => {
  window.__paints = [];
  new MutationObserver(() => {
    const drawn = Date.now();
    const shape = (document.querySelector('#diagram g.node[data-row="' + row + '"] text.shape') || {}).textContent;
    const view = el.dataset.lastView;
    const layouts = el.dataset.layouts;
    const nodes = el.dataset.nodesDrawn;
    requestAnimationFrame(() => requestAnimationFrame(() => window.__paints.push({ drawn, painted: Date.now(), shape, view, layouts, nodes })));
  }).observe(el, { attributes: true, attributeFilter: ['data-drawn-at'] });
}`;

interface Paint {
  readonly drawn: number;
  readonly painted: number;
  readonly shape: string | null;
  readonly view: string;
  /** Layouts computed since the pane opened, and the nodes the draw made anew. */
  readonly layouts?: string;
  readonly nodes?: string;
}

/**
 * Edits the text of layer `row`'s `field` (a number) `times` times, one key each (its last digit deleted, then
 * typed again); returns each key press's time to the designer painted with node `row`'s new shape, and where
 * the time went (key → view message in the webview → drawn → painted). No edit computes a layout.
 */
export async function editToRepaint(page: Page, frame: FrameLocator, workspace: string, file: string, row: number, field: string, times: number): Promise<{ ms: number[]; detail: string[] }> {
  const text = readFileSync(join(workspace, file), 'utf8');
  const range = layerRange(text, row);
  assert.ok(range);
  const m = new RegExp(`"${field}":\\s*(\\d+)`).exec(text.slice(range.offset, range.offset + range.length));
  assert.ok(m, `layer ${row} has a numeric ${field}`);
  const value = m[1]!;
  const at = position(text, range.offset + m.index + m[0].length);
  await focusWorkbench(page);
  await runCommand(page, 'View: Focus Right Editor Group');
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').pressSequentially(`${at.line}:${at.col}`, { delay: 5 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await page.evaluate('window.__keys = []; window.addEventListener("keydown", () => window.__keys.push(Date.now()), true)');
  await frame.locator('#diagram').evaluate(`(${PAINT_PROBE})(document.getElementById('diagram'), ${row})`);
  const shapeOf = async (): Promise<string> => (await frame.locator(`#diagram g.node[data-row="${row}"] text.shape`).textContent()) ?? '';
  const original = await shapeOf();
  const layoutsBefore = await frame.locator('#diagram').getAttribute('data-layouts');
  const ms: number[] = [];
  const detail: string[] = [];
  for (let i = 0; i < times; i++) {
    const del = i % 2 === 0;
    const expected = del ? original.replace(new RegExp(`${value}$`), value.slice(0, -1)) : original;
    if (del) assert.notEqual(expected, original, `node ${row}'s shape ${original} ends with its ${field}`);
    await page.keyboard.press(del ? 'Backspace' : value.slice(-1));
    await eventually(async () => assert.equal(await shapeOf(), expected), 15_000, 20);
    const { key, paint } = await eventually(async () => {
      const keys = (await page.evaluate('window.__keys')) as number[];
      const paints = (await frame.locator('#diagram').evaluate('window.__paints')) as Paint[];
      const key = keys[keys.length - 1]!;
      const paint = paints.find((p) => p.drawn >= key && p.shape === expected);
      assert.ok(paint, 'painted');
      return { key, paint };
    }, 5000, 20);
    const arrived = Number(/arrived (\d+)/.exec(paint.view)?.[1]);
    ms.push(paint.painted - key);
    assert.equal(paint.layouts, layoutsBefore, 'an edit of a setting computes no layout');
    detail.push(`${del ? 'delete' : 'type'}: ${paint.painted - key} ms (key → view message ${arrived - key} ms → drawn ${paint.drawn - arrived} ms → painted ${paint.painted - paint.drawn} ms; ${paint.view.replace(/^arrived \d+ drawn \d+: /, '')}; ${paint.nodes} nodes drawn anew)`);
  }
  await runCommand(page, 'View: Focus First Editor Group');
  return { ms, detail };
}

// Helpers for UI scenarios: drive the VS Code workbench (code-server) the way a person does.
// Selectors are VS Code 1.100's; keep them here so a VS Code update is fixed in one place.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

/** What every UI scenario receives. */
export interface ScenarioContext {
  page: Page;
  /** http://127.0.0.1:PORT of code-server. */
  baseUrl: string;
  /** Absolute path of the workspace folder (a temporary copy of examples/). */
  workspace: string;
  /** Saves `<name>.png` in the run's screenshot folder and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Writes a line to the test log. */
  log(msg: string): void;
}

/** A UI scenario: the default export of each test/e2e/ui/*.ts file (except this one). */
export type Scenario = (ctx: ScenarioContext) => Promise<void>;

const QUICK_INPUT = '.quick-input-widget';

/** Waits until the workbench is usable: layout, status bar and the explorer's folder. */
export async function waitForWorkbench(page: Page, timeout = 60_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout });
  // The explorer's tree appears once the remote file system answers.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout });
}

/** Retries `fn` until it stops throwing (for checks of state that settles asynchronously). */
export async function eventually<T>(fn: () => Promise<T>, timeout = 10_000, interval = 200): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

async function quickInputRow(page: Page, text: string, timeout: number): Promise<Locator> {
  const widget = page.locator(QUICK_INPUT);
  const row = widget.locator('.monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout });
  return row;
}

async function typeInQuickInput(page: Page, text: string, timeout: number): Promise<void> {
  const input = page.locator(`${QUICK_INPUT} input`);
  // Within the caller's timeout, so that a retried step (F1 missed while a webview took the focus) fails fast.
  await input.waitFor({ state: 'visible', timeout });
  await input.pressSequentially(text, { delay: 5 });
}

/** Closes the quick input if it is open (Escape). */
export async function closeQuickInput(page: Page): Promise<void> {
  if (await page.locator(QUICK_INPUT).isVisible()) {
    await page.keyboard.press('Escape');
    await page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
  }
}

/** The tab of the active editor in the active group. */
export function activeTab(page: Page): Locator {
  return page.locator('.editor-group-container.active .tabs-container .tab.active');
}

/**
 * Opens a workspace file by name with Quick Open (Ctrl+P): types the name, waits for the
 * result row, presses Enter and waits for the file's tab to become active.
 */
export async function openFile(page: Page, name: string, timeout = 15_000): Promise<void> {
  await closeQuickInput(page);
  await page.keyboard.press('Control+P');
  await typeInQuickInput(page, name, timeout);
  const base = name.split('/').pop()!;
  // The focused row, not any row: before the list has filtered, the file may already be listed
  // among the recently opened editors while Enter would still open the first of those.
  await page.locator(`${QUICK_INPUT} .monaco-list-row.focused`, { hasText: base }).first().waitFor({ state: 'visible', timeout });
  await page.keyboard.press('Enter');
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout });
  // Usually the active group; an editor already open in another group is revealed there.
  const group = editorGroupShowing(page, base);
  await group.first().waitFor({ state: 'visible', timeout });
  await waitForEditorContent(page, timeout, group.first());
}

/** The editor group(s) whose active tab's label contains `name`. */
export function editorGroupShowing(page: Page, name: string): Locator {
  return page
    .locator('.editor-group-container')
    .filter({ has: page.locator('.tabs-container .tab.active').filter({ hasText: name }) });
}

/**
 * Waits until the active editor shows something: the lines of a text editor, or a visible
 * webview (custom editor) whose page has rendered an element. Returns which one it is.
 */
export async function waitForEditorContent(
  page: Page,
  timeout = 15_000,
  group: Locator = page.locator('.editor-group-container.active'),
): Promise<'text' | 'webview'> {
  const text = group.locator('.editor-container .monaco-editor .view-line').first();
  const webview = webviewFrame(page).locator('body *').first();
  return eventually(async () => {
    if (await text.isVisible()) return 'text';
    if ((await page.locator('iframe.webview.ready').filter({ visible: true }).count()) > 0 && (await webview.isVisible())) {
      return 'webview';
    }
    throw new Error('the active editor shows neither text nor a webview');
  }, timeout);
}

/**
 * Reopens the active editor with another editor (View: Reopen Editor With...): `editor` is the
 * label in the picker, e.g. 'Text Editor' or a custom editor's displayName.
 */
export async function reopenWith(page: Page, editor: string, timeout = 15_000): Promise<void> {
  await runCommand(page, 'View: Reopen Editor With...', timeout);
  await (await quickInputRow(page, editor, timeout)).click();
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout });
}

/** Opens a file in the plain text editor, even where a custom editor is the default. */
export async function openFileAsText(page: Page, name: string, timeout = 15_000): Promise<void> {
  await openFile(page, name, timeout);
  if ((await waitForEditorContent(page, timeout)) !== 'text') await reopenWith(page, 'Text Editor', timeout);
  await page.locator('.editor-group-container.active .monaco-editor .view-line').first().waitFor({ state: 'visible', timeout });
}

/**
 * Runs a command by its title from the command palette (F1): types the title, waits for the
 * row whose label contains it, presses Enter.
 */
export async function runCommand(page: Page, title: string, timeout = 15_000): Promise<void> {
  await closeQuickInput(page);
  await page.keyboard.press('F1');
  await typeInQuickInput(page, title, timeout);
  const row = await quickInputRow(page, title, timeout);
  await row.click();
}

/**
 * Lines of the active text editor as rendered (only what is scrolled into view); `group` picks the
 * text editor of another editor group, e.g. `editorGroupShowing(page, name)`.
 */
export async function visibleEditorText(page: Page, group: Locator = page.locator('.editor-group-container.active')): Promise<string> {
  const lines = group.locator('.editor-container .monaco-editor .view-lines .view-line');
  await lines.first().waitFor({ state: 'visible' });
  // After edits the line elements are not always in document order: sort them by their position.
  const rendered = await lines.evaluateAll((els) =>
    els.map((el) => ({ top: parseFloat((el as unknown as { style: { top: string } }).style.top) || 0, text: (el as unknown as { innerText: string }).innerText })),
  );
  return rendered
    .sort((a, b) => a.top - b.top)
    .map((l) => l.text.replace(/\u00a0/g, ' '))
    .join('\n');
}

/**
 * Hovers the first rendered token of the active text editor whose text is `text` (exactly,
 * or containing it when no token matches exactly) and returns the hover's text.
 */
export async function hoverToken(page: Page, text: string, timeout = 10_000): Promise<string> {
  const spans = page.locator('.editor-group-container.active .monaco-editor .view-line span span');
  const exact = spans.filter({ hasText: new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) }).first();
  const token = (await exact.count()) > 0 ? exact : spans.filter({ hasText: text }).first();
  await token.waitFor({ state: 'visible', timeout });
  // Other editors and panels keep hidden hover widgets in the DOM: take the one on screen.
  const hover = page.locator('.monaco-hover-content').filter({ visible: true }).first();
  // Move away first so a hover that is already open for another token closes.
  await page.mouse.move(0, 0);
  await token.hover();
  await hover.waitFor({ state: 'visible', timeout });
  return hover.innerText();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The content frame of the visible webview (custom editor or panel). A webview is two nested
 * iframes: `iframe.webview.ready` › `iframe#active-frame`. Hidden webviews stay in the DOM with
 * visibility hidden, so only a visible one is taken.
 */
export function webviewFrame(page: Page): FrameLocator {
  return page
    .locator('iframe.webview.ready')
    .filter({ visible: true })
    .first()
    .contentFrame()
    .locator('iframe#active-frame')
    .contentFrame();
}

/** Texts of the notification toasts on screen (empty when none). */
export async function readNotifications(page: Page): Promise<string[]> {
  const toasts = page.locator('.notifications-toasts .notification-toast .notification-list-item-message');
  return (await toasts.allInnerTexts()).map((t) => t.trim()).filter((t) => t.length > 0);
}

/** Waits for a toast containing `text` and returns its full message. */
export async function waitForNotification(page: Page, text: string | RegExp, timeout = 15_000): Promise<string> {
  const toast = page
    .locator('.notifications-toasts .notification-toast .notification-list-item-message')
    .filter({ hasText: text })
    .first();
  await toast.waitFor({ state: 'visible', timeout });
  return (await toast.innerText()).trim();
}

/** Shows an output channel by name (Output view) and returns the visible text of it. */
export async function showOutputChannel(page: Page, name: string, timeout = 15_000): Promise<string> {
  await runCommand(page, 'Output: Show Output Channels...');
  await page.locator(QUICK_INPUT).locator('input[placeholder*="Output"]').waitFor({ state: 'visible', timeout });
  await typeInQuickInput(page, name, timeout);
  await (await quickInputRow(page, name, timeout)).click();
  const output = page.locator('.part.panel .output-view .monaco-editor .view-lines');
  await output.waitFor({ state: 'visible', timeout });
  return eventually(async () => {
    const text = (await output.innerText()).replace(/\u00a0/g, ' ');
    if (!text.trim()) throw new Error(`output channel "${name}" is empty`);
    return text;
  }, timeout);
}

/** Closes every editor (no save prompt expected: scenarios should not leave dirty editors). */
export async function closeAllEditors(page: Page): Promise<void> {
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.editor-group-container .tabs-container .tab').first().waitFor({ state: 'detached' });
}

/** The active editor group. */
export function activeGroup(page: Page): Locator {
  return page.locator('.editor-group-container.active');
}

/**
 * Moves keyboard focus from a webview (an iframe) back to the workbench, so that keys pressed next
 * reach the workbench's own handlers (the webview forwards most keys, but not all reliably).
 */
export async function focusWorkbench(page: Page): Promise<void> {
  await page.evaluate('document.activeElement && document.activeElement.blur && document.activeElement.blur()');
}

/**
 * Writes workspace settings (merged into `.vscode/settings.json`); VS Code picks the change up
 * from the file. Per-workspace, so nothing leaks into the next scenario (the profile is shared).
 */
export function writeWorkspaceSettings(workspace: string, settings: Record<string, unknown>): void {
  const dir = join(workspace, '.vscode');
  const file = join(dir, 'settings.json');
  mkdirSync(dir, { recursive: true });
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(file, JSON.stringify({ ...current, ...settings }, null, 2));
}

/**
 * Switches the colour theme through the workspace settings and waits until the workbench and
 * every visible webview show it.
 */
export async function setColorTheme(page: Page, workspace: string, theme: 'Default Light Modern' | 'Default Dark Modern' | 'Default High Contrast', timeout = 15_000): Promise<void> {
  const kind = theme.includes('Light') ? { workbench: 'vs', body: 'vscode-light' } : theme.includes('High Contrast') ? { workbench: 'hc-black', body: 'vscode-high-contrast' } : { workbench: 'vs-dark', body: 'vscode-dark' };
  writeWorkspaceSettings(workspace, { 'workbench.colorTheme': theme });
  await page.locator(`.monaco-workbench.${kind.workbench}`).waitFor({ state: 'attached', timeout });
  if ((await page.locator('iframe.webview.ready').filter({ visible: true }).count()) > 0) {
    await webviewFrame(page).locator(`body.${kind.body}`).waitFor({ state: 'attached', timeout });
  }
}

/** Shows the Problems panel (View: Focus Problems) and returns the text of its rows (files and markers). */
export async function readProblems(page: Page, timeout = 15_000): Promise<string[]> {
  await runCommand(page, 'Problems: Focus on Problems View', timeout);
  const rows = page.locator('.part.panel .markers-panel .monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout });
  return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

// ---- The CNN designer (custom editor of *.cnn.json). DOM hooks: see webview/designer/*.ts. ----

/** The designer's content frame once it has rendered a view (`body[data-ready="true"]`). */
export async function designerFrame(page: Page, timeout = 20_000): Promise<FrameLocator> {
  const frame = webviewFrame(page);
  await frame.locator('body[data-ready="true"] table#layers').waitFor({ state: 'visible', timeout });
  return frame;
}

/**
 * Opens a *.cnn.json in the designer, its default editor. Right after the workbench starts, before it has read the
 * extension's custom editors, Quick Open can still open the file as text (seen once in ui/training-graph, after
 * 29 passing scenarios): then it is reopened with the designer.
 */
/** The .onnx view, once it has shown the file: its graph (every row in) or the one line saying why it cannot. */
export async function onnxViewFrame(page: Page, timeout = 30_000): Promise<FrameLocator> {
  const frame = webviewFrame(page);
  await frame.locator('body[data-ready="true"]').locator('#summary, #unreadable').first().waitFor({ state: 'visible', timeout });
  return frame;
}

export async function openFileInDesigner(page: Page, name: string, timeout = 15_000): Promise<FrameLocator> {
  await openFile(page, name, timeout);
  if ((await waitForEditorContent(page, timeout)) === 'text') await reopenWith(page, 'CNN Designer', timeout);
  return designerFrame(page);
}

/** One row of the designer's layer table, as shown. */
export interface DesignerRow {
  readonly type: string;
  readonly shape: string;
  readonly params: string;
  readonly summary: string;
  readonly error: boolean;
}

/** The layer rows of the designer's table (not the input row), read in one go (the table is rebuilt on every change). */
export async function designerRows(frame: FrameLocator): Promise<DesignerRow[]> {
  await frame.locator('table#layers').waitFor({ state: 'attached' });
  return frame.locator('table#layers tr.layer-row').evaluateAll((trs) =>
    trs.map((tr) => {
      // No DOM types in this tsconfig: the callback runs in the page (and must not define named
      // functions: tsx would wrap them in a helper that does not exist there).
      const el = tr as unknown as { classList: { contains(c: string): boolean }; querySelector(s: string): { textContent: string | null } | null };
      const [type, shape, params, summary] = ['td.layer .type', 'td.output-shape', 'td.params', '.summary'].map((sel) => (el.querySelector(sel)?.textContent ?? '').trim());
      return { type: type!, shape: shape!, params: params!, summary: summary!, error: el.classList.contains('has-error') };
    }),
  );
}

/** The table row of layer `index`. */
export function layerRow(frame: FrameLocator, index: number): Locator {
  return frame.locator(`table#layers tr.layer-row[data-layer-index="${index}"]`);
}

/** A total under the table, e.g. designerTotal(frame, 'params') → "61,706". */
export async function designerTotal(frame: FrameLocator, key: 'params' | 'trainable' | 'non-trainable' | 'weights' | 'macs' | 'activations' | 'training-memory'): Promise<string> {
  return (await frame.locator(`#totals [data-total="${key}"]`).innerText()).trim();
}

/**
 * Waits until the rows (and optionally the total params) are as expected; `expected` lists, per
 * row, the output shape and optionally the params. Returns the rows.
 */
export async function expectRows(
  frame: FrameLocator,
  expected: ReadonlyArray<{ readonly shape: string; readonly params?: string; readonly type?: string }>,
  totalParams?: string,
  timeout = 15_000,
): Promise<DesignerRow[]> {
  return eventually(async () => {
    const rows = await designerRows(frame);
    const got = rows.map((r, i) => ({
      shape: r.shape,
      ...(expected[i]?.params !== undefined ? { params: r.params } : {}),
      ...(expected[i]?.type !== undefined ? { type: r.type } : {}),
    }));
    const want = expected.map((e) => ({ shape: e.shape, ...(e.params !== undefined ? { params: e.params } : {}), ...(e.type !== undefined ? { type: e.type } : {}) }));
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`designer rows ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    if (totalParams !== undefined) {
      const total = await designerTotal(frame, 'params');
      if (total !== totalParams) throw new Error(`total params ${total}, expected ${totalParams}`);
    }
    return rows;
  }, timeout);
}

/** Types `value` into a field editor of the designer (`data-field`, e.g. "layers.0.filters") and commits it with Enter. */
export async function fillDesignerField(frame: FrameLocator, field: string, value: string): Promise<void> {
  const input = frame.locator(`[data-field="${field}"] vscode-textfield input`);
  await input.waitFor({ state: 'visible' });
  await input.fill(value);
  await input.press('Enter');
}

/** Picks `value` in a select field of the designer (a vscode-single-select: open it, click the option). */
export async function chooseDesignerOption(frame: FrameLocator, field: string, value: string): Promise<void> {
  const select = frame.locator(`[data-field="${field}"] vscode-single-select`);
  // Scrolled to the top first, as a person would, so the opened list has room below it: near the bottom of
  // the webview the list would run past the frame and its lower options could not be clicked.
  await select.evaluate((el) => (el as unknown as { scrollIntoView(o: { block: string }): void }).scrollIntoView({ block: 'start' }));
  await select.click();
  const option = select.locator('li.option').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(value)}\\s*$`) });
  await option.click();
}

/** The training view's content frame (the designer is a webview too, so pick the one with a run header). */
export async function trainingFrame(page: Page): Promise<FrameLocator> {
  return eventually(async () => {
    const outer = page.locator('iframe.webview.ready').filter({ visible: true });
    for (let i = 0; i < (await outer.count()); i++) {
      const frame = outer.nth(i).contentFrame().locator('iframe#active-frame').contentFrame();
      if ((await frame.locator('.run-header').count()) > 0) return frame;
    }
    throw new Error('no visible training view');
  }, 20_000);
}

/** The part of a canvas the checks need (this tsconfig has no DOM lib; the callback runs in the page). */
export interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

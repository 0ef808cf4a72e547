// Helpers for UI scenarios: drive the VS Code workbench (code-server) the way a person does.
// Selectors are VS Code 1.100's; keep them here so a VS Code update is fixed in one place.
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

async function typeInQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator(`${QUICK_INPUT} input`);
  await input.waitFor({ state: 'visible' });
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
  await typeInQuickInput(page, name);
  const base = name.split('/').pop()!;
  await quickInputRow(page, base, timeout);
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
  await runCommand(page, 'View: Reopen Editor With...');
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
  await typeInQuickInput(page, title);
  const row = await quickInputRow(page, title, timeout);
  await row.click();
}

/** Lines of the active text editor as rendered (only what is scrolled into view). */
export async function visibleEditorText(page: Page): Promise<string> {
  const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line');
  await lines.first().waitFor({ state: 'visible' });
  return (await lines.allInnerTexts()).map((l) => l.replace(/\u00a0/g, ' ')).join('\n');
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
  const hover = page.locator('.monaco-hover-content').first();
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
  await typeInQuickInput(page, name);
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

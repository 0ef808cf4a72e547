// Timing probes of the designer scenarios (issue 21): open-to-drawn, phase by phase as the webview records
// them on #diagram; frame intervals while panning or zooming, from requestAnimationFrame timestamps.
import * as assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { eventually, openFileInDesigner } from './helpers';

/**
 * Opens a model and waits for its graph: `nodes` nodes drawn. Returns the milliseconds from Ctrl+P to drawn, and
 * where they went: typing the name into Quick Open (up to Enter), the extension host's resolve (the page's
 * <main> carries its time), the webview page's own times (relative to its start), among them the wait
 * for the webview's service worker before the page is fetched (about 1 s for every webview but the first in a
 * window: VS Code 1.99–1.100 register a new service worker per webview, microsoft/vscode#245756, fixed in 1.101).
 */
export async function openAndTime(page: Page, file: string, nodes: number): Promise<{ frame: FrameLocator; ms: number; inWebview: string }> {
  await page.evaluate(`window.__enterAt = 0; if (!window.__enterProbe) { window.__enterProbe = true; window.addEventListener('keydown', (e) => { if (e.key === 'Enter') window.__enterAt = Date.now(); }, true); }`);
  const started = Date.now();
  const frame = await openFileInDesigner(page, file);
  await eventually(async () => assert.equal(await frame.locator('#diagram g.node').count(), nodes), 15_000, 20);
  const ms = Date.now() - started;
  const d = frame.locator('#diagram');
  const at = async (name: string): Promise<string | null> => d.getAttribute(`data-${name}`);
  const enter = Number(await page.evaluate('window.__enterAt')) - started;
  const app = frame.locator('#app');
  const resolved = Number(await app.getAttribute('data-host-resolved-at')) - started;
  const origin = Number(await at('time-origin')) - started;
  const inWebview = `Ctrl+P → Enter ${enter} ms → editor resolved ${resolved} ms → webview page start ${origin} ms → script ${await at('script-at')} ms → view ${await at('view-at')} ms → drawn ${await at('first-drawn-at')} ms → painted ${await at('first-painted-at')} ms (page times from its start; Enter → painted ${origin + Number(await at('first-painted-at')) - enter} ms); table+header ${await at('table-ms')} ms (${await at('table-parts')}), side ${await at('side-ms')} ms, blocks ${await d.getAttribute('data-blocks-ms')} ms, layout ${await d.getAttribute('data-layout-ms')} ms, render ${await d.getAttribute('data-render-ms')} ms; page ${await at('navigation')} (fetch: after the service worker's wait)${(await at('resources')) ? `; linked files ${await at('resources')}` : ''}`;
  return { frame, ms, inWebview };
}

/** The graph's box lies inside the pane. */
export async function fitsInPane(frame: FrameLocator): Promise<boolean> {
  const pane = await frame.locator('#diagram').boundingBox();
  const graph = await frame.locator('#diagram g.viewport').boundingBox();
  return !!pane && !!graph && graph.x >= pane.x - 1 && graph.y >= pane.y - 1 && graph.x + graph.width <= pane.x + pane.width + 1 && graph.y + graph.height <= pane.y + pane.height + 1;
}

/**
 * Pans (or zooms: Ctrl+wheel, as a trackpad pinch arrives) with one wheel event per animation frame; returns
 * the frame intervals (ms). The probe is page source text: tsx would wrap a named function of this file in a
 * helper that does not exist in the page.
 */
const PAN_PROBE = `(el, n, zoom) => new Promise((resolve) => {
  const times = [];
  let i = 0;
  const step = (t) => {
    times.push(t);
    if (i++ >= n) return resolve(times.slice(1).map((x, k) => x - times[k]));
    // Out, back in, out again: the view ends where it started.
    const out = i % 120 < 30 || i % 120 >= 90;
    if (el) el.dispatchEvent(new WheelEvent('wheel', { deltaY: zoom ? (out ? 6 : -6) : out ? 25 : -25, deltaX: zoom ? 0 : out ? 3 : -3, ctrlKey: zoom, clientX: 300, clientY: 200, bubbles: true, cancelable: true }));
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})`;

export type Gesture = 'idle' | 'pan' | 'zoom';

/** 'idle': the same frames without an event, the baseline of this machine's frame rate. */
export async function panFrameTimes(frame: FrameLocator, frames: number, gesture: Gesture = 'pan'): Promise<number[]> {
  const el = gesture === 'idle' ? 'null' : "document.getElementById('diagram')";
  return (await frame.locator('#diagram').evaluate(`(${PAN_PROBE})(${el}, ${frames}, ${gesture === 'zoom'})`)) as number[];
}

const VSYNC = 1000 / 60;

/**
 * p50/p95/max of the frame intervals and the frames dropped: an interval of n vsyncs (16.7 ms at 60 Hz)
 * dropped n − 1 frames.
 */
export function stats(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
  const dropped = ms.reduce((s, x) => s + Math.max(0, Math.round(x / VSYNC) - 1), 0);
  const late = ms.filter((x) => Math.round(x / VSYNC) > 1).length;
  return `${ms.length} frames: p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms, dropped ${dropped} (${late} intervals over 16.7 ms)`;
}

// The explanation panel (issue 13): a clicked feature-map cell (or class probability) explained by the engine
// for the inspected sample with the current weights — the receptive field on the input image, the arithmetic
// (breakdown.ts), and the result beside the engine's value and the value the feature map shows. Keyboard: arrow
// keys move the cell, Page Up/Down the channel, Escape closes and returns to the map. While the user holds an
// arrow key only the latest cell is asked for (one request in flight, the newest queued).
import type { CellExplanation } from '../../src/protocol/explain';
import type { FeatureMapsView, MapView } from '../../src/protocol/training';
import { h, replaceContent } from '../shared/dom';
import { breakdown, breakdownResult, fmt } from './breakdown';
import { onThemeChange } from './charts';
import { heatmap } from './heatmap';
import type { TrainingHost } from './host';

/** A cell of layer `layer`'s output (file order); a flat output uses row 0, col 0 and channel = the unit. */
export interface CellRef {
  readonly layer: number;
  readonly row: number;
  readonly col: number;
  readonly channel: number;
}

/** Channel cards shown before "Show all". */
const FIRST_CHANNELS = 4;
const INPUT_PX = 112;

/** [rows, cols, channels] of a layer's output as the panel moves over it. */
export function cellGrid(m: MapView): readonly [number, number, number] {
  return m.shape.length === 3 ? [m.shape[0], m.shape[1], m.shape[2]] : [1, 1, m.data.length];
}

/** The value the feature map holds at the cell. */
export function mapValue(m: MapView, c: CellRef): number {
  const [, w, ch] = cellGrid(m);
  return m.data[(c.row * w + c.col) * ch + c.channel];
}

/** Width of the strip a flat layer is drawn as (maps.ts): Up/Down move by a row of it. */
export const stripWidth = (n: number): number => Math.ceil(Math.sqrt(n));

export class ExplainPanel {
  readonly element: HTMLElement;
  /** Called whenever the selected cell changes (undefined: closed): maps.ts moves the panel and the marker. */
  onSelect: (cell: CellRef | undefined) => void = () => undefined;
  /** Where focus returns on Escape: the map of the cell that was open. */
  returnFocus: (cell: CellRef) => void = () => undefined;
  private cell?: CellRef;
  private closed?: CellRef;
  private maps?: FeatureMapsView;
  private result?: CellExplanation;
  private error?: string;
  private allChannels = false;
  private inFlight = false;
  private queued = false;

  constructor(private readonly host: Pick<TrainingHost, 'request'>) {
    this.element = h('section', {
      class: 'explain-panel',
      tabindex: 0,
      role: 'region',
      'data-focus-key': 'explain-panel',
      'aria-keyshortcuts': 'ArrowUp ArrowDown ArrowLeft ArrowRight PageUp PageDown Escape',
    });
    this.element.hidden = true;
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    onThemeChange(() => this.render());
  }

  get selection(): CellRef | undefined {
    return this.cell;
  }

  /** The open cell, or the one open before Escape (Enter on its map goes back to it). */
  get lastCell(): CellRef | undefined {
    return this.cell ?? this.closed;
  }

  /** New feature maps (another epoch or sample): the same cell, explained again for them. */
  setMaps(maps: FeatureMapsView): void {
    const same = this.maps?.sample && JSON.stringify(this.maps.sample) === JSON.stringify(maps.sample) && this.maps.epoch === maps.epoch;
    this.maps = maps;
    if (!this.cell) return;
    const m = maps.layers[this.cell.layer];
    if (!m) return this.close();
    this.cell = clamp(this.cell, m);
    if (!same) void this.fetch();
  }

  open(cell: CellRef, focus = true): void {
    const m = this.maps?.layers[cell.layer];
    if (!m) return;
    if (this.cell?.layer !== cell.layer) this.allChannels = false;
    this.cell = clamp(cell, m);
    this.element.hidden = false;
    this.onSelect(this.cell);
    this.render();
    void this.fetch();
    if (focus) this.element.focus({ preventScroll: false });
  }

  close(): void {
    const was = this.cell;
    this.closed = was;
    this.cell = undefined;
    this.result = undefined;
    this.error = undefined;
    this.element.hidden = true;
    this.onSelect(undefined);
    if (was) this.returnFocus(was);
  }

  private move(dRow: number, dCol: number, dChannel: number): void {
    if (!this.cell) return;
    this.open({ layer: this.cell.layer, row: this.cell.row + dRow, col: this.cell.col + dCol, channel: this.cell.channel + dChannel });
  }

  private onKey(e: KeyboardEvent): void {
    const m = this.cell && this.maps?.layers[this.cell.layer];
    if (!m || e.target !== this.element) return;
    const flat = m.shape.length !== 3;
    const strip = stripWidth(m.data.length);
    const steps: Record<string, readonly [number, number, number]> = flat
      ? { ArrowLeft: [0, 0, -1], ArrowRight: [0, 0, 1], ArrowUp: [0, 0, -strip], ArrowDown: [0, 0, strip], PageUp: [0, 0, -strip], PageDown: [0, 0, strip] }
      : { ArrowLeft: [0, -1, 0], ArrowRight: [0, 1, 0], ArrowUp: [-1, 0, 0], ArrowDown: [1, 0, 0], PageUp: [0, 0, -1], PageDown: [0, 0, 1] };
    const step = steps[e.key];
    if (step) {
      e.preventDefault();
      this.move(...step);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.close();
    }
  }

  /** Asks for the current cell; a reply for a cell left meanwhile is dropped and the newest asked for. */
  private async fetch(): Promise<void> {
    if (this.inFlight) {
      this.queued = true;
      return;
    }
    this.inFlight = true;
    this.element.setAttribute('aria-busy', 'true');
    try {
      do {
        this.queued = false;
        const cell = this.cell;
        if (!cell) break;
        try {
          const r = await this.host.request<CellExplanation>({ type: 'explainCell', sample: { kind: 'inspected' }, layer: cell.layer, position: { row: cell.row, col: cell.col, channel: cell.channel } });
          if (!this.queued && sameCell(this.cell, cell)) {
            this.result = r;
            this.error = undefined;
          }
        } catch (e) {
          if (!this.queued && sameCell(this.cell, cell)) {
            this.result = undefined;
            this.error = e instanceof Error ? e.message : String(e);
          }
        }
      } while (this.queued);
    } finally {
      this.inFlight = false;
      this.element.removeAttribute('aria-busy');
      this.render();
    }
  }

  private render(): void {
    const cell = this.cell;
    const maps = this.maps;
    const m = cell && maps?.layers[cell.layer];
    if (!cell || !maps || !m) return;
    const [rows, cols, channels] = cellGrid(m);
    const flat = m.shape.length !== 3;
    const where = flat ? `unit ${cell.channel} of ${channels}` : `row ${cell.row}, column ${cell.col}, channel ${cell.channel} of ${rows}×${cols}×${channels}`;
    const r = this.result && sameCell(cell, { layer: this.result.layerIndex, ...this.result.position }) ? this.result : undefined;
    this.element.setAttribute('aria-label', `Explanation of ${m.name}, ${where}`);
    this.element.dataset.layer = m.name;
    this.element.dataset.cell = `${cell.row},${cell.col},${cell.channel}`;
    const close = h('button', { class: 'icon-button', type: 'button', id: 'explain-close', title: 'Close (Escape)', 'aria-label': 'Close the explanation' }, '×');
    close.addEventListener('click', () => this.close());
    const isOutput = cell.layer === maps.layers.length - 1;
    const body = r
      ? breakdown(r, { firstChannels: FIRST_CHANNELS, allChannels: this.allChannels, showAllChannels: () => ((this.allChannels = true), this.render()), labels: isOutput ? maps.classes : undefined })
      : [h('p', { class: this.error ? 'error-message' : 'hint' }, this.error ?? 'Computing…')];
    replaceContent(this.element, [
      h('header', { class: 'explain-header' }, h('h4', {}, `${m.name}`, h('span', { class: 'meta' }, `${r ? ` (${r.layerType})` : ''} · ${where}`)), close),
      h('p', { class: 'hint' }, flat ? 'Arrow keys: previous/next unit · Escape: close' : 'Arrow keys: move the cell · Page Up/Down: channel · Escape: close'),
      h('div', { class: 'explain-body' }, r ? receptiveFigure(maps, r) : null, h('div', { class: 'explain-steps' }, body)),
      r ? resultLine(r, mapValue(m, cell), maps.epoch) : null,
    ]);
  }
}

const sameCell = (a: CellRef | undefined, b: CellRef): boolean => a !== undefined && a.layer === b.layer && a.row === b.row && a.col === b.col && a.channel === b.channel;

function clamp(c: CellRef, m: MapView): CellRef {
  const [rows, cols, channels] = cellGrid(m);
  const fit = (v: number, n: number): number => Math.max(0, Math.min(n - 1, Math.round(v)));
  return { layer: c.layer, row: fit(c.row, rows), col: fit(c.col, cols), channel: fit(c.channel, channels) };
}

/** The input image with the cell's receptive field outlined. */
function receptiveFigure(maps: FeatureMapsView, r: CellExplanation): HTMLElement {
  const [ih, iw, ic] = maps.input.shape;
  const img = heatmap(maps.input.data, ih, iw, ic, 0, 0, 1, ic === 3, 'input');
  img.style.width = `${INPUT_PX}px`;
  img.style.height = `${Math.round((INPUT_PX * ih) / iw)}px`;
  const [r0, r1] = r.receptiveField.rows;
  const [c0, c1] = r.receptiveField.cols;
  const box = h('span', { class: 'rf-box', title: `rows ${r0}–${r1}, columns ${c0}–${c1} of the input` });
  box.style.top = `${(100 * r0) / ih}%`;
  box.style.left = `${(100 * c0) / iw}%`;
  box.style.height = `${(100 * (r1 - r0 + 1)) / ih}%`;
  box.style.width = `${(100 * (c1 - c0 + 1)) / iw}%`;
  const whole = r0 === 0 && c0 === 0 && r1 === ih - 1 && c1 === iw - 1;
  return h(
    'figure',
    { class: 'receptive' },
    h('span', { class: 'rf-wrap' }, img, box),
    h('figcaption', {}, whole ? 'Receptive field: the whole image' : `Receptive field: rows ${r0}–${r1}, columns ${c0}–${c1} (${r1 - r0 + 1}×${c1 - c0 + 1})`),
  );
}

/** The breakdown's result, the engine's value and the feature map's value, side by side (6 digits; exact on hover). */
function resultLine(r: CellExplanation, shown: number, epoch: number): HTMLElement {
  const sum = breakdownResult(r);
  const tol = 1e-5 * Math.max(1, Math.abs(r.value));
  const agrees = Math.abs(sum - r.value) <= tol;
  const stale = Math.abs(shown - r.value) > tol;
  const cell = (id: string, v: number): HTMLElement => h('strong', { class: 'n', id, title: String(v), 'data-exact': String(v) }, fmt(v, 6));
  return h(
    'div',
    { class: 'result-line', role: 'status' },
    h('span', {}, 'Output: ', cell('explain-sum', sum)),
    h('span', {}, 'engine: ', cell('explain-value', r.value)),
    h('span', {}, 'feature map: ', cell('explain-map-value', shown)),
    h('span', { class: agrees ? 'check ok' : 'check bad', title: `|breakdown − engine| = ${Math.abs(sum - r.value)}` }, agrees ? [h('span', { class: 'mark' }, '✓'), " the terms add up to the engine's value"] : [h('span', { class: 'mark' }, '✗'), ` differs by ${fmt(Math.abs(sum - r.value))}`]),
    stale ? h('p', { class: 'hint' }, `The feature maps were drawn${epoch ? ` after epoch ${epoch}` : ''} with other weights; the breakdown uses the current ones.`) : null,
  );
}

// Live loss and accuracy curves (uPlot): train, validation and test per epoch, plus the running train value
// of the epoch in progress at a fractional x, so the curve moves during the first epoch too.
import uPlot from 'uplot';
import { tickLabels } from './ticks';
import 'uplot/dist/uPlot.min.css';
import type { BatchView, EpochView } from '../../src/protocol/training';
import { h } from '../shared/dom';

type Metric = 'loss' | 'accuracy';

/** Canvas colours come from the theme's CSS variables, read from computed style. */
export function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** VS Code changes the body's class on a theme switch: the charts read their colours again. */
export function onThemeChange(callback: () => void): void {
  new MutationObserver(callback).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}

const SERIES: Record<Metric, readonly { label: string; pick: (m: EpochView) => number | undefined; color: string }[]> = {
  loss: [
    { label: 'train loss', pick: (m) => m.trainLoss, color: '--vscode-charts-blue' },
    { label: 'val loss', pick: (m) => m.valLoss, color: '--vscode-charts-orange' },
    { label: 'test loss', pick: (m) => m.testLoss, color: '--vscode-charts-green' },
  ],
  accuracy: [
    { label: 'train acc', pick: (m) => m.trainAccuracy, color: '--vscode-charts-blue' },
    { label: 'val acc', pick: (m) => m.valAccuracy, color: '--vscode-charts-orange' },
    { label: 'test acc', pick: (m) => m.testAccuracy, color: '--vscode-charts-green' },
  ],
};

export class Chart {
  readonly element: HTMLElement;
  private plot?: uPlot;
  private logScale = false;
  private smoothing = false;
  private raw: { xs: number[]; ys: (number | null)[][] } = { xs: [], ys: [] };
  private data: uPlot.AlignedData = [[]];

  constructor(
    private readonly metric: Metric,
    private readonly title: string,
  ) {
    this.element = h('div', { class: 'chart', 'data-metric': metric, 'data-points': 0 });
  }

  setLogScale(on: boolean): void {
    if (on === this.logScale) return;
    this.logScale = on;
    this.rebuild();
  }

  /** Exponential moving average of every curve; off by default, and the title says so when on. */
  setSmoothing(on: boolean): void {
    if (on === this.smoothing) return;
    this.smoothing = on;
    this.data = [this.raw.xs, ...this.raw.ys.map((y) => (on ? smooth(y) : y))];
    this.rebuild();
  }

  update(history: readonly EpochView[], live?: BatchView): void {
    const series = SERIES[this.metric];
    const xs: number[] = history.map((m) => m.epoch);
    const ys = series.map((s) => history.map((m) => s.pick(m) ?? null));
    if (live && live.batch < live.batches && !history.some((m) => m.epoch === live.epoch)) {
      xs.push(live.epoch - 1 + live.batch / live.batches);
      ys[0].push(this.metric === 'loss' ? live.loss : live.accuracy);
      ys.slice(1).forEach((y) => y.push(null));
    }
    this.raw = { xs, ys };
    this.data = [xs, ...ys.map((y) => (this.smoothing ? smooth(y) : y))];
    const points = ys.reduce((n, y) => n + y.filter((v) => v !== null).length, 0);
    this.element.dataset.points = String(points);
    if (!this.plot) this.rebuild();
    else this.plot.setData(this.data);
  }

  /** Theme change or resize: colours and sizes are read again. */
  rebuild(): void {
    this.plot?.destroy();
    const fg = cssVar('--vscode-foreground', '#ccc');
    const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const width = Math.max(240, Math.min(560, (this.element.parentElement?.clientWidth ?? 480) - 8));
    this.plot = new uPlot(
      {
        title: this.smoothing ? `${this.title} (smoothed, EMA ${SMOOTHING})` : this.title,
        width,
        height: 200,
        scales: { x: { time: false }, y: this.metric === 'loss' && this.logScale ? { distr: 3 } : this.metric === 'accuracy' ? { range: [0, 1] } : {} },
        // Epochs are whole; value ticks get the decimals their spacing needs (tickLabels).
        axes: [{ ...axis, label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] }, { ...axis, values: (_u, ticks) => tickLabels(ticks, this.metric === 'accuracy') }],
        series: [{ label: 'epoch' }, ...SERIES[this.metric].map((s) => ({ label: s.label, stroke: cssVar(s.color, '#3794ff'), width: 2, points: { show: true, size: 5 }, spanGaps: true }))],
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
      },
      this.data,
      this.element,
    );
  }
}

const SMOOTHING = 0.6;

function smooth(values: readonly (number | null)[]): (number | null)[] {
  let last: number | undefined;
  return values.map((v) => {
    if (v === null) return null;
    last = last === undefined ? v : SMOOTHING * last + (1 - SMOOTHING) * v;
    return last;
  });
}

/** The per-epoch table, learning rate included. */
export function epochTable(history: readonly EpochView[]): HTMLElement {
  const pct = (v?: number): string => (v === undefined ? '–' : `${(100 * v).toFixed(2)}%`);
  const num = (v?: number): string => (v === undefined ? '–' : v.toFixed(4));
  const head = ['epoch', 'loss', 'acc', 'val loss', 'val acc', 'test loss', 'test acc', 'learning rate', 'time', 'samples/s'];
  return h(
    'table',
    { class: 'epochs', 'aria-label': 'Metrics per epoch' },
    h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      history.map((m) =>
        h(
          'tr',
          {},
          ...[String(m.epoch), num(m.trainLoss), pct(m.trainAccuracy), num(m.valLoss), pct(m.valAccuracy), num(m.testLoss), pct(m.testAccuracy), m.learningRate.toPrecision(3), `${m.seconds.toFixed(1)}s`, m.samplesPerSecond ? String(Math.round(m.samplesPerSecond)) : '–'].map((v) =>
            h('td', { class: 'num' }, v),
          ),
        ),
      ),
    ),
  );
}

// Training health in the training view: the warnings the run raised (each names the layer and the remedy), then a
// layer × epoch heat table of one figure at a time (gradient norm, update-to-weight ratio, dead ReLU units,
// saturated sigmoid/tanh outputs), shaded with the theme's colours. The figures come with every epoch
// (EpochView.health); docs/training-health.md says how they are measured.
import { assertNever } from '../../src/model/assertNever';
import type { EpochHealthView, EpochView, HealthFigure, HealthWarning, LayerHealthView } from '../../src/protocol/training';
import { h } from '../shared/dom';

type Metric = 'gradNorm' | 'updateRatio' | 'dead' | 'saturated';

const METRICS: Record<Metric, { label: string; about: string; log: boolean }> = {
  gradNorm: { label: 'Gradient norm', about: '‖∂loss/∂θ‖ of each layer with parameters, the mean of the measured steps (log shading).', log: true },
  updateRatio: { label: 'Update / weight', about: '‖Δθ‖ / ‖θ‖ of the optimizer step; around 1e-3 is typical (log shading).', log: true },
  dead: { label: 'Dead ReLU units', about: 'The fraction of units (channels, neurons) whose output was ≤ 0 for every measured sample; 50% or more is warned about.', log: false },
  saturated: { label: 'Saturated sigmoid/tanh', about: 'The fraction of outputs below 0.01 or above 0.99 (sigmoid), beyond ±0.99 (tanh).', log: false },
};
const ORDER: readonly Metric[] = ['gradNorm', 'updateRatio', 'dead', 'saturated'];
/** The figure shown, kept across re-renders. */
let shown: Metric = 'gradNorm';

const KIND_TEXT: Record<HealthWarning['kind'], string> = {
  deadUnits: 'Dead units',
  vanishingGradients: 'Vanishing gradients',
  explodingGradients: 'Exploding gradients',
  overfitting: 'Overfitting',
};

function value(l: LayerHealthView, m: Metric): HealthFigure | undefined {
  switch (m) {
    case 'gradNorm':
      return l.gradNorm;
    case 'updateRatio':
      return l.updateRatio;
    case 'dead':
      return l.dead;
    case 'saturated':
      return l.output ? undefined : l.saturated;
    default:
      return assertNever(m, 'metric');
  }
}

function fmt(v: number, fraction: boolean): string {
  if (fraction) return v === 0 ? '0%' : v < 0.001 ? '<0.1%' : `${(100 * v).toFixed(v < 0.01 ? 1 : 0)}%`;
  return v === 0 ? '0' : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e3 ? v.toPrecision(3) : v.toExponential(1);
}

function warningList(warnings: readonly HealthWarning[]): HTMLElement {
  if (warnings.length === 0) return h('p', { class: 'health-ok meta', id: 'health-ok' }, 'No training-health warnings.');
  return h(
    'ul',
    { class: 'health-warnings', id: 'health-warnings', 'aria-label': 'Training-health warnings' },
    warnings.map((w) =>
      h('li', { class: `health-warning kind-${w.kind}`, 'data-kind': w.kind, 'data-layer': w.layer ?? '' }, h('strong', {}, `⚠ ${KIND_TEXT[w.kind]}`), h('span', { class: 'meta' }, ` (epoch ${w.epoch}) `), w.message, ' ', h('span', { class: 'remedy' }, w.remedy)),
    ),
  );
}

/** Shading strength in [0, 1]: log position between the table's extremes for norms, the fraction itself otherwise. */
function shade(v: number, m: Metric, lo: number, hi: number): number {
  if (!METRICS[m].log) return Math.max(0, Math.min(1, v));
  if (!(v > 0) || !(hi > lo)) return v > 0 ? 0.5 : 0;
  return (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
}

function heatTable(epochs: readonly EpochHealthView[], m: Metric): HTMLElement {
  const rows = new Map<number, string>();
  for (const e of epochs) for (const l of e.layers) if (value(l, m) !== undefined) rows.set(l.index, l.layer);
  if (rows.size === 0) return h('p', { class: 'hint' }, `No layer of this model has this figure.`);
  const finite = epochs.flatMap((e) => e.layers.map((l) => value(l, m))).filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 0;
  const fraction = !METRICS[m].log;
  const order = [...rows.entries()].sort((a, b) => a[0] - b[0]);
  return h(
    'table',
    { class: 'health-table', 'data-metric': m },
    h('caption', { class: 'meta' }, METRICS[m].about),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'layer'), epochs.map((e) => h('th', { scope: 'col', class: 'num' }, `epoch ${e.epoch}`)))),
    h(
      'tbody',
      {},
      order.map(([index, name]) =>
        h(
          'tr',
          { 'data-layer': name },
          h('th', { scope: 'row' }, name),
          epochs.map((e) => {
            const l = e.layers.find((x) => x.index === index);
            const v = l && value(l, m);
            if (v === undefined) return h('td', { class: 'num' }, '');
            if (v === null) return h('td', { class: 'num health-bad', title: 'not finite (NaN or ∞)' }, 'NaN');
            const td = h('td', { class: 'num health-cell', title: `${name}, epoch ${e.epoch}: ${v}` }, fmt(v, fraction));
            // CSSOM, not a style attribute: the CSP allows it. The theme's colour, stronger for larger values.
            td.style.backgroundColor = `color-mix(in srgb, var(--vscode-charts-${fraction ? 'orange' : 'blue'}) ${Math.round(8 + 52 * shade(v, m, lo, hi))}%, transparent)`;
            return td;
          }),
        ),
      ),
    ),
  );
}

/** The health section for the run's epochs so far; null before the first measured epoch. */
export function renderHealth(history: readonly EpochView[], rerender: () => void): HTMLElement | null {
  const epochs = history.map((e) => e.health).filter((x): x is EpochHealthView => x !== undefined);
  if (epochs.length === 0) return null;
  const available = ORDER.filter((m) => epochs.some((e) => e.layers.some((l) => value(l, m) !== undefined)));
  if (!available.includes(shown)) shown = available[0] ?? 'gradNorm';
  const picker = h(
    'select',
    { id: 'health-metric', 'aria-label': 'Figure', 'data-focus-key': 'health-metric' },
    available.map((m) => h('option', { value: m, selected: m === shown }, METRICS[m].label)),
  );
  picker.addEventListener('change', () => {
    shown = ORDER.find((m) => m === picker.value) ?? 'gradNorm';
    rerender();
  });
  const last = epochs[epochs.length - 1]!;
  return h(
    'section',
    { class: 'training-health', 'aria-label': 'Training health' },
    h('h2', {}, 'Training health'),
    warningList(epochs.flatMap((e) => e.warnings)),
    h('div', { class: 'health-tools' }, h('label', { for: 'health-metric' }, 'Show '), picker, h('span', { class: 'meta' }, ` · measured on ${last.steps} steps (${last.samples} samples) per epoch`)),
    h('div', { class: 'table-wrap' }, heatTable(epochs, shown)),
  );
}

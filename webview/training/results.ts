// After training: per-class accuracy and a confusion matrix whose cells list the misclassified samples,
// with their images and, for image folders, a link that opens the file.
import type { EvaluationView } from '../../src/protocol/training';
import { h } from '../shared/dom';
import type { AttributionBlock } from './attribution';
import { heatmap } from './heatmap';

export interface ResultsActions {
  /** Selected cell [actual, predicted], or undefined. */
  readonly selected?: readonly [number, number];
  select(cell: readonly [number, number] | undefined): void;
  openSample(index: number): void;
  /** Grad-CAM / saliency of the misclassified sample picked in the list. */
  readonly attribution: AttributionBlock;
}

/** The misclassified sample picked (its position in ev.misclassified), for the confusion cell it belongs to. */
let picked: { readonly cell: string; readonly k: number } | undefined;

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);

export function renderResults(ev: EvaluationView, actions: ResultsActions): HTMLElement {
  const n = ev.classes.length;
  const max = ev.confusion.reduce((m, row) => row.reduce((a, v) => Math.max(a, v), m), 1);
  const header = h('tr', {}, h('th', { scope: 'col', class: 'corner' }, 'actual ╲ predicted'), ev.classes.map((c) => h('th', { scope: 'col' }, c)));
  const rows = ev.confusion.map((row, a) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, ev.classes[a]),
      row.map((count, p) => {
        const wrong = a !== p && count > 0;
        const selected = actions.selected?.[0] === a && actions.selected?.[1] === p;
        const td = h('td', {
          class: `cell${a === p ? ' diagonal' : ''}${wrong ? ' wrong' : ''}${selected ? ' selected' : ''}`,
          'data-actual': a,
          'data-predicted': p,
          tabindex: wrong ? 0 : undefined,
          role: wrong ? 'button' : undefined,
          title: `${count} × actual ${ev.classes[a]}, predicted ${ev.classes[p]}`,
        }, count ? String(count) : '');
        // The shade encodes the count: the theme's chart colour mixed in proportion.
        if (count > 0) td.style.backgroundColor = `color-mix(in srgb, var(${a === p ? '--vscode-charts-green' : '--vscode-charts-red'}) ${Math.round(15 + (60 * count) / max)}%, transparent)`;
        if (wrong) {
          const pick = (): void => actions.select(selected ? undefined : [a, p]);
          td.addEventListener('click', pick);
          td.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), pick()));
        }
        return td;
      }),
    ),
  );
  const perClass = h(
    'table',
    { class: 'per-class', 'aria-label': 'Accuracy per class' },
    h('thead', {}, h('tr', {}, h('th', {}, 'class'), h('th', {}, 'accuracy'), h('th', {}, 'samples'))),
    h('tbody', {}, ev.classes.map((c, i) => h('tr', {}, h('td', {}, c), h('td', { class: 'num' }, pct(ev.perClass[i])), h('td', { class: 'num' }, String(ev.confusion[i]?.reduce((s, v) => s + v, 0) ?? 0))))),
  );
  return h(
    'section',
    { class: 'results', 'aria-label': 'Results' },
    h('h3', {}, `${ev.on === 'test' ? 'Test' : 'Training'} accuracy ${pct(ev.accuracy)} on ${ev.count} samples · loss ${ev.loss.toFixed(4)}`),
    h('div', { class: 'results-row' }, h('table', { class: 'confusion', 'aria-label': `Confusion matrix, ${n} classes` }, h('thead', {}, header), h('tbody', {}, rows)), perClass),
    actions.selected ? misclassifiedList(ev, actions.selected, actions) : h('p', { class: 'hint' }, 'Click an off-diagonal cell to see its misclassified samples.'),
  );
}

function misclassifiedList(ev: EvaluationView, [a, p]: readonly [number, number], actions: ResultsActions): HTMLElement {
  const thumbs = ev.thumbnails;
  const [, th, tw, tc] = thumbs?.shape ?? [0, 0, 0, 0];
  const cell = `${a},${p}`;
  if (picked?.cell !== cell) picked = undefined;
  const section = h('section', { class: 'misclassified' });
  const show = (k: number): void => {
    const m = ev.misclassified[k];
    if (!m) return;
    picked = { cell, k };
    for (const b of section.querySelectorAll('.sample-pick')) b.setAttribute('aria-pressed', String(b.getAttribute('data-k') === String(k)));
    // The evaluation's loss tells one training's results from the next one's (the weights changed).
    actions.attribution.show({ kind: 'dataset', split: ev.on, index: m.index }, `${ev.on}#${m.index}@${ev.loss}`);
    if (!actions.attribution.element.isConnected) section.append(actions.attribution.element);
  };
  const items = ev.misclassified
    .map((m, k) => ({ m, k }))
    .filter(({ m }) => m.actual === a && m.predicted === p)
    .map(({ m, k }) => {
      const hasThumb = thumbs && k < thumbs.shape[0];
      const img = hasThumb ? heatmap(thumbs.data.subarray(k * th * tw * tc, (k + 1) * th * tw * tc), th, tw, tc, 0, 0, 255, tc === 3, 'thumb') : null;
      if (img) img.style.width = img.style.height = '48px';
      const name = m.file ? m.file.replace(/^.*[\\/]/, '') : `${ev.on} #${m.index}`;
      const pick = h('button', { type: 'button', class: 'sample-pick', 'data-k': k, 'data-index': m.index, 'aria-pressed': String(picked?.k === k), title: `Where the model looks in ${name}` }, img ?? name);
      pick.addEventListener('click', () => show(k));
      const label = m.file ? h('a', { href: '#', class: 'open-file', title: m.file }, name) : h('span', {}, name);
      if (m.file) label.addEventListener('click', (e) => (e.preventDefault(), actions.openSample(k)));
      return h('li', { class: 'sample' }, pick, label);
    });
  const listed = ev.misclassified.length;
  section.append(
    h('h4', {}, `Actual ${ev.classes[a]}, predicted ${ev.classes[p]}: ${items.length} sample${items.length === 1 ? '' : 's'}${listed >= 2000 ? ' (of the first 2000 misclassified)' : ''}`),
    h('p', { class: 'hint' }, 'Pick a sample to see where the model looks (Grad-CAM or saliency).'),
    h('ul', {}, items),
  );
  if (picked) show(picked.k);
  return section;
}

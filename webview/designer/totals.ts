// Model totals from the one analysis: parameters, weight size, compute, activation and training memory.
import { formatBytes, formatCompact, formatCount } from '../../src/model/format';
import type { DesignerView } from '../../src/protocol/designer';
import { h } from '../shared/dom';

export function renderTotals(view: DesignerView): HTMLElement {
  const t = view.totals;
  const section = h('section', { id: 'totals', class: 'totals', 'aria-label': 'Totals' });
  if (!t) {
    section.append(h('p', { class: 'hint' }, 'Totals appear once the input shape and layers are readable.'));
    return section;
  }
  const m = view.memory;
  // Hover: the largest consumers, as the CLI's warning names them.
  const largest = m?.consumers.map((c) => `${c.label}: ${formatBytes(c.bytes)}`).join('\n');
  const item = (key: string, label: string, value: string, title?: string): HTMLElement[] => [
    h('dt', {}, label),
    h('dd', { 'data-total': key, title }, value),
  ];
  section.append(
    h(
      'dl',
      {},
      ...item('params', 'Total params', formatCount(t.params)),
      ...item('trainable', 'Trainable', formatCount(t.trainable)),
      ...item('non-trainable', 'Non-trainable', formatCount(t.nonTrainable)),
      ...item('weights', 'Weights', formatBytes(t.weightBytes), 'float32'),
      ...item('macs', 'Mult-adds / sample', formatCompact(t.macs), formatCount(t.macs)),
      ...item('activations', `Activations × batch ${view.batchSize}`, formatBytes(t.activationBytesPerSample * view.batchSize), `${formatBytes(t.activationBytesPerSample)} per sample (forward pass)`),
      ...(m ? item('training-memory', `Training memory (batch ${m.batchSize}, ${m.optimizer})`, formatBytes(m.totalBytes), largest) : []),
    ),
  );
  // The same message training refuses with, before anything is allocated.
  if (m?.warning) section.append(h('p', { class: 'warning', role: 'alert', 'data-total': 'memory-warning' }, m.warning));
  return section;
}

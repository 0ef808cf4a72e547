// The top of the .onnx view: the file, the summary line ("52 nodes, 11.7M parameters, 2 unsupported: HardSwish ×2"),
// its facts (opset, producer, inputs and outputs), "Convert to .cnn.json" (disabled, saying why, unless every node
// converts), the model's problems and the import's notes.
import type { OnnxView, TensorView } from '../../src/protocol/onnxView';
import { button, h } from '../shared/dom';
import { blockedReason, count, dims, summaryLine } from './format';

export type GraphView = Extract<OnnxView, { readonly kind: 'graph' }>;

export function renderSummary(view: GraphView, onConvert: () => void): HTMLElement {
  const g = view.graph;
  const facts: string[] = [
    `${count(g.params)} parameters in ${count(g.initializers)} initializers`,
    `opset ${g.opset || '?'}`,
    `IR version ${g.irVersion || '?'}`,
    g.producer ? `made by ${g.producer}` : 'producer not named',
  ];
  return h(
    'header',
    { id: 'summary', class: 'summary' },
    h('h1', {}, h('span', { class: 'file' }, view.file), h('span', { class: 'read-only-tag' }, 'read-only')),
    h('p', { id: 'summary-line', class: `summary-line${g.unsupported > 0 ? ' blocked' : ''}` }, summaryLine(g)),
    h('p', { id: 'facts', class: 'facts' }, facts.join(' · ')),
    h('p', { class: 'io' }, tensors('input', g.inputs), ' → ', tensors('output', g.outputs)),
    g.description && h('p', { class: 'description' }, g.description),
    renderConvert(view, onConvert),
    g.problems.length > 0 && h('ul', { id: 'problems', class: 'problems' }, g.problems.map((p) => h('li', {}, p))),
    g.notes.length > 0 && h('ul', { id: 'notes', class: 'notes' }, g.notes.map((n) => h('li', {}, n))),
  );
}

function tensors(what: string, list: readonly TensorView[]): HTMLElement {
  const text = list.length === 0 ? `no ${what}` : list.map((t) => `${t.name} ${t.type}${t.dims ? ` ${dims(t.dims)}` : ''}`).join(', ');
  return h('span', { class: `tensors ${what}s` }, `${list.length === 1 ? what : `${what}s`} ${text}`);
}

/** Convert, offered when every node converts; otherwise shown disabled, with the reason beside it. */
function renderConvert(view: GraphView, onConvert: () => void): HTMLElement {
  const g = view.graph;
  if (view.convertible) {
    return h(
      'div',
      { id: 'verdict', class: 'verdict ok' },
      h('span', {}, `Every node converts to CNN Studio layers.`),
      button('Convert to .cnn.json', { id: 'convert', title: `Writes ${view.convertTo} and its weights beside ${view.file}, then opens it for editing and training` }, onConvert, false),
    );
  }
  const reason = `Cannot convert: ${blockedReason(g)}`;
  const first = g.nodes.find((n) => n.status === 'unsupported');
  return h(
    'div',
    { id: 'verdict', class: 'verdict blocked' },
    button('Convert to .cnn.json', { id: 'convert', disabled: true, title: reason, 'aria-describedby': 'blocked-reason' }, () => undefined, false),
    h('span', { id: 'blocked-reason' }, reason),
    first && h('a', { href: `#node-${first.index}`, id: 'first-unsupported', class: 'jump' }, 'Show the first'),
  );
}

// The top of the .onnx view: the file, its facts (nodes, parameters, opset, producer, inputs and outputs), the
// verdict (every node converts, with "Convert to .cnn.json", or how many are unsupported), the model's problems.
import type { NodeView, OnnxGraphView, OnnxView, TensorView } from '../../src/protocol/onnxView';
import { button, h } from '../shared/dom';
import { count, dims } from './format';

type GraphView = Extract<OnnxView, { readonly kind: 'graph' }>;

export function renderSummary(view: GraphView, onConvert: () => void): HTMLElement {
  const g = view.graph;
  const facts: string[] = [
    `${count(g.nodes.length)} ${g.nodes.length === 1 ? 'node' : 'nodes'}`,
    `${count(g.params)} parameters`,
    `opset ${g.opset || '?'}`,
    g.producer ? `made by ${g.producer}` : 'producer not named',
  ];
  return h(
    'header',
    { id: 'summary', class: 'summary' },
    h('h1', {}, h('span', { class: 'file' }, view.file), h('span', { class: 'read-only-tag' }, 'read-only')),
    h('p', { id: 'facts', class: 'facts' }, facts.join(' · ')),
    h('p', { class: 'io' }, tensors('input', g.inputs), ' → ', tensors('output', g.outputs)),
    g.description && h('p', { class: 'description' }, g.description),
    renderVerdict(view, onConvert),
    g.problems.length > 0 && h('ul', { id: 'problems', class: 'problems' }, g.problems.map((p) => h('li', {}, p))),
    g.notes.length > 0 && h('ul', { id: 'notes', class: 'notes' }, g.notes.map((n) => h('li', {}, n))),
  );
}

function tensors(what: string, list: readonly TensorView[]): HTMLElement {
  const text = list.length === 0 ? `no ${what}` : list.map((t) => `${t.name} ${t.type}${t.dims ? ` ${dims(t.dims)}` : ''}`).join(', ');
  return h('span', { class: `tensors ${what}s` }, `${list.length === 1 ? what : `${what}s`} ${text}`);
}

function renderVerdict(view: GraphView, onConvert: () => void): HTMLElement {
  const g = view.graph;
  if (view.convertible) {
    return h(
      'div',
      { id: 'verdict', class: 'verdict ok', role: 'status' },
      h('span', {}, 'Every node converts to CNN Studio layers.'),
      button('Convert to .cnn.json', { id: 'convert', title: `Writes ${view.convertTo} and its weights beside ${view.file}, then opens it for editing and training` }, onConvert, false),
    );
  }
  const unsupported = g.nodes.filter((n) => n.status === 'unsupported');
  const ops = [...new Set(unsupported.map((n) => n.opType))];
  const text = unsupported.length > 0
    ? `${count(unsupported.length)} of ${count(g.nodes.length)} ${g.nodes.length === 1 ? 'node is' : 'nodes are'} not supported (${ops.join(', ')}): the model cannot be converted.`
    : 'The model cannot be converted:';
  return h('div', { id: 'verdict', class: 'verdict blocked', role: 'status' }, h('span', {}, text), unsupported.length > 0 && firstUnsupportedLink(unsupported[0]!));
}

function firstUnsupportedLink(first: NodeView): HTMLElement {
  return h('a', { href: `#node-${first.index}`, id: 'first-unsupported', class: 'jump' }, 'Show the first');
}

export type { GraphView, OnnxGraphView };

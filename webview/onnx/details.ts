// The selected node in full: its inputs (each with where it comes from and its shape), outputs, parameters and
// verdict.
import type { NodeView, OnnxGraphView } from '../../src/protocol/onnxView';
import { h } from '../shared/dom';
import { count, dims, nodeLabel, verdict } from './format';

export function renderDetails(graph: OnnxGraphView, index: number | undefined): HTMLElement {
  const section = h('section', { id: 'details', class: 'details', 'aria-label': 'Selected node' });
  const n = index === undefined ? undefined : graph.nodes[index];
  if (!n) {
    section.append(h('p', { class: 'hint' }, 'Select a node to see its inputs and outputs.'));
    return section;
  }
  const producer = producers(graph.nodes);
  const graphInputs = new Set(graph.inputs.map((t) => t.name));
  const source = (t: string): string => {
    if (!t) return 'absent (optional)';
    const p = producer.get(t);
    if (p) return `from #${p.index} ${p.opType}`;
    return graphInputs.has(t) ? 'model input' : 'initializer';
  };
  section.append(
    h('h2', {}, `#${n.index} ${nodeLabel(n)}`),
    h('p', { id: 'details-verdict', class: `details-verdict status-${n.status}` }, verdict(n, graph.nodes)),
    h('dl', { class: 'io-list' },
      h('dt', {}, 'Inputs'), h('dd', {}, n.inputs.length === 0 ? 'none' : h('ul', {}, n.inputs.map((t, i) => h('li', {}, h('code', {}, t || '""'), ` ${dims(n.inputShapes[i])} — ${source(t)}`)))),
      h('dt', {}, 'Outputs'), h('dd', {}, h('ul', {}, n.outputs.map((t, i) => h('li', {}, h('code', {}, t), ` ${dims(n.outputShapes[i])}`)))),
      h('dt', {}, 'Parameters'), h('dd', {}, count(n.params)),
    ),
  );
  return section;
}

let cache: { nodes: readonly NodeView[]; map: Map<string, NodeView> } | undefined;

/** Tensor → the node that makes it; built once per view. */
function producers(nodes: readonly NodeView[]): Map<string, NodeView> {
  if (cache?.nodes === nodes) return cache.map;
  const map = new Map<string, NodeView>();
  for (const node of nodes) for (const t of node.outputs) if (t) map.set(t, node);
  cache = { nodes, map };
  return map;
}

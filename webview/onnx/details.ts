// The selected node in full: its inputs (with where each comes from and its shape), outputs, parameters and verdict.
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
  const graphInputs = new Map(graph.inputs.map((t) => [t.name, t]));
  const source = (t: string): string => {
    const p = producer.get(t);
    if (p) return `from #${p.node.index} ${p.node.opType}, ${dims(p.node.outputShapes[p.output])}`;
    const input = graphInputs.get(t);
    if (input) return `model input, ${dims(input.dims)}`;
    return t ? 'initializer' : 'absent (optional)';
  };
  section.append(
    h('h2', {}, `#${n.index} ${nodeLabel(n)}`),
    h('p', { class: `details-verdict status-${n.status}` }, verdict(n, graph.nodes)),
    h('dl', { class: 'io-list' },
      h('dt', {}, 'Inputs'), h('dd', {}, h('ul', {}, n.inputs.map((t) => h('li', {}, h('code', {}, t || '""'), ` — ${source(t)}`)))),
      h('dt', {}, 'Outputs'), h('dd', {}, h('ul', {}, n.outputs.map((t, i) => h('li', {}, h('code', {}, t), ` — ${dims(n.outputShapes[i])}`)))),
      h('dt', {}, 'Parameters'), h('dd', {}, count(n.params)),
    ),
  );
  return section;
}

let cache: { nodes: readonly NodeView[]; map: Map<string, { node: NodeView; output: number }> } | undefined;

/** Tensor → the node (and output) that makes it; built once per view. */
function producers(nodes: readonly NodeView[]): Map<string, { node: NodeView; output: number }> {
  if (cache?.nodes === nodes) return cache.map;
  const map = new Map<string, { node: NodeView; output: number }>();
  for (const node of nodes) node.outputs.forEach((t, output) => t && map.set(t, { node, output }));
  cache = { nodes, map };
  return map;
}

// How the .onnx view writes numbers, shapes, a node's verdict and the model's summary. Pure functions of the view
// data, so they are unit-tested.
import { formatCompact, formatCount } from '../../src/model/format';
import type { DimsView, NodeView, OnnxGraphView } from '../../src/protocol/onnxView';

export const count = formatCount;

/** [batch, 64, 112, 112] as ONNX gives it (NCHW), symbols kept; "?" when unknown. */
export function dims(d: DimsView | undefined): string {
  return d ? `[${d.join(', ')}]` : '?';
}

/** "Conv (node "/conv1/Conv")", as the importer's messages name nodes. */
export function nodeLabel(n: NodeView): string {
  return `${n.opType} (node ${n.name ? `"${n.name}"` : `#${n.index}`})`;
}

/** The status cell: what the importer made of the node, in words. */
export function verdict(n: NodeView, nodes: readonly NodeView[]): string {
  switch (n.status) {
    case 'converted':
      return n.layers && n.layers.length > 0 ? `→ ${n.layers.join(', ')}` : 'converted (no layer needed)';
    case 'constant':
      return 'constant';
    case 'fused': {
      const into = n.fusedInto === undefined ? undefined : nodes[n.fusedInto];
      return into ? `fused into #${into.index} ${into.opType}` : 'fused into another node';
    }
    case 'unsupported':
      return `unsupported: ${n.reason ?? 'not supported'}`;
    case 'skipped': {
      const after = n.blockedBy === undefined ? undefined : nodes[n.blockedBy];
      return after ? `not checked: after #${after.index} ${opName(after)}` : `not checked: ${n.reason ?? 'an input was not converted'}`;
    }
    case 'unchecked':
      return 'not checked';
  }
}

/** The unsupported operators, most frequent first: "HardSwish ×2, Einsum". */
export function unsupportedOps(nodes: readonly NodeView[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) if (n.status === 'unsupported') counts.set(opName(n), (counts.get(opName(n)) ?? 0) + 1);
  // A stable sort keeps the graph's order among equal counts.
  return [...counts].sort((a, b) => b[1] - a[1]).map(([op, k]) => (k > 1 ? `${op} ×${k}` : op)).join(', ');
}

/** "52 nodes, 11.7M parameters, 2 unsupported: HardSwish ×2"; "…, every node converts" when none is. */
export function summaryLine(graph: OnnxGraphView): string {
  const nodes = `${count(graph.nodes.length)} ${graph.nodes.length === 1 ? 'node' : 'nodes'}`;
  const params = `${formatCompact(graph.params)} ${graph.params === 1 ? 'parameter' : 'parameters'}`;
  const verdictText = graph.unsupported > 0 ? `${count(graph.unsupported)} unsupported: ${unsupportedOps(graph.nodes)}` : graph.problems.length > 0 ? 'not convertible' : 'every node converts';
  return `${nodes}, ${params}, ${verdictText}`;
}

/** Why "Convert to .cnn.json" is unavailable (a view that is not convertible). */
export function blockedReason(graph: OnnxGraphView): string {
  if (graph.unsupported > 0) {
    const k = graph.unsupported;
    return `${count(k)} ${k === 1 ? 'node is' : 'nodes are'} not supported (${unsupportedOps(graph.nodes)}).`;
  }
  const [first, ...rest] = graph.problems;
  if (!first) return 'the model is not complete.';
  return rest.length > 0 ? `${first} (and ${count(rest.length)} more problem${rest.length === 1 ? '' : 's'}, listed above).` : `${first}.`;
}

export function opName(n: NodeView): string {
  return n.domain ? `${n.domain}.${n.opType}` : n.opType;
}

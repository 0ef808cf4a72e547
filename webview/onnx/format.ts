// How the .onnx view writes numbers, shapes and a node's verdict. Pure functions of the view data.
import type { DimsView, NodeView } from '../../src/protocol/onnxView';

export const count = (n: number): string => n.toLocaleString('en-US');

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
    case 'skipped':
      return `not converted: ${n.reason ?? 'an input was not converted'}`;
    case 'unchecked':
      return 'not checked';
  }
}

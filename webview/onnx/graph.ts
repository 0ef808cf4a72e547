// The .onnx graph as the designer's diagram draws it (webview/designer/diagram.ts, the same component): one row
// per node that carries activations (constants and the initializers they feed left out), an edge from each
// activation input's producer (−1: a graph input). Add, Concat and Mul of two activations are merges, as in the
// designer. An unsupported node is an error (drawn red, its reason in the tooltip), a node skipped after one a
// warning. Shapes in the designer's order, H×W×C: the file's N×C×H×W with the batch dimension dropped and the
// channels moved last (the table beside keeps the file's order, in brackets). No DOM: unit-tested.
import type { DimsView, NodeView, OnnxGraphView } from '../../src/protocol/onnxView';
import type { DiagramRow, DiagramView } from '../designer/diagramView';
import { opName } from './format';

export interface OnnxDiagram {
  readonly view: DiagramView;
  /** Node index → row, −1 for a node not drawn (a constant). */
  readonly rowOfNode: Int32Array;
  /** Row → node index. */
  readonly nodeOfRow: readonly number[];
}

const MERGES: Readonly<Record<string, string>> = { Add: 'add', Concat: 'concatenate', Mul: 'multiply' };

export function onnxDiagram(graph: OnnxGraphView): OnnxDiagram {
  const graphInputs = new Set(graph.inputs.map((t) => t.name));
  const rowOfNode = new Int32Array(graph.nodes.length).fill(-1);
  const nodeOfRow: number[] = [];
  /** Tensor name → the row that produces it. */
  const producer = new Map<string, number>();
  for (const n of graph.nodes) {
    if (n.status === 'constant') continue;
    rowOfNode[n.index] = nodeOfRow.length;
    for (const t of n.outputs) if (t) producer.set(t, nodeOfRow.length);
    nodeOfRow.push(n.index);
  }
  const rows: DiagramRow[] = nodeOfRow.map((index, row) => {
    const n = graph.nodes[index]!;
    const inputs = n.inputs.flatMap((t) => {
      const from = producer.get(t);
      if (from !== undefined && from < row) return [{ index: from }];
      return graphInputs.has(t) ? [{ index: -1 }] : [];
    });
    const type = inputs.length >= 2 && MERGES[n.opType] ? MERGES[n.opType]! : opName(n);
    return {
      index: row,
      type,
      // PyTorch names a node by its module path and operator ("/layer1/layer1.0/relu/Relu"): the path says more.
      name: n.name.replace(new RegExp(`/${n.opType}(_\\d+)?$`), '') || n.name,
      summary: summaryOf(n),
      inputs,
      outputShape: perSample(n.outputShapes[0]),
      errors: n.status === 'unsupported' ? [n.reason ?? `${opName(n)} is not supported`] : [],
      warnings: n.status === 'skipped' ? ['not converted: it comes after an unsupported node'] : [],
    };
  });
  const first = graph.inputs.find((t) => !graph.nodes.some((n) => n.status === 'constant' && n.outputs.includes(t.name)));
  return { view: { rows, inputShape: perSample(first?.dims) }, rowOfNode, nodeOfRow };
}

/** What the node became (block detection compares these too): its layers, or why not. */
function summaryOf(n: NodeView): string {
  if (n.status === 'converted') return (n.layers ?? []).join(', ');
  if (n.status === 'fused') return `fused into #${n.fusedInto ?? '?'}`;
  return n.status;
}

/**
 * The dimensions after the batch one, when all are numbers, as the designer writes them: an image tensor's
 * C×H×W as H×W×C; a vector's as it is.
 */
export function perSample(d: DimsView | undefined): number[] | undefined {
  if (!d || d.length < 2) return undefined;
  const rest = d.slice(1);
  if (!rest.every((x): x is number => typeof x === 'number')) return undefined;
  return rest.length === 3 ? [rest[1]!, rest[2]!, rest[0]!] : rest;
}

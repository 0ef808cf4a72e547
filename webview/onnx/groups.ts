// The node table's groups: exporters name nodes by module path ("/layer1/layer1.0/conv1/Conv", our
// "conv2d_0/Relu"), so consecutive nodes of one module form a group with its totals. The depth adapts to the model:
// a module holding more than half the graph ("features" in DenseNet or EfficientNet) is split into its children.
// Linear in the number of nodes; pure, so it is unit-tested.
import type { NodeView } from '../../src/protocol/onnxView';

export interface NodeGroup {
  /** The module path ("layer1", "features/denseblock1"); undefined for a run of nodes of no module. */
  readonly label?: string;
  /** nodes[first … end) */
  readonly first: number;
  readonly end: number;
  readonly params: number;
  readonly unsupported: number;
}

/** A module deeper than this is shown within its ancestor (a path of 12 levels is no grouping). */
const MAX_DEPTH = 6;
/** A run of nodes of no module that are all constants is shown as one group of this name. */
export const CONSTANTS_LABEL = 'constants';

export function groupNodes(nodes: readonly NodeView[]): NodeGroup[] {
  const paths = nodes.map((n) => n.name.split('/').filter(Boolean).slice(0, MAX_DEPTH + 1));
  // How many nodes each module path holds. A node's own name is a module too when others are named below it
  // ("conv2d_0" and "conv2d_0/Relu").
  const holds = new Map<string, number>();
  for (const p of paths) for (let d = 1; d < p.length; d++) bump(holds, p.slice(0, d).join('/'));
  const keys = paths.map((p, i) => {
    const depth = p.length - (holds.has(p.join('/')) ? 0 : 1);
    let d = 1;
    while (d < depth && (holds.get(p.slice(0, d).join('/')) ?? 0) * 2 > nodes.length) d++;
    if (depth >= 1) return p.slice(0, d).join('/');
    return nodes[i]!.status === 'constant' ? CONSTANTS_LABEL : undefined;
  });
  const groups: NodeGroup[] = [];
  let first = 0;
  for (let i = 1; i <= nodes.length; i++) {
    if (i < nodes.length && keys[i] === keys[first]) continue;
    const label = keys[first];
    const members = nodes.slice(first, i);
    const group = {
      first,
      end: i,
      params: members.reduce((s, n) => s + n.params, 0),
      unsupported: members.filter((n) => n.status === 'unsupported').length,
    };
    // One node is no group: its row says it all.
    groups.push(label !== undefined && i - first > 1 ? { label, ...group } : group);
    first = i;
  }
  return mergePlain(groups);
}

/** Consecutive runs without a label become one. */
function mergePlain(groups: NodeGroup[]): NodeGroup[] {
  const out: NodeGroup[] = [];
  for (const g of groups) {
    const last = out[out.length - 1];
    if (last && last.label === undefined && g.label === undefined) {
      out[out.length - 1] = { first: last.first, end: g.end, params: last.params + g.params, unsupported: last.unsupported + g.unsupported };
    } else {
      out.push(g);
    }
  }
  return out;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

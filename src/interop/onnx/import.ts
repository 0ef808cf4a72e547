// An ONNX model (a CNN of the supported operators, docs/onnx.md) as our model and weights, in our layouts. Every
// node that cannot be converted is listed by operator and node, and then nothing is returned: no partial model.
import type { NamedTensor } from '../../engine/weights';
import { INPUT_DEFAULTS } from '../../model/defaults';
import { RESIZE_POLICIES } from '../../model/resize';
import { analyze } from '../../model/shapes';
import { MODEL_FORMAT, MODEL_INPUT, defaultLayerName, implicitInput, type Layer, type Model, type ResizePolicy, type Shape } from '../../model/types';
import { RESIZE_METADATA_KEY } from '../preprocessing';
import { PRODUCER } from './export';
import { foldConstants, foldNode, isFoldedOperator } from './importFold';
import { describe, ImportGraph, Skipped, Unsupported, type ActValue } from './importGraph';
import { importerOf } from './importOps';
import { passThrough } from './passThrough';
import { resolveExternalData, type ReadExternalData } from './externalData';
import { decodeModel, DataType, OPSET, toNumber, valueInfoDims, valueInfoElemType, type onnx } from './proto';

export interface OnnxImportResult {
  readonly model: Model;
  /** Our weights (`<layer>.<param>`), in the network's parameter order. */
  readonly tensors: readonly NamedTensor[];
  /** From the model's metadata "classes", when it has them. */
  readonly classes?: readonly string[];
  /** What the user should know: the input layout, a renamed layer. */
  readonly notes: readonly string[];
}

export class OnnxImportError extends Error {
  override readonly name = 'OnnxImportError';

  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`);
  }
}

export interface OnnxImportOptions {
  /** The model's name when the file's graph has none of its own (a file not made by CNN Studio). */
  readonly name: string;
  /** Reads tensors kept in files beside the model (files beyond 2 GB); without it such tensors cannot be read. */
  readonly readExternal?: ReadExternalData;
}

export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions): OnnxImportResult {
  let proto: onnx.ModelProto;
  try {
    proto = decodeModel(bytes);
  } catch (e) {
    throw new OnnxImportError([`not an ONNX model: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const graph = proto.graph;
  if (!graph || (graph.node ?? []).length === 0) throw new OnnxImportError(['the ONNX model has no graph (no nodes)']);
  const external = options.readExternal ? resolveExternalData(graph, options.readExternal) : [];
  if (external.length > 0) throw new OnnxImportError(external);
  return completeImport(proto, walkNodes(proto, graph), options);
}

/** The walk's layers as the model, when the walk found no problem and the output is the last layer's. */
export function completeImport(proto: onnx.IModelProto, walk: ImportWalk, options: OnnxImportOptions): OnnxImportResult {
  const { graph: g, notes } = walk;
  const problems = [...walk.problems];
  const output = problems.length ? undefined : readOutput(g, notes, problems);
  if (problems.length || !output) throw new OnnxImportError(problems);
  const ours = proto.producerName === PRODUCER;
  const name = ours && g.graph.name ? g.graph.name : options.name;
  const result = assemble(g, name, proto.docString ?? '', parseResize(proto.metadataProps ?? []), notes);
  const classes = parseClasses(proto.metadataProps ?? []);
  return { ...result, ...(classes ? { classes } : {}), notes };
}

/** What the walk made of one node (the .onnx view shows it, inspect.ts). */
export type NodeOutcome =
  /** Ran: the layers it added, g.layers[first … end) (none for plumbing such as Transpose or Identity). */
  | { readonly kind: 'converted'; readonly first: number; readonly end: number }
  /** Taken by an earlier node's pattern (an activation fused into its conv, the Mul of x · Sigmoid(x)). */
  | { readonly kind: 'fused' }
  | { readonly kind: 'unsupported'; readonly problem: string }
  /** Reads a tensor made by a node that could not be converted (the problem is listed there). */
  | { readonly kind: 'skipped' };

export interface ImportWalk {
  readonly graph: ImportGraph;
  readonly notes: string[];
  /** Every problem, as importOnnx reports them: the model's input, then each unsupported node's in graph order. */
  readonly problems: string[];
  /** Each node's outcome; none when the model's input stopped the walk before the nodes. */
  readonly outcomes: ReadonlyMap<onnx.INodeProto, NodeOutcome>;
}

/** Every node through its importer, collecting each node's problem rather than stopping at the first. */
export function walkNodes(proto: onnx.IModelProto, graph: onnx.IGraphProto): ImportWalk {
  const g = new ImportGraph(graph);
  g.opset = toNumber((proto.opsetImport ?? []).find((o) => !o.domain)?.version) || OPSET;
  const notes: string[] = [];
  const problems: string[] = [];
  const outcomes = new Map<onnx.INodeProto, NodeOutcome>();
  readInput(g, notes, problems);
  if (problems.length) return { graph: g, notes, problems, outcomes };
  // Constants, and arithmetic on constants only, are evaluated first, so a pattern may look ahead at a later one.
  foldConstants(g);
  // An unsupported node's readers are skipped (one problem, not one per reader) unless its output shape is certain.
  const unsupported = (node: onnx.INodeProto, problem: string): void => {
    problems.push(problem);
    outcomes.set(node, { kind: 'unsupported', problem });
    if (!passThrough(g, node)) g.failed.add(node);
  };
  for (const node of graph.node ?? []) {
    if (g.consumed.has(node)) {
      outcomes.set(node, { kind: 'fused' });
      continue;
    }
    if (node.domain) {
      unsupported(node, `${describe(node)}: operator of domain "${node.domain}" is not supported`);
      continue;
    }
    const first = g.layers.length;
    try {
      // Shape arithmetic (on constants and the shapes of activations) first; else the operator's handler.
      if (!foldNode(g, node)) {
        const op = node.opType ?? '';
        const importer = importerOf(op);
        if (importer) importer.run(g, node);
        else if (isFoldedOperator(op)) refuseUnfolded(g, node);
        else throw new Unsupported(`${describe(node)}: operator ${op || '?'} is not supported`);
      }
      outcomes.set(node, { kind: 'converted', first, end: g.layers.length });
    } catch (e) {
      if (e instanceof Skipped) {
        g.failed.add(node);
        outcomes.set(node, { kind: 'skipped' });
      } else if (e instanceof Unsupported) unsupported(node, e.message);
      else throw e;
    }
  }
  return { graph: g, notes, problems, outcomes };
}

/** An operator we only fold, reading an activation's values (not only its shape): says which input. */
function refuseUnfolded(g: ImportGraph, node: onnx.INodeProto): never {
  for (const t of node.input ?? []) {
    if (!t || g.constValue(t)) continue;
    // Throws Skipped when the input's own node was not converted (the problem is listed there).
    g.act(t, node);
    throw new Unsupported(`${describe(node)}: operator ${node.opType ?? '?'} is supported only on constants and shapes (static shape arithmetic), and its input "${t}" holds an activation's values`);
  }
  throw new Unsupported(`${describe(node)}: operator ${node.opType ?? '?'} cannot be evaluated here`);
}

/** The one graph input that is not an initializer: [N, h, w, c] read through a Transpose to NCHW (our export),
 *  else [N, c, h, w]. */
function readInput(g: ImportGraph, notes: string[], problems: string[]): void {
  const initializers = new Set((g.graph.initializer ?? []).map((t) => t.name));
  const inputs = (g.graph.input ?? []).filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1) {
    problems.push(`the model has ${inputs.length} inputs (${inputs.map((i) => `"${i.name ?? ''}"`).join(', ')}): CNN Studio models take one image`);
    return;
  }
  const input = inputs[0]!;
  const name = input.name ?? '';
  const dims = valueInfoDims(input);
  if (valueInfoElemType(input) !== DataType.FLOAT) problems.push(`input "${name}" is not float32`);
  if (!dims || dims.length !== 4 || dims.slice(1).some((d) => d === undefined)) {
    problems.push(`input "${name}" has shape [${(dims ?? []).map((d) => d ?? '?').join(', ')}]: CNN Studio needs an image [batch, channels, height, width] of fixed size`);
    return;
  }
  const [, a, b, c] = dims as [unknown, number, number, number];
  const readers = g.readersOf(name);
  const nhwc = readers.length > 0 && readers.every((r) => r.opType === 'Transpose' && attrPerm(r) === '0,3,1,2');
  const shape: Shape = nhwc ? [a, b, c] : [b, c, a];
  g.inputShape = shape;
  g.values.set(name, { kind: 'act', src: -1, layout: nhwc ? 'nhwc' : 'nchw', shape } satisfies ActValue);
  if (!nhwc) notes.push(`the ONNX input "${name}" is NCHW [N, ${a}, ${b}, ${c}]; the model takes NHWC images ${b}×${c}×${a}`);
}

function attrPerm(node: onnx.INodeProto): string {
  const perm = (node.attribute ?? []).find((a) => a.name === 'perm');
  return (perm?.ints ?? []).map(Number).join(',');
}

function readOutput(g: ImportGraph, notes: string[], problems: string[]): ActValue | undefined {
  const outputs = g.graph.output ?? [];
  if (outputs.length !== 1) {
    problems.push(`the model has ${outputs.length} outputs: CNN Studio models have one`);
    return undefined;
  }
  const name = outputs[0]!.name ?? '';
  const v = g.values.get(name);
  if (v?.kind !== 'act') {
    problems.push(`the output "${name}" is not computed from the input`);
    return undefined;
  }
  if (v.src !== g.layers.length - 1) {
    problems.push(`the output "${name}" is not made by the last node: models whose other nodes do not lead to the output are not supported`);
    return undefined;
  }
  if (v.chw) problems.push(`the output "${name}" is features flattened from NCHW, whose (c, h, w) order CNN Studio's (h, w, c) flatten does not give`);
  if (v.layout === 'nchw') notes.push(`the ONNX output "${name}" is NCHW; the model's output is NHWC`);
  return v;
}

/** Unique names (ONNX hints, else defaultLayerName `<type>_<index>`); `name` and `inputs` written only where needed. */
function assemble(g: ImportGraph, modelName: string, description: string, resize: ResizePolicy | undefined, notes: string[]): { model: Model; tensors: NamedTensor[] } {
  const taken = new Set<string>([MODEL_INPUT]);
  const names = g.layers.map((l, i) => {
    const hint = l.nameHint.trim();
    const base = hint && hint !== MODEL_INPUT ? hint : defaultLayerName(l.layer.type, i);
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    if (hint && name !== hint) notes.push(`layer ${i} is named "${name}": "${hint}" was taken`);
    return name;
  });
  const referenced = new Set<number>();
  const inputsOf = g.layers.map((l, i) => {
    const chain = l.inputs.length === 1 && l.inputs[0] === implicitInput(i);
    if (!chain) for (const j of l.inputs) if (j >= 0) referenced.add(j);
    return chain ? undefined : l.inputs.map((j) => (j < 0 ? MODEL_INPUT : names[j]!));
  });
  // A default name that another layer's default would also produce is kept explicit; so is any referenced name.
  const layers: Layer[] = g.layers.map((l, i) => {
    const keepName = names[i] !== defaultLayerName(l.layer.type, i) || referenced.has(i);
    const inputs = inputsOf[i];
    // type, name and inputs first, as people write them.
    const { type, ...fields } = l.layer;
    return { type, ...(keepName ? { name: names[i] } : {}), ...(inputs ? { inputs } : {}), ...fields } as Layer;
  });
  const model: Model = {
    format: MODEL_FORMAT,
    name: modelName,
    ...(description ? { description } : {}),
    input: { shape: g.inputShape as readonly [number, number, number], ...(resize ? { resize } : {}) },
    layers,
  };
  const analysis = analyze(model.input.shape, model.layers);
  const errors = analysis.layers.flatMap((l) => l.errors.filter((e) => e.severity !== 'warning').map((e) => `layer ${l.index} (${l.name}): ${e.message}`));
  if (!analysis.ok) throw new OnnxImportError(errors.length ? errors : ['the converted model has errors']);
  const tensors = g.layers.flatMap((l, i) => l.params.map((p) => ({ name: `${names[i]!}.${p.param}`, shape: p.shape, data: p.data })));
  return { model, tensors };
}

/** Our export's resize policy (metadata "resize"), when it is one and not the default. */
function parseResize(props: readonly onnx.IStringStringEntryProto[]): ResizePolicy | undefined {
  const raw = props.find((p) => p.key === RESIZE_METADATA_KEY)?.value;
  const policy = RESIZE_POLICIES.find((p) => p === raw);
  return policy !== undefined && policy !== INPUT_DEFAULTS.resize ? policy : undefined;
}

function parseClasses(props: readonly onnx.IStringStringEntryProto[]): string[] | undefined {
  const raw = props.find((p) => p.key === 'classes')?.value;
  if (!raw) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.every((c) => typeof c === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

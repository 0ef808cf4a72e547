// What an ONNX file holds, node by node, whether or not CNN Studio can convert it (the .onnx view shows it, as
// Netron does): each node's operator, tensors, output shapes and parameters, and what the importer made of it —
// the layers, or why not, from the importer's own walk (import.ts walkNodes), never a second opinion. Only a file
// that cannot be read at all (not protobuf, no graph) gives no inspection: one line says why.
import { completeImport, OnnxImportError, walkNodes, type ImportWalk, type NodeOutcome, type OnnxImportOptions, type OnnxImportResult } from './import';
import { describe } from './importGraph';
import { resolveExternalData } from './externalData';
import { DataType, decodeModel, toNumber, type onnx } from './proto';

/** A tensor's dimensions: a number where fixed, the symbol ("batch") or "?" where not. */
export type Dims = readonly (number | string)[];

export interface TensorInfo {
  readonly name: string;
  /** "float32", "int64", …; "?" when the file does not say. */
  readonly type: string;
  readonly dims?: Dims;
}

/**
 * converted: the importer made it into layers (or needs none: Transpose, Identity); constant: a Constant node or
 * an Identity of a constant; fused: taken into another node's layer (an activation into its conv); unsupported:
 * the importer cannot convert it (`reason`); skipped: it reads a node that was not converted; unchecked: the walk
 * stopped before the nodes (a problem of the model's input, see `problems`).
 */
export type NodeStatus = 'converted' | 'constant' | 'fused' | 'unsupported' | 'skipped' | 'unchecked';

export interface InspectedNode {
  /** Position in the graph (the file's order). */
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  /** Absent for the default ONNX domain. */
  readonly domain?: string;
  readonly inputs: readonly string[];
  /** One per input: the file's value info, an initializer's dims, or the shape of the output that makes it. */
  readonly inputShapes: readonly (Dims | undefined)[];
  readonly outputs: readonly string[];
  /** One per output: the file's value info where it declares one, else the importer's shape, else undefined. */
  readonly outputShapes: readonly (Dims | undefined)[];
  /** Elements of the float initializers it reads (directly or through an Identity); a shared one counts at each reader. */
  readonly params: number;
  readonly status: NodeStatus;
  /** converted: the layers it became, e.g. ["zeroPadding2D", "conv2d + relu"]. */
  readonly layers?: readonly string[];
  /** fused: the index of the node whose layer took it. */
  readonly fusedInto?: number;
  /** unsupported: the importer's message; skipped: the unsupported node it comes after. */
  readonly reason?: string;
  /** skipped: the index of that unsupported node. */
  readonly blockedBy?: number;
}

export interface OnnxInspection {
  /** "pytorch 1.13.0"; "" when the file does not say. */
  readonly producer: string;
  readonly irVersion: number;
  /** The default domain's opset; 0 when the file imports none. */
  readonly opset: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly graphName: string;
  readonly description: string;
  /** The graph inputs that are not initializers. */
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly nodes: readonly InspectedNode[];
  /** Elements of every float initializer, each counted once. */
  readonly params: number;
  readonly initializers: number;
  readonly unsupported: number;
  /** Problems of the model as a whole (its input, output, an initializer), not of one node. */
  readonly problems: readonly string[];
  /** What the import noted (the input layout, a renamed layer). */
  readonly notes: readonly string[];
}

export type OnnxInspectionResult =
  /** `imported`: the converted model, present exactly when nothing is unsupported and the model is complete. */
  | { readonly ok: true; readonly inspection: OnnxInspection; readonly imported?: OnnxImportResult }
  /** The file cannot be read as an ONNX model: one line. */
  | { readonly ok: false; readonly problem: string };

const FLOAT_TYPES = new Map<number, number>([[DataType.FLOAT, 4], [DataType.DOUBLE, 8], [DataType.FLOAT16, 2], [DataType.BFLOAT16, 2]]);

export function inspectOnnx(bytes: Uint8Array, options: OnnxImportOptions): OnnxInspectionResult {
  let proto: onnx.ModelProto;
  try {
    proto = decodeModel(bytes);
  } catch (e) {
    return { ok: false, problem: `not an ONNX model: ${e instanceof Error ? e.message : String(e)}` };
  }
  const graph = proto.graph;
  if (!graph || (graph.node ?? []).length === 0) return { ok: false, problem: 'not an ONNX model: it has no graph (no nodes)' };
  const problems: string[] = options.readExternal ? resolveExternalData(graph, options.readExternal) : [];
  const initializers = readInitializers(graph, problems);
  let walk: ImportWalk | undefined;
  let imported: OnnxImportResult | undefined;
  try {
    walk = walkNodes(proto, graph);
    imported = completeImport(proto, walk, options);
  } catch (e) {
    // The problems of nodes are shown at the nodes; the rest are the model's. An importer bug is shown, not thrown.
    const atNodes = new Set([...(walk?.outcomes.values() ?? [])].flatMap((o) => (o.kind === 'unsupported' ? [o.problem] : [])));
    if (e instanceof OnnxImportError) problems.push(...e.problems.filter((p) => !atNodes.has(p)));
    else problems.push(`the importer failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const nodes = inspectNodes(graph, initializers, walk);
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const declaredInputs = (graph.input ?? []).filter((i) => !initializerNames.has(i.name));
  const defaultOpset = (proto.opsetImport ?? []).find((o) => !o.domain);
  const inspection: OnnxInspection = {
    producer: [proto.producerName ?? '', proto.producerVersion ?? ''].filter(Boolean).join(' '),
    irVersion: toNumber(proto.irVersion),
    opset: toNumber(defaultOpset?.version),
    opsets: (proto.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: toNumber(o.version) })),
    graphName: graph.name ?? '',
    description: proto.docString || graph.docString || '',
    inputs: declaredInputs.map(tensorInfo),
    outputs: (graph.output ?? []).map(tensorInfo),
    nodes,
    params: [...initializers.values()].reduce((sum, n) => sum + n, 0),
    initializers: initializers.size,
    unsupported: nodes.filter((n) => n.status === 'unsupported').length,
    problems,
    notes: walk?.notes ?? [],
  };
  return { ok: true, inspection, ...(imported ? { imported } : {}) };
}

/** Float initializers → their element count (what the bytes hold when the dims claim more). */
function readInitializers(graph: onnx.IGraphProto, problems: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of graph.initializer ?? []) {
    const width = FLOAT_TYPES.get(t.dataType ?? 0);
    const name = t.name ?? '';
    if (width === undefined) continue;
    const dims = (t.dims ?? []).map(toNumber);
    const claimed = dims.reduce((a, b) => a * b, 1);
    if (dims.some((d) => !Number.isSafeInteger(d) || d < 0) || !Number.isSafeInteger(claimed)) {
      problems.push(`initializer "${name}" has impossible dimensions [${dims.join(', ')}]`);
      out.set(name, 0);
      continue;
    }
    const held = heldElements(t, width);
    if (held !== undefined && held !== claimed) problems.push(`initializer "${name}" has dimensions [${dims.join(', ')}] (${claimed} values), its data holds ${held}`);
    out.set(name, held === undefined ? claimed : Math.min(held, claimed));
  }
  return out;
}

/** How many values a float tensor's data holds; undefined when they are stored outside the file. */
function heldElements(t: onnx.ITensorProto, width: number): number | undefined {
  if (t.dataLocation === 1) return undefined;
  if (t.rawData && t.rawData.length > 0) return Math.floor(t.rawData.length / width);
  if (t.dataType === DataType.FLOAT) return t.floatData?.length ?? 0;
  if (t.dataType === DataType.DOUBLE) return t.doubleData?.length ?? 0;
  // float16 and bfloat16 values travel in int32Data.
  return t.int32Data?.length ?? 0;
}

function tensorInfo(info: onnx.IValueInfoProto): TensorInfo {
  const dims = declaredDims(info);
  return { name: info.name ?? '', type: typeName(info.type?.tensorType?.elemType), ...(dims ? { dims } : {}) };
}

function declaredDims(info: onnx.IValueInfoProto): Dims | undefined {
  const dims = info.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  return dims.map((d) => (d.dimValue !== null && d.dimValue !== undefined && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : d.dimParam || '?'));
}

function typeName(elemType: number | null | undefined): string {
  const name = elemType ? (DataType as unknown as Record<number, string | undefined>)[elemType] : undefined;
  if (!name) return '?';
  const known: Record<string, string> = { FLOAT: 'float32', DOUBLE: 'float64', FLOAT16: 'float16', BFLOAT16: 'bfloat16' };
  return known[name] ?? name.toLowerCase();
}

function inspectNodes(graph: onnx.IGraphProto, initializers: ReadonlyMap<string, number>, walk: ImportWalk | undefined): InspectedNode[] {
  const nodes = nodeVerdicts(graph, initializers, walk);
  // Each input's shape: declared, an initializer's, else that of the output making it (known by now).
  const declared = declaredShapes(graph);
  for (const t of graph.initializer ?? []) if (t.name && !declared.has(t.name)) declared.set(t.name, (t.dims ?? []).map(toNumber));
  const made = new Map<string, Dims | undefined>();
  for (const n of nodes) n.outputs.forEach((t, k) => t && made.set(t, n.outputShapes[k]));
  return nodes.map((n) => ({ ...n, inputShapes: n.inputs.map((t) => (t ? (declared.get(t) ?? made.get(t)) : undefined)) }));
}

/** Value infos, graph inputs and outputs: the shapes the file declares, by tensor. */
function declaredShapes(graph: onnx.IGraphProto): Map<string, Dims> {
  const declared = new Map<string, Dims>();
  for (const info of [...(graph.valueInfo ?? []), ...(graph.input ?? []), ...(graph.output ?? [])]) {
    const dims = declaredDims(info);
    if (dims && info.name) declared.set(info.name, dims);
  }
  return declared;
}

type NodeVerdict = Omit<InspectedNode, 'inputShapes'>;

function nodeVerdicts(graph: onnx.IGraphProto, initializers: ReadonlyMap<string, number>, walk: ImportWalk | undefined): NodeVerdict[] {
  const graphNodes = graph.node ?? [];
  const declared = declaredShapes(graph);
  const producer = new Map<string, number>();
  graphNodes.forEach((node, i) => (node.output ?? []).forEach((t) => t && producer.set(t, i)));
  // Which node made each layer, to name the node a fused one went into.
  const layerMaker = new Map<number, number>();
  graphNodes.forEach((node, i) => {
    const o = walk?.outcomes.get(node);
    if (o?.kind === 'converted') for (let l = o.first; l < o.end; l++) layerMaker.set(l, i);
  });
  const batch = batchDim(graph);
  // Tensors holding an initializer's values (the initializer, an Identity of it): how many parameters they carry.
  const constElements = new Map(initializers);
  const constant = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const out: NodeVerdict[] = [];
  graphNodes.forEach((node, index) => {
    const inputs = (node.input ?? []).map(String);
    const outputs = (node.output ?? []).map(String);
    const isConstant = (!node.domain && node.opType === 'Constant') || (!node.domain && node.opType === 'Identity' && constant.has(inputs[0] ?? ''));
    if (isConstant) {
      for (const t of outputs) constant.add(t);
      const carried = constElements.get(inputs[0] ?? '');
      if (node.opType === 'Identity' && carried !== undefined) constElements.set(outputs[0] ?? '', carried);
    }
    const params = isConstant ? 0 : [...new Set(inputs)].reduce((sum, t) => sum + (constElements.get(t) ?? 0), 0);
    const outputShapes = outputs.map((t) => declared.get(t) ?? importerDims(walk, t, batch));
    const base = { index, name: node.name ?? '', opType: node.opType ?? '', ...(node.domain ? { domain: node.domain } : {}), inputs, outputs, outputShapes, params };
    const outcome: NodeOutcome | undefined = walk?.outcomes.get(node);
    if (isConstant && outcome?.kind !== 'unsupported') return void out.push({ ...base, status: 'constant' });
    if (!outcome) return void out.push({ ...base, status: 'unchecked' });
    switch (outcome.kind) {
      case 'converted': {
        const layers = walk!.graph.layers.slice(outcome.first, outcome.end).map((l) => {
          const activation = (l.layer as { activation?: unknown }).activation;
          return typeof activation === 'string' && activation !== 'linear' ? `${l.layer.type} + ${activation}` : l.layer.type;
        });
        return void out.push({ ...base, status: 'converted', layers });
      }
      case 'fused': {
        const v = walk!.graph.values.get(outputs[0] ?? '');
        const into = v?.kind === 'act' ? layerMaker.get(v.src) : undefined;
        return void out.push({ ...base, status: 'fused', ...(into !== undefined ? { fusedInto: into } : {}) });
      }
      case 'unsupported':
        return void out.push({ ...base, status: 'unsupported', reason: withoutNodePrefix(outcome.problem, node) });
      case 'skipped': {
        // The unsupported node upstream, through the skipped ones: the one to fix.
        const roots = inputs.map((t) => producer.get(t)).flatMap((p) => (p === undefined ? [] : out[p]?.status === 'unsupported' ? [p] : out[p]?.blockedBy !== undefined ? [out[p]!.blockedBy!] : []));
        const root = roots[0];
        const reason = root === undefined ? 'an input was not converted' : `after ${describe(graphNodes[root]!)}, which is not supported`;
        return void out.push({ ...base, status: 'skipped', reason, ...(root !== undefined ? { blockedBy: root } : {}) });
      }
    }
  });
  // A layer that took its activation leaves its own output without a value: that activation keeps its shape.
  for (const n of out) {
    if (n.status !== 'fused' || n.fusedInto === undefined || n.opType === 'Conv') continue;
    const maker = out[n.fusedInto]!;
    const k = maker.outputs.findIndex((t, i) => n.inputs.includes(t) && maker.outputShapes[i] === undefined);
    if (k >= 0 && n.outputShapes[0]) (maker.outputShapes as (Dims | undefined)[])[k] = n.outputShapes[0];
  }
  return out;
}

/** The importer names the node first ("MaxPool (node "/maxpool/MaxPool"): …"); a row that shows the node needs only the rest. */
function withoutNodePrefix(problem: string, node: onnx.INodeProto): string {
  const prefix = `${describe(node)}: `;
  return problem.startsWith(prefix) ? problem.slice(prefix.length) : problem;
}

/** The batch dimension as the (first) graph input declares it ("batch", 1), else "N". */
function batchDim(graph: onnx.IGraphProto): number | string {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const input = (graph.input ?? []).find((i) => !initializers.has(i.name));
  const first = input ? declaredDims(input)?.[0] : undefined;
  return first === undefined || first === '?' ? 'N' : first;
}

/** A tensor's ONNX dims from the importer's value: our [h, w, c] back in the tensor's own layout. */
function importerDims(walk: ImportWalk | undefined, tensor: string, batch: number | string): Dims | undefined {
  const v = walk?.graph.values.get(tensor);
  if (!v) return undefined;
  if (v.kind === 'const') return v.dims;
  const [h, w, c] = v.shape;
  switch (v.layout) {
    case 'nchw':
      return [batch, c!, h!, w!];
    case 'nhwc':
      return [batch, h!, w!, c!];
    case 'pooled':
      return [batch, v.shape[0]!, 1, 1];
    case 'pooledLast':
      return [batch, 1, 1, v.shape[0]!];
    case 'flat':
      return [batch, v.shape[0]!];
  }
}

// ONNX files beyond protobuf's 2 GB (torch.onnx.export writes them so, e.g. regnet_y_128gf) keep tensors in files
// beside the model: each such tensor names its file (`location`, relative to the model), an offset and a length.
// They are read into the tensor's raw bytes before the import looks at any tensor, so the rest of the importer sees
// an ordinary file.
import { onnx } from './proto';

/** Reads `length` bytes (to the end when undefined) at `offset` of the file `location` beside the model; throws an
 *  Error whose message is one line saying what is wrong (missing, outside the model's folder, too short). */
export type ReadExternalData = (location: string, offset: number, length: number | undefined) => Uint8Array;

function* tensorsOf(graph: onnx.IGraphProto): Generator<onnx.ITensorProto> {
  yield* graph.initializer ?? [];
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) {
      if (a.t) yield a.t;
      yield* a.tensors ?? [];
    }
  }
}

const wholeNumber = (text: string | undefined): number | undefined => (text !== undefined && /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined);

/** Fills every external tensor of `graph` from its file; returns one problem per tensor that cannot be read. */
export function resolveExternalData(graph: onnx.IGraphProto, read: ReadExternalData): string[] {
  const problems: string[] = [];
  for (const t of tensorsOf(graph)) {
    if (Number(t.dataLocation ?? 0) !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? undefined]));
    const location = entries.get('location');
    const offset = entries.has('offset') ? wholeNumber(entries.get('offset')) : 0;
    const length = entries.has('length') ? wholeNumber(entries.get('length')) : undefined;
    const what = `the weight "${t.name ?? ''}"`;
    if (!location) {
      problems.push(`${what} is stored outside the file but does not say where (no "location")`);
      continue;
    }
    if (offset === undefined || (entries.has('length') && length === undefined)) {
      problems.push(`${what}: its external data's offset/length in ${location} are not whole numbers`);
      continue;
    }
    try {
      t.rawData = read(location, offset, length);
      t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
      t.externalData = [];
    } catch (e) {
      problems.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

// Hand-built ONNX graphs for the importer's tests, and the check that our engine on the imported model gives what
// ONNX Runtime gives on the file.
import assert from 'node:assert/strict';
import { loadWeightsInto } from '../../../src/engine/weights';
import { importOnnx, type OnnxImportResult } from '../../../src/interop/onnx/import';
import { encodeModel, valueInfo, type onnx } from '../../../src/interop/onnx/proto';
import { engineOutput, maxAbsDiff, networkOf, ortOutput, rngFor } from './helpers';

const rng = rngFor(9090);
export const rand = (n: number, scale = 0.5): Float32Array => Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale);

export function handModel(nodes: onnx.INodeProto[], initializers: onnx.ITensorProto[], input: (number | string)[], output: (number | string)[], opset = 17): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'hand',
    graph: { name: 'hand', node: nodes, initializer: initializers, input: [valueInfo('x', input)], output: [valueInfo('y', output)] },
  });
}

export const node = (opType: string, name: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({ opType, name, input, output, attribute });

/** NCHW → NHWC, for feeding our engine what ONNX Runtime gets. */
export function toNhwc(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++) for (let ch = 0; ch < c!; ch++) for (let y = 0; y < h!; y++) for (let i = 0; i < w!; i++) out[((b * h! + y) * w! + i) * c! + ch] = x[((b * c! + ch) * h! + y) * w! + i]!;
  return out;
}

/** Imports the file and asserts our engine's outputs equal ONNX Runtime's (an image output compared as NHWC). */
export async function assertAgrees(bytes: Uint8Array, nchw: [number, number, number, number]): Promise<OnnxImportResult> {
  const imported = importOnnx(bytes, { name: 'hand' });
  const x = rand(nchw.reduce((a, b) => a * b, 1), 1);
  const net = networkOf(imported.model);
  loadWeightsInto(imported.model, net.params, { tensors: imported.tensors, metadata: {} });
  const ours = engineOutput(net, imported.model, toNhwc(x, nchw), nchw[0]);
  const theirs = await ortOutput(bytes, x, nchw, 'x');
  const expected = theirs.dims.length === 4 ? toNhwc(theirs.data, theirs.dims) : theirs.data;
  assert.equal(ours.length, expected.length, 'output sizes differ');
  const diff = maxAbsDiff(ours, expected);
  assert.ok(diff <= 1e-4, `differs from ONNX Runtime by ${diff}`);
  return imported;
}

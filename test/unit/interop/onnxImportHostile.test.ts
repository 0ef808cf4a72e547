// Hostile and broken ONNX files: each gets one clear problem from the importer and one line with exit code 1 from
// `cnn import`, before anything is allocated for sizes the file does not hold; never an internal error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { importOnnx, OnnxImportError } from '../../../src/interop/onnx/import';
import { DataType, decodeModel, encodeModel, floatTensor, intAttr, type onnx } from '../../../src/interop/onnx/proto';
import { handModel, node, rand } from './onnxHand';

const conv = (weight: onnx.ITensorProto, extra: onnx.INodeProto[] = []): Uint8Array =>
  handModel([node('Conv', 'c', ['x', weight.name ?? ''], ['y'], [intAttr('kernel_shape', [1, 1])]), ...extra], [weight], ['N', 2, 3, 3], ['N', 2, 3, 3]);

const raw = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(0x3f);
const valid = conv(floatTensor('w', [2, 2, 1, 1], rand(4)));
const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251);

/** File → the one problem expected (a regular expression over its text). */
const CASES: readonly { readonly what: string; readonly bytes: Uint8Array; readonly problem: RegExp; readonly cliProblem?: string }[] = [
  { what: 'garbage', bytes: garbage, problem: /^not an ONNX model: / },
  { what: 'a truncated file', bytes: valid.subarray(0, valid.length - 9), problem: /^not an ONNX model: / },
  { what: 'an empty file', bytes: new Uint8Array(0), problem: /^the ONNX model has no graph \(no nodes\)$/ },
  {
    what: 'dims beyond the bytes',
    bytes: conv({ name: 'w', dims: [2, 2, 1, 1], dataType: DataType.FLOAT, rawData: raw(4) }),
    problem: /^Conv \(node "c"\): the weight "w" cannot be read: dims \[2, 2, 1, 1\] need 16 bytes of FLOAT, its data has 4$/,
  },
  {
    what: 'dims of 10^18 values',
    bytes: conv({ name: 'w', dims: [1e6, 1e6, 1e6, 1], dataType: DataType.FLOAT, rawData: raw(16) }),
    problem: /^Conv \(node "c"\): the weight "w" cannot be read: dims \[1000000, 1000000, 1000000, 1\] claim more than 2147483647 values$/,
  },
  {
    what: 'a negative dim',
    bytes: conv({ name: 'w', dims: [-2, 2, 1, 1], dataType: DataType.FLOAT, rawData: raw(16) }),
    problem: /^Conv \(node "c"\): the weight "w" cannot be read: dims \[-2, 2, 1, 1\] are not all whole numbers ≥ 0$/,
  },
  {
    what: 'fewer typed values than dims',
    bytes: conv({ name: 'w', dims: [2, 2, 1, 1], dataType: DataType.FLOAT, floatData: [1, 2] }),
    problem: /^Conv \(node "c"\): the weight "w" cannot be read: dims \[2, 2, 1, 1\] need 4 values, it has 2$/,
  },
  {
    what: 'external data',
    bytes: conv({ name: 'w', dims: [2, 2, 1, 1], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }),
    problem: /^Conv \(node "c"\): the weight "w" cannot be read: its data is in an external file: export with the weights inside the \.onnx file/,
    // The CLI reads external data from the model's folder, where w.bin is not.
    cliProblem: 'the weight "w": its external data file "w.bin" is missing (it belongs beside the .onnx file)',
  },
  {
    what: 'strings as weights',
    bytes: conv({ name: 'w', dims: [2, 2, 1, 1], dataType: DataType.STRING, stringData: [raw(1), raw(1), raw(1), raw(1)] }),
    problem: /^Conv \(node "c"\): the weight "w" cannot be read: data type STRING is not supported \(numbers only\)$/,
  },
  {
    what: 'a Constant beyond its bytes',
    bytes: handModel([
      { opType: 'Constant', name: 'k', output: ['w'], attribute: [{ name: 'value', type: 4, t: { dims: [64, 64], dataType: DataType.FLOAT, rawData: raw(8) } }] },
      node('Conv', 'c', ['x', 'w'], ['y'], [intAttr('kernel_shape', [1, 1])]),
    ], [], ['N', 2, 3, 3], ['N', 2, 3, 3]),
    problem: /^Constant \(node "k"\): its value cannot be read: dims \[64, 64\] need 16384 bytes of FLOAT, its data has 8$/,
  },
  {
    what: 'a cycle',
    bytes: handModel([node('Add', 'a', ['x', 'r'], ['s']), node('Relu', 'relu', ['s'], ['r']), node('Relu', 'out', ['r'], ['y'])], [], ['N', 2, 3, 3], ['N', 2, 3, 3]),
    problem: /^Add \(node "a"\): reads "r", the output of Relu \(node "relu"\), a later node: the graph has a cycle or its nodes are not in dependency order$/,
  },
  {
    what: 'a node reading its own output',
    bytes: handModel([node('Relu', 'self', ['y'], ['y'])], [], ['N', 2, 3, 3], ['N', 2, 3, 3]),
    problem: /^Relu \(node "self"\): reads "y", its own output: the graph has a cycle or its nodes are not in dependency order$/,
  },
  {
    what: 'an image of 10^10 pixels',
    bytes: handModel([node('Relu', 'r', ['x'], ['y'])], [], ['N', 3, 100000, 100000], ['N', 3, 100000, 100000]),
    problem: /^Relu \(node "r"\): output 100000×100000×3 has 3.00e\+10 values per sample: too large to run$/,
  },
];

/** A small graph with layers and shape arithmetic, for mutating. */
function mutable(): Uint8Array {
  const nodes = [
    node('Conv', '/conv/Conv', ['x', 'conv.weight', 'conv.bias'], ['c'], [intAttr('kernel_shape', [3, 3]), intAttr('pads', [1, 1, 1, 1])]),
    node('BatchNormalization', '/bn/BatchNormalization', ['c', 'g', 'b', 'm', 'v'], ['n']),
    node('Relu', '/relu/Relu', ['n'], ['r']),
    node('MaxPool', '/pool/MaxPool', ['r'], ['p'], [intAttr('kernel_shape', [2, 2]), intAttr('strides', [2, 2])]),
    node('Shape', '/Shape', ['p'], ['s']),
    node('Gather', '/Gather', ['s', 'zero'], ['n0'], [intAttr('axis', 0)]),
    node('Unsqueeze', '/Unsqueeze', ['n0', 'axes'], ['n1']),
    node('Concat', '/Concat', ['n1', 'minus1'], ['shape'], [intAttr('axis', 0)]),
    node('Reshape', '/Reshape', ['p', 'shape'], ['f']),
    node('Gemm', '/fc/Gemm', ['f', 'fc.weight', 'fc.bias'], ['y'], [intAttr('transB', 1)]),
  ];
  const inits = [
    floatTensor('conv.weight', [4, 2, 3, 3], rand(72)), floatTensor('conv.bias', [4], rand(4)),
    ...['g', 'b', 'm'].map((n) => floatTensor(n, [4], rand(4))), floatTensor('v', [4], Float32Array.of(1, 2, 3, 4)),
    { name: 'zero', dims: [], dataType: DataType.INT64, int64Data: [0] }, { name: 'axes', dims: [1], dataType: DataType.INT64, int64Data: [0] },
    { name: 'minus1', dims: [1], dataType: DataType.INT64, int64Data: [-1] },
    floatTensor('fc.weight', [3, 16], rand(48)), floatTensor('fc.bias', [3], rand(3)),
  ];
  return handModel(nodes, inits, ['N', 2, 4, 4], ['N', 3], 13);
}

describe('ONNX import: hostile files', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-hostile-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('never fails otherwise than with its problems on 400 seeded mutations (bytes overwritten, dims, attributes, inputs, operators)', () => {
    const base = mutable();
    assert.equal(importOnnx(base, { name: 'm' }).model.layers.length, 6);
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const values = [0, -1, 1, 2, 3, 5, 1e9, -1e9, 2 ** 40];
    const outcomes = { imported: 0, refused: 0 };
    for (let k = 0; k < 400; k++) {
      let bytes: Uint8Array;
      if (k % 2 === 0) {
        bytes = Uint8Array.from(base);
        for (let f = 0; f < 1 + k % 4; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      } else {
        const m = decodeModel(base);
        // Decoded messages hold every repeated field (the I-interfaces say "maybe").
        const g = m.graph as onnx.GraphProto;
        const nodes = g.node as onnx.NodeProto[];
        const n = pick(nodes);
        const which = random();
        if (which < 0.25) (pick(g.initializer) as onnx.TensorProto).dims[0] = pick(values);
        else if (which < 0.5 && n.attribute.length > 0) {
          const a = pick(n.attribute) as onnx.AttributeProto;
          if (a.ints.length > 0) a.ints[Math.floor(random() * a.ints.length)] = pick(values);
          else a.i = pick(values);
        } else if (which < 0.75) n.input[Math.floor(random() * n.input.length)] = pick(pick(nodes).output);
        else n.opType = pick(nodes).opType;
        bytes = encodeModel(m);
      }
      try {
        importOnnx(bytes, { name: 'm' });
        outcomes.imported++;
      } catch (e) {
        assert.ok(e instanceof OnnxImportError, `mutation ${k}: ${e instanceof Error ? e.stack : String(e)}`);
        outcomes.refused++;
      }
    }
    // Both happen: the mutations reach past the decoder.
    assert.ok(outcomes.imported > 20 && outcomes.refused > 100, JSON.stringify(outcomes));
  });

  for (const c of CASES) {
    it(`refuses ${c.what} with one problem, and cnn import says it in one line with exit code 1`, async () => {
      let problems: readonly string[] = [];
      try {
        importOnnx(c.bytes, { name: 'm' });
      } catch (e) {
        assert.ok(e instanceof OnnxImportError, `not an OnnxImportError: ${String(e)}`);
        problems = e.problems;
      }
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0]!, c.problem);
      const file = join(dir, `${c.what.replace(/\W+/g, '-')}.onnx`);
      writeFileSync(file, c.bytes);
      const err: string[] = [];
      const code = await main(['import', file], { out: () => undefined, err: (s) => err.push(s) });
      assert.equal(code, 1);
      assert.deepEqual(err, [`${file}: cannot import, nothing was written: ${c.cliProblem ?? problems[0]!}`]);
    });
  }
});

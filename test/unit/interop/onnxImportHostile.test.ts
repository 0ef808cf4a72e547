// Hostile and broken ONNX files: each gets one clear problem from the importer and one line with exit code 1 from
// `cnn import`, before anything is allocated for sizes the file does not hold; never an internal error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { importOnnx, OnnxImportError } from '../../../src/interop/onnx/import';
import { DataType, floatTensor, intAttr, type onnx } from '../../../src/interop/onnx/proto';
import { handModel, node, rand } from './onnxHand';

const conv = (weight: onnx.ITensorProto, extra: onnx.INodeProto[] = []): Uint8Array =>
  handModel([node('Conv', 'c', ['x', weight.name ?? ''], ['y'], [intAttr('kernel_shape', [1, 1])]), ...extra], [weight], ['N', 2, 3, 3], ['N', 2, 3, 3]);

const raw = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(0x3f);
const valid = conv(floatTensor('w', [2, 2, 1, 1], rand(4)));
const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251);

/** File → the one problem expected (a regular expression over its text). */
const CASES: readonly { readonly what: string; readonly bytes: Uint8Array; readonly problem: RegExp }[] = [
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

describe('ONNX import: hostile files', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-hostile-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

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
      assert.deepEqual(err, [`${file}: cannot import, nothing was written: ${problems[0]!}`]);
    });
  }
});

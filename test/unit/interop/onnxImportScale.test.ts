// Import time is linear in the number of nodes: a 4,000-node chain takes about 4 times a 1,000-node one, far from
// the 16 times of a quadratic import (each layer re-analysing the whole model made it so: 3,000 nodes took 15 s).
// Ratios of the fastest of a few runs, not absolute times: the machine's speed and load matter little (measured:
// 2.4 to 7 on a loaded 2-core machine; the garbage collector's share grows with the heap).
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { importOnnx } from '../../../src/interop/onnx/import';
import { encodeModel, floatTensor, intAttr, valueInfo, type onnx } from '../../../src/interop/onnx/proto';

/** Conv 1×1 and Relu alternating, `n` nodes in all, with PyTorch-style names. */
function chain(n: number): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let prev = 'x';
  for (let i = 0; i < n; i++) {
    const out = i === n - 1 ? 'y' : `t${i}`;
    if (i % 2 === 0) {
      nodes.push({ opType: 'Conv', name: `/blocks/blocks.${i}/conv/Conv`, input: [prev, `blocks.${i}.conv.weight`], output: [out], attribute: [intAttr('kernel_shape', [1, 1])] });
      inits.push(floatTensor(`blocks.${i}.conv.weight`, [2, 2, 1, 1], Float32Array.of(0.5, -0.5, 0.25, 0.75)));
    } else {
      nodes.push({ opType: 'Relu', name: `/blocks/blocks.${i}/relu/Relu`, input: [prev], output: [out] });
    }
    prev = out;
  }
  return encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'chain', node: nodes, initializer: inits, input: [valueInfo('x', ['N', 2, 4, 4])], output: [valueInfo('y', ['N', 2, 4, 4])] } });
}

/** The collector, run between measurements so that one run does not pay for the garbage of the one before. */
const collect = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function fastest(bytes: Uint8Array, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    collect();
    const t = performance.now();
    importOnnx(bytes, { name: 'chain' });
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe('ONNX import: time', function () {
  this.timeout(120_000);

  it('grows linearly with the number of nodes (1,000 vs 4,000), and a 10,000-node chain imports whole', () => {
    const small = chain(1000);
    const large = chain(4000);
    fastest(small, 2);
    const ratio = fastest(large, 5) / fastest(small, 5);
    assert.ok(ratio < 10, `4× the nodes took ${ratio.toFixed(1)}× the time (linear: 4, quadratic: 16)`);
    const big = importOnnx(chain(10_000), { name: 'chain' });
    assert.equal(big.model.layers.length, 10_000);
    assert.equal(big.model.layers[9998]!.name, 'blocks.9998.conv');
    assert.equal(big.tensors.length, 5000);
  });
});

// Batch norm folding (engine/fold.ts) on torchvision networks imported from ONNX with their batch norms kept
// (scripts/torchvision-zoo/export.py --bn kept: seeded random weights): with random batch-norm statistics, the
// folded inference pass equals the unoptimised graph within 1e-5 relative to the outputs' largest magnitude, and
// folds every batch norm that follows a convolution. Skipped when /usr/bin/python3 lacks torch, torchvision or onnx.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PHOTO, exportNets, type Exported } from '../../../scripts/torchvision-zoo/check';
import { BatchNorm } from '../../../src/engine/layers/batchNorm';
import type { EngineLayer } from '../../../src/engine/layer';
import { buildNetwork } from '../../../src/engine/network';
import { createRng } from '../../../src/engine/rng';
import { loadWeightsInto } from '../../../src/engine/weights';
import { importOnnx } from '../../../src/interop/onnx/import';
import { analyze } from '../../../src/model/shapes';
import { skipUnavailable } from '../../unit/availability';
import { assertClose, randomTensor } from '../../unit/engine/helpers';
import { debianPython } from '../../unit/interop/helpers';

const NETS = [
  { name: 'mobilenet_v2', size: 96 },
  { name: 'resnet18', size: 64 },
  { name: 'efficientnet_b0', size: 64 },
];

describe('batch norm folding on imported torchvision networks (batch norms kept)', function () {
  this.timeout(600_000);
  let cache = '';
  const exported = new Map<string, Exported>();

  before(async function () {
    const python = debianPython(['torch', 'torchvision', 'onnx', 'PIL', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
    if (!existsSync(DEFAULT_PHOTO)) skipUnavailable(this, `the photo ${DEFAULT_PHOTO} is missing (apt-get install -y python3-skimage)`);
    cache = mkdtempSync(join(tmpdir(), 'cnn-fold-'));
    for await (const e of exportNets({ cache, opset: 17, bn: 'kept', nets: NETS })) exported.set(e.name, e);
  });
  after(() => {
    if (cache) rmSync(cache, { recursive: true, force: true });
  });

  for (const { name } of NETS) {
    it(`${name}: folded inference equals the unoptimised graph within 1e-5 relative, with random batch-norm statistics`, () => {
      const e = exported.get(name);
      assert.ok(e, `export.py printed nothing for ${name}`);
      if ('error' in e) assert.fail(`export.py: ${e.error}`);
      const { model, tensors } = importOnnx(readFileSync(join(e.dir, 'model.onnx')), { name });
      const net = buildNetwork(model, analyze(model.input.shape, model.layers), 1);
      loadWeightsInto(model, net.params, { tensors, metadata: {} });
      const rng = createRng(3);
      const u = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
      const bns = net.layers.filter((l): l is BatchNorm => l instanceof BatchNorm);
      assert.ok(bns.length > 10, `${bns.length} batch norms imported`);
      for (const bn of bns) {
        for (const [p, lo, hi] of [[bn.gamma, 0.5, 1.5], [bn.beta, -0.3, 0.3], [bn.movingMean, -0.3, 0.3], [bn.movingVariance, 0.5, 2]] as const) {
          const v = p.value;
          for (let i = 0; i < v.length; i++) v[i] = u(lo, hi);
        }
      }
      const x = randomTensor([2, ...net.inputShape], rng);
      net.observer = () => {};
      const want = net.forward(x, false).data.slice();
      net.observer = undefined;
      let ran = 0;
      for (const bn of bns) {
        const own = bn.forward.bind(bn);
        (bn as EngineLayer).forward = (t, training) => {
          ran++;
          return own(t, training);
        };
      }
      net.foldBatchNorms = true;
      assertClose(net.forward(x, false).data, want, 1e-5, `${name} folded`);
      assert.equal(ran, 0, `${ran} of ${bns.length} batch norms ran: every one follows a convolution`);
    });
  }
});

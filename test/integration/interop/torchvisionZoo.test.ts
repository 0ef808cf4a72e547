// The CI subset of the torchvision zoo check (`npm run zoo` runs every classifier): networks exported by
// torch.onnx.export (scripts/torchvision-zoo/export.py: seeded random weights, batch norm folded and kept, opsets 13
// and 17) go through `cnn import` and `cnn predict` (in this process) and give PyTorch's probabilities on a real
// photo; then the round trips (scripts/torchvision-zoo/roundTrips.ts): our ONNX export in ONNX Runtime, our
// model.py in PyTorch, and one SGD step's gradients against autograd. Skipped outside CI when /usr/bin/python3 lacks
// torch, torchvision or onnx, or Debian's python3-skimage photo is missing; in CI that is a failure.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkNetwork, DEFAULT_PHOTO, exportNets, type BatchNormMode, type Exported, type ExportedNet, type Opset, type RunCli } from '../../../scripts/torchvision-zoo/check';
import { roundTrips } from '../../../scripts/torchvision-zoo/roundTrips';
import { main } from '../../../src/cli/main';
import { importOnnx } from '../../../src/interop/onnx/import';
import { analyze } from '../../../src/model/shapes';
import { skipUnavailable } from '../../unit/availability';
import { debianPython } from '../../unit/interop/helpers';

interface Case {
  readonly name: string;
  readonly size: number;
  readonly opset: Opset;
  readonly bn: BatchNormMode;
  /** The round trips run on it too (they take longer than the import and prediction). */
  readonly roundTrips: boolean;
}

// The networks that import today, at a small input, and the synthetic one with the padding, pooling and merge forms
// (scripts/torchvision-zoo/synthetic.py). VGG is left to `npm run zoo`: its adaptive pooling to 7×7 exports only
// from a 7×7 feature map (224 px), where vgg11_bn's 133 M parameters take 30 s and 2.7 GB to import and ~10 minutes
// for the round trips on this machine.
const CASES: readonly Case[] = [
  { name: 'synthetic_padding_pooling', size: 32, opset: 17, bn: 'kept', roundTrips: true },
  { name: 'synthetic_padding_pooling', size: 32, opset: 17, bn: 'folded', roundTrips: true },
  { name: 'synthetic_padding_pooling', size: 32, opset: 13, bn: 'kept', roundTrips: true },
  { name: 'synthetic_padding_pooling', size: 32, opset: 13, bn: 'folded', roundTrips: false },
  { name: 'mobilenet_v2', size: 64, opset: 17, bn: 'kept', roundTrips: true },
  { name: 'mobilenet_v2', size: 64, opset: 13, bn: 'folded', roundTrips: true },
];

const label = (c: Case): string => `${c.name} at ${c.size} px, opset ${c.opset}, batch norm ${c.bn}`;

/** `cnn …` in this process, as the zoo script runs it in a process of its own. */
const inProcessCli: RunCli = async (args) => {
  const out: string[] = [];
  const err: string[] = [];
  const started = performance.now();
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n'), seconds: (performance.now() - started) / 1000 };
};

describe('torchvision networks: import, predict and round trips (the CI subset of npm run zoo)', function () {
  this.timeout(600_000);
  let cache = '';
  let work = '';
  const exported = new Map<Case, Exported>();

  before(async function () {
    const python = debianPython(['torch', 'torchvision', 'onnx', 'PIL', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
    if (!existsSync(DEFAULT_PHOTO)) skipUnavailable(this, `the photo ${DEFAULT_PHOTO} is missing (apt-get install -y python3-skimage)`);
    cache = mkdtempSync(join(tmpdir(), 'cnn-zoo-cache-'));
    work = mkdtempSync(join(tmpdir(), 'cnn-zoo-work-'));
    const groups = new Map<string, Case[]>();
    for (const c of CASES) groups.set(`${c.opset}/${c.bn}`, [...(groups.get(`${c.opset}/${c.bn}`) ?? []), c]);
    for (const group of groups.values()) {
      const { opset, bn } = group[0]!;
      for await (const e of exportNets({ cache, opset, bn, nets: group.map((c) => ({ name: c.name, size: c.size })) })) {
        exported.set(group.find((c) => c.name === e.name)!, e);
      }
    }
  });
  after(() => {
    for (const d of [cache, work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  function exportOf(c: Case): ExportedNet {
    const e = exported.get(c);
    assert.ok(e, `export.py printed nothing for ${label(c)}`);
    if ('error' in e) assert.fail(`export.py: ${e.error}`);
    assert.equal(e.size, c.size);
    // The file has the batch norms PyTorch ran when kept, none when folded.
    assert.equal(e.bnNodes, c.bn === 'kept' ? e.bnRun : 0);
    return e;
  }

  for (const c of CASES) {
    it(`${label(c)}: cnn import, then cnn predict gives PyTorch's probabilities (|Δp| ≤ 1e-4)`, async () => {
      const e = exportOf(c);
      const r = await checkNetwork(e, inProcessCli, join(work, `${c.name}-${c.opset}-${c.bn}`));
      assert.equal(r.outcome, 'pass', `${r.outcome}: ${r.message ?? ''} ${r.problems?.join('; ') ?? ''} ${JSON.stringify(r.comparison ?? {})}`);
      assert.ok(r.comparison!.top1Agrees);
    });
  }

  for (const c of CASES.filter((k) => k.roundTrips)) {
    it(`${label(c)}: round trips (ONNX Runtime, model.py in PyTorch, one SGD step's gradients vs autograd)`, async () => {
      const e = exportOf(c);
      const { model, tensors } = importOnnx(readFileSync(join(e.dir, 'model.onnx')), { name: c.name });
      const batchNorms = model.layers.filter((l) => l.type === 'batchNorm').length;
      assert.equal(batchNorms, c.bn === 'kept' ? e.bnNodes : 0, 'batch norm layers');
      const r = await roundTrips({ model, tensors, exported: e, workDir: join(work, `rt-${c.name}-${c.opset}-${c.bn}`) });
      assert.deepEqual(r.problems, []);
      const trainable = analyze(model.input.shape, model.layers).totals.trainable;
      assert.ok(trainable > 0);
      assert.ok(r.gradients.parameters >= model.layers.filter((l) => l.type === 'conv2d' || l.type === 'dense').length);
      assert.ok(r.gradients.relative <= r.gradients.bound && r.gradients.bound >= 1e-3 && r.gradients.lossAfterStep < r.gradients.lossOurs);
      console.log(
        `      ${c.name} ${c.opset}/${c.bn}: ONNX ${r.onnxVsEngine.diff.toExponential(1)} / ${r.onnxVsOriginal.diff.toExponential(1)}, model.py ${r.pytorchVsOriginal.diff.toExponential(1)}, ` +
          `gradients of ${r.gradients.parameters} parameters within ${r.gradients.relative.toExponential(1)} ≤ ${r.gradients.bound.toExponential(1)} (worst ${r.gradients.worst}; ${r.gradients.zero} exactly 0; PyTorch float32 ${r.gradients.pytorchFloat32.relative.toExponential(1)}), ${r.seconds.toFixed(1)} s`,
      );
    });
  }
});

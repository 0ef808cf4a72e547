// The exported train.py augments as CNN Studio does: fed CNN Studio's own random stream (its Mulberry32 port), its
// draw_augmentation draws the same parameters and apply_augmentation (affine_grid + grid_sample, the colour ops,
// cutout) gives the same pixels as makeAugmenter, for every op at once, on gray, RGB and RGBA samples.
// Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../../src/engine/rng';
import { architectureFingerprint } from '../../../src/engine/weights';
import { exportPytorch } from '../../../src/interop/pytorch/export';
import { resolveAugmentation } from '../../../src/model/augmentation';
import { analyze } from '../../../src/model/shapes';
import { MODEL_FORMAT, type AugmentationConfig, type Model } from '../../../src/model/types';
import { makeAugmenter } from '../../../src/node/datasets/augment';
import { drawSampleParams, newSampleParams } from '../../../src/node/datasets/augmentParams';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython } from '../../unit/interop/helpers';

const EVERYTHING: AugmentationConfig = {
  randomResizedCrop: { scale: [0.3, 1], ratio: [0.75, 1.333] },
  rotation: 25, zoom: [0.8, 1.25], translation: 0.15, horizontalFlip: true, verticalFlip: true,
  brightness: 0.4, contrast: 0.4, saturation: 0.5, hue: 0.1, cutout: { holes: 2, size: 0.25 },
};

const PYTHON = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
import torch, train
req = json.load(sys.stdin)
rng = train.Mulberry32(req["seed"])
x = torch.tensor(req["batch"], dtype=torch.float32).permute(0, 3, 1, 2)
outs, params = [], []
for sample in x:
    p = train.draw_augmentation(x.shape[2], x.shape[3], rng.next)
    params.append(p)
    outs.append(train.apply_augmentation(sample, p))
# The training loop's entry point: PyTorch's random numbers, the same ops.
whole = train.augment(x, torch.Generator().manual_seed(3))
assert whole.shape == x.shape and whole.min() >= 0 and whole.max() <= 1 and not torch.equal(whole, x), "augment() of the batch"
print(json.dumps({"batch": torch.stack(outs).permute(0, 2, 3, 1).reshape(-1).tolist(), "params": params}))
`;

interface PyParams {
  readonly crop: [number, number, number, number];
  readonly angle: number;
  readonly scale: number;
  readonly dy: number;
  readonly dx: number;
  readonly hflip: boolean;
  readonly vflip: boolean;
  readonly order: number[];
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
  readonly holes: [number, number][];
}

function exported(shape: readonly [number, number, number], augmentation: AugmentationConfig): string {
  const model: Model = { format: MODEL_FORMAT, name: 'aug', input: { shape: [shape[0], shape[1], shape[2]] }, layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }], training: { augmentation } };
  const code = exportPytorch({ model, analysis: analyze(model.input.shape, model.layers), fingerprint: architectureFingerprint(model), modelFile: 'aug.cnn.json', modelDir: '..', weightsSource: 'initial weights (seed 1)' });
  const dir = mkdtempSync(join(tmpdir(), 'cnn-pytorch-augment-'));
  writeFileSync(join(dir, 'model.py'), code.modelPy);
  writeFileSync(join(dir, 'train.py'), code.trainPy);
  return dir;
}

describe('PyTorch export: train.py augments as CNN Studio does', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  before(function () {
    const python = debianPython(['torch', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
  });
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const [shape, config] of [
    [[12, 10, 3], EVERYTHING],
    [[9, 9, 1], EVERYTHING],
    [[8, 7, 4], { ...EVERYTHING, randomResizedCrop: { scale: [0.08, 1] } }],
    [[10, 10, 3], { shift: 0.2, horizontalFlip: true }],
  ] as const) {
    it(`${shape.join('×')}: ${Object.keys(config).join(', ')}`, () => {
      const dir = exported(shape, config);
      dirs.push(dir);
      const count = 12;
      const size = shape[0] * shape[1] * shape[2];
      const rng = createRng(5);
      const batch = Float32Array.from({ length: count * size }, () => rng.next());
      const seed = 77;
      const r = spawnSync('/usr/bin/python3', ['-c', PYTHON, dir], {
        timeout: CHILD_TIMEOUT_MS,
        input: JSON.stringify({ seed, batch: Array.from({ length: count }, (_, n) => nested(batch.subarray(n * size, (n + 1) * size), shape)) }),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      });
      assert.equal(r.status, 0, r.stderr);
      const reply = JSON.parse(r.stdout) as { batch: number[]; params: PyParams[] };

      // The same draws from the same stream.
      const plan = resolveAugmentation(config);
      const stream = createRng(seed);
      const p = newSampleParams(plan.cutout?.holes ?? 0);
      reply.params.forEach((py, n) => {
        drawSampleParams(plan, shape[0], shape[1], stream, p);
        const ours = {
          crop: [p.cropTop, p.cropLeft, p.cropHeight, p.cropWidth], angle: p.angle, scale: p.scale, dy: p.dy, dx: p.dx, hflip: p.hflip, vflip: p.vflip,
          order: Array.from(p.order), brightness: p.brightness, contrast: p.contrast, saturation: p.saturation, hue: p.hue,
          holes: Array.from({ length: p.holes }, (_, k) => [p.holeY[k], p.holeX[k]]),
        };
        assert.deepEqual(py, ours, `sample ${n}`);
      });

      // The same pixels.
      const ours = Float32Array.from(batch);
      makeAugmenter(config, shape)!(ours, count, createRng(seed));
      let max = 0;
      ours.forEach((v, i) => (max = Math.max(max, Math.abs(v - reply.batch[i]!))));
      assert.ok(max < 1e-4, `largest difference ${max}`);
    });
  }
});

function nested(sample: Float32Array, [h, w, c]: readonly [number, number, number]): number[][][] {
  return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => Array.from(sample.subarray((y * w + x) * c, (y * w + x + 1) * c))));
}

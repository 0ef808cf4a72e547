// input.resize against Python on a real non-square photo (skimage's chelsea.png, 451 × 300, when Debian's
// python3-skimage has it; else a photo-like image): the exported train.py's fit() gives the JavaScript decoder's
// pixels (the same resampling, to the byte's rounding) under every policy and plan; torchvision's transforms as a
// PyTorch user writes them (Resize + CenterCrop, Resize + Pad) give nearly the pixels `cnn predict` feeds the model
// (sharp), far nearer than shifted by one pixel; train.py's image folder loader uses the exported INPUT_RESIZE.
// Skipped outside CI when /usr/bin/python3 lacks torch, torchvision or PIL; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPytorch } from '../../../src/interop/pytorch/export';
import { fitPlan, RESIZE_POLICIES } from '../../../src/model/resize';
import { analyze } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import { loadImageFile } from '../../../src/node/datasets/load';
import { makeSampleDecoder, sampleToFloats, type SampleShape } from '../../../src/node/datasets/sample';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython, ROOT } from '../../unit/interop/helpers';
import { meanDifference, photo } from '../../unit/node/datasets/helpers';

const CHELSEA = '/usr/lib/python3/dist-packages/skimage/data/chelsea.png';
const SHAPES: SampleShape[] = [[64, 64, 3], [48, 80, 3], [80, 40, 3], [33, 57, 3], [40, 60, 1]];
const tag = ([h, w, c]: SampleShape): string => `${h}x${w}x${c}`;


describe('input.resize against PyTorch: train.py and torchvision on a real photo', function () {
  this.timeout(180_000);
  let dir = '';
  let out = '';
  let report: { plans: Record<string, number[]>; folder: string; resize: string; classes: string[] };
  let image = '';
  const read = (name: string): Float32Array => {
    const b = readFileSync(join(out, `${name}.f32`));
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4).slice();
  };

  before(function () {
    const python = debianPython(['torch', 'torchvision', 'PIL', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
    dir = mkdtempSync(join(tmpdir(), 'cnn-resize-py-'));
    out = join(dir, 'out');
    mkdirSync(out);
    mkdirSync(join(dir, 'photos', 'cat'), { recursive: true });
    image = join(dir, 'photos', 'cat', 'photo.png');
    if (existsSync(CHELSEA)) copyFileSync(CHELSEA, image);
    else writeFileSync(image, photo(451, 300));
    // The export of a centre-cropping model: train.py reads the folder with INPUT_RESIZE = "centerCrop".
    const model: Model = {
      format: MODEL_FORMAT,
      name: 'photos',
      input: { shape: SHAPES[0]!, resize: 'centerCrop' },
      layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'globalAvgPool2d' }, { type: 'dense', units: 2, activation: 'softmax' }],
    };
    const code = exportPytorch({ model, analysis: analyze(model.input.shape, model.layers), fingerprint: 'f', modelFile: 'photos.cnn.json', modelDir: '..', weightsSource: 'w' });
    mkdirSync(join(dir, 'export'));
    writeFileSync(join(dir, 'export', 'model.py'), code.modelPy);
    writeFileSync(join(dir, 'export', 'train.py'), code.trainPy);
    const args = [join(ROOT, 'test/integration/interop/resize_reference.py'), join(dir, 'export'), image, out, 'photos', ...SHAPES.map((s) => s.join(','))];
    const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout.trim().split('\n').pop()!) as typeof report;
  });
  after(() => dir && !process.env.KEEP && rmSync(dir, { recursive: true, force: true }));

  it("train.py's fit_plan is fitPlan: the same sizes and offsets for every shape and policy", () => {
    const [srcH, srcW] = [300, 451]; // chelsea.png, or the photo-like image of its size
    for (const shape of SHAPES) {
      for (const policy of RESIZE_POLICIES) {
        const p = fitPlan(srcH, srcW, shape[0], shape[1], policy);
        assert.deepEqual(report.plans[`${policy} ${shape[0]}x${shape[1]}`], [p.height, p.width, p.top, p.left], `${policy} ${tag(shape)}`);
      }
    }
  });

  it("train.py's fit() gives the JavaScript decoder's pixels, to the byte's rounding", async () => {
    const js = makeSampleDecoder(undefined);
    for (const shape of SHAPES) {
      for (const policy of RESIZE_POLICIES) {
        const ours = sampleToFloats(await js.decode(image, shape, policy));
        const theirs = read(`trainpy_${policy}_${tag(shape)}`);
        assert.equal(theirs.length, ours.length);
        let max = 0;
        for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i]! - theirs[i]!));
        assert.ok(max <= 0.5 / 255 + 1e-5, `${policy} ${tag(shape)}: max |difference| ${max * 255} levels`);
      }
    }
  });

  it("torchvision's Resize + CenterCrop / Pad give nearly the pixels cnn predict feeds the model", async () => {
    for (const shape of SHAPES.filter((s) => s[2] === 3)) {
      for (const policy of RESIZE_POLICIES) {
        const ours = await loadImageFile(image, shape, policy);
        const theirs = read(`torchvision_${policy}_${tag(shape)}`);
        // PIL's antialiased bilinear and libvips' linear reduce differ by under a level on average (0.2–0.9 here);
        // a crop or pad off by one pixel differs by 4–11.
        const aligned = meanDifference(ours, theirs, shape, 0, 0);
        const shifted = Math.min(...[[0, 1], [0, -1], [1, 0], [-1, 0]].map(([dy, dx]) => meanDifference(ours, theirs, shape, dy!, dx!)));
        const what = `${policy} ${tag(shape)}: mean |difference| ${(aligned * 255).toFixed(2)} levels, shifted by a pixel ${(shifted * 255).toFixed(2)}`;
        assert.ok(aligned < 2 / 255 && aligned < 0.25 * shifted, what);
        if (policy === 'letterbox') {
          // The same bars, exactly 0 in both.
          const p = fitPlan(300, 451, shape[0], shape[1], policy);
          for (let y = 0; y < shape[0]; y++) {
            for (let x = 0; x < shape[1]; x++) {
              const inside = y >= p.top && y < p.top + p.height && x >= p.left && x < p.left + p.width;
              if (inside) continue;
              for (let k = 0; k < 3; k++) {
                const i = (y * shape[1] + x) * 3 + k;
                assert.ok(ours[i] === 0 && theirs[i] === 0, `${tag(shape)} bar pixel (${y}, ${x})`);
              }
            }
          }
        }
      }
    }
  });

  it("train.py reads image folders with the exported INPUT_RESIZE", () => {
    assert.equal(report.resize, 'centerCrop');
    assert.deepEqual(report.classes, ['cat']);
    assert.deepEqual(read(`folder_centerCrop_${report.folder}`), read(`trainpy_centerCrop_${report.folder}`));
  });
});

// Differential check against torchvision.transforms.functional (Debian's python3-torchvision) on a fixed image with
// fixed factors: the colour jitter formula for formula, and the geometry (flips, resized crop, RandomAffine's
// rotation + zoom + translation) pixel for pixel wherever both read inside the image. Skipped outside CI when
// /usr/bin/python3 has no torchvision.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createRng } from '../../../../src/engine/rng';
import { applySampleParams, newAugmentScratch } from '../../../../src/node/datasets/augment';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from '../../../../src/node/datasets/augmentColor';
import { inverseAffine } from '../../../../src/node/datasets/augmentGeometry';
import { newSampleParams, type SampleParams } from '../../../../src/node/datasets/augmentParams';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../availability';
import { debianPython } from '../../interop/helpers';

const H = 9;
const W = 11;
const C = 3;
const FACTORS = {
  brightness: [0.4, 1.3, 2.5],
  contrast: [0, 0.5, 1.7],
  saturation: [0, 0.3, 2.1],
  hue: [-0.5, -0.3, 0.12, 0.45],
};
const CROPS = [[2, 3, 4, 5], [0, 0, 9, 11], [5, 1, 4, 10]] as const; // top, left, height, width
const AFFINES = [[30, 0, 0, 1], [-45, 2, -1, 1.3], [90, 0, 0, 1], [12.5, -3, 2, 0.7], [0, 1, 1, 2]] as const; // angle, dx, dy, scale

const PYTHON = String.raw`
import json, sys, torch
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode
req = json.load(sys.stdin)
img = torch.tensor(req["image"], dtype=torch.float32)
f = req["factors"]
out = {
    "brightness": [TF.adjust_brightness(img, v).tolist() for v in f["brightness"]],
    "contrast": [TF.adjust_contrast(img, v).tolist() for v in f["contrast"]],
    "saturation": [TF.adjust_saturation(img, v).tolist() for v in f["saturation"]],
    "hue": [TF.adjust_hue(img, v).tolist() for v in f["hue"]],
    "hflip": TF.hflip(img).tolist(),
    "vflip": TF.vflip(img).tolist(),
    "crop": [TF.resized_crop(img, t, l, h, w, [img.shape[1], img.shape[2]], InterpolationMode.BILINEAR).tolist() for t, l, h, w in req["crops"]],
    # TF.affine turns clockwise for a positive angle (TF.rotate and we turn counter-clockwise).
    "affine": [TF.affine(img, angle=-a, translate=[dx, dy], scale=s, shear=[0.0, 0.0], interpolation=InterpolationMode.BILINEAR).tolist() for a, dx, dy, s in req["affines"]],
}
print(json.dumps(out))
`;

type Chw = number[][][];
interface Reply {
  readonly brightness: Chw[];
  readonly contrast: Chw[];
  readonly saturation: Chw[];
  readonly hue: Chw[];
  readonly hflip: Chw;
  readonly vflip: Chw;
  readonly crop: Chw[];
  readonly affine: Chw[];
}

const toChw = (hwc: Float32Array): Chw =>
  Array.from({ length: C }, (_, k) => Array.from({ length: H }, (_, y) => Array.from({ length: W }, (_, x) => hwc[(y * W + x) * C + k]!)));

/** Largest |ours − theirs| over the pixels where `use(y, x)`, and how many pixels that was. */
function compare(ours: Float32Array, theirs: Chw, use: (y: number, x: number) => boolean = () => true): { max: number; count: number } {
  let max = 0;
  let count = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!use(y, x)) continue;
      count++;
      for (let k = 0; k < C; k++) max = Math.max(max, Math.abs(ours[(y * W + x) * C + k]! - theirs[k]![y]![x]!));
    }
  }
  return { max, count };
}

describe('data/augment against torchvision.transforms.functional', function () {
  this.timeout(60_000);
  const rng = createRng(2024);
  // Mostly saturated-ish colours plus a few grays and extremes, so every HSV branch is taken.
  const image = Float32Array.from({ length: H * W * C }, (_, i) => (i % 17 === 0 ? 1 : i % 19 === 0 ? 0 : rng.next()));
  for (let p = 0; p < 4; p++) image.fill(0.37, p * 5 * C, p * 5 * C + C); // gray pixels: maxc = minc
  let reply: Reply;

  before(function () {
    const python = debianPython(['torch', 'torchvision']);
    if (!python.ok) skipUnavailable(this, python.why);
    const r = spawnSync('/usr/bin/python3', ['-c', PYTHON], {
      timeout: CHILD_TIMEOUT_MS,
      input: JSON.stringify({ image: toChw(image), factors: FACTORS, crops: CROPS, affines: AFFINES }),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(r.status, 0, r.stderr);
    reply = JSON.parse(r.stdout) as Reply;
  });

  const fns = { brightness: adjustBrightness, contrast: adjustContrast, saturation: adjustSaturation, hue: adjustHue } as const;
  for (const name of Object.keys(FACTORS) as (keyof typeof FACTORS)[]) {
    it(`${name}: the same values as TF.adjust_${name} for factors ${FACTORS[name].join(', ')}`, () => {
      FACTORS[name].forEach((f, i) => {
        const ours = Float32Array.from(image);
        fns[name](ours, H * W, C, f);
        const { max } = compare(ours, reply[name][i]!);
        assert.ok(max < 2e-6, `${name} ${f}: off by ${max}`);
      });
    });
  }

  const params = (set: Partial<SampleParams>): SampleParams => Object.assign(newSampleParams(0), { cropTop: 0, cropLeft: 0, cropHeight: H, cropWidth: W }, set);
  const augmented = (p: SampleParams): Float32Array => {
    const ours = Float32Array.from(image);
    applySampleParams(ours, [H, W, C], p, newAugmentScratch([H, W, C]));
    return ours;
  };
  /** Pixels whose source point lies within the pixel centres (no padding or edge rule involved on either side). */
  const interior = (p: SampleParams) => {
    const m = new Float64Array(6);
    inverseAffine(p, H, W, m);
    return (y: number, x: number): boolean => {
      const xs = m[0]! * x + m[1]! * y + m[2]!;
      const ys = m[3]! * x + m[4]! * y + m[5]!;
      return xs >= 1e-4 && xs <= W - 1 - 1e-4 && ys >= 1e-4 && ys <= H - 1 - 1e-4;
    };
  };

  it('flips exactly as TF.hflip and TF.vflip', () => {
    assert.equal(compare(augmented(params({ hflip: true })), reply.hflip).max, 0);
    assert.equal(compare(augmented(params({ vflip: true })), reply.vflip).max, 0);
  });

  it('crops and resizes as TF.resized_crop (bilinear) inside the box', () => {
    CROPS.forEach(([top, left, height, width], i) => {
      const p = params({ cropTop: top, cropLeft: left, cropHeight: height, cropWidth: width });
      // torchvision resizes the box alone (its edge repeats); we read the whole image: compare where both read inside the box.
      const m = new Float64Array(6);
      inverseAffine(p, H, W, m);
      const inBox = (y: number, x: number): boolean => {
        const xs = m[0]! * x + m[2]!;
        const ys = m[4]! * y + m[5]!;
        return xs >= left && xs <= left + width - 1 && ys >= top && ys <= top + height - 1;
      };
      const { max, count } = compare(augmented(p), reply.crop[i]!, inBox);
      assert.ok(count >= 20, `crop ${i}: only ${count} pixels compared`);
      assert.ok(max < 1e-5, `crop ${i}: off by ${max}`);
    });
  });

  it('rotates, zooms and translates as TF.affine (RandomAffine\'s order, counter-clockwise, about the centre)', () => {
    AFFINES.forEach(([angle, dx, dy, scale], i) => {
      const p = params({ angle, dx, dy, scale });
      const { max, count } = compare(augmented(p), reply.affine[i]!, interior(p));
      assert.ok(count >= 20, `affine ${i}: only ${count} pixels compared`);
      assert.ok(max < 1e-4, `affine ${i} (${angle}°, ${dx}, ${dy}, ×${scale}): off by ${max}`);
    });
  });
});

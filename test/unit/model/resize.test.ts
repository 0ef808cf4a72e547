// input.resize: the geometry every decoder and export shares (fitPlan), the field's validation and defaults.
import { strict as assert } from 'node:assert';
import { INPUT_DEFAULTS, inputResize } from '../../../src/model/defaults';
import { parseModelText } from '../../../src/model/parse';
import { fitPlan, RESIZE_POLICIES } from '../../../src/model/resize';
import { modelJsonSchema } from '../../../src/model/schema';
import { textAt } from './helpers';

const model = (input: string): string => `{ "format": "cnn-studio/model@1", "name": "m", "input": ${input}, "layers": [] }`;

describe('input.resize', () => {
  it('stretch resizes to the input whatever the aspect ratio', () => {
    assert.deepEqual(fitPlan(20, 40, 16, 16, 'stretch'), { height: 16, width: 16, top: 0, left: 0 });
    assert.deepEqual(fitPlan(480, 640, 224, 100, 'stretch'), { height: 224, width: 100, top: 0, left: 0 });
  });

  it('centerCrop: the relatively shorter side fits, the other overflows and is cut evenly', () => {
    // 40 wide × 20 high into 16 × 16: scaled to 32 × 16, 8 columns cut on each side.
    assert.deepEqual(fitPlan(20, 40, 16, 16, 'centerCrop'), { height: 16, width: 32, top: 0, left: -8 });
    // Tall: 20 wide × 40 high: 8 rows cut above and below.
    assert.deepEqual(fitPlan(40, 20, 16, 16, 'centerCrop'), { height: 32, width: 16, top: -8, left: 0 });
    // A photo 640 × 480 (w × h) into 224 × 224: 298.67 → 299 wide, 75 columns cut: 37 left, 38 right (odd one right).
    assert.deepEqual(fitPlan(480, 640, 224, 224, 'centerCrop'), { height: 224, width: 299, top: 0, left: -37 });
    // A non-square input: 100 × 100 into 32 high × 64 wide: the width fits, 64 × 64, 16 rows cut above and below.
    assert.deepEqual(fitPlan(100, 100, 32, 64, 'centerCrop'), { height: 64, width: 64, top: -16, left: 0 });
    // Round half up on exact ratios: 30 × 20 (w × h) into 3 × 3 is 4.5 wide → 5.
    assert.deepEqual(fitPlan(20, 30, 3, 3, 'centerCrop'), { height: 3, width: 5, top: 0, left: -1 });
  });

  it('letterbox: the relatively longer side fits, the rest is padded evenly, the odd row at the bottom', () => {
    assert.deepEqual(fitPlan(20, 40, 16, 16, 'letterbox'), { height: 8, width: 16, top: 4, left: 0 });
    assert.deepEqual(fitPlan(40, 20, 16, 16, 'letterbox'), { height: 16, width: 8, top: 0, left: 4 });
    assert.deepEqual(fitPlan(480, 640, 224, 224, 'letterbox'), { height: 168, width: 224, top: 28, left: 0 });
    // 15 high: 7.5 → 8 rows of image, 7 leftover: 3 above, 4 below.
    assert.deepEqual(fitPlan(20, 40, 15, 15, 'letterbox'), { height: 8, width: 15, top: 3, left: 0 });
    // A very wide image keeps at least one row.
    assert.deepEqual(fitPlan(1, 1000, 16, 16, 'letterbox'), { height: 1, width: 16, top: 7, left: 0 });
    assert.deepEqual(fitPlan(100, 100, 32, 64, 'letterbox'), { height: 32, width: 32, top: 0, left: 16 });
  });

  it('an image of the input aspect ratio is resized alike under every policy', () => {
    for (const p of RESIZE_POLICIES) {
      assert.deepEqual(fitPlan(60, 120, 16, 32, p), { height: 16, width: 32, top: 0, left: 0 }, p);
      assert.deepEqual(fitPlan(7, 7, 16, 16, p), { height: 16, width: 16, top: 0, left: 0 }, p);
    }
  });

  it('the plan always covers (centerCrop) or fits inside (letterbox) the input, centred to within one pixel', () => {
    for (let srcH = 1; srcH <= 24; srcH += 1) {
      for (const srcW of [1, 2, 5, 13, 24, 97]) {
        for (const [H, W] of [[8, 8], [5, 9], [12, 7]] as const) {
          const c = fitPlan(srcH, srcW, H, W, 'centerCrop');
          assert.ok(c.height >= H && c.width >= W && (c.height === H || c.width === W), `crop ${srcH}×${srcW}`);
          assert.ok(c.top <= 0 && c.left <= 0 && c.top + c.height >= H && c.left + c.width >= W);
          assert.ok(Math.abs(-c.top - (c.top + c.height - H)) <= 1 && Math.abs(-c.left - (c.left + c.width - W)) <= 1);
          const l = fitPlan(srcH, srcW, H, W, 'letterbox');
          assert.ok(l.height <= H && l.width <= W && (l.height === H || l.width === W) && l.height >= 1 && l.width >= 1, `pad ${srcH}×${srcW}`);
          assert.ok(Math.abs(l.top - (H - l.top - l.height)) <= 1 && Math.abs(l.left - (W - l.left - l.width)) <= 1);
        }
      }
    }
  });

  it('is a model field: default stretch, the values parse, a bad value is an error at the value with a hint', () => {
    assert.equal(INPUT_DEFAULTS.resize, 'stretch');
    assert.equal(inputResize({}), 'stretch');
    assert.equal(inputResize({ resize: 'letterbox' }), 'letterbox');
    for (const p of RESIZE_POLICIES) {
      const parsed = parseModelText(model(`{ "shape": [8, 8, 3], "resize": "${p}" }`));
      assert.deepEqual(parsed.diagnostics, [], p);
      assert.equal(parsed.model!.input.resize, p);
    }
    const text = model('{ "shape": [8, 8, 3], "resize": "centercrop" }');
    const [d, ...rest] = parseModelText(text).diagnostics;
    assert.deepEqual(rest, []);
    assert.equal(d!.message, 'input.resize must be one of "stretch", "centerCrop", "letterbox"; did you mean "centerCrop"?');
    assert.equal(textAt(text, d!.range), '"centercrop"');
    assert.deepEqual(d!.path, ['input', 'resize']);
    assert.equal(d!.suggestion, 'centerCrop');
    const wrongType = model('{ "shape": [8, 8, 3], "resize": 1 }');
    const [t] = parseModelText(wrongType).diagnostics;
    assert.equal(textAt(wrongType, t!.range), '1');
    assert.match(t!.message, /^input\.resize must be one of/);
    // A misspelt key gets a hint too.
    const [k] = parseModelText(model('{ "shape": [8, 8, 3], "resise": "letterbox" }')).diagnostics;
    assert.equal(k!.message, 'unknown field "resise" in input; did you mean "resize"?');
  });

  it('the JSON Schema offers the values (completion) with the default', () => {
    const input = (modelJsonSchema() as { properties: { input: { properties: Record<string, { enum?: string[]; default?: string }> } } }).properties.input;
    assert.deepEqual(input.properties.resize!.enum, ['stretch', 'centerCrop', 'letterbox']);
    assert.equal(input.properties.resize!.default, 'stretch');
  });
});

// The Volumes picture as numbers: which tensors get a box, how big (log-scaled), where the windows go.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildView } from '../../../../src/extension/editor/viewModel';
import { OBLIQUE, VOLUMES_MAX_LAYERS, planVolumes, spatial, thickness, volumesAvailable, windowOf } from '../../../../webview/designer/volumePlan';

const example = (file: string) => buildView(readFileSync(join(__dirname, '../../../../examples', file), 'utf8'), file);

describe('volumes plan', () => {
  it('LeNet-5: the input, two convolutions and two poolings as volumes with their windows, flatten and dense as vectors', () => {
    const view = example('lenet5.cnn.json');
    assert.ok(volumesAvailable(view.rows, view.inputShape));
    const plan = planVolumes(view.rows, view.inputShape!, (i) => view.layers[i]);
    assert.deepEqual(
      plan.items.map((i) => [i.row, i.kind, i.shape.join('×')]),
      [
        [-1, 'volume', '28×28×1'],
        [0, 'volume', '28×28×6'],
        [1, 'volume', '14×14×6'],
        [2, 'volume', '10×10×16'],
        [3, 'volume', '5×5×16'],
        [4, 'vector', '400'],
        [5, 'vector', '120'],
        [6, 'vector', '84'],
        [7, 'vector', '10'],
      ],
    );
    // conv 5×5 on the input, pool 2×2 on the conv's output, …; none on a vector.
    assert.deepEqual(plan.items.map((i) => i.window && [i.window.from, i.window.kh, i.window.kw]), [undefined, [0, 5, 5], [1, 2, 2], [2, 5, 5], [3, 2, 2], undefined, undefined, undefined, undefined]);
    // Height by H, depth by W, thickness by C, each log-scaled: 28 rows are taller than 14, 16 channels thicker than 6.
    const [input, conv1, pool1, conv2] = plan.items;
    assert.equal(conv1!.h, spatial(28));
    assert.ok(conv1!.h > pool1!.h && pool1!.h > conv2!.h);
    assert.equal(conv2!.w, thickness(16));
    assert.ok(conv2!.w > conv1!.w && conv1!.w > input!.w);
    // Left to right without overlap, inside the picture.
    for (let k = 1; k < plan.items.length; k++) {
      const a = plan.items[k - 1]!;
      assert.ok(plan.items[k]!.x >= a.x + a.w + a.d * OBLIQUE, `item ${k} overlaps the one before`);
    }
    const last = plan.items.at(-1)!;
    assert.ok(last.x + last.w <= plan.width && plan.midY + last.h / 2 < plan.height);
  });

  it('folds shape-keeping layers into the box before them, and draws a shortcut as an arc', () => {
    const view = buildView(
      JSON.stringify({
        format: 'cnn-studio/model@1',
        input: { shape: [16, 16, 8] },
        layers: [
          { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same' },
          { type: 'batchNorm' },
          { type: 'relu' },
          { type: 'conv2d', filters: 8, kernelSize: [1, 3], padding: 'same' },
          { type: 'add', inputs: ['conv2d_3', 'input'] },
          { type: 'globalAvgPool2d' },
        ],
      }),
      'block',
    );
    const plan = planVolumes(view.rows, view.inputShape!, (i) => view.layers[i]);
    assert.deepEqual(plan.items.map((i) => i.types.join('+')), ['input', 'conv2d+batchNorm+relu', 'conv2d', 'add', 'globalAvgPool2d']);
    assert.deepEqual(plan.items[1]!.rows, [0, 1, 2]);
    assert.deepEqual(plan.items[2]!.window, { from: 1, kh: 1, kw: 3 });
    assert.deepEqual(plan.items[3]!.skips, [0], 'the add reads the input: an arc from the first box');
  });

  it('is offered for small models with every shape known only', () => {
    // (A shape guessed past an error, as in broken.cnn.json, is known: its box is drawn.)
    const resnet = example('resnet20.cnn.json');
    assert.ok(resnet.rows.length > VOLUMES_MAX_LAYERS);
    assert.equal(volumesAvailable(resnet.rows, resnet.inputShape), false);
    const lenet = example('lenet5.cnn.json');
    const unknown = lenet.rows.map((r) => (r.index === 3 ? { ...r, outputShape: undefined } : r));
    assert.equal(volumesAvailable(unknown, lenet.inputShape), false);
    assert.equal(volumesAvailable(lenet.rows, undefined), false);
    assert.deepEqual(windowOf('maxPool2d', {}), { kh: 2, kw: 2 });
    assert.equal(windowOf('dense', { kernelSize: 3 }), undefined);
  });
});

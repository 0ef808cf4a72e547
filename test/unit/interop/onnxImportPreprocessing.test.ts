// ONNX import of the preprocessing a PyTorch model may carry: `(x - mean) / std` (Sub, Div by constants per channel)
// → normalization, `x * s + o` (Mul, Add of single values) → rescaling; each computes what ONNX Runtime does.
import assert from 'node:assert/strict';
import { importOnnx } from '../../../src/interop/onnx/import';
import { floatTensor, intAttr } from '../../../src/interop/onnx/proto';
import { assertAgrees, handModel, node, rand } from './onnxHand';

const MEAN = Float32Array.of(0.485, 0.456, 0.406);
const STD = Float32Array.of(0.229, 0.224, 0.225);

describe('ONNX import of preprocessing (rescaling, normalization)', () => {
  it("reads torch's ImageNet normalisation on the graph input as a normalization layer (variance std²)", async () => {
    const nodes = [
      node('Sub', '/normalize/Sub', ['x', 'mean'], ['centred']),
      node('Div', '/normalize/Div', ['centred', 'std'], ['normed']),
      node('Conv', 'conv', ['normed', 'conv.w'], ['y'], [intAttr('kernel_shape', [3, 3])]),
    ];
    const inits = [floatTensor('mean', [1, 3, 1, 1], MEAN), floatTensor('std', [1, 3, 1, 1], STD), floatTensor('conv.w', [2, 3, 3, 3], rand(54))];
    const imported = await assertAgrees(handModel(nodes, inits, ['N', 3, 6, 6], ['N', 2, 4, 4]), [2, 3, 6, 6]);
    const [norm, conv] = imported.model.layers;
    assert.deepEqual(norm, { type: 'normalization', name: 'normalize', mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] });
    assert.equal(conv!.type, 'conv2d');
  });

  it('reads x * s + o of single values as a rescaling layer, and one mean for every channel as a number', async () => {
    const nodes = [
      node('Mul', 'scale/Mul', ['x', 's'], ['scaled']),
      node('Add', 'scale', ['scaled', 'o'], ['shifted']),
      node('Sub', 'norm/Sub', ['shifted', 'm'], ['centred']),
      node('Div', 'norm', ['centred', 'd'], ['y']),
    ];
    const inits = [floatTensor('s', [], Float32Array.of(2)), floatTensor('o', [], Float32Array.of(-1)), floatTensor('m', [3, 1, 1], Float32Array.of(0.5, 0.5, 0.5)), floatTensor('d', [1], Float32Array.of(0.5))];
    const imported = await assertAgrees(handModel(nodes, inits, ['N', 3, 4, 4], ['N', 3, 4, 4]), [2, 3, 4, 4]);
    assert.deepEqual(imported.model.layers, [
      { type: 'rescaling', name: 'scale', scale: 2, offset: -1 },
      { type: 'normalization', name: 'norm', mean: 0.5, variance: 0.25 },
    ]);
  });

  it('refuses a Sub that is not a normalization, and a division by a non-positive std, naming the node', () => {
    const alone = [node('Sub', 'lonely', ['x', 'm'], ['y'])];
    assert.throws(() => importOnnx(handModel(alone, [floatTensor('m', [1], Float32Array.of(1))], ['N', 3, 4, 4], ['N', 3, 4, 4]), { name: 'm' }), /Sub \(node "lonely"\): only \(x − mean\) \/ std with constants per channel \(Sub, then Div by positive values: a normalization\) is supported/);
    const negative = [node('Sub', 'sub', ['x', 'm'], ['c']), node('Div', 'div', ['c', 'd'], ['y'])];
    const inits = [floatTensor('m', [1], Float32Array.of(1)), floatTensor('d', [3, 1, 1], Float32Array.of(1, -1, 1))];
    assert.throws(() => importOnnx(handModel(negative, inits, ['N', 3, 4, 4], ['N', 3, 4, 4]), { name: 'm' }), /Sub \(node "sub"\): only \(x − mean\)/);
  });
});

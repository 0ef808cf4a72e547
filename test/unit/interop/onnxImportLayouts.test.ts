// Layouts an exporter leaves in a graph: ConvNeXt's channels-last linear layers between Permutes (MatMul on
// [N, H, W, C] → a 1×1 convolution), its head's LayerNorm position ([N, C, 1, 1] transposed to [N, 1, 1, C]),
// ReduceMean over height and width as global pooling (opset 13's axes attribute, 18's input), Gemm's transB, alpha
// and beta. Each graph is checked against ONNX Runtime.
import assert from 'node:assert/strict';
import { importOnnx } from '../../../src/interop/onnx/import';
import { nodeNameHint } from '../../../src/interop/onnx/importOps';
import { floatAttr, floatTensor, int64Tensor, intAttr } from '../../../src/interop/onnx/proto';
import { assertAgrees, handModel, node, rand } from './onnxHand';

describe('ONNX import: layouts, linear layers and reductions', function () {
  this.timeout(60_000);

  it('converts channels-last MatMul + Add to 1×1 convolutions, and a linear layer on a pooled channels-last tensor to dense', async () => {
    const nodes = [
      node('Conv', '/stem/Conv', ['x', 'stem.weight', 'stem.bias'], ['c'], [intAttr('kernel_shape', [1, 1])]),
      node('Transpose', '/block/block.1/Transpose', ['c'], ['t'], [intAttr('perm', [0, 2, 3, 1])]),
      node('MatMul', '/block/block.3/MatMul', ['t', 'onnx::MatMul_1'], ['m1']),
      node('Add', '/block/block.3/Add', ['block.3.bias', 'm1'], ['a1']),
      node('Relu', '/block/block.4/Relu', ['a1'], ['r']),
      node('MatMul', '/block/block.5/MatMul', ['r', 'onnx::MatMul_2'], ['m2']),
      node('Add', '/block/block.5/Add', ['m2', 'block.5.bias'], ['a2']),
      node('Transpose', '/block/block.6/Transpose', ['a2'], ['back'], [intAttr('perm', [0, 3, 1, 2])]),
      node('Add', '/Add', ['back', 'c'], ['sum']),
      node('ReduceMean', '/pool/ReduceMean', ['sum'], ['p'], [intAttr('axes', [-1, -2]), intAttr('keepdims', 1)]),
      node('Transpose', '/head/Transpose', ['p'], ['pl'], [intAttr('perm', [0, 2, 3, 1])]),
      node('MatMul', '/head/MatMul', ['pl', 'onnx::MatMul_3'], ['hm']),
      node('Add', '/head/Add', ['hm', 'head.bias'], ['ha']),
      node('Transpose', '/head/Transpose_1', ['ha'], ['hb'], [intAttr('perm', [0, 3, 1, 2])]),
      node('Flatten', '/Flatten', ['hb'], ['f'], [intAttr('axis', 1)]),
      node('Gemm', '/fc/Gemm', ['f', 'fc.weight', 'fc.bias'], ['y'], [intAttr('transB', 1), floatAttr('alpha', 0.5), floatAttr('beta', 2)]),
    ];
    const inits = [
      floatTensor('stem.weight', [4, 3, 1, 1], rand(12)), floatTensor('stem.bias', [4], rand(4)),
      floatTensor('onnx::MatMul_1', [4, 8], rand(32)), floatTensor('block.3.bias', [8], rand(8)),
      floatTensor('onnx::MatMul_2', [8, 4], rand(32)), floatTensor('block.5.bias', [4], rand(4)),
      floatTensor('onnx::MatMul_3', [4, 6], rand(24)), floatTensor('head.bias', [1, 1, 1, 6], rand(6)),
      floatTensor('fc.weight', [5, 6], rand(30)), floatTensor('fc.bias', [5], rand(5)),
    ];
    const imported = await assertAgrees(handModel(nodes, inits, ['N', 3, 5, 6], ['N', 5]), [2, 3, 5, 6]);
    assert.deepEqual(imported.model.layers.map((l) => [l.type, l.name ?? '']), [
      ['conv2d', 'stem'], ['conv2d', 'block.3'], ['relu', 'block.4'], ['conv2d', 'block.5'], ['add', ''], ['globalAvgPool2d', 'pool'], ['dense', 'head'], ['dense', 'fc'],
    ]);
    assert.deepEqual(imported.model.layers[1], { type: 'conv2d', name: 'block.3', filters: 8, kernelSize: 1 });
  });

  it("converts 1×1 convolutions on a globally pooled tensor (squeeze-and-excitation's) to conv2d on the pool kept 1×1×C (keepDims), as PyTorch's modules are", async () => {
    const nodes = [
      node('GlobalAveragePool', '/avgpool/GlobalAveragePool', ['x'], ['p']),
      node('Conv', '/se/fc1/Conv', ['p', 'se.fc1.weight', 'se.fc1.bias'], ['c1'], [intAttr('kernel_shape', [1, 1])]),
      node('Relu', '/se/relu/Relu', ['c1'], ['r']),
      node('Conv', '/se/fc2/Conv', ['r', 'se.fc2.weight'], ['c2'], [intAttr('kernel_shape', [1, 1])]),
      node('Sigmoid', '/se/Sigmoid', ['c2'], ['s']),
      node('Flatten', '/Flatten', ['s'], ['y']),
    ];
    const inits = [floatTensor('se.fc1.weight', [3, 6, 1, 1], rand(18)), floatTensor('se.fc1.bias', [3], rand(3)), floatTensor('se.fc2.weight', [6, 3, 1, 1], rand(18))];
    const imported = await assertAgrees(handModel(nodes, inits, ['N', 6, 4, 3], ['N', 6]), [2, 6, 4, 3]);
    assert.deepEqual(imported.model.layers.map((l) => [l.type, l.name]), [['globalAvgPool2d', 'avgpool'], ['conv2d', 'se.fc1'], ['relu', 'se.relu'], ['conv2d', 'se.fc2'], ['sigmoid', 'se'], ['flatten', undefined]]);
  });

  it('names layers as PyTorch names their parameters, uniquely', async () => {
    const hint = (name: string, opType: string): string => nodeNameHint({ name, opType });
    assert.equal(hint('/layer1/layer1.0/conv1/Conv', 'Conv'), 'layer1.0.conv1');
    assert.equal(hint('/features/features.1/features.1.0/block/block.0/Conv', 'Conv'), 'features.1.0.block.0');
    assert.equal(hint('/layer4/layer4.1/relu_1/Relu', 'Relu'), 'layer4.1.relu_1');
    assert.equal(hint('/Flatten', 'Flatten'), '');
    assert.equal(hint('stage1/conv2d_0/Relu', 'Relu'), 'stage1/conv2d_0');
    // Batch norm folded: the weights are "onnx::Conv_…", the node names the module; a name met twice gets "_1".
    const nodes = [
      node('Conv', '/features/features.0/features.0.0/Conv', ['x', 'onnx::Conv_7'], ['a'], [intAttr('kernel_shape', [1, 1])]),
      node('Relu', '/features/features.0/features.0.0/Relu', ['a'], ['b']),
      node('Relu', '/features/features.0/features.0.2/Relu', ['b'], ['y']),
    ];
    const imported = await assertAgrees(handModel(nodes, [floatTensor('onnx::Conv_7', [2, 2, 1, 1], rand(4))], ['N', 2, 3, 3], ['N', 2, 3, 3]), [1, 2, 3, 3]);
    assert.deepEqual(imported.model.layers.map((l) => l.name), ['features.0.0', 'features.0.0_1', 'features.0.2']);
    assert.deepEqual(imported.tensors.map((t) => t.name), ['features.0.0.kernel']);
  });

  it('follows features viewed as [N, C, 1, 1] and back (a gate after nn.Linear) without a layer', async () => {
    const nodes = [
      node('GlobalAveragePool', '/pool/GlobalAveragePool', ['x'], ['p']),
      node('Flatten', '/Flatten', ['p'], ['f']),
      node('Gemm', '/fc/Gemm', ['f', 'fc.weight'], ['g'], [intAttr('transB', 1)]),
      node('Reshape', '/Reshape', ['g', 'to4d'], ['r']),
      node('Conv', '/proj/Conv', ['r', 'proj.weight'], ['c'], [intAttr('kernel_shape', [1, 1])]),
      node('Reshape', '/Reshape_1', ['c', 'to2d'], ['y']),
    ];
    const inits = [floatTensor('fc.weight', [5, 3], rand(15)), int64Tensor('to4d', [-1, 5, 1, 1]), floatTensor('proj.weight', [2, 5, 1, 1], rand(10)), int64Tensor('to2d', [0, -1])];
    const imported = await assertAgrees(handModel(nodes, inits, ['N', 3, 4, 4], ['N', 2]), [2, 3, 4, 4]);
    assert.deepEqual(imported.model.layers.map((l) => l.type), ['globalAvgPool2d', 'dense', 'dense']);
    const wrong = handModel(nodes.slice(0, 4), [...inits.slice(0, 1), int64Tensor('to4d', [-1, 5, 1, 2])], ['N', 3, 4, 4], ['N', 5, 1, 2]);
    assert.throws(() => importOnnx(wrong, { name: 'm' }), /Reshape \(node "\/Reshape"\): only a reshape to \[batch, features\] or a channel shuffle .* is supported, not \[-1, 5, 1, 2\]/);
  });

  it('passes a Concat of one input through (torch.cat of a one-tensor list, as DenseNet writes)', async () => {
    const nodes = [
      node('Concat', '/denseblock1/denselayer1/Concat', ['x'], ['c'], [intAttr('axis', 1)]),
      node('Conv', '/denseblock1/denselayer1/conv1/Conv', ['c', 'w'], ['y'], [intAttr('kernel_shape', [1, 1])]),
    ];
    const imported = await assertAgrees(handModel(nodes, [floatTensor('w', [4, 3, 1, 1], rand(12))], ['N', 3, 4, 4], ['N', 4, 4, 4]), [2, 3, 4, 4]);
    assert.deepEqual(imported.model.layers, [{ type: 'conv2d', name: 'denseblock1.denselayer1.conv1', filters: 4, kernelSize: 1, useBias: false }]);
  });

  it("names a DenseNet concatenation after the module whose forward runs it (its own node's scope), not after a layer near it", async () => {
    // torchvision's _DenseLayer.forward starts with torch.cat(inputs, 1), so the Concat feeding denselayer2's norm1 is
    // in denselayer2's scope, and the block's last one in the block's: the importer's rule for every layer.
    const L = '/features/denseblock1';
    const P = 'features.denseblock1';
    const norm = (l: string, c: number) => ['weight', 'bias', 'running_mean', 'running_var'].map((k) => floatTensor(`${P}.${l}.norm1.${k}`, [c], k === 'running_var' ? rand(c).map((v) => 1 + Math.abs(v)) : rand(c)));
    const layer = (l: string, input: string, out: string) => [
      node('BatchNormalization', `${L}/${l}/norm1/BatchNormalization`, [input, ...['weight', 'bias', 'running_mean', 'running_var'].map((k) => `${P}.${l}.norm1.${k}`)], [`${l}b`], [floatAttr('epsilon', 1e-5)]),
      node('Relu', `${L}/${l}/relu1/Relu`, [`${l}b`], [`${l}r`]),
      node('Conv', `${L}/${l}/conv1/Conv`, [`${l}r`, `${P}.${l}.conv1.weight`], [out], [intAttr('kernel_shape', [1, 1])]),
    ];
    const nodes = [
      node('Concat', `${L}/denselayer1/Concat`, ['x'], ['c1'], [intAttr('axis', 1)]),
      ...layer('denselayer1', 'c1', 'n1'),
      node('Concat', `${L}/denselayer2/Concat`, ['x', 'n1'], ['c2'], [intAttr('axis', 1)]),
      ...layer('denselayer2', 'c2', 'n2'),
      node('Concat', `${L}/Concat`, ['x', 'n1', 'n2'], ['y'], [intAttr('axis', 1)]),
    ];
    const inits = [...norm('denselayer1', 3), floatTensor(`${P}.denselayer1.conv1.weight`, [2, 3, 1, 1], rand(6)), ...norm('denselayer2', 5), floatTensor(`${P}.denselayer2.conv1.weight`, [2, 5, 1, 1], rand(10))];
    const imported = await assertAgrees(handModel(nodes, inits, ['N', 3, 4, 4], ['N', 7, 4, 4]), [2, 3, 4, 4]);
    assert.deepEqual(imported.model.layers.map((l) => [l.type, l.name]), [
      ['batchNorm', `${P}.denselayer1.norm1`], ['relu', `${P}.denselayer1.relu1`], ['conv2d', `${P}.denselayer1.conv1`],
      ['concatenate', `${P}.denselayer2`], ['batchNorm', `${P}.denselayer2.norm1`], ['relu', `${P}.denselayer2.relu1`], ['conv2d', `${P}.denselayer2.conv1`],
      ['concatenate', P],
    ]);
    assert.equal(nodeNameHint(nodes[4]!), `${P}.denselayer2`);
  });

  for (const opset of [13, 18]) {
    it(`converts ReduceMean over height and width to global average pooling, keepdims 0 and 1 (opset ${opset})`, async () => {
      const axes = opset >= 18 ? { input: ['axes'], attr: [] } : { input: [], attr: [intAttr('axes', [2, 3])] };
      const nodes = [
        node('Conv', '/conv/Conv', ['x', 'w'], ['c'], [intAttr('kernel_shape', [2, 2])]),
        node('ReduceMean', '/mean/ReduceMean', ['c', ...axes.input], ['m'], [...axes.attr, intAttr('keepdims', 0)]),
        node('Gemm', '/fc/Gemm', ['m', 'fc.weight'], ['g']),
        node('ReduceMean', '/mean2/ReduceMean', ['c', ...axes.input], ['k'], axes.attr),
        node('Flatten', '/Flatten', ['k'], ['kf']),
        node('Gemm', '/fc2/Gemm', ['kf', 'fc.weight'], ['g2']),
        node('Add', '/Add', ['g', 'g2'], ['y']),
      ];
      const inits = [floatTensor('w', [3, 2, 2, 2], rand(24)), floatTensor('fc.weight', [3, 4], rand(12)), ...(opset >= 18 ? [int64Tensor('axes', [2, 3])] : [])];
      const imported = await assertAgrees(handModel(nodes, inits, ['N', 2, 6, 5], ['N', 4], opset), [3, 2, 6, 5]);
      assert.deepEqual(imported.model.layers.map((l) => l.type), ['conv2d', 'globalAvgPool2d', 'dense', 'globalAvgPool2d', 'dense', 'add']);
    });
  }

  it('refuses a ReduceMean over other axes and a transpose it cannot follow, saying which', () => {
    const channels = handModel([node('ReduceMean', 'r', ['x'], ['y'], [intAttr('axes', [1])])], [], ['N', 2, 4, 4], ['N', 1, 4, 4]);
    assert.throws(() => importOnnx(channels, { name: 'm' }), /ReduceMean \(node "r"\): axes \[1\] of a nchw tensor: only a mean over height and width \(global average pooling\), or over the channels/);
    const hw = handModel([node('Transpose', 't', ['x'], ['y'], [intAttr('perm', [0, 1, 3, 2])])], [], ['N', 2, 4, 4], ['N', 2, 4, 4]);
    assert.throws(() => importOnnx(hw, { name: 'm' }), /Transpose \(node "t"\): perm \[0,1,3,2\] of a nchw tensor: only NHWC ↔ NCHW transposes are supported/);
    const gemm = handModel([node('Flatten', 'f', ['x'], ['f']), node('Gemm', 'g', ['f', 'w', 'b'], ['y'])], [floatTensor('w', [32, 2], rand(64)), floatTensor('b', [3, 2], rand(6))], ['N', 2, 4, 4], ['N', 2]);
    assert.throws(() => importOnnx(gemm, { name: 'm' }), /Gemm \(node "g"\): its bias C has dims \[3, 2\], not one value per unit \(2\) on the last axis/);
  });
});

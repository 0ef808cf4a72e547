// The training view's layers as rows of the designer's diagram (webview/training/graph.ts).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildView } from '../../../../src/extension/editor/viewModel';
import { findBlocks } from '../../../../webview/designer/blocks';
import { layersDiagram } from '../../../../webview/training/graph';

describe('training view: the layers drawn by the designer\'s diagram', () => {
  it('a chain reads the layer before; a graph the layers it names, "input" the model input', () => {
    const chain = layersDiagram({ shape: [28, 28, 1] }, [
      { name: 'conv2d_0', type: 'conv2d', shape: [26, 26, 8] },
      { name: 'relu_1', type: 'relu', shape: [26, 26, 8] },
    ]);
    assert.deepEqual(chain.inputShape, [28, 28, 1]);
    assert.deepEqual(chain.rows.map((r) => [r.index, r.type, r.inputs.map((i) => i.index), r.outputShape]), [[0, 'conv2d', [-1], [26, 26, 8]], [1, 'relu', [0], [26, 26, 8]]]);
    const graph = layersDiagram({ shape: [8, 8, 3] }, [
      { name: 'a', type: 'conv2d', inputs: ['input'], shape: [8, 8, 4] },
      { name: 'b', type: 'conv2d', inputs: ['input'], shape: [8, 8, 4] },
      { name: 'sum', type: 'add', inputs: ['a', 'b'], shape: [8, 8, 4] },
      { name: 'old', shape: [4] },
    ]);
    assert.deepEqual(graph.rows.map((r) => r.inputs.map((i) => i.index)), [[-1], [-1], [0, 1], [2]]);
    assert.equal(graph.rows[3]!.type, 'layer', 'maps from before layer types were sent');
  });

  it('ResNet-20 without its settings: the same repeated blocks as the designer finds, told apart by shapes', () => {
    const model = JSON.parse(readFileSync(join(__dirname, '../../../../examples/resnet20.cnn.json'), 'utf8')) as { input: { shape: number[] }; layers: { inputs?: string[] }[] };
    const view = buildView(JSON.stringify(model), 'resnet20');
    const maps = view.rows.map((r) => ({ name: r.name, type: r.type, ...(model.layers[r.index]!.inputs ? { inputs: model.layers[r.index]!.inputs } : {}), shape: r.outputShape ?? [] }));
    const blocks = (rows: Parameters<typeof findBlocks>[0]): string[] => findBlocks(rows).map((b) => `${b.first}–${b.last} ${b.label}`);
    assert.deepEqual(blocks(layersDiagram({ shape: model.input.shape }, maps).rows), blocks(view.rows));
    assert.equal(blocks(view.rows).length, 3);
  });
});

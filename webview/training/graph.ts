// The training view's layers as the designer's diagram draws them (webview/designer/diagram.ts, the same
// component): one row per layer in file order, an edge from each input the file names ("input": the model's
// input), else from the layer before. Shapes are the maps' own. No DOM: unit-tested.
import type { MapView } from '../../src/protocol/training';
import type { DiagramRow, DiagramView } from '../designer/diagramView';

export function layersDiagram(input: Pick<MapView, 'shape'>, layers: readonly Pick<MapView, 'name' | 'type' | 'inputs' | 'shape'>[]): DiagramView {
  const indexOf = new Map(layers.map((m, i) => [m.name, i]));
  const shapeOf = (i: number): string => (i < 0 ? input.shape : (layers[i]?.shape ?? [])).join('×');
  const rows: DiagramRow[] = layers.map((m, i) => {
    const inputs = m.inputs ? m.inputs.map((name) => ({ index: name === 'input' ? -1 : (indexOf.get(name) ?? -1) })) : [{ index: i - 1 }];
    return {
      index: i,
      type: m.type ?? 'layer',
      name: m.name,
      // No settings here: shapes in and out tell repeats apart as settings do (a stage's blocks from the next
      // one's, a strided convolution from the one after it).
      summary: `${inputs.map((x) => shapeOf(x.index)).join(',')}→${shapeOf(i)}`,
      inputs,
      outputShape: m.shape,
      errors: [],
      warnings: [],
    };
  });
  return { rows, inputShape: input.shape };
}

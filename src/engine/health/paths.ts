// Which layers' gradients the vanishing-gradient rule compares. File order is not the order gradients travel in a
// graph: a ResNet block may list its 1×1 shortcut projection first, and a gradient reaches that projection through
// the shortcut, one layer from the output, however deep the main path is. Depth along the graph is what makes a
// gradient vanish, so the rule compares the two ends of the graph's longest path from the model input to its output.
import type { LayerInput } from '../../model/analysis';

/** Each layer's inputs as model/analysis resolves them (ModelAnalysis.layers fits): the producing layer's index,
 *  −1 for the model input. */
export type LayerGraph = readonly { readonly inputs: readonly Pick<LayerInput, 'index'>[] }[];

/**
 * The layers (file indices) of the longest path, counted in layers, from the model input to the model output (the
 * last layer), input side first: every layer of a chain; the main path of a residual graph, never a shortcut that
 * skips its layers; no dead branch. Where two inputs are equally deep, the first named is followed.
 */
export function longestPath(graph: LayerGraph): number[] {
  // depth[i]: layers on the longest path from the model input to layer i, itself included. A reference that does not
  // point backwards (a model that did not validate) counts as the model input, so the walk below always ends.
  const producer = (i: number, index: number | undefined): number => (index !== undefined && index >= 0 && index < i ? index : -1);
  const depth: number[] = [];
  const depthOf = (j: number): number => (j < 0 ? 0 : depth[j]!);
  graph.forEach((l, i) => depth.push(1 + l.inputs.reduce((d, inp) => Math.max(d, depthOf(producer(i, inp.index))), 0)));
  const path: number[] = [];
  for (let i = graph.length - 1; i >= 0; ) {
    path.push(i);
    let next = -1;
    for (const inp of graph[i]!.inputs) {
      const j = producer(i, inp.index);
      if (depthOf(j) > depthOf(next)) next = j;
    }
    i = next;
  }
  return path.reverse();
}

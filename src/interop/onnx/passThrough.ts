// After a node the importer cannot convert, the walk goes on where the node's output shape is certain: an
// operator that keeps its input's shape (an elementwise activation, a normalization) hands its input's value on,
// so the nodes after it are checked too. The model is not converted anyway (the node stays unsupported), but the
// .onnx view shows the shapes past it and every unsupported node, not only the first on each path.
import type { ImportGraph } from './importGraph';
import type { onnx } from './proto';

/** ONNX operators whose first output has exactly the shape of their first input (the other inputs are constants). */
const SHAPE_KEEPING = new Set([
  'Abs', 'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'BatchNormalization', 'Ceil', 'Celu', 'Clip', 'Cos', 'Cosh',
  'Dropout', 'Elu', 'Erf', 'Exp', 'Floor', 'Gelu', 'HardSigmoid', 'HardSwish', 'Hardmax', 'Identity', 'InstanceNormalization',
  'LayerNormalization', 'LeakyRelu', 'Log', 'LogSoftmax', 'LpNormalization', 'LRN', 'MeanVarianceNormalization', 'Mish', 'Neg',
  'PRelu', 'Reciprocal', 'Relu', 'Round', 'Selu', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Softmax', 'Softplus', 'Softsign',
  'Sqrt', 'Tan', 'Tanh', 'ThresholdedRelu',
]);

/** Gives an unsupported shape-keeping node's output its input's value, when that input is a layer's output; true
 *  when it did. */
export function passThrough(g: ImportGraph, node: onnx.INodeProto): boolean {
  const [data, ...rest] = node.input ?? [];
  const output = node.output?.[0];
  if (node.domain || !SHAPE_KEEPING.has(node.opType ?? '') || !data || !output || g.values.has(output)) return false;
  const value = g.values.get(data);
  // Another activation input (not a weight) may change the shape by broadcasting: not certain then.
  if (value?.kind !== 'act' || rest.some((t) => t && g.values.get(t)?.kind !== 'const')) return false;
  g.setOutput(node, value);
  return true;
}

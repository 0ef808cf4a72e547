// The reference engine for differential tests: each model layer written with @tensorflow/tfjs-core ops (CPU backend),
// reading the same weights as the engine under test.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers gradient functions only on request.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { LayerInfo } from '../../../src/model/analysis';
import { paddingSides } from '../../../src/model/shapes';
import type { ActivationName } from '../../../src/model/types';
import type { Param } from '../../../src/engine/layer';
import type { Tensor } from '../../../src/engine/tensor';

export { tf };

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

export function toTf(t: Tensor): tf.Tensor {
  return tf.tensor(t.data, [...t.shape], 'float32');
}

export function paramsToTf(params: readonly Param[]): Map<string, tf.Tensor> {
  return new Map(params.map((p) => [p.name, tf.tensor(p.value, [...p.shape], 'float32')]));
}

function act(name: ActivationName | undefined, z: tf.Tensor, alpha = 0.3): tf.Tensor {
  switch (name ?? 'linear') {
    case 'linear': return z;
    case 'relu': return tf.relu(z);
    case 'relu6': return tf.relu6(z);
    case 'swish': return tf.mul(z, tf.sigmoid(z));
    case 'leakyRelu': return tf.leakyRelu(z, alpha);
    case 'sigmoid': return tf.sigmoid(z);
    case 'tanh': return tf.tanh(z);
    case 'softmax': return tf.softmax(z);
  }
}

/** Per dropout layer name, which inputs the engine kept (1) or dropped (0) in its training forward (Dropout.keptMask). */
export type DropoutMasks = ReadonlyMap<string, Uint8Array>;

/** One layer of any number of inputs (add, concatenate) in tfjs; see tfLayer. */
export function tfNode(info: LayerInfo, p: ReadonlyMap<string, tf.Tensor>, xs: readonly tf.Tensor[], training: boolean, masks?: DropoutMasks): tf.Tensor {
  if (info.layer.type === 'add') return tf.addN([...xs]);
  if (info.layer.type === 'concatenate') return tf.concat([...xs], -1);
  if (xs.length !== 1) throw new Error(`${info.name}: ${info.layer.type} takes one input, got ${xs.length}`);
  return tfLayer(info, p, xs[0]!, training, masks);
}

/** One layer in tfjs. `p` maps param names ("<layer>.kernel", …) to tf tensors; `masks` is needed for dropout in training. */
export function tfLayer(info: LayerInfo, p: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor, training: boolean, masks?: DropoutMasks): tf.Tensor {
  const l = info.layer;
  const get = (suffix: string): tf.Tensor => {
    const t = p.get(`${info.name}.${suffix}`);
    if (!t) throw new Error(`missing ${info.name}.${suffix}`);
    return t;
  };
  const bias = (z: tf.Tensor, useBias: boolean | undefined): tf.Tensor => (useBias === false ? z : tf.add(z, get('bias')));
  const w = info.window;
  switch (l.type) {
    case 'conv2d': {
      const z = tf.conv2d(x as tf.Tensor4D, get('kernel') as tf.Tensor4D, [w!.sh, w!.sw], l.padding ?? 'valid', 'NHWC', [w!.dh, w!.dw]);
      return act(l.activation, bias(z, l.useBias));
    }
    case 'depthwiseConv2d': {
      const z = tf.depthwiseConv2d(x as tf.Tensor4D, get('kernel') as tf.Tensor4D, [w!.sh, w!.sw], l.padding ?? 'valid', 'NHWC', [w!.dh, w!.dw]);
      return act(l.activation, bias(z, l.useBias));
    }
    case 'separableConv2d': {
      const z = tf.separableConv2d(
        x as tf.Tensor4D, get('depthwiseKernel') as tf.Tensor4D, get('pointwiseKernel') as tf.Tensor4D, [w!.sh, w!.sw], l.padding ?? 'valid', [w!.dh, w!.dw], 'NHWC',
      );
      return act(l.activation, bias(z, l.useBias));
    }
    case 'zeroPadding2D': {
      const [[top, bottom], [left, right]] = paddingSides(l.padding ?? 1);
      return tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    }
    case 'add':
    case 'concatenate':
      throw new Error(`${info.name}: ${l.type} takes several inputs (tfNode)`);
    case 'maxPool2d':
      return tf.maxPool(x as tf.Tensor4D, [w!.kh, w!.kw], [w!.sh, w!.sw], l.padding ?? 'valid');
    case 'avgPool2d':
      return tf.avgPool(x as tf.Tensor4D, [w!.kh, w!.kw], [w!.sh, w!.sw], l.padding ?? 'valid');
    case 'globalAvgPool2d':
      return tf.mean(x, [1, 2]);
    case 'globalMaxPool2d':
      return tf.max(x, [1, 2]);
    case 'flatten':
      return tf.reshape(x, [x.shape[0]!, -1]);
    case 'dense':
      return act(l.activation, bias(tf.matMul(x as tf.Tensor2D, get('kernel') as tf.Tensor2D), l.useBias));
    case 'dropout': {
      if (!training) return x;
      // The engine's random draw, scaled here independently (inverted dropout, as Keras): x · keep / (1 − rate).
      const keep = masks?.get(info.name);
      if (!keep) throw new Error(`${info.name}: dropout in training needs the engine's mask (Dropout.keptMask())`);
      return tf.mul(x, tf.div(tf.tensor(Float32Array.from(keep), x.shape, 'float32'), 1 - l.rate));
    }
    case 'batchNorm': {
      const eps = l.epsilon ?? 0.001;
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = training ? tf.moments(x, axes) : { mean: get('movingMean'), variance: get('movingVariance') };
      return tf.batchNorm(x, mean, variance, get('beta'), get('gamma'), eps);
    }
    case 'relu':
    case 'relu6':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return act(l.type, x);
    case 'leakyRelu':
      return act('leakyRelu', x, l.alpha ?? 0.3);
  }
}

/** A whole model in tfjs: layers in file order, each reading the outputs its `inputs` name; the last one's. */
export function tfModel(infos: readonly LayerInfo[], p: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor, training: boolean, masks?: DropoutMasks): tf.Tensor {
  const values: tf.Tensor[] = [x];
  for (const info of infos) values.push(tfNode(info, p, info.inputs.map((inp) => values[inp.index! + 1]!), training, masks));
  return values[values.length - 1]!;
}

import { formatCount } from '../format';
import { formatDims, type ActivationName, type LayerBase } from './base';
import { orDefault } from './convolution';
import { activatedOutput, ownBuffers, backwardReadsOutput, inputGradient, lastAxisRegion, sizeOf, type LayerDef } from './def';
import { activation, common, MAX_UNITS, useBias, type LayerSpec } from './fields';

export interface DenseLayer extends LayerBase {
  readonly type: 'dense';
  readonly units: number;
  readonly useBias?: boolean;
  readonly activation?: ActivationName;
}

const spec: LayerSpec = {
  doc: 'Fully connected layer: every output unit sees every input feature.',
  keras: 'Dense',
  fields: {
    ...common,
    units: { kind: 'int', min: 1, max: MAX_UNITS, doc: 'Number of output features.' },
    useBias,
    activation,
  },
  required: ['units'],
  template: { type: 'dense', units: 128, activation: 'relu' },
};

export const dense: LayerDef<DenseLayer> = {
  spec,
  kind: 'dense',
  shape(layer, [input], errors) {
    if (input!.length !== 1) {
      errors.push({ code: 'needs-flatten', message: `dense needs a flat input, but gets ${formatDims(input!)}: add a flatten or global pooling before it` });
    }
    return { output: [layer.units], macs: sizeOf(input) * layer.units };
  },
  shapeWithoutInput: (layer) => [layer.units],
  params(f) {
    const features = f.inputShape ? sizeOf(f.inputShape) : 0;
    const units = f.layer.units;
    // A huge kernel usually comes from a huge input (a wide flatten), not from the units.
    const remedy = features > units ? `reduce ${f.name}'s ${formatCount(features)} input features (pool or downsample before flattening) or its units` : `reduce ${f.name}'s units`;
    return [
      { name: 'kernel', shape: [features, units], trainable: true, init: 'glorotUniform', layout: 'matrix', remedy },
      ...(orDefault(spec, f.layer.useBias, 'useBias') ? [{ name: 'bias', shape: [units], trainable: true, init: 'zeros', remedy } as const] : []),
    ];
  },
  activation: (layer) => orDefault(spec, layer.activation, 'activation'),
  buffers(f, n) {
    const act = orDefault(spec, f.layer.activation, 'activation');
    return ownBuffers([...activatedOutput(act, n * f.outputElements), inputGradient(f, n)], true, backwardReadsOutput(act));
  },
  inputRegion: lastAxisRegion,
  gemms(f, n) {
    const input = f.inputShape;
    const inF = input ? input[input.length - 1]! : 0;
    const rows = input ? (n * sizeOf(input)) / inF : 0;
    const units = f.layer.units;
    return { forward: [[false, rows, units, inF]], backward: [{ weightGradient: [true, inF, units, rows] }, [false, rows, inF, units]] };
  },
};

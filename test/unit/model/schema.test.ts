import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { DOCS_PATH, docsText } from '../../../scripts/gen-docs';
import { SCHEMA_PATH, schemaText } from '../../../scripts/gen-schema';
import { parseModelText } from '../../../src/model/parse';
import { LAYER_SPECS } from '../../../src/model/spec';
import type { LayerOf, LayerType } from '../../../src/model/types';
import pkg from '../../../package.json';

// One object per layer type with every field of its TypeScript type. The compiler rejects a missing
// or unknown field here, and the test compares the keys with the spec: types and spec cannot drift.
const everyField: { [T in LayerType]: Required<LayerOf<T>> } = {
  conv2d: { type: 'conv2d', name: 'c', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, filters: 1, kernelSize: 1, strides: 1, padding: 'same', dilationRate: 1, groups: 1, useBias: true, activation: 'relu' },
  depthwiseConv2d: { type: 'depthwiseConv2d', name: 'd', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, kernelSize: 1, strides: 1, padding: 'same', depthMultiplier: 1, dilationRate: 1, useBias: true, activation: 'relu' },
  separableConv2d: {
    type: 'separableConv2d', name: 's', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, filters: 1, kernelSize: 1, strides: 1, padding: 'same', dilationRate: 1, depthMultiplier: 1, useBias: true, activation: 'swish',
  },
  add: { type: 'add', name: 'a', inputs: ['i', 'j'], trainable: false, learningRateMultiplier: 0.1 },
  concatenate: { type: 'concatenate', name: 'c', inputs: ['i', 'j'], trainable: false, learningRateMultiplier: 0.1 },
  multiply: { type: 'multiply', name: 'm', inputs: ['i', 'j'], trainable: false, learningRateMultiplier: 0.1 },
  channelSlice: { type: 'channelSlice', name: 'c', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, start: 0, end: 2 },
  zeroPadding2D: { type: 'zeroPadding2D', name: 'z', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, padding: [[1, 2], [3, 4]] },
  channelShuffle: { type: 'channelShuffle', name: 'c', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, groups: 3 },
  maxPool2d: { type: 'maxPool2d', name: 'm', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, poolSize: 2, strides: 2, padding: 'valid', dilationRate: 1, ceilMode: false },
  avgPool2d: { type: 'avgPool2d', name: 'a', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, poolSize: 2, strides: 2, padding: [[0, 1], [1, 0]], ceilMode: false, countIncludePad: true },
  globalAvgPool2d: { type: 'globalAvgPool2d', name: 'g', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, keepDims: false },
  globalMaxPool2d: { type: 'globalMaxPool2d', name: 'g', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, keepDims: true },
  flatten: { type: 'flatten', name: 'f', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
  dense: { type: 'dense', name: 'd', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, units: 1, useBias: true, activation: 'softmax' },
  dropout: { type: 'dropout', name: 'd', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, rate: 0.5 },
  batchNorm: { type: 'batchNorm', name: 'b', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, momentum: 0.99, epsilon: 0.001 },
  layerNormalization: { type: 'layerNormalization', name: 'l', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, epsilon: 0.001, center: true, scale: true },
  rescaling: { type: 'rescaling', name: 'r', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, scale: 2, offset: -1 },
  normalization: { type: 'normalization', name: 'n', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, mean: [0.485, 0.456, 0.406], variance: 0.05 },
  relu: { type: 'relu', name: 'r', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
  relu6: { type: 'relu6', name: 'r', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
  leakyRelu: { type: 'leakyRelu', name: 'l', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, alpha: 0.3 },
  sigmoid: { type: 'sigmoid', name: 's', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
  tanh: { type: 'tanh', name: 't', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
  swish: { type: 'swish', name: 's', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
  hardSwish: { type: 'hardSwish', name: 's', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
  hardSigmoid: { type: 'hardSigmoid', name: 's', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1, alpha: 0.2 },
  gelu: { type: 'gelu', name: 'g', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
  softmax: { type: 'softmax', name: 's', inputs: ['i'], trainable: false, learningRateMultiplier: 0.1 },
};

/** Diagnostics that mean "the validator rejects this value" (not a shape or reference problem). */
const VALIDATION_CODES = new Set(['unknown-field', 'unknown-type', 'missing-field', 'wrong-type', 'out-of-range']);

const ajv = new Ajv({ strict: false, allErrors: true });
const validateSchema = ajv.compile(JSON.parse(schemaText()) as object);

/** Whether the schema and the validator each accept a one-layer model with this layer. */
function verdicts(layer: Record<string, unknown>): { schema: boolean; validator: boolean } {
  const model = { format: 'cnn-studio/model@1', input: { shape: [8, 8, 3] }, layers: [layer] };
  const text = JSON.stringify(model);
  const validator = !parseModelText(text).diagnostics.some((d) => VALIDATION_CODES.has(d.code));
  return { schema: validateSchema(model) === true, validator };
}

describe('JSON Schema and types stay in sync with the spec', () => {
  it('schema/cnn-model.schema.json is what the spec generates (run `npx tsx scripts/gen-schema.ts`)', () => {
    assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), schemaText());
  });

  it('docs/model-format.md is what the spec generates (run `npx tsx scripts/gen-docs.ts`)', () => {
    assert.equal(readFileSync(DOCS_PATH, 'utf8'), docsText());
  });

  it('is contributed for *.cnn.json through jsonValidation', () => {
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.cnn.json', url: './schema/cnn-model.schema.json' }]);
  });

  it('every TypeScript layer field is in the spec and the other way round', () => {
    for (const [type, full] of Object.entries(everyField)) {
      const typeFields = Object.keys(full).filter((k) => k !== 'type').sort();
      const specFields = Object.keys(LAYER_SPECS[type as LayerType].fields).sort();
      assert.deepEqual(typeFields, specFields, type);
    }
  });

  it('the schema lists every layer type and its fields', () => {
    const schema = JSON.parse(schemaText());
    const layerItem = schema.properties.layers.items;
    assert.deepEqual(layerItem.properties.type.enum, Object.keys(LAYER_SPECS));
    const conv = layerItem.allOf.find((c: { if: { properties: { type: { const: string } } } }) => c.if.properties.type.const === 'conv2d');
    assert.deepEqual(Object.keys(conv.then.properties).sort(), ['activation', 'dilationRate', 'filters', 'groups', 'inputs', 'kernelSize', 'learningRateMultiplier', 'name', 'padding', 'strides', 'trainable', 'type', 'useBias']);
    assert.deepEqual(conv.then.required, ['type', 'filters', 'kernelSize']);
    const then = (t: string) => layerItem.allOf.find((c: { if: { properties: { type: { const: string } } } }) => c.if.properties.type.const === t).then;
    assert.deepEqual(Object.keys(then('add').properties).sort(), ['inputs', 'learningRateMultiplier', 'name', 'trainable', 'type']);
    assert.deepEqual(Object.keys(then('separableConv2d').properties).sort(), [
      'activation', 'depthMultiplier', 'dilationRate', 'filters', 'inputs', 'kernelSize', 'learningRateMultiplier', 'name', 'padding', 'strides', 'trainable', 'type', 'useBias',
    ]);
    assert.equal(then('zeroPadding2D').properties.padding.default, 1);
    assert.ok(then('conv2d').properties.activation.enum.includes('relu6') && then('dense').properties.activation.enum.includes('swish'));
  });

  it('the schema accepts exactly the "inputs" the validator accepts', () => {
    const values: unknown[] = [['input'], ['a', 'b'], ['a', 'a', 'input'], [], 'a', [1], [''], [null], ['a', 1], [['a']], {}, null];
    for (const inputs of values) {
      const v = verdicts({ type: 'add', inputs });
      assert.equal(v.schema, v.validator, `inputs ${JSON.stringify(inputs)}: schema ${v.schema}, validator ${v.validator}`);
    }
    // Both ways are exercised.
    assert.deepEqual(values.map((inputs) => verdicts({ type: 'add', inputs }).schema), [true, true, true, false, false, false, false, false, false, false, false, false]);
  });

  it("the schema accepts exactly the zeroPadding2D padding the validator accepts", () => {
    const values: unknown[] = [
      0, 2, 65536, -1, 65537, 1.5, [1, 2], [0, 0], [1], [1, 2, 3], [1.5, 2], [[1, 2], [3, 4]], [[0, 0], [0, 65536]], [[1, 2], 3], [1, [2, 3]],
      [[1], [2, 3]], [[1, 2], [3, -4]], [[1, 2], [3, 4], [5, 6]], [[1, 2, 3], [4, 5]], 'same', null, true, {},
    ];
    const accepted: unknown[] = [];
    for (const padding of values) {
      const v = verdicts({ type: 'zeroPadding2D', padding });
      assert.equal(v.schema, v.validator, `padding ${JSON.stringify(padding)}: schema ${v.schema}, validator ${v.validator}`);
      if (v.schema) accepted.push(padding);
    }
    assert.deepEqual(accepted, [0, 2, 65536, [1, 2], [0, 0], [[1, 2], [3, 4]], [[0, 0], [0, 65536]]]);
  });

  it('the schema accepts every layer with all its fields, and rejects the same unknown fields and types as the validator', () => {
    for (const layer of Object.values(everyField)) {
      const { type: _type, name: _name, ...rest } = layer as Record<string, unknown>;
      assert.deepEqual(verdicts({ type: layer.type, ...rest, inputs: ['input', 'input'] }).schema, true, layer.type);
    }
    for (const layer of [{ type: 'add', input: ['a'] }, { type: 'separableConv2d', filters: 1 }, { type: 'zeroPadding2D', padding: 1, strides: 1 }, { type: 'Add' }, { type: 'relu', activation: 'relu6' }]) {
      assert.deepEqual(verdicts(layer), { schema: false, validator: false }, JSON.stringify(layer));
    }
  });

  it('every template the designer inserts is a valid layer (merges need their inputs named)', () => {
    const layers = [...Object.values(LAYER_SPECS).map((s) => s.template)];
    const text = JSON.stringify({ format: 'cnn-studio/model@1', input: { shape: [8, 8, 3] }, layers });
    const diagnostics = parseModelText(text).diagnostics;
    const wrong = diagnostics.filter((d) => d.code !== 'needs-spatial' && d.code !== 'needs-flatten' && d.code !== 'input-count');
    assert.deepEqual(wrong, []);
    const counted = diagnostics.filter((d) => d.code === 'input-count').map((d) => layers[d.layerIndex!]!.type);
    assert.deepEqual(counted, ['add', 'concatenate', 'multiply']);
  });
});

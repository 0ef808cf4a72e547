import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { DOCS_PATH, docsText } from '../../../scripts/gen-docs';
import { SCHEMA_PATH, schemaText } from '../../../scripts/gen-schema';
import { parseModelText } from '../../../src/model/parse';
import { LAYER_SPECS } from '../../../src/model/spec';
import type { LayerOf, LayerType } from '../../../src/model/types';
import pkg from '../../../package.json';

// One object per layer type with every field of its TypeScript type. The compiler rejects a missing
// or unknown field here, and the test compares the keys with the spec: types and spec cannot drift.
const everyField: { [T in LayerType]: Required<LayerOf<T>> } = {
  conv2d: { type: 'conv2d', name: 'c', filters: 1, kernelSize: 1, strides: 1, padding: 'same', dilationRate: 1, useBias: true, activation: 'relu' },
  depthwiseConv2d: { type: 'depthwiseConv2d', name: 'd', kernelSize: 1, strides: 1, padding: 'same', depthMultiplier: 1, dilationRate: 1, useBias: true, activation: 'relu' },
  maxPool2d: { type: 'maxPool2d', name: 'm', poolSize: 2, strides: 2, padding: 'valid' },
  avgPool2d: { type: 'avgPool2d', name: 'a', poolSize: 2, strides: 2, padding: 'valid' },
  globalAvgPool2d: { type: 'globalAvgPool2d', name: 'g' },
  globalMaxPool2d: { type: 'globalMaxPool2d', name: 'g' },
  flatten: { type: 'flatten', name: 'f' },
  dense: { type: 'dense', name: 'd', units: 1, useBias: true, activation: 'softmax' },
  dropout: { type: 'dropout', name: 'd', rate: 0.5 },
  batchNorm: { type: 'batchNorm', name: 'b', momentum: 0.99, epsilon: 0.001 },
  relu: { type: 'relu', name: 'r' },
  leakyRelu: { type: 'leakyRelu', name: 'l', alpha: 0.3 },
  sigmoid: { type: 'sigmoid', name: 's' },
  tanh: { type: 'tanh', name: 't' },
  softmax: { type: 'softmax', name: 's' },
};

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
    assert.deepEqual(Object.keys(conv.then.properties).sort(), ['activation', 'dilationRate', 'filters', 'kernelSize', 'name', 'padding', 'strides', 'type', 'useBias']);
    assert.deepEqual(conv.then.required, ['type', 'filters', 'kernelSize']);
  });

  it('every template the designer inserts is a valid layer', () => {
    const layers = [...Object.values(LAYER_SPECS).map((s) => s.template)];
    const text = JSON.stringify({ format: 'cnn-studio/model@1', input: { shape: [8, 8, 3] }, layers });
    const wrong = parseModelText(text).diagnostics.filter((d) => d.code !== 'needs-spatial' && d.code !== 'needs-flatten');
    assert.deepEqual(wrong, []);
  });
});

// "learningRateMultiplier" in the model format: the validator's limits (0…1000, a number), the warnings where it does
// nothing (a frozen layer, a layer without parameters) or where "trainable": false is the better spelling (0), each on
// the field itself; the schema agrees with the validator; the fingerprint ignores it (trained weights still load);
// the designer's inspector edits it (a field of every layer type, read from the registry).
import { strict as assert } from 'node:assert';
import Ajv from 'ajv';
import { schemaText } from '../../../scripts/gen-schema';
import { architectureFingerprint } from '../../../src/engine/weights';
import type { ModelDiagnostic } from '../../../src/model/diagnostics';
import { parseModelText } from '../../../src/model/parse';
import { LAYER_SPECS, LAYER_TYPES } from '../../../src/model/spec';
import type { Model } from '../../../src/model/types';
import { parseField } from '../../../webview/designer/fieldParse';
import { modelText, textAt } from './helpers';

const HEAD = [{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }];
const textWith = (layer: Record<string, unknown>): string => modelText([layer, ...HEAD], [6, 6, 2]);
const diagnosticsOf = (layer: Record<string, unknown>): readonly ModelDiagnostic[] => parseModelText(textWith(layer)).diagnostics;
const conv = { type: 'conv2d', filters: 2, kernelSize: 3 };

describe('learningRateMultiplier in the model format', () => {
  it('accepts a number from 0 to 1000 on any layer, and gives no diagnostic where it takes effect', () => {
    for (const m of [0.1, 1, 2.5, 1000, 1e-6]) {
      const parsed = parseModelText(textWith({ ...conv, learningRateMultiplier: m }));
      assert.deepEqual(parsed.diagnostics, [], String(m));
      assert.equal(parsed.model!.layers[0]!.learningRateMultiplier, m);
      assert.ok(parsed.analysis!.ok);
    }
  });

  it('refuses a value out of range or of another type with one clear message on the value', () => {
    const cases: [unknown, string][] = [
      [-0.1, 'layers[0].learningRateMultiplier is -0.1; it must be ≥ 0 and ≤ 1000'],
      [1000.5, 'layers[0].learningRateMultiplier is 1000.5; it must be ≥ 0 and ≤ 1000'],
      ['0.1', 'layers[0].learningRateMultiplier must be a number, not the string "0.1"'],
      [null, 'layers[0].learningRateMultiplier must be a number, not null'],
      [[0.1], 'layers[0].learningRateMultiplier must be a number, not an array'],
    ];
    for (const [value, message] of cases) {
      const text = textWith({ ...conv, learningRateMultiplier: value });
      const ds = parseModelText(text).diagnostics;
      assert.deepEqual(ds.map((d) => [d.severity, d.message]), [['error', message]], JSON.stringify(value));
      if (!Array.isArray(value)) assert.equal(textAt(text, ds[0]!.range), JSON.stringify(value));
      assert.equal(parseModelText(text).model, undefined);
    }
  });

  it('warns on the field where it has no effect: a frozen layer, a layer without parameters', () => {
    const frozen = textWith({ ...conv, trainable: false, learningRateMultiplier: 0.1 });
    const [d] = parseModelText(frozen).diagnostics;
    assert.deepEqual(
      { code: d!.code, severity: d!.severity, message: d!.message, at: textAt(frozen, d!.range), path: d!.path, layerIndex: d!.layerIndex },
      { code: 'no-effect', severity: 'warning', message: 'learningRateMultiplier has no effect: the layer is frozen ("trainable": false)', at: '0.1', path: ['layers', 0, 'learningRateMultiplier'], layerIndex: 0 },
    );
    assert.equal(parseModelText(frozen).diagnostics.length, 1);
    // A warning: the model still parses and trains.
    assert.ok(parseModelText(frozen).model && parseModelText(frozen).analysis!.ok);
    for (const layer of [{ type: 'relu', learningRateMultiplier: 2 }, { type: 'maxPool2d', learningRateMultiplier: 1 }, { type: 'layerNormalization', center: false, scale: false, learningRateMultiplier: 0.5 }]) {
      const ds = diagnosticsOf(layer);
      assert.deepEqual(ds.map((x) => [x.code, x.severity, x.message]), [['no-effect', 'warning', `learningRateMultiplier has no effect: ${layer.type} has no parameters to train`]], layer.type);
    }
    // A frozen layer without parameters: the missing parameters are the reason given.
    assert.match(diagnosticsOf({ type: 'relu', trainable: false, learningRateMultiplier: 3 })[0]!.message, /relu has no parameters to train/);
  });

  it('warns on 0 that "trainable": false does the same without the gradient work', () => {
    const text = textWith({ ...conv, learningRateMultiplier: 0 });
    const ds = parseModelText(text).diagnostics;
    assert.deepEqual(ds.map((d) => [d.code, d.severity, textAt(text, d.range)]), [['zero-learning-rate', 'warning', '0']]);
    assert.equal(ds[0]!.message, 'learningRateMultiplier 0 leaves the parameters unchanged but still computes their gradients: "trainable": false freezes them without that work');
    assert.ok(parseModelText(text).model);
  });

  it('the JSON Schema accepts exactly the values the validator accepts', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(schemaText()) as object);
    const values: unknown[] = [0, 0.1, 1, 1000, -0.1, 1000.01, '1', null, true, [1]];
    const accepted = values.filter((m) => {
      const model = JSON.parse(textWith({ ...conv, learningRateMultiplier: m })) as object;
      const validator = !parseModelText(JSON.stringify(model)).diagnostics.some((d) => d.severity === 'error');
      const schema = validate(model) === true;
      assert.equal(schema, validator, `${JSON.stringify(m)}: schema ${schema}, validator ${validator}`);
      return schema;
    });
    assert.deepEqual(accepted, [0, 0.1, 1, 1000]);
  });

  it('keeps the architecture fingerprint: trained weights load whatever the multipliers', () => {
    const model = (extra: Record<string, unknown>): Model => parseModelText(modelText([{ ...conv, ...extra }, ...HEAD], [6, 6, 2])).model!;
    const plain = architectureFingerprint(model({}));
    assert.equal(architectureFingerprint(model({ learningRateMultiplier: 0.1 })), plain);
    assert.equal(architectureFingerprint(model({ learningRateMultiplier: 0 })), plain);
    assert.notEqual(architectureFingerprint(model({ filters: 3 })), plain, 'the test can fail');
  });

  it("is a field of every layer type, which the designer's inspector edits as a number (default 1)", () => {
    for (const type of LAYER_TYPES) {
      const field = LAYER_SPECS[type].fields.learningRateMultiplier;
      assert.deepEqual(field && { kind: field.kind, default: 'default' in field ? field.default : undefined }, { kind: 'number', default: 1 }, type);
    }
    const field = LAYER_SPECS.conv2d.fields.learningRateMultiplier!;
    assert.deepEqual(parseField(field, '0.1', false), { ok: true, value: 0.1 });
    assert.deepEqual(parseField(field, '', false), { ok: true, value: undefined });
    assert.equal(parseField(field, 'fast', false).ok, false);
  });
});

// channelSlice's and layerNormalization's shape rules and parameters: the errors name the field, the counts are
// Keras' (LayerNormalization: gamma and beta of the channels, each dropped with scale / center false).
import assert from 'node:assert/strict';
import { analyze } from '../../../src/model/shapes';
import type { Layer } from '../../../src/model/types';

const errorsOf = (input: readonly number[], layer: Layer): string[][] =>
  analyze(input, [layer]).layers[0]!.errors.map((e) => [e.field ?? '', e.message]);

describe('channelSlice and layerNormalization shapes', () => {
  it('channelSlice takes channels [start, end) of an image or a vector', () => {
    assert.deepEqual(analyze([5, 4, 8], [{ type: 'channelSlice', start: 2, end: 6 }]).outputShape, [5, 4, 4]);
    assert.deepEqual(analyze([8], [{ type: 'channelSlice', start: 0, end: 3 }]).outputShape, [3]);
  });

  it('channelSlice says which bound is wrong', () => {
    assert.deepEqual(errorsOf([4, 4, 6], { type: 'channelSlice', start: 3, end: 3 }), [['end', 'channelSlice end 3 must be greater than start 3']]);
    assert.deepEqual(errorsOf([4, 4, 6], { type: 'channelSlice', start: 2, end: 7 }), [['end', "channelSlice end 7 is beyond the input's 6 channels (4×4×6)"]]);
  });

  it("layerNormalization keeps the shape and has Keras' parameters: gamma and beta of the channels", () => {
    const count = (layer: Layer, input: readonly number[]): number => analyze(input, [layer]).layers[0]!.params.trainable;
    assert.equal(count({ type: 'layerNormalization' }, [7, 7, 96]), 192);
    assert.equal(count({ type: 'layerNormalization', center: false }, [7, 7, 96]), 96);
    assert.equal(count({ type: 'layerNormalization', center: false, scale: false }, [7, 7, 96]), 0);
    assert.equal(count({ type: 'layerNormalization' }, [10]), 20);
    assert.deepEqual(analyze([7, 7, 96], [{ type: 'layerNormalization' }]).outputShape, [7, 7, 96]);
  });
});

// The text range the designer's selection reveals in a text editor: exactly the layer's object.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { layerAt, layerRange } from '../../../src/extension/editor/layerRange';

describe('layerRange', () => {
  const text = readFileSync(join(__dirname, '../../../examples/resnet20.cnn.json'), 'utf8');

  it('is the layer object, from its { to its }', () => {
    const r = layerRange(text, 47)!;
    const slice = text.slice(r.offset, r.offset + r.length);
    assert.match(slice, /^\{ "type": "conv2d", "name": "stage3_block1_conv1",.*\}$/);
    assert.equal(JSON.parse(slice).name, 'stage3_block1_conv1');
  });

  it('is undefined past the last layer and in a text without layers; a text mid-edit still works', () => {
    assert.equal(layerRange(text, 72), undefined);
    assert.equal(layerRange('{"layers": 3}', 0), undefined);
    const broken = '{ "layers": [ { "type": "relu" }, { "type": "dense", "units": ';
    const r = layerRange(broken, 0)!;
    assert.equal(broken.slice(r.offset, r.offset + r.length), '{ "type": "relu" }');
  });

  it('layerAt: the layer under a cursor, none in the header or between layers', () => {
    const r = layerRange(text, 47)!;
    assert.equal(layerAt(text, r.offset), 47);
    assert.equal(layerAt(text, r.offset + 20), 47);
    assert.equal(layerAt(text, r.offset + r.length), 47);
    assert.equal(layerAt(text, text.indexOf('"format"')), undefined);
    assert.equal(layerAt(text, r.offset + r.length + 1), undefined, 'on the comma after it');
  });
});

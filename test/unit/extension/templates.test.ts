// "CNN: New Model…" templates: valid models, named after the file, one layer per line.
import { strict as assert } from 'node:assert';
import { parseModelText } from '../../../src/model/parse';
import { MODEL_TEMPLATES, templateText } from '../../../src/extension/editor/templates';

describe('new model templates', () => {
  for (const t of MODEL_TEMPLATES) {
    it(`${t.label} is a valid model named after the file`, () => {
      const text = templateText(t, 'my-net');
      const parsed = parseModelText(text);
      assert.deepEqual(parsed.diagnostics.map((d) => d.message), []);
      assert.equal(parsed.model?.name, 'my-net');
      const layerLines = text.split('\n').filter((l) => l.startsWith('    { "type"'));
      assert.equal(layerLines.length, parsed.model?.layers.length);
    });
  }
});

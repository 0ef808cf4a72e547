// Text no model editor writes but users meet: deep nesting, byte-order marks, UTF-16, keys without values, empty
// paths. Each gives one clear diagnostic at the right range, never an exception.
import { strict as assert } from 'node:assert';
import { parseModelText } from '../../../src/model/parse';
import { modelText, readRepoFile, textAt } from './helpers';

const lenet = readRepoFile('examples/lenet5.cnn.json');

describe('hostile model text', () => {
  it('reports JSON nested 6,000 levels deep once, at the first bracket past 64 levels, without parsing it', () => {
    for (const text of ['['.repeat(6000), '{"a":'.repeat(6000), `{"format": "cnn-studio/model@1", "layers": ${'[{"x":'.repeat(3000)}`]) {
      const parsed = parseModelText(text);
      assert.equal(parsed.diagnostics.length, 1);
      const d = parsed.diagnostics[0]!;
      assert.equal(d.message, 'JSON nested deeper than 64 levels: a model file needs at most 5');
      assert.equal(d.code, 'too-deep');
      assert.equal(d.range.length, 1);
      // 64 brackets open before it.
      const before = text.slice(0, d.range.offset);
      assert.equal((before.match(/[[{]/g) ?? []).length, 64);
      assert.equal(parsed.root, undefined);
    }
  });

  it('counts brackets inside strings as text, and closes only their own kind', () => {
    assert.deepEqual(parseModelText(modelText([], [28, 28, 1], { description: '['.repeat(6000) })).diagnostics, []);
    // A stray "}" inside an array does not close it: the parser recurses here, so the count must too.
    const tricky = '[},'.repeat(3000);
    const d = parseModelText(tricky).diagnostics;
    assert.equal(d.length, 1);
    assert.equal(d[0]!.code, 'too-deep');
  });

  it('reads text that starts with a UTF-8 byte-order mark, with offsets unchanged', () => {
    const text = '\uFEFF' + lenet;
    const parsed = parseModelText(text);
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(parsed.model?.name, 'lenet5');
    assert.equal(textAt(text, parsed.nameRange!), '"lenet5"');
    const typo = '\uFEFF' + lenet.replace('"relu"', '"rleu"');
    const broken = parseModelText(typo);
    assert.equal(broken.diagnostics.length, 1);
    assert.equal(textAt(typo, broken.diagnostics[0]!.range), '"rleu"');
  });

  it('says "the file is UTF-16; save it as UTF-8" once, for UTF-16 bytes read as UTF-8, with or without a BOM', () => {
    const le = Buffer.from(lenet, 'utf16le');
    const be = Buffer.from(le).swap16();
    const cases = {
      'UTF-16LE with BOM': Buffer.concat([Buffer.from([0xff, 0xfe]), le]),
      'UTF-16LE without BOM': le,
      'UTF-16BE with BOM': Buffer.concat([Buffer.from([0xfe, 0xff]), be]),
      'UTF-16BE without BOM': be,
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const text = bytes.toString('utf8');
      const parsed = parseModelText(text);
      assert.deepEqual(
        parsed.diagnostics.map((d) => [d.code, d.message, d.range.offset]),
        [['encoding', 'the file is UTF-16; save it as UTF-8', 0]],
        name,
      );
    }
    // VS Code decodes a UTF-16 file with a BOM itself: the text then only starts with U+FEFF, which is fine.
    assert.deepEqual(parseModelText(Buffer.concat([Buffer.from([0xff, 0xfe]), le]).toString('utf16le')).diagnostics, []);
  });

  it('treats a key without a value as missing: the layer never reaches shape inference', () => {
    for (const broken of ['"kernelSize": ,', '"kernelSize" 5,', '"kernelSize":,']) {
      const text = lenet.replace('"filters": 6, "kernelSize": 5,', `"filters": 6, ${broken}`).replace('"type": "conv2d", "filters": 6', '"type": ",conv2d", "filters": 6');
      const parsed = parseModelText(text);
      assert.ok(parsed.diagnostics.some((d) => d.code === 'syntax'), broken);
      assert.equal(parsed.analysis?.layers.find((l) => l.index === 0), undefined, broken);
    }
  });

  it('rejects empty path strings at their range, saying what to name', () => {
    const text = modelText([{ type: 'flatten' }, { type: 'dense', units: 10 }], [28, 28, 1], {
      training: { data: { train: '', test: { images: '', labels: 'l.idx' } } },
    });
    const parsed = parseModelText(text);
    assert.deepEqual(
      parsed.diagnostics.map((d) => [d.message, textAt(text, d.range)]),
      [
        ['training.data.train is empty: name a folder with one subfolder per class, or an IDX pair { "images", "labels" }', '""'],
        ['training.data.test.images is empty: name an IDX images file, e.g. train-images-idx3-ubyte.gz', '""'],
      ],
    );
  });

  it('keeps every message on one line, however a key is spelt', () => {
    const parsed = parseModelText(modelText([{ type: 'flatten' }, { type: 'dense', units: 2, 'use\nBias': true }]));
    assert.deepEqual(parsed.diagnostics.map((d) => d.message), ['unknown field "use\\nBias" in layers[1]; did you mean "useBias"?']);
  });
});

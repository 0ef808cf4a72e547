// "CNN: New Model…" templates: valid models, named after the file, one layer per line; the parameter counts
// their descriptions state are the shape function's; the graph templates have the architecture they claim.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import type { LayerInfo, ModelAnalysis } from '../../../src/model/analysis';
import type { DataSource, Model } from '../../../src/model/types';
import { MODEL_TEMPLATES, templateText, type ModelTemplate } from '../../../src/extension/editor/templates';

const byLabel = (label: string): ModelTemplate => {
  const t = MODEL_TEMPLATES.find((x) => x.label === label);
  assert.ok(t, `no template ${label}`);
  return t;
};

function analysed(t: ModelTemplate): { model: Model; analysis: ModelAnalysis } {
  const parsed = parseModelText(templateText(t, 'my-net'));
  assert.ok(parsed.model);
  return { model: parsed.model, analysis: analyze(parsed.model.input.shape, parsed.model.layers) };
}

/** "273,754 parameters" → 273754, for every such figure in the text. */
const statedCounts = (text: string, word: string): number[] =>
  [...text.matchAll(new RegExp(`(\\d{1,3}(?:,\\d{3})*) ${word}`, 'g'))].map((m) => Number(m[1]!.replace(/,/g, '')));

const layer = (a: ModelAnalysis, name: string): LayerInfo => {
  const l = a.layers.find((x) => x.name === name);
  assert.ok(l, `no layer ${name}`);
  return l;
};

describe('new model templates', () => {
  for (const t of MODEL_TEMPLATES) {
    it(`${t.label} is a valid model named after the file, without warnings`, () => {
      const text = templateText(t, 'my-net');
      const parsed = parseModelText(text);
      // Warnings (a dead branch) are diagnostics too: none is expected.
      assert.deepEqual(parsed.diagnostics.map((d) => `${d.severity}: ${d.message}`), []);
      assert.equal(parsed.model?.name, 'my-net');
      const layerLines = text.split('\n').filter((l) => l.startsWith('    { "type"'));
      assert.equal(layerLines.length, parsed.model?.layers.length);
    });
  }

  it("the parameter counts the templates' descriptions (and their models') state are the shape function's", () => {
    const stating: string[] = [];
    for (const t of MODEL_TEMPLATES) {
      const { model, analysis } = analysed(t);
      for (const text of [t.description, model.description ?? '']) {
        const params = statedCounts(text, 'parameters');
        for (const n of params) assert.equal(n, analysis.totals.params, text);
        for (const n of statedCounts(text, 'trainable')) assert.equal(n, analysis.totals.trainable, text);
        if (params.length > 0 && !stating.includes(t.label)) stating.push(t.label);
      }
    }
    assert.deepEqual(stating, ['Simple MNIST convnet', 'ResNet-20', 'MobileNetV2-style network']);
  });

  it('the bundled-MNIST templates read the four files media/mnist ships, from mnist/', () => {
    const bundled = MODEL_TEMPLATES.filter((t) => t.bundledMnist);
    assert.deepEqual(bundled.map((t) => t.label), ['LeNet-5 on MNIST', 'Simple MNIST convnet', 'ResNet-20', 'MobileNetV2-style network']);
    for (const t of bundled) {
      const data = analysed(t).model.training?.data;
      const files = [data?.train, data?.test].flatMap((s: DataSource | undefined) => (s && typeof s === 'object' ? [s.images, s.labels] : []));
      assert.equal(files.length, 4, t.label);
      for (const f of files) {
        assert.match(f, /^mnist\//, t.label);
        assert.ok(existsSync(join(__dirname, '../../../media', f)), `${t.label}: ${f} is not in media/`);
      }
    }
  });

  it('the graph templates train for as many epochs as LeNet-5, so their accuracies compare', () => {
    const epochs = (label: string): number | undefined => analysed(byLabel(label)).model.training?.epochs;
    assert.equal(epochs('ResNet-20'), 6);
    assert.equal(epochs('MobileNetV2-style network'), epochs('LeNet-5 on MNIST'));
    assert.equal(epochs('ResNet-20'), epochs('LeNet-5 on MNIST'));
  });

  it('ResNet-20: 19 convolutions and a dense layer deep, 9 shortcut adds, projections where a stage halves the size', () => {
    const { analysis } = analysed(byLabel('ResNet-20'));
    const convs = analysis.layers.filter((l) => l.type === 'conv2d');
    const projections = convs.filter((l) => l.layer.inputs !== undefined);
    assert.equal(convs.length - projections.length, 19);
    assert.equal(analysis.layers.filter((l) => l.type === 'dense').length, 1);
    assert.deepEqual(projections.map((l) => [l.name, l.inputs[0]?.name, l.outputShape]), [
      ['stage2_block1_proj_conv', 'stage1_block3_out', [14, 14, 32]],
      ['stage3_block1_proj_conv', 'stage2_block3_out', [7, 7, 64]],
    ]);
    const adds = analysis.layers.filter((l) => l.type === 'add');
    assert.equal(adds.length, 9);
    // Every add sums the block's second batch norm with the shortcut: the previous block's output or its projection.
    assert.deepEqual(adds.map((l) => l.inputs.map((i) => i.name)).slice(0, 4), [
      ['stage1_block1_bn2', 'stem_relu'],
      ['stage1_block2_bn2', 'stage1_block1_out'],
      ['stage1_block3_bn2', 'stage1_block2_out'],
      ['stage2_block1_bn2', 'stage2_block1_proj_bn'],
    ]);
    assert.deepEqual(['stage1_block3_out', 'stage2_block3_out', 'stage3_block3_out'].map((n) => layer(analysis, n).outputShape), [[28, 28, 16], [14, 14, 32], [7, 7, 64]]);
    assert.deepEqual(analysis.outputShape, [10]);
    // He et al.'s ResNet-20 has 0.27 M parameters (option A); option B's projections add 2,944.
    assert.equal(analysis.totals.params, 273_754);
    assert.equal(analysis.totals.nonTrainable, 1_568);
  });

  it('MobileNetV2-style: inverted bottlenecks with a linear projection, shortcuts only where stride 1 keeps the channels', () => {
    const { analysis } = analysed(byLabel('MobileNetV2-style network'));
    const projects = analysis.layers.filter((l) => l.name.endsWith('_project'));
    assert.equal(projects.length, 5);
    for (const p of projects) {
      // Linear bottleneck: the projection's batch norm is followed by no activation.
      const bn = analysis.layers[p.index + 1]!;
      assert.equal(bn.type, 'batchNorm');
      assert.ok(!['relu', 'relu6'].includes(analysis.layers[bn.index + 1]!.type), `${p.name} is not linear`);
    }
    const adds = analysis.layers.filter((l) => l.type === 'add');
    assert.deepEqual(adds.map((l) => [l.name, l.outputShape]), [['block1_add', [14, 14, 16]], ['block3_add', [7, 7, 24]], ['block5_add', [7, 7, 32]]]);
    assert.deepEqual(layer(analysis, 'block2_depthwise').outputShape, [7, 7, 96]);
    assert.equal(analysis.layers.filter((l) => l.type === 'depthwiseConv2d').length, 5);
    assert.equal(analysis.totals.params, 47_978);
  });
});

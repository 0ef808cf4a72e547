// Hostile paths given to every command: directories, named pipes, symbolic links, empty and missing files.
// Each gets one line naming the file and exit 1, never a stack trace or a hang; predict reports every image.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { makeFifo, type Fifo } from '../node/datasets/fifo';
import { png } from '../../unit/node/datasets/helpers';

async function cnn(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

/** The operands a command needs after the model path. */
const rest: Readonly<Record<string, readonly string[]>> = { summary: [], train: [], evaluate: [], predict: ['x.png'], 'augment-preview': [] };

describe('cnn on hostile paths', function () {
  this.timeout(20_000); // FIFO watchdogs release a blocked read after 3 s, so a regression fails instead of hanging
  let dir: string;
  let model: string;
  const fifos: Fifo[] = [];
  const at = (name: string): string => join(dir, name);

  before(async function () {
    if (process.platform === 'win32') this.skip();
    dir = mkdtempSync(join(tmpdir(), 'cnn-hostile-'));
    mkdirSync(at('x.cnn.json'));
    symlinkSync(at('x.cnn.json'), at('link.cnn.json'));
    writeFileSync(at('empty.cnn.json'), '');
    fifos.push(makeFifo(at('pipe.cnn.json')), makeFifo(at('pipe.png')));
    // A tiny trained model: 4×4 gray images of two classes, so predict has weights to use.
    for (const [c, v] of [['dark', 10], ['light', 240]] as const) {
      mkdirSync(at(`data/${c}`), { recursive: true });
      for (let i = 0; i < 3; i++) writeFileSync(at(`data/${c}/${i}.png`), png(4, 4, 1, new Array(16).fill(v)));
    }
    writeFileSync(at('good.png'), png(4, 4, 1, new Array(16).fill(10)));
    writeFileSync(at('bad.png'), 'not a PNG at all');
    model = at('tiny.cnn.json');
    writeFileSync(
      model,
      JSON.stringify({
        format: 'cnn-studio/model@1',
        name: 'tiny',
        input: { shape: [4, 4, 1] },
        layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }],
        training: { data: { train: 'data' }, epochs: 1, batchSize: 2 },
      }),
    );
    const trained = await cnn('train', model);
    assert.equal(trained.code, 0, trained.err.join('\n'));
  });
  after(() => {
    for (const f of fifos) f.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: readonly (readonly [string, string])[] = [
    ['x.cnn.json', 'is a directory, not a model file'],
    ['link.cnn.json', 'is a directory, not a model file'],
    ['pipe.cnn.json', 'is not a regular file (a named pipe)'],
  ];
  for (const command of ['summary', 'train', 'evaluate', 'predict', 'augment-preview']) {
    for (const [name, message] of cases) {
      it(`${command} ${name}: "${message}", exit 1`, async () => {
        const r = await cnn(command, at(name), ...rest[command]);
        assert.deepEqual({ code: r.code, err: r.err }, { code: 1, err: [`${at(name)} ${message}`] });
      });
    }
    it(`${command}: a missing model file`, async () => {
      const r = await cnn(command, at('nope.cnn.json'), ...rest[command]);
      assert.deepEqual({ code: r.code, err: r.err }, { code: 1, err: [`${at('nope.cnn.json')}: no such file`] });
    });
  }

  it('an empty model file is a located syntax error, not a crash', async () => {
    const r = await cnn('train', at('empty.cnn.json'));
    assert.equal(r.code, 1);
    assert.match(r.err[0], /empty\.cnn\.json:1:1: error: /);
  });

  it('summary reports an unreadable file and still summarises the others', async () => {
    const r = await cnn('summary', at('x.cnn.json'), model);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [`${at('x.cnn.json')} is a directory, not a model file`]);
    assert.match(r.out.join('\n'), /Model: "tiny"/);
  });

  it('predict prints every good image in order, an error line for each bad one, and exits 1', async () => {
    const images = ['good.png', 'bad.png', 'pipe.png', 'nope.png', 'x.cnn.json', 'good.png'].map(at);
    const r = await cnn('predict', model, ...images);
    assert.equal(r.code, 1);
    assert.equal(r.out.length, 2);
    for (const line of r.out) assert.match(line, new RegExp(`^${at('good.png').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (dark|light) \\d+\\.\\d%, (dark|light) \\d+\\.\\d%$`));
    assert.deepEqual(r.err, [
      `${at('bad.png')}: invalid PNG signature`,
      `${at('pipe.png')} is not a regular file (a named pipe)`,
      `${at('nope.png')}: no such file`,
      `${at('x.cnn.json')} is a directory, not an image`,
    ]);
  });

  it('predict --json keeps one entry per image in order, with the error in place of the classes', async () => {
    const r = await cnn('predict', model, at('good.png'), at('bad.png'), at('good.png'), '--json');
    assert.equal(r.code, 1);
    assert.equal(r.out.length, 1);
    const results: { image: string; top?: { class: string }[]; error?: string }[] = JSON.parse(r.out[0]);
    assert.deepEqual(results.map((x) => x.image), [at('good.png'), at('bad.png'), at('good.png')]);
    assert.equal(results[0].top?.length, 2);
    assert.deepEqual(results[1], { image: at('bad.png'), error: `${at('bad.png')}: invalid PNG signature` });
    assert.deepEqual(results[2], results[0]);
    const allGood = await cnn('predict', model, at('good.png'), '--json');
    assert.equal(allGood.code, 0);
  });

  it('an output in a folder that does not exist: export and import name the folder, not a temporary file', async () => {
    const onnx = at('out.onnx');
    assert.equal((await cnn('export', model, '--format', 'onnx', '-o', onnx)).code, 0);
    const exported = await cnn('export', model, '--format', 'onnx', '-o', at('no/such/m.onnx'));
    assert.deepEqual([exported.code, exported.err], [1, [`cannot write ${at('no/such/m.onnx')}: the folder ${at('no/such')} does not exist`]]);
    const imported = await cnn('import', onnx, '-o', at('no/such/m.cnn.json'));
    assert.equal(imported.code, 1);
    assert.match(imported.err.join('\n'), new RegExp(`^cannot write ${at('no/such/m')}\\.(safetensors|cnn\\.json): the folder ${at('no/such')} does not exist$`));
  });
});

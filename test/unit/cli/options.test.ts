// The one option parser and the help generated from the same tables, through `main` as a user types it.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as bench from '../../../src/cli/bench';
import * as evaluate from '../../../src/cli/evaluate';
import { main } from '../../../src/cli/main';
import { parseCommandLine, type CommandSpec } from '../../../src/cli/options';
import * as predict from '../../../src/cli/predict';
import * as summary from '../../../src/cli/summary';
import * as train from '../../../src/cli/train';
import { TRAINING_SPEC } from '../../../src/model/modelSpec';
import { ROOT } from '../model/helpers';

async function cnn(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const lenet = join(ROOT, 'examples/lenet5.cnn.json');
const specs: readonly CommandSpec[] = [summary.spec, train.spec, evaluate.spec, predict.spec, bench.spec];
const epochsField = TRAINING_SPEC.fields.epochs;
const maxEpochs = epochsField.kind === 'int' ? epochsField.max : Number.NaN;

describe('cnn options: one parser and one table per command', () => {
  it('rejects an unknown option on every command, with exit 2 and a pointer to the help', async () => {
    for (const spec of specs) {
      const operands = spec.operands.map((_, i) => (i === 0 ? lenet : 'x.png'));
      const r = await cnn(spec.name, ...operands, '--bogus');
      assert.equal(r.code, 2, `${spec.name}: ${r.err}`);
      assert.equal(r.err, `cnn ${spec.name}: unknown option --bogus (see cnn ${spec.name} --help)`);
      assert.equal(r.out, '', 'nothing runs');
    }
    assert.equal((await cnn('summary', lenet, '--bogus=1')).err, 'cnn summary: unknown option --bogus (see cnn summary --help)');
    assert.equal((await cnn('summary', lenet, '-x')).err, 'cnn summary: unknown option -x (see cnn summary --help)');
    assert.equal((await cnn('train', lenet, '--epoch', '3')).err, 'cnn train: unknown option --epoch; did you mean --epochs? (see cnn train --help)');
  });

  it('accepts only plain decimal integers within the model format\'s limits, in one message style', async () => {
    const expected = (got: string): string => `cnn train: --epochs must be a whole number from 1 to ${maxEpochs}, got "${got}"`;
    assert.equal(maxEpochs, 100000, 'the format allows 100,000 epochs');
    for (const bad of ['1e3', '0x10', '-1', '0', '1.5', ' 3', '', String(maxEpochs + 1), '99999999999', '+3', 'Infinity']) {
      for (const args of [['--epochs', bad], [`--epochs=${bad}`]]) {
        const r = await cnn('train', lenet, ...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
        assert.equal(r.err, expected(bad));
      }
    }
    const limit = await cnn('evaluate', lenet, '--limit', '0x10');
    assert.equal(limit.err, 'cnn evaluate: --limit must be a whole number from 1 to 1000000000, got "0x10"');
    const topField = TRAINING_SPEC.fields.topK;
    const top = await cnn('predict', lenet, 'a.png', '--top', '1001');
    assert.equal(top.err, `cnn predict: --top must be a whole number from 1 to ${topField.kind === 'int' ? topField.max : '?'}, got "1001"`);
    assert.equal((await cnn('bench', '--seconds', '1e1')).err, 'cnn bench: --seconds must be a number greater than 0 and at most 3600, got "1e1"');
  });

  it('parses good values to numbers, booleans and strings, and `--` ends the options', () => {
    const t = parseCommandLine(train.spec, ['m.cnn.json', '--epochs', '100000', '--limit=007', '--resume', '--json']);
    assert.deepEqual(t, { values: { epochs: 100000, limit: 7, resume: true, json: true }, operands: ['m.cnn.json'] });
    const e = parseCommandLine(evaluate.spec, ['--data', '-odd-folder', 'm.cnn.json']);
    assert.deepEqual(e, { values: { data: '-odd-folder' }, operands: ['m.cnn.json'] });
    const p = parseCommandLine(predict.spec, ['m.cnn.json', '--', '--weird.png', '-']);
    assert.deepEqual(p.operands, ['m.cnn.json', '--weird.png', '-']);
    assert.deepEqual(parseCommandLine(bench.spec, ['--seconds', '0.25']).values, { seconds: 0.25 });
  });

  it('says when a value is missing, or when a flag is given a value', async () => {
    assert.equal((await cnn('train', lenet, '--epochs')).err, `cnn train: --epochs needs a whole number from 1 to ${maxEpochs}`);
    assert.equal((await cnn('train', lenet, '--epochs', '--json')).err, `cnn train: --epochs needs a whole number from 1 to ${maxEpochs}, got the option --json`);
    assert.equal((await cnn('evaluate', lenet, '--data')).err, 'cnn evaluate: --data needs a value (DIR)');
    assert.equal((await cnn('evaluate', lenet, '--data=')).err, 'cnn evaluate: --data needs a value (DIR), got an empty one');
    assert.equal((await cnn('train', lenet, '--resume=no')).err, 'cnn train: --resume takes no value, got "no"');
  });

  it('checks the operands: missing or extra ones are usage errors', async () => {
    assert.deepEqual(await cnn('train'), { code: 2, out: '', err: 'cnn train: missing <model.cnn.json> (usage: cnn train <model.cnn.json> [--epochs N] [--resume] [--warm-start] [--limit N] [--data-memory MiB] [--threads N] [--json])' });
    assert.equal((await cnn('train', 'a.cnn.json', 'b.cnn.json')).err, 'cnn train: unexpected argument "b.cnn.json" (usage: cnn train <model.cnn.json> [--epochs N] [--resume] [--warm-start] [--limit N] [--data-memory MiB] [--threads N] [--json])');
    assert.equal((await cnn('predict', lenet)).err, 'cnn predict: missing <image> (usage: cnn predict <model.cnn.json> <image>… [--top K] [--saliency OUT.png] [--gradcam OUT.png] [--class C] [--gradcam-layer NAME] [--threads N] [--json])');
    assert.equal((await cnn('summary')).err, 'cnn summary: missing <model.cnn.json> (usage: cnn summary <model.cnn.json>…)');
    assert.equal((await cnn('bench', lenet, 'extra')).code, 2, 'bench takes one model file at most');
  });

  it('generates `cnn --help` and `cnn <command> --help` from the same tables, listing every option', async () => {
    const all = await cnn('--help');
    assert.equal(all.code, 0);
    for (const spec of specs) {
      const line = all.out.split('\n').find((l) => l.trim().startsWith(`cnn ${spec.name} `) || l.trim() === `cnn ${spec.name}`);
      assert.ok(line, `cnn --help lists ${spec.name}`);
      const own = await cnn(spec.name, '--help');
      assert.equal(own.code, 0);
      assert.ok(own.out.startsWith(`usage: ${line.trim()}\n`), `${spec.name} --help starts with the same usage line`);
      for (const [name, o] of Object.entries(spec.options)) {
        assert.ok(line.includes(`[--${name}`), `cnn --help shows --${name} for ${spec.name}`);
        assert.ok(own.out.includes(`--${name}`) && own.out.includes(o.help), `cnn ${spec.name} --help documents --${name}`);
      }
    }
    assert.match((await cnn('train', '--help')).out, new RegExp(`--epochs N .*a whole number from 1 to ${maxEpochs}`));
    assert.equal((await cnn('predict', lenet, '-h')).code, 0, '-h works after operands');
  });
});

// cnn summary on a model of 200,000 layers: no stack overflow (seconds of parsing and shape inference; the rest of
// cnn summary is in test/unit/cli/summary.test.ts).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';

async function cnn(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cnn summary: size', () => {
  it('prints the summary of a model of 200,000 layers (3.2 MB) without overflowing the stack', async function () {
    this.timeout(60000);
    const layers = Array.from({ length: 200000 }, (_, i) => (i % 2 ? { type: 'relu' } : { type: 'dropout', rate: 0.1 }));
    const dir = mkdtempSync(join(tmpdir(), 'cnn-cli-'));
    const file = join(dir, 'deep.cnn.json');
    writeFileSync(file, JSON.stringify({ format: 'cnn-studio/model@1', input: { shape: [4, 4, 1] }, layers }));
    const r = await cnn('summary', file).finally(() => rmSync(dir, { recursive: true, force: true }));
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.match(r.out, /dropout_199998 \(dropout\)\s+4×4×1\s+0\s+0\n/);
    assert.match(r.out, /relu_199999 \(relu\)\s+4×4×1\s+0\s+0\n/);
    assert.match(r.out, /Training memory \(batch 32, adam\): /);
  });
});

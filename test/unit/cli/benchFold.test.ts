// cnn bench --mode infer times inference as cnn predict runs it (batch norms folded, engine/fold.ts); --unfolded
// runs every batch norm as its own layer, to compare; it is refused for training, which never folds. (That the
// folded outputs equal the unfolded ones is test/unit/engine/fold.test.ts's.)
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main';
import type { ModelBenchJson } from '../../../src/cli/bench';

const ROOT = resolve(__dirname, '../../..');

describe('cnn bench: batch norm folding in infer mode', () => {
  it('--json says whether batch norms were folded: by default yes, with --unfolded no', async () => {
    for (const [extra, folded] of [[[], true], [['--unfolded'], false]] as const) {
      const out: string[] = [];
      const code = await main(['bench', join(ROOT, 'examples/resnet20.cnn.json'), '--mode', 'infer', '--batch', '1', '--seconds', '0.05', '--kernels', 'js', '--json', ...extra], { out: (s) => out.push(s), err: () => {} });
      assert.equal(code, 0);
      const line = JSON.parse(out[out.length - 1]!) as ModelBenchJson;
      assert.equal(line.folded, folded);
      assert.equal(line.mode, 'infer');
    }
  });

  it('--unfolded with --mode train is a usage error with one clear line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['bench', join(ROOT, 'examples/resnet20.cnn.json'), '--mode', 'train', '--unfolded'], { out: (s) => out.push(s), err: (s) => err.push(s) });
    assert.equal(code, 2);
    assert.match(err.join('\n'), /--unfolded is for --mode infer/);
  });
});

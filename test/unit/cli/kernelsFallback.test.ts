// cnn predict/evaluate/explain on a network beyond WebAssembly's 4 GiB memory (regnet_y_128gf's 2.6 GB of weights
// made the arena's Memory.grow throw): the work runs again on the JavaScript kernels with one warning line; any
// other error is the caller's, unchanged.
import { strict as assert } from 'node:assert';
import { withThreads } from '../../../src/cli/evaluate';
import { activeKernels } from '../../../src/node/runtime/loadKernels';
import { skipUnavailable } from '../availability';

describe('cnn: kernels for a network beyond WebAssembly memory', () => {
  it('runs the work again on the JavaScript kernels, saying so once', async function () {
    const err: string[] = [];
    const seen: string[] = [];
    const code = await withThreads(1, { out: () => undefined, err: (s) => err.push(s) }, async () => {
      seen.push(activeKernels().name);
      if (activeKernels().name !== 'js') throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      return 7;
    });
    if (seen[0] === 'js') skipUnavailable(this, 'WebAssembly kernels are not available here');
    assert.equal(code, 7);
    assert.deepEqual(seen.slice(1), ['js']);
    assert.deepEqual(err, ["warning: the network does not fit WebAssembly's 4 GiB memory; running on the JavaScript kernels (slower)"]);
  });

  it('leaves other errors alone', async () => {
    const err: string[] = [];
    await assert.rejects(
      withThreads(1, { out: () => undefined, err: (s) => err.push(s) }, async () => {
        throw new RangeError('Invalid typed array length: -1');
      }),
      /Invalid typed array length/,
    );
    assert.deepEqual(err, []);
  });
});

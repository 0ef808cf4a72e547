// Child process of cacheKill.test.ts: builds the dataset cache of a folder, printing "done N" as it goes, until the
// test kills it with SIGKILL. Usage: node -r tsx/cjs buildCacheChild.ts DATA_DIR CACHE_DIR H W C
import { loadImageFolder } from '../../../../src/node/datasets/imageFolder';

const [data, cacheDir, h, w, c] = process.argv.slice(2);
// Paced at one image per 8 ms (a sleep before each, not a busy loop): on a fast machine sharp decodes the whole
// folder in less time than a kill takes to land, and the kills must land while the cache is being written.
const pause = new Int32Array(new SharedArrayBuffer(4));
const pace = (): boolean => {
  Atomics.wait(pause, 0, 0, 8);
  return false;
};
loadImageFolder(data, [Number(h), Number(w), Number(c)], { cacheDir, shouldStop: pace, onProgress: (p) => process.stdout.write(`done ${p.done}\n`) }).then(
  (ds) => process.stdout.write(`finished ${ds.count}\n`),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

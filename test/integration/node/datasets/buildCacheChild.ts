// Child process of cacheKill.test.ts: builds the dataset cache of a folder, printing "done N" as it goes, until the
// test kills it with SIGKILL. Usage: node -r tsx/cjs buildCacheChild.ts DATA_DIR CACHE_DIR H W C
import { loadImageFolder } from '../../../../src/node/datasets/imageFolder';

const [data, cacheDir, h, w, c] = process.argv.slice(2);
loadImageFolder(data, [Number(h), Number(w), Number(c)], { cacheDir, onProgress: (p) => process.stdout.write(`done ${p.done}\n`) }).then(
  (ds) => process.stdout.write(`finished ${ds.count}\n`),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

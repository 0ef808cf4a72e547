// `cnn cache info|clear`: where the dataset cache is (decoded image folders and frozen backbones' outputs, shared
// with VS Code), what it holds and how big it is; clear deletes it (it is rebuilt on the next run).
import { existsSync } from 'node:fs';
import { clearCaches, listCaches, type CacheFileInfo } from '../node/datasets/cache/datasetCache';
import { datasetCacheDir } from '../node/datasets/cache/location';
import { formatBytes } from '../model/format';
import { UsageError, type CliIo } from './io';
import { parseCommandLine, type CommandSpec } from './options';

export const spec = {
  name: 'cache',
  operands: [{ name: '<info|clear>' }],
  summary: 'the dataset cache (image folders decoded at the model\'s input size, frozen layers\' outputs): its location and size, or clear it',
  options: {
    json: { kind: 'boolean', help: 'info: one JSON object' },
  },
} as const satisfies CommandSpec;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  const [action] = operands;
  const dir = datasetCacheDir();
  if (action === 'clear') {
    const { files, bytes } = await clearCaches(dir);
    io.out(files === 0 ? `the dataset cache ${dir} is empty` : `cleared the dataset cache ${dir}: ${files} file${files === 1 ? '' : 's'}, ${formatBytes(bytes)}`);
    return 0;
  }
  if (action !== 'info') throw new UsageError(`cnn cache: unknown action "${action}" (expected info or clear)`);
  const caches = await listCaches(dir);
  const total = caches.reduce((s, c) => s + c.bytes, 0);
  if (values.json) {
    io.out(JSON.stringify({ dir, bytes: total, caches }));
    return 0;
  }
  io.out(`dataset cache: ${dir} (${caches.length} file${caches.length === 1 ? '' : 's'}, ${formatBytes(total)}; CNN_STUDIO_CACHE_DIR moves it)`);
  for (const c of caches) {
    const what = c.features ? featuresLine(c.features) : c.root === undefined ? 'not a cache file (a leftover; cleared by cnn cache clear)' : `${c.root}${existsSync(c.root) ? '' : ' (folder gone)'}  ${c.shape?.join('×') ?? '?'} ${c.policy ?? '?'}, ${c.samples} images${c.skipped ? `, ${c.skipped} skipped` : ''}, ${c.decoder ?? '?'}`;
    io.out(`  ${formatBytes(c.bytes).padStart(9)}  ${what}`);
  }
  return 0;
}

function featuresLine(f: NonNullable<CacheFileInfo['features']>): string {
  return `frozen layers' outputs: ${f.model} up to ${f.cut}, ${f.samples} samples × ${f.size} floats (${f.modelPath}${existsSync(f.modelPath) ? '' : ', model gone'})`;
}

// `cnn augment-preview <model.cnn.json> [-o grid.png] [--count N] [--seed N]`: the first training samples after
// training.augmentation as one PNG grid, to see what the network sees.
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TRAINING_SPEC } from '../model/modelSpec';
import { augmentPreview } from '../node/augmentPreview';
import { UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { formatLimits, parseCommandLine, type CommandSpec } from './options';

/** Enough to judge the ops at a glance; a grid of 256 224×224 tiles is already 3,600 pixels wide. */
const MAX_COUNT = 256;
const DEFAULT_COUNT = 16;

export const spec = {
  name: 'augment-preview',
  operands: [{ name: '<model.cnn.json>' }],
  summary: 'a PNG grid of the first training samples after training.augmentation: what the network sees',
  options: {
    output: { kind: 'string', short: 'o', placeholder: 'OUT.png', help: 'the PNG to write; default <model>.augment-preview.png beside the model' },
    count: { kind: 'integer', min: 1, max: MAX_COUNT, placeholder: 'N', help: `samples to show (default ${DEFAULT_COUNT})` },
    copies: { kind: 'integer', min: 1, max: 64, placeholder: 'K', help: 'show each sample K times, drawn anew, one row per sample (default 1)' },
    seed: { kind: 'integer', ...formatLimits(TRAINING_SPEC.fields.seed), placeholder: 'N', help: 'the random seed (default training.seed): another seed shows other draws' },
  },
} as const satisfies CommandSpec;

/** "lenet5.cnn.json" → "lenet5.augment-preview.png" beside it. */
export function defaultOutput(modelPath: string): string {
  return join(dirname(modelPath), `${basename(modelPath).replace(/\.cnn\.json$|\.json$/, '')}.augment-preview.png`);
}

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  const [modelPath] = operands as [string];
  const model = loadValidModel(modelPath, io);
  const output = values.output ?? defaultOutput(modelPath);
  let preview;
  try {
    const copies = values.copies ?? 1;
    const count = values.count ?? Math.max(1, Math.floor(DEFAULT_COUNT / copies));
    if (count * copies > MAX_COUNT) throw new UserError(`cnn augment-preview: --count × --copies is at most ${MAX_COUNT} tiles, got ${count} × ${copies}`);
    preview = await augmentPreview(modelPath, model, { count, copies, ...(values.seed !== undefined ? { seed: values.seed } : {}) });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(e instanceof Error ? e.message : String(e));
  }
  for (const w of preview.warnings) io.err(`warning: ${w}`);
  if (!preview.augmented) io.err(`note: ${modelPath} has no training.augmentation that changes anything: the samples are shown as they are`);
  try {
    await writeFile(output, preview.png);
  } catch (e) {
    throw new UserError(`cannot write ${output}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const [h, w] = model.input.shape;
  const copies = preview.copies > 1 ? `, ${preview.copies} draws each` : '';
  const samples = `${preview.count} ${preview.augmented ? 'augmented ' : ''}sample${preview.count === 1 ? '' : 's'}`;
  io.out(`wrote ${output}: ${samples}${copies} of ${preview.description} (seed ${preview.seed}), `
    + `${preview.columns}×${preview.rows} tiles of ${w}×${h}${preview.scale > 1 ? ` enlarged ×${preview.scale}` : ''}, ${preview.width}×${preview.height} pixels`);
  return 0;
}

// `cnn summary`: a Keras-style table of every layer with shapes, parameters, multiply-adds (and, for graph models, the
// layers each one is connected to), then totals.
import { totalmem } from 'node:os';
import type { ParsedModel } from '../model/parse';
import { UserError, type CliIo } from './io';
import { checkModelFile } from './modelFile';
import { parseCommandLine, type CommandSpec } from './options';
import { renderSummary } from './summaryText';

export const spec = {
  name: 'summary',
  operands: [{ name: '<model.cnn.json>', repeated: true }],
  summary: 'Keras-style table (layer, output shape, parameters, multiply-adds; for graphs, connected to) and totals; errors as path:line:col',
  options: {},
} as const satisfies CommandSpec;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { operands: files } = parseCommandLine(spec, args);
  let status = 0;
  for (const file of files) {
    let parsed: ParsedModel;
    try {
      parsed = checkModelFile(file, io).parsed;
    } catch (e) {
      // An unreadable file (missing, a directory, a pipe) does not stop the summaries of the others.
      if (!(e instanceof UserError)) throw e;
      io.err(e.message);
      status = 1;
      continue;
    }
    io.out(renderSummary(file, parsed, totalmem()));
    if (parsed.diagnostics.some((d) => d.severity === 'error')) status = 1;
  }
  return status;
}

export { renderSummary } from './summaryText';

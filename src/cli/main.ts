// `cnn <command>`: the engine and analysis without VS Code.
import { processIo, UserError, type CliIo } from './io';
import * as bench from './bench';
import * as evaluate from './evaluate';
import * as predict from './predict';
import * as summary from './summary';
import * as train from './train';

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

const commands: Record<string, { run: Command; help: string }> = {
  summary: { run: summary.run, help: 'summary <model.cnn.json>…                 layers, shapes, parameters and totals' },
  train: { run: train.run, help: 'train <model.cnn.json> [--epochs N] [--resume] [--limit N] [--json]' },
  evaluate: { run: evaluate.run, help: 'evaluate <model.cnn.json> [--json]        accuracy, per-class accuracy, confusion matrix' },
  bench: { run: bench.run, help: 'bench [--seconds S] [--filter X] [--json]  engine speed: layers and training steps' },
  predict: { run: predict.run, help: 'predict <model.cnn.json> <image>… [--top K]  top classes with probabilities' },
};

function usage(io: CliIo): void {
  io.out('usage: cnn <command> [options]\n');
  for (const c of Object.values(commands)) io.out(`  cnn ${c.help}`);
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.err(`cnn: unknown command "${name}"`);
    usage(io);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UserError) {
      io.err(e.message);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`cnn: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 70;
    },
  );
}

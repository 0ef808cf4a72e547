// `cnn <command>`: the engine and analysis without VS Code.
import { FileError } from '../node/files';
import { kernelsRequestFromEnv, loadKernels, withKernels } from '../node/runtime/loadKernels';
import { processIo, UsageError, UserError, type CliIo } from './io';
import * as augmentPreview from './augmentPreview';
import * as bench from './bench';
import * as cache from './cache';
import * as evaluate from './evaluate';
import * as explain from './explain';
import * as exportCommand from './export';
import * as importCommand from './import';
import { commandHelp, mainHelp, wantsHelp, type CommandSpec } from './options';
import * as predict from './predict';
import * as summary from './summary';
import * as train from './train';
import * as transfer from './transfer';

interface Command {
  readonly spec: CommandSpec;
  readonly run: (args: readonly string[], io: CliIo) => Promise<number>;
}

/** In the order `cnn --help` lists them. */
const commands: readonly Command[] = [summary, train, evaluate, predict, explain, augmentPreview, exportCommand, importCommand, transfer, bench, cache];

/** Commands that run no network (bench chooses its kernels per pass itself). */
const WITHOUT_KERNELS = new Set(['summary', 'bench', 'cache', 'augment-preview', 'transfer']);

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  const specs = commands.map((c) => c.spec);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp(specs));
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.spec.name === name);
  if (!command) {
    io.err(`cnn: unknown command "${name}"`);
    io.out(mainHelp(specs));
    return 2;
  }
  if (wantsHelp(args)) {
    io.out(commandHelp(command.spec));
    return 0;
  }
  try {
    // Every engine command runs on the best kernels (CNN_KERNELS can force them); bench chooses per pass itself.
    const run = (): Promise<number> => command.run(args, io);
    return await (WITHOUT_KERNELS.has(command.spec.name) ? run() : withKernels(loadKernels(kernelsRequestFromEnv()), run));
  } catch (e) {
    if (e instanceof UserError) {
      io.err(e.message);
      return e instanceof UsageError ? 2 : 1;
    }
    // Any file read through data/files already has its one-line message ("w.safetensors is a directory, …").
    if (e instanceof FileError) {
      io.err(e.message);
      return 1;
    }
    throw e;
  }
}

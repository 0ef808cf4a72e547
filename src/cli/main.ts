// `cnn <command>`: the engine and analysis without VS Code.
import { FileError } from '../data/files';
import { processIo, UsageError, UserError, type CliIo } from './io';
import * as bench from './bench';
import * as evaluate from './evaluate';
import { commandHelp, mainHelp, wantsHelp, type CommandSpec } from './options';
import * as predict from './predict';
import * as summary from './summary';
import * as train from './train';

interface Command {
  readonly spec: CommandSpec;
  readonly run: (args: readonly string[], io: CliIo) => Promise<number>;
}

/** In the order `cnn --help` lists them. */
const commands: readonly Command[] = [summary, train, evaluate, predict, bench];

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
    return await command.run(args, io);
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

if (require.main === module) {
  // `cnn … | head` closes the pipe early: stop quietly instead of dying on an unhandled EPIPE with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(0);
    });
  }
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

// How commands talk to the terminal, so tests can capture it.
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** A problem the user can fix: printed as one line, exit code 1, no stack trace. */
export class UserError extends Error {}

/** A command line the command cannot run (unknown option, bad value, missing operand): exit code 2. */
export class UsageError extends UserError {}

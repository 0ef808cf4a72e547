// The one command-line parser: every command declares its operands and options in a CommandSpec, and both the
// parser and `--help` read that table. Numbers are plain decimals within the table's limits; unknown options,
// missing values and wrong operand counts are usage errors (exit 2) naming the command and the option.
import { assertNever } from '../model/assertNever';
import type { FieldSpec } from '../model/spec';
import { suggest } from '../model/suggest';
import { UsageError } from './io';

export type OptionSpec = (
  | { readonly kind: 'boolean'; readonly help: string }
  /** A whole number from min to max, written as plain decimal digits. */
  | { readonly kind: 'integer'; readonly min: number; readonly max: number; readonly placeholder: string; readonly help: string }
  /** A decimal number (digits with an optional fraction) greater than 0 and at most max. */
  | { readonly kind: 'positiveNumber'; readonly max: number; readonly placeholder: string; readonly help: string }
  | { readonly kind: 'string'; readonly placeholder: string; readonly help: string }
) & {
  /** A one-letter alias, written with one dash: `-o` for `--output`. */
  readonly short?: string;
};

export interface Operand {
  /** As in the usage line, e.g. "<model.cnn.json>". */
  readonly name: string;
  /** One or more (only the last operand). */
  readonly repeated?: boolean;
  /** May be left out (only trailing operands): `cnn bench` with or without a model file. */
  readonly optional?: boolean;
}

export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>> = Readonly<Record<string, OptionSpec>>> {
  readonly name: string;
  readonly operands: readonly Operand[];
  /** One line for `cnn --help`. */
  readonly summary: string;
  readonly options: O;
}

type ValueOf<S extends OptionSpec> = S extends { kind: 'boolean' } ? boolean : S extends { kind: 'string' } ? string : number;

export type OptionValues<O extends Readonly<Record<string, OptionSpec>>> = { readonly [K in keyof O]?: ValueOf<O[K]> };

export interface ParsedCommandLine<O extends Readonly<Record<string, OptionSpec>>> {
  readonly values: OptionValues<O>;
  readonly operands: readonly string[];
}

/** The limits of an integer field of the model format, so an option accepts exactly what the model file may hold. */
export function formatLimits(field: FieldSpec | undefined): { readonly min: number; readonly max: number } {
  if (field?.kind !== 'int') throw new Error('not an integer field of the model format');
  return { min: field.min, max: field.max };
}

const DECIMAL_INTEGER = /^[0-9]+$/;
const DECIMAL_NUMBER = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;

/** True when the user asked for help (before a `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** "a whole number from 1 to 100000", for messages and help. */
export function describeValue(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'integer':
      return `a whole number from ${spec.min} to ${spec.max}`;
    case 'positiveNumber':
      return `a number greater than 0 and at most ${spec.max}`;
    case 'string':
      return `a value (${spec.placeholder})`;
    case 'boolean':
      return 'no value';
    default:
      return assertNever(spec, 'option kind');
  }
}

export function parseCommandLine<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, args: readonly string[]): ParsedCommandLine<O> {
  const fail = (message: string): never => {
    throw new UsageError(`cnn ${spec.name}: ${message}`);
  };
  const values: Record<string, boolean | number | string> = {};
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      for (let j = i + 1; j < args.length; j++) operands.push(args[j]); // no push(...): argv may be long
      break;
    }
    // "-" alone is an operand by convention; "-1" is never an option, so a negative number reaches the range check.
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const short = arg.startsWith('--') ? undefined : Object.keys(spec.options).find((k) => spec.options[k]!.short === arg.slice(1));
    const name = short ?? (arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : arg.slice(1));
    const option = Object.prototype.hasOwnProperty.call(spec.options, name) && (short !== undefined || arg.startsWith('--')) ? spec.options[name] : undefined;
    if (!option) {
      const shown = eq < 0 || !arg.startsWith('--') ? arg : arg.slice(0, eq);
      const near = arg.startsWith('--') ? suggest(name, Object.keys(spec.options)) : undefined;
      return fail(`unknown option ${shown}${near ? `; did you mean --${near}?` : ''} (see cnn ${spec.name} --help)`);
    }
    if (option.kind === 'boolean') {
      if (eq >= 0 && !short) fail(`--${name} takes no value, got "${arg.slice(eq + 1)}"`);
      values[name] = true;
      continue;
    }
    let text: string;
    if (eq >= 0 && !short) text = arg.slice(eq + 1);
    else {
      const next = args[i + 1];
      // A following option is a forgotten value, not the value itself.
      if (next === undefined || next.startsWith('--')) fail(`--${name} needs ${describeValue(option)}${next === undefined ? '' : `, got the option ${next}`}`);
      text = next;
      i++;
    }
    if (text === '' && option.kind === 'string') fail(`--${name} needs ${describeValue(option)}, got an empty one`);
    values[name] = parseValue(option, text, (m) => fail(`--${name} must be ${m}, got "${text}"`));
  }
  checkOperands(spec, operands, fail);
  return { values: values as OptionValues<O>, operands };
}

function parseValue(option: Exclude<OptionSpec, { kind: 'boolean' }>, text: string, bad: (expected: string) => never): number | string {
  switch (option.kind) {
    case 'string':
      return text;
    case 'integer': {
      const n = DECIMAL_INTEGER.test(text) ? Number(text) : Number.NaN;
      return n >= option.min && n <= option.max ? n : bad(describeValue(option));
    }
    case 'positiveNumber': {
      const n = DECIMAL_NUMBER.test(text) ? Number(text) : Number.NaN;
      return n > 0 && n <= option.max ? n : bad(describeValue(option));
    }
    default:
      return assertNever(option, 'option kind');
  }
}

function checkOperands(spec: CommandSpec, operands: readonly string[], fail: (message: string) => never): void {
  const last = spec.operands[spec.operands.length - 1];
  const max = last?.repeated ? Infinity : spec.operands.length;
  const required = spec.operands.filter((o) => !o.optional).length;
  if (operands.length < required) fail(`missing ${spec.operands[operands.length].name} (usage: ${usageLine(spec)})`);
  if (operands.length > max) fail(`unexpected argument "${operands[max]}" (usage: ${usageLine(spec)})`);
}

/** "cnn train <model.cnn.json> [--epochs N] [--resume] [--limit N] [--json]" */
export function usageLine(spec: CommandSpec): string {
  const operands = spec.operands.map((o) => {
    const name = o.repeated ? `${o.name}…` : o.name;
    return o.optional ? `[${name}]` : name;
  });
  const options = Object.entries(spec.options).map(([name, o]) => {
    const flag = o.short ? `-${o.short}` : `--${name}`;
    return o.kind === 'boolean' ? `[${flag}]` : `[${flag} ${o.placeholder}]`;
  });
  return ['cnn', spec.name, ...operands, ...options].join(' ');
}

/** `cnn <command> --help`: usage, what it does, and every option with its limits. */
export function commandHelp(spec: CommandSpec): string {
  const rows: [string, string][] = Object.entries(spec.options).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : ''}${o.kind === 'boolean' ? `--${name}` : `--${name} ${o.placeholder}`}`,
    o.kind === 'integer' || o.kind === 'positiveNumber' ? `${o.help} (${describeValue(o)})` : o.help,
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [`usage: ${usageLine(spec)}`, '', spec.summary, '', 'options:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)].join('\n');
}

/** `cnn --help`: every command's usage line and summary. */
export function mainHelp(specs: readonly CommandSpec[]): string {
  const lines = ['usage: cnn <command> [options]   (cnn <command> --help describes each option)', '', 'commands:'];
  for (const spec of specs) lines.push(`  ${usageLine(spec)}`, `      ${spec.summary}`);
  return lines.join('\n');
}
